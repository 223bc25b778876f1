// SPDX-License-Identifier: Apache-2.0
/*
 * listen_reports.c - the receiver of agent reports in `amt-verify listen`:
 * HTTPS (libevent's evhttp over OpenSSL bufferevents, TLS 1.2 minimum),
 * optionally requiring client certificates from one CA and/or a bearer
 * token, POST of one JSON report per request.
 *
 * Owns: the SSL_CTX, per-connection accounting (a connection is counted
 * from accept until OpenSSL frees its SSL; at --max-reports-connections the
 * listener stops accepting until one closes, as evhttp accepts by itself
 * and could only refuse the rest after their TLS ClientHello), the
 * request rules (token -> 401, method -> 405,
 * Content-Type -> 415, body cap -> 413 by evhttp, malformed -> 400) and the
 * answer: 2xx only after the report is committed (201 new, 200 with
 * "duplicate":true for a report_id already stored), 503 when the store
 * fails so the agent retries.
 * Must not: parse HTTP or JSON by hand (evhttp and jansson do), log the
 * token or report contents, or answer 2xx before the store committed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "eventfmt.h"
#include "listen.h"
#include "log.h"
#include "reportdoc.h"

#define REPORTS_MAX_HEADERS 16384
#define REPORTS_RETRY_AFTER "30"
#define SUBJECT_MAX 512

struct reports_server {
	struct listen_ctx *ctx;
	struct listen_gate gate;
	struct evhttp *http;
	struct listen_socket *sock;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl_ctx;
	bool mutual;
	bool token_set;
	uint8_t token_sha256[32];
};

struct pending_report;

/* One accepted connection; owned by its SSL (freed with it, see conn_idx). */
struct report_conn {
	struct listen_conn base; /* first: the ctx list holds these */
	struct reports_server *srv;
	bool tracked;  /* counted by the gate */
	bool replying; /* the report is being stored, or its answer is queued and not yet written */
	bool closing;  /* stopping: release once the answer is written */
	struct pending_report *pending; /* a report the store has not committed yet */
	char source[64];
};

/* A report handed to the store, waiting for the commit before the answer. */
struct pending_report {
	struct evhttp_request *req; /* evhttp keeps it until we answer, even if the
				     * connection goes (it is then freed by the answer) */
	struct report_conn *c;      /* NULL once the connection is gone */
	struct listen_ctx *ctx;
	char report_id[40];
	char source[64];
};

/* OpenSSL ex_data slot holding the report_conn of an SSL (process-wide, as
 * OpenSSL indexes are; allocated once). */
static int conn_idx = -1;

static void conn_untrack(struct report_conn *c)
{
	if (!c->tracked)
		return;
	c->tracked = false;
	listen_release(&c->base);
}

/* OpenSSL frees the SSL when evhttp frees the connection: the last moment
 * we hear of it. */
static void conn_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			 void *argp)
{
	struct report_conn *c = ptr;

	if (!c)
		return;
	if (c->pending)
		c->pending->c = NULL;
	conn_untrack(c);
	free(c);
}

static void conn_shutdown(struct listen_conn *lc)
{
	struct report_conn *c = (struct report_conn *)lc;

	/* An answer being written is let out (the report is stored; a lost
	 * answer would only make the agent resend it). The sockets close when
	 * the server is freed after the loop. */
	if (c->replying)
		c->closing = true;
	else
		conn_untrack(c);
}

static void conn_destroy(struct listen_conn *lc)
{
	conn_untrack((struct report_conn *)lc);
}

static void fill_source(struct report_conn *c, const SSL *ssl)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = SSL_get_fd(ssl);

	if (c->source[0])
		return;
	if (c->srv->ctx->proxy) {
		/* --proxy-protocol: the client the balancer's header named */
		const char *src = listen_proxy_source(ssl, NULL, 0);
		if (src) {
			snprintf(c->source, sizeof(c->source), "%s", src);
			return;
		}
	}
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		verify_sockaddr_str((struct sockaddr *)&ss, c->source, sizeof(c->source));
	else
		snprintf(c->source, sizeof(c->source), "?");
}

/* OpenSSL 3.0 names no TLS 1.3 alert (certificate_required is "unknown"). */
static const char *alert_text(int ret)
{
	return (ret & 0xff) == 116 ? "certificate required" : SSL_alert_desc_string_long(ret);
}

/* One line per failed handshake, so an administrator sees why an agent
 * cannot deliver (no or wrong client certificate, our certificate not
 * trusted by the agent). */
