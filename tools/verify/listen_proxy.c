// SPDX-License-Identifier: Apache-2.0
/*
 * listen_proxy.c - `listen --proxy-protocol`: every connection starts with a
 * PROXY protocol header from the load balancer (proxy_hdr.c parses it), and
 * the receivers see the client it names instead of the balancer.
 *
 * Two ways in, one reader: the header is consumed as it arrives into a
 * small per-connection buffer (a peek, then a read of exactly the bytes that
 * belong to it), so no byte of the protocol behind it (a hello, a TLS
 * ClientHello) is ever taken, and "wait for more" always leaves the socket
 * empty (a partial header must not keep a level-triggered event firing).
 * A connection has LISTEN_PROXY_TIMEOUT_S for the whole header.
 *  - Receivers that accept themselves (hello, MPS; listen_admit.c) wait for
 *    the header on the accepted socket, then admit the connection under the
 *    client's address (rate limits count clients, not the balancer).
 *  - The HTTPS report receiver, whose connections evhttp accepts and hands
 *    straight to OpenSSL: a BIO filter in front of the socket BIO consumes
 *    the header before TLS reads anything; it is put in place when OpenSSL
 *    starts the handshake (the info callback's HANDSHAKE_START, before the
 *    first read), since libevent sets the socket BIO itself. A one-shot
 *    timer enforces the deadline there: at it, the socket is shut down so
 *    that the next read fails the handshake and evhttp frees the connection.
 * Must not: parse the header itself (proxy_hdr.c), or read past it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "listen.h"
#include "log.h"
#include "proxy_hdr.h"

int listen_proxy_read(int fd, struct listen_proxy_rx *rx, struct proxy_hdr *h, char *why,
		      size_t whycap)
{
	/* Peek at what is there, then take exactly the bytes that belong to
	 * the header: all of them while it is incomplete (a valid beginning
	 * is all header), only up to its end once whole. Bytes left in the
	 * socket would make a level-triggered read event fire again at once;
	 * so MORE is only returned once a peek finds the socket empty. */
	for (;;) {
		size_t room = sizeof(rx->buf) - rx->len, take;
		ssize_t n;
		int rc;

		if (room == 0) {
			snprintf(why, whycap, "PROXY header longer than %u bytes", PROXY_HDR_MAX);
			return PROXY_HDR_BAD;
		}
		do
			n = recv(fd, rx->buf + rx->len, room, MSG_PEEK);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return PROXY_HDR_MORE;
		if (n <= 0) {
			snprintf(why, whycap, "%s before a PROXY header",
				 n == 0 ? "closed" : strerror(errno));
			return PROXY_HDR_BAD;
		}
		rc = proxy_hdr_parse(rx->buf, rx->len + (size_t)n, h, why, whycap);
		if (rc == PROXY_HDR_BAD)
			return rc;
		if (rc == PROXY_HDR_OK && (h->consumed <= rx->len ||
					   h->consumed > rx->len + (size_t)n)) {
			/* the parser's promise (a header is "more" one byte short
			 * of its end) broken: never take a byte that is not ours */
			snprintf(why, whycap, "the PROXY header could not be consumed");
			return PROXY_HDR_BAD;
		}
		take = rc == PROXY_HDR_OK ? h->consumed - rx->len : (size_t)n;
		do
			n = recv(fd, rx->buf + rx->len, take, 0);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)take) {
			snprintf(why, whycap, "the PROXY header could not be consumed");
			return PROXY_HDR_BAD;
		}
		rx->len += take;
		if (rc == PROXY_HDR_OK)
			return PROXY_HDR_OK; /* what follows is the receiver's */
	}
}

/* ---- the BIO filter of the report receiver ---- */

struct proxy_bio {
	bool done;
	bool expired;           /* no whole header within LISTEN_PROXY_TIMEOUT_S */
	bool failed;            /* refused (logged and counted once) */
	int fd;                 /* the connection's socket */
	int64_t since_ms;       /* when the filter went in (the first bytes came) */
	struct event *deadline; /* one-shot: fires even if the peer sends nothing more */
	char source[64]; /* the client, once the header is read */
	char why[160];   /* a refused header */
	const char *what;       /* the receiver, for the log line */
	int64_t *log_ms;        /* its rate limit of such lines */
	unsigned long *refused; /* its count */
	struct listen_proxy_rx rx;
};

static BIO_METHOD *proxy_method;
static int proxy_type; /* BIO_method_type() of the filter */

/* The deadline passed without a whole header: wake the connection (its
 * socket reads as closed), so that OpenSSL calls pb_read, which fails the
 * handshake; evhttp then frees the connection as for any failed one. */
static void on_deadline(evutil_socket_t unused, short what, void *arg)
{
	struct proxy_bio *p = arg;

	if (p->done)
		return;
	p->expired = true;
	if (p->fd >= 0)
		shutdown(p->fd, SHUT_RDWR);
}

static void refuse(struct proxy_bio *p)
{
	/* No alert goes out (TLS never started): say it here. */
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char from[64] = "?";

	if (p->fd >= 0 && getpeername(p->fd, (struct sockaddr *)&ss, &sl) == 0)
		verify_sockaddr_str((struct sockaddr *)&ss, from, sizeof(from));
	if (p->refused)
		(*p->refused)++;
	if (p->log_ms && listen_log_due(p->log_ms))
		log_warn("%s %s: connection refused: %s; %lu refused so far",
			 p->what ? p->what : "connection", from, p->why,
			 p->refused ? *p->refused : 0ul);
}

