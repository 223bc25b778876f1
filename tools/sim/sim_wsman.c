// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman.c - the HTTP side of the simulated WS-Man service (see
 * sim_wsman.h): libevent evhttp on one service thread with its own
 * event_base, internal Unix-socket listeners for APF channels, optional
 * network listeners (HTTP, and HTTPS through bufferevent_openssl), digest
 * authentication with AMT's 401 shape, and the limits a peer cannot exceed
 * (body 64 KiB -> 413, headers 8 KiB, 32 connections, 10 s per request).
 *
 * Like AMT it answers POST /wsman only (other paths 404, other methods
 * 405). SOAP answers (200, and faults) are chunked as AMT frames them
 * (sim_wsman_frame.c) and keep the connection for the next request; the
 * HTML pages (401, 404, 405, 503) carry Content-Length and close it, as
 * AMT's 401 does. The request body goes to sim_wsman_handle()
 * (sim_wsman_soap.c).
 *
 * Connection cap: libevent 2.1 has no accept hook for evhttp, so every
 * connection is recorded when evhttp asks for its bufferevent and released
 * by the connection's close callback (or, if it never sent a request, once
 * the request timeout has surely closed it); while the table is full the
 * listeners are disabled and new connections wait in the kernel backlog.
 * Must not: parse HTTP or XML itself, or log credentials.
 */
#include "sim_wsman.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sim_wsman_int.h"

#define BODY_MAX (64 * 1024)
#define HEADERS_MAX (8 * 1024)
#define MAX_CONNS 32
#define REQUEST_TIMEOUT_S 10
#define SERVER_PREFIX "Intel(R) Active Management Technology "

/* Internal listeners (Unix stream sockets with abstract names the kernel
 * picks: a channel's stream costs no TCP handshake, segments or FINs) give
 * APF channels their streams: LME channels count as local (the host side),
 * CIRA channels as remote (a network interface: the local system account
 * is refused). Like the loopback ports they replace, any process of this
 * network namespace could connect to them. The TLS ones exist when [amt]
 * tls_cert/tls_key are set. */
enum { L_INTERNAL, L_INTERNAL_TLS, L_REMOTE, L_REMOTE_TLS, L_HTTP, L_HTTPS, L_COUNT };

struct listener {
	struct sim_wsman *w;
	struct evhttp *http;
	struct evconnlistener *lev;
	bool local; /* requests count as coming from the host */
	unsigned port; /* bound */
	struct sockaddr_un addr; /* internal listeners: where to connect */
	socklen_t addrlen;
};

struct conn {
	struct bufferevent *bev; /* NULL = free; only compared, never used */
	int64_t born_ms;
	bool requested; /* a close callback will release it */
};

struct sim_wsman {
	struct sim_fw *fw;
	struct sim_wsman_core *core;
	struct event_base *base;
	struct listener l[L_COUNT];
	SSL_CTX *ssl;
	struct event *stop_ev, *recheck_ev;
	int stop_pipe[2];
	pthread_t thread;
	bool thread_started, listeners_paused;
	bool attached;           /* sim_wsman_attach: the loop and TLS context are borrowed */
	X509 *cert;              /* attached: this device's certificate and key, borrowed */
	EVP_PKEY *key;
	unsigned reply_delay_ms; /* attached: a slow device */
	struct sim_wsman_stats *stats;
	struct http_nonces nonces;
	struct conn conns[MAX_CONNS];
};

/* ---------------- connection accounting ---------------- */

static void listeners_enable(struct sim_wsman *w, bool on)
{
	if (w->listeners_paused == !on)
		return;
	w->listeners_paused = !on;
	for (int i = 0; i < L_COUNT; i++) {
		if (!w->l[i].lev)
			continue;
		if (on)
			evconnlistener_enable(w->l[i].lev);
		else
			evconnlistener_disable(w->l[i].lev);
	}
	if (!on) {
		struct timeval tv = {1, 0};
		event_add(w->recheck_ev, &tv);
	} else {
		event_del(w->recheck_ev);
	}
}

