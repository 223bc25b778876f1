// SPDX-License-Identifier: Apache-2.0
/*
 * lme.c - APF host ("LMS") role over the LME client (see lme.h).
 *
 * Owns: the handshake, the dispatch of every incoming APF message according
 * to the session state, the channel table and both flow-control windows as
 * incoming messages change them. The calls on one channel (open, send,
 * receive, close) are in lme_channel.c.
 * Bytes on the wire are apf_codec.h's business; this file only decides what
 * a message means now. One receive buffer of the client MTU and one send
 * buffer of the same size, allocated at open.
 * Must not: start threads, sleep outside heci_read(), or trust a peer
 * number before capping it.
 */
#include "lme.h"
#include "lme_int.h"
#include "heci_time.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apf_codec.h"

#define DEF_HANDSHAKE_MS 5000
#define DEF_IDLE_MS 3000
#define DEF_OPEN_MS 18000
#define DEF_WRITE_MS 5000

/* Library code does not print: messages go to the caller's callback. */
void lme_log(const struct lme *l, int level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	if (!l->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->o.log(l->o.log_arg, level, msg);
}

/* The first error ends the session; later ones are reported but not kept. */
int lme_fail(struct lme *l, int rc)
{
	if (l->err == 0)
		l->err = rc;
	return rc;
}

int lme_send_msg(struct lme *l, const struct apf_msg *m)
{
	size_t n;
	int rc = apf_encode(m, l->out, l->out_cap, &n);
	if (rc != 0) {
		lme_log(l, LME_LOG_ERROR, "cannot encode %s: %s", apf_msg_name(m->type), heci_err_name(rc));
		return rc; /* our own bug, not the session's */
	}
	rc = heci_write(l->h, l->out, n, l->o.write_timeout_ms);
	if (rc != 0) {
		lme_log(l, LME_LOG_DEBUG, "write %s: %s", apf_msg_name(m->type), heci_err_name(rc));
		return lme_fail(l, rc);
	}
	return 0;
}

/* Peer broke the protocol: tell it (best effort) and end the session. */
static int proto_fail(struct lme *l, uint32_t reason, int rc, const char *why, uint8_t type)
{
	struct apf_msg m = {.type = APF_DISCONNECT, .disconnect = {.reason = reason}};
	lme_log(l, LME_LOG_WARN, "%s (%s): sending DISCONNECT reason %u", why, apf_msg_name(type),
		 (unsigned)reason);
	if (l->err == 0)
		(void)lme_send_msg(l, &m);
	return lme_fail(l, rc);
}

/* ---- channel table ---- */

struct lme_chan *lme_chan_by_id(struct lme *l, uint32_t id)
{
	uint32_t slot = id & 0xffu;
	if (slot >= LME_MAX_CHANNELS || l->ch[slot].st == CH_FREE || l->ch[slot].id != id)
		return NULL;
	return &l->ch[slot];
}

void lme_chan_free(struct lme_chan *c)
{
	free(c->rx);
	memset(c, 0, sizeof(*c));
}

static void chans_drop_all(struct lme *l)
{
	for (size_t i = 0; i < LME_MAX_CHANNELS; i++)
		if (l->ch[i].st != CH_FREE)
			lme_chan_free(&l->ch[i]);
}

int lme_send_close(struct lme *l, uint32_t amt_id)
{
	struct apf_msg m = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = amt_id}};
	return lme_send_msg(l, &m);
}

/* ---- incoming messages ---- */

static void forward_add(struct lme *l, uint32_t port)
{
	for (size_t i = 0; i < l->nports; i++)
		if (l->ports[i] == port)
			return;
	if (l->nports == LME_MAX_FORWARDS) {
		lme_log(l, LME_LOG_WARN, "more than %u forwarded ports; not recording %u",
			 LME_MAX_FORWARDS, (unsigned)port);
		return;
	}
	l->ports[l->nports++] = port;
}

static void forward_remove(struct lme *l, uint32_t port)
{
	for (size_t i = 0; i < l->nports; i++)
		if (l->ports[i] == port) {
			l->ports[i] = l->ports[--l->nports];
			return;
		}
}

