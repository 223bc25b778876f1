// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_me.c - unit tests for the simulated ME core (tools/sim/sim_me.c):
 * connect rules, write/read semantics, queue order, partial reads, latency,
 * faults (reset, busy, truncate, oversize), wake callbacks and the write
 * (TX) queue limit.
 * Must not: mount anything (test_sim_fuse.c does) or assert upper bounds
 * on timing.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "heci.h"
#include "tools/sim/sim_me.h"

static const uint8_t ECHO_GUID[16] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
				      0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t NO_GUID[16] = {0xee};

/* Handler bookkeeping; handlers run with the ME mutex held. */
struct echo_ctx {
	unsigned connects, disconnects, messages;
	unsigned replies_per_msg; /* 0 = 1 */
};

static void echo_connect(void *ctx, struct sim_conn *c)
{
	((struct echo_ctx *)ctx)->connects++;
}

static void echo_disconnect(void *ctx, struct sim_conn *c)
{
	((struct echo_ctx *)ctx)->disconnects++;
}

/* Reply with the message, then (replies_per_msg > 1) with longer copies
 * tagged by a trailing counter byte, to check queue order. */
static void echo_message(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	struct echo_ctx *e = ctx;
	unsigned n = e->replies_per_msg ? e->replies_per_msg : 1;
	e->messages++;
	sim_conn_reply(c, msg, len);
	for (unsigned i = 1; i < n; i++) {
		uint8_t buf[64];
		memcpy(buf, msg, len);
		buf[len] = (uint8_t)i;
		sim_conn_reply(c, buf, len + 1);
	}
}

struct fixture {
	struct sim_me *me;
	struct echo_ctx echo;
	struct echo_ctx amthi;
};

static int add_clients(struct fixture *fx, unsigned echo_max_conns)
{
	struct sim_client_def e = {
		.name = "echo", .mtu = 32, .proto_ver = 7, .max_conns = echo_max_conns,
		.on_connect = echo_connect, .on_message = echo_message,
		.on_disconnect = echo_disconnect, .ctx = &fx->echo,
	};
	memcpy(e.guid, ECHO_GUID, 16);
	struct sim_client_def a = {
		.name = "amthi", .mtu = 5120, .proto_ver = 1,
		.on_message = echo_message, .ctx = &fx->amthi,
	};
	memcpy(a.guid, HECI_GUID_AMTHI.b, 16);
	if (sim_me_add_client(fx->me, &e) != 0 || sim_me_add_client(fx->me, &a) != 0)
		return -1;
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));
	fx->me = sim_me_new();
	if (!fx->me || add_clients(fx, 1) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	sim_me_free(fx->me);
	test_free(fx);
	return 0;
}

