// SPDX-License-Identifier: Apache-2.0
/*
 * listen_relay.c - the relay of one CIRA tunnel (see listen_relay.h).
 *
 * Each accepted connection opens one forwarded-tcpip channel (connected
 * address: what the device forwarded the port with; originator: the
 * client). Until AMT confirms, the client's bytes wait in its buffer; then
 * they go out as AMT's window allows (reading stops at 64 KiB waiting).
 * AMT's bytes are written to the client as they come (at once when the
 * socket has room, else queued) and credited back (WINDOW_ADJUST) once the
 * client's socket took them and half the window is owed, so a client that
 * reads slowly holds AMT at the MPS's window (32 KiB) per channel. The
 * client's socket has plain events, one read() per wake-up and a write
 * event only while a write waits: bufferevents cost an ioctl per read and
 * an EPOLLOUT wake-up per write. APF has no half-close: a client that ends
 * its sending side has its last bytes sent, then the channel closed; AMT
 * closing the channel ends the connection once what AMT sent is written
 * out (linger bound). A CHANNEL_OPEN AMT leaves unanswered for
 * open_timeout_s ends the tunnel.
 * Must not: log relayed bytes; outlive the session whose table it uses. */
#include "listen_relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"

#define CLIENT_READ_MAX (64u * 1024u) /* client bytes waiting for AMT's window */

struct relay_port {
	struct relay *r;
	uint32_t amt_port;
	struct listen_socket *sock;
	char bound[64];
};

struct relay_conn {
	struct listen_conn base; /* first: the ctx list holds these */
	struct relay *r;
	struct relay_conn *next_in_relay;
	int fd;              /* the technician's connection */
	struct event *rev, *wev;
	struct evbuffer *in;  /* the client's bytes waiting for AMT's window */
	struct evbuffer *out; /* AMT's bytes the client's socket has not taken */
	struct event *timer; /* open timeout, then linger */
	uint32_t amt_port;
	int h;               /* channel slot, -1 once the channel is gone */
	size_t uncredited;   /* AMT's bytes handed to the client, not yet credited */
	bool opened, eof, lingering, reading;
	char source[64];
};

struct relay {
	struct listen_ctx *ctx;
	struct relay_cfg cfg;
	struct mps_session *sess;
	struct mps_chan_table *ch;
	char source[64];
	struct relay_port *ports[MPS_MAX_FORWARDS]; /* allocated: sockets keep their address */
	size_t nports;
	struct relay_conn **by_slot; /* mps_chan_max() entries */
	struct relay_conn *conns;    /* every connection, by_slot or lingering */
	int64_t log_full_ms;
};

/* ---- connections ---- */

static void conn_free(struct relay_conn *rc)
{
	struct relay *r = rc->r;

	listen_release(&rc->base);
	for (struct relay_conn **pp = &r->conns; *pp; pp = &(*pp)->next_in_relay) {
		if (*pp == rc) {
			*pp = rc->next_in_relay;
			break;
		}
	}
	if (rc->h >= 0) {
		mps_chan_close(r->ch, rc->h);
		r->by_slot[rc->h] = NULL;
		rc->h = -1;
	}
	if (rc->timer)
		event_free(rc->timer);
	if (rc->rev)
		event_free(rc->rev);
	if (rc->wev)
		event_free(rc->wev);
	if (rc->in)
		evbuffer_free(rc->in);
	if (rc->out)
		evbuffer_free(rc->out);
	if (rc->fd >= 0)
		close(rc->fd); /* FIN */
	free(rc);
}

static void on_linger_timeout(evutil_socket_t fd, short what, void *arg)
{
	conn_free(arg);
}

/* The listener is stopping: the tunnel's own close frees the rest. */
static void conn_shutdown(struct listen_conn *c)
{
	conn_free((struct relay_conn *)c);
}

/* Read the client while it has not ended its side and 64 KiB do not wait. */
static void update_reading(struct relay_conn *rc)
{
	bool on = !rc->eof && !rc->lingering && evbuffer_get_length(rc->in) < CLIENT_READ_MAX;

	if (on == rc->reading)
		return;
	rc->reading = on;
	if (on)
		event_add(rc->rev, NULL);
	else
		event_del(rc->rev);
}

