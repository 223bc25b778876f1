// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_sol_client.c - amt-verify's side of a redirection session
 * (tools/verify/sol_client.c) fed AMT's bytes: the digest exchange (the
 * answer recomputed here with OpenSSL from the strings the client sent),
 * StartSOL's parameters, host output split byte by byte, heartbeat echo,
 * keys, the end of a session; the fallback to user/password and its
 * refusal; every refusal mapped to its failure kind; and malformed, unknown,
 * wrong-side and oversized input ending the session with a protocol error.
 * Must not: open sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tools/verify/sol_client.h"

static struct {
	uint8_t sent[16][8192];
	size_t sent_len[16];
	unsigned nsent;
	char data[256];
	size_t data_len;
	int power; /* -1 unknown */
} F;

static void f_send(void *arg, const uint8_t *m, size_t n)
{
	(void)arg;
	assert_true(F.nsent < 16 && n <= sizeof(F.sent[0]));
	memcpy(F.sent[F.nsent], m, n);
	F.sent_len[F.nsent++] = n;
}

static void f_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	assert_true(F.data_len + n < sizeof(F.data));
	memcpy(F.data + F.data_len, p, n);
	F.data_len += n;
}

static void f_power(void *arg, bool on)
{
	(void)arg;
	F.power = on;
}

static const struct sol_client_ops ops = {f_send, f_data, f_power};
static struct sol_client C;

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.power = -1;
	assert_int_equal(sol_client_init(&C, &ops, NULL, "admin", "P@ssw0rd", true), 0);
	sol_client_start(&C);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sol_client_free(&C);
	return 0;
}

/* Feed AMT's bytes, one at a time when split. */
static enum sol_client_state feed(const void *b, size_t n, bool split)
{
	enum sol_client_state st = C.state;
	uint8_t *copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, b, n);
	if (!split)
		st = sol_client_feed(&C, copy, n);
	for (size_t i = 0; split && i < n; i++)
		st = sol_client_feed(&C, copy + i, 1);
	free(copy);
	return st;
}
#define FEED(lit) feed(lit, sizeof(lit) - 1, false)
#define FEED_SPLIT(lit) feed(lit, sizeof(lit) - 1, true)

static void expect_sent(unsigned i, const void *b, size_t n)
{
	assert_true(i < F.nsent);
	assert_int_equal(F.sent_len[i], n);
	assert_memory_equal(F.sent[i], b, n);
}
#define SENT(i, lit) expect_sent(i, lit, sizeof(lit) - 1)

