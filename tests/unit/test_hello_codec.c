// SPDX-License-Identifier: Apache-2.0
/*
 * test_hello_codec.c - unit tests for proto/hello_codec.c.
 *
 * Owns: known-good hello packets written out from protocol-facts.md section
 * 8.2 (PKI with SHA1/SHA256/SHA384 root hashes, PKI without hashes, legacy
 * PSK), decode -> fields, encode -> same bytes, truncation sweeps with
 * exact-size heap copies, trailing bytes, every header/hash rule, and stream
 * framing of partial and concatenated input.
 * Must not: use any other module of the agent, or derive expected bytes from
 * the codec under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hello_codec.h"

#define UUID_BYTES "\x4B\x52\x9B\x93\xD4\x13\x18\x1D\xE4\x87\x1C\x69\x7A\x6B\x7A\x2B"
#define SHA256_A                                                                  \
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F"        \
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F"
#define SHA1_B "\xA0\xA1\xA2\xA3\xA4\xA5\xA6\xA7\xA8\xA9\xAA\xAB\xAC\xAD\xAE\xAF\xB0\xB1\xB2\xB3"
#define SHA384_C                                                                  \
	"\xC0\xC1\xC2\xC3\xC4\xC5\xC6\xC7\xC8\xC9\xCA\xCB\xCC\xCD\xCE\xCF"        \
	"\xD0\xD1\xD2\xD3\xD4\xD5\xD6\xD7\xD8\xD9\xDA\xDB\xDC\xDD\xDE\xDF"        \
	"\xE0\xE1\xE2\xE3\xE4\xE5\xE6\xE7\xE8\xE9\xEA\xEB\xEC\xED\xEE\xEF"

/* PKI, admin credentials set, retry 2, three roots: SHA256, SHA1, SHA384. */
static const char pki3[] =
	"\x01\x00" "\x03\x00" "\x02\x00\x00\x00" UUID_BYTES "\x03"
	"\x02" "\x20" SHA256_A
	"\x01" "\x14" SHA1_B
	"\x03" "\x30" SHA384_C;
/* PKI, admin not set, retry 14, no roots. */
static const char pki0[] = "\x00\x00" "\x03\x00" "\x0E\x00\x00\x00" UUID_BYTES "\x00";
/* PSK legacy: admin not set, retry 0, UUID, 8-byte PID. */
static const char psk[] = "\x00\x00" "\x02\x00" "\x00\x00\x00\x00" UUID_BYTES "ABCD-EFG";

struct vector {
	const char *name;
	const uint8_t *bytes;
	size_t len;
};
#define VEC(n, a) { n, (const uint8_t *)(a), sizeof(a) - 1u }
static const struct vector vectors[] = {
	VEC("PKI three hashes", pki3),
	VEC("PKI no hashes", pki0),
	VEC("PSK", psk),
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	if (n == 0)
		return NULL;
	uint8_t *b = malloc(n);
	assert_non_null(b);
	memcpy(b, p, n);
	return b;
}