static int on_global_request(struct lme *l, const struct apf_global_request *g)
{
	struct apf_msg r = {.type = APF_REQUEST_SUCCESS};
	switch (g->kind) {
	case APF_GREQ_TCPIP:
		lme_log(l, LME_LOG_DEBUG, "AMT forwards port %u (bind %.*s)", (unsigned)g->port,
			  (int)g->addr.len, g->addr.p);
		forward_add(l, g->port);
		if (g->port == LME_PORT_HTTP || g->port == LME_PORT_HTTPS)
			l->main_forward = true;
		r.request_success.has_port = true;
		r.request_success.port = g->port;
		break;
	case APF_GREQ_CANCEL_TCPIP:
		lme_log(l, LME_LOG_DEBUG, "AMT cancels port %u", (unsigned)g->port);
		forward_remove(l, g->port);
		break;
	default:
		lme_log(l, LME_LOG_DEBUG, "global request %.*s not supported", (int)g->name.len, g->name.p);
		r.type = APF_REQUEST_FAILURE;
		break;
	}
	return g->want_reply ? lme_send_msg(l, &r) : 0;
}

static int on_open_confirmation(struct lme *l, const struct apf_channel_open_confirmation *m)
{
	struct lme_chan *c = lme_chan_by_id(l, m->recipient);
	if (!c) {
		/* Not ours (any more): tell AMT we do not want the channel. */
		lme_log(l, LME_LOG_DEBUG, "confirmation for unknown channel %u", (unsigned)m->recipient);
		return lme_send_close(l, m->sender);
	}
	if (c->st == CH_ABANDONED) {
		lme_log(l, LME_LOG_DEBUG, "late confirmation for channel %u, closing", (unsigned)c->id);
		lme_chan_free(c);
		return lme_send_close(l, m->sender);
	}
	if (c->st != CH_OPENING)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "second confirmation for a channel", APF_CHANNEL_OPEN_CONFIRMATION);
	c->amt_id = m->sender;
	c->tx_window = lme_min_u32(m->window, l->o.tx_window_cap);
	c->st = CH_OPEN;
	lme_log(l, LME_LOG_DEBUG, "channel %u open, AMT id %u, window %u", (unsigned)c->id,
		  (unsigned)c->amt_id, (unsigned)c->tx_window);
	return 0;
}

static int on_open_failure(struct lme *l, const struct apf_channel_open_failure *m)
{
	struct lme_chan *c = lme_chan_by_id(l, m->recipient);
	if (!c || c->st == CH_ABANDONED) {
		lme_log(l, LME_LOG_DEBUG, "open failure for unknown channel %u", (unsigned)m->recipient);
		if (c)
			lme_chan_free(c);
		return 0;
	}
	if (c->st != CH_OPENING)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "open failure for an open channel", APF_CHANNEL_OPEN_FAILURE);
	c->st = CH_FAILED;
	c->failure_reason = m->reason;
	return 0;
}

static int on_data(struct lme *l, const struct apf_channel_data *d)
{
	struct lme_chan *c = lme_chan_by_id(l, d->recipient);
	if (!c || c->st != CH_OPEN) {
		lme_log(l, LME_LOG_DEBUG, "%u data bytes for unknown or closed channel %u, dropped",
			  (unsigned)d->len, (unsigned)d->recipient);
		return 0;
	}
	if (d->len > c->rx_left)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "data beyond our window", APF_CHANNEL_DATA);
	/* rx_len + rx_left <= rx_window always holds, so this fits. */
	if (c->rx_off + c->rx_len + d->len > l->o.rx_window) {
		memmove(c->rx, c->rx + c->rx_off, c->rx_len);
		c->rx_off = 0;
	}
	memcpy(c->rx + c->rx_off + c->rx_len, d->data, d->len);
	c->rx_len += d->len;
	c->rx_left -= d->len;
	return 0;
}