/* Frees slots whose connection never sent a request and must be gone by
 * now; returns how many slots are in use. */
static int conns_expire(struct sim_wsman *w)
{
	int64_t now = sim_wsman_now_ms();
	int used = 0;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &w->conns[i];
		if (c->bev && !c->requested && now - c->born_ms > (REQUEST_TIMEOUT_S + 2) * 1000)
			c->bev = NULL;
		if (c->bev)
			used++;
	}
	return used;
}

static void on_recheck(evutil_socket_t fd, short what, void *arg)
{
	struct sim_wsman *w = arg;
	(void)fd;
	(void)what;
	if (conns_expire(w) < MAX_CONNS) {
		listeners_enable(w, true);
	} else {
		struct timeval tv = {1, 0};
		event_add(w->recheck_ev, &tv);
	}
}

static void conn_track(struct sim_wsman *w, struct bufferevent *bev)
{
	int slot = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		if (w->conns[i].bev == bev)
			slot = i; /* address reused after a free we did not see */
	if (slot < 0) {
		conns_expire(w);
		for (int i = 0; i < MAX_CONNS && slot < 0; i++)
			if (!w->conns[i].bev)
				slot = i;
	}
	if (slot >= 0) {
		w->conns[slot].bev = bev;
		w->conns[slot].born_ms = sim_wsman_now_ms();
		w->conns[slot].requested = false;
	}
	if (conns_expire(w) >= MAX_CONNS)
		listeners_enable(w, false);
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct sim_wsman *w = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	for (int i = 0; i < MAX_CONNS; i++)
		if (w->conns[i].bev == bev)
			w->conns[i].bev = NULL;
	if (w->listeners_paused && conns_expire(w) < MAX_CONNS)
		listeners_enable(w, true);
}

static void conn_requested(struct sim_wsman *w, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (!evcon)
		return;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	for (int i = 0; i < MAX_CONNS; i++)
		if (w->conns[i].bev == bev)
			w->conns[i].requested = true;
	evhttp_connection_set_closecb(evcon, on_conn_close, w);
}

static struct bufferevent *bev_plain(struct event_base *base, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev)
		conn_track(arg, bev);
	return bev;
}

