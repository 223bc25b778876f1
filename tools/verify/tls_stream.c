// SPDX-License-Identifier: Apache-2.0
/*
 * tls_stream.c - a server-side TLS connection on a libevent loop (see
 * tls_stream.h for what it is for).
 *
 * Events: rev (EV_READ, persistent, with the read timeout) is armed from
 * the start to the end; wev (EV_WRITE) only while the socket is full or
 * the handshake waits to write; fev (no fd) is activated by the first
 * write of a loop turn and writes the output when that turn's other
 * callbacks have run. A read round takes at most READ_BUDGET bytes and
 * activates rev again when OpenSSL holds more, so one busy peer cannot
 * starve the loop.
 * Must not: block, log, or touch the stream after a callback freed it.
 */
#include "tls_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#define READ_CHUNK (16u * 1024u + 512u) /* one TLS record's plaintext and then some */
#define READ_BUDGET (64u * 1024u)        /* per read round */
#define WRITE_CHUNK (16u * 1024u)        /* one full TLS record per SSL_write */

struct tls_stream {
	int fd;
	SSL *ssl;
	struct tls_stream_cbs cbs;
	struct event *rev, *wev, *fev;
	struct evbuffer *in, *out;
	struct timeval read_tv;
	bool has_read_tv;
	bool handshaking, reading, failed, eof;
	bool write_wants_read; /* SSL_write asked to read first */
	bool read_wants_write; /* SSL_read (or the handshake) asked to write first */
	bool flush_queued;
	unsigned busy;          /* callbacks running */
	bool dead;              /* freed inside a callback */
	bool notify_on_free;
	unsigned long ssl_err;
	int sock_err;
};

static void destroy(struct tls_stream *s);

/* ---- callbacks, guarded against a free inside them ---- */

static void enter(struct tls_stream *s)
{
	s->busy++;
}

/* false when the stream is gone (do not touch it) */
static bool leave(struct tls_stream *s)
{
	if (--s->busy == 0 && s->dead) {
		destroy(s);
		return false;
	}
	return !s->dead;
}

static bool emit(struct tls_stream *s, short what)
{
	if (!s->cbs.event)
		return true;
	enter(s);
	s->cbs.event(s, what, s->cbs.arg);
	return leave(s);
}

/* Remember why the connection failed, then tell the owner. */
static bool fail(struct tls_stream *s, int ssl_error)
{
	unsigned long e;

	s->failed = true;
	s->sock_err = ssl_error == SSL_ERROR_SYSCALL ? errno : 0;
	while ((e = ERR_get_error()) != 0)
		if (!s->ssl_err)
			s->ssl_err = e;
	event_del(s->rev);
	event_del(s->wev);
	return emit(s, TLS_STREAM_ERROR);
}

static bool ended(struct tls_stream *s)
{
	s->eof = true;
	event_del(s->rev);
	ERR_clear_error();
	return emit(s, TLS_STREAM_EOF);
}

/* ---- writing ---- */

static void want_write_event(struct tls_stream *s, bool on)
{
	if (on)
		event_add(s->wev, NULL);
	else
		event_del(s->wev);
}

/* Write what is queued; false when the stream is gone. */
static bool flush_out(struct tls_stream *s)
{
	size_t len;

	s->write_wants_read = false;
	while ((len = evbuffer_get_length(s->out)) > 0) {
		size_t n = len < WRITE_CHUNK ? len : WRITE_CHUNK;
		unsigned char *p = evbuffer_pullup(s->out, (ev_ssize_t)n);
		if (!p) {
			errno = ENOMEM;
			return fail(s, SSL_ERROR_SYSCALL);
		}
		ERR_clear_error();
		int r = SSL_write(s->ssl, p, (int)n);
		if (r > 0) {
			evbuffer_drain(s->out, (size_t)r);
			continue;
		}
		int e = SSL_get_error(s->ssl, r);
		if (e == SSL_ERROR_WANT_WRITE) {
			want_write_event(s, true);
			return true;
		}
		if (e == SSL_ERROR_WANT_READ) {
			s->write_wants_read = true; /* rev is armed: its turn writes */
			want_write_event(s, false);
			return true;
		}
		return fail(s, e);
	}
	want_write_event(s, false);
	if (s->cbs.drained) {
		enter(s);
		s->cbs.drained(s, s->cbs.arg);
		return leave(s);
	}
	return true;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct tls_stream *s = arg;

	(void)fd;
	(void)what;
	s->flush_queued = false;
	if (s->failed || s->handshaking || s->write_wants_read)
		return; /* the handshake's end, or the next read, writes */
	enter(s);
	flush_out(s);
	leave(s);
}

/* ---- reading ---- */

/* One read round; false when the stream is gone. */
static bool read_round(struct tls_stream *s)
{
	size_t got = 0;
	bool empty = false; /* OpenSSL holds no whole record any more */

	s->read_wants_write = false;
	while (s->reading && got < READ_BUDGET) {
		struct evbuffer_iovec v;
		if (evbuffer_reserve_space(s->in, READ_CHUNK, &v, 1) < 1) {
			errno = ENOMEM;
			return fail(s, SSL_ERROR_SYSCALL);
		}
		size_t want = v.iov_len < READ_CHUNK ? v.iov_len : READ_CHUNK;
		ERR_clear_error();
		int r = SSL_read(s->ssl, v.iov_base, (int)want);
		if (r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(s->in, &v, 1);
			got += (size_t)r;
			if (!SSL_has_pending(s->ssl)) {
				empty = true; /* all it had: more makes the socket readable */
				break;
			}
			continue;
		}
		int e = SSL_get_error(s->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			empty = true;
			break;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			s->read_wants_write = true;
			want_write_event(s, true);
			empty = true;
			break;
		}
		if (got && s->cbs.read) { /* hand over what came before the end */
			enter(s);
			s->cbs.read(s, s->cbs.arg);
			if (!leave(s))
				return false;
		}
		if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))
			return ended(s); /* close_notify, or TCP closed without it */
		return fail(s, e);
	}
	if (got && s->cbs.read) {
		enter(s);
		s->cbs.read(s, s->cbs.arg);
		if (!leave(s))
			return false;
	}
	/* stopped by the budget: whole records may wait in OpenSSL's buffer,
	 * where no wake-up announces them. (After WANT_READ only part of a
	 * record can be left, which needs the socket: SSL_has_pending would
	 * spin on it.) */
	if (!empty && s->reading && !s->failed && !s->eof)
		event_active(s->rev, EV_READ, 1);
	return true;
}

