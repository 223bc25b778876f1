// SPDX-License-Identifier: Apache-2.0
/*
 * listen_events.c - the WS-Event receiver of `amt-verify listen --events`:
 * the subscriber AMT POSTs its alerts to (protocol-facts-2.md 1.4), over
 * HTTP, or HTTPS with --tls-cert (libevent's evhttp, OpenSSL bufferevents).
 *
 * Owns: the request rules and answers. Any path (AMT posts to the NotifyTo
 * address's path), POST only (405). With --notify-user and
 * --notify-password-file (the credentials `subscribe` gave AMT), HTTP
 * digest: no or wrong credentials get 401 with a challenge (realm
 * "amt-verify events", qop "auth", nonces valid 5 minutes, each nc once),
 * which AMT answers by re-sending with digest, as MeshCentral's
 * handleAmtEventRequest makes it do. A malformed body gets 400 with a SOAP
 * fault and nothing is stored. A valid event is committed to the store
 * before any 2xx (503 when the store fails: AMT retries); an event stored
 * before (a resend) is answered the same but not stored or acted on again.
 * The answer is 200 with the DSP0226 Ack when the event asks for one
 * (PushWithAck), else 200 with no body. The device is our reference
 * parameter's UUID when the subscription carried it, else the sender's
 * address (without the port). Each new event goes to the event engine.
 * Must not: parse HTTP or XML by hand (evhttp, alertdoc.c), log a
 * password, or answer 2xx before the store committed.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "alertdoc.h"
#include "event_engine.h"
#include "eventfmt.h"
#include "http_digest.h"
#include "listen.h"
#include "log.h"

#define EVENTS_REALM "amt-verify events"
#define EVENTS_MAX_HEADERS 16384
#define SOAP_TYPE "application/soap+xml;charset=UTF-8"

struct events_server {
	struct listen_ctx *ctx;
	struct listen_gate gate;
	struct evhttp *http;
	struct listen_socket *sock;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl_ctx; /* NULL: plain HTTP */
	struct engine *engine;
	char user[HTTP_DIGEST_USER_MAX + 1];
	char *password; /* NUL-terminated copy; NULL: no digest */
	struct http_nonces nonces;
	unsigned long stored, duplicates, refused, unauthorized;
};

static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
	struct events_server *srv = arg;
	SSL *ssl = SSL_new(srv->ssl_ctx);
	struct bufferevent *bev =
		ssl ? bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						     BEV_OPT_CLOSE_ON_FREE)
		    : NULL;
	if (!bev) {
		log_error("events: out of memory — connection dropped");
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *body,
		  size_t len)
{
	struct evbuffer *out = evbuffer_new();
	if (body)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", SOAP_TYPE);
	if (out && body)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, code, reason, out);
	if (out)
		evbuffer_free(out);
}

static void reply_fault(struct evhttp_request *req, int code, const char *reason,
			const char *why)
{
	size_t len = 0;
	char *fault = alertdoc_fault(why, &len);
	reply(req, code, reason, fault, len);
	free(fault);
}

static void challenge(struct events_server *srv, struct evhttp_request *req, bool stale)
{
	char nonce[33], value[200];
	if (http_nonce_issue(&srv->nonces, verify_mono_ms(), nonce) != 0) {
		reply(req, 503, "Service Unavailable", NULL, 0);
		return;
	}
	snprintf(value, sizeof(value), "Digest realm=\"" EVENTS_REALM "\", nonce=\"%s\", "
				       "stale=\"%s\", qop=\"auth\"",
		 nonce, stale ? "true" : "false");
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", value);
	reply(req, 401, "Unauthorized", NULL, 0);
}

/* 1 authenticated, 0 no or wrong credentials, -1 right but an old nonce. */
static int authenticate(struct events_server *srv, struct evhttp_request *req)
{
	struct http_digest_auth a;
	const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (!hdr || http_digest_parse(hdr, &a) != 0 || strcmp(a.username, srv->user) != 0 ||
	    strcmp(a.uri, evhttp_request_get_uri(req)) != 0 ||
	    !http_digest_verify(&a, "POST", EVENTS_REALM, srv->password))
		return 0;
	return http_nonce_use(&srv->nonces, a.nonce, a.nc, verify_mono_ms()) == 0 ? 1 : -1;
}

/* The sender's address, and the device when no reference parameter named it
 * (the address alone: a device's source port changes). */
static void peer(struct evhttp_request *req, char *source, size_t scap, char *addr, size_t acap)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const char *host = NULL;
	ev_uint16_t port = 0;
	if (evcon)
		evhttp_connection_get_peer(evcon, (char **)&host, &port);
	snprintf(addr, acap, "%s", host ? host : "?");
	snprintf(source, scap, "%s%s%s:%u", host && strchr(host, ':') ? "[" : "", host ? host : "?",
		 host && strchr(host, ':') ? "]" : "", (unsigned)port);
}