static struct bufferevent *bev_tls(struct event_base *base, void *arg)
{
	struct sim_wsman *w = arg;
	SSL *ssl = SSL_new(w->ssl);
	if (!ssl)
		return NULL;
	if (w->cert && (SSL_use_certificate(ssl, w->cert) != 1 ||
			SSL_use_PrivateKey(ssl, w->key) != 1)) {
		SSL_free(ssl);
		return NULL;
	}
	struct bufferevent *bev = bufferevent_openssl_socket_new(
		base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	conn_track(w, bev);
	return bev;
}

/* ---------------- requests ---------------- */

/* What a request needs from the device state, copied under the ME lock. */
struct auth_cfg {
	bool enabled;
	char realm[80];
	char server[sizeof(SERVER_PREFIX) + 48];
	char admin_user[33], admin_password[33];
	bool local_enabled;
	char local_user[34], local_password[34];
	uint32_t qop;
	bool identify_auth;
	struct sim_users users; /* the ACL's digest users ([user.N]) */
};

static void cfg_load(struct sim_wsman *w, struct auth_cfg *c)
{
	const struct sim_state *st = &w->fw->st;
	memset(c, 0, sizeof(*c));
	sim_me_lock(w->fw->me);
	c->enabled = st->amt_enabled;
	sim_digest_realm(st, c->realm, sizeof(c->realm));
	if (st->me_fw_version[0])
		snprintf(c->server, sizeof(c->server), SERVER_PREFIX "%s", st->me_fw_version);
	else
		snprintf(c->server, sizeof(c->server), SERVER_PREFIX "%s.%s", st->version, st->build);
	snprintf(c->admin_user, sizeof(c->admin_user), "%s", st->admin_user);
	snprintf(c->admin_password, sizeof(c->admin_password), "%s", st->admin_password);
	c->local_enabled = st->local_account_enabled;
	snprintf(c->local_user, sizeof(c->local_user), "%s", st->local_user);
	snprintf(c->local_password, sizeof(c->local_password), "%s", st->local_password);
	c->qop = st->digest_qop;
	c->identify_auth = st->identify_auth;
	c->users = st->users;
	sim_me_unlock(w->fw->me);
}

static void send_reply(struct evhttp_request *req, const struct auth_cfg *cfg, int code,
		       const char *reason, const char *ctype, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Server", cfg->server);
	evhttp_add_header(h, "Connection", "close");
	if (ctype)
		evhttp_add_header(h, "Content-Type", ctype);
	struct evbuffer *b = evbuffer_new();
	if (b && len)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void send_html(struct evhttp_request *req, const struct auth_cfg *cfg, int code,
		      const char *reason)
{
	char html[512];
	int n = snprintf(html, sizeof(html),
			 "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
			 "<html><head><title>Intel&reg; Active Management Technology</title>"
			 "</head>\n<body><h2>%d %s</h2></body></html>\n",
			 code, reason);
	send_reply(req, cfg, code, reason, "text/html", html, n > 0 ? (size_t)n : 0);
}

static void send_challenge(struct sim_wsman *w, struct evhttp_request *req,
			   const struct auth_cfg *cfg, bool stale)
{
	char nonce[33], value[256];
	if (http_nonce_issue(&w->nonces, sim_wsman_now_ms(), nonce) != 0) {
		send_html(req, cfg, 500, "Internal Server Error");
		return;
	}
	/* the exact spacing of AMT's header (protocol-facts.md 7.1) */
	snprintf(value, sizeof(value), "Digest realm=\"%s\", nonce=\"%s\",stale=\"%s\",qop=\"%s\"",
		 cfg->realm, nonce, stale ? "true" : "false",
		 cfg->qop == SIM_QOP_AUTH_INT_AUTH ? "auth-int, auth" : "auth");
	evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate", value);
	send_html(req, cfg, 401, "Unauthorized");
}

/* 1 authenticated, 0 no or wrong credentials, -1 right credentials with a
 * nonce we do not know (any more): the client should retry. */
static int authenticate(struct sim_wsman *w, struct evhttp_request *req,
			const struct auth_cfg *cfg, bool local, const char **user)
{
	struct http_digest_auth a;
	const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	const char *password = NULL;
	if (!hdr || http_digest_parse(hdr, &a) != 0)
		return 0;
	if (strcmp(a.username, cfg->admin_user) == 0) {
		password = cfg->admin_password;
		*user = "admin account";
	} else if (local && cfg->local_enabled && strcmp(a.username, cfg->local_user) == 0) {
		password = cfg->local_password; /* local realm: host side only */
		*user = "local system account";
	} else {
		/* an ACL user, from the interface its AccessPermission allows
		 * (realms are listed, not enforced per class) */
		const struct sim_user *u = sim_users_find(&cfg->users, a.username);
		if (u && sim_user_access_ok(u->access, local)) {
			password = u->password;
			*user = "ACL user";
		}
	}
	if (!password || strcmp(a.uri, evhttp_request_get_uri(req)) != 0 ||
	    !http_digest_verify(&a, "POST", cfg->realm, password))
		return 0;
	return http_nonce_use(&w->nonces, a.nonce, a.nc, sim_wsman_now_ms()) == 0 ? 1 : -1;
}

/* Counters of an attached service: the request, and once per TLS
 * connection (AMT closes after each answer: one request each) whether its
 * session was resumed. */
static void count_request(struct sim_wsman *w, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;

	w->stats->requests++;
	if (ssl) {
		w->stats->handshakes++;
		if (SSL_session_reused(ssl))
			w->stats->resumed++;
	}
}

static void handle_request(struct evhttp_request *req, struct listener *l);

struct delayed {
	struct evhttp_request *req;
	struct listener *l;
};

static void on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct delayed d = *(struct delayed *)arg;

	free(arg);
	handle_request(d.req, d.l);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct listener *l = arg;
	struct sim_wsman *w = l->w;
	struct delayed *d;
	struct timeval tv;

	if (w->stats)
		count_request(w, req);
	if (!w->reply_delay_ms || !(d = malloc(sizeof(*d)))) {
		handle_request(req, l);
		return;
	}
	/* A slow device: evhttp keeps the request until it is answered. */
	d->req = req;
	d->l = l;
	tv.tv_sec = w->reply_delay_ms / 1000;
	tv.tv_usec = (w->reply_delay_ms % 1000) * 1000;
	if (event_base_once(w->base, -1, EV_TIMEOUT, on_delay, d, &tv) != 0) {
		free(d);
		handle_request(req, l);
	}
}

static void handle_request(struct evhttp_request *req, struct listener *l)
{
	struct sim_wsman *w = l->w;
	struct auth_cfg cfg;
	const char *user = "";

	conn_requested(w, req);
	cfg_load(w, &cfg);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (!cfg.enabled) {
		send_html(req, &cfg, 503, "Service Unavailable"); /* AMT disabled */
	} else if (!path || strcmp(path, "/wsman") != 0) {
		send_html(req, &cfg, 404, "Not Found");
	} else if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
		send_html(req, &cfg, 405, "Method Not Allowed");
	} else {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(in);
		const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
		/* DSP0226 11: Identify may be answered without credentials */
		int auth;
		if (!cfg.identify_auth && sim_wsman_is_identify(body, len)) {
			auth = 1;
			user = "anonymous Identify";
		} else {
			auth = authenticate(w, req, &cfg, l->local, &user);
		}
		if (auth <= 0) {
			log_debug("wsman: 401 for POST /wsman%s", auth < 0 ? " (stale nonce)" : "");
			if (w->stats)
				w->stats->challenges++;
			send_challenge(w, req, &cfg, auth < 0);
		} else {
			struct sim_wsman_reply r;
			if (sim_wsman_handle(w->core, body, len, l->local, &r) != 0) {
				send_html(req, &cfg, 500, "Internal Server Error");
			} else {
				log_debug("wsman: POST /wsman by the %s%s: %d", user,
					  l->local ? " (local)" : "", r.status);
				sim_http_send_soap(req, cfg.server, r.status,
						   r.status == 200	? "OK"
						   : r.status == 400	? "Bad Request"
									: "Internal Server Error",
						   r.body, r.len);
				sim_wsman_reply_free(&r);
			}
		}
	}
	OPENSSL_cleanse(&cfg, sizeof(cfg));
}