static void on_tls_info(const SSL *ssl, int where, int ret)
{
	struct report_conn *c = SSL_get_ex_data(ssl, conn_idx);
	char why[160] = "";
	long vr;

	/* Before OpenSSL reads anything: the PROXY header comes first. The
	 * callback's SSL is const only by its signature; the SSL is ours. */
	if ((where & SSL_CB_HANDSHAKE_START) && c && c->srv->ctx->proxy)
		listen_proxy_install((SSL *)ssl, c->srv->ctx->base, "reports",
				     &c->srv->gate.log_proxy_ms,
				     &c->srv->gate.refused_proxy);
	if (!(where & SSL_CB_ALERT) || !c || (ret >> 8) != SSL3_AL_FATAL)
		return;
	if (c->srv->ctx->proxy && !listen_proxy_source(ssl, why, sizeof(why)) && why[0])
		return; /* no PROXY header: said when it was refused */
	fill_source(c, ssl);
	if (where & SSL_CB_READ) {
		log_warn("reports %s: the client ended the TLS handshake: %s — does it trust "
			 "--tls-cert (the agent's [report] ca_file)?",
			 c->source, alert_text(ret));
		return;
	}
	vr = SSL_get_verify_result(ssl);
	if (vr != X509_V_OK)
		log_warn("reports %s: client certificate refused: %s", c->source,
			 X509_verify_cert_error_string(vr));
	else if (c->srv->mutual && !SSL_get0_peer_certificate(ssl))
		log_warn("reports %s: TLS refused: %s (no client certificate; --client-ca "
			 "requires one)",
			 c->source, alert_text(ret));
	else
		log_warn("reports %s: TLS refused: %s", c->source, alert_text(ret));
}

/* evhttp asks for the bufferevent of each accepted connection. */
static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
	struct reports_server *srv = arg;
	struct report_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev = NULL;
	SSL *ssl = SSL_new(srv->ssl_ctx);

	if (c && ssl)
		bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		/* evhttp falls back to plain TCP; on_request refuses that. (A
		 * failed bufferevent may already have freed ssl: not touched.) */
		log_error("reports: out of memory — connection dropped");
		if (!c || !ssl)
			SSL_free(ssl);
		free(c);
		return NULL;
	}
	if (SSL_set_ex_data(ssl, conn_idx, c) != 1) {
		free(c); /* on_request answers 503 and closes */
		return bev;
	}
	/* From here the SSL owns c (conn_ex_free). */
	c->srv = srv;
	c->base.shutdown = conn_shutdown;
	c->base.destroy = conn_destroy;
	/* The gate has room: the listener stops accepting when it is full
	 * (and when the receiver stops). */
	listen_track(&srv->gate, &c->base);
	c->tracked = true;
	/* Senders that drop TCP without close_notify: an EOF, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* ---- answers ---- */

static void on_answer_written(struct evhttp_request *req, void *arg)
{
	struct report_conn *c = arg;

	c->replying = false;
	if (c->closing)
		conn_untrack(c);
}

/* Answer with a small JSON object (consumed). */
static void answer(struct evhttp_request *req, struct report_conn *c, int code,
		   const char *reason, json_t *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(body);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (out && text) {
		evbuffer_add(out, text, strlen(text));
		evbuffer_add(out, "\n", 1);
	}
	if (c) {
		c->replying = true;
		evhttp_request_set_on_complete_cb(req, on_answer_written, c);
	}
	evhttp_send_reply(req, code, reason, out);
	if (out)
		evbuffer_free(out);
	free(text);
}

static void answer_error(struct evhttp_request *req, struct report_conn *c, int code,
			 const char *reason, const char *why)
{
	answer(req, c, code, reason, json_pack("{s:s}", "error", why));
}

/* ---- request checks ---- */

/* The bearer token, compared by SHA-256 digest in constant time. */
static bool token_ok(const struct reports_server *srv, struct evkeyvalq *in)
{
	const char *v = evhttp_find_header(in, "Authorization");
	uint8_t md[32];
	unsigned mdlen = 0;
	size_t n;
	bool ok;

	if (!srv->token_set)
		return true;
	if (!v || strncasecmp(v, "Bearer ", 7) != 0)
		return false;
	v += 7;
	while (*v == ' ')
		v++;
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0 || EVP_Digest(v, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md))
		return false;
	ok = CRYPTO_memcmp(md, srv->token_sha256, sizeof(md)) == 0;
	OPENSSL_cleanse(md, sizeof(md));
	return ok;
}

/* "application/json", any case, optionally followed by parameters. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* RFC 2253 subject of the client certificate, or "" when there is none. */
static void client_subject(SSL *ssl, char *out, size_t cap)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	BIO *bio;
	int n;

	out[0] = '\0';
	if (!cert || !(bio = BIO_new(BIO_s_mem())))
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_read(bio, out, (int)cap - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(bio);
	verify_printable(out, strlen(out), out, cap);
}