static int pb_read(BIO *b, char *out, int outl)
{
	struct proxy_bio *p = BIO_get_data(b);
	BIO *next = BIO_next(b);
	int r;

	if (!p || !next)
		return -1;
	BIO_clear_retry_flags(b);
	if (!p->done) {
		struct proxy_hdr h;

		if (p->failed)
			return -1; /* refused already (and said so) */
		if (p->fd < 0)
			p->fd = (int)BIO_get_fd(next, NULL);
		if (p->expired ||
		    verify_mono_ms() - p->since_ms >= LISTEN_PROXY_TIMEOUT_S * 1000) {
			snprintf(p->why, sizeof(p->why), "no whole PROXY header within %d s",
				 LISTEN_PROXY_TIMEOUT_S);
			r = PROXY_HDR_BAD;
		} else if (p->fd < 0) {
			snprintf(p->why, sizeof(p->why), "no socket to read a PROXY header from");
			r = PROXY_HDR_BAD;
		} else {
			r = listen_proxy_read(p->fd, &p->rx, &h, p->why, sizeof(p->why));
		}
		if (r == PROXY_HDR_MORE) {
			BIO_set_retry_read(b); /* the socket is drained: no spin */
			return -1;
		}
		if (p->deadline)
			event_del(p->deadline);
		if (r != PROXY_HDR_OK) {
			p->failed = true;
			refuse(p);
			return -1; /* the handshake fails */
		}
		p->done = true;
		if (!h.local)
			verify_sockaddr_str((struct sockaddr *)&h.src, p->source, sizeof(p->source));
	}
	r = BIO_read(next, out, outl);
	BIO_copy_next_retry(b);
	return r;
}

static int pb_write(BIO *b, const char *in, int inl)
{
	BIO *next = BIO_next(b);
	int r;

	if (!next)
		return -1;
	BIO_clear_retry_flags(b);
	r = BIO_write(next, in, inl);
	BIO_copy_next_retry(b);
	return r;
}

static long pb_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	BIO *next = BIO_next(b);

	return next ? BIO_ctrl(next, cmd, num, ptr) : 0;
}

static int pb_create(BIO *b)
{
	struct proxy_bio *p = calloc(1, sizeof(*p));

	if (!p)
		return 0;
	p->fd = -1;
	BIO_set_data(b, p);
	BIO_set_init(b, 1);
	return 1;
}

static int pb_destroy(BIO *b)
{
	struct proxy_bio *p = BIO_get_data(b);

	if (p && p->deadline)
		event_free(p->deadline);
	free(p);
	BIO_set_data(b, NULL);
	return 1;
}

int listen_proxy_setup(void)
{
	if (proxy_method)
		return 0;
	proxy_type = BIO_get_new_index() | BIO_TYPE_FILTER;
	proxy_method = BIO_meth_new(proxy_type, "PROXY protocol");
	if (!proxy_method || !BIO_meth_set_read(proxy_method, pb_read) ||
	    !BIO_meth_set_write(proxy_method, pb_write) || !BIO_meth_set_ctrl(proxy_method, pb_ctrl) ||
	    !BIO_meth_set_create(proxy_method, pb_create) ||
	    !BIO_meth_set_destroy(proxy_method, pb_destroy))
		return -1;
	return 0;
}

/* The filter in front of ssl's socket, or NULL. */
static struct proxy_bio *filter_of(const SSL *ssl)
{
	BIO *rb = SSL_get_rbio(ssl);

	return proxy_method && rb && BIO_method_type(rb) == proxy_type ? BIO_get_data(rb) : NULL;
}

void listen_proxy_install(SSL *ssl, struct event_base *base, const char *what, int64_t *log_ms,
			  unsigned long *refused)
{
	BIO *sock = SSL_get_rbio(ssl), *f;
	struct timeval tv = {LISTEN_PROXY_TIMEOUT_S, 0};
	struct proxy_bio *p;

	if (!proxy_method || !sock || filter_of(ssl))
		return; /* not set up, no socket yet, or already in place */
	f = BIO_new(proxy_method);
	if (!f)
		return;
	p = BIO_get_data(f);
	p->what = what;
	p->log_ms = log_ms;
	p->refused = refused;
	p->since_ms = verify_mono_ms();
	p->fd = (int)BIO_get_fd(sock, NULL);
	/* Without the timer, a peer that sends part of a header and then
	 * nothing would be held until evhttp's idle timeout (or longer). If it
	 * cannot be had, pb_read still applies the deadline when bytes come. */
	p->deadline = evtimer_new(base, on_deadline, p);
	if (p->deadline && evtimer_add(p->deadline, &tv) != 0) {
		event_free(p->deadline);
		p->deadline = NULL;
	}
	/* f holds a reference of its own to the socket BIO, which stays the
	 * write BIO too; SSL_set0_rbio drops the read side's reference. */
	BIO_up_ref(sock);
	BIO_push(f, sock);
	SSL_set0_rbio(ssl, f);
}

const char *listen_proxy_source(const SSL *ssl, char *why, size_t whycap)
{
	struct proxy_bio *p = filter_of(ssl);

	if (!p)
		return NULL;
	if (why && whycap && p->why[0])
		snprintf(why, whycap, "%s", p->why);
	return p->done && p->source[0] ? p->source : NULL;
}
