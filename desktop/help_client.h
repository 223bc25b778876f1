// SPDX-License-Identifier: Apache-2.0
/*
 * help_client.h - amt-help's side of the service's socket (README "The
 * service and its socket"), asynchronous on the GLib main loop: connect,
 * send one protocol-1 request line, read one response line, all without
 * blocking the window and without threads.
 * Owns: the connection, its deadline, and telling "service not running"
 * from "answer not understood". Must not: interpret the command's output
 * (help_model.c does), or open anything but the socket.
 */
#ifndef DESKTOP_HELP_CLIENT_H
#define DESKTOP_HELP_CLIENT_H

#include <gio/gio.h>

#include "help_model.h"

/* What came back; out and err are owned (help_reply_clear frees them). */
struct help_reply {
	enum help_transport transport;
	int exit_code;
	char *out;
	char *err;
	char *why; /* transport failures: the GIO or protocol reason, for logs */
};

/*
 * Run argv (a subcommand line, NULL-terminated, as the CLI takes it)
 * through the service at socket_path. timeout_s bounds the whole exchange
 * (connect included). cancel may be NULL. cb runs on the thread-default
 * main context; it calls help_client_call_finish.
 */
void help_client_call_async(const char *socket_path, const char *const *argv,
			    unsigned timeout_s, GCancellable *cancel, GAsyncReadyCallback cb,
			    gpointer user_data);
/* Always fills *reply (transport says how it went). */
void help_client_call_finish(GAsyncResult *res, struct help_reply *reply);
void help_reply_clear(struct help_reply *r);
/* The reply as the model takes it (borrows r's strings). */
struct help_answer help_reply_answer(const struct help_reply *r);

#endif
