// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_mps_chan.c - the MPS's APF channel table
 * (tools/verify/mps_chan.c) on its own: every message it sends and every
 * event it gives the relay is recorded and checked. Windows both ways
 * (exhaustion, credit, a flooding device), refusals and unexpected answers,
 * close races (both sides at once, data after close, a channel given up
 * while opening), an event handler closing the channel it is told about,
 * and 64 channels at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mps_chan.h"

#define WINDOW 32768u
#define MAX_DATA 1000u

struct msg {
	uint8_t type;
	uint32_t recipient, sender, window, port, bytes, len, orig_port;
	char addr[32], orig[32];
};

struct ev {
	int h;
	enum mps_chan_event ev;
	uint32_t reason;
	size_t len;
	uint8_t first;
};

struct fx {
	struct mps_chan_table *t;
	struct msg m[512];
	unsigned nm;
	struct ev e[512];
	unsigned ne;
	int close_on_data; /* the handler closes this slot when it gets data (-1: none) */
};

static void copy_str(char *dst, size_t cap, struct apf_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void on_send(void *arg, const struct apf_msg *m)
{
	struct fx *f = arg;
	assert_true(f->nm < 512);
	struct msg *r = &f->m[f->nm++];
	memset(r, 0, sizeof(*r));
	r->type = m->type;
	switch (m->type) {
	case APF_CHANNEL_OPEN:
		assert_int_equal(m->channel_open.kind, APF_CHAN_FORWARDED);
		assert_int_equal(m->channel_open.reserved, APF_RESERVED_ALL_ONES);
		r->sender = m->channel_open.sender;
		r->window = m->channel_open.window;
		r->port = m->channel_open.port;
		r->orig_port = m->channel_open.orig_port;
		copy_str(r->addr, sizeof(r->addr), m->channel_open.addr);
		copy_str(r->orig, sizeof(r->orig), m->channel_open.orig_addr);
		break;
	case APF_CHANNEL_DATA:
		r->recipient = m->channel_data.recipient;
		r->len = m->channel_data.len;
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		r->recipient = m->window_adjust.recipient;
		r->bytes = m->window_adjust.bytes_to_add;
		break;
	case APF_CHANNEL_CLOSE:
		r->recipient = m->channel_close.recipient;
		break;
	default:
		fail_msg("unexpected %s", apf_msg_name(m->type));
	}
}

static void on_event(void *arg, int h, enum mps_chan_event ev, uint32_t reason,
		     const uint8_t *data, size_t len)
{
	struct fx *f = arg;
	assert_true(f->ne < 512);
	f->e[f->ne++] = (struct ev){.h = h, .ev = ev, .reason = reason, .len = len,
				    .first = len ? data[0] : 0};
	if (ev == MPS_CHAN_DATA && h == f->close_on_data)
		mps_chan_close(f->t, h); /* re-entry from inside the handler */
}

static struct fx *fx_new(unsigned max)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct mps_chan_cfg cfg = {.window = WINDOW, .max_data = MAX_DATA, .max_channels = max};
	struct mps_chan_hooks h = {.arg = f, .send = on_send, .event = on_event};
	f->close_on_data = -1;
	f->t = mps_chan_table_new(&cfg, &h);
	assert_non_null(f->t);
	return f;
}

static void fx_free(struct fx *f)
{
	mps_chan_table_free(f->t);
	free(f);
}

static const struct msg *last_msg(struct fx *f)
{
	assert_true(f->nm > 0);
	return &f->m[f->nm - 1];
}

static const struct ev *last_ev(struct fx *f)
{
	assert_true(f->ne > 0);
	return &f->e[f->ne - 1];
}

static int confirm(struct fx *f, uint32_t our_id, uint32_t amt_id, uint32_t window)
{
	struct apf_channel_open_confirmation c = {.recipient = our_id, .sender = amt_id,
						  .window = window, .reserved = APF_RESERVED_ALL_ONES};
	return mps_chan_on_confirmation(f->t, &c);
}

static int amt_data(struct fx *f, uint32_t our_id, uint8_t first, uint32_t len)
{
	static uint8_t buf[2 * WINDOW];
	buf[0] = first;
	struct apf_channel_data d = {.recipient = our_id, .data = buf, .len = len};
	return mps_chan_on_data(f->t, &d);
}

