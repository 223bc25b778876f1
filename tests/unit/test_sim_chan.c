// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_chan.c - AMT's APF channel table (tools/sim/sim_chan.c) on its
 * own: every message it sends is recorded and checked, nothing touches a
 * socket. Windows both ways (exhaustion and credit), the close handshake
 * and its races (both sides at once, data after close, stale ids, a close
 * while connecting), and 64 channels at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/sim/sim_chan.h"

#define MAX_SENT 512

struct sent {
	uint8_t type;
	uint32_t recipient, sender, window, reason, bytes;
	uint8_t data[9000];
	uint32_t len;
};

struct rec {
	struct sent m[MAX_SENT];
	unsigned n;
};

static void record(void *arg, const struct apf_msg *m)
{
	struct rec *r = arg;
	assert_true(r->n < MAX_SENT);
	struct sent *s = &r->m[r->n++];
	memset(s, 0, sizeof(*s));
	s->type = m->type;
	switch (m->type) {
	case APF_CHANNEL_OPEN_CONFIRMATION:
		s->recipient = m->open_confirmation.recipient;
		s->sender = m->open_confirmation.sender;
		s->window = m->open_confirmation.window;
		assert_int_equal(m->open_confirmation.reserved, APF_RESERVED_ALL_ONES);
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		s->recipient = m->open_failure.recipient;
		s->reason = m->open_failure.reason;
		break;
	case APF_CHANNEL_WINDOW_ADJUST:
		s->recipient = m->window_adjust.recipient;
		s->bytes = m->window_adjust.bytes_to_add;
		break;
	case APF_CHANNEL_DATA:
		s->recipient = m->channel_data.recipient;
		assert_true(m->channel_data.len <= sizeof(s->data));
		memcpy(s->data, m->channel_data.data, m->channel_data.len);
		s->len = m->channel_data.len;
		break;
	case APF_CHANNEL_CLOSE:
		s->recipient = m->channel_close.recipient;
		break;
	default:
		fail_msg("unexpected message %u", m->type);
	}
}

struct fx {
	struct rec rec;
	struct sim_chan_table *t;
};

#define WINDOW 4096u
#define MAX_DATA 1000u

static struct fx *fx_new_at(unsigned max_channels, bool stall, uint32_t credit_at)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sim_chan_cfg cfg = {.window = WINDOW,
				   .max_data = MAX_DATA,
				   .max_channels = max_channels,
				   .id_base = 0xC000,
				   .no_window_adjust = stall,
				   .credit_at = credit_at};
	struct sim_chan_hooks h = {.arg = &f->rec, .send = record};
	f->t = sim_chan_table_new(&cfg, &h);
	assert_non_null(f->t);
	return f;
}

static struct fx *fx_new(unsigned max_channels, bool stall)
{
	return fx_new_at(max_channels, stall, 0);
}

static void fx_free(struct fx *f)
{
	sim_chan_table_free(f->t);
	free(f);
}

static const struct sent *last(const struct fx *f)
{
	assert_true(f->rec.n > 0);
	return &f->rec.m[f->rec.n - 1];
}

static struct apf_channel_open open_msg(uint32_t sender, uint32_t port, uint32_t window)
{
	return (struct apf_channel_open){.kind = APF_CHAN_FORWARDED,
					 .sender = sender,
					 .window = window,
					 .reserved = APF_RESERVED_ALL_ONES,
					 .addr = APF_STR("amt.example"),
					 .port = port,
					 .orig_addr = APF_STR("10.0.0.1"),
					 .orig_port = 40000};
}

/* Open a channel from peer id `sender` and confirm it; returns the slot,
 * *amt_id gets AMT's id. */
static int open_ok(struct fx *f, uint32_t sender, uint32_t peer_window, uint32_t *amt_id)
{
	struct apf_channel_open o = open_msg(sender, 16992, peer_window);
	int h = sim_chan_on_open(f->t, &o);
	assert_true(h >= 0);
	assert_int_equal(sim_chan_state(f->t, h), SIM_CHAN_CONNECTING);
	assert_int_equal(sim_chan_port(f->t, h), 16992);
	assert_false(sim_chan_has_stream(f->t, h));
	uint32_t id = sim_chan_id(f->t, h);
	assert_true(sim_chan_open_done(f->t, h, id, true, 0));
	const struct sent *s = last(f);
	assert_int_equal(s->type, APF_CHANNEL_OPEN_CONFIRMATION);
	assert_int_equal(s->recipient, sender);
	assert_int_equal(s->sender, id);
	assert_int_equal(s->window, WINDOW);
	assert_int_equal(sim_chan_state(f->t, h), SIM_CHAN_OPEN);
	assert_true(sim_chan_has_stream(f->t, h));
	if (amt_id)
		*amt_id = id;
	return h;
}