/* The store committed the report, found it stored already, or failed. */
static void on_stored(void *arg, const struct store_done *d)
{
	struct pending_report *p = arg;
	struct report_conn *c = p->c;
	struct listen_ctx *ctx = p->ctx;

	if (c)
		c->pending = NULL;
	if (d->rc == STORE_DUPLICATE) {
		log_info("reports %s: report %s already stored — acknowledged again", p->source,
			 p->report_id);
		answer(p->req, c, 200, "OK",
		       json_pack("{s:s, s:b}", "report_id", p->report_id, "duplicate", 1));
	} else if (d->rc != STORE_ADDED) {
		log_error("reports %s: cannot store report %s: %s — answered 503, the agent will "
			  "retry",
			  p->source, p->report_id, d->err ? d->err : "out of memory");
		evhttp_add_header(evhttp_request_get_output_headers(p->req), "Retry-After",
				  REPORTS_RETRY_AFTER);
		answer_error(p->req, c, 503, "Service Unavailable",
			     "cannot store the report now; retry later");
	} else {
		answer(p->req, c, 201, "Created",
		       json_pack("{s:s, s:b, s:I}", "report_id", p->report_id, "duplicate", 0, "id",
				 (json_int_t)d->report_row));
		if (event_print(stdout, d->ev, ctx->json) != 0)
			log_error("cannot print the report event");
	}
	if (!c) /* the connection went: nobody waits for the answer */
		listen_maybe_done(ctx);
	free(p);
}

/* Validate, store (committed), then answer; never 2xx before the commit. */
static void take_report(struct evhttp_request *req, struct report_conn *c, SSL *ssl)
{
	struct listen_ctx *ctx = c->srv->ctx;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct pending_report *p = NULL;
	struct reportdoc doc;
	struct store_report r = {0};
	json_t *detail = NULL;
	char err[512], subject[SUBJECT_MAX], *body = NULL;
	int rc;

	memset(&doc, 0, sizeof(doc));
	if (len > REPORTDOC_MAX_BYTES) {
		answer_error(req, c, 413, "Payload Too Large", "report larger than 1 MiB");
		goto out;
	}
	body = malloc(len + 1);
	if (!body || (len && evbuffer_copyout(in, body, len) != (ev_ssize_t)len)) {
		log_error("reports %s: out of memory", c->source);
		answer_error(req, c, 503, "Service Unavailable", "out of memory; retry later");
		goto out;
	}
	body[len] = '\0';
	rc = reportdoc_parse(body, len, &doc, err, sizeof(err));
	if (rc == REPORTDOC_E_NOMEM) {
		answer_error(req, c, 503, "Service Unavailable", "out of memory; retry later");
		goto out;
	}
	if (rc != REPORTDOC_OK) {
		char safe[256];
		verify_printable(err, strlen(err), safe, sizeof(safe));
		log_warn("reports %s: malformed report refused (400): %s", c->source, safe);
		answer_error(req, c, 400, "Bad Request", safe);
		goto out;
	}
	client_subject(ssl, subject, sizeof(subject));
	detail = reportdoc_event_detail(&doc, subject[0] ? subject : NULL);
	p = calloc(1, sizeof(*p));
	if (!detail || !p) {
		log_error("reports %s: out of memory", c->source);
		answer_error(req, c, 503, "Service Unavailable", "out of memory; retry later");
		goto out;
	}
	p->req = req;
	p->c = c;
	p->ctx = ctx;
	snprintf(p->report_id, sizeof(p->report_id), "%s", doc.report_id);
	snprintf(p->source, sizeof(p->source), "%s", c->source);
	r.report_id = doc.report_id;
	r.uuid = doc.uuid;
	r.host_name = doc.host_name;
	r.source = c->source;
	r.client_subject = subject[0] ? subject : NULL;
	r.report = body;
	memcpy(r.time, doc.time, sizeof(r.time));
	/* The connection stays counted (and a stop waits) until the answer is
	 * written; the completion may run before this returns. */
	c->replying = true;
	c->pending = p;
	p = NULL;
	store_add_report_async(ctx->store, &r, detail, on_stored, c->pending);
out:
	free(p);
	json_decref(detail);
	reportdoc_free(&doc);
	free(body);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct reports_server *srv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	struct report_conn *c = ssl ? SSL_get_ex_data(ssl, conn_idx) : NULL;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);

	if (!c) {
		/* Only after an allocation failure in on_new_conn: never take a
		 * report over plain TCP. */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		answer_error(req, NULL, 503, "Service Unavailable", "TLS unavailable; retry later");
		return;
	}
	fill_source(c, ssl);
	if (srv->ctx->stopping) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
				  REPORTS_RETRY_AFTER);
		answer_error(req, c, 503, "Service Unavailable", "shutting down; retry later");
		return;
	}
	if (!token_ok(srv, in)) {
		log_warn("reports %s: missing or wrong bearer token (401)", c->source);
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer realm=\"amt-verify\"");
		answer_error(req, c, 401, "Unauthorized", "missing or wrong bearer token");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		answer_error(req, c, 405, "Method Not Allowed", "POST a report to / or /reports");
		return;
	}
	if (!is_json_type(evhttp_find_header(in, "Content-Type"))) {
		log_warn("reports %s: Content-Type is not application/json (415)", c->source);
		answer_error(req, c, 415, "Unsupported Media Type",
			     "Content-Type must be application/json");
		return;
	}
	take_report(req, c, ssl);
}