static void amt_adjust(struct fx *f, uint32_t our_id, uint32_t n)
{
	struct apf_channel_window_adjust w = {.recipient = our_id, .bytes_to_add = n};
	mps_chan_on_window_adjust(f->t, &w);
}

/* Open and confirm: slot; *our_id the MPS's id on the wire. */
static int open_ok(struct fx *f, uint32_t amt_id, uint32_t amt_window, uint32_t *our_id)
{
	int h = mps_chan_open(f->t, 16992, "amt-sim", "10.0.0.7", 40001);
	assert_true(h >= 0);
	const struct msg *o = last_msg(f);
	assert_int_equal(o->type, APF_CHANNEL_OPEN);
	assert_int_equal(o->window, WINDOW);
	assert_int_equal(o->port, 16992);
	assert_string_equal(o->addr, "amt-sim");
	assert_string_equal(o->orig, "10.0.0.7");
	assert_int_equal(o->orig_port, 40001);
	assert_int_equal(mps_chan_state(f->t, h), MPS_CHAN_OPENING);
	assert_int_equal(mps_chan_writable(f->t, h), 0);
	*our_id = o->sender;
	assert_int_equal(confirm(f, *our_id, amt_id, amt_window), 0);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_OPENED);
	assert_int_equal(last_ev(f)->h, h);
	assert_int_equal(mps_chan_state(f->t, h), MPS_CHAN_OPEN);
	return h;
}

static void test_open_refused_and_unexpected_answers(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	int h = mps_chan_open(f->t, 16994, "amt", "1.2.3.4", 1);
	uint32_t id = last_msg(f)->sender;
	struct apf_channel_open_failure fl = {.recipient = id, .reason = 2};
	assert_int_equal(mps_chan_on_failure(f->t, &fl), 0);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_FAILED);
	assert_int_equal(last_ev(f)->h, h);
	assert_int_equal(last_ev(f)->reason, 2);
	assert_int_equal(mps_chan_count(f->t), 0);
	/* a second answer, or one for an id never opened: protocol errors */
	assert_int_equal(mps_chan_on_failure(f->t, &fl), MPS_CHAN_E_UNEXPECTED);
	assert_int_equal(confirm(f, id, 7, 100), MPS_CHAN_E_UNEXPECTED);
	assert_int_equal(confirm(f, 999, 7, 100), MPS_CHAN_E_UNEXPECTED);
	uint32_t id2;
	open_ok(f, 7, 100, &id2);
	assert_int_not_equal(id2, id);
	assert_int_equal(confirm(f, id2, 8, 100), MPS_CHAN_E_UNEXPECTED);
	/* AMT closing a channel it never confirmed is a refusal */
	int h3 = mps_chan_open(f->t, 16992, "amt", "1.2.3.4", 2);
	uint32_t id3 = last_msg(f)->sender;
	unsigned nm = f->nm;
	mps_chan_on_close(f->t, id3);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_FAILED);
	assert_int_equal(last_ev(f)->h, h3);
	assert_int_equal(f->nm, nm);
	/* full */
	assert_true(mps_chan_open(f->t, 16992, "amt", "x", 3) >= 0);
	assert_int_equal(mps_chan_open(f->t, 16992, "amt", "x", 4), -1);
	fx_free(f);
}

/* The MPS sends at most AMT's window, in max_data pieces; an adjust from
 * zero makes the channel writable again. */
static void test_amt_window(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	uint8_t buf[2600] = {0};
	uint32_t id;
	int h = open_ok(f, 0xC000, 2500, &id);

	assert_int_equal(mps_chan_writable(f->t, h), 2500);
	unsigned nm = f->nm;
	mps_chan_send(f->t, h, buf, 2500);
	assert_int_equal(f->nm, nm + 3);
	assert_int_equal(f->m[nm].len, MAX_DATA);
	assert_int_equal(f->m[nm].recipient, 0xC000);
	assert_int_equal(f->m[nm + 2].len, 500);
	assert_int_equal(mps_chan_writable(f->t, h), 0);
	unsigned ne = f->ne;
	amt_adjust(f, id, 100);
	assert_int_equal(f->ne, ne + 1);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_WRITABLE);
	amt_adjust(f, id, 100); /* not from zero: no event */
	assert_int_equal(f->ne, ne + 1);
	assert_int_equal(mps_chan_writable(f->t, h), 200);
	amt_adjust(f, id, 0xFFFFFFFFu);
	amt_adjust(f, id, 0xFFFFFFFFu);
	assert_int_equal(mps_chan_writable(f->t, h), MPS_CHAN_PEER_WINDOW_CAP);
	fx_free(f);
}