/* The channel is gone: write out what AMT sent, then close. */
static void conn_finish(struct relay_conn *rc)
{
	struct timeval tv = {(time_t)(rc->r->ctx->lim.linger_ms / 1000),
			     (suseconds_t)(rc->r->ctx->lim.linger_ms % 1000) * 1000};

	if (rc->h >= 0) {
		rc->r->by_slot[rc->h] = NULL;
		rc->h = -1;
	}
	if (evbuffer_get_length(rc->out) == 0) {
		conn_free(rc);
		return;
	}
	rc->lingering = true;
	update_reading(rc);
	evtimer_del(rc->timer);
	event_assign(rc->timer, rc->r->ctx->base, -1, 0, on_linger_timeout, rc);
	evtimer_add(rc->timer, &tv);
}

/* Client bytes -> AMT, within AMT's window; a client that ended its side
 * has the channel closed once everything went out (which frees rc). */
static void pump_to_amt(struct relay_conn *rc)
{
	struct evbuffer *in = rc->in;
	size_t have;

	if (!rc->opened || rc->h < 0)
		return;
	while ((have = evbuffer_get_length(in)) > 0) {
		size_t n = mps_chan_writable(rc->r->ch, rc->h);
		if (n == 0)
			break;
		if (n > have)
			n = have;
		if (n > MPS_CHAN_MAX_DATA)
			n = MPS_CHAN_MAX_DATA;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)n);
		if (!p)
			break;
		mps_chan_send(rc->r->ch, rc->h, p, n);
		evbuffer_drain(in, n);
	}
	update_reading(rc);
	if (rc->eof && evbuffer_get_length(in) == 0) {
		log_debug("relay %s: client %s ended its side: channel to %u closed", rc->r->source,
			  rc->source, (unsigned)rc->amt_port);
		conn_finish(rc); /* closes the channel */
	}
}

/* The client's bytes: one read() per wake-up (a short one drained the
 * socket; level-triggered epoll reports the rest). */
static void on_client_readable(evutil_socket_t fd, short what, void *arg)
{
	struct relay_conn *rc = arg;
	struct evbuffer_iovec v;
	size_t have = evbuffer_get_length(rc->in);
	size_t room = have < CLIENT_READ_MAX ? CLIENT_READ_MAX - have : 0;

	if (room == 0) { /* activated before this turn filled the buffer */
		update_reading(rc);
		return;
	}
	if (evbuffer_reserve_space(rc->in, (ev_ssize_t)room, &v, 1) < 1) {
		log_error("relay %s: out of memory — connection from %s closed", rc->r->source,
			  rc->source);
		conn_free(rc);
		return;
	}
	ssize_t n = read(fd, v.iov_base, v.iov_len < room ? v.iov_len : room);
	if (n > 0) {
		v.iov_len = (size_t)n;
		evbuffer_commit_space(rc->in, &v, 1);
		pump_to_amt(rc); /* rc->eof is false: rc lives on */
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		log_debug("relay %s: client %s: %s — channel closed", rc->r->source, rc->source,
			  strerror(errno));
		conn_free(rc);
		return;
	}
	rc->eof = true;
	update_reading(rc);
	pump_to_amt(rc); /* nothing can be sent before AMT confirms; OPENED pumps then */
}

/* The client's socket took everything AMT sent so far: give AMT that
 * window back once half of it is owed (as Open AMT's and MeshCentral's MPS
 * do): a response smaller than that costs no WINDOW_ADJUST. */
static void credit_if_due(struct relay_conn *rc)
{
	if (rc->h >= 0 && rc->uncredited >= MPS_CHAN_WINDOW / 2) {
		mps_chan_consumed(rc->r->ch, rc->h, rc->uncredited);
		rc->uncredited = 0;
	}
}

static void on_client_writable(evutil_socket_t fd, short what, void *arg)
{
	struct relay_conn *rc = arg;

	if (evbuffer_write(rc->out, fd) < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		log_debug("relay %s: client %s gone — channel closed", rc->r->source, rc->source);
		conn_free(rc);
		return;
	}
	if (evbuffer_get_length(rc->out) > 0)
		return;
	event_del(rc->wev);
	if (rc->lingering) {
		conn_free(rc);
		return;
	}
	credit_if_due(rc);
}

/* AMT's bytes to the client: written at once when nothing waits before
 * them (no EPOLLOUT wake-up for a socket that has room), the rest queued.
 * -1 when the client is gone or memory ran out. */