/* ---- setup ---- */

static SSL_CTX *make_ssl_ctx(struct reports_server *srv, const struct reports_server_cfg *cfg,
			     char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "amt-verify reports";
	SSL_CTX *ctx = listen_tls_ctx_new(cfg->cert_file, cfg->key_file, err, errlen);
	STACK_OF(X509_NAME) *names = NULL;
	char why[256] = "";

	if (!ctx)
		return NULL;
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (cfg->client_ca) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca, NULL) != 1 ||
		    !(names = SSL_load_client_CA_file(cfg->client_ca))) {
			ERR_error_string_n(ERR_get_error(), why, sizeof(why));
			snprintf(err, errlen,
				 "cannot load --client-ca %s: %s — pass the PEM certificate of the "
				 "CA that signs the agents' client certificates",
				 cfg->client_ca, why);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names); /* takes names */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		srv->mutual = true;
	}
	SSL_CTX_set_info_callback(ctx, on_tls_info);
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

int reports_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		       const struct reports_server_cfg *cfg, struct reports_server **out,
		       char *bound, size_t boundlen, char *err, size_t errlen, int *exit_code)
{
	struct reports_server *srv = calloc(1, sizeof(*srv));
	struct evconnlistener *lev;
	unsigned mdlen = 0;
	int rc = -1;

	*out = NULL;
	*exit_code = VERIFY_EXIT_USAGE;
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	srv->ctx = ctx;
	listen_gate_init(&srv->gate, ctx, "reports", "--max-reports-connections",
			 ctx->lim.max_reports, true);
	if (conn_idx < 0)
		conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_ex_free);
	if (conn_idx < 0) {
		snprintf(err, errlen, "cannot set up TLS (ex_data)");
		goto out;
	}
	if (cfg->token) {
		if (EVP_Digest(cfg->token, cfg->token_len, srv->token_sha256, &mdlen, EVP_sha256(),
			       NULL) != 1 ||
		    mdlen != sizeof(srv->token_sha256)) {
			snprintf(err, errlen, "cannot hash the token");
			goto out;
		}
		srv->token_set = true;
	}
	srv->ssl_ctx = make_ssl_ctx(srv, cfg, err, errlen);
	if (!srv->ssl_ctx)
		goto out;
	srv->http = evhttp_new(ctx->base);
	if (!srv->http) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	evhttp_set_bevcb(srv->http, on_new_conn, srv);
	evhttp_set_gencb(srv->http, on_request, srv);
	/* Every method reaches on_request, which answers 405 to all but POST. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						      EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						      EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(srv->http, REPORTDOC_MAX_BYTES);
	evhttp_set_max_headers_size(srv->http, REPORTS_MAX_HEADERS);
	evhttp_set_timeout(srv->http, (int)ctx->lim.idle_s);
	if (listen_socket_new(&srv->gate, sa, salen, NULL, NULL, &srv->sock, bound, boundlen, err,
			      errlen) != 0) {
		*exit_code = VERIFY_EXIT_NETWORK;
		goto out;
	}
	lev = listen_socket_listener(srv->sock);
	srv->bound = evhttp_bind_listener(srv->http, lev);
	if (!srv->bound) {
		snprintf(err, errlen, "out of memory");
		*exit_code = VERIFY_EXIT_NETWORK;
		goto out;
	}
	listen_socket_handed_over(srv->sock);
	*out = srv;
	srv = NULL;
	rc = 0;
out:
	reports_server_free(srv);
	return rc;
}

void reports_server_stop(struct reports_server *srv)
{
	if (!srv)
		return;
	if (srv->bound)
		evhttp_del_accept_socket(srv->http, srv->bound); /* frees the listener */
	srv->bound = NULL;
	listen_socket_free(srv->sock);
	srv->sock = NULL;
}

void reports_server_free(struct reports_server *srv)
{
	if (!srv)
		return;
	reports_server_stop(srv);
	if (srv->http)
		evhttp_free(srv->http); /* closes connections; their SSLs free their conns */
	if (srv->gate.ctx)
		listen_gate_fini(&srv->gate);
	SSL_CTX_free(srv->ssl_ctx);
	OPENSSL_cleanse(srv->token_sha256, sizeof(srv->token_sha256));
	free(srv);
}
