// SPDX-License-Identifier: Apache-2.0
/*
 * test_redir_codec.c - unit tests for proto/redir_codec.c.
 *
 * Owns: every message of the redirection protocol written out byte by byte
 * from protocol-facts-2.md 6.1-6.7 (the Debian amtterm 1.4 transcript, the
 * digest exchange, MeshCentral's 0x27; IDE-R's own messages are test_ider_codec.c's), decode -> fields
 * and encode -> the same bytes, a truncation sweep over each (exact-size
 * heap copies, so ASan sees any over-read), trailing and oversized input,
 * types from the wrong side and unknown types, stream framing of
 * concatenated and partial input, and the auth strings.
 * Must not: derive expected bytes from the codec under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redir_codec.h"

struct vector {
	const char *name;
	enum redir_dir dir;
	const uint8_t *bytes;
	size_t len;
};
#define VEC(n, d, a) { n, d, (const uint8_t *)(a), sizeof(a) - 1u }
#define C REDIR_FROM_CONSOLE
#define A REDIR_FROM_AMT

/* protocol-facts-2.md 6.7, amtterm 1.4 against AMT, and the rest of 6.1 */
static const struct vector vectors[] = {
	VEC("start SOL", C, "\x10\x00\x00\x00SOL "),
	VEC("start KVM (MeshCommander)", C, "\x10\x01\x00\x00KVMR"),
	VEC("start reply", A, "\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00"),
	VEC("start reply with OEM data", A, "\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x02\xAB\xCD"),
	VEC("auth plain", C, "\x13\x00\x00\x00\x01\x0c\x00\x00\x00\x05" "admin" "\x05" "P@ssw"),
	VEC("auth query", C, "\x13\x00\x00\x00\x00\x00\x00\x00\x00"),
	VEC("auth query reply", A, "\x14\x00\x00\x00\x00\x03\x00\x00\x00\x01\x03\x04"),
	VEC("auth plain ok", A, "\x14\x00\x00\x00\x01\x00\x00\x00\x00"),
	VEC("digest challenge", A, "\x14\x01\x00\x00\x04\x0d\x00\x00\x00\x03" "rlm" "\x03" "nnn" "\x04" "auth"),
	VEC("end session", C, "\x12\x00\x00\x00"),
	VEC("SOL start", C, "\x20\x00\x00\x00\x00\x00\x00\x00\xe8\x03\x64\x00\x00\x00\x10\x27"
			     "\x00\x00\x88\x13\x00\x00\x00\x00"),
	VEC("SOL start reply", A, "\x21\x00\x00\x00\x00\x00\x00\x00\xe8\x03\x64\x00\x00\x00\x10\x27"
				   "\x00\x00\x88\x13\x00\x00\x00"),
	VEC("controls", A, "\x29\x00\x00\x00\x00\x00\x00\x00\x00\x04"),
	VEC("data from host", A, "\x2a\x00\x00\x00\x01\x00\x00\x00\x05\x00login"),
	VEC("data to host", C, "\x28\x00\x00\x00\x00\x00\x00\x00\x01\x00\x0d"),
	VEC("heartbeat from AMT", A, "\x2b\x00\x00\x00\x02\x00\x00\x00"),
	VEC("heartbeat from console", C, "\x2b\x00\x00\x00\x02\x00\x00\x00"),
	VEC("ping", C, "\x24\x00\x00\x00\x07\x00\x00\x00"),
	VEC("pong", A, "\x25\x00\x00\x00\x07\x00\x00\x00"),
	VEC("MeshCentral 0x27", C, "\x27\x00\x00\x00\x02\x00\x00\x00\x00\x00\x1b\x00\x00\x00"),
	VEC("SOL end", C, "\x22\x00\x00\x00\x00\x00\x00\x00"),
	VEC("SOL end reply", A, "\x23\x00\x00\x00\x00\x00\x00\x00"),
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	if (n)
		memcpy(b, p, n);
	return b;
}

