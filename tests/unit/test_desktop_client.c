// SPDX-License-Identifier: Apache-2.0
/*
 * test_desktop_client.c - amt-help's socket client against a scripted
 * service on a real Unix socket: the request line is the CLI's, answers
 * come back whole, and every way the service can fail (absent, stale
 * socket, garbage, oversized, silent, hanging up, cancelled) ends the
 * exchange with the right verdict and without blocking the main loop.
 * Also: where the socket path comes from (the agent's configuration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "help_client.h"
#include "help_config.h"

enum script {
	ANSWER,        /* one response line */
	ANSWER_NO_NL,  /* the line without its newline, then EOF */
	GARBAGE,
	OVERSIZED,     /* more than SOCKPROTO_MAX_RESPONSE without a newline */
	SILENT,        /* reads, never answers, keeps the connection */
	HANG_UP,       /* reads, closes without a word */
};

struct server {
	char dir[64], path[128];
	int fd;
	enum script script;
	const char *answer;
	char request[4096];
	pthread_t thread;
	int stop_pipe[2];
};

static void *serve(void *p)
{
	struct server *s = p;
	int c = accept(s->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t len = 0;
	while (len < sizeof(s->request) - 1) {
		ssize_t n = read(c, s->request + len, sizeof(s->request) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(s->request, '\n', len))
			break;
	}
	s->request[len] = '\0';
	switch (s->script) {
	case ANSWER:
		(void)!write(c, s->answer, strlen(s->answer));
		break;
	case ANSWER_NO_NL:
		(void)!write(c, s->answer, strlen(s->answer) - 1);
		break;
	case GARBAGE:
		(void)!write(c, "HTTP/1.0 200 OK\r\n\r\n", 19);
		break;
	case OVERSIZED: {
		static char junk[65536];
		memset(junk, 'x', sizeof(junk));
		for (int i = 0; i < 40; i++)
			if (send(c, junk, sizeof(junk), MSG_NOSIGNAL) < 0)
				break;
		break;
	}
	case SILENT: {
		char b;
		(void)!read(s->stop_pipe[0], &b, 1);
		break;
	}
	case HANG_UP:
		break;
	}
	close(c);
	return NULL;
}

static struct server *server_start(enum script script, const char *answer)
{
	struct server *s = calloc(1, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/amt-help-test.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/agent.sock", s->dir);
	s->script = script;
	s->answer = answer;
	assert_int_equal(pipe(s->stop_pipe), 0);
	s->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->fd, 4), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
	return s;
}

static void server_stop(struct server *s)
{
	(void)!write(s->stop_pipe[1], "x", 1);
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	unlink(s->path);
	rmdir(s->dir);
	free(s);
}

/* Run one call to its end on a private main loop. */
struct run {
	GMainLoop *loop;
	struct help_reply reply;
	gboolean done;
	int ticks; /* the loop kept turning while waiting */
};

static void on_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct run *r = data;
	help_client_call_finish(res, &r->reply);
	r->done = TRUE;
	g_main_loop_quit(r->loop);
}

static gboolean on_tick(gpointer data)
{
	((struct run *)data)->ticks++;
	return G_SOURCE_CONTINUE;
}

static gboolean cancel_now(gpointer data)
{
	g_cancellable_cancel(data);
	return G_SOURCE_REMOVE;
}

static void call(const char *path, const char *const *argv, unsigned timeout_s,
		 GCancellable *cancel, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->loop = g_main_loop_new(NULL, FALSE);
	guint tick = g_timeout_add(20, on_tick, r);
	help_client_call_async(path, argv, timeout_s, cancel, on_done, r);
	assert_false(r->done); /* never answers before returning */
	g_main_loop_run(r->loop);
	g_source_remove(tick);
	g_main_loop_unref(r->loop);
}

static const char *const info_argv[] = {"info", "--json", NULL};
#define INFO_ANSWER "{\"v\":1,\"exit\":0,\"stdout\":\"{\\\"schema\\\": 1}\\n\",\"stderr\":\"\"}\n"

static void answered(void **st)
{
	struct server *s = server_start(ANSWER, INFO_ANSWER);
	struct run r;
	call(s->path, info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_OK);
	assert_int_equal(r.reply.exit_code, 0);
	assert_string_equal(r.reply.out, "{\"schema\": 1}\n");
	assert_string_equal(r.reply.err, "");
	/* Exactly the CLI's request line. */
	assert_string_equal(s->request, "{\"v\":1,\"argv\":[\"info\",\"--json\"]}\n");
	struct help_answer a = help_reply_answer(&r.reply);
	assert_int_equal(a.transport, HELP_T_OK);
	assert_string_equal(a.out, "{\"schema\": 1}\n");
	help_reply_clear(&r.reply);
	server_stop(s);
}