/* ---------------- setup ---------------- */

static int http_new(struct sim_wsman *w, int which, bool tls)
{
	struct listener *l = &w->l[which];
	l->w = w;
	l->http = evhttp_new(w->base);
	if (!l->http)
		return -1;
	evhttp_set_max_body_size(l->http, BODY_MAX);
	evhttp_set_max_headers_size(l->http, HEADERS_MAX);
	evhttp_set_timeout(l->http, REQUEST_TIMEOUT_S);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(l->http, on_request, l);
	evhttp_set_bevcb(l->http, tls ? bev_tls : bev_plain, w);
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

static int bind_one(struct sim_wsman *w, int which, bool tls, const char *host, unsigned port,
		    char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (http_new(w, which, tls) != 0) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	struct evhttp_bound_socket *bs =
		evhttp_bind_socket_with_handle(w->l[which].http, host, (uint16_t)port);
	if (!bs) {
		snprintf(err, errcap, "cannot listen on %s port %u: %s", host, port, strerror(errno));
		return -1;
	}
	w->l[which].lev = evhttp_bound_socket_get_listener(bs);
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errcap, "getsockname: %s", strerror(errno));
		return -1;
	}
	w->l[which].local = is_loopback(&ss);
	w->l[which].port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							 : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* An internal listener: a Unix stream socket with an abstract name the
 * kernel picks (autobind), so a channel's stream costs no TCP. */
