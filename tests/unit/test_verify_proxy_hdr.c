// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_proxy_hdr.c - unit tests for tools/verify/proxy_hdr.c, the
 * PROXY protocol header: v1 and v2 headers HAProxy sends (TCP4, TCP6,
 * UNKNOWN, LOCAL, with TLVs), every prefix of a valid header is "more",
 * and what is refused (other protocols' first bytes, malformed fields,
 * lengths past the caps).
 * Must not: do I/O.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy_hdr.h"
#include "verify.h"

static const uint8_t sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
				0x54, 0x0a};

static void source_is(const struct proxy_hdr *h, const char *want)
{
	char got[64];

	verify_sockaddr_str((const struct sockaddr *)&h->src, got, sizeof(got));
	assert_string_equal(got, want);
}

static void refused_line(const char *line)
{
	struct proxy_hdr h;
	char why[160] = "";

	if (proxy_hdr_parse(line, strlen(line), &h, why, sizeof(why)) != PROXY_HDR_BAD)
		fail_msg("accepted: %s", line);
}

/* Every prefix of a valid header asks for more; the whole parses. */
static void sweep(const void *hdr, size_t len)
{
	struct proxy_hdr h;
	char why[160];

	for (size_t n = 0; n < len; n++)
		assert_int_equal(proxy_hdr_parse(hdr, n, &h, why, sizeof(why)), PROXY_HDR_MORE);
	assert_int_equal(proxy_hdr_parse(hdr, len, &h, why, sizeof(why)), PROXY_HDR_OK);
}

static void test_v1(void **state)
{
	static const char tcp4[] = "PROXY TCP4 203.0.113.7 192.0.2.1 40001 8443\r\n\x16\x03\x01";
	static const char tcp6[] = "PROXY TCP6 2001:db8::7 2001:db8::1 65535 9971\r\nhello";
	static const char unknown[] = "PROXY UNKNOWN\r\n";
	struct proxy_hdr h;
	char why[160];

	assert_int_equal(proxy_hdr_parse(tcp4, sizeof(tcp4) - 1, &h, why, sizeof(why)), PROXY_HDR_OK);
	assert_int_equal(h.version, 1);
	assert_false(h.local);
	assert_int_equal(h.consumed, strlen("PROXY TCP4 203.0.113.7 192.0.2.1 40001 8443\r\n"));
	source_is(&h, "203.0.113.7:40001");
	assert_int_equal(proxy_hdr_parse(tcp6, sizeof(tcp6) - 1, &h, why, sizeof(why)), PROXY_HDR_OK);
	source_is(&h, "[2001:db8::7]:65535");
	assert_int_equal(proxy_hdr_parse(unknown, sizeof(unknown) - 1, &h, why, sizeof(why)),
			 PROXY_HDR_OK);
	assert_true(h.local);
	sweep("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n", strlen("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n"));
}

/* After "PROXY UNKNOWN" the rest of the line is ignored (HAProxy's
 * proxy-protocol.txt): more than five tokens, double spaces, anything. */
static void test_v1_unknown_trailing(void **state)
{
	static const char *const lines[] = {
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
		"PROXY UNKNOWN a b c d e f g\r\n",
		"PROXY UNKNOWN  double  spaces \r\n",
		"PROXY UNKNOWN \r\n",
	};
	struct proxy_hdr h;
	char why[160];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[128];
		size_t n = strlen(lines[i]);

		memcpy(buf, lines[i], n);
		memcpy(buf + n, "\x16\x03", 2); /* TLS behind it: not consumed */
		if (proxy_hdr_parse(buf, n + 2, &h, why, sizeof(why)) != PROXY_HDR_OK)
			fail_msg("refused %s: %s", lines[i], why);
		assert_true(h.local);
		assert_int_equal(h.version, 1);
		assert_int_equal(h.consumed, n);
		sweep(lines[i], n);
	}
	/* UNKNOWN is the whole field: not a prefix of another word */
	refused_line("PROXY UNKNOWNX 1.2.3.4 5.6.7.8 1 2\r\n");
}

static void test_v2(void **state)
{
	uint8_t b[64];
	struct proxy_hdr h;
	char why[160];

	/* PROXY, TCP4, 12 address bytes + a 7-byte TLV (HAProxy's unique id, say) */
	memcpy(b, sig, 12);
	b[12] = 0x21;
	b[13] = 0x11;
	b[14] = 0;
	b[15] = 19;
	memcpy(b + 16, "\xcb\x00\x71\x07" "\xc0\x00\x02\x01" "\x9c\x41" "\x20\xfb", 12);
	memcpy(b + 28, "\x05\x00\x04" "abcd", 7);
	memcpy(b + 35, "\x16\x03", 2); /* TLS after it: not consumed */
	assert_int_equal(proxy_hdr_parse(b, 37, &h, why, sizeof(why)), PROXY_HDR_OK);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.consumed, 35);
	source_is(&h, "203.0.113.7:40001");
	sweep(b, 35);
	/* TCP6 */
	b[13] = 0x21;
	b[15] = 36;
	memset(b + 16, 0, 36);
	b[16] = 0x20, b[17] = 0x01, b[18] = 0x0d, b[19] = 0xb8, b[31] = 7;
	b[48] = 0x01, b[49] = 0x00;
	assert_int_equal(proxy_hdr_parse(b, 52, &h, why, sizeof(why)), PROXY_HDR_OK);
	source_is(&h, "[2001:db8::7]:256");
	/* LOCAL: the balancer's health check, no client */
	b[12] = 0x20;
	b[13] = 0x00;
	b[15] = 0;
	assert_int_equal(proxy_hdr_parse(b, 16, &h, why, sizeof(why)), PROXY_HDR_OK);
	assert_true(h.local);
	assert_int_equal(h.consumed, 16);
}

static void refused(const void *p, size_t len, const char *what)
{
	struct proxy_hdr h;
	char why[160] = "";

	if (proxy_hdr_parse(p, len, &h, why, sizeof(why)) != PROXY_HDR_BAD)
		fail_msg("accepted: %s", what);
	assert_true(why[0] != '\0');
}

static void test_refused(void **state)
{
	char longline[200];
	uint8_t b[32];

	refused("\x16\x03\x01\x02\x00", 5, "a TLS ClientHello");
	refused("GET / HTTP/1.1\r\n", 16, "HTTP");
	refused("\x00\x01\x00\x03", 4, "a hello packet");
	refused("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, "lower case");
	refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", 34, "seven fields");
	refused("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", 33, "two spaces");
	refused("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", 36, "port too big");
	refused("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", 33, "leading zero");
	refused("PROXY TCP4 ::1 ::1 1 2\r\n", 24, "IPv6 under TCP4");
	refused("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", 32, "IPv4 under TCP6");
	refused("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, "UDP4 in v1");
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "PROXY TCP4 ", 11);
	refused(longline, sizeof(longline), "no CRLF within 107 bytes");
	memcpy(b, sig, 12);
	b[12] = 0x31, b[13] = 0x11, b[14] = 0, b[15] = 12;
	refused(b, 16, "version 3");
	b[12] = 0x22;
	refused(b, 16, "command 2");
	b[12] = 0x21, b[14] = 0x04, b[15] = 0x01;
	refused(b, 16, "length past the cap");
	b[14] = 0, b[15] = 4, b[13] = 0x11;
	memset(b + 16, 0, 4);
	refused(b, 20, "IPv4 addresses longer than the header");
	b[13] = 0x31;
	refused(b, 20, "AF_UNIX");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v1_unknown_trailing),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