static int on_window_adjust(struct lme *l, const struct apf_channel_window_adjust *w)
{
	struct lme_chan *c = lme_chan_by_id(l, w->recipient);
	if (!c || (c->st != CH_OPEN && c->st != CH_PEER_CLOSED)) {
		lme_log(l, LME_LOG_DEBUG, "window adjust for unknown channel %u", (unsigned)w->recipient);
		return 0;
	}
	uint32_t room = l->o.tx_window_cap - c->tx_window;
	c->tx_window += lme_min_u32(w->bytes_to_add, room);
	return 0;
}

static int on_close(struct lme *l, const struct apf_channel_close *m)
{
	struct lme_chan *c = lme_chan_by_id(l, m->recipient);
	if (!c) {
		/* AMT replays closes for old ids after a reset. */
		lme_log(l, LME_LOG_DEBUG, "close for unknown channel %u ignored", (unsigned)m->recipient);
		return 0;
	}
	switch (c->st) {
	case CH_OPEN:
		c->st = CH_PEER_CLOSED;
		return lme_send_close(l, c->amt_id);
	case CH_OPENING:
		c->st = CH_FAILED;
		c->failure_reason = 0;
		return 0;
	case CH_ABANDONED:
		lme_chan_free(c);
		return 0;
	default:
		lme_log(l, LME_LOG_DEBUG, "second close for channel %u ignored", (unsigned)c->id);
		return 0;
	}
}

static int on_service_request(struct lme *l, const struct apf_service *s)
{
	bool pfwd = apf_str_eq(s->name, APF_SERVICE_PFWD);
	if (!pfwd && !apf_str_eq(s->name, APF_SERVICE_AUTH)) {
		lme_log(l, LME_LOG_WARN, "AMT asked for unknown service '%.*s'", (int)s->name.len, s->name.p);
		return proto_fail(l, APF_DISCONNECT_SERVICE_NOT_AVAILABLE, HECI_E_NOT_SUPPORTED,
				  "unknown service", APF_SERVICE_REQUEST);
	}
	struct apf_msg r = {.type = APF_SERVICE_ACCEPT, .service = {.name = s->name}};
	int rc = lme_send_msg(l, &r);
	if (rc == 0 && pfwd)
		l->pfwd_ok = true;
	return rc;
}

static int on_protocol_version(struct lme *l, const struct apf_protocol_version *v)
{
	if (l->version_ok) {
		lme_log(l, LME_LOG_DEBUG, "repeated PROTOCOLVERSION ignored");
		return 0;
	}
	lme_log(l, LME_LOG_DEBUG, "AMT speaks APF %u.%u (trigger %u)", (unsigned)v->major,
		  (unsigned)v->minor, (unsigned)v->trigger);
	if (v->major < APF_PROTOCOL_MAJOR)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED,
				  HECI_E_BAD_VERSION, "AMT's APF version is below 1.0",
				  APF_PROTOCOLVERSION);
	l->version_ok = true;
	return 0;
}

