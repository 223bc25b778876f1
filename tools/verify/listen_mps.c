/*
 * listen_mps.c - the CIRA receiver (MPS) of `amt-verify listen`: TLS
 * (its own certificate, TLS 1.2 minimum) and socket plumbing around the APF
 * state machine in mps_apf.c.
 *
 * Owns: the SSL_CTX, accepting and TLS-wrapping connections (libevent
 * OpenSSL bufferevents), feeding received bytes to the session and wiping
 * them, the timers (idle and set-up limits before the tunnel is open, the
 * settle timer for cira_open, --max-tunnel-seconds after), the byte cap,
 * TCP keepalive for dead peers, and flushing a last DISCONNECT before
 * closing.
 * Must not: interpret APF messages (mps_apf.c does) or log credentials.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "apf_codec.h"
#include "listen.h"
#include "log.h"
#include "mps_apf.h"

struct mps_server {
	struct listen_ctx *ctx;
	struct listen_gate gate;
	struct listen_socket *sock;
	SSL_CTX *ssl_ctx;
	struct mps_auth auth;
	char *user;
};

struct mps_conn {
	struct listen_conn base; /* first: the ctx list holds these */
	struct mps_server *srv;
	struct bufferevent *bev;
	SSL *ssl; /* owned by bev */
	struct mps_session *sess;
	struct event *deadline; /* set-up limit, tunnel limit, then linger */
	struct event *settle;
	char source[64];
	size_t consumed;
	bool tls_up, tls_failed, closing;
};

static void conn_free(struct mps_conn *c)
{
	listen_release(&c->base);
	if (c->deadline)
		event_free(c->deadline);
	if (c->settle)
		event_free(c->settle);
	if (c->bev) {
		/* A clean close_notify when the TLS session is healthy. */
		if (c->tls_up && !c->tls_failed && c->ssl) {
			SSL_shutdown(c->ssl);
			ERR_clear_error();
		}
		bufferevent_free(c->bev);
	} else if (c->ssl) {
		SSL_free(c->ssl);
	}
	mps_session_free(c->sess);
	free(c);
}

