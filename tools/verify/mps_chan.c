// SPDX-License-Identifier: Apache-2.0
/*
 * mps_chan.c - the MPS's APF channel table (see mps_chan.h for the rules).
 *
 * Ids are the MPS's own, counted up from 1 and never reused while a slot
 * holds them, so a late message for a finished channel cannot reach a new
 * one. The table keeps no data: AMT's bytes go straight to the relay
 * (MPS_CHAN_DATA), which says when its client took them (consumed); the
 * client's bytes are sent as the relay hands them over, never more than
 * AMT's window.
 * Must not: do I/O or keep a clock; see mps_chan.h.
 */
#include "mps_chan.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct slot {
	enum mps_chan_state st;
	bool relay;          /* the relay still owns it: events go out */
	uint32_t id;         /* the MPS's */
	uint32_t amt_id;     /* AMT's, from the confirmation */
	uint32_t port;
	uint32_t tx_window;  /* bytes the MPS may still send */
	uint32_t rx_left;    /* bytes AMT may still send */
	uint64_t seq;        /* order of opening */
};

struct mps_chan_table {
	struct mps_chan_cfg cfg;
	struct mps_chan_hooks hooks;
	uint32_t next_id;
	uint64_t next_seq;
	struct slot slot[];
};

static void send_msg(struct mps_chan_table *t, const struct apf_msg *m)
{
	t->hooks.send(t->hooks.arg, m);
}

static void send_close(struct mps_chan_table *t, uint32_t amt_id)
{
	struct apf_msg m = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = amt_id}};
	send_msg(t, &m);
}

static void emit(struct mps_chan_table *t, struct slot *s, enum mps_chan_event ev,
		 uint32_t reason, const uint8_t *data, size_t len)
{
	if (s->relay && t->hooks.event)
		t->hooks.event(t->hooks.arg, (int)(s - t->slot), ev, reason, data, len);
}

static struct slot *slot_at(const struct mps_chan_table *t, int h)
{
	if (h < 0 || (unsigned)h >= t->cfg.max_channels)
		return NULL;
	return (struct slot *)&t->slot[h];
}

static struct slot *slot_by_id(struct mps_chan_table *t, uint32_t id)
{
	for (unsigned i = 0; i < t->cfg.max_channels; i++)
		if (t->slot[i].st != MPS_CHAN_FREE && t->slot[i].id == id)
			return &t->slot[i];
	return NULL;
}

struct mps_chan_table *mps_chan_table_new(const struct mps_chan_cfg *cfg,
					  const struct mps_chan_hooks *hooks)
{
	struct mps_chan_table *t;

	if (!cfg->window || !cfg->max_data || !cfg->max_channels || !hooks->send)
		return NULL;
	t = calloc(1, sizeof(*t) + cfg->max_channels * sizeof(struct slot));
	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->hooks = *hooks;
	t->next_id = 1;
	return t;
}

void mps_chan_table_free(struct mps_chan_table *t)
{
	free(t);
}

int mps_chan_open(struct mps_chan_table *t, uint32_t port, const char *addr,
		  const char *orig_addr, uint32_t orig_port)
{
	struct slot *s = NULL;

	for (unsigned i = 0; i < t->cfg.max_channels && !s; i++)
		if (t->slot[i].st == MPS_CHAN_FREE)
			s = &t->slot[i];
	if (!s)
		return -1;
	memset(s, 0, sizeof(*s));
	do {
		s->id = t->next_id++;
		if (s->id == 0)
			s->id = t->next_id++;
	} while (slot_by_id(t, s->id) != NULL);
	s->st = MPS_CHAN_OPENING;
	s->relay = true;
	s->port = port;
	s->rx_left = t->cfg.window;
	s->seq = t->next_seq++;
	struct apf_msg m = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED,
					     .sender = s->id,
					     .window = t->cfg.window,
					     .reserved = APF_RESERVED_ALL_ONES,
					     .addr = {addr, (uint32_t)strlen(addr)},
					     .port = port,
					     .orig_addr = {orig_addr, (uint32_t)strlen(orig_addr)},
					     .orig_port = orig_port}};
	send_msg(t, &m);
	return (int)(s - t->slot);
}

size_t mps_chan_writable(const struct mps_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s && s->relay && s->st == MPS_CHAN_OPEN ? s->tx_window : 0;
}

void mps_chan_send(struct mps_chan_table *t, int h, const uint8_t *data, size_t len)
{
	struct slot *s = slot_at(t, h);

	while (s && s->relay && s->st == MPS_CHAN_OPEN && len > 0 && s->tx_window > 0) {
		size_t n = len;
		if (n > s->tx_window)
			n = s->tx_window;
		if (n > t->cfg.max_data)
			n = t->cfg.max_data;
		struct apf_msg m = {.type = APF_CHANNEL_DATA,
				    .channel_data = {.recipient = s->amt_id,
						     .data = data,
						     .len = (uint32_t)n}};
		s->tx_window -= (uint32_t)n;
		send_msg(t, &m);
		data += n;
		len -= n;
	}
	if (len > 0)
		log_error("mps chan: %zu bytes beyond AMT's window not sent (relay bug)", len);
}

void mps_chan_consumed(struct mps_chan_table *t, int h, size_t n)
{
	struct slot *s = slot_at(t, h);

	if (!s || !s->relay || s->st != MPS_CHAN_OPEN || n == 0)
		return;
	if (n > t->cfg.window - s->rx_left)
		n = t->cfg.window - s->rx_left; /* never credit more than was delivered */
	if (n == 0)
		return;
	s->rx_left += (uint32_t)n;
	struct apf_msg m = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = s->amt_id, .bytes_to_add = (uint32_t)n}};
	send_msg(t, &m);
}

