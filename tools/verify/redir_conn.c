// SPDX-License-Identifier: Apache-2.0
/*
 * redir_conn.c - the connection to AMT's redirection port (see
 * redir_conn.h); moved here from console.c when `ider` came to need it.
 */
#include "redir_conn.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_MS REDIR_CONNECT_MS

void redir_conn_init(struct redir_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static int tcp_connect(const char *host, unsigned port, char *err, size_t cap)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai, *a;
	char ps[8];
	int fd = -1, rc;
	snprintf(ps, sizeof(ps), "%u", port);
	rc = getaddrinfo(host, ps, &hints, &ai);
	if (rc != 0) {
		snprintf(err, cap, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, cap, "cannot connect to %s port %u", host, port);
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
			snprintf(err, cap, "cannot connect to %s port %u: %s", host, port, strerror(errno));
			close(fd);
			fd = -1;
			continue;
		}
		struct pollfd p = {fd, POLLOUT, 0};
		int e = 0;
		socklen_t el = sizeof(e);
		if (poll(&p, 1, CONNECT_MS) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 ||
		    e != 0) {
			snprintf(err, cap, "cannot connect to %s port %u: %s", host, port,
				 e ? strerror(e) : "timed out after 10 s");
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

/* --pin: the leaf certificate's DER SHA-256 decides, nothing else. */
static int on_verify(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct redir_conn *r = SSL_get_app_data(ssl);
	if (!r->pin_hex)
		return ok;
	if (X509_STORE_CTX_get_error_depth(x) != 0)
		return 1;
	unsigned char d[32];
	unsigned n = 0;
	char hex[65];
	size_t h = 0;
	X509_digest(X509_STORE_CTX_get_current_cert(x), EVP_sha256(), d, &n);
	for (unsigned i = 0; i < n && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	for (const char *p = r->pin_hex; *p && h < 64; p++) {
		if (*p == ':')
			continue;
		char c = (char)((*p >= 'A' && *p <= 'F') ? *p + 32 : *p);
		if (c != hex[h++])
			return 0;
	}
	r->pin_ok = h == 64 && n == 32;
	return r->pin_ok;
}

static int tls_start(struct redir_conn *r, const struct repair_target *t, const char *name, char *err,
		     size_t cap)
{
	r->ctx = SSL_CTX_new(TLS_client_method());
	if (!r->ctx) {
		snprintf(err, cap, "cannot create a TLS context");
		return -1;
	}
	if (t->allow_tls10) {
		SSL_CTX_set_security_level(r->ctx, 0);
		SSL_CTX_set_min_proto_version(r->ctx, TLS1_VERSION);
	} else {
		SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION);
	}
	r->pin_hex = t->pin;
	if (t->insecure) {
		SSL_CTX_set_verify(r->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, on_verify);
		if (!t->pin && (t->ca_file ? SSL_CTX_load_verify_locations(r->ctx, t->ca_file, NULL)
					   : SSL_CTX_set_default_verify_paths(r->ctx)) != 1) {
			snprintf(err, cap, "cannot load the CA file %s", t->ca_file ? t->ca_file : "(system)");
			return -1;
		}
	}
	r->ssl = SSL_new(r->ctx);
	if (!r->ssl || SSL_set_fd(r->ssl, r->fd) != 1) {
		snprintf(err, cap, "cannot create a TLS connection");
		return -1;
	}
	SSL_set_app_data(r->ssl, r);
	if (!t->insecure && !t->pin) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(r->ssl);
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, name) != 1)
			X509_VERIFY_PARAM_set1_host(vp, name, 0);
	}
	if (!strchr(name, ':'))
		SSL_set_tlsext_host_name(r->ssl, name);
	int64_t until = verify_mono_ms() + CONNECT_MS;
	for (;;) {
		int rc = SSL_connect(r->ssl);
		if (rc == 1)
			return 0;
		int e = SSL_get_error(r->ssl, rc);
		int64_t left = until - verify_mono_ms();
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || left <= 0) {
			long v = SSL_get_verify_result(r->ssl);
			if (v != X509_V_OK)
				snprintf(err, cap, "TLS: AMT's certificate is not trusted (%s) — give "
						   "--ca-file or --pin", X509_verify_cert_error_string(v));
			else if (t->pin && !r->pin_ok)
				snprintf(err, cap, "TLS: AMT's certificate does not match --pin");
			else
				snprintf(err, cap, "TLS handshake failed%s",
					 left <= 0 ? ": timed out after 10 s" : "");
			return -1;
		}
		struct pollfd p = {r->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, 0};
		poll(&p, 1, (int)left);
	}
}

ssize_t redir_conn_read(struct redir_conn *r, void *buf, size_t cap)
{
	if (r->ssl) {
		int n = SSL_read(r->ssl, buf, (int)cap);
		if (n > 0)
			return n;
		int e = SSL_get_error(r->ssl, n);
		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
	ssize_t n = read(r->fd, buf, cap);
	if (n > 0)
		return n;
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

ssize_t redir_conn_write(struct redir_conn *r, const void *buf, size_t len)
{
	if (r->ssl) {
		int n = SSL_write(r->ssl, buf, (int)len);
		if (n > 0)
			return n;
		int e = SSL_get_error(r->ssl, n);
		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
	ssize_t n = send(r->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

int redir_conn_open(struct redir_conn *c, const struct repair_target *t, const char *host,
		    unsigned port, const char *name, char *err, size_t cap)
{
	c->fd = tcp_connect(host, port, err, cap);
	if (c->fd < 0)
		return -1;
	if (t->tls && tls_start(c, t, name, err, cap) != 0) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

bool redir_conn_pending(const struct redir_conn *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

void redir_conn_close(struct redir_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	redir_conn_init(c);
}
