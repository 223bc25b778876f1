// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_sockproto.c - the daemon's socket protocol: requests parse or
 * are refused with a reason, and responses round-trip. (What a request may
 * do is decided on the parsed command: test_agent_cli.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sockproto.h"

static int parse(const char *line, struct sock_request *r, char *err, size_t cap)
{
	return sockproto_parse_request(line, strlen(line), r, err, cap);
}

static void test_good_request(void **state)
{
	(void)state;
	struct sock_request r;
	char err[160];
	assert_int_equal(parse("{\"v\":1,\"argv\":[\"hostid\",\"set\",\"asset-1\"]}\n", &r, err, sizeof(err)), 0);
	assert_int_equal(r.argc, 3);
	assert_string_equal(r.argv[0], "hostid");
	assert_string_equal(r.argv[2], "asset-1");
	assert_null(r.argv[3]);
	sockproto_request_free(&r);
}

static void test_encode_parse_roundtrip(void **state)
{
	(void)state;
	char *argv[] = {"call-for-help", "--wait", "30", "--json"};
	char *line = sockproto_encode_request(4, argv);
	struct sock_request r;
	char err[160];
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_int_equal(parse(line, &r, err, sizeof(err)), 0);
	assert_int_equal(r.argc, 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(r.argv[i], argv[i]);
	sockproto_request_free(&r);
	free(line);
}

struct bad {
	const char *line;
	const char *why;
};

static void test_bad_requests(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{"", "empty request"},
		{"\n", "empty request"},
		{"not json", "not valid JSON"},
		{"[1,2]", "exactly"},
		{"{\"v\":1}", "exactly"},
		{"{\"v\":1,\"argv\":[\"info\"],\"x\":0}", "exactly"},
		{"{\"v\":2,\"argv\":[\"info\"]}", "unsupported protocol version"},
		{"{\"v\":\"1\",\"argv\":[\"info\"]}", "unsupported protocol version"},
		{"{\"v\":1,\"argv\":[]}", "argv must be"},
		{"{\"v\":1,\"argv\":\"info\"}", "argv must be"},
		{"{\"v\":1,\"argv\":[1]}", "strings of at most"},
		{"{\"v\":1,\"argv\":[\"a\\u0000b\"]}", "not valid JSON"},
		{"{\"v\":1,\"v\":1,\"argv\":[\"info\"]}", "not valid JSON"},
		{"{\"v\":1,\"argv\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}",
		 "argv must be"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sock_request r;
		char err[160] = "";
		assert_int_equal(parse(cases[i].line, &r, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].why))
			fail_msg("case %zu (%s): reason '%s' lacks '%s'", i, cases[i].line, err, cases[i].why);
		assert_int_equal(r.argc, 0);
	}
}

static void test_size_caps(void **state)
{
	(void)state;
	struct sock_request r;
	char err[160];
	size_t n = SOCKPROTO_MAX_LINE + 10;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	assert_int_equal(sockproto_parse_request(big, n, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	/* one argument over 512 bytes */
	char *arg = malloc(SOCKPROTO_MAX_ARG + 2);
	memset(arg, 'a', SOCKPROTO_MAX_ARG + 1);
	arg[SOCKPROTO_MAX_ARG + 1] = '\0';
	char *argv[] = {"info", arg};
	char *line = sockproto_encode_request(2, argv);
	assert_int_equal(parse(line, &r, err, sizeof(err)), -1);
	free(line);
	free(arg);
	free(big);
}

static void test_response_roundtrip(void **state)
{
	(void)state;
	const char out[] = "{\n  \"uuid\": \"x\"\n}\n", err[] = "amt-agent: note — ünïcode\n";
	char *line = sockproto_encode_response(9, out, strlen(out), err, strlen(err));
	int code;
	char *o, *e;
	assert_non_null(line);
	assert_non_null(strchr(line, '\n'));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	assert_int_equal(sockproto_parse_response(line, strlen(line), &code, &o, &e), 0);
	assert_int_equal(code, 9);
	assert_string_equal(o, out);
	assert_string_equal(e, err);
	free(o);
	free(e);
	free(line);
	assert_int_equal(sockproto_parse_response("{\"v\":1,\"exit\":300,\"stdout\":\"\",\"stderr\":\"\"}", 44, &code, &o, &e), -1);
	assert_int_equal(sockproto_parse_response("garbage", 7, &code, &o, &e), -1);
	/* invalid UTF-8 in captured output cannot be encoded: the daemon answers an error instead */
	assert_null(sockproto_encode_response(0, "\xff\xfe", 2, "", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_request),   cmocka_unit_test(test_encode_parse_roundtrip),
		cmocka_unit_test(test_bad_requests),   cmocka_unit_test(test_size_caps),
		cmocka_unit_test(test_response_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
