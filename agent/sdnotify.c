// SPDX-License-Identifier: Apache-2.0
/*
 * sdnotify.c - the service manager's notification protocol (see sdnotify.h).
 *
 * systemd documents it (sd_notify(3), "the notification protocol"): the
 * environment variable NOTIFY_SOCKET names an AF_UNIX datagram socket,
 * either a path ("/run/systemd/notify") or, with a leading '@', a name in
 * the abstract namespace; each notification is one datagram of
 * newline-separated VARIABLE=VALUE assignments. The manager reads the
 * sender's credentials from the kernel (SO_PASSCRED on its side), so nothing
 * else is sent. A few lines here keep libsystemd out of the endpoint agent.
 * Must not: block the daemon's loop (MSG_DONTWAIT), or make a failure to
 * notify fatal: the caller logs it.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sd_notify_state(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	if (!name || !*name)
		return 1;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len < 2 || len > sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name's bytes after a NUL, no terminator */
	else if (len == sizeof(sa.sun_path))
		return -EINVAL; /* a path needs its terminating NUL */

	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
			   (struct sockaddr *)&sa, salen);
	int rc = n < 0 ? -errno : (size_t)n == strlen(state) ? 0 : -EMSGSIZE;
	close(fd);
	return rc;
}