static void assert_encodes_to(const struct hello_msg *m, const uint8_t *want, size_t len)
{
	uint8_t *buf = malloc(len);
	size_t n = 99;

	assert_non_null(buf);
	assert_int_equal(hello_encode(m, buf, len, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(buf, want, len);
	assert_int_equal(hello_encode(m, buf, len - 1, &n), PROTO_E_NOSPACE);
	assert_int_equal(n, 0);
	free(buf);
}

/* Decode -> encode identity, truncation sweep, trailing byte, framing. */
static void t_vector(void **state)
{
	const struct vector *v = *state;
	struct hello_msg m;
	size_t n;
	uint8_t *b = dup_exact(v->bytes, v->len);

	assert_int_equal(hello_decode(b, v->len, &m), 0);
	assert_encodes_to(&m, v->bytes, v->len);
	assert_int_equal(hello_frame_length(b, v->len, &n), 0);
	assert_int_equal(n, v->len);

	for (size_t k = 0; k < v->len; k++) {
		uint8_t *p = dup_exact(v->bytes, k);
		assert_int_equal(hello_decode(p, k, &m), PROTO_E_SHORT);
		assert_int_equal(hello_frame_length(p, k, &n), PROTO_E_SHORT);
		free(p);
	}

	uint8_t *t = malloc(v->len + 1);
	assert_non_null(t);
	memcpy(t, v->bytes, v->len);
	t[v->len] = 0x00;
	assert_int_equal(hello_decode(t, v->len + 1, &m), PROTO_E_TRAILING);
	assert_int_equal(hello_frame_length(t, v->len + 1, &n), 0);
	assert_int_equal(n, v->len);
	free(t);
	free(b);
}

static void t_pki_fields(void **state)
{
	struct hello_msg m;
	(void)state;

	assert_int_equal(sizeof(pki3) - 1, 24 + 1 + (2 + 32) + (2 + 20) + (2 + 48));
	assert_int_equal(hello_decode((const uint8_t *)pki3, sizeof(pki3) - 1, &m), 0);
	assert_int_equal(m.admin_set, 1);
	assert_int_equal(m.version, HELLO_VERSION_PKI);
	assert_int_equal(m.retry_count, 2);
	assert_memory_equal(m.uuid, UUID_BYTES, HELLO_UUID_LEN);
	assert_int_equal(m.hash_count, 3);
	assert_int_equal(m.hashes[0].type, HELLO_HASH_SHA256);
	assert_memory_equal(m.hashes[0].bytes, SHA256_A, 32);
	assert_int_equal(m.hashes[1].type, HELLO_HASH_SHA1);
	assert_memory_equal(m.hashes[1].bytes, SHA1_B, 20);
	assert_int_equal(m.hashes[2].type, HELLO_HASH_SHA384);
	assert_memory_equal(m.hashes[2].bytes, SHA384_C, 48);

	assert_int_equal(hello_decode((const uint8_t *)pki0, sizeof(pki0) - 1, &m), 0);
	assert_int_equal(sizeof(pki0) - 1, 25);
	assert_int_equal(m.admin_set, 0);
	assert_int_equal(m.retry_count, 14);
	assert_int_equal(m.hash_count, 0);
}

static void t_psk_fields(void **state)
{
	struct hello_msg m;
	(void)state;

	assert_int_equal(sizeof(psk) - 1, HELLO_PSK_LEN);
	assert_int_equal(hello_decode((const uint8_t *)psk, sizeof(psk) - 1, &m), 0);
	assert_int_equal(m.version, HELLO_VERSION_PSK);
	assert_memory_equal(m.uuid, UUID_BYTES, HELLO_UUID_LEN);
	assert_memory_equal(m.pid, "ABCD-EFG", HELLO_PID_LEN);
	assert_int_equal(m.hash_count, 0);
}

/* Build from a struct: the encoder writes only the fields of its version. */
static void t_encode_from_struct(void **state)
{
	struct hello_msg m = { .admin_set = 1, .version = HELLO_VERSION_PKI, .retry_count = 2,
			       .hash_count = 3 };
	(void)state;

	memcpy(m.uuid, UUID_BYTES, HELLO_UUID_LEN);
	memset(m.pid, 'z', HELLO_PID_LEN); /* ignored for version 3 */
	m.hashes[0].type = HELLO_HASH_SHA256;
	memcpy(m.hashes[0].bytes, SHA256_A, 32);
	m.hashes[1].type = HELLO_HASH_SHA1;
	memcpy(m.hashes[1].bytes, SHA1_B, 20);
	memset(m.hashes[1].bytes + 20, 0xEE, HELLO_HASH_MAX_LEN - 20); /* not written */
	m.hashes[2].type = HELLO_HASH_SHA384;
	memcpy(m.hashes[2].bytes, SHA384_C, 48);
	assert_encodes_to(&m, (const uint8_t *)pki3, sizeof(pki3) - 1);

	struct hello_msg p = { .version = HELLO_VERSION_PSK,
			       .hash_count = 5 /* ignored for version 2 */ };
	memcpy(p.uuid, UUID_BYTES, HELLO_UUID_LEN);
	memcpy(p.pid, "ABCD-EFG", HELLO_PID_LEN);
	assert_encodes_to(&p, (const uint8_t *)psk, sizeof(psk) - 1);
}

/* Header rules, each reported as soon as its field has arrived. */
static void t_header_rules(void **state)
{
	static const struct {
		const char *b;
		size_t len;
		int want;
	} c[] = {
		{ "\x02\x00", 2, PROTO_E_BAD_VALUE },                     /* admin 2 */
		{ "\x00\x01", 2, PROTO_E_BAD_VALUE },                     /* admin 256 */
		{ "\xFF\xFF", 2, PROTO_E_BAD_VALUE },
		{ "\x01\x00" "\x01\x00", 4, PROTO_E_BAD_VERSION },        /* version 1 */
		{ "\x01\x00" "\x04\x00", 4, PROTO_E_BAD_VERSION },        /* version 4 */
		{ "\x01\x00" "\x00\x03", 4, PROTO_E_BAD_VERSION },        /* 3 big-endian */
		{ "\x01\x00" "\x00\x00", 4, PROTO_E_BAD_VERSION },
		{ "\x01\x00" "\x03\x00" "\xE9\x03\x00\x00", 8, PROTO_E_BAD_VALUE }, /* 1001 */
		{ "\x01\x00" "\x02\x00" "\xFF\xFF\xFF\xFF", 8, PROTO_E_BAD_VALUE },
		{ "\x01\x00" "\x03\x00" "\xE8\x03\x00\x00", 8, PROTO_E_SHORT },     /* 1000 ok */
	};
	struct hello_msg m;
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *b = dup_exact((const uint8_t *)c[i].b, c[i].len);
		assert_int_equal(hello_decode(b, c[i].len, &m), c[i].want);
		assert_int_equal(hello_frame_length(b, c[i].len, &n), c[i].want);
		free(b);
	}
}

/* Hash rules: count cap, unknown type, size not matching the type. */
static void t_hash_rules(void **state)
{
	uint8_t b[HELLO_MAX_LEN + 64];
	struct hello_msg m;
	size_t n;
	(void)state;

	memcpy(b, pki0, 25);
	b[24] = HELLO_MAX_HASHES + 1; /* 33: rejected before any hash arrives */
	assert_int_equal(hello_decode(b, 25, &m), PROTO_E_TOO_LARGE);
	assert_int_equal(hello_frame_length(b, 25, &n), PROTO_E_TOO_LARGE);
	b[24] = 0xFF;
	assert_int_equal(hello_frame_length(b, 25, &n), PROTO_E_TOO_LARGE);

	static const struct {
		uint8_t type, size;
		int want;
	} h[] = {
		{ 0, 20, PROTO_E_BAD_VALUE }, { 4, 32, PROTO_E_BAD_VALUE },
		{ 0xFF, 48, PROTO_E_BAD_VALUE }, { 1, 32, PROTO_E_BAD_VALUE },
		{ 2, 20, PROTO_E_BAD_VALUE }, { 3, 64, PROTO_E_BAD_VALUE }, /* SHA512-sized */
		{ 2, 0, PROTO_E_BAD_VALUE }, { 1, 20, PROTO_E_SHORT },
	};
	b[24] = 1;
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		b[25] = h[i].type;
		b[26] = h[i].size;
		/* only the hash header present: the rule fires before the bytes */
		assert_int_equal(hello_decode(b, 27, &m), h[i].want);
		assert_int_equal(hello_frame_length(b, 27, &n), h[i].want);
	}

	/* exactly HELLO_MAX_HASHES SHA384 hashes: the largest packet */
	size_t off = 25;
	b[24] = HELLO_MAX_HASHES;
	for (unsigned i = 0; i < HELLO_MAX_HASHES; i++) {
		b[off++] = HELLO_HASH_SHA384;
		b[off++] = 48;
		memset(b + off, (int)i, 48);
		off += 48;
	}
	assert_int_equal(off, HELLO_MAX_LEN);
	assert_int_equal(hello_decode(b, off, &m), 0);
	assert_int_equal(m.hash_count, HELLO_MAX_HASHES);
	assert_int_equal(m.hashes[31].bytes[47], 31);
	assert_encodes_to(&m, b, off);
	assert_int_equal(hello_frame_length(b, sizeof(b), &n), 0);
	assert_int_equal(n, HELLO_MAX_LEN);
}