/* Decode every vector, re-encode it, compare bytes; smaller buffers refuse. */
static void t_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		uint8_t *in = dup_exact(v->bytes, v->len), out[128];
		struct redir_msg m;
		size_t n = 0, fl = 0;
		print_message("%s\n", v->name);
		assert_int_equal(redir_frame_length(in, v->len, v->dir, &fl), 0);
		assert_int_equal(fl, v->len);
		assert_int_equal(redir_decode(in, v->len, v->dir, &m), 0);
		assert_int_equal(m.type, v->bytes[0]);
		assert_int_equal(redir_encode(&m, out, sizeof(out), &n), 0);
		assert_int_equal(n, v->len);
		assert_memory_equal(out, v->bytes, v->len);
		assert_int_equal(redir_encode(&m, out, v->len - 1, &n), PROTO_E_NOSPACE);
		assert_int_equal(n, 0);
		free(in);
	}
}

/* Every prefix is short; a byte more is trailing. */
static void t_truncated_and_trailing(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		const struct vector *v = &vectors[i];
		struct redir_msg m;
		size_t fl;
		for (size_t k = 0; k < v->len; k++) {
			uint8_t *in = dup_exact(v->bytes, k);
			assert_int_equal(redir_decode(in, k, v->dir, &m), PROTO_E_SHORT);
			assert_int_equal(redir_frame_length(in, k, v->dir, &fl), PROTO_E_SHORT);
			free(in);
		}
		uint8_t *longer = malloc(v->len + 1);
		assert_non_null(longer);
		memcpy(longer, v->bytes, v->len);
		longer[v->len] = 0x2b;
		assert_int_equal(redir_decode(longer, v->len + 1, v->dir, &m), PROTO_E_TRAILING);
		assert_int_equal(redir_frame_length(longer, v->len + 1, v->dir, &fl), 0);
		assert_int_equal(fl, v->len);
		free(longer);
	}
}