static void exit_code_and_stderr(void **st)
{
	static const char *const argv[] = {"call-for-help", "--wait", "120", "--json", NULL};
	struct server *s = server_start(
		ANSWER_NO_NL, "{\"v\":1,\"exit\":7,\"stdout\":\"\",\"stderr\":\"amt-agent: cannot "
			      "call for help: not connected after 120 s\\n\"}\n");
	struct run r;
	call(s->path, argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_OK); /* EOF ends the line, as for the CLI */
	assert_int_equal(r.reply.exit_code, 7);
	assert_string_equal(r.reply.err, "amt-agent: cannot call for help: not connected after 120 s\n");
	assert_string_equal(s->request,
			    "{\"v\":1,\"argv\":[\"call-for-help\",\"--wait\",\"120\",\"--json\"]}\n");
	help_reply_clear(&r.reply);
	server_stop(s);
}

static void no_service(void **st)
{
	struct run r;
	call("/nonexistent/amt-agent/agent.sock", info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_NO_SERVICE);
	assert_non_null(r.reply.why);
	help_reply_clear(&r.reply);

	/* A socket file left by a daemon that is gone: refused, same verdict. */
	struct server *s = server_start(HANG_UP, NULL);
	char stale[128];
	snprintf(stale, sizeof(stale), "%s", s->path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/stale.sock", s->dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* bound, never listening */
	call(sa.sun_path, info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_NO_SERVICE);
	help_reply_clear(&r.reply);
	unlink(sa.sun_path);
	server_stop(s);
}

static void bad_answers(void **st)
{
	struct run r;
	struct server *s = server_start(GARBAGE, NULL);
	call(s->path, info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_BAD_ANSWER);
	help_reply_clear(&r.reply);
	server_stop(s);

	s = server_start(HANG_UP, NULL);
	call(s->path, info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_BAD_ANSWER);
	assert_string_equal(r.reply.why, "connection closed without an answer");
	help_reply_clear(&r.reply);
	server_stop(s);

	/* Wrong protocol version in an otherwise fine line. */
	s = server_start(ANSWER, "{\"v\":2,\"exit\":0,\"stdout\":\"\",\"stderr\":\"\"}\n");
	call(s->path, info_argv, 5, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_BAD_ANSWER);
	help_reply_clear(&r.reply);
	server_stop(s);
}

static void oversized_is_capped(void **st)
{
	struct server *s = server_start(OVERSIZED, NULL);
	struct run r;
	call(s->path, info_argv, 10, NULL, &r);
	assert_int_equal(r.reply.transport, HELP_T_BAD_ANSWER);
	assert_string_equal(r.reply.why, "response too large");
	help_reply_clear(&r.reply);
	server_stop(s);
}

static void silent_service_times_out(void **st)
{
	struct server *s = server_start(SILENT, NULL);
	struct run r;
	gint64 t0 = g_get_monotonic_time();
	call(s->path, info_argv, 1, NULL, &r);
	gint64 ms = (g_get_monotonic_time() - t0) / 1000;
	assert_int_equal(r.reply.transport, HELP_T_TIMEOUT);
	assert_true(ms >= 900 && ms < 5000);
	assert_true(r.ticks > 10); /* the main loop ran all along */
	help_reply_clear(&r.reply);
	server_stop(s);
}

static void cancelled(void **st)
{
	struct server *s = server_start(SILENT, NULL);
	struct run r;
	GCancellable *c = g_cancellable_new();
	g_timeout_add(200, cancel_now, c);
	call(s->path, info_argv, 30, c, &r);
	assert_int_equal(r.reply.transport, HELP_T_CANCELLED);
	help_reply_clear(&r.reply);
	/* Already cancelled before the call: ends at once, same verdict. */
	call(s->path, info_argv, 30, c, &r);
	assert_int_equal(r.reply.transport, HELP_T_CANCELLED);
	help_reply_clear(&r.reply);
	g_object_unref(c);
	server_stop(s);
}

static void socket_from_config(void **st)
{
	char dir[] = "/tmp/amt-help-conf.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agent.conf", dir);
	FILE *f = fopen(path, "w");
	fputs("[agent]\nlog_level = info\nsocket = /run/test/agent.sock\n[report]\nsocket = /x\n", f);
	fclose(f);
	char *s = help_socket_from_config(path);
	assert_string_equal(s, "/run/test/agent.sock");
	free(s);
	/* A relative value is the agent's to refuse; amt-help keeps the default. */
	f = fopen(path, "w");
	fputs("[agent]\nsocket = relative.sock\n", f);
	fclose(f);
	s = help_socket_from_config(path);
	assert_string_equal(s, HELP_DEFAULT_SOCKET);
	free(s);
	unlink(path);
	/* Absent (or closed to this user): the default. */
	s = help_socket_from_config(path);
	assert_string_equal(s, HELP_DEFAULT_SOCKET);
	free(s);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answered),
		cmocka_unit_test(exit_code_and_stderr),
		cmocka_unit_test(no_service),
		cmocka_unit_test(bad_answers),
		cmocka_unit_test(oversized_is_capped),
		cmocka_unit_test(silent_service_times_out),
		cmocka_unit_test(cancelled),
		cmocka_unit_test(socket_from_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