static void t_encode_rejects(void **state)
{
	uint8_t buf[HELLO_MAX_LEN];
	size_t n = 99;
	struct hello_msg m = { .version = HELLO_VERSION_PKI };
	(void)state;

	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 25);
	m.version = 4;
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), PROTO_E_BAD_VERSION);
	assert_int_equal(n, 0);
	m.version = HELLO_VERSION_PKI;
	m.admin_set = 2;
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	m.admin_set = 0;
	m.retry_count = HELLO_MAX_RETRY + 1;
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	m.retry_count = 0;
	m.hash_count = HELLO_MAX_HASHES + 1;
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), PROTO_E_TOO_LARGE);
	m.hash_count = 1;
	m.hashes[0].type = 9;
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), PROTO_E_BAD_VALUE);
	m.hashes[0].type = HELLO_HASH_SHA1;
	assert_int_equal(hello_encode(&m, buf, 26, &n), PROTO_E_NOSPACE);
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 25 + 2 + 20);

	assert_int_equal(hello_encode(NULL, buf, sizeof(buf), &n), PROTO_E_INVALID_ARG);
	assert_int_equal(hello_encode(&m, NULL, 5, &n), PROTO_E_INVALID_ARG);
	assert_int_equal(hello_encode(&m, buf, sizeof(buf), NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(hello_decode(NULL, 0, &m), PROTO_E_SHORT);
	assert_int_equal(hello_decode(NULL, 3, &m), PROTO_E_INVALID_ARG);
	assert_int_equal(hello_decode(buf, 3, NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(hello_frame_length(NULL, 0, &n), PROTO_E_SHORT);
	assert_int_equal(hello_frame_length(buf, 3, NULL), PROTO_E_INVALID_ARG);
}

static void t_hash_size(void **state)
{
	(void)state;
	assert_int_equal(hello_hash_size(HELLO_HASH_SHA1), 20);
	assert_int_equal(hello_hash_size(HELLO_HASH_SHA256), 32);
	assert_int_equal(hello_hash_size(HELLO_HASH_SHA384), 48);
	assert_int_equal(hello_hash_size(0), 0);
	assert_int_equal(hello_hash_size(4), 0);
}

/* Packets back to back (a server reading several connections' worth of
 * bytes in one buffer is unusual, but the framer must not care), then as a
 * stream arriving one byte at a time. */
static void t_stream(void **state)
{
	size_t total = 0, off = 0, n, i = 0;
	struct hello_msg m;
	(void)state;

	for (size_t k = 0; k < NVEC; k++)
		total += vectors[k].len;
	uint8_t *s = malloc(total);
	assert_non_null(s);
	for (size_t k = 0; k < NVEC; k++) {
		memcpy(s + off, vectors[k].bytes, vectors[k].len);
		off += vectors[k].len;
	}

	off = 0;
	for (size_t have = 1; have <= total; have++) {
		int rc = hello_frame_length(s + off, have - off, &n);
		if (rc == PROTO_E_SHORT)
			continue;
		assert_int_equal(rc, 0);
		assert_int_equal(n, vectors[i].len);
		assert_int_equal(have - off, n);
		assert_int_equal(hello_decode(s + off, n, &m), 0);
		assert_encodes_to(&m, vectors[i].bytes, vectors[i].len);
		off += n;
		i++;
	}
	assert_int_equal(i, NVEC);
	free(s);
}

static const struct CMUnitTest fixed[] = {
	cmocka_unit_test(t_pki_fields),      cmocka_unit_test(t_psk_fields),
	cmocka_unit_test(t_encode_from_struct), cmocka_unit_test(t_header_rules),
	cmocka_unit_test(t_hash_rules),      cmocka_unit_test(t_encode_rejects),
	cmocka_unit_test(t_hash_size),       cmocka_unit_test(t_stream),
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

static struct CMUnitTest all[NVEC + NFIXED];

int main(void)
{
	for (size_t i = 0; i < NVEC; i++)
		all[i] = (struct CMUnitTest){ vectors[i].name, t_vector, NULL, NULL,
					      (void *)&vectors[i] };
	for (size_t i = 0; i < NFIXED; i++)
		all[NVEC + i] = fixed[i];
	return cmocka_run_group_tests(all, NULL, NULL);
}
