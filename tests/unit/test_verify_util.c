// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_util.c - unit tests for tools/verify/verify_util.c: ISO-8601
 * and duration parsing for --since, event time formatting, listen address
 * parsing, UUID text, and the secret-file rules (mode, size, newline).
 * Must not: touch the network; files live in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "verify.h"

#define T0 INT64_C(1795341600000) /* 2026-11-22T10:00:00Z */

static void test_time_iso(void **state)
{
	char t[VERIFY_TIME_LEN];

	verify_time_iso(T0 + 7, t);
	assert_string_equal(t, "2026-11-22T10:00:00.007Z");
	verify_time_iso(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	(void)state;
}

static void test_parse_time(void **state)
{
	int64_t v;
	static const char *const bad[] = {"", "10", "10x", "m", "2026-11-22T10", "2026-13-01",
					  "2026-11-22T25:00Z", "2026-11-22T10:00:00Zjunk",
					  "2026-11-22T10:00:00.Z", "-5m", "2026/11/22"};

	assert_int_equal(verify_parse_time("2026-11-22T10:00:00Z", 0, &v), 0);
	assert_true(v == T0);
	assert_int_equal(verify_parse_time("2026-11-22T10:00:00.250Z", 0, &v), 0);
	assert_true(v == T0 + 250);
	assert_int_equal(verify_parse_time("2026-11-22T11:30:00+01:30", 0, &v), 0);
	assert_true(v == T0);
	assert_int_equal(verify_parse_time("2026-11-22T08:00-0200", 0, &v), 0);
	assert_true(v == T0);
	assert_int_equal(verify_parse_time("2026-11-22T10:00", 0, &v), 0);
	assert_true(v == T0);
	assert_int_equal(verify_parse_time("2026-11-22", 0, &v), 0);
	assert_true(v == T0 - 10 * 3600 * 1000);
	assert_int_equal(verify_parse_time("10m", T0, &v), 0);
	assert_true(v == T0 - 600 * 1000);
	assert_int_equal(verify_parse_time("2h", T0, &v), 0);
	assert_true(v == T0 - 7200 * 1000);
	assert_int_equal(verify_parse_time("90s", T0, &v), 0);
	assert_true(v == T0 - 90 * 1000);
	assert_int_equal(verify_parse_time("7d", T0, &v), 0);
	assert_true(v == T0 - INT64_C(7) * 86400 * 1000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(verify_parse_time(bad[i], T0, &v), -1);
	(void)state;
}

static void test_listen_addr(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256], s[80];

	assert_int_equal(verify_parse_listen_addr("127.0.0.1", 9971, &ss, &len, err, sizeof(err)), 0);
	verify_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:9971");
	assert_int_equal(verify_parse_listen_addr("127.0.0.1:0", 9971, &ss, &len, err, sizeof(err)),
			 0);
	verify_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s));
	assert_string_equal(s, "127.0.0.1:0");
	assert_int_equal(verify_parse_listen_addr(":4433", 1, &ss, &len, err, sizeof(err)), 0);
	verify_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s));
	assert_string_equal(s, "0.0.0.0:4433");
	assert_int_equal(verify_parse_listen_addr("[::1]:5", 1, &ss, &len, err, sizeof(err)), 0);
	verify_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s));
	assert_string_equal(s, "[::1]:5");
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(verify_parse_listen_addr("::", 4433, &ss, &len, err, sizeof(err)), 0);
	verify_sockaddr_str((struct sockaddr *)&ss, s, sizeof(s));
	assert_string_equal(s, "[::]:4433");
	assert_int_equal(verify_parse_listen_addr("localhost:1", 1, &ss, &len, err, sizeof(err)),
			 -1);
	assert_int_equal(verify_parse_listen_addr("1.2.3.4:70000", 1, &ss, &len, err, sizeof(err)),
			 -1);
	assert_int_equal(verify_parse_listen_addr("1.2.3.4:", 1, &ss, &len, err, sizeof(err)), -1);
	assert_int_equal(verify_parse_listen_addr("[::1", 1, &ss, &len, err, sizeof(err)), -1);
	(void)state;
}

static void test_uuid_and_hex(void **state)
{
	static const uint8_t raw[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
					0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
	char u[VERIFY_UUID_STR_LEN], h[8], p[8];

	verify_uuid_str(raw, u);
	assert_string_equal(u, "33221100-5544-7766-8899-AABBCCDDEEFF");
	verify_hex(raw + 13, 3, h, sizeof(h));
	assert_string_equal(h, "ddeeff");
	verify_printable("a\x01\xff" "b", 4, p, sizeof(p));
	assert_string_equal(p, "a??b");
	(void)state;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_read_secret(void **state)
{
	char dir[] = "/tmp/test_verify_util.XXXXXX", path[96], err[256];
	uint8_t *pw = NULL;
	size_t len = 0;
	char big[VERIFY_SECRET_MAX + 2];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pw", dir);

	write_file(path, "hunter2\r\n", 0600);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(pw, "hunter2", 7);
	verify_secret_free(pw, len);

	write_file(path, "two\nlines\n", 0640);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 9); /* only the trailing newline goes */
	verify_secret_free(pw, len);

	write_file(path, "hunter2\n", 0644);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), -1);
	assert_null(pw);
	assert_non_null(strstr(err, "chmod 600"));
	assert_null(strstr(err, "hunter2"));

	write_file(path, "\n", 0600);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(path, big, 0600);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));

	unlink(path);
	assert_int_equal(verify_read_secret(path, &pw, &len, err, sizeof(err)), -1);
	assert_int_equal(verify_read_secret(dir, &pw, &len, err, sizeof(err)), -1);
	rmdir(dir);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_iso),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_listen_addr),
		cmocka_unit_test(test_uuid_and_hex),
		cmocka_unit_test(test_read_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
