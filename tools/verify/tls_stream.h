// SPDX-License-Identifier: Apache-2.0
/*
 * tls_stream.h - a server-side TLS connection on the listener's libevent
 * loop, for the MPS (listen_mps.c): what bufferevent_openssl did there,
 * without what it costs a request/response tunnel.
 *
 * Owns: the socket and SSL it is given, the non-blocking handshake, an
 * input evbuffer, an output evbuffer, the read timeout. Reads take every
 * record the kernel holds at once (OpenSSL read-ahead: one read() per
 * wake-up, not a header and a body per record). Writes are collected for
 * the rest of the loop turn and written together, at once: every APF
 * message a turn produced (a CHANNEL_DATA, its WINDOW_ADJUST, a CLOSE)
 * leaves in one TLS record and one write(), and a write that the socket
 * takes needs no EPOLLOUT wake-up first. Only a full socket arms a write
 * event.
 * Must not: know APF, block, or log (the owner logs with
 * tls_stream_error()).
 *
 * Callbacks may call tls_stream_free() on their own stream: it is freed
 * once the callback returns, and no callback follows.
 */
#ifndef VERIFY_TLS_STREAM_H
#define VERIFY_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

/* what an event callback is told */
#define TLS_STREAM_CONNECTED 0x01 /* the handshake is done */
#define TLS_STREAM_EOF 0x02       /* the peer closed (close_notify or not) */
#define TLS_STREAM_ERROR 0x04     /* a TLS or socket error: tls_stream_error() */
#define TLS_STREAM_TIMEOUT 0x08   /* nothing arrived for the read timeout */

struct tls_stream;

struct tls_stream_cbs {
	void *arg;
	/* New bytes in tls_stream_input(). */
	void (*read)(struct tls_stream *s, void *arg);
	/* Everything queued has been written (NULL: not wanted). */
	void (*drained)(struct tls_stream *s, void *arg);
	void (*event)(struct tls_stream *s, short what, void *arg);
};

/* A stream over fd (made non-blocking) and ssl (set to accept; both owned
 * from now on, also on failure). Nothing happens before tls_stream_start.
 * NULL on ENOMEM. */
struct tls_stream *tls_stream_new(struct event_base *base, int fd, SSL *ssl,
				  const struct tls_stream_cbs *cbs);
/* Start the handshake, then reading. -1 on ENOMEM. */
int tls_stream_start(struct tls_stream *s);
void tls_stream_setcb(struct tls_stream *s, const struct tls_stream_cbs *cbs);
/* The received bytes; the read callback drains what it used. */
struct evbuffer *tls_stream_input(struct tls_stream *s);
/* Queue bytes; they leave at the end of this loop turn. -1 on ENOMEM. */
int tls_stream_write(struct tls_stream *s, const void *data, size_t len);
/* Bytes queued and not yet written. */
size_t tls_stream_pending(const struct tls_stream *s);
/* No read callback for tv (NULL: no limit) gives TLS_STREAM_TIMEOUT. */
void tls_stream_set_read_timeout(struct tls_stream *s, const struct timeval *tv);
/* Stop reading (a closing connection flushing its last bytes). */
void tls_stream_stop_reading(struct tls_stream *s);
/* After TLS_STREAM_ERROR: the OpenSSL error (0 if none) and errno of the
 * socket (0 if none). */
unsigned long tls_stream_error(const struct tls_stream *s);
int tls_stream_socket_error(const struct tls_stream *s);
/* Free (close_notify first when asked and the session is healthy), close
 * the socket. NULL-safe. */
void tls_stream_free(struct tls_stream *s, bool close_notify);

#endif