static int data(struct fx *f, uint32_t id, const void *p, uint32_t len)
{
	struct apf_channel_data d = {.recipient = id, .data = p, .len = len};
	return sim_chan_on_data(f->t, &d);
}

static void adjust(struct fx *f, uint32_t id, uint32_t bytes)
{
	struct apf_channel_window_adjust w = {.recipient = id, .bytes_to_add = bytes};
	sim_chan_on_window_adjust(f->t, &w);
}

/* ---- tests ---- */

static void test_open_refusals(void **state)
{
	(void)state;
	struct fx *f = fx_new(2, false);
	struct apf_channel_open o = open_msg(7, 16992, 100);

	o.kind = APF_CHAN_DIRECT;
	assert_int_equal(sim_chan_on_open(f->t, &o), -1);
	assert_int_equal(last(f)->type, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(last(f)->recipient, 7);
	assert_int_equal(last(f)->reason, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);

	/* the caller refuses (port not served): failure with its reason, slot free */
	o.kind = APF_CHAN_FORWARDED;
	int h = sim_chan_on_open(f->t, &o);
	assert_true(h >= 0);
	assert_true(sim_chan_open_done(f->t, h, sim_chan_id(f->t, h), false,
				       APF_OPEN_FAILURE_CONNECT_FAILED));
	assert_int_equal(last(f)->type, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(last(f)->reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	assert_int_equal(sim_chan_count(f->t), 0);

	/* full table: resource shortage */
	open_ok(f, 1, 100, NULL);
	open_ok(f, 2, 100, NULL);
	o.sender = 3;
	assert_int_equal(sim_chan_on_open(f->t, &o), -1);
	assert_int_equal(last(f)->reason, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
	assert_int_equal(last(f)->recipient, 3);
	fx_free(f);
}

/* The peer fills AMT's window exactly; one byte more is a protocol error;
 * what the stream takes comes back as WINDOW_ADJUST. */
static void test_amt_window_exhaustion(void **state)
{
	(void)state;
	struct fx *f = fx_new(4, false);
	uint8_t big[WINDOW + 1];
	const uint8_t *p;
	uint32_t id;
	int h = open_ok(f, 9, 100, &id);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(data(f, id, big, 1000), 0);
	assert_int_equal(data(f, id, big + 1000, WINDOW - 1000), 0);
	assert_int_equal(sim_chan_pending(f->t, h, &p), WINDOW);
	assert_memory_equal(p, big, WINDOW);
	unsigned before = f->rec.n;
	assert_int_equal(data(f, id, big, 1), SIM_CHAN_E_WINDOW);
	assert_int_equal(f->rec.n, before); /* nothing sent: the caller disconnects */

	/* the stream takes 1500: exactly that much credit */
	sim_chan_to_stream_done(f->t, h, 1500);
	assert_int_equal(last(f)->type, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(last(f)->recipient, 9);
	assert_int_equal(last(f)->bytes, 1500);
	assert_int_equal(sim_chan_pending(f->t, h, &p), WINDOW - 1500);
	assert_int_equal(p[0], (uint8_t)1500);
	assert_int_equal(data(f, id, big, 1501), SIM_CHAN_E_WINDOW);
	assert_int_equal(data(f, id, big, 1500), 0); /* wraps to the front of the buffer */
	assert_int_equal(sim_chan_pending(f->t, h, &p), WINDOW);
	assert_int_equal(p[WINDOW - 1500], 0);
	assert_int_equal(p[WINDOW - 1], (uint8_t)1499);
	sim_chan_to_stream_done(f->t, h, WINDOW);
	assert_int_equal(sim_chan_pending(f->t, h, &p), 0);
	fx_free(f);
}

/* AMT sends at most the peer's window, in pieces of at most max_data. */
static void test_peer_window_exhaustion(void **state)
{
	(void)state;
	struct fx *f = fx_new(4, false);
	uint8_t buf[2500];
	uint32_t id;
	int h = open_ok(f, 9, 2500, &id);

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sim_chan_room(f->t, h), MAX_DATA);
	unsigned before = f->rec.n;
	sim_chan_from_stream(f->t, h, buf, MAX_DATA);
	sim_chan_from_stream(f->t, h, buf, MAX_DATA);
	assert_int_equal(sim_chan_room(f->t, h), 500);
	sim_chan_from_stream(f->t, h, buf, 500);
	assert_int_equal(f->rec.n, before + 3);
	assert_int_equal(last(f)->type, APF_CHANNEL_DATA);
	assert_int_equal(last(f)->recipient, 9);
	assert_int_equal(last(f)->len, 500);
	assert_int_equal(sim_chan_room(f->t, h), 0);

	adjust(f, id, 300);
	assert_int_equal(sim_chan_room(f->t, h), 300);
	adjust(f, id, 0xFFFFFFFFu); /* capped, never wraps */
	assert_int_equal(sim_chan_room(f->t, h), MAX_DATA);
	adjust(f, id, 0xFFFFFFFFu);
	assert_int_equal(sim_chan_room(f->t, h), MAX_DATA);
	/* a driver asking for more than the room sends pieces within it */
	before = f->rec.n;
	sim_chan_from_stream(f->t, h, buf, 2500);
	assert_int_equal(f->rec.n, before + 3);
	assert_int_equal(f->rec.m[before].len, MAX_DATA);
	assert_int_equal(f->rec.m[before + 2].len, 500);
	fx_free(f);
}

/* With credit_at, AMT credits once that much is owed, all of it at once. */
static void test_credit_in_halves(void **state)
{
	(void)state;
	struct fx *f = fx_new_at(1, false, WINDOW / 2);
	uint8_t b[WINDOW] = {0};
	uint32_t id;
	int h = open_ok(f, 1, 100, &id);
	unsigned before = f->rec.n;

	assert_int_equal(data(f, id, b, 1500), 0);
	sim_chan_to_stream_done(f->t, h, 1500);
	assert_int_equal(f->rec.n, before); /* 1500 < 2048: nothing yet */
	assert_int_equal(data(f, id, b, WINDOW - 1500), 0); /* the rest of the window */
	assert_int_equal(data(f, id, b, 1), SIM_CHAN_E_WINDOW);
	sim_chan_to_stream_done(f->t, h, 600);
	assert_int_equal(last(f)->type, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(last(f)->bytes, 2100);
	assert_int_equal(data(f, id, b, 2100), 0);
	assert_int_equal(data(f, id, b, 1), SIM_CHAN_E_WINDOW);
	fx_free(f);
}

static void test_stall_fault_sends_no_credit(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, true);
	uint8_t b[100] = {0};
	uint32_t id;
	int h = open_ok(f, 1, 100, &id);
	unsigned before = f->rec.n;
	for (uint32_t sent = 0; sent < WINDOW; sent += 100) {
		assert_int_equal(data(f, id, b, 100 < WINDOW - sent ? 100 : WINDOW - sent), 0);
		sim_chan_to_stream_done(f->t, h, 100 < WINDOW - sent ? 100 : WINDOW - sent);
	}
	assert_int_equal(f->rec.n, before); /* no credit went out ... */
	assert_int_equal(data(f, id, b, 1), SIM_CHAN_E_WINDOW); /* ... so the window is spent */
	sim_chan_set_no_window_adjust(f->t, false);
	fx_free(f);
}

/* The service closes: AMT sends CLOSE and waits; data after it is dropped
 * (even past the window), and the peer's CLOSE frees the slot unanswered. */
static void test_close_from_amt(void **state)
{
	(void)state;
	struct fx *f = fx_new(2, false);
	uint8_t big[WINDOW * 2] = {0};
	uint32_t id;
	int h = open_ok(f, 5, 100, &id);

	sim_chan_stream_ended(f->t, h);
	assert_int_equal(last(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(last(f)->recipient, 5);
	assert_int_equal(sim_chan_state(f->t, h), SIM_CHAN_CLOSE_SENT);
	assert_true(sim_chan_finished(f->t, h));
	assert_int_equal(sim_chan_room(f->t, h), 0);
	sim_chan_release(f->t, h);
	assert_false(sim_chan_has_stream(f->t, h));
	unsigned before = f->rec.n;
	assert_int_equal(data(f, id, big, sizeof(big)), 0); /* in flight when we closed */
	adjust(f, id, 10);
	assert_int_equal(sim_chan_count(f->t), 1); /* the id is held until the answer */
	sim_chan_on_close(f->t, id);
	assert_int_equal(f->rec.n, before); /* no answer to an answer */
	assert_int_equal(sim_chan_count(f->t), 0);
	sim_chan_on_close(f->t, id); /* a repeat: ignored */
	assert_int_equal(f->rec.n, before);
	fx_free(f);
}

/* The peer closes: AMT answers at once, still writes what it buffered to
 * the stream, then the stream is finished. */
static void test_close_from_peer_flushes(void **state)
{
	(void)state;
	struct fx *f = fx_new(2, false);
	const uint8_t *p;
	uint32_t id;
	int h = open_ok(f, 5, 100, &id);

	assert_int_equal(data(f, id, "GET / HTTP/1.1\r\n\r\n", 18), 0);
	sim_chan_on_close(f->t, id);
	assert_int_equal(last(f)->type, APF_CHANNEL_CLOSE);
	assert_int_equal(last(f)->recipient, 5);
	assert_int_equal(sim_chan_state(f->t, h), SIM_CHAN_PEER_CLOSED);
	assert_false(sim_chan_finished(f->t, h));
	assert_int_equal(sim_chan_room(f->t, h), 0); /* nothing goes back */
	assert_int_equal(sim_chan_pending(f->t, h, &p), 18);
	unsigned before = f->rec.n;
	sim_chan_on_close(f->t, id); /* repeated: no second answer */
	assert_int_equal(data(f, id, "x", 1), 0);
	sim_chan_to_stream_done(f->t, h, 10); /* no credit for a closed channel */
	assert_int_equal(f->rec.n, before);
	sim_chan_to_stream_done(f->t, h, 8);
	assert_true(sim_chan_finished(f->t, h));
	sim_chan_release(f->t, h);
	assert_int_equal(sim_chan_count(f->t), 0);
	/* the stream failing before the flush ends finishes it too */
	h = open_ok(f, 6, 100, &id);
	assert_int_equal(data(f, id, "abc", 3), 0);
	sim_chan_on_close(f->t, id);
	sim_chan_stream_ended(f->t, h);
	assert_true(sim_chan_finished(f->t, h));
	sim_chan_release(f->t, h);
	assert_int_equal(sim_chan_count(f->t), 0);
	fx_free(f);
}

/* Both sides close at once: each CLOSE answers the other; no third. */
static void test_close_both_at_once(void **state)
{
	(void)state;
	struct fx *f = fx_new(2, false);
	uint32_t id;
	int h = open_ok(f, 5, 100, &id);
	unsigned before = f->rec.n;

	sim_chan_stream_ended(f->t, h);  /* ours goes out ... */
	sim_chan_on_close(f->t, id);     /* ... as theirs arrives */
	assert_int_equal(f->rec.n, before + 1);
	assert_true(sim_chan_finished(f->t, h));
	sim_chan_release(f->t, h);
	assert_int_equal(sim_chan_count(f->t), 0);

	/* the other order: theirs first, then the stream ends */
	h = open_ok(f, 6, 100, &id);
	before = f->rec.n;
	sim_chan_on_close(f->t, id);
	sim_chan_stream_ended(f->t, h);
	assert_int_equal(f->rec.n, before + 1);
	sim_chan_release(f->t, h);
	assert_int_equal(sim_chan_count(f->t), 0);
	fx_free(f);
}

/* Ids are not reused: a message for an old channel never reaches the new
 * one in its slot; unknown ids are ignored; a session end while a connect
 * is in progress leaves the late connect to the caller. */
static void test_stale_ids_and_abort(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, false);
	const uint8_t *p;
	uint32_t old_id, new_id;
	int h = open_ok(f, 5, 100, &old_id);

	sim_chan_on_close(f->t, old_id);
	sim_chan_release(f->t, h);
	int h2 = open_ok(f, 5, 100, &new_id);
	assert_int_equal(h2, h);
	assert_int_not_equal(old_id, new_id);
	unsigned before = f->rec.n;
	assert_int_equal(data(f, old_id, "stale", 5), 0);
	sim_chan_on_close(f->t, old_id);
	sim_chan_on_close(f->t, 0x12345);
	assert_int_equal(f->rec.n, before);
	assert_int_equal(sim_chan_pending(f->t, h2, &p), 0);
	assert_int_equal(sim_chan_state(f->t, h2), SIM_CHAN_OPEN);

	/* the session ends: the stream must be closed, nothing is sent */
	sim_chan_abort_all(f->t);
	assert_int_equal(sim_chan_state(f->t, h2), SIM_CHAN_DEAD);
	assert_true(sim_chan_finished(f->t, h2));
	assert_int_equal(sim_chan_room(f->t, h2), 0);
	assert_int_equal(f->rec.n, before);
	sim_chan_release(f->t, h2);
	assert_int_equal(sim_chan_count(f->t), 0);

	/* a connect that ends after the session did */
	struct apf_channel_open o = open_msg(8, 16992, 100);
	h = sim_chan_on_open(f->t, &o);
	uint32_t id = sim_chan_id(f->t, h);
	sim_chan_abort_all(f->t);
	assert_false(sim_chan_open_done(f->t, h, id, true, 0));
	/* ... or after its slot went to another channel */
	h = sim_chan_on_open(f->t, &o);
	id = sim_chan_id(f->t, h);
	sim_chan_abort_all(f->t);
	o.sender = 9;
	int h3 = sim_chan_on_open(f->t, &o);
	assert_int_equal(h3, h);
	assert_false(sim_chan_open_done(f->t, h, id, true, 0));
	assert_true(sim_chan_open_done(f->t, h3, sim_chan_id(f->t, h3), true, 0));
	assert_int_equal(last(f)->recipient, 9);
	fx_free(f);
}

/* 64 channels at once: each keeps its own bytes and windows. */
static void test_64_channels(void **state)
{
	(void)state;
	struct fx *f = fx_new(64, false);
	uint32_t ids[64];
	int h[64];
	const uint8_t *p;

	for (uint32_t i = 0; i < 64; i++)
		h[i] = open_ok(f, 100 + i, 1000 + i, &ids[i]);
	for (uint32_t i = 0; i < 64; i++)
		for (uint32_t j = i + 1; j < 64; j++)
			assert_int_not_equal(ids[i], ids[j]);
	struct apf_channel_open o = open_msg(999, 16992, 100);
	assert_int_equal(sim_chan_on_open(f->t, &o), -1);
	assert_int_equal(last(f)->reason, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);

	/* interleaved: three rounds over every channel */
	for (int round = 0; round < 3; round++)
		for (uint32_t i = 0; i < 64; i++) {
			uint8_t b[10];
			memset(b, (int)(i * 3 + (uint32_t)round), sizeof(b));
			assert_int_equal(data(f, ids[i], b, sizeof(b)), 0);
		}
	for (uint32_t i = 0; i < 64; i++) {
		assert_int_equal(sim_chan_pending(f->t, h[i], &p), 30);
		for (int round = 0; round < 3; round++)
			assert_int_equal(p[round * 10 + 9], (uint8_t)(i * 3 + (uint32_t)round));
		assert_int_equal(sim_chan_room(f->t, h[i]), MAX_DATA < 1000 + i ? MAX_DATA : 1000 + i);
	}
	/* filling one channel's window leaves the others alone */
	uint8_t fill[WINDOW];
	memset(fill, 0, sizeof(fill));
	assert_int_equal(data(f, ids[10], fill, WINDOW - 30), 0);
	assert_int_equal(data(f, ids[10], fill, 1), SIM_CHAN_E_WINDOW);
	assert_int_equal(data(f, ids[11], fill, WINDOW - 30), 0);
	/* closing them all, half from each side */
	for (uint32_t i = 0; i < 64; i++) {
		if (i % 2) {
			sim_chan_stream_ended(f->t, h[i]);
			sim_chan_release(f->t, h[i]);
			sim_chan_on_close(f->t, ids[i]);
		} else {
			sim_chan_on_close(f->t, ids[i]);
			sim_chan_to_stream_done(f->t, h[i], sim_chan_pending(f->t, h[i], &p));
			assert_true(sim_chan_finished(f->t, h[i]));
			sim_chan_release(f->t, h[i]);
		}
	}
	assert_int_equal(sim_chan_count(f->t), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_amt_window_exhaustion),
		cmocka_unit_test(test_peer_window_exhaustion),
		cmocka_unit_test(test_credit_in_halves),
		cmocka_unit_test(test_stall_fault_sends_no_credit),
		cmocka_unit_test(test_close_from_amt),
		cmocka_unit_test(test_close_from_peer_flushes),
		cmocka_unit_test(test_close_both_at_once),
		cmocka_unit_test(test_stale_ids_and_abort),
		cmocka_unit_test(test_64_channels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
