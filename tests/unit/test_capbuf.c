// SPDX-License-Identifier: Apache-2.0
/*
 * test_capbuf.c - the capped growable buffer: grows across many appends,
 * keeps exactly max bytes and says so when input was cut, resets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "capbuf.h"

static void test_grows_and_caps(void **state)
{
	(void)state;
	struct capbuf b;
	char chunk[1000];
	memset(chunk, 'x', sizeof(chunk));
	capbuf_init(&b, 20000);
	for (int i = 0; i < 20; i++)
		assert_int_equal(capbuf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 20000);
	assert_false(b.over);
	assert_int_equal(strlen(b.data), 20000);
	assert_int_equal(capbuf_append(&b, "y", 1), -E2BIG);
	assert_true(b.over);
	assert_int_equal(b.len, 20000);
	capbuf_free(&b);

	capbuf_init(&b, 10);
	assert_int_equal(capbuf_append(&b, "0123456789abc", 13), -E2BIG);
	assert_string_equal(b.data, "0123456789"); /* what fits is kept */
	assert_true(b.over);
	capbuf_reset(&b);
	assert_false(b.over);
	assert_int_equal(b.len, 0);
	assert_int_equal(capbuf_append(&b, "new", 3), 0);
	assert_string_equal(b.data, "new");
	capbuf_free(&b);
}

static void test_empty(void **state)
{
	(void)state;
	struct capbuf b;
	capbuf_init(&b, 0);
	assert_int_equal(capbuf_append(&b, "", 0), 0);
	assert_int_equal(capbuf_append(&b, "a", 1), -E2BIG);
	assert_null(b.data);
	capbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_caps),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