void mps_chan_close(struct mps_chan_table *t, int h)
{
	struct slot *s = slot_at(t, h);

	if (!s || !s->relay)
		return;
	s->relay = false;
	if (s->st == MPS_CHAN_OPEN) {
		send_close(t, s->amt_id);
		s->st = MPS_CHAN_CLOSE_SENT;
	} else if (s->st == MPS_CHAN_OPENING) {
		s->st = MPS_CHAN_ABANDONED; /* closed when AMT confirms */
	}
}

enum mps_chan_state mps_chan_state(const struct mps_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s ? s->st : MPS_CHAN_FREE;
}

uint32_t mps_chan_port(const struct mps_chan_table *t, int h)
{
	const struct slot *s = slot_at(t, h);
	return s ? s->port : 0;
}

unsigned mps_chan_count(const struct mps_chan_table *t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->cfg.max_channels; i++)
		n += t->slot[i].st != MPS_CHAN_FREE;
	return n;
}

unsigned mps_chan_max(const struct mps_chan_table *t)
{
	return t->cfg.max_channels;
}

bool mps_chan_oldest_opening(const struct mps_chan_table *t, int *h)
{
	const struct slot *best = NULL;
	for (unsigned i = 0; i < t->cfg.max_channels; i++) {
		const struct slot *s = &t->slot[i];
		if ((s->st == MPS_CHAN_OPENING || s->st == MPS_CHAN_ABANDONED) &&
		    (!best || s->seq < best->seq))
			best = s;
	}
	if (best)
		*h = (int)(best - t->slot);
	return best != NULL;
}

/* ---- AMT's messages ---- */

int mps_chan_on_confirmation(struct mps_chan_table *t, const struct apf_channel_open_confirmation *c)
{
	struct slot *s = slot_by_id(t, c->recipient);

	if (!s || (s->st != MPS_CHAN_OPENING && s->st != MPS_CHAN_ABANDONED))
		return MPS_CHAN_E_UNEXPECTED;
	s->amt_id = c->sender;
	s->tx_window = c->window < MPS_CHAN_PEER_WINDOW_CAP ? c->window : MPS_CHAN_PEER_WINDOW_CAP;
	if (s->st == MPS_CHAN_ABANDONED) {
		send_close(t, s->amt_id);
		s->st = MPS_CHAN_CLOSE_SENT;
		return 0;
	}
	s->st = MPS_CHAN_OPEN;
	emit(t, s, MPS_CHAN_OPENED, 0, NULL, 0);
	return 0;
}

int mps_chan_on_failure(struct mps_chan_table *t, const struct apf_channel_open_failure *f)
{
	struct slot *s = slot_by_id(t, f->recipient);

	if (!s || (s->st != MPS_CHAN_OPENING && s->st != MPS_CHAN_ABANDONED))
		return MPS_CHAN_E_UNEXPECTED;
	bool relay = s->relay;
	s->st = MPS_CHAN_FREE;
	if (relay && t->hooks.event)
		t->hooks.event(t->hooks.arg, (int)(s - t->slot), MPS_CHAN_FAILED, f->reason, NULL, 0);
	return 0;
}

int mps_chan_on_data(struct mps_chan_table *t, const struct apf_channel_data *d)
{
	struct slot *s = slot_by_id(t, d->recipient);

	if (!s || s->st != MPS_CHAN_OPEN)
		return 0; /* crossed our CLOSE, or never ours: dropped */
	if (d->len > s->rx_left)
		return MPS_CHAN_E_WINDOW;
	s->rx_left -= d->len;
	if (!s->relay)
		return 0;
	emit(t, s, MPS_CHAN_DATA, 0, d->data, d->len);
	return 0;
}

void mps_chan_on_window_adjust(struct mps_chan_table *t, const struct apf_channel_window_adjust *w)
{
	struct slot *s = slot_by_id(t, w->recipient);

	if (!s || s->st != MPS_CHAN_OPEN)
		return;
	bool was_shut = s->tx_window == 0;
	uint32_t room = MPS_CHAN_PEER_WINDOW_CAP - s->tx_window;
	s->tx_window += w->bytes_to_add < room ? w->bytes_to_add : room;
	if (was_shut && s->tx_window > 0)
		emit(t, s, MPS_CHAN_WRITABLE, 0, NULL, 0);
}

void mps_chan_on_close(struct mps_chan_table *t, uint32_t recipient)
{
	struct slot *s = slot_by_id(t, recipient);

	if (!s)
		return;
	bool relay = s->relay;
	int h = (int)(s - t->slot);
	switch (s->st) {
	case MPS_CHAN_OPEN:
		send_close(t, s->amt_id);
		s->st = MPS_CHAN_FREE;
		if (relay && t->hooks.event)
			t->hooks.event(t->hooks.arg, h, MPS_CHAN_CLOSED, 0, NULL, 0);
		break;
	case MPS_CHAN_OPENING: /* closed before confirming: a refusal */
		s->st = MPS_CHAN_FREE;
		if (relay && t->hooks.event)
			t->hooks.event(t->hooks.arg, h, MPS_CHAN_FAILED, 0, NULL, 0);
		break;
	default: /* the answer to ours, or abandoned */
		s->st = MPS_CHAN_FREE;
		break;
	}
}
