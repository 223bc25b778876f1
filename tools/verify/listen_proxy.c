// SPDX-License-Identifier: Apache-2.0
/*
 * listen_proxy.c - `listen --proxy-protocol`: every connection starts with a
 * PROXY protocol header from the load balancer (proxy_hdr.c parses it), and
 * the receivers see the client it names instead of the balancer.
 *
 * Two ways in, one reader: the header is consumed with a peek for the
 * whole header and a read of exactly its length, so no byte of the
 * protocol behind it (a hello, a TLS ClientHello) is ever taken.
 *  - Receivers that accept themselves (hello, MPS; listen_admit.c) wait for
 *    the header on the accepted socket, then admit the connection under the
 *    client's address (rate limits count clients, not the balancer).
 *  - The HTTPS report receiver, whose connections evhttp accepts and hands
 *    straight to OpenSSL: a BIO filter in front of the socket BIO consumes
 *    the header before TLS reads anything; it is put in place when OpenSSL
 *    starts the handshake (the info callback's HANDSHAKE_START, before the
 *    first read), since libevent sets the socket BIO itself.
 * Must not: parse the header itself (proxy_hdr.c), or read past it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "listen.h"
#include "log.h"
#include "proxy_hdr.h"

int listen_proxy_read(int fd, struct proxy_hdr *h, char *why, size_t whycap)
{
	uint8_t buf[PROXY_HDR_MAX];
	ssize_t n;
	int rc;

	do
		n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return PROXY_HDR_MORE;
	if (n <= 0) {
		snprintf(why, whycap, "%s before a PROXY header",
			 n == 0 ? "closed" : strerror(errno));
		return PROXY_HDR_BAD;
	}
	rc = proxy_hdr_parse(buf, (size_t)n, h, why, whycap);
	if (rc == PROXY_HDR_MORE && (size_t)n == sizeof(buf)) {
		snprintf(why, whycap, "PROXY header longer than %u bytes", PROXY_HDR_MAX);
		return PROXY_HDR_BAD;
	}
	if (rc != PROXY_HDR_OK)
		return rc;
	/* exactly the header: what follows is the receiver's */
	do
		n = recv(fd, buf, h->consumed, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)h->consumed) {
		snprintf(why, whycap, "the PROXY header could not be consumed");
		return PROXY_HDR_BAD;
	}
	return PROXY_HDR_OK;
}

/* ---- the BIO filter of the report receiver ---- */

struct proxy_bio {
	bool done;
	char source[64]; /* the client, once the header is read */
	char why[160];   /* a refused header */
	const char *what;       /* the receiver, for the log line */
	int64_t *log_ms;        /* its rate limit of such lines */
	unsigned long *refused; /* its count */
};

static BIO_METHOD *proxy_method;
static int proxy_type; /* BIO_method_type() of the filter */

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
		int fd = (int)BIO_get_fd(next, NULL);

		r = fd < 0 ? PROXY_HDR_BAD : listen_proxy_read(fd, &h, p->why, sizeof(p->why));
		if (r == PROXY_HDR_MORE) {
			BIO_set_retry_read(b);
			return -1;
		}
		if (r != PROXY_HDR_OK) {
			/* No alert goes out (TLS never started): say it here. */
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			char from[64] = "?";

			if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
				verify_sockaddr_str((struct sockaddr *)&ss, from, sizeof(from));
			if (p->refused)
				(*p->refused)++;
			if (p->log_ms && listen_log_due(p->log_ms))
				log_warn("%s %s: connection refused: %s; %lu refused so far",
					 p->what ? p->what : "connection", from, p->why,
					 p->refused ? *p->refused : 0ul);
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
	BIO_set_data(b, p);
	BIO_set_init(b, 1);
	return 1;
}

static int pb_destroy(BIO *b)
{
	free(BIO_get_data(b));
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

void listen_proxy_install(SSL *ssl, const char *what, int64_t *log_ms, unsigned long *refused)
{
	BIO *sock = SSL_get_rbio(ssl), *f;
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