/* Host-side state machine: what each message means now. */
static int dispatch(struct lme *l, const struct apf_msg *m)
{
	switch (m->type) {
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		lme_log(l, LME_LOG_DEBUG, "%s ignored", apf_msg_name(m->type));
		return 0;
	case APF_DISCONNECT:
		lme_log(l, LME_LOG_WARN, "AMT disconnected, reason %u", (unsigned)m->disconnect.reason);
		return lme_fail(l, HECI_E_DISCONNECTED);
	case APF_CHANNEL_CLOSE: /* stale closes may come at any time */
		return on_close(l, &m->channel_close);
	case APF_PROTOCOLVERSION:
		return on_protocol_version(l, &m->protocol_version);
	default:
		break;
	}
	if (!l->version_ok)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "message before version agreement", m->type);
	switch (m->type) {
	case APF_SERVICE_REQUEST:
		return on_service_request(l, &m->service);
	case APF_USERAUTH_REQUEST: {
		struct apf_msg r = {.type = APF_USERAUTH_SUCCESS};
		lme_log(l, LME_LOG_DEBUG, "userauth for service '%.*s', user of %u bytes",
			  (int)m->userauth_request.service.len, m->userauth_request.service.p,
			  (unsigned)m->userauth_request.user.len);
		return lme_send_msg(l, &r);
	}
	case APF_GLOBAL_REQUEST:
	case APF_CHANNEL_OPEN:
	case APF_CHANNEL_OPEN_CONFIRMATION:
	case APF_CHANNEL_OPEN_FAILURE:
	case APF_CHANNEL_WINDOW_ADJUST:
	case APF_CHANNEL_DATA:
		break;
	default: /* host-to-AMT messages coming from AMT */
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "message not expected from AMT", m->type);
	}
	if (!l->pfwd_ok)
		return proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, HECI_E_PROTOCOL,
				  "port forwarding before pfwd was accepted", m->type);
	switch (m->type) {
	case APF_GLOBAL_REQUEST:
		return on_global_request(l, &m->global_request);
	case APF_CHANNEL_OPEN: {
		/* AMT-initiated channels (direct-tcpip) are not offered. */
		struct apf_msg r = {
			.type = APF_CHANNEL_OPEN_FAILURE,
			.open_failure = {.recipient = m->channel_open.sender,
					 .reason = m->channel_open.kind == APF_CHAN_OTHER
							   ? APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE
							   : APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED},
		};
		return lme_send_msg(l, &r);
	}
	case APF_CHANNEL_OPEN_CONFIRMATION:
		return on_open_confirmation(l, &m->open_confirmation);
	case APF_CHANNEL_OPEN_FAILURE:
		return on_open_failure(l, &m->open_failure);
	case APF_CHANNEL_WINDOW_ADJUST:
		return on_window_adjust(l, &m->window_adjust);
	default:
		return on_data(l, &m->channel_data);
	}
}

int lme_pump(struct lme *l, int timeout_ms)
{
	struct apf_msg m;
	size_t n = 0;
	int rc;

	if (!l)
		return HECI_E_INVALID_ARG;
	if (l->err)
		return l->err;
	rc = heci_read(l->h, l->in, l->in_cap, &n, timeout_ms);
	if (rc == HECI_E_TIMEOUT || rc == HECI_E_CANCELLED)
		return rc;
	if (rc != 0)
		return lme_fail(l, rc);
	rc = apf_decode(l->in, n, &m);
	if (rc != 0) {
		uint8_t type = n ? l->in[0] : 0;
		rc = proto_fail(l, APF_DISCONNECT_PROTOCOL_ERROR, rc, heci_err_message(rc), type);
		goto out;
	}
	rc = dispatch(l, &m);
out:
	if (n && l->in[0] == APF_USERAUTH_REQUEST)
		explicit_bzero(l->in, n); /* may hold a password */
	return rc;
}

/* ---- session ---- */

static int handshake(struct lme *l)
{
	struct apf_msg pv = {
		.type = APF_PROTOCOLVERSION,
		.protocol_version = {.major = APF_PROTOCOL_MAJOR,
				     .minor = APF_PROTOCOL_MINOR,
				     .trigger = APF_TRIGGER_LME_REQUEST},
	};
	int64_t deadline = heci_mono_ms() + l->o.handshake_timeout_ms;
	int rc;

	l->version_ok = l->pfwd_ok = l->main_forward = false;
	l->nports = 0;
	l->err = 0;
	lme_log(l, LME_LOG_DEBUG, "LME client MTU %u, protocol version %u", (unsigned)l->mtu,
		  (unsigned)heci_protocol_version(l->h));
	rc = lme_send_msg(l, &pv);
	if (rc != 0)
		return rc;
	while (!l->main_forward) {
		int wait = lme_left_ms(deadline);
		if (l->pfwd_ok && wait > l->o.handshake_idle_ms)
			wait = l->o.handshake_idle_ms;
		rc = lme_pump(l, wait);
		if (rc == HECI_E_TIMEOUT || rc == HECI_E_CANCELLED) {
			if (l->pfwd_ok) {
				lme_log(l, LME_LOG_DEBUG, "no 16992/16993 forward; handshake done on silence");
				return 0;
			}
			if (rc == HECI_E_CANCELLED || lme_left_ms(deadline) == 0) {
				lme_log(l, LME_LOG_WARN, "APF handshake did not complete");
				return lme_fail(l, rc);
			}
			continue;
		}
		if (rc != 0)
			return rc;
		if (lme_left_ms(deadline) == 0 && !l->main_forward) {
			if (l->pfwd_ok)
				return 0;
			return lme_fail(l, HECI_E_TIMEOUT);
		}
	}
	return 0;
}