/* AMT may send the MPS's window and no more (a flooding device is an
 * error); what the client took is credited, never more than delivered. */
static void test_mps_window_and_flood(void **state)
{
	(void)state;
	struct fx *f = fx_new(2);
	uint32_t id;
	int h = open_ok(f, 0xC000, 100, &id);

	assert_int_equal(amt_data(f, id, 'a', WINDOW - 1), 0);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_DATA);
	assert_int_equal(last_ev(f)->len, WINDOW - 1);
	assert_int_equal(last_ev(f)->first, 'a');
	assert_int_equal(amt_data(f, id, 'b', 1), 0);
	unsigned ne = f->ne;
	assert_int_equal(amt_data(f, id, 'c', 1), MPS_CHAN_E_WINDOW);
	assert_int_equal(f->ne, ne); /* nothing delivered past the window */
	mps_chan_consumed(f->t, h, 10000);
	assert_int_equal(last_msg(f)->type, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(last_msg(f)->recipient, 0xC000);
	assert_int_equal(last_msg(f)->bytes, 10000);
	assert_int_equal(amt_data(f, id, 'd', 10001), MPS_CHAN_E_WINDOW);
	assert_int_equal(amt_data(f, id, 'd', 10000), 0);
	mps_chan_consumed(f->t, h, 5 * WINDOW); /* more than delivered: capped */
	assert_int_equal(last_msg(f)->bytes, WINDOW);
	unsigned nm = f->nm;
	mps_chan_consumed(f->t, h, 1); /* nothing outstanding: no message */
	assert_int_equal(f->nm, nm);
	assert_int_equal(amt_data(f, id, 'e', WINDOW), 0);
	fx_free(f);
}