static void take_event(struct events_server *srv, struct evhttp_request *req, const char *source,
		       const char *addr)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct alertdoc d;
	struct store_event ev = {0};
	char why[256], err[512], *body = NULL, *args = NULL;
	json_t *detail = NULL;

	if (len > ALERTDOC_MAX_BYTES || !(body = malloc(len + 1)) ||
	    (len && evbuffer_copyout(in, body, len) != (ev_ssize_t)len)) {
		reply_fault(req, len > ALERTDOC_MAX_BYTES ? 413 : 503,
			    len > ALERTDOC_MAX_BYTES ? "Payload Too Large" : "Service Unavailable",
			    "The event could not be taken.");
		goto out;
	}
	body[len] = '\0';
	if (alertdoc_parse(body, len, &d, why, sizeof(why)) != 0) {
		srv->refused++;
		log_warn("events %s: malformed event refused (400): %s", source, why);
		reply_fault(req, 400, "Bad Request", why);
		goto out;
	}
	detail = alertdoc_detail(&d);
	args = json_dumps(json_object_get(detail, "arguments"), JSON_COMPACT | JSON_ENSURE_ASCII);
	struct store_alert a = {
		.device = d.device[0] ? d.device : addr, .source = source,
		.message_id = d.message_id, .wsa_message_id = d.wsa_message_id,
		.indication_time = d.indication_time[0] ? d.indication_time : NULL,
		.indication_id = d.indication_id[0] ? d.indication_id : NULL,
		.severity = d.has_severity ? (int64_t)d.severity : -1, .arguments = args,
	};
	int rc = detail && args ? store_add_alert(srv->ctx->store, &a, detail, &ev, err, sizeof(err))
				: -1;
	if (rc < 0) {
		log_error("events %s: cannot store %s: %s — answered 503, the device will retry",
			  source, d.message_id, detail && args ? err : "out of memory");
		reply_fault(req, 503, "Service Unavailable", "The event cannot be stored now.");
		goto out;
	}
	if (d.ack_requested) {
		size_t alen = 0;
		char *ack = alertdoc_ack(&d, &alen);
		reply(req, 200, "OK", ack, alen);
		free(ack);
	} else {
		reply(req, 200, "OK", NULL, 0);
	}
	if (rc == STORE_DUPLICATE) {
		srv->duplicates++;
		log_info("events %s: %s %s received again — stored once", source, d.message_id,
			 d.wsa_message_id);
		goto out;
	}
	srv->stored++;
	if (event_print(stdout, &ev, srv->ctx->json) != 0)
		log_error("cannot print an alert event");
	engine_alert(srv->engine, &ev, d.message_id, a.device);
out:
	free(args);
	json_decref(detail);
	free(body);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct events_server *srv = arg;
	char source[80], addr[64];

	peer(req, source, sizeof(source), addr, sizeof(addr));
	if (srv->ctx->stopping) {
		reply(req, 503, "Service Unavailable", NULL, 0);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		reply(req, 405, "Method Not Allowed", NULL, 0);
		return;
	}
	if (srv->password) {
		int auth = authenticate(srv, req);
		if (auth <= 0) {
			if (evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization")) {
				srv->unauthorized++;
				log_warn("events %s: wrong digest credentials%s (401)", source,
					 auth < 0 ? " or an old nonce" : "");
			}
			challenge(srv, req, auth < 0);
			return;
		}
	}
	take_event(srv, req, source, addr);
}

int events_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		      const struct events_server_cfg *cfg, struct events_server **out, char *bound,
		      size_t boundlen, char *err, size_t errlen, int *exit_code)
{
	struct events_server *srv = calloc(1, sizeof(*srv));
	int rc = -1;

	*out = NULL;
	*exit_code = VERIFY_EXIT_USAGE;
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	srv->ctx = ctx;
	listen_gate_init(&srv->gate, ctx, "events", "--max-connections", ctx->lim.max_reports, true);
	if (cfg->password) {
		if (!cfg->user || strlen(cfg->user) > HTTP_DIGEST_USER_MAX ||
		    !(srv->password = calloc(1, cfg->password_len + 1))) {
			snprintf(err, errlen, "--notify-user must be 1..%d characters",
				 HTTP_DIGEST_USER_MAX);
			goto out;
		}
		memcpy(srv->password, cfg->password, cfg->password_len);
		snprintf(srv->user, sizeof(srv->user), "%s", cfg->user);
	}
	if (cfg->cert_file && !(srv->ssl_ctx = listen_tls_ctx_new(cfg->cert_file, cfg->key_file,
								  err, errlen)))
		goto out;
	srv->http = evhttp_new(ctx->base);
	if (!srv->http) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (srv->ssl_ctx)
		evhttp_set_bevcb(srv->http, on_new_conn, srv);
	evhttp_set_gencb(srv->http, on_request, srv);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						      EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						      EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(srv->http, ALERTDOC_MAX_BYTES);
	evhttp_set_max_headers_size(srv->http, EVENTS_MAX_HEADERS);
	evhttp_set_timeout(srv->http, (int)ctx->lim.idle_s);
	if (listen_socket_new(&srv->gate, sa, salen, NULL, NULL, &srv->sock, bound, boundlen, err,
			      errlen) != 0) {
		*exit_code = VERIFY_EXIT_NETWORK;
		goto out;
	}
	srv->bound = evhttp_bind_listener(srv->http, listen_socket_listener(srv->sock));
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
	events_server_free(srv);
	return rc;
}

void events_server_set_engine(struct events_server *srv, struct engine *engine)
{
	if (srv)
		srv->engine = engine;
}

void events_server_stop(struct events_server *srv)
{
	if (!srv)
		return;
	if (srv->bound)
		evhttp_del_accept_socket(srv->http, srv->bound);
	srv->bound = NULL;
	listen_socket_free(srv->sock);
	srv->sock = NULL;
}

void events_server_free(struct events_server *srv)
{
	if (!srv)
		return;
	events_server_stop(srv);
	if (srv->http)
		evhttp_free(srv->http);
	if (srv->gate.ctx) {
		if (srv->stored || srv->duplicates || srv->refused || srv->unauthorized)
			log_info("events: %lu stored, %lu received again, %lu malformed, %lu with "
				 "wrong credentials", srv->stored, srv->duplicates, srv->refused,
				 srv->unauthorized);
		listen_gate_fini(&srv->gate);
	}
	SSL_CTX_free(srv->ssl_ctx);
	if (srv->password) {
		OPENSSL_cleanse(srv->password, strlen(srv->password));
		free(srv->password);
	}
	free(srv);
}