static bool handshake(struct tls_stream *s)
{
	ERR_clear_error();
	int r = SSL_do_handshake(s->ssl);
	if (r == 1) {
		s->handshaking = false;
		want_write_event(s, false);
		if (!emit(s, TLS_STREAM_CONNECTED))
			return false;
		if (evbuffer_get_length(s->out) && !flush_out(s))
			return false;
		return s->reading ? read_round(s) : true;
	}
	int e = SSL_get_error(s->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		want_write_event(s, false);
		return true;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		want_write_event(s, true);
		return true;
	}
	if (e == SSL_ERROR_SYSCALL && errno == 0)
		return ended(s);
	return fail(s, e);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct tls_stream *s = arg;

	(void)fd;
	enter(s);
	if (what & EV_TIMEOUT) {
		emit(s, TLS_STREAM_TIMEOUT);
	} else if (s->handshaking) {
		handshake(s);
	} else if (read_round(s) && s->write_wants_read && !s->failed) {
		flush_out(s);
	}
	leave(s);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct tls_stream *s = arg;

	(void)fd;
	(void)what;
	enter(s);
	if (s->handshaking)
		handshake(s);
	else if (s->read_wants_write) {
		if (read_round(s) && !s->failed)
			flush_out(s);
	} else
		flush_out(s);
	leave(s);
}

/* ---- the interface ---- */

struct tls_stream *tls_stream_new(struct event_base *base, int fd, SSL *ssl,
				  const struct tls_stream_cbs *cbs)
{
	struct tls_stream *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		SSL_free(ssl);
		return NULL;
	}
	s->fd = fd;
	s->ssl = ssl;
	s->cbs = *cbs;
	s->handshaking = true;
	s->reading = true;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* one read() takes every record the kernel holds; SSL_has_pending
	 * (read_round) then says when OpenSSL still has some */
	SSL_set_read_ahead(ssl, 1);
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_set_accept_state(ssl);
	s->in = evbuffer_new();
	s->out = evbuffer_new();
	s->rev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, s);
	s->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, s);
	s->fev = event_new(base, -1, 0, on_flush, s);
	if (!s->in || !s->out || !s->rev || !s->wev || !s->fev || SSL_set_fd(ssl, fd) != 1) {
		destroy(s);
		return NULL;
	}
	return s;
}

int tls_stream_start(struct tls_stream *s)
{
	/* the client speaks first: its ClientHello makes the socket readable */
	return event_add(s->rev, s->has_read_tv ? &s->read_tv : NULL);
}

void tls_stream_setcb(struct tls_stream *s, const struct tls_stream_cbs *cbs)
{
	s->cbs = *cbs;
}

struct evbuffer *tls_stream_input(struct tls_stream *s)
{
	return s->in;
}

int tls_stream_write(struct tls_stream *s, const void *data, size_t len)
{
	if (s->failed || evbuffer_add(s->out, data, len) != 0)
		return -1;
	if (!s->flush_queued) {
		s->flush_queued = true;
		event_active(s->fev, EV_WRITE, 1);
	}
	return 0;
}

size_t tls_stream_pending(const struct tls_stream *s)
{
	return evbuffer_get_length(s->out);
}

void tls_stream_set_read_timeout(struct tls_stream *s, const struct timeval *tv)
{
	s->has_read_tv = tv != NULL;
	if (tv)
		s->read_tv = *tv;
	if (!event_pending(s->rev, EV_READ, NULL))
		return; /* not started, or done reading: start or nothing */
	if (tv)
		event_add(s->rev, tv);
	else
		event_remove_timer(s->rev);
}

void tls_stream_stop_reading(struct tls_stream *s)
{
	s->reading = false;
	if (!s->write_wants_read && !s->handshaking)
		event_del(s->rev);
}

unsigned long tls_stream_error(const struct tls_stream *s)
{
	return s->ssl_err;
}

int tls_stream_socket_error(const struct tls_stream *s)
{
	return s->sock_err;
}

static void destroy(struct tls_stream *s)
{
	if (s->notify_on_free && s->ssl && !s->handshaking && !s->failed) {
		SSL_shutdown(s->ssl); /* best effort: a full socket drops it */
		ERR_clear_error();
	}
	if (s->rev)
		event_free(s->rev);
	if (s->wev)
		event_free(s->wev);
	if (s->fev)
		event_free(s->fev);
	if (s->in)
		evbuffer_free(s->in);
	if (s->out)
		evbuffer_free(s->out);
	SSL_free(s->ssl);
	close(s->fd);
	free(s);
}

void tls_stream_free(struct tls_stream *s, bool close_notify)
{
	if (!s || s->dead)
		return;
	s->notify_on_free = close_notify;
	if (s->busy) {
		s->dead = true;
		event_del(s->rev);
		event_del(s->wev);
		event_del(s->fev);
		return;
	}
	destroy(s);
}
