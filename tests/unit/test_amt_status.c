// SPDX-License-Identifier: Apache-2.0
/*
 * test_amt_status.c - unit tests for proto/amt_status.c.
 *
 * Owns: the names and meanings users read in failure lines ("GetUUID:
 * NOT_PERMITTED: not permitted by the firmware's policy"), the fallback for
 * a status the table does not know, and that the fallback buffer is per
 * thread, so two threads naming unknown statuses do not see each other's.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "amt_status.h"

static void test_known_names(void **state)
{
	(void)state;
	assert_string_equal(amt_status_name(AMT_STATUS_SUCCESS), "SUCCESS");
	assert_string_equal(amt_status_name(AMT_STATUS_NOT_READY), "NOT_READY");
	assert_string_equal(amt_status_name(AMT_STATUS_NOT_PERMITTED), "NOT_PERMITTED");
	assert_string_equal(amt_status_name(AMT_STATUS_INVALID_AMT_MODE), "INVALID_AMT_MODE");
	assert_string_equal(amt_status_name(AMT_STATUS_DISABLED_BY_POLICY), "DISABLED_BY_POLICY");
	assert_string_equal(amt_status_name(AMT_STATUS_INTERFACE_DOES_NOT_EXIST),
			    "INTERFACE_DOES_NOT_EXIST");
	assert_string_equal(amt_status_message(AMT_STATUS_NOT_PERMITTED),
			    "not permitted by the firmware's policy");
	assert_string_equal(amt_status_message(AMT_STATUS_SUCCESS), "");
}

static void test_unknown_status(void **state)
{
	(void)state;
	assert_string_equal(amt_status_name(0x1234), "STATUS_0x1234");
	assert_string_equal(amt_status_name(0xFFFFFFFFu), "STATUS_0xFFFFFFFF");
	assert_string_equal(amt_status_message(0x1234), "");
}

static void *name_in_thread(void *arg)
{
	const char *name = amt_status_name(0xBEEF);
	(void)arg;
	return (void *)(strcmp(name, "STATUS_0xBEEF") == 0 ? name : NULL);
}

static void test_unknown_buffer_is_per_thread(void **state)
{
	pthread_t t;
	void *other = NULL;
	(void)state;
	const char *mine = amt_status_name(0xCAFE);
	assert_int_equal(pthread_create(&t, NULL, name_in_thread, NULL), 0);
	assert_int_equal(pthread_join(t, &other), 0);
	assert_non_null(other);
	assert_ptr_not_equal(mine, other);
	assert_string_equal(mine, "STATUS_0xCAFE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_names),
		cmocka_unit_test(test_unknown_status),
		cmocka_unit_test(test_unknown_buffer_is_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
