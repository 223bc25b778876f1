// SPDX-License-Identifier: Apache-2.0
/*
 * help_client.c - one request through the service's socket on the GLib
 * main loop (see help_client.h): GSocketClient connects to the Unix
 * socket, the request line goes out with write_all_async, the response is
 * read with read_async into a buffer capped at SOCKPROTO_MAX_RESPONSE
 * until its newline (or EOF, as the CLI accepts). A timeout source and
 * the caller's GCancellable both cancel one internal GCancellable, so
 * every exchange ends by itself. The messages are sockproto's, the same
 * code the CLI and the daemon use.
 */
#include "help_client.h"

#include <gio/gunixsocketaddress.h>
#include <stdlib.h>
#include <string.h>

#include "sockproto.h"

#define READ_CHUNK 8192

struct call {
	GSocketConnection *conn;
	GCancellable *cancel;      /* internal: timeout or the caller's cancel */
	GCancellable *user_cancel; /* the caller's, may be NULL */
	gulong user_handler;
	guint timeout_id;
	gboolean timed_out;
	char *request;
	GByteArray *buf;
	guint8 chunk[READ_CHUNK];
};

static void call_free(gpointer p)
{
	struct call *c = p;
	if (c->timeout_id)
		g_source_remove(c->timeout_id);
	if (c->user_cancel) {
		g_cancellable_disconnect(c->user_cancel, c->user_handler);
		g_object_unref(c->user_cancel);
	}
	g_clear_object(&c->conn);
	g_clear_object(&c->cancel);
	free(c->request);
	if (c->buf)
		g_byte_array_unref(c->buf);
	g_free(c);
}

static void reply_free(gpointer p)
{
	struct help_reply *r = p;
	help_reply_clear(r);
	g_free(r);
}

/* Settle the task with a reply, exactly once. */
static void finish(GTask *task, enum help_transport t, int code, char *out, char *err,
		   const char *why)
{
	struct call *c = g_task_get_task_data(task);
	struct help_reply *r = g_new0(struct help_reply, 1);
	r->transport = t;
	r->exit_code = code;
	r->out = out;
	r->err = err;
	r->why = why ? g_strdup(why) : NULL;
	if (c->timeout_id) {
		g_source_remove(c->timeout_id);
		c->timeout_id = 0;
	}
	if (c->conn)
		g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_task_return_pointer(task, r, reply_free);
	g_object_unref(task);
}

/* A GIO error says how the exchange ended. */
static void finish_error(GTask *task, GError *e, gboolean connecting)
{
	struct call *c = g_task_get_task_data(task);
	enum help_transport t = HELP_T_BAD_ANSWER;
	if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		t = c->timed_out ? HELP_T_TIMEOUT : HELP_T_CANCELLED;
	else if (connecting)
		t = HELP_T_NO_SERVICE; /* missing, refused, not a socket, no access */
	finish(task, t, -1, NULL, NULL, e->message);
	g_error_free(e);
}

static void read_more(GTask *task);

static void on_read(GObject *src, GAsyncResult *res, gpointer data)
{
	GTask *task = data;
	struct call *c = g_task_get_task_data(task);
	GError *e = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, &e);
	if (n < 0) {
		finish_error(task, e, FALSE);
		return;
	}
	if (n > 0) {
		if (c->buf->len + (gsize)n > SOCKPROTO_MAX_RESPONSE) {
			finish(task, HELP_T_BAD_ANSWER, -1, NULL, NULL, "response too large");
			return;
		}
		g_byte_array_append(c->buf, c->chunk, (guint)n);
		if (!memchr(c->chunk, '\n', (size_t)n)) {
			read_more(task);
			return;
		}
	}
	int code = -1;
	char *out = NULL, *err = NULL;
	if (c->buf->len == 0 ||
	    sockproto_parse_response((const char *)c->buf->data, c->buf->len, &code, &out, &err) != 0) {
		finish(task, HELP_T_BAD_ANSWER, -1, NULL, NULL,
		       c->buf->len ? "not a protocol-1 response" : "connection closed without an answer");
		return;
	}
	finish(task, HELP_T_OK, code, out, err, NULL);
}

