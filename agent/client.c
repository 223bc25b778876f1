// SPDX-License-Identifier: Apache-2.0
/*
 * client.c - run a subcommand through the daemon (see client.h).
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "sockproto.h"

#define REPLY_WAIT_MS (3700 * 1000) /* a worker's own limit bounds the wait */

static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int client_run_via_daemon(struct agent_ctx *ctx, int argc, char **argv, bool required)
{
	int fd = connect_daemon(ctx->cfg.socket);
	if (fd < 0) {
		if (!required)
			return -1;
		fprintf(ctx->err,
			"%s: cannot reach the amt-agent service at %s: %s — start it with "
			"'systemctl start amt-agent'\n",
			ctx->prog, ctx->cfg.socket, strerror(errno));
		return EXIT_AMT_NETWORK;
	}
	char *req = sockproto_encode_request(argc, argv), *buf = NULL, *out = NULL, *err = NULL;
	size_t len = 0, cap = 0;
	int code = EXIT_AMT_PROTOCOL;
	if (!req || send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		goto bad;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, REPLY_WAIT_MS) <= 0)
			goto bad;
		if (len + 4096 > cap) {
			if (cap >= SOCKPROTO_MAX_RESPONSE)
				goto bad;
			char *bigger = realloc(buf, cap ? cap * 2 : 8192);
			if (!bigger)
				goto bad;
			buf = bigger;
			cap = cap ? cap * 2 : 8192;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	if (sockproto_parse_response(buf ? buf : "", len, &code, &out, &err) != 0)
		goto bad;
	fputs(out, ctx->out);
	fputs(err, ctx->err);
	goto done;
bad:
	fprintf(ctx->err,
		"%s: the amt-agent service at %s gave no usable answer — check "
		"'journalctl -u amt-agent'\n",
		ctx->prog, ctx->cfg.socket);
	code = EXIT_AMT_PROTOCOL;
done:
	free(req);
	free(buf);
	free(out);
	free(err);
	close(fd);
	return code;
}