static void test_close_races(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	uint32_t id;

	/* the client goes: CLOSE; data crossing it is dropped even past the
	 * window; AMT's CLOSE answers ours and frees the slot */
	int h = open_ok(f, 0xC001, 100, &id);
	mps_chan_close(f->t, h);
	assert_int_equal(last_msg(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(last_msg(f)->recipient, 0xC001);
	unsigned nm = f->nm, ne = f->ne;
	assert_int_equal(amt_data(f, id, 'x', 2 * WINDOW), 0);
	amt_adjust(f, id, 10);
	mps_chan_on_close(f->t, id);
	assert_int_equal(f->nm, nm);
	assert_int_equal(f->ne, ne);
	assert_int_equal(mps_chan_count(f->t), 0);

	/* AMT closes: answered at once, the relay told */
	h = open_ok(f, 0xC002, 100, &id);
	mps_chan_on_close(f->t, id);
	assert_int_equal(last_msg(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(last_msg(f)->recipient, 0xC002);
	assert_int_equal(last_ev(f)->ev, MPS_CHAN_CLOSED);
	assert_int_equal(last_ev(f)->h, h);
	nm = f->nm;
	mps_chan_close(f->t, h); /* the relay's close crossing it: nothing more */
	mps_chan_on_close(f->t, id);
	assert_int_equal(f->nm, nm);

	/* both at once: one CLOSE each way */
	h = open_ok(f, 0xC003, 100, &id);
	nm = f->nm;
	mps_chan_close(f->t, h);
	mps_chan_on_close(f->t, id);
	assert_int_equal(f->nm, nm + 1);
	assert_int_equal(mps_chan_count(f->t), 0);

	/* given up while opening: closed once AMT confirms, no events */
	h = mps_chan_open(f->t, 16992, "amt", "x", 1);
	id = last_msg(f)->sender;
	mps_chan_close(f->t, h);
	assert_int_equal(mps_chan_state(f->t, h), MPS_CHAN_ABANDONED);
	ne = f->ne;
	assert_int_equal(confirm(f, id, 0xC004, 100), 0);
	assert_int_equal(last_msg(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(last_msg(f)->recipient, 0xC004);
	mps_chan_on_close(f->t, id);
	assert_int_equal(f->ne, ne);
	assert_int_equal(mps_chan_count(f->t), 0);
	/* ... or refused: freed, no event */
	h = mps_chan_open(f->t, 16992, "amt", "x", 1);
	id = last_msg(f)->sender;
	mps_chan_close(f->t, h);
	struct apf_channel_open_failure fl = {.recipient = id, .reason = 4};
	assert_int_equal(mps_chan_on_failure(f->t, &fl), 0);
	assert_int_equal(f->ne, ne);
	assert_int_equal(mps_chan_count(f->t), 0);

	/* the relay closes from inside its data handler */
	h = open_ok(f, 0xC005, 100, &id);
	f->close_on_data = h;
	assert_int_equal(amt_data(f, id, 'y', 10), 0);
	assert_int_equal(last_msg(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(mps_chan_state(f->t, h), MPS_CHAN_CLOSE_SENT);
	ne = f->ne;
	assert_int_equal(amt_data(f, id, 'z', 10), 0);
	assert_int_equal(f->ne, ne);
	fx_free(f);
}

static void test_oldest_opening(void **state)
{
	(void)state;
	struct fx *f = fx_new(4);
	int h, oldest;
	assert_false(mps_chan_oldest_opening(f->t, &oldest));
	int a = mps_chan_open(f->t, 16992, "amt", "x", 1);
	uint32_t ida = last_msg(f)->sender;
	int b = mps_chan_open(f->t, 16992, "amt", "x", 2);
	assert_true(mps_chan_oldest_opening(f->t, &oldest));
	assert_int_equal(oldest, a);
	assert_int_equal(confirm(f, ida, 1, 100), 0);
	assert_true(mps_chan_oldest_opening(f->t, &h));
	assert_int_equal(h, b);
	fx_free(f);
}

static void test_64_channels(void **state)
{
	(void)state;
	struct fx *f = fx_new(64);
	uint32_t ids[64];
	int h[64];

	for (uint32_t i = 0; i < 64; i++)
		h[i] = open_ok(f, 0xC000 + i, 5000 + i, &ids[i]);
	for (uint32_t i = 0; i < 64; i++)
		for (uint32_t j = i + 1; j < 64; j++)
			assert_int_not_equal(ids[i], ids[j]);
	assert_int_equal(mps_chan_open(f->t, 16992, "amt", "x", 9), -1);
	for (int round = 0; round < 3; round++)
		for (uint32_t i = 0; i < 64; i++) {
			assert_int_equal(amt_data(f, ids[i], (uint8_t)(i + (uint32_t)round), 100), 0);
			assert_int_equal(last_ev(f)->h, h[i]);
			assert_int_equal(last_ev(f)->first, (uint8_t)(i + (uint32_t)round));
		}
	/* one channel's flood is that channel's: the others keep their windows */
	assert_int_equal(amt_data(f, ids[5], 0, WINDOW - 300), 0);
	assert_int_equal(amt_data(f, ids[5], 0, 1), MPS_CHAN_E_WINDOW);
	assert_int_equal(amt_data(f, ids[6], 0, WINDOW - 300), 0);
	for (uint32_t i = 0; i < 64; i++)
		assert_int_equal(mps_chan_writable(f->t, h[i]), 5000 + i);
	for (uint32_t i = 0; i < 64; i++) {
		if (i % 2) {
			mps_chan_close(f->t, h[i]);
			mps_chan_on_close(f->t, ids[i]);
		} else {
			mps_chan_on_close(f->t, ids[i]);
			assert_int_equal(last_ev(f)->ev, MPS_CHAN_CLOSED);
		}
	}
	assert_int_equal(mps_chan_count(f->t), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_refused_and_unexpected_answers),
		cmocka_unit_test(test_amt_window),
		cmocka_unit_test(test_mps_window_and_flood),
		cmocka_unit_test(test_close_races),
		cmocka_unit_test(test_oldest_opening),
		cmocka_unit_test(test_64_channels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