static void t_fields(void **state)
{
	struct redir_msg m;
	(void)state;
	assert_int_equal(redir_decode(vectors[0].bytes, vectors[0].len, C, &m), 0);
	assert_memory_equal(m.u.session, REDIR_SESSION_SOL, 4);
	assert_int_equal(redir_decode(vectors[1].bytes, vectors[1].len, C, &m), 0);
	assert_int_equal(m.status, 1);
	assert_memory_equal(m.u.session, REDIR_SESSION_KVM, 4);

	assert_int_equal(redir_decode(vectors[3].bytes, vectors[3].len, A, &m), 0);
	assert_int_equal(m.u.start_reply.proto_major, 1);
	assert_int_equal(m.u.start_reply.fw_major, 2);
	assert_int_equal(m.u.start_reply.oem_iana, 0x5555);
	assert_int_equal(m.u.start_reply.oem_len, 2);
	assert_int_equal(m.u.start_reply.oem[1], 0xCD);

	assert_int_equal(redir_decode(vectors[4].bytes, vectors[4].len, C, &m), 0);
	assert_int_equal(m.u.auth.type, REDIR_AUTH_PLAIN);
	assert_int_equal(m.u.auth.len, 12);
	struct redir_strs s;
	assert_int_equal(redir_strs_decode(m.u.auth.data, m.u.auth.len, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(redir_str_eq(&s, 0, "admin"));
	assert_true(redir_str_eq(&s, 1, "P@ssw"));
	assert_false(redir_str_eq(&s, 1, "P@ss"));
	assert_false(redir_str_eq(&s, 2, ""));

	assert_int_equal(redir_decode(vectors[8].bytes, vectors[8].len, A, &m), 0);
	assert_int_equal(m.status, REDIR_STATUS_FAILURE);
	assert_int_equal(m.u.auth.type, REDIR_AUTH_DIGEST);
	assert_int_equal(redir_strs_decode(m.u.auth.data, m.u.auth.len, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(redir_str_eq(&s, 2, "auth"));

	assert_int_equal(redir_decode(vectors[10].bytes, vectors[10].len, C, &m), 0);
	assert_int_equal(m.u.sol.max_tx_buffer, 1000);
	assert_int_equal(m.u.sol.tx_buffer_timeout_ms, 100);
	assert_int_equal(m.u.sol.tx_overflow_timeout, 0);
	assert_int_equal(m.u.sol.host_session_rx_timeout_ms, 10000);
	assert_int_equal(m.u.sol.host_fifo_rx_flush_timeout_ms, 0);
	assert_int_equal(m.u.sol.heartbeat_interval_ms, 5000);

	assert_int_equal(redir_decode(vectors[12].bytes, vectors[12].len, A, &m), 0);
	assert_int_equal(m.u.controls.status, REDIR_ST_POWER_ON);
	assert_int_equal(redir_decode(vectors[13].bytes, vectors[13].len, A, &m), 0);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.u.data.len, 5);
	assert_memory_equal(m.u.data.data, "login", 5);
	assert_int_equal(redir_decode(vectors[15].bytes, vectors[15].len, A, &m), 0);
	assert_int_equal(m.seq, 2);
	assert_int_equal(redir_decode(vectors[19].bytes, vectors[19].len, C, &m), 0);
	assert_int_equal(m.u.mc27[2], 0x1b);
}

/* A type from the other side, or one nobody sends, is refused at byte 0. */
static void t_wrong_side_and_unknown(void **state)
{
	static const uint8_t from_amt_only[] = {0x11, 0x14, 0x21, 0x23, 0x25, 0x29, 0x2a};
	static const uint8_t from_console_only[] = {0x10, 0x12, 0x13, 0x20, 0x22, 0x24, 0x27,
						    0x28, 0x40};
	struct redir_msg m;
	size_t fl;
	(void)state;
	for (size_t i = 0; i < sizeof(from_amt_only); i++)
		assert_int_equal(redir_frame_length(&from_amt_only[i], 1, C, &fl), PROTO_E_BAD_COMMAND);
	for (size_t i = 0; i < sizeof(from_console_only); i++)
		assert_int_equal(redir_frame_length(&from_console_only[i], 1, A, &fl),
				 PROTO_E_BAD_COMMAND);
	for (unsigned t = 0; t < 256; t++) {
		uint8_t b[32] = {(uint8_t)t};
		int known = redir_frame_length(b, 1, C, &fl) != PROTO_E_BAD_COMMAND ||
			    redir_frame_length(b, 1, A, &fl) != PROTO_E_BAD_COMMAND;
		assert_int_equal(known, strcmp(redir_msg_name((uint8_t)t), "UNKNOWN") != 0);
		if (!known) {
			assert_int_equal(redir_decode(b, sizeof(b), C, &m), PROTO_E_BAD_COMMAND);
			assert_int_equal(redir_decode(b, sizeof(b), A, &m), PROTO_E_BAD_COMMAND);
		}
	}
	m.type = 0x77;
	uint8_t out[16];
	size_t n;
	assert_int_equal(redir_encode(&m, out, sizeof(out), &n), PROTO_E_BAD_COMMAND);
}

/* Auth data over the cap is refused from the length field alone. */
static void t_oversized(void **state)
{
	uint8_t hdr[9] = {0x13, 0, 0, 0, 4};
	struct redir_msg m;
	size_t fl;
	(void)state;
	uint32_t n = REDIR_AUTH_MAX + 1;
	hdr[5] = (uint8_t)n;
	hdr[6] = (uint8_t)(n >> 8);
	assert_int_equal(redir_frame_length(hdr, sizeof(hdr), C, &fl), PROTO_E_TOO_LARGE);
	assert_int_equal(redir_decode(hdr, sizeof(hdr), C, &m), PROTO_E_TOO_LARGE);
	hdr[0] = 0x14;
	hdr[5] = hdr[6] = 0;
	hdr[8] = 0x80; /* 2^31 */
	assert_int_equal(redir_frame_length(hdr, sizeof(hdr), A, &fl), PROTO_E_TOO_LARGE);

	/* the largest data message frames; its length is what the field says */
	uint8_t *big = calloc(1, REDIR_MSG_MAX);
	assert_non_null(big);
	big[0] = 0x2a;
	big[8] = big[9] = 0xff;
	assert_int_equal(redir_frame_length(big, REDIR_MSG_MAX, A, &fl), 0);
	assert_int_equal(fl, REDIR_MSG_MAX);
	assert_int_equal(redir_decode(big, REDIR_MSG_MAX, A, &m), 0);
	assert_int_equal(m.u.data.len, 65535);

	struct redir_msg e = {.type = REDIR_AUTH, .u.auth = {4, REDIR_AUTH_MAX + 1, big}};
	uint8_t out[16];
	assert_int_equal(redir_encode(&e, out, sizeof(out), &fl), PROTO_E_TOO_LARGE);
	e.u.auth.len = 3;
	e.u.auth.data = NULL;
	assert_int_equal(redir_encode(&e, out, sizeof(out), &fl), PROTO_E_INVALID_ARG);
	free(big);
}

/* Framing walks concatenated messages exactly as they were sent. */
static void t_stream(void **state)
{
	uint8_t buf[512];
	size_t len = 0, idx[NVEC], nidx = 0;
	(void)state;
	for (size_t i = 0; i < NVEC; i++)
		if (vectors[i].dir == A) {
			memcpy(buf + len, vectors[i].bytes, vectors[i].len);
			len += vectors[i].len;
			idx[nidx++] = i;
		}
	size_t off = 0;
	for (size_t k = 0; k < nidx; k++) {
		size_t fl;
		assert_int_equal(redir_frame_length(buf + off, len - off, A, &fl), 0);
		assert_int_equal(fl, vectors[idx[k]].len);
		/* each shorter view of this message is still "more needed" */
		for (size_t cut = 0; cut < fl; cut++)
			assert_int_equal(redir_frame_length(buf + off, cut, A, &fl), PROTO_E_SHORT);
		off += vectors[idx[k]].len;
	}
	assert_int_equal(off, len);
}

static void t_strs(void **state)
{
	struct redir_strs s = {0}, d;
	uint8_t buf[600];
	size_t n;
	(void)state;
	assert_int_equal(redir_strs_add(&s, "admin"), 0);
	assert_int_equal(redir_strs_add(&s, ""), 0);
	assert_int_equal(redir_strs_add(&s, REDIR_DIGEST_URI), 0);
	assert_int_equal(redir_strs_encode(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 1 + 5 + 1 + 1 + 19);
	assert_memory_equal(buf, "\x05" "admin" "\x00" "\x13" "/RedirectionService", n);
	assert_int_equal(redir_strs_encode(&s, buf, n - 1, &n), PROTO_E_NOSPACE);
	assert_int_equal(redir_strs_decode(buf, 27, &d), 0);
	assert_int_equal(d.n, 3);
	assert_true(redir_str_eq(&d, 1, ""));
	/* a string running past the end */
	assert_int_equal(redir_strs_decode((const uint8_t *)"\x05" "adm", 4, &d), PROTO_E_SHORT);
	/* nine strings */
	memset(buf, 0, 9);
	assert_int_equal(redir_strs_decode(buf, 9, &d), PROTO_E_TOO_LARGE);
	assert_int_equal(redir_strs_decode(buf, 8, &d), 0);
	assert_int_equal(d.n, 8);
	assert_int_equal(redir_strs_decode(buf, 0, &d), 0);
	assert_int_equal(d.n, 0);
	/* 256 characters do not fit a length byte */
	char longs[257];
	memset(longs, 'x', 256);
	longs[256] = '\0';
	struct redir_strs t = {0};
	assert_int_equal(redir_strs_add(&t, longs), PROTO_E_TOO_LARGE);
	for (int i = 0; i < 8; i++)
		assert_int_equal(redir_strs_add(&t, "a"), 0);
	assert_int_equal(redir_strs_add(&t, "a"), PROTO_E_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),      cmocka_unit_test(t_truncated_and_trailing),
		cmocka_unit_test(t_fields),          cmocka_unit_test(t_wrong_side_and_unknown),
		cmocka_unit_test(t_oversized),       cmocka_unit_test(t_stream),
		cmocka_unit_test(t_strs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
