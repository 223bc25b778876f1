// SPDX-License-Identifier: Apache-2.0
/*
 * listen_hello.c - the provisioning "hello" receiver of `amt-verify listen`
 * (plain TCP, default port 9971).
 *
 * Owns: accepting connections, reassembling packets with
 * hello_frame_length(), checking them with hello_decode(), and turning each
 * into a "hello" event {interface_version, retry_count, admin_set, hashes
 * [{type, hex}] | pid}. One hello per connection, as firmware sends it (one
 * packet, then it closes): the connection is closed once its hello is
 * recorded, and bytes after it are counted and logged, never stored. It
 * also ends at EOF, on the first malformed byte (logged, dropped), or after
 * the idle / total time limits.
 * Must not: answer the device (a real configuration server connects back
 * to it; that is not this receiver's job) or parse bytes by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "hello_codec.h"
#include "listen.h"
#include "listen_rate.h"
#include "log.h"

struct hello_server {
	struct listen_ctx *ctx;
	struct listen_gate gate;
	struct listen_socket *sock;
	struct listen_rate *per_uuid; /* NULL: no limit per device UUID */
	unsigned long extra_conns;    /* connections that sent more than their hello */
	unsigned long uuid_dropped;   /* hellos over the per-UUID rate */
	int64_t log_extra_ms, log_uuid_ms;
};

struct hello_conn {
	struct listen_conn base; /* first: the ctx list holds these */
	struct hello_server *srv;
	struct bufferevent *bev;
	struct event *deadline;
	char source[64];
};

static const char *hash_name(uint8_t type)
{
	switch (type) {
	case HELLO_HASH_SHA1: return "sha1";
	case HELLO_HASH_SHA256: return "sha256";
	case HELLO_HASH_SHA384: return "sha384";
	default: return "unknown";
	}
}

static json_t *hello_detail(const struct hello_msg *m)
{
	char hex[2 * HELLO_HASH_MAX_LEN + 1];
	json_t *d = json_object(), *hashes = json_array();

	if (!d || !hashes)
		goto fail;
	json_object_set_new(d, "interface_version", json_integer(m->version));
	json_object_set_new(d, "retry_count", json_integer(m->retry_count));
	json_object_set_new(d, "admin_set", json_boolean(m->admin_set != 0));
	if (m->version == HELLO_VERSION_PSK) {
		verify_hex(m->pid, HELLO_PID_LEN, hex, sizeof(hex));
		json_object_set_new(d, "pid", json_string(hex));
	}
	for (unsigned i = 0; m->version == HELLO_VERSION_PKI && i < m->hash_count; i++) {
		const struct hello_hash *h = &m->hashes[i];
		json_t *o = json_object();
		if (!o)
			goto fail;
		verify_hex(h->bytes, hello_hash_size(h->type), hex, sizeof(hex));
		json_object_set_new(o, "type", json_string(hash_name(h->type)));
		json_object_set_new(o, "hex", json_string(hex));
		json_array_append_new(hashes, o);
	}
	json_object_set_new(d, "hashes", hashes);
	return d;
fail:
	json_decref(hashes);
	json_decref(d);
	return NULL;
}

