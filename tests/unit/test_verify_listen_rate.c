// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_listen_rate.c - unit tests for tools/verify/listen_rate.c:
 * the burst and the even refill of one key, keys kept apart (by bytes and
 * by length), buckets forgotten once full again, the bound on remembered
 * keys, a clock that goes back, and invalid arguments.
 * Must not: read a clock or touch the network; time is passed in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "listen_rate.h"

#define T0 INT64_C(1000000)

static const uint8_t K1[4] = {10, 0, 0, 1};
static const uint8_t K2[4] = {10, 0, 0, 2};

/* How many takes succeed back to back at now. */
static unsigned burst(struct listen_rate *r, const void *key, size_t len, int64_t now)
{
	unsigned n = 0;

	while (n < 1000 && listen_rate_take(r, key, len, now))
		n++;
	return n;
}

static void test_burst_then_even_refill(void **state)
{
	struct listen_rate *r = listen_rate_new(6, 100); /* one token every 10 s */

	assert_non_null(r);
	assert_int_equal(burst(r, K1, sizeof(K1), T0), 6);
	assert_false(listen_rate_take(r, K1, sizeof(K1), T0 + 9999));
	assert_true(listen_rate_take(r, K1, sizeof(K1), T0 + 10000));
	assert_false(listen_rate_take(r, K1, sizeof(K1), T0 + 10000));
	/* 25 s later: two more tokens (the half is kept), not three */
	assert_int_equal(burst(r, K1, sizeof(K1), T0 + 35000), 2);
	assert_true(listen_rate_take(r, K1, sizeof(K1), T0 + 40000));
	/* a long silence refills the burst, no more */
	assert_int_equal(burst(r, K1, sizeof(K1), T0 + 3600000), 6);
	listen_rate_free(r);
	(void)state;
}

static void test_keys_apart(void **state)
{
	struct listen_rate *r = listen_rate_new(2, 100);
	uint8_t k1_long[8] = {10, 0, 0, 1, 0, 0, 0, 0};

	assert_int_equal(burst(r, K1, sizeof(K1), T0), 2);
	assert_int_equal(burst(r, K2, sizeof(K2), T0), 2);
	/* same leading bytes, another length: another key */
	assert_int_equal(burst(r, k1_long, sizeof(k1_long), T0), 2);
	assert_int_equal(listen_rate_keys(r), 3);
	assert_false(listen_rate_take(r, K1, sizeof(K1), T0 + 1));
	listen_rate_free(r);
	(void)state;
}

static void test_full_buckets_forgotten(void **state)
{
	struct listen_rate *r = listen_rate_new(60, 100);
	uint8_t k[4] = {0};

	for (k[3] = 0; k[3] < 50; k[3]++)
		assert_true(listen_rate_take(r, k, sizeof(k), T0));
	assert_int_equal(listen_rate_keys(r), 50);
	/* a minute on, every bucket is full again: each take drops two */
	for (int i = 0; i < 30; i++)
		assert_true(listen_rate_take(r, K1, sizeof(K1), T0 + 60000 + i * 1000));
	assert_int_equal(listen_rate_keys(r), 1);
	listen_rate_free(r);
	(void)state;
}

static void test_bounded_keys(void **state)
{
	struct listen_rate *r = listen_rate_new(1, 4);
	uint8_t k[4] = {0};

	/* many sources in one instant: memory stays at four buckets */
	for (unsigned i = 0; i < 1000; i++) {
		k[2] = (uint8_t)(i >> 8);
		k[3] = (uint8_t)i;
		assert_true(listen_rate_take(r, k, sizeof(k), T0));
		assert_true(listen_rate_keys(r) <= 4);
	}
	/* the most recent keys are remembered (and empty), the oldest forgotten */
	assert_false(listen_rate_take(r, k, sizeof(k), T0 + 1));
	k[2] = 0;
	k[3] = 0;
	assert_true(listen_rate_take(r, k, sizeof(k), T0 + 1));
	listen_rate_free(r);
	(void)state;
}

static void test_clock_back_and_bad_input(void **state)
{
	struct listen_rate *r = listen_rate_new(1, 10);
	uint8_t big[LISTEN_RATE_KEY_MAX + 1] = {0};

	assert_true(listen_rate_take(r, K1, sizeof(K1), T0));
	assert_false(listen_rate_take(r, K1, sizeof(K1), T0 - 120000)); /* no refill backwards */
	assert_false(listen_rate_take(r, K1, sizeof(K1), T0 + 59999));
	assert_true(listen_rate_take(r, K1, sizeof(K1), T0 + 60000));
	assert_false(listen_rate_take(r, big, sizeof(big), T0));
	assert_false(listen_rate_take(r, K1, 0, T0));
	assert_false(listen_rate_take(NULL, K1, sizeof(K1), T0));
	assert_null(listen_rate_new(0, 10));
	assert_null(listen_rate_new(LISTEN_RATE_MAX_PER_MINUTE + 1, 10));
	assert_null(listen_rate_new(1, 0));
	listen_rate_free(r);
	listen_rate_free(NULL);
	(void)state;
}

static void test_highest_rate(void **state)
{
	struct listen_rate *r = listen_rate_new(LISTEN_RATE_MAX_PER_MINUTE, 2);

	assert_int_equal(burst(r, K1, sizeof(K1), T0), 1000); /* burst() stops at 1000 */
	/* a year of silence neither overflows nor exceeds the burst */
	assert_true(listen_rate_take(r, K1, sizeof(K1), T0 + INT64_C(31536000000)));
	listen_rate_free(r);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_even_refill),
		cmocka_unit_test(test_keys_apart),
		cmocka_unit_test(test_full_buckets_forgotten),
		cmocka_unit_test(test_bounded_keys),
		cmocka_unit_test(test_clock_back_and_bad_input),
		cmocka_unit_test(test_highest_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
