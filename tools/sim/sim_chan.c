// SPDX-License-Identifier: Apache-2.0
/*
 * sim_chan.c - AMT's APF channel table (see sim_chan.h for the rules).
 *
 * Each slot keeps its own receive buffer of cfg.window bytes, allocated
 * when the peer opens the channel and freed with the slot, so the bytes
 * buffered never exceed what AMT granted: len + rx_left == window at all
 * times while the channel is open.
 * Must not: do I/O, lock, or keep a clock; see sim_chan.h.
 */
#include "sim_chan.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct slot {
	enum sim_chan_state st;
	bool stream;          /* the driver holds a stream for it */
	uint32_t id;          /* AMT's */
	uint32_t peer_id;     /* the opener's */
	uint32_t port;
	uint32_t peer_window; /* bytes AMT may still send */
	uint32_t rx_left;     /* bytes the peer may still send */
	uint32_t owed;        /* taken by the stream, not yet credited */
	uint8_t *buf;         /* cfg.window bytes waiting for the stream */
	size_t off, len;
};

struct sim_chan_table {
	struct sim_chan_cfg cfg;
	struct sim_chan_hooks hooks;
	uint32_t next_id;
	struct slot slot[];
};

static void send_msg(struct sim_chan_table *t, const struct apf_msg *m)
{
	t->hooks.send(t->hooks.arg, m);
}

static void send_open_failure(struct sim_chan_table *t, uint32_t peer_id, uint32_t reason)
{
	struct apf_msg m = {.type = APF_CHANNEL_OPEN_FAILURE,
			    .open_failure = {.recipient = peer_id, .reason = reason}};
	send_msg(t, &m);
}

static void send_close(struct sim_chan_table *t, uint32_t peer_id)
{
	struct apf_msg m = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = peer_id}};
	send_msg(t, &m);
}

static void slot_reset(struct slot *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static struct slot *slot_at(const struct sim_chan_table *t, int h)
{
	if (h < 0 || (unsigned)h >= t->cfg.max_channels)
		return NULL;
	return (struct slot *)&t->slot[h];
}

/* The slot the peer names by AMT's id; FREE slots never match. */
static struct slot *slot_by_id(struct sim_chan_table *t, uint32_t id)
{
	for (unsigned i = 0; i < t->cfg.max_channels; i++)
		if (t->slot[i].st != SIM_CHAN_FREE && t->slot[i].id == id)
			return &t->slot[i];
	return NULL;
}

struct sim_chan_table *sim_chan_table_new(const struct sim_chan_cfg *cfg,
					  const struct sim_chan_hooks *hooks)
{
	struct sim_chan_table *t;

	if (!cfg->window || !cfg->max_data || !cfg->max_channels || !hooks->send)
		return NULL;
	t = calloc(1, sizeof(*t) + cfg->max_channels * sizeof(struct slot));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->hooks = *hooks;
	t->next_id = cfg->id_base;
	return t;
}

void sim_chan_table_free(struct sim_chan_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->cfg.max_channels; i++)
		slot_reset(&t->slot[i]);
	free(t);
}

/* A fresh id: the next in sequence that no slot holds (ids of closed
 * channels are not reused until the sequence wraps). */
static uint32_t new_id(struct sim_chan_table *t)
{
	for (;;) {
		uint32_t id = t->next_id++;
		if (!slot_by_id(t, id))
			return id;
	}
}

