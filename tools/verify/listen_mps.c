// SPDX-License-Identifier: Apache-2.0
/*
 * listen_mps.c - the CIRA receiver (MPS) of `amt-verify listen`: TLS
 * (its own certificate, TLS 1.2 minimum) and socket plumbing around the APF
 * state machine in mps_apf.c, and, once a tunnel is open, its relay
 * (listen_relay.c), its row in the store's tunnels table and its
 * verify-on-connect job (listen_verify.c).
 *
 * Owns: the SSL_CTX, accepting and TLS-wrapping connections (tls_stream.c:
 * every message a loop turn produces leaves in one TLS record, at once),
 * feeding received bytes to the session and wiping
 * them, the timers (idle and set-up limits before the tunnel is open, the
 * settle timer for cira_open, --max-tunnel-seconds after), the byte cap
 * (before the tunnel is open; after, channel windows bound what arrives),
 * TCP keepalive for dead peers, and flushing a last DISCONNECT before
 * closing. A tunnel's relay ports and store row go away as soon as the
 * tunnel ends, before the last DISCONNECT is flushed.
 * Must not: interpret APF messages (mps_apf.c does) or log credentials.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "apf_codec.h"
#include "listen.h"
#include "listen_relay.h"
#include "listen_verify.h"
#include "log.h"
#include "mps_apf.h"
#include "tls_stream.h"

struct mps_server {
	struct listen_ctx *ctx;
	struct listen_gate gate;
	struct listen_gate relay_gate; /* relayed connections, all tunnels */
	struct listen_socket *sock;
	SSL_CTX *ssl_ctx;
	struct mps_auth auth;
	char *user;
	struct sockaddr_storage relay_sa;
	socklen_t relay_salen;
	unsigned relay_port_low, relay_port_high;
	struct listen_verifier *verifier;
};

struct mps_conn {
	struct listen_conn base; /* first: the ctx list holds these */
	struct mps_server *srv;
	struct tls_stream *tls;
	SSL *ssl; /* owned by tls */
	struct mps_session *sess;
	struct event *deadline; /* set-up limit, tunnel limit, then linger */
	struct event *settle;
	char source[64];
	size_t consumed;
	bool tls_up, tls_failed, closing;
	struct relay *relay;  /* once the tunnel is open */
	int64_t tunnel_id;    /* its store row; 0: none */
};

/* The tunnel is over: no more relaying, no more row. */
static void tunnel_gone(struct mps_conn *c)
{
	char err[512];

	relay_free(c->relay);
	c->relay = NULL;
	if (c->tunnel_id &&
	    store_tunnel_remove(c->srv->ctx->store, c->tunnel_id, err, sizeof(err)) != 0)
		log_error("mps %s: %s", c->source, err);
	c->tunnel_id = 0;
}

static void conn_free(struct mps_conn *c)
{
	tunnel_gone(c);
	listen_release(&c->base);
	if (c->deadline)
		event_free(c->deadline);
	if (c->settle)
		event_free(c->settle);
	if (c->tls) /* a clean close_notify when the TLS session is healthy */
		tls_stream_free(c->tls, c->tls_up && !c->tls_failed);
	else if (c->ssl)
		SSL_free(c->ssl);
	mps_session_free(c->sess);
	free(c);
}

static void on_linger_write(struct tls_stream *s, void *arg)
{
	conn_free(arg);
}

static void on_linger_event(struct tls_stream *s, short what, void *arg)
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
	tunnel_gone(c);
	mps_session_end(c->sess, reason);
	evtimer_del(c->settle);
	if (!c->tls_up || c->tls_failed || tls_stream_pending(c->tls) == 0) {
		conn_free(c);
		return;
	}
	tls_stream_stop_reading(c->tls);
	tls_stream_set_read_timeout(c->tls, NULL);
	tls_stream_setcb(c->tls, &(struct tls_stream_cbs){.arg = c,
							  .drained = on_linger_write,
							  .event = on_linger_event});
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

	if (tls_stream_write(c->tls, buf, len) != 0)
		log_error("mps %s: cannot queue %zu bytes", c->source, len);
}

static void hook_event(void *arg, const char *type, const char *uuid, json_t *detail)
{
	struct mps_conn *c = arg;

	listen_record(c->srv->ctx, type, uuid, c->source, detail);
}

static void hook_chan_event(void *arg, int h, enum mps_chan_event ev, uint32_t reason,
			    const uint8_t *data, size_t len)
{
	struct mps_conn *c = arg;

	if (c->relay)
		relay_chan_event(c->relay, h, ev, reason, data, len);
}

/* The ports as the store shows them: {"16992": "127.0.0.1:41234", ...}. */
static char *ports_text(const struct mps_conn *c)
{
	json_t *o = relay_ports_json(c->relay);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL; /* the device's order */

	json_decref(o);
	return text;
}

static void verify_later(struct mps_conn *c);