static void md5_hex(const char *s, char out[33])
{
	unsigned char d[16];
	unsigned n;
	EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The strings of an auth message the client sent. */
static unsigned strs(unsigned i, char out[8][256])
{
	const uint8_t *p = F.sent[i] + 9;
	size_t left = F.sent_len[i] - 9, k = 0;
	while (left > 0 && k < 8) {
		size_t l = *p++;
		assert_true(l < left);
		memcpy(out[k], p, l);
		out[k][l] = '\0';
		p += l;
		left -= l + 1;
		k++;
	}
	assert_int_equal(left, 0);
	return (unsigned)k;
}

static void t_digest_session(void **state)
{
	char f[8][256], line[512], ha1[33], ha2[33], want[33];
	(void)state;
	SENT(0, "\x10\x00\x00\x00SOL ");
	assert_int_equal(FEED_SPLIT("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00"),
			 SOL_C_QUERYING);
	SENT(1, "\x13\x00\x00\x00\x00\x00\x00\x00\x00");
	assert_int_equal(FEED("\x14\x00\x00\x00\x00\x02\x00\x00\x00\x01\x04"), SOL_C_AUTHENTICATING);
	assert_int_equal(F.sent[2][4], 4);
	assert_int_equal(strs(2, f), 8);
	assert_string_equal(f[0], "admin");
	assert_string_equal(f[3], "/RedirectionService");
	assert_string_equal(f[6], "");
	/* challenge: realm "Digest:R", nonce "N123", qop auth */
	assert_int_equal(FEED("\x14\x01\x00\x00\x04\x13\x00\x00\x00\x08" "Digest:R" "\x04" "N123" "\x04" "auth"),
			 SOL_C_AUTHENTICATING);
	assert_int_equal(strs(3, f), 8);
	assert_string_equal(f[1], "Digest:R");
	assert_string_equal(f[2], "N123");
	assert_int_equal(strlen(f[4]), 32); /* cnonce */
	assert_string_equal(f[5], "00000002");
	assert_string_equal(f[7], "auth");
	md5_hex("admin:Digest:R:P@ssw0rd", ha1);
	md5_hex("POST:/RedirectionService", ha2);
	snprintf(line, sizeof(line), "%s:N123:00000002:%s:auth:%s", ha1, f[4], ha2);
	md5_hex(line, want);
	assert_string_equal(f[6], want);
	/* accepted: StartSOL with our parameters */
	assert_int_equal(FEED("\x14\x00\x00\x00\x04\x00\x00\x00\x00"), SOL_C_STARTING_SOL);
	SENT(4, "\x20\x00\x00\x00\x00\x00\x00\x00\x00\x10\x64\x00\x00\x00\x10\x27\x00\x00\x88\x13"
		"\x00\x00\x00\x00");
	assert_int_equal(FEED("\x21\x00\x00\x00\x00\x00\x00\x00\x00\x10\x64\x00\x00\x00\x10\x27"
			      "\x00\x00\x88\x13\x00\x00\x00"),
			 SOL_C_RUNNING);
	assert_int_equal(FEED("\x29\x00\x00\x00\x01\x00\x00\x00\x00\x04"), SOL_C_RUNNING);
	assert_int_equal(F.power, 1);
	assert_int_equal(FEED_SPLIT("\x2a\x00\x00\x00\x02\x00\x00\x00\x05\x00login"
				    "\x2a\x00\x00\x00\x03\x00\x00\x00\x02\x00: "),
			 SOL_C_RUNNING);
	assert_int_equal(F.data_len, 7);
	assert_memory_equal(F.data, "login: ", 7);
	/* a heartbeat is echoed, keys go as 0x28 */
	assert_int_equal(FEED("\x2b\x00\x00\x00\x09\x00\x00\x00"), SOL_C_RUNNING);
	SENT(5, "\x2b\x00\x00\x00\x09\x00\x00\x00");
	sol_client_keys(&C, (const uint8_t *)"ab", 2);
	SENT(6, "\x28\x00\x00\x00\x01\x00\x00\x00\x02\x00" "ab");
	sol_client_stop(&C);
	SENT(7, "\x22\x00\x00\x00\x02\x00\x00\x00");
	assert_int_equal(C.state, SOL_C_ENDING);
	assert_int_equal(FEED("\x23\x00\x00\x00\x00\x00\x00\x00"), SOL_C_CLOSED);
	SENT(8, "\x12\x00\x00\x00");
	/* a closed session takes nothing */
	assert_int_equal(FEED("\x2a\x00\x00\x00\x02\x00\x00\x00\x01\x00x"), SOL_C_CLOSED);
	assert_int_equal(F.data_len, 7);
}

static void t_plain_fallback(void **state)
{
	(void)state;
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	assert_int_equal(FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x01"), SOL_C_AUTHENTICATING);
	SENT(2, "\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd");
	assert_int_equal(FEED("\x14\x01\x00\x00\x01\x00\x00\x00\x00"), SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_AUTH);
	/* and not at all when the caller forbids it */
	teardown(NULL);
	memset(&F, 0, sizeof(F));
	assert_int_equal(sol_client_init(&C, &ops, NULL, "admin", "x", false), 0);
	sol_client_start(&C);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	assert_int_equal(FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x01"), SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_REFUSED);
	assert_non_null(strstr(C.why, "--tls"));
	assert_int_equal(F.nsent, 2); /* the password never left */
}

static void t_refusals(void **state)
{
	(void)state;
	assert_int_equal(FEED("\x11\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_REFUSED);
	teardown(NULL);
	setup(NULL);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x01");
	assert_int_equal(FEED("\x14\x00\x00\x00\x01\x00\x00\x00\x00"), SOL_C_STARTING_SOL);
	assert_int_equal(FEED("\x21\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
			      "\x00\x00\x00\x00\x00\x00"),
			 SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_REFUSED);
	assert_non_null(strstr(C.why, "consent"));
	/* the digest refused after the challenge: credentials */
	teardown(NULL);
	setup(NULL);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x04");
	FEED("\x14\x01\x00\x00\x04\x0c\x00\x00\x00\x01" "R" "\x04" "N123" "\x04" "auth");
	assert_int_equal(FEED("\x14\x01\x00\x00\x04\x00\x00\x00\x00"), SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_AUTH);
}

static void t_bad_input(void **state)
{
	static const struct {
		const char *b;
		size_t n;
	} bad[] = {
		{"\x77", 1},                               /* unknown type */
		{"\x10\x00\x00\x00SOL ", 8},               /* the console's own message */
		{"\x2a\x00\x00\x00\x00\x00\x00\x00\x01\x00x", 11}, /* data before SOL runs */
		{"\x14\x00\x00\x00\x00\x00\x10\x00\x00", 9}, /* auth data over the cap */
		{"\x23\x00\x00\x00\x00\x00\x00\x00", 8},    /* an end nobody asked for */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown(NULL);
		setup(NULL);
		assert_int_equal(feed(bad[i].b, bad[i].n, false), SOL_C_FAILED);
		assert_int_equal(C.failure, SOL_F_PROTOCOL);
		assert_true(strlen(C.why) > 0);
	}
	/* a truncated reply waits for the rest */
	teardown(NULL);
	setup(NULL);
	assert_int_equal(FEED("\x11\x00\x00\x00\x01"), SOL_C_STARTING);
	assert_int_equal(F.nsent, 1);
	/* a challenge that is not strings, or with another qop */
	teardown(NULL);
	setup(NULL);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x04");
	assert_int_equal(FEED("\x14\x01\x00\x00\x04\x03\x00\x00\x00\x05" "ab"), SOL_C_FAILED);
	assert_int_equal(C.failure, SOL_F_PROTOCOL);
	teardown(NULL);
	setup(NULL);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x04");
	assert_int_equal(FEED("\x14\x01\x00\x00\x04\x0c\x00\x00\x00\x01" "R" "\x04" "N123" "\x04" "auth"),
			 SOL_C_AUTHENTICATING);
	teardown(NULL);
	setup(NULL);
	FEED("\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00");
	FEED("\x14\x00\x00\x00\x00\x01\x00\x00\x00\x04");
	assert_int_equal(FEED("\x14\x01\x00\x00\x04\x0c\x00\x00\x00\x01" "R" "\x04" "N123" "\x04" "auti"),
			 SOL_C_FAILED);
	/* names that do not fit a length byte */
	char longname[300];
	memset(longname, 'u', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct sol_client c2;
	assert_int_equal(sol_client_init(&c2, &ops, NULL, longname, "p", true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_digest_session, setup, teardown),
		cmocka_unit_test_setup_teardown(t_plain_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(t_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_input, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
