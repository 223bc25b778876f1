// SPDX-License-Identifier: Apache-2.0
/*
 * test_proto_err.c - unit tests for proto/proto_err.c and for the promise
 * heci_error.h makes about it.
 *
 * Owns: every codec error has its own name and a message, unknown values
 * get a fallback (never NULL), and libheci's codec errors are proto's
 * numbers with proto's words, so a codec result passed through libheci
 * means the same thing under either name.
 * Must not: depend on a codec.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "heci_error.h"
#include "proto_err.h"

static const struct {
	int proto, heci;
	const char *name;
} codes[] = {
	{PROTO_E_INVALID_ARG, HECI_E_INVALID_ARG, "PROTO_E_INVALID_ARG"},
	{PROTO_E_NOT_SUPPORTED, HECI_E_NOT_SUPPORTED, "PROTO_E_NOT_SUPPORTED"},
	{PROTO_E_SHORT, HECI_E_SHORT, "PROTO_E_SHORT"},
	{PROTO_E_LENGTH_MISMATCH, HECI_E_LENGTH_MISMATCH, "PROTO_E_LENGTH_MISMATCH"},
	{PROTO_E_BAD_VERSION, HECI_E_BAD_VERSION, "PROTO_E_BAD_VERSION"},
	{PROTO_E_BAD_RESERVED, HECI_E_BAD_RESERVED, "PROTO_E_BAD_RESERVED"},
	{PROTO_E_BAD_COMMAND, HECI_E_BAD_COMMAND, "PROTO_E_BAD_COMMAND"},
	{PROTO_E_TRAILING, HECI_E_TRAILING, "PROTO_E_TRAILING"},
	{PROTO_E_BAD_VALUE, HECI_E_BAD_VALUE, "PROTO_E_BAD_VALUE"},
	{PROTO_E_EMPTY, HECI_E_EMPTY, "PROTO_E_EMPTY"},
	{PROTO_E_NOSPACE, HECI_E_NOSPACE, "PROTO_E_NOSPACE"},
	{PROTO_E_TOO_LARGE, HECI_E_TOO_LARGE, "PROTO_E_TOO_LARGE"},
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

static void test_names_and_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCODES; i++) {
		assert_string_equal(proto_err_name(codes[i].proto), codes[i].name);
		const char *msg = proto_err_message(codes[i].proto);
		assert_non_null(msg);
		assert_true(msg[0] != '\0');
		assert_string_not_equal(msg, "unknown error");
		assert_true(proto_err_is_codec(codes[i].proto));
		for (size_t j = i + 1; j < NCODES; j++) {
			assert_int_not_equal(codes[i].proto, codes[j].proto);
			assert_string_not_equal(msg, proto_err_message(codes[j].proto));
		}
	}
	assert_string_equal(proto_err_name(PROTO_OK), "PROTO_OK");
	assert_false(proto_err_is_codec(PROTO_OK));
}

static void test_unknown_values(void **state)
{
	(void)state;
	/* libheci-only numbers are not proto's: no name is borrowed for them */
	static const int others[] = {INT_MIN, -1000, -31, -27, -14, -12, -10, -1, 1, 1000, INT_MAX};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		assert_string_equal(proto_err_name(others[i]), "PROTO_E_UNKNOWN");
		assert_string_equal(proto_err_message(others[i]), "unknown error");
		assert_false(proto_err_is_codec(others[i]));
	}
}

/* libheci passes codec results through: same number, same words. */
static void test_heci_codec_errors_are_protos(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCODES; i++) {
		assert_int_equal(codes[i].heci, codes[i].proto);
		assert_string_equal(heci_err_message(codes[i].heci), proto_err_message(codes[i].proto));
		/* libheci keeps its own prefix for them: HECI_E_SHORT for PROTO_E_SHORT */
		assert_memory_equal(heci_err_name(codes[i].heci), "HECI_E_", 7);
		assert_string_equal(heci_err_name(codes[i].heci) + 7, codes[i].name + 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_messages),
		cmocka_unit_test(test_unknown_values),
		cmocka_unit_test(test_heci_codec_errors_are_protos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