static void hook_ports_changed(void *arg)
{
	struct mps_conn *c = arg;
	char err[512];

	if (!c->relay)
		return;
	if (evtimer_pending(c->settle, NULL))
		verify_later(c); /* still forwarding: wait again */
	if (!relay_sync(c->relay) || !c->tunnel_id)
		return;
	char *text = ports_text(c);
	if (!text || store_tunnel_update(c->srv->ctx->store, c->tunnel_id, NULL, text, err,
					 sizeof(err)) != 0)
		log_error("mps %s: cannot record the tunnel's relay ports: %s", c->source,
			  text ? err : "out of memory");
	free(text);
}

/* The relay found the device breaking the rules: end the tunnel. */
static void relay_failed(void *arg, const char *why)
{
	struct mps_conn *c = arg;

	mps_session_fail(c->sess, "%s", why);
	conn_close(c, MPS_END_ERROR);
}

static void on_tunnel_limit(evutil_socket_t fd, short what, void *arg)
{
	struct mps_conn *c = arg;

	log_info("mps %s: tunnel open for %u s (--max-tunnel-seconds) — disconnecting", c->source,
		 c->srv->ctx->lim.max_tunnel_s);
	conn_close(c, MPS_END_TIMEOUT);
}

/* AMT's host name as the device forwarded its WS-Man port (a bind address
 * of 0.0.0.0 or :: says nothing), or NULL. */
static const char *forward_host(const struct mps_conn *c)
{
	static const uint32_t ports[] = {16992, 16993};

	for (size_t i = 0; i < 2; i++) {
		const char *a = mps_session_forward_addr(c->sess, ports[i]);
		if (a[0] && strcmp(a, "0.0.0.0") != 0 && strcmp(a, "::") != 0)
			return a;
	}
	return NULL;
}

/* Relay ports, the store row, verify-on-connect. */
static void start_relay(struct mps_conn *c)
{
	struct mps_server *srv = c->srv;
	struct relay_cfg rcfg = {.gate = &srv->relay_gate,
				 .bind_sa = (const struct sockaddr *)&srv->relay_sa,
				 .bind_salen = srv->relay_salen,
				 .port_low = srv->relay_port_low,
				 .port_high = srv->relay_port_high,
				 .fail = relay_failed,
				 .fail_arg = c};
	struct store_tunnel t = {0};
	char err[512];

	c->relay = relay_new(srv->ctx, &rcfg, c->sess, c->source);
	if (!c->relay) {
		log_error("mps %s: out of memory — the tunnel is not relayed", c->source);
		return;
	}
	relay_sync(c->relay);
	char *text = ports_text(c);
	t.uuid = mps_session_uuid(c->sess);
	t.host_name = forward_host(c);
	t.mps_user = mps_session_user(c->sess);
	t.source = c->source;
	t.ports = text;
	if (!text || store_tunnel_add(srv->ctx->store, &t, err, sizeof(err)) != 0)
		log_error("mps %s: cannot record the tunnel: %s — amt-verify tunnels will not "
			  "show it", c->source, text ? err : "out of memory");
	else
		c->tunnel_id = t.id;
	free(text);
}

/* Verify-on-connect, once the device stopped forwarding ports. */
static void submit_verify(struct mps_conn *c)
{
	struct mps_server *srv = c->srv;
	struct listen_verify_job job = {.tunnel_id = c->tunnel_id};
	const char *host = forward_host(c), *uuid = mps_session_uuid(c->sess);

	if (!srv->verifier || !c->relay)
		return;
	const char *relay = relay_address(c->relay, 16992);
	job.amt_port = 16992;
	if (!relay && (relay = relay_address(c->relay, 16993)) != NULL) {
		job.amt_port = 16993;
		snprintf(job.tls_name, sizeof(job.tls_name), "%s", host ? host : "");
	}
	snprintf(job.uuid, sizeof(job.uuid), "%s", uuid);
	snprintf(job.source, sizeof(job.source), "%s", c->source);
	if (!relay) {
		json_t *d = json_pack("{s:s}", "reason", "no WS-Management port (16992, 16993) relayed");
		listen_record(srv->ctx, "cira_verify_failed", uuid, c->source, d);
		json_decref(d);
		return;
	}
	/* relay_address gives "ADDR:PORT"; on 0.0.0.0 / [::] connect on loopback */
	if (!strncmp(relay, "0.0.0.0:", 8))
		snprintf(job.relay, sizeof(job.relay), "127.0.0.1:%s", relay + 8);
	else if (!strncmp(relay, "[::]:", 5))
		snprintf(job.relay, sizeof(job.relay), "[::1]:%s", relay + 5);
	else
		snprintf(job.relay, sizeof(job.relay), "%s", relay);
	listen_verifier_submit(srv->verifier, &job);
}

static void on_verify_due(evutil_socket_t fd, short what, void *arg)
{
	submit_verify(arg);
}

/* Verify once no forward came for the settle time: a device may still be
 * asking for forwards when the tunnel counts as open, and firmware that
 * answers one request at a time must not see a channel meanwhile. */