static int client_send(struct relay_conn *rc, const uint8_t *data, size_t len)
{
	if (evbuffer_get_length(rc->out) == 0) {
		ssize_t k = send(rc->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (k > 0) {
			data += k;
			len -= (size_t)k;
		}
	}
	if (len == 0)
		return 0;
	if (evbuffer_add(rc->out, data, len) != 0)
		return -1;
	return event_add(rc->wev, NULL);
}

static void on_open_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct relay_conn *rc = arg;
	struct relay *r = rc->r;
	char why[160];

	snprintf(why, sizeof(why), "no answer to CHANNEL_OPEN for port %u within %u s",
		 (unsigned)rc->amt_port, r->ctx->lim.open_timeout_s);
	r->cfg.fail(r->cfg.fail_arg, why); /* ends the tunnel: frees this relay */
}

static void on_accept(void *arg, int fd, const char *source)
{
	struct relay_port *port = arg;
	struct relay *r = port->r;
	struct timeval tv = {(time_t)r->ctx->lim.open_timeout_s, 0};
	struct relay_conn *rc = calloc(1, sizeof(*rc));
	char host[64];
	unsigned sport = 0;

	if (!rc) {
		close(fd);
		log_error("relay %s: out of memory — connection from %s closed", r->source, source);
		return;
	}
	rc->fd = fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc->r = r;
	rc->h = -1;
	rc->amt_port = port->amt_port;
	snprintf(rc->source, sizeof(rc->source), "%s", source);
	rc->base.shutdown = conn_shutdown;
	rc->base.destroy = conn_shutdown;
	listen_track(r->cfg.gate, &rc->base);
	rc->next_in_relay = r->conns;
	r->conns = rc;
	rc->rev = event_new(r->ctx->base, fd, EV_READ | EV_PERSIST, on_client_readable, rc);
	rc->wev = event_new(r->ctx->base, fd, EV_WRITE | EV_PERSIST, on_client_writable, rc);
	rc->in = evbuffer_new();
	rc->out = evbuffer_new();
	rc->timer = evtimer_new(r->ctx->base, on_open_timeout, rc);
	if (!rc->rev || !rc->wev || !rc->in || !rc->out || !rc->timer) {
		log_error("relay %s: out of memory — connection from %s closed", r->source, source);
		conn_free(rc);
		return;
	}
	/* the originator: the client's address and port, as text and number */
	snprintf(host, sizeof(host), "%s", source);
	char *colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		sport = (unsigned)strtoul(colon + 1, NULL, 10);
	}
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		char *b = strchr(host, ']');
		if (b)
			*b = '\0';
	}
	rc->h = mps_chan_open(r->ch, port->amt_port, mps_session_forward_addr(r->sess, port->amt_port),
			      host, sport);
	if (rc->h < 0) {
		if (listen_log_due(&r->log_full_ms))
			log_warn("relay %s: %u channels open in this tunnel (--max-channels-per-tunnel) "
				 "— connection from %s to port %u closed",
				 r->source, mps_chan_max(r->ch), source, (unsigned)port->amt_port);
		conn_free(rc);
		return;
	}
	r->by_slot[rc->h] = rc;
	update_reading(rc); /* EV_WRITE only once a write waits (client_send) */
	evtimer_add(rc->timer, &tv);
	log_debug("relay %s: %s -> port %u (channel slot %d)", r->source, source,
		  (unsigned)port->amt_port, rc->h);
}

void relay_chan_event(struct relay *r, int h, enum mps_chan_event ev, uint32_t reason,
		      const uint8_t *data, size_t len)
{
	struct relay_conn *rc = h >= 0 && (unsigned)h < mps_chan_max(r->ch) ? r->by_slot[h] : NULL;

	if (!rc)
		return;
	switch (ev) {
	case MPS_CHAN_OPENED:
		evtimer_del(rc->timer);
		rc->opened = true;
		pump_to_amt(rc);
		break;
	case MPS_CHAN_FAILED:
		log_info("relay %s: the device refused a channel to port %u (reason %u) — "
			 "connection from %s closed",
			 r->source, (unsigned)rc->amt_port, (unsigned)reason, rc->source);
		r->by_slot[h] = NULL;
		rc->h = -1; /* the slot is free already */
		conn_free(rc);
		break;
	case MPS_CHAN_DATA:
		if (client_send(rc, data, len) != 0) {
			log_debug("relay %s: client %s gone — channel closed", r->source, rc->source);
			conn_free(rc);
			break;
		}
		rc->uncredited += len;
		if (evbuffer_get_length(rc->out) == 0)
			credit_if_due(rc);
		break;
	case MPS_CHAN_WRITABLE:
		pump_to_amt(rc);
		break;
	case MPS_CHAN_CLOSED:
		r->by_slot[h] = NULL;
		rc->h = -1; /* answered by the table */
		conn_finish(rc);
		break;
	}
}