static int bind_internal(struct sim_wsman *w, int which, bool tls, char *err, size_t errcap)
{
	struct listener *l = &w->l[which];
	sa_family_t fam = AF_UNIX;
	int fd = -1;

	if (http_new(w, which, tls) != 0) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	l->addrlen = sizeof(l->addr);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&fam, sizeof(fam)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) != 0) {
		snprintf(err, errcap, "internal listener: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct evhttp_bound_socket *bs = evhttp_accept_socket_with_handle(l->http, fd);
	if (!bs) {
		close(fd);
		snprintf(err, errcap, "internal listener: out of memory");
		return -1;
	}
	l->lev = evhttp_bound_socket_get_listener(bs);
	l->local = which == L_INTERNAL || which == L_INTERNAL_TLS;
	return 0;
}

/* "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT", or a bare IPv6 address */
static int parse_listen(const char *s, char *host, size_t hostcap, unsigned *port)
{
	const char *colon = NULL, *h = s;
	size_t hlen;
	*port = SIM_WSMAN_HTTP_PORT;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= hostcap)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end || p > 65534)
			return -1;
		*port = (unsigned)p;
	}
	return 0;
}

/* legacy: TLS 1.0 only, with the old ciphers OpenSSL 3 hides below
 * security level 1, as AMT 7 to 11 firmware offers */