static void conn_free(struct hello_conn *c)
{
	listen_release(&c->base);
	if (c->deadline)
		event_free(c->deadline);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

static void conn_shutdown(struct listen_conn *lc)
{
	conn_free((struct hello_conn *)lc);
}

enum take { TAKE_MORE, TAKE_DONE };

/* Bytes after the hello: a device sends one hello per connection, so they
 * are not read (counted, logged at most once a second). */
static void note_extra(struct hello_conn *c, size_t extra)
{
	struct hello_server *srv = c->srv;

	srv->extra_conns++;
	if (listen_log_due(&srv->log_extra_ms))
		log_warn("hello from %s: %zu more byte(s) after the hello — ignored, one hello per "
			 "connection; %lu connection(s) sent more so far",
			 c->source, extra, srv->extra_conns);
}

/*
 * Record the connection's hello once it is complete: TAKE_MORE while it is
 * not, TAKE_DONE when the connection must go (recorded, malformed, out of
 * memory).
 */
static enum take take_hello(struct hello_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t have = evbuffer_get_length(in), n;
	size_t want = have < HELLO_MAX_LEN ? have : HELLO_MAX_LEN;
	const uint8_t *p;
	struct hello_msg m;
	char uuid[VERIFY_UUID_STR_LEN];
	json_t *d;
	int r;

	if (have == 0)
		return TAKE_MORE;
	p = evbuffer_pullup(in, (ev_ssize_t)want);
	if (!p) {
		log_error("hello from %s: out of memory — connection dropped", c->source);
		return TAKE_DONE;
	}
	r = hello_frame_length(p, want, &n);
	if (r == PROTO_E_SHORT)
		return TAKE_MORE;
	if (r == 0)
		r = hello_decode(p, n, &m);
	if (r != 0) {
		log_warn("hello from %s: malformed packet (%s: %s) — connection dropped", c->source,
			 proto_err_name(r), proto_err_message(r));
		return TAKE_DONE;
	}
	if (have > n)
		note_extra(c, have - n);
	verify_uuid_str(m.uuid, uuid);
	if (c->srv->per_uuid &&
	    !listen_rate_take(c->srv->per_uuid, m.uuid, sizeof(m.uuid), verify_mono_ms())) {
		struct hello_server *srv = c->srv;

		srv->uuid_dropped++;
		if (listen_log_due(&srv->log_uuid_ms))
			log_warn("hello from %s: device %s sent more than %u hellos a minute "
				 "(--hello-per-uuid) — not stored; %lu dropped so far",
				 c->source, uuid, srv->ctx->lim.hello_per_uuid, srv->uuid_dropped);
		return TAKE_DONE;
	}
	log_info("hello from %s: device %s, interface version %u, retry %u", c->source, uuid,
		 m.version, (unsigned)m.retry_count);
	d = hello_detail(&m);
	if (!d) {
		log_error("hello from %s: out of memory — connection dropped", c->source);
		return TAKE_DONE;
	}
	listen_record(c->srv->ctx, "hello", uuid, c->source, d);
	json_decref(d);
	evbuffer_drain(in, have);
	return TAKE_DONE;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct hello_conn *c = arg;

	if (take_hello(c) == TAKE_DONE)
		conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct hello_conn *c = arg;
	size_t left;

	if (what & BEV_EVENT_EOF) {
		/* Bytes may have arrived with the FIN. */
		if (take_hello(c) == TAKE_DONE) {
			conn_free(c);
			return;
		}
		left = evbuffer_get_length(bufferevent_get_input(bev));
		if (left > 0)
			log_warn("hello from %s: connection closed inside a packet (%zu bytes) — "
				 "partial packet ignored",
				 c->source, left);
		else
			log_info("hello from %s: connection closed without a packet", c->source);
	} else if (what & BEV_EVENT_TIMEOUT) {
		log_warn("hello from %s: nothing received for %u s — connection dropped", c->source,
			 c->srv->ctx->lim.idle_s);
	} else if (what & BEV_EVENT_ERROR) {
		log_info("hello from %s: %s", c->source,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	conn_free(c);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct hello_conn *c = arg;

	log_warn("hello from %s: connection open longer than %u s — dropped", c->source,
		 c->srv->ctx->lim.handshake_s);
	conn_free(c);
}

static void on_accept(void *arg, int fd, const char *source)
{
	struct hello_server *srv = arg;
	struct listen_ctx *ctx = srv->ctx;
	struct timeval idle = {(time_t)ctx->lim.idle_s, 0};
	struct timeval total = {(time_t)ctx->lim.handshake_s, 0};
	struct hello_conn *c = NULL;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		goto oom;
	}
	c->srv = srv;
	c->base.shutdown = conn_shutdown;
	c->base.destroy = conn_shutdown;
	snprintf(c->source, sizeof(c->source), "%s", source);
	listen_track(&srv->gate, &c->base);
	c->bev = bufferevent_socket_new(ctx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		goto oom;
	}
	c->deadline = evtimer_new(ctx->base, on_deadline, c);
	if (!c->deadline)
		goto oom;
	/* Never buffer more than a packet: stop reading until we consumed it. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, HELLO_MAX_LEN);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	evtimer_add(c->deadline, &total);
	if (bufferevent_enable(c->bev, EV_READ) != 0)
		goto oom;
	log_debug("hello from %s: connected", source);
	return;
oom:
	log_error("hello from %s: out of memory — connection dropped", source);
	if (c)
		conn_free(c);
}

int hello_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		     struct hello_server **out, char *bound, size_t boundlen, char *err,
		     size_t errlen, int *exit_code)
{
	struct hello_server *srv = calloc(1, sizeof(*srv));
	int rc = -1;

	*out = NULL;
	*exit_code = VERIFY_EXIT_NETWORK;
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	srv->ctx = ctx;
	listen_gate_init(&srv->gate, ctx, "hello", "--max-hello-connections", ctx->lim.max_hello,
			 false);
	srv->gate.proxy = ctx->proxy;
	if (listen_gate_limit_per_source(&srv->gate, ctx->lim.hello_per_source,
					 "--hello-per-source") != 0 ||
	    (ctx->lim.hello_per_uuid &&
	     !(srv->per_uuid = listen_rate_new(ctx->lim.hello_per_uuid, LISTEN_RATE_DEFAULT_KEYS)))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (listen_socket_new(&srv->gate, sa, salen, on_accept, srv, &srv->sock, bound, boundlen,
			      err, errlen) != 0)
		goto out;
	*out = srv;
	srv = NULL;
	rc = 0;
out:
	hello_server_free(srv);
	return rc;
}

void hello_server_stop(struct hello_server *srv)
{
	if (!srv)
		return;
	listen_socket_free(srv->sock);
	srv->sock = NULL;
}

void hello_server_free(struct hello_server *srv)
{
	if (!srv)
		return;
	listen_socket_free(srv->sock);
	if (srv->gate.ctx)
		listen_gate_fini(&srv->gate);
	if (srv->extra_conns)
		log_warn("hello: %lu connection(s) sent more than one hello — only the first of "
			 "each was taken",
			 srv->extra_conns);
	if (srv->uuid_dropped)
		log_warn("hello: %lu hello(s) not stored, over %u a minute from one device "
			 "(--hello-per-uuid)",
			 srv->uuid_dropped, srv->ctx->lim.hello_per_uuid);
	listen_rate_free(srv->per_uuid);
	free(srv);
}