static void verify_later(struct mps_conn *c)
{
	struct timeval tv = {(time_t)(c->srv->ctx->lim.settle_ms / 1000),
			     (suseconds_t)(c->srv->ctx->lim.settle_ms % 1000) * 1000};

	if (c->srv->verifier)
		evtimer_add(c->settle, &tv); /* re-added: the wait starts again */
}

/* The tunnel just opened: no idle or set-up limit any more; the tunnel
 * limit, if any, starts now. Dead peers are found by TCP keepalive. */
static void tunnel_opened(struct mps_conn *c)
{
	struct timeval tv = {(time_t)c->srv->ctx->lim.max_tunnel_s, 0};

	start_relay(c);
	tls_stream_set_read_timeout(c->tls, NULL);
	evtimer_del(c->deadline);
	evtimer_del(c->settle);
	event_assign(c->settle, c->srv->ctx->base, -1, 0, on_verify_due, c);
	verify_later(c);
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

static void on_read(struct tls_stream *s, void *arg)
{
	struct mps_conn *c = arg;
	struct evbuffer *in = tls_stream_input(s);
	size_t have = evbuffer_get_length(in);
	bool was_open = mps_session_is_open(c->sess);

	if (!was_open && c->consumed + have > c->srv->ctx->lim.max_bytes) {
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
		if (!was_open)
			OPENSSL_cleanse(p, used);
		evbuffer_drain(in, used);
		c->consumed += used;
		if (res == MPS_CLOSE) {
			conn_close(c, MPS_END_ERROR); /* the session already chose its reason */
			return;
		}
		if (used == 0)
			break; /* an incomplete message: wait for more */
		if (!was_open && mps_session_is_open(c->sess)) {
			tunnel_opened(c); /* before the next message: it may be for a channel */
			was_open = true;
		}
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
	unsigned long e = tls_stream_error(c->tls);
	char buf[256] = "";
	int se = tls_stream_socket_error(c->tls);

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	if (buf[0])
		log_warn("mps %s: TLS %s failed: %s — connection dropped", c->source, when, buf);
	else if (se)
		log_info("mps %s: connection error: %s", c->source,
			 evutil_socket_error_to_string(se));
	else
		log_info("mps %s: connection reset", c->source);
}

static void on_event(struct tls_stream *s, short what, void *arg)
{
	struct mps_conn *c = arg;

	if (what & TLS_STREAM_CONNECTED) {
		c->tls_up = true;
		log_debug("mps %s: TLS %s established", c->source, SSL_get_version(c->ssl));
		return;
	}
	if (what & TLS_STREAM_EOF) {
		log_info("mps %s: device closed the connection", c->source);
		conn_close(c, MPS_END_DEVICE_CLOSED);
	} else if (what & TLS_STREAM_TIMEOUT) {
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

	/* relayed channels are request/response: no Nagle delay */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
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
	struct mps_hooks hooks = {.send = hook_send, .event = hook_event,
				  .chan_event = hook_chan_event,
				  .ports_changed = hook_ports_changed};
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
	c->sess = mps_session_new(&srv->auth, &hooks, source, ctx->lim.max_channels);
	c->ssl = SSL_new(srv->ssl_ctx);
	if (!c->sess || !c->ssl) {
		close(fd);
		goto oom;
	}
	set_keepalive(fd);
	/* A device dropping TCP without close_notify is an EOF, not an error
	 * (tls_stream; SSL_OP_IGNORE_UNEXPECTED_EOF in the context). */
	c->tls = tls_stream_new(ctx->base, fd, c->ssl,
				&(struct tls_stream_cbs){.arg = c, .read = on_read, .event = on_event});
	if (!c->tls) {
		c->ssl = NULL; /* freed with the stream */
		goto oom;
	}
	c->deadline = evtimer_new(ctx->base, on_setup_limit, c);
	c->settle = evtimer_new(ctx->base, on_settle, c);
	if (!c->deadline || !c->settle)
		goto oom;
	tls_stream_set_read_timeout(c->tls, &idle);
	evtimer_add(c->deadline, &setup);
	if (tls_stream_start(c->tls) != 0)
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
	srv->gate.proxy = ctx->proxy; /* not the relay gate: its ports are local */
	listen_gate_init(&srv->relay_gate, ctx, "relay", "--max-relay-connections",
			 ctx->lim.max_relays, false);
	if (cfg->relay_sa && cfg->relay_salen <= sizeof(srv->relay_sa)) {
		memcpy(&srv->relay_sa, cfg->relay_sa, cfg->relay_salen);
		srv->relay_salen = cfg->relay_salen;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&srv->relay_sa;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		srv->relay_salen = sizeof(*in);
	}
	srv->relay_port_low = cfg->relay_port_low;
	srv->relay_port_high = cfg->relay_port_high;
	srv->verifier = cfg->verifier;
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
	if (srv->relay_gate.ctx)
		listen_gate_fini(&srv->relay_gate);
	SSL_CTX_free(srv->ssl_ctx);
	free(srv->user);
	free(srv);
}
