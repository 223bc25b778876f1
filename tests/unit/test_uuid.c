// SPDX-License-Identifier: Apache-2.0
/*
 * test_uuid.c - the one UUIDv4 generator: RFC 4122 text, version and
 * variant bits, and no repeats.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "uuid.h"

static void test_form(void **state)
{
	(void)state;
	char a[UUID_TEXT_LEN], b[UUID_TEXT_LEN];
	for (int i = 0; i < 64; i++) {
		assert_int_equal(uuid_v4(a), 0);
		assert_int_equal(strlen(a), 36);
		for (int k = 0; k < 36; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23)
				assert_int_equal(a[k], '-');
			else
				assert_true(isxdigit((unsigned char)a[k]) && !isupper((unsigned char)a[k]));
		}
		assert_int_equal(a[14], '4');
		assert_non_null(strchr("89ab", a[19]));
		assert_int_equal(uuid_v4(b), 0);
		assert_string_not_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