static void read_more(GTask *task)
{
	struct call *c = g_task_get_task_data(task);
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c->conn));
	g_input_stream_read_async(in, c->chunk, sizeof(c->chunk), G_PRIORITY_DEFAULT, c->cancel,
				  on_read, task);
}

static void on_written(GObject *src, GAsyncResult *res, gpointer data)
{
	GTask *task = data;
	GError *e = NULL;
	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, &e)) {
		finish_error(task, e, FALSE);
		return;
	}
	read_more(task);
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data)
{
	GTask *task = data;
	struct call *c = g_task_get_task_data(task);
	GError *e = NULL;
	c->conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &e);
	g_object_unref(src);
	if (!c->conn) {
		finish_error(task, e, TRUE);
		return;
	}
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));
	g_output_stream_write_all_async(out, c->request, strlen(c->request), G_PRIORITY_DEFAULT,
					c->cancel, on_written, task);
}

static gboolean on_timeout(gpointer data)
{
	struct call *c = data;
	c->timeout_id = 0;
	c->timed_out = TRUE;
	g_cancellable_cancel(c->cancel);
	return G_SOURCE_REMOVE;
}

static void on_user_cancel(GCancellable *user, gpointer data)
{
	g_cancellable_cancel(data);
}

static gboolean settle_later(gpointer data)
{
	GTask *task = data;
	finish(task, HELP_T_BAD_ANSWER, -1, NULL, NULL, "request could not be encoded");
	return G_SOURCE_REMOVE;
}

void help_client_call_async(const char *socket_path, const char *const *argv,
			    unsigned timeout_s, GCancellable *cancel, GAsyncReadyCallback cb,
			    gpointer user_data)
{
	struct call *c = g_new0(struct call, 1);
	GTask *task = g_task_new(NULL, NULL, cb, user_data);
	int argc = 0;

	g_task_set_task_data(task, c, call_free);
	c->cancel = g_cancellable_new();
	c->buf = g_byte_array_new();
	while (argv[argc])
		argc++;
	c->request = sockproto_encode_request(argc, (char *const *)argv);
	if (!c->request) {
		g_idle_add(settle_later, task); /* never call back before returning */
		return;
	}
	if (cancel) {
		c->user_cancel = g_object_ref(cancel);
		/* Runs at once when cancel is already cancelled. */
		c->user_handler = g_cancellable_connect(cancel, G_CALLBACK(on_user_cancel),
							c->cancel, NULL);
	}
	c->timeout_id = g_timeout_add((timeout_s ? timeout_s : 1) * 1000u, on_timeout, c);
	GSocketAddress *addr = g_unix_socket_address_new(socket_path);
	GSocketClient *client = g_socket_client_new();
	g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), c->cancel, on_connected,
				      task);
	g_object_unref(addr);
}

void help_client_call_finish(GAsyncResult *res, struct help_reply *reply)
{
	struct help_reply *r = g_task_propagate_pointer(G_TASK(res), NULL);
	memset(reply, 0, sizeof(*reply));
	if (!r) {
		reply->transport = HELP_T_BAD_ANSWER;
		reply->exit_code = -1;
		return;
	}
	*reply = *r;
	g_free(r);
}

void help_reply_clear(struct help_reply *r)
{
	free(r->out); /* sockproto's strings come from malloc */
	free(r->err);
	g_free(r->why);
	memset(r, 0, sizeof(*r));
}

struct help_answer help_reply_answer(const struct help_reply *r)
{
	struct help_answer a = {r->transport, r->exit_code, r->out ? r->out : "",
				r->err ? r->err : ""};
	return a;
}