int sim_chan_on_open(struct sim_chan_table *t, const struct apf_channel_open *o)
{
	struct slot *s = NULL;

	if (o->kind != APF_CHAN_FORWARDED) {
		log_debug("sim chan: refusing a channel of another type than forwarded-tcpip");
		send_open_failure(t, o->sender, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
		return -1;
	}
	for (unsigned i = 0; i < t->cfg.max_channels && !s; i++)
		if (t->slot[i].st == SIM_CHAN_FREE)
			s = &t->slot[i];
	if (!s || !(s->buf = malloc(t->cfg.window))) {
		log_info("sim chan: %s: refusing a channel to port %u (resource shortage)",
			 s ? "out of memory" : "every channel in use", (unsigned)o->port);
		send_open_failure(t, o->sender, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
		return -1;
	}
	s->st = SIM_CHAN_CONNECTING;
	s->id = new_id(t);
	s->peer_id = o->sender;
	s->port = o->port;
	s->peer_window = o->window < SIM_CHAN_PEER_WINDOW_CAP ? o->window : SIM_CHAN_PEER_WINDOW_CAP;
	s->rx_left = t->cfg.window;
	return (int)(s - t->slot);
}

uint32_t sim_chan_id(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s ? s->id : 0;
}

bool sim_chan_open_done(struct sim_chan_table *t, int h, uint32_t id, bool ok, uint32_t reason)
{
	struct slot *s = slot_at(t, h);

	if (!s || s->st != SIM_CHAN_CONNECTING || s->id != id)
		return false;
	if (!ok) {
		send_open_failure(t, s->peer_id, reason);
		slot_reset(s);
		return true;
	}
	s->st = SIM_CHAN_OPEN;
	s->stream = true;
	struct apf_msg m = {.type = APF_CHANNEL_OPEN_CONFIRMATION,
			    .open_confirmation = {.recipient = s->peer_id,
						  .sender = s->id,
						  .window = t->cfg.window,
						  .reserved = APF_RESERVED_ALL_ONES}};
	send_msg(t, &m);
	return true;
}

int sim_chan_on_data(struct sim_chan_table *t, const struct apf_channel_data *d)
{
	struct slot *s = slot_by_id(t, d->recipient);

	if (!s || s->st != SIM_CHAN_OPEN) {
		log_debug("sim chan: %u bytes for channel %u dropped (not open)", (unsigned)d->len,
			  (unsigned)d->recipient);
		return 0;
	}
	if (d->len > s->rx_left)
		return SIM_CHAN_E_WINDOW;
	if (s->off + s->len + d->len > t->cfg.window) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	/* len + rx_left == window, so it fits after the move */
	memcpy(s->buf + s->off + s->len, d->data, d->len);
	s->len += d->len;
	s->rx_left -= d->len;
	return 0;
}

void sim_chan_on_window_adjust(struct sim_chan_table *t, const struct apf_channel_window_adjust *w)
{
	struct slot *s = slot_by_id(t, w->recipient);

	if (!s || s->st != SIM_CHAN_OPEN)
		return;
	uint32_t room = SIM_CHAN_PEER_WINDOW_CAP - s->peer_window;
	s->peer_window += w->bytes_to_add < room ? w->bytes_to_add : room;
}

void sim_chan_on_close(struct sim_chan_table *t, uint32_t recipient)
{
	struct slot *s = slot_by_id(t, recipient);

	if (!s) {
		log_debug("sim chan: close for unknown channel %u ignored", (unsigned)recipient);
		return;
	}
	switch (s->st) {
	case SIM_CHAN_OPEN:
		send_close(t, s->peer_id);
		s->st = SIM_CHAN_PEER_CLOSED; /* flush what is buffered, then finish */
		break;
	case SIM_CHAN_CLOSE_SENT: /* the answer to ours, or both at once */
		if (s->stream)
			s->st = SIM_CHAN_DEAD;
		else
			slot_reset(s);
		break;
	default: /* connecting (the peer cannot know the id yet), a repeat, or dead */
		break;
	}
}

enum sim_chan_state sim_chan_state(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s ? s->st : SIM_CHAN_FREE;
}

uint32_t sim_chan_port(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s ? s->port : 0;
}

bool sim_chan_has_stream(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s && s->stream;
}

size_t sim_chan_room(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	if (!s || !s->stream || s->st != SIM_CHAN_OPEN)
		return 0;
	return s->peer_window < t->cfg.max_data ? s->peer_window : t->cfg.max_data;
}

void sim_chan_from_stream(struct sim_chan_table *t, int h, const uint8_t *data, size_t len)
{
	struct slot *s = slot_at(t, h);

	while (s && s->stream && s->st == SIM_CHAN_OPEN && len > 0 && s->peer_window > 0) {
		size_t n = sim_chan_room(t, h);
		if (n > len)
			n = len;
		struct apf_msg m = {.type = APF_CHANNEL_DATA,
				    .channel_data = {.recipient = s->peer_id,
						     .data = data,
						     .len = (uint32_t)n}};
		send_msg(t, &m);
		s->peer_window -= (uint32_t)n;
		data += n;
		len -= n;
	}
	if (len > 0)
		log_error("sim chan: %zu bytes beyond the peer's window dropped (driver bug)", len);
}

size_t sim_chan_pending(const struct sim_chan_table *t, int h, const uint8_t **data)
{
	const struct slot *s = slot_at(t, h);

	if (!s || !s->stream || (s->st != SIM_CHAN_OPEN && s->st != SIM_CHAN_PEER_CLOSED) ||
	    !s->len)
		return 0;
	*data = s->buf + s->off;
	return s->len;
}

void sim_chan_to_stream_done(struct sim_chan_table *t, int h, size_t k)
{
	struct slot *s = slot_at(t, h);

	if (!s || k == 0 || k > s->len)
		return;
	s->off += k;
	s->len -= k;
	if (s->len == 0)
		s->off = 0;
	if (s->st != SIM_CHAN_OPEN)
		return; /* the peer closed: nobody to credit */
	if (t->cfg.no_window_adjust) {
		/* no credit: the peer's window stays what it was granted */
		log_debug("sim chan: apf_window_stall: no WINDOW_ADJUST for %zu bytes", k);
		return;
	}
	s->owed += (uint32_t)k;
	if (s->owed < t->cfg.credit_at)
		return; /* the peer still has most of its window: save a message */
	s->rx_left += s->owed;
	struct apf_msg m = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = s->peer_id, .bytes_to_add = s->owed}};
	s->owed = 0;
	send_msg(t, &m);
}

