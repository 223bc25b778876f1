// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_sdnotify.c - the sd_notify datagram protocol (sdnotify.c)
 * received by a real socket, as systemd receives it: a path socket and an
 * abstract one, the message bytes exactly, no socket named (nothing to do),
 * and names the protocol does not allow refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnotify.h"

/* A datagram socket bound to name (path, or "@abstract"); -1 on failure. */
static int listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || len >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	if (bind(fd, (struct sockaddr *)&sa, salen) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_path_socket(void **state)
{
	(void)state;
	char dir[] = "/tmp/amt-notify.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	int fd = listener(path);
	assert_true(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sd_notify_state("READY=1\nSTATUS=listening on /run/amt-agent/agent.sock"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=listening on /run/amt-agent/agent.sock");
	assert_int_equal(sd_notify_state("STOPPING=1"), 0);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
	unlink(path);
	rmdir(dir);
	/* the socket is gone: an error to log, not a crash */
	assert_int_equal(sd_notify_state("READY=1"), -ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

static void test_abstract_socket(void **state)
{
	(void)state;
	char name[64];
	snprintf(name, sizeof(name), "@amt-agent-test-notify-%d", (int)getpid());
	int fd = listener(name);
	assert_true(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(sd_notify_state("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_no_socket_is_nothing_to_do(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sd_notify_state("READY=1"), 1);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sd_notify_state("READY=1"), 1);
	unsetenv("NOTIFY_SOCKET");
}

static void test_bad_names_refused(void **state)
{
	(void)state;
	char longname[200];
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	assert_int_equal(sd_notify_state("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(sd_notify_state("READY=1"), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(sd_notify_state("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_no_socket_is_nothing_to_do),
		cmocka_unit_test(test_bad_names_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