/* ---- listening ports ---- */

static int bind_port(struct relay *r, struct relay_port *p)
{
	struct sockaddr_storage ss;
	char err[256];
	unsigned lo = r->cfg.port_low, hi = r->cfg.port_high;

	memcpy(&ss, r->cfg.bind_sa, r->cfg.bind_salen);
	for (unsigned port = lo; port <= hi; port++) {
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		if (listen_socket_new(r->cfg.gate, (struct sockaddr *)&ss, r->cfg.bind_salen,
				      on_accept, p, &p->sock, p->bound, sizeof(p->bound), err,
				      sizeof(err)) == 0)
			return 0;
		if (port == hi || hi == 0)
			break;
	}
	if (lo)
		log_error("relay %s: no free port in --relay-ports %u-%u for the device's port %u "
			  "— not relayed",
			  r->source, lo, hi, (unsigned)p->amt_port);
	else
		log_error("relay %s: %s — the device's port %u is not relayed", r->source, err,
			  (unsigned)p->amt_port);
	return -1;
}

bool relay_sync(struct relay *r)
{
	const uint32_t *want;
	size_t nwant = mps_session_ports(r->sess, &want);
	bool changed = false;

	/* ports the device cancelled */
	for (size_t i = 0; i < r->nports;) {
		bool keep = false;
		for (size_t j = 0; j < nwant; j++)
			keep |= want[j] == r->ports[i]->amt_port;
		if (keep) {
			i++;
			continue;
		}
		log_info("relay %s: port %u no longer forwarded — relay %s closed", r->source,
			 (unsigned)r->ports[i]->amt_port, r->ports[i]->bound);
		listen_socket_free(r->ports[i]->sock);
		free(r->ports[i]);
		memmove(&r->ports[i], &r->ports[i + 1], (r->nports - i - 1) * sizeof(r->ports[0]));
		r->nports--;
		changed = true;
	}
	/* new ones, in the device's order */
	for (size_t j = 0; j < nwant && r->nports < MPS_MAX_FORWARDS; j++) {
		bool have = false;
		for (size_t i = 0; i < r->nports; i++)
			have |= r->ports[i]->amt_port == want[j];
		if (have)
			continue;
		struct relay_port *p = calloc(1, sizeof(*p));
		if (!p) {
			log_error("relay %s: out of memory — the device's port %u is not relayed",
				  r->source, (unsigned)want[j]);
			continue;
		}
		p->r = r;
		p->amt_port = want[j];
		if (bind_port(r, p) != 0) {
			free(p);
			continue;
		}
		r->ports[r->nports++] = p;
		changed = true;
		log_info("relay %s: device port %u relayed on %s", r->source, (unsigned)want[j],
			 p->bound);
	}
	return changed;
}

json_t *relay_ports_json(const struct relay *r)
{
	json_t *o = json_object();
	char key[12];

	for (size_t i = 0; o && i < r->nports; i++) {
		snprintf(key, sizeof(key), "%u", (unsigned)r->ports[i]->amt_port);
		if (json_object_set_new(o, key, json_string(r->ports[i]->bound)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

const char *relay_address(const struct relay *r, uint32_t amt_port)
{
	for (size_t i = 0; i < r->nports; i++)
		if (r->ports[i]->amt_port == amt_port)
			return r->ports[i]->bound;
	return NULL;
}

struct relay *relay_new(struct listen_ctx *ctx, const struct relay_cfg *cfg,
			struct mps_session *sess, const char *source)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ctx = ctx;
	r->cfg = *cfg;
	r->sess = sess;
	r->ch = mps_session_channels(sess);
	snprintf(r->source, sizeof(r->source), "%s", source);
	r->by_slot = calloc(mps_chan_max(r->ch), sizeof(*r->by_slot));
	if (!r->by_slot) {
		free(r);
		return NULL;
	}
	return r;
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nports; i++) {
		listen_socket_free(r->ports[i]->sock);
		free(r->ports[i]);
	}
	while (r->conns)
		conn_free(r->conns);
	free(r->by_slot);
	free(r);
}