void sim_chan_stream_ended(struct sim_chan_table *t, int h)
{
	struct slot *s = slot_at(t, h);

	if (!s || !s->stream)
		return;
	if (s->st == SIM_CHAN_OPEN) {
		send_close(t, s->peer_id);
		s->st = SIM_CHAN_CLOSE_SENT;
	} else if (s->st == SIM_CHAN_PEER_CLOSED) {
		s->st = SIM_CHAN_DEAD; /* could not flush: nothing more to do */
	}
	s->off = s->len = 0;
}

bool sim_chan_finished(const struct sim_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);

	if (!s || !s->stream)
		return false;
	return s->st == SIM_CHAN_CLOSE_SENT || s->st == SIM_CHAN_DEAD ||
	       (s->st == SIM_CHAN_PEER_CLOSED && s->len == 0);
}

void sim_chan_release(struct sim_chan_table *t, int h)
{
	struct slot *s = slot_at(t, h);

	if (!s || !s->stream)
		return;
	if (s->st == SIM_CHAN_OPEN) { /* released without an end: close it */
		send_close(t, s->peer_id);
		s->st = SIM_CHAN_CLOSE_SENT;
	}
	s->stream = false;
	if (s->st == SIM_CHAN_CLOSE_SENT) {
		/* keep the id until the peer's CLOSE; the buffer is not needed */
		free(s->buf);
		s->buf = NULL;
		s->off = s->len = 0;
		return;
	}
	slot_reset(s);
}

void sim_chan_abort_all(struct sim_chan_table *t)
{
	for (unsigned i = 0; i < t->cfg.max_channels; i++) {
		struct slot *s = &t->slot[i];
		if (s->stream) {
			s->st = SIM_CHAN_DEAD;
			s->off = s->len = 0;
		} else if (s->st != SIM_CHAN_FREE) {
			slot_reset(s);
		}
	}
}

void sim_chan_set_no_window_adjust(struct sim_chan_table *t, bool on)
{
	t->cfg.no_window_adjust = on;
}

unsigned sim_chan_count(const struct sim_chan_table *t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->cfg.max_channels; i++)
		n += t->slot[i].st != SIM_CHAN_FREE;
	return n;
}

unsigned sim_chan_max(const struct sim_chan_table *t)
{
	return t->cfg.max_channels;
}