static int tls_setup(struct sim_wsman *w, const char *cert, const char *key, bool legacy,
		     char *err, size_t errcap)
{
	w->ssl = SSL_CTX_new(TLS_server_method());
	if (!w->ssl) {
		snprintf(err, errcap, "cannot create a TLS context");
		return -1;
	}
	if (legacy) {
		SSL_CTX_set_security_level(w->ssl, 0);
		if (SSL_CTX_set_min_proto_version(w->ssl, TLS1_VERSION) != 1 ||
		    SSL_CTX_set_max_proto_version(w->ssl, TLS1_VERSION) != 1 ||
		    SSL_CTX_set_cipher_list(w->ssl, "DEFAULT:@SECLEVEL=0") != 1) {
			snprintf(err, errcap, "this OpenSSL cannot serve TLS 1.0 ([sim] tls_legacy)");
			return -1;
		}
	} else {
		SSL_CTX_set_min_proto_version(w->ssl, TLS1_2_VERSION);
	}
	if (SSL_CTX_use_certificate_chain_file(w->ssl, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(w->ssl, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(w->ssl) != 1) {
		char e[160];
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		snprintf(err, errcap, "[amt] tls_cert/tls_key %s / %s: %s", cert, key, e);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static void *service_thread(void *arg)
{
	struct sim_wsman *w = arg;
	sigset_t pipe_set;
	/* a peer that hangs up mid-response makes send() fail with EPIPE */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	event_base_dispatch(w->base);
	return NULL;
}

/* evhttp turns a connection's events on and off several times per
 * request (an epoll_ctl each); the changelist sends epoll only the net
 * change of a loop turn. (Its caveat, dup()ed descriptors, does not apply:
 * evhttp never dups.) */
static struct event_base *base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *b = NULL;

	if (cfg && event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) == 0)
		b = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return b ? b : event_base_new();
}

struct sim_wsman *sim_wsman_start(struct sim_fw *fw, const char *listen_addr, char *err,
				  size_t errcap)
{
	struct sim_wsman *w = calloc(1, sizeof(*w));
	char host[256], cert[SIM_STR], key[SIM_STR];
	unsigned port = SIM_WSMAN_HTTP_PORT;
	bool legacy;

	if (!w) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	w->fw = fw;
	w->stop_pipe[0] = w->stop_pipe[1] = -1;
	xmlInitParser(); /* before any other thread parses */
	if (listen_addr && parse_listen(listen_addr, host, sizeof(host), &port) != 0) {
		snprintf(err, errcap, "--listen %s: expected ADDR or ADDR:PORT", listen_addr);
		goto fail;
	}
	sim_me_lock(fw->me);
	snprintf(cert, sizeof(cert), "%s", fw->st.tls_cert);
	snprintf(key, sizeof(key), "%s", fw->st.tls_key);
	legacy = fw->st.tls_legacy;
	sim_me_unlock(fw->me);
	w->core = sim_wsman_core_new(fw);
	w->base = base_new();
	if (!w->core || !w->base || pipe2(w->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errcap, "out of memory or descriptors");
		goto fail;
	}
	w->stop_ev = event_new(w->base, w->stop_pipe[0], EV_READ, on_stop, w->base);
	w->recheck_ev = evtimer_new(w->base, on_recheck, w);
	if (!w->stop_ev || !w->recheck_ev || event_add(w->stop_ev, NULL) != 0) {
		snprintf(err, errcap, "out of memory");
		goto fail;
	}
	if (cert[0] || key[0]) { /* check the files before binding anything */
		if (!cert[0] || !key[0]) {
			snprintf(err, errcap, "[amt] tls_cert and tls_key go together");
			goto fail;
		}
		if (tls_setup(w, cert, key, legacy, err, errcap) != 0)
			goto fail;
	}
	if (bind_internal(w, L_INTERNAL, false, err, errcap) != 0 ||
	    bind_internal(w, L_REMOTE, false, err, errcap) != 0 ||
	    (w->ssl && (bind_internal(w, L_INTERNAL_TLS, true, err, errcap) != 0 ||
			bind_internal(w, L_REMOTE_TLS, true, err, errcap) != 0)))
		goto fail;
	if (listen_addr) {
		/* port 0: any free port for each, the log line says which */
		if (bind_one(w, L_HTTP, false, host, port, err, errcap) != 0 ||
		    (w->ssl && bind_one(w, L_HTTPS, true, host, port ? port + 1 : 0, err, errcap) != 0))
			goto fail;
	}
	if (pthread_create(&w->thread, NULL, service_thread, w) != 0) {
		snprintf(err, errcap, "cannot start the WS-Man thread");
		goto fail;
	}
	w->thread_started = true;
	sim_me_lock(fw->me); /* others read fw->wsman under the ME lock */
	fw->wsman = w;
	sim_me_unlock(fw->me);
	if (listen_addr) {
		bool v6 = strchr(host, ':') != NULL;
		log_info("WS-Man HTTP on %s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
			 w->l[L_HTTP].port);
		if (w->ssl)
			log_info("WS-Man HTTPS on %s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
				 w->l[L_HTTPS].port, legacy ? " (TLS 1.0 only)" : "");
	}
	return w;
fail:
	sim_wsman_stop(w);
	return NULL;
}

/* evhttp on a socket the caller bound. */
static int accept_on(struct sim_wsman *w, int which, bool tls, int fd, bool local, char *err,
		     size_t errcap)
{
	struct evhttp_bound_socket *bs;

	if (http_new(w, which, tls) != 0) {
		snprintf(err, errcap, "out of memory");
		close(fd);
		return -1;
	}
	bs = evhttp_accept_socket_with_handle(w->l[which].http, fd);
	if (!bs) {
		snprintf(err, errcap, "cannot accept on a socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	w->l[which].lev = evhttp_bound_socket_get_listener(bs);
	w->l[which].local = local;
	return 0;
}

struct sim_wsman *sim_wsman_attach(struct sim_fw *fw, const struct sim_wsman_attach *a,
				   char *err, size_t errcap)
{
	struct sim_wsman *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errcap, "out of memory");
		if (a->http_fd >= 0)
			close(a->http_fd);
		if (a->https_fd >= 0)
			close(a->https_fd);
		return NULL;
	}
	w->fw = fw;
	w->attached = true;
	w->base = a->base;
	w->ssl = a->ssl;
	w->cert = a->cert;
	w->key = a->key;
	w->reply_delay_ms = a->reply_delay_ms;
	w->stats = a->stats;
	w->stop_pipe[0] = w->stop_pipe[1] = -1;
	w->core = sim_wsman_core_new(fw);
	w->recheck_ev = evtimer_new(w->base, on_recheck, w);
	if (!w->core || !w->recheck_ev) {
		snprintf(err, errcap, "out of memory");
		if (a->http_fd >= 0)
			close(a->http_fd);
		if (a->https_fd >= 0)
			close(a->https_fd);
		goto fail;
	}
	if (a->http_fd >= 0 && accept_on(w, L_HTTP, false, a->http_fd, a->local, err, errcap) != 0) {
		if (a->https_fd >= 0)
			close(a->https_fd);
		goto fail;
	}
	if (a->https_fd >= 0 &&
	    accept_on(w, L_HTTPS, true, a->https_fd, a->local, err, errcap) != 0)
		goto fail;
	fw->wsman = w; /* the loop is not running yet, or runs on this thread */
	return w;
fail:
	sim_wsman_stop(w);
	return NULL;
}

int sim_wsman_net_port(const struct sim_wsman *w, bool tls)
{
	const struct listener *l = &w->l[tls ? L_HTTPS : L_HTTP];
	return l->http ? (int)l->port : -1;
}

int sim_wsman_connect_stream(struct sim_wsman *w, bool tls, bool local)
{
	if (!w)
		return -ENOTCONN;
	const struct listener *l = &w->l[tls ? (local ? L_INTERNAL_TLS : L_REMOTE_TLS)
					     : (local ? L_INTERNAL : L_REMOTE)];
	if (!l->http)
		return -ECONNREFUSED; /* no TLS configured */
	/* non-blocking: a full backlog is EAGAIN, never a wait on this thread */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&l->addr, l->addrlen) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int sim_wsman_connect_internal(struct sim_wsman *w)
{
	int fd = sim_wsman_connect_stream(w, false, true);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int sim_wsman_register(struct sim_fw *fw, char *err, size_t errcap)
{
	return sim_wsman_start(fw, fw->listen_addr, err, errcap) ? 0 : -1;
}

void sim_wsman_shutdown(struct sim_fw *fw)
{
	/* the parts that read fw->wsman under the ME lock (the LME relay) were
	 * shut down before this one */
	sim_wsman_stop(fw->wsman); /* clears fw->wsman */
}

void sim_wsman_stop(struct sim_wsman *w)
{
	if (!w)
		return;
	if (w->thread_started) {
		char b = 1;
		while (write(w->stop_pipe[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(w->thread, NULL);
	}
	if (w->fw && w->fw->me) {
		sim_me_lock(w->fw->me);
		if (w->fw->wsman == w)
			w->fw->wsman = NULL;
		sim_me_unlock(w->fw->me);
	}
	for (int i = 0; i < L_COUNT; i++)
		if (w->l[i].http)
			evhttp_free(w->l[i].http);
	if (w->ssl && !w->attached)
		SSL_CTX_free(w->ssl);
	if (w->stop_ev)
		event_free(w->stop_ev);
	if (w->recheck_ev)
		event_free(w->recheck_ev);
	if (w->base && !w->attached)
		event_base_free(w->base);
	sim_wsman_core_free(w->core);
	for (int i = 0; i < 2; i++)
		if (w->stop_pipe[i] >= 0)
			close(w->stop_pipe[i]);
	OPENSSL_cleanse(&w->nonces, sizeof(w->nonces));
	free(w);
}