static void on_linger_write(struct bufferevent *bev, void *arg)
{
	struct mps_conn *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void on_linger_event(struct bufferevent *bev, short what, void *arg)
{
	conn_free(arg);
}

static void on_linger_timeout(evutil_socket_t fd, short what, void *arg)
{
	conn_free(arg);
}

/* The session is over: send what is queued (DISCONNECT), then close. */
static void conn_close(struct mps_conn *c, enum mps_end_reason reason)
{
	struct timeval tv = {(time_t)(c->srv->ctx->lim.linger_ms / 1000),
			     (suseconds_t)(c->srv->ctx->lim.linger_ms % 1000) * 1000};

	if (c->closing)
		return;
	c->closing = true;
	mps_session_end(c->sess, reason);
	evtimer_del(c->settle);
	if (!c->tls_up || c->tls_failed ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_free(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_setcb(c->bev, NULL, on_linger_write, on_linger_event, c);
	evtimer_del(c->deadline);
	event_assign(c->deadline, c->srv->ctx->base, -1, 0, on_linger_timeout, c);
	evtimer_add(c->deadline, &tv);
}

static void conn_shutdown(struct listen_conn *lc)
{
	conn_close((struct mps_conn *)lc, MPS_END_SHUTDOWN);
}

static void conn_destroy(struct listen_conn *lc)
{
	struct mps_conn *c = (struct mps_conn *)lc;

	mps_session_end(c->sess, MPS_END_SHUTDOWN);
	conn_free(c);
}

/* Hooks for the session. */
static void hook_send(void *arg, const uint8_t *buf, size_t len)
{
	struct mps_conn *c = arg;

	if (bufferevent_write(c->bev, buf, len) != 0)
		log_error("mps %s: cannot queue %zu bytes", c->source, len);
}

static void hook_event(void *arg, const char *type, const char *uuid, json_t *detail)
{
	struct mps_conn *c = arg;

	listen_record(c->srv->ctx, type, uuid, c->source, detail);
}

static void on_tunnel_limit(evutil_socket_t fd, short what, void *arg)
{
	struct mps_conn *c = arg;

	log_info("mps %s: tunnel open for %u s (--max-tunnel-seconds) — disconnecting", c->source,
		 c->srv->ctx->lim.max_tunnel_s);
	conn_close(c, MPS_END_TIMEOUT);
}

/* The tunnel just opened: no idle or set-up limit any more; the tunnel
 * limit, if any, starts now. Dead peers are found by TCP keepalive. */
static void tunnel_opened(struct mps_conn *c)
{
	struct timeval tv = {(time_t)c->srv->ctx->lim.max_tunnel_s, 0};

	bufferevent_set_timeouts(c->bev, NULL, NULL);
	evtimer_del(c->deadline);
	evtimer_del(c->settle);
	if (c->srv->ctx->lim.max_tunnel_s > 0) {
		event_assign(c->deadline, c->srv->ctx->base, -1, 0, on_tunnel_limit, c);
		evtimer_add(c->deadline, &tv);
	}
}

static void on_settle(evutil_socket_t fd, short what, void *arg)
{
	struct mps_conn *c = arg;

	mps_session_settle(c->sess);
	if (mps_session_is_open(c->sess))
		tunnel_opened(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct mps_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t have = evbuffer_get_length(in);
	bool was_open = mps_session_is_open(c->sess);

	if (c->consumed + have > c->srv->ctx->lim.max_bytes) {
		log_warn("mps %s: more than %zu bytes received — connection dropped", c->source,
			 c->srv->ctx->lim.max_bytes);
		conn_close(c, MPS_END_ERROR);
		return;
	}
	/* One message is at most APF_MAX_MSG; look at that much at a time. */
	while ((have = evbuffer_get_length(in)) > 0) {
		size_t want = have < APF_MAX_MSG ? have : APF_MAX_MSG, used = 0;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)want);
		enum mps_result res;

		if (!p) {
			log_error("mps %s: out of memory — connection dropped", c->source);
			conn_close(c, MPS_END_ERROR);
			return;
		}
		res = mps_session_feed(c->sess, p, want, &used);
		/* Consumed bytes may hold a password. */
		OPENSSL_cleanse(p, used);
		evbuffer_drain(in, used);
		c->consumed += used;
		if (res == MPS_CLOSE) {
			conn_close(c, MPS_END_ERROR); /* the session already chose its reason */
			return;
		}
		if (used == 0)
			break; /* an incomplete message: wait for more */
	}
	if (!was_open && mps_session_is_open(c->sess)) {
		tunnel_opened(c);
	} else if (mps_session_open_pending(c->sess) && !evtimer_pending(c->settle, NULL)) {
		struct timeval tv = {(time_t)(c->srv->ctx->lim.settle_ms / 1000),
				     (suseconds_t)(c->srv->ctx->lim.settle_ms % 1000) * 1000};
		evtimer_add(c->settle, &tv);
	}
}

static void log_tls_error(struct mps_conn *c, const char *when)
{
	unsigned long e;
	char buf[256] = "";
	int se = EVUTIL_SOCKET_ERROR();

	/* Codes below 256 are libevent's SSL_get_error() values, not reasons. */
	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if (e >= 256)
			ERR_error_string_n(e, buf, sizeof(buf));
	if (buf[0])
		log_warn("mps %s: TLS %s failed: %s — connection dropped", c->source, when, buf);
	else if (se)
		log_info("mps %s: connection error: %s", c->source,
			 evutil_socket_error_to_string(se));
	else
		log_info("mps %s: connection reset", c->source);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct mps_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->tls_up = true;
		log_debug("mps %s: TLS %s established", c->source, SSL_get_version(c->ssl));
		return;
	}
	if (what & BEV_EVENT_EOF) {
		log_info("mps %s: device closed the connection", c->source);
		conn_close(c, MPS_END_DEVICE_CLOSED);
	} else if (what & BEV_EVENT_TIMEOUT) {
		log_warn("mps %s: nothing received for %u s before the tunnel was open — "
			 "connection dropped",
			 c->source, c->srv->ctx->lim.idle_s);
		conn_close(c, MPS_END_TIMEOUT);
	} else {
		c->tls_failed = true;
		log_tls_error(c, c->tls_up ? "session" : "handshake");
		conn_close(c, MPS_END_ERROR);
	}
}

static void on_setup_limit(evutil_socket_t fd, short what, void *arg)
{
	struct mps_conn *c = arg;

	log_warn("mps %s: tunnel not open after %u s — connection dropped", c->source,
		 c->srv->ctx->lim.handshake_s);
	conn_close(c, MPS_END_TIMEOUT);
}

static void set_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 6;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static void on_accept(void *arg, int fd, const char *source)
{
	struct mps_server *srv = arg;
	struct listen_ctx *ctx = srv->ctx;
	struct timeval idle = {(time_t)ctx->lim.idle_s, 0};
	struct timeval setup = {(time_t)ctx->lim.handshake_s, 0};
	struct mps_hooks hooks = {.send = hook_send, .event = hook_event};
	struct mps_conn *c = NULL;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		goto oom;
	}
	c->srv = srv;
	c->base.shutdown = conn_shutdown;
	c->base.destroy = conn_destroy;
	snprintf(c->source, sizeof(c->source), "%s", source);
	listen_track(&srv->gate, &c->base);
	hooks.arg = c;
	c->sess = mps_session_new(&srv->auth, &hooks, source);
	c->ssl = SSL_new(srv->ssl_ctx);
	if (!c->sess || !c->ssl) {
		close(fd);
		goto oom;
	}
	set_keepalive(fd);
	c->bev = bufferevent_openssl_socket_new(ctx->base, fd, c->ssl, BUFFEREVENT_SSL_ACCEPTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		goto oom;
	}
	c->deadline = evtimer_new(ctx->base, on_setup_limit, c);
	c->settle = evtimer_new(ctx->base, on_settle, c);
	if (!c->deadline || !c->settle)
		goto oom;
	/* Devices often drop TCP without close_notify; that is an EOF, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setwatermark(c->bev, EV_READ, 0, APF_MAX_MSG);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	evtimer_add(c->deadline, &setup);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		goto oom;
	log_debug("mps %s: connected", source);
	return;
oom:
	log_error("mps %s: out of memory — connection dropped", source);
	if (c)
		conn_free(c);
}

int mps_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		   const struct mps_server_cfg *cfg, struct mps_server **out, char *bound,
		   size_t boundlen, char *err, size_t errlen, int *exit_code)
{
	struct mps_server *srv = calloc(1, sizeof(*srv));
	int rc = -1;

	*out = NULL;
	*exit_code = VERIFY_EXIT_USAGE;
	if (!srv || !(srv->user = strdup(cfg->user))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	srv->ctx = ctx;
	listen_gate_init(&srv->gate, ctx, "mps", "--max-mps-connections", ctx->lim.max_mps, false);
	srv->auth.user = srv->user;
	srv->auth.password = cfg->password;
	srv->auth.password_len = cfg->password_len;
	srv->ssl_ctx = listen_tls_ctx_new(cfg->cert_file, cfg->key_file, err, errlen);
	if (!srv->ssl_ctx)
		goto out;
	if (listen_socket_new(&srv->gate, sa, salen, on_accept, srv, &srv->sock, bound, boundlen,
			      err, errlen) != 0) {
		*exit_code = VERIFY_EXIT_NETWORK;
		goto out;
	}
	*out = srv;
	srv = NULL;
	rc = 0;
out:
	mps_server_free(srv);
	return rc;
}

void mps_server_stop(struct mps_server *srv)
{
	if (!srv)
		return;
	listen_socket_free(srv->sock);
	srv->sock = NULL;
}

void mps_server_free(struct mps_server *srv)
{
	if (!srv)
		return;
	listen_socket_free(srv->sock);
	if (srv->gate.ctx)
		listen_gate_fini(&srv->gate);
	SSL_CTX_free(srv->ssl_ctx);
	free(srv->user);
	free(srv);
}
