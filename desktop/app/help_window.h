// SPDX-License-Identifier: Apache-2.0
/*
 * help_window.h - amt-help's one window: a page per state of help_model,
 * the requests the model asks for sent through help_client, and a
 * one-second tick for elapsed time and re-reads.
 * Must not: decide anything the model decides, or block the main loop.
 */
#ifndef DESKTOP_HELP_WINDOW_H
#define DESKTOP_HELP_WINDOW_H

#include <gtk/gtk.h>

#define HELP_APP_ID "org.amtagent.Help"

/* A new window of app talking to the service at socket_path; request_now
 * opens straight into Requesting (amt-help --request). */
GtkWindow *help_window_new(GtkApplication *app, const char *socket_path, gboolean request_now);
/* amt-help --request while the window is open: ask if Ready. */
void help_window_request(GtkWindow *w);

#endif