static struct sim_conn *connected(struct fixture *fx, const uint8_t guid[16])
{
	struct sim_conn *c = sim_conn_open(fx->me, NULL, NULL);
	assert_non_null(c);
	assert_int_equal(sim_conn_connect(c, guid, NULL, NULL), 0);
	return c;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Poll until the connection reports `bits`; fail after 5 s (never expected). */
static void wait_poll(struct sim_conn *c, unsigned bits)
{
	uint64_t until = mono_ms() + 5000;
	while ((sim_conn_poll(c) & bits) != bits) {
		assert_true(mono_ms() < until);
		sleep_ms(1);
	}
}

static void test_connect_rules(void **state)
{
	struct fixture *fx = *state;
	uint32_t mtu = 0;
	uint8_t ver = 0;
	struct sim_conn *a = sim_conn_open(fx->me, NULL, NULL);
	struct sim_conn *b = sim_conn_open(fx->me, NULL, NULL);

	assert_int_equal(sim_conn_connect(a, NO_GUID, &mtu, &ver), -ENOTTY);
	assert_null(sim_conn_client(a));
	assert_int_equal(sim_conn_connect(a, ECHO_GUID, &mtu, &ver), 0);
	assert_int_equal(mtu, 32);
	assert_int_equal(ver, 7);
	assert_string_equal(sim_conn_client(a)->name, "echo");
	assert_int_equal(fx->echo.connects, 1);
	/* Already connected, then the per-client limit (max_conns = 1). */
	assert_int_equal(sim_conn_connect(a, ECHO_GUID, &mtu, &ver), -EBUSY);
	assert_int_equal(sim_conn_connect(b, ECHO_GUID, &mtu, &ver), -EBUSY);
	/* Other clients are unaffected; closing frees the slot. */
	struct sim_conn *c = connected(fx, HECI_GUID_AMTHI.b);
	sim_conn_close(a);
	assert_int_equal(fx->echo.disconnects, 1);
	assert_int_equal(sim_conn_connect(b, ECHO_GUID, &mtu, &ver), 0);
	sim_conn_close(b);
	sim_conn_close(c);
	assert_int_equal(fx->echo.disconnects, 2);
}

static void test_write_rules(void **state)
{
	struct fixture *fx = *state;
	uint8_t big[33] = {0};
	uint8_t buf[64];
	struct sim_conn *idle = sim_conn_open(fx->me, NULL, NULL);

	assert_int_equal(sim_conn_write(idle, (const uint8_t *)"x", 1), -ENODEV);
	assert_int_equal(sim_conn_read(idle, buf, sizeof(buf)), -ENODEV);
	assert_int_equal(sim_conn_poll(idle), SIM_POLL_ERR);

	struct sim_conn *c = connected(fx, ECHO_GUID);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_OUT);
	assert_int_equal(sim_conn_write(c, big, sizeof(big)), -EFBIG);
	assert_int_equal(sim_conn_write(c, big, 0), 0);
	assert_int_equal(sim_me_message_count(fx->me), 0);
	assert_int_equal(fx->echo.messages, 0);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(sim_conn_write(c, big, 32), 0); /* exactly the MTU */
	assert_int_equal(sim_me_message_count(fx->me), 1);
	assert_int_equal(sim_conn_read(c, buf, 0), 0);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 32);
	sim_conn_close(c);
	sim_conn_close(idle);
}

static void test_queue_order_and_partial_reads(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[64];
	struct sim_conn *c = connected(fx, ECHO_GUID);

	fx->echo.replies_per_msg = 3;
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"abcdefghij", 10), 0);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_IN | SIM_POLL_OUT);
	/* First message in pieces of 4: 4, 4, 2, nothing of the next one. */
	assert_int_equal(sim_conn_read(c, buf, 4), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(sim_conn_read(c, buf, 4), 4);
	assert_memory_equal(buf, "efgh", 4);
	assert_int_equal(sim_conn_read(c, buf, 4), 2);
	assert_memory_equal(buf, "ij", 2);
	/* Then the replies in the order they were queued, one per read. */
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 11);
	assert_int_equal(buf[10], 1);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 11);
	assert_int_equal(buf[10], 2);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_OUT);
	sim_conn_close(c);
}

/* Wake bookkeeping for tests that use a wake callback. */
struct waker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned wakes;
	struct sim_conn *conn; /* the callback may use its own connection */
	unsigned seen_in, seen_err;
};

static void waker_init(struct waker *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
}

static void waker_destroy(struct waker *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

/* Called without the ME mutex: calling back into sim_me must not deadlock. */
static void on_wake(void *ctx)
{
	struct waker *w = ctx;
	pthread_mutex_lock(&w->mu);
	struct sim_conn *c = w->conn;
	pthread_mutex_unlock(&w->mu);
	unsigned ev = c ? sim_conn_poll(c) : 0;
	pthread_mutex_lock(&w->mu);
	w->wakes++;
	if (ev & SIM_POLL_IN)
		w->seen_in++;
	if (ev & SIM_POLL_ERR)
		w->seen_err++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static unsigned wait_wakes(struct waker *w, unsigned at_least)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&w->mu);
	while (w->wakes < at_least)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
			break;
	unsigned n = w->wakes;
	pthread_mutex_unlock(&w->mu);
	return n;
}