static int session_start(struct lme *l)
{
	uint32_t mtu = heci_max_msg_len(l->h);
	if (mtu < APF_PROTOCOLVERSION_LEN) {
		lme_log(l, LME_LOG_ERROR, "LME MTU %u is too small for APF", (unsigned)mtu);
		return lme_fail(l, HECI_E_NOT_SUPPORTED);
	}
	if (mtu > APF_MAX_MSG)
		mtu = APF_MAX_MSG;
	if (mtu != l->mtu) {
		uint8_t *in = realloc(l->in, mtu), *out;
		if (!in)
			return lme_fail(l, HECI_E_NOMEM);
		l->in = in;
		out = realloc(l->out, mtu);
		if (!out)
			return lme_fail(l, HECI_E_NOMEM);
		l->out = out;
		l->mtu = mtu;
		l->in_cap = l->out_cap = mtu;
	}
	return handshake(l);
}

int lme_open(struct lme **out, struct heci *h, const struct lme_opts *o)
{
	struct lme *l = NULL;
	int rc;

	if (!out || !h)
		return HECI_E_INVALID_ARG;
	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return HECI_E_NOMEM;
	l->h = h;
	if (o)
		l->o = *o;
	if (!l->o.rx_window)
		l->o.rx_window = LME_DEFAULT_RX_WINDOW;
	if (l->o.rx_window > LME_MAX_RX_WINDOW)
		l->o.rx_window = LME_MAX_RX_WINDOW;
	if (!l->o.tx_window_cap)
		l->o.tx_window_cap = LME_DEFAULT_TX_WINDOW_CAP;
	if (!l->o.max_channels || l->o.max_channels > LME_MAX_CHANNELS)
		l->o.max_channels = LME_MAX_CHANNELS;
	if (l->o.handshake_timeout_ms <= 0)
		l->o.handshake_timeout_ms = DEF_HANDSHAKE_MS;
	if (l->o.handshake_idle_ms <= 0)
		l->o.handshake_idle_ms = DEF_IDLE_MS;
	if (l->o.open_timeout_ms <= 0)
		l->o.open_timeout_ms = DEF_OPEN_MS;
	if (l->o.write_timeout_ms <= 0)
		l->o.write_timeout_ms = DEF_WRITE_MS;

	rc = heci_connect(h, &HECI_GUID_LME);
	if (rc != 0)
		goto out;
	rc = session_start(l);
out:
	if (rc != 0) {
		heci_disconnect(h);
		free(l->in);
		free(l->out);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void lme_close(struct lme *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < LME_MAX_CHANNELS && l->err == 0; i++)
		if (l->ch[i].st == CH_OPEN)
			(void)lme_send_close(l, l->ch[i].amt_id);
	chans_drop_all(l);
	heci_disconnect(l->h);
	free(l->in);
	free(l->out);
	free(l);
}

int lme_reopen(struct lme *l)
{
	if (!l)
		return HECI_E_INVALID_ARG;
	chans_drop_all(l);
	l->err = 0;
	int rc = heci_reconnect(l->h);
	if (rc != 0)
		return lme_fail(l, rc);
	return session_start(l);
}

int lme_status(const struct lme *l)
{
	return l ? l->err : HECI_E_INVALID_ARG;
}

size_t lme_forwarded_ports(const struct lme *l, uint32_t *ports, size_t cap)
{
	size_t n = 0;
	for (; l && n < l->nports && n < cap; n++)
		ports[n] = l->ports[n];
	return n;
}

int lme_port_forwarded(const struct lme *l, uint32_t port)
{
	for (size_t i = 0; l && i < l->nports; i++)
		if (l->ports[i] == port)
			return 1;
	return 0;
}
