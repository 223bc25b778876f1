// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_relay.h - carry libcurl connections to caller-supplied sockets on
 * libcurl versions that cannot adopt a connected fd.
 *
 * libcurl 7.88.x (Debian 12) ignores CURL_SOCKOPT_ALREADY_CONNECTED and
 * calls connect() on the fd an open-socket callback returns, which fails
 * (curl issue #10626, fixed in 8.0.0). On those versions wsman.c points
 * libcurl at a private abstract AF_UNIX listener owned by this relay and
 * drives the transfer with curl_multi_poll(); the relay accepts each
 * connection (only from this process, checked with SO_PEERCRED), asks the
 * caller's open_socket for the real fd (e.g. an APF channel's socketpair
 * end) and copies bytes both ways without blocking.
 * Owns: the listener, the accepted ends, the caller's fds (it closes them)
 * and the bounded copy buffers.
 * Must not: interpret the bytes (HTTP and TLS stay libcurl's), block, or
 * accept connections from other processes.
 */
#ifndef COMMON_WSMAN_RELAY_H
#define COMMON_WSMAN_RELAY_H

#include <stdbool.h>

#include <curl/curl.h>

#define WSMAN_RELAY_MAX_FDS 9 /* listener + 4 links x 2 */

struct wsman_relay;

/* NULL on failure (no listener could be created, OOM). */
struct wsman_relay *wsman_relay_new(int (*open_socket)(void *arg), void *arg);
void wsman_relay_free(struct wsman_relay *r);
/* The abstract socket name (no leading NUL) for CURLOPT_ABSTRACT_UNIX_SOCKET. */
const char *wsman_relay_name(const struct wsman_relay *r);
/* The fds to wait on now, for curl_multi_poll(); returns the count. */
unsigned wsman_relay_waitfds(struct wsman_relay *r, struct curl_waitfd *fds, unsigned cap);
/* Accept pending connections and copy whatever can move without blocking. */
void wsman_relay_run(struct wsman_relay *r);
/* True (once) if open_socket failed since the last call. */
bool wsman_relay_take_open_failure(struct wsman_relay *r);

#endif