static void test_wake_immediate(void **state)
{
	struct fixture *fx = *state;
	struct waker w;
	uint8_t buf[8];

	waker_init(&w);
	struct sim_conn *c = sim_conn_open(fx->me, on_wake, &w);
	w.conn = c;
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);
	assert_int_equal(w.wakes, 0);
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"hi", 2), 0);
	/* Latency 0: the wake already ran, on this thread, after unlocking. */
	assert_int_equal(w.wakes, 1);
	assert_int_equal(w.seen_in, 1);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 2);
	/* A reply queued from outside a handler wakes too. */
	sim_conn_reply_async(fx->me, c, (const uint8_t *)"async", 5);
	assert_int_equal(w.wakes, 2);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "async", 5);
	sim_conn_close(c);
	waker_destroy(&w);
}

static void test_latency(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	struct waker w;
	uint8_t buf[8];

	waker_init(&w);
	sim_me_get_faults(fx->me, &f);
	f.latency_ms = 30;
	sim_me_set_faults(fx->me, &f);
	struct sim_conn *c = sim_conn_open(fx->me, on_wake, &w);
	w.conn = c;
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);

	uint64_t t0 = mono_ms();
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"late", 4), 0);
	unsigned ev = sim_conn_poll(c);
	long n = sim_conn_read(c, buf, sizeof(buf));
	if (mono_ms() - t0 < 30) { /* only meaningful if we were quick */
		assert_false(ev & SIM_POLL_IN);
		assert_int_equal(n, -EAGAIN);
	}
	/* The scheduler thread makes it readable and wakes us. */
	assert_true(wait_wakes(&w, 1) >= 1);
	wait_poll(c, SIM_POLL_IN);
	assert_true(mono_ms() - t0 >= 30);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 4);
	sim_conn_close(c);
	waker_destroy(&w);
}

/* Closing with delayed replies still queued must not leave the scheduler a
 * dangling connection (ASan would catch it); nor may a wake in flight. */
static void test_close_with_pending_delayed(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	struct waker w;

	waker_init(&w);
	sim_me_get_faults(fx->me, &f);
	for (unsigned round = 0; round < 20; round++) {
		f.latency_ms = round % 3;
		sim_me_set_faults(fx->me, &f);
		struct sim_conn *c = sim_conn_open(fx->me, on_wake, &w);
		pthread_mutex_lock(&w.mu);
		w.conn = c;
		pthread_mutex_unlock(&w.mu);
		assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(sim_conn_write(c, (const uint8_t *)"zz", 2), 0);
		if (round % 2)
			sleep_ms(1);
		sim_conn_close(c);
		pthread_mutex_lock(&w.mu);
		w.conn = NULL;
		pthread_mutex_unlock(&w.mu);
	}
	f.latency_ms = 0;
	sim_me_set_faults(fx->me, &f);
	waker_destroy(&w);
}

static void test_reset_fault(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	struct waker w;
	uint8_t buf[8];

	waker_init(&w);
	sim_me_get_faults(fx->me, &f);
	f.reset_on_request = 2;
	f.reset_count = 2;
	sim_me_set_faults(fx->me, &f);
	struct sim_conn *c = sim_conn_open(fx->me, on_wake, &w);
	w.conn = c;
	struct sim_conn *idle = sim_conn_open(fx->me, NULL, NULL);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);

	assert_int_equal(sim_conn_write(c, (const uint8_t *)"1", 1), 0); /* handled */
	assert_int_equal(fx->echo.messages, 1);
	unsigned before = w.wakes;
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"2", 1), 0); /* resets */
	assert_int_equal(fx->echo.messages, 1);
	assert_int_equal(fx->echo.disconnects, 1);
	assert_true(w.wakes > before);
	assert_true(w.seen_err >= 1);
	/* Queued data is gone; the connection is dead until reopened. */
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), -ENODEV);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_ERR);
	assert_int_equal(sim_conn_write(c, (const uint8_t *)"x", 1), -ENODEV);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), -ENODEV);
	assert_null(sim_conn_client(c));
	sim_conn_close(c);
	assert_int_equal(fx->echo.disconnects, 1); /* not twice */

	/* An open-but-unconnected handle survives; message 3 resets again. */
	assert_int_equal(sim_conn_connect(idle, ECHO_GUID, NULL, NULL), 0);
	assert_int_equal(sim_conn_write(idle, (const uint8_t *)"3", 1), 0);
	assert_int_equal(sim_conn_poll(idle), SIM_POLL_ERR);
	sim_conn_close(idle);

	struct sim_conn *d = connected(fx, ECHO_GUID);
	assert_int_equal(sim_conn_write(d, (const uint8_t *)"4", 1), 0); /* past the window */
	assert_int_equal(sim_conn_read(d, buf, sizeof(buf)), 1);
	assert_int_equal(sim_me_message_count(fx->me), 4);
	/* Reset on demand. */
	sim_me_reset(fx->me);
	assert_int_equal(sim_conn_read(d, buf, sizeof(buf)), -ENODEV);
	sim_conn_close(d);
	waker_destroy(&w);
}

