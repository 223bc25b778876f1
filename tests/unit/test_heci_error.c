// SPDX-License-Identifier: Apache-2.0
/*
 * test_heci_error.c - unit tests for heci_error.c: every libheci error has
 * a name and a message (never NULL, even for values it does not know), the
 * transport errors are told apart, and the one errno translation.
 * (The codec errors are proto's: test_proto_err.c.)
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "heci.h"

/* ---- errors ---- */

static void test_err_strings_never_null(void **state)
{
	(void)state;
	for (int e = 5; e >= HECI_E_MIN - 5; e--) {
		const char *name = heci_err_name(e), *msg = heci_err_message(e);
		assert_non_null(name);
		assert_non_null(msg);
		assert_true(name[0] != '\0');
		assert_true(msg[0] != '\0');
	}
	static const int extremes[] = {INT_MIN, INT_MIN + 1, -1000, 1000, INT_MAX};
	for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); i++) {
		assert_non_null(heci_err_name(extremes[i]));
		assert_non_null(heci_err_message(extremes[i]));
	}
	assert_string_equal(heci_err_name(HECI_OK), "HECI_OK");
	assert_string_equal(heci_err_name(HECI_E_BUSY), "HECI_E_BUSY");
	assert_string_equal(heci_err_name(HECI_E_CLIENT_NOT_FOUND), "HECI_E_CLIENT_NOT_FOUND");
	/* every transport error has its own name */
	for (int a = HECI_E_NO_DEVICE; a >= HECI_E_NOT_READY; a--)
		for (int b = a - 1; b >= HECI_E_NOT_READY; b--)
			assert_string_not_equal(heci_err_name(a), heci_err_name(b));
}

static void test_err_from_errno_table(void **state)
{
	(void)state;
	static const struct {
		int errnum, during_open, want;
	} map[] = {
		{0, 0, HECI_OK},
		{ENOENT, 1, HECI_E_NO_DEVICE},
		{ENXIO, 1, HECI_E_NO_DEVICE},
		{EACCES, 1, HECI_E_ACCESS},
		{EPERM, 1, HECI_E_ACCESS},
		{ENOTTY, 0, HECI_E_CLIENT_NOT_FOUND},
		{EBUSY, 0, HECI_E_BUSY},
		{EBUSY, 1, HECI_E_BUSY},
		{ENODEV, 1, HECI_E_NOT_READY},
		{ENODEV, 0, HECI_E_DISCONNECTED},
		{ETIME, 0, HECI_E_TIMEOUT},
		{ETIMEDOUT, 0, HECI_E_TIMEOUT},
		{EFBIG, 0, HECI_E_TOO_BIG},
		{ENOMEM, 0, HECI_E_NOMEM},
		{EINVAL, 0, HECI_E_INVALID_ARG},
		{EOPNOTSUPP, 0, HECI_E_NOT_SUPPORTED},
		{ECANCELED, 0, HECI_E_CANCELLED},
		{EIO, 0, HECI_E_IO},
		{EPROTO, 0, HECI_E_IO},
		{EMFILE, 1, HECI_E_IO},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(heci_err_from_errno(map[i].errnum, map[i].during_open), map[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_strings_never_null),
		cmocka_unit_test(test_err_from_errno_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