static void test_busy_fault(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	struct sim_conn *c = sim_conn_open(fx->me, NULL, NULL);

	sim_me_get_faults(fx->me, &f);
	f.busy_connects = 2;
	sim_me_set_faults(fx->me, &f);
	/* Unknown GUIDs are refused by the driver before the firmware is asked. */
	assert_int_equal(sim_conn_connect(c, NO_GUID, NULL, NULL), -ENOTTY);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), -EBUSY);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), -EBUSY);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);
	sim_me_get_faults(fx->me, &f);
	assert_int_equal(f.busy_connects, 0);
	sim_conn_close(c);

	f.busy_connects = -1;
	sim_me_set_faults(fx->me, &f);
	c = sim_conn_open(fx->me, NULL, NULL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), -EBUSY);
	f.busy_connects = 0;
	sim_me_set_faults(fx->me, &f);
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);
	sim_conn_close(c);
}

/* An AMTHI-shaped message: version 1.1, reserved, command, length. */
static size_t amthi_msg(uint8_t *b, uint32_t cmd, size_t body)
{
	memset(b, 0, 12 + body);
	b[0] = 1;
	b[1] = 1;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(cmd >> (8 * i));
		b[8 + i] = (uint8_t)(body >> (8 * i));
	}
	for (size_t i = 0; i < body; i++)
		b[12 + i] = (uint8_t)(i + 1);
	return 12 + body;
}

static void test_truncate_oversize(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	uint8_t msg[64], buf[256];
	struct sim_conn *a = connected(fx, HECI_GUID_AMTHI.b);
	struct sim_conn *e = connected(fx, ECHO_GUID);

	sim_me_get_faults(fx->me, &f);
	f.truncate_cmd = 0x0400001A;
	f.oversize_cmd = 0x04000048;
	sim_me_set_faults(fx->me, &f);

	/* The echo makes the "response": the command word carries the bit. */
	size_t n = amthi_msg(msg, 0x0480001A, 20);
	assert_int_equal(sim_conn_write(a, msg, n), 0);
	assert_int_equal(sim_conn_read(a, buf, sizeof(buf)), n / 2);
	assert_memory_equal(buf, msg, n / 2);

	n = amthi_msg(msg, 0x04800048, 8);
	assert_int_equal(sim_conn_write(a, msg, n), 0);
	assert_int_equal(sim_conn_read(a, buf, sizeof(buf)), n + 64);
	assert_memory_equal(buf, msg, n);
	for (size_t i = n; i < n + 64; i++)
		assert_int_equal(buf[i], 0);

	/* Requests (no response bit), other commands, other clients: untouched. */
	n = amthi_msg(msg, 0x0400001A, 20);
	assert_int_equal(sim_conn_write(a, msg, n), 0);
	assert_int_equal(sim_conn_read(a, buf, sizeof(buf)), n);
	n = amthi_msg(msg, 0x04800001, 4);
	assert_int_equal(sim_conn_write(a, msg, n), 0);
	assert_int_equal(sim_conn_read(a, buf, sizeof(buf)), n);
	n = amthi_msg(msg, 0x0480001A, 8);
	assert_int_equal(sim_conn_write(e, msg, n), 0);
	assert_int_equal(sim_conn_read(e, buf, sizeof(buf)), n);

	sim_conn_close(a);
	sim_conn_close(e);
}

/* Message i of the write-queue tests: "q" + two index bytes. */
static void qmsg(uint8_t m[3], unsigned i)
{
	m[0] = 'q';
	m[1] = (uint8_t)(i >> 8);
	m[2] = (uint8_t)i;
}

/* Read the next reply, waiting for the scheduler to feed the client. */
static void read_reply(struct sim_conn *c, unsigned i)
{
	uint8_t buf[8], want[3];
	wait_poll(c, SIM_POLL_IN);
	qmsg(want, i);
	assert_int_equal(sim_conn_read(c, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, want, 3);
}

/* The driver's TX queue: while the host has not read the firmware's answer,
 * the next messages wait; 50 of them (MEI_TX_QUEUE_LIMIT_DEFAULT) fill the
 * queue, the 52nd write gets EAGAIN and poll drops OUT. Reading an answer
 * lets the firmware take the next message, in order. */
static void test_tx_queue_limit(void **state)
{
	struct fixture *fx = *state;
	struct sim_faults f;
	uint8_t m[3];
	struct sim_conn *c = connected(fx, ECHO_GUID);

	sim_me_get_faults(fx->me, &f);
	assert_int_equal(f.tx_queue_limit, SIM_TX_QUEUE_LIMIT_DEFAULT);
	assert_int_equal(SIM_TX_QUEUE_LIMIT_DEFAULT, 50);
	for (unsigned i = 0; i < 51; i++) {
		qmsg(m, i);
		assert_int_equal(sim_conn_write(c, m, sizeof(m)), 0);
	}
	assert_int_equal(fx->echo.messages, 1); /* the firmware took only the first */
	assert_int_equal(sim_conn_poll(c), SIM_POLL_IN); /* readable, not writable */
	qmsg(m, 51);
	assert_int_equal(sim_conn_write(c, m, sizeof(m)), -EAGAIN);
	assert_int_equal(sim_me_message_count(fx->me), 51); /* refused: not sent */

	read_reply(c, 0);
	/* the firmware took message 1: room for one more */
	wait_poll(c, SIM_POLL_OUT);
	assert_int_equal(fx->echo.messages, 2);
	assert_int_equal(sim_conn_write(c, m, sizeof(m)), 0);
	assert_int_equal(sim_conn_poll(c) & SIM_POLL_OUT, 0);
	for (unsigned i = 1; i <= 51; i++)
		read_reply(c, i);
	assert_int_equal(fx->echo.messages, 52);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_OUT);

	/* A smaller limit ([sim] tx_queue_limit); a reset drops what waits. */
	f.tx_queue_limit = 30;
	sim_me_set_faults(fx->me, &f);
	for (unsigned i = 0; i < 31; i++) {
		qmsg(m, i);
		assert_int_equal(sim_conn_write(c, m, sizeof(m)), 0);
	}
	assert_int_equal(sim_conn_write(c, m, sizeof(m)), -EAGAIN);
	sim_me_reset(fx->me);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_ERR);
	assert_int_equal(sim_conn_write(c, m, sizeof(m)), -ENODEV);
	assert_int_equal(fx->echo.messages, 53);
	sim_conn_close(c);

	/* Closing with messages waiting frees them (ASan). */
	c = connected(fx, ECHO_GUID);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(sim_conn_write(c, m, sizeof(m)), 0);
	sim_conn_close(c);
}

static void test_conn_data_and_me(void **state)
{
	struct fixture *fx = *state;
	int tag;
	struct sim_conn *c = sim_conn_open(fx->me, NULL, NULL);

	assert_ptr_equal(sim_conn_me(c), fx->me);
	assert_null(sim_conn_get_data(c));
	sim_conn_set_data(c, &tag);
	assert_ptr_equal(sim_conn_get_data(c), &tag);
	/* Lock/unlock from outside a handler around a reply. */
	assert_int_equal(sim_conn_connect(c, ECHO_GUID, NULL, NULL), 0);
	sim_me_lock(fx->me);
	sim_conn_reply(c, (const uint8_t *)"t", 1);
	sim_me_unlock(fx->me);
	assert_int_equal(sim_conn_poll(c), SIM_POLL_IN | SIM_POLL_OUT);
	sim_conn_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_order_and_partial_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_immediate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_with_pending_delayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conn_data_and_me, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_queue_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
