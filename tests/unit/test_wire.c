// SPDX-License-Identifier: Apache-2.0
/*
 * test_wire.c - unit tests for the byte cursors in proto/wire.c.
 *
 * Owns: every getter and putter, both endiannesses, the short-read and
 * overflow paths (a failed get must not advance; a failed put must be
 * sticky), and the length-field patch helpers.
 * Must not: depend on any protocol codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto_err.h"
#include "wire.h"

static const uint8_t seq[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

/* ---- getters ---- */

static void test_get_u8(void **state)
{
	struct wire_rd r;
	uint8_t v = 0;

	wire_rd_init(&r, seq, 2);
	assert_int_equal(wire_get_u8(&r, &v), 0);
	assert_int_equal(v, 0x01);
	assert_int_equal(wire_get_u8(&r, &v), 0);
	assert_int_equal(v, 0x02);
	assert_int_equal(wire_rd_left(&r), 0);
	v = 0xAA;
	assert_int_equal(wire_get_u8(&r, &v), PROTO_E_SHORT);
	assert_int_equal(v, 0xAA); /* output untouched on failure */
	assert_int_equal(r.off, 2);
}

static void test_get_u16(void **state)
{
	struct wire_rd r;
	uint16_t v = 0;

	wire_rd_init(&r, seq, 3);
	assert_int_equal(wire_get_u16le(&r, &v), 0);
	assert_int_equal(v, 0x0201);
	/* one byte left: both endiannesses fail and do not advance */
	assert_int_equal(wire_get_u16le(&r, &v), PROTO_E_SHORT);
	assert_int_equal(wire_get_u16be(&r, &v), PROTO_E_SHORT);
	assert_int_equal(r.off, 2);
	assert_int_equal(v, 0x0201);

	wire_rd_init(&r, seq, 4);
	assert_int_equal(wire_get_u16be(&r, &v), 0);
	assert_int_equal(v, 0x0102);
	assert_int_equal(wire_get_u16be(&r, &v), 0);
	assert_int_equal(v, 0x0304);
	assert_int_equal(wire_end(&r), 0);
}

static void test_get_u32(void **state)
{
	struct wire_rd r;
	uint32_t v = 0;

	wire_rd_init(&r, seq, 8);
	assert_int_equal(wire_get_u32le(&r, &v), 0);
	assert_int_equal(v, 0x04030201u);
	assert_int_equal(wire_get_u32be(&r, &v), 0);
	assert_int_equal(v, 0x05060708u);
	assert_int_equal(wire_get_u32le(&r, &v), PROTO_E_SHORT);

	for (size_t len = 0; len < 4; len++) {
		wire_rd_init(&r, seq, len);
		v = 0xDEADBEEF;
		assert_int_equal(wire_get_u32le(&r, &v), PROTO_E_SHORT);
		assert_int_equal(wire_get_u32be(&r, &v), PROTO_E_SHORT);
		assert_int_equal(r.off, 0);
		assert_int_equal(v, 0xDEADBEEF);
	}
}

static void test_get_high_bits(void **state)
{
	/* Values with the top bit set must not sign-extend. */
	static const uint8_t ff[] = {0xFF, 0xFE, 0xFD, 0x80};
	struct wire_rd r;
	uint32_t v32;
	uint16_t v16;

	wire_rd_init(&r, ff, sizeof(ff));
	assert_int_equal(wire_get_u32le(&r, &v32), 0);
	assert_int_equal(v32, 0x80FDFEFFu);
	wire_rd_init(&r, ff, sizeof(ff));
	assert_int_equal(wire_get_u32be(&r, &v32), 0);
	assert_int_equal(v32, 0xFFFEFD80u);
	wire_rd_init(&r, ff, sizeof(ff));
	assert_int_equal(wire_get_u16le(&r, &v16), 0);
	assert_int_equal(v16, 0xFEFF);
	assert_int_equal(wire_get_u16be(&r, &v16), 0);
	assert_int_equal(v16, 0xFD80);
}

static void test_get_bytes(void **state)
{
	struct wire_rd r;
	uint8_t out[8];

	wire_rd_init(&r, seq, sizeof(seq));
	memset(out, 0, sizeof(out));
	assert_int_equal(wire_get_bytes(&r, out, 3), 0);
	assert_memory_equal(out, seq, 3);
	/* NULL out skips */
	assert_int_equal(wire_get_bytes(&r, NULL, 2), 0);
	assert_int_equal(r.off, 5);
	/* zero bytes always succeed, even at the end */
	assert_int_equal(wire_get_bytes(&r, out, 0), 0);
	assert_int_equal(wire_get_bytes(&r, out, 4), PROTO_E_SHORT);
	assert_int_equal(r.off, 5);
	assert_int_equal(wire_get_bytes(&r, out, 3), 0);
	assert_memory_equal(out, seq + 5, 3);
	assert_int_equal(wire_get_bytes(&r, out, 0), 0);
	assert_int_equal(wire_end(&r), 0);
	/* a huge n must not wrap the check */
	wire_rd_init(&r, seq, sizeof(seq));
	assert_int_equal(wire_get_bytes(&r, NULL, SIZE_MAX), PROTO_E_SHORT);
	assert_int_equal(wire_get_bytes(&r, NULL, SIZE_MAX - 3), PROTO_E_SHORT);
	assert_int_equal(r.off, 0);
}

static void test_get_ptr(void **state)
{
	struct wire_rd r;
	const uint8_t *p = NULL;

	wire_rd_init(&r, seq, sizeof(seq));
	assert_int_equal(wire_get_u8(&r, &(uint8_t){0}), 0);
	assert_int_equal(wire_get_ptr(&r, 4, &p), 0);
	assert_ptr_equal(p, seq + 1);
	assert_int_equal(wire_rd_left(&r), 3);
	p = NULL;
	assert_int_equal(wire_get_ptr(&r, 4, &p), PROTO_E_SHORT);
	assert_null(p);
	assert_int_equal(wire_get_ptr(&r, SIZE_MAX, &p), PROTO_E_SHORT);
	assert_int_equal(wire_get_ptr(&r, 3, &p), 0);
	assert_ptr_equal(p, seq + 5);
}

static void test_end(void **state)
{
	struct wire_rd r;
	uint8_t v;

	wire_rd_init(&r, seq, 0);
	assert_int_equal(wire_end(&r), 0);
	assert_int_equal(wire_get_u8(&r, &v), PROTO_E_SHORT);

	wire_rd_init(&r, seq, 2);
	assert_int_equal(wire_end(&r), PROTO_E_TRAILING);
	assert_int_equal(wire_get_u8(&r, &v), 0);
	assert_int_equal(wire_end(&r), PROTO_E_TRAILING);
	assert_int_equal(wire_get_u8(&r, &v), 0);
	assert_int_equal(wire_end(&r), 0);
}

/* ---- putters ---- */

static void test_put_le(void **state)
{
	uint8_t buf[16];
	struct wire_wr w;
	static const uint8_t want[] = {0xAB, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12};

	memset(buf, 0xEE, sizeof(buf));
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0xAB);
	wire_put_u16le(&w, 0x1234);
	wire_put_u32le(&w, 0x12345678u);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(buf[sizeof(want)], 0xEE); /* nothing written past len */
}

static void test_put_be(void **state)
{
	uint8_t buf[6];
	struct wire_wr w;
	static const uint8_t want[] = {0x12, 0x34, 0x12, 0x34, 0x56, 0x78};

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u16be(&w, 0x1234);
	wire_put_u32be(&w, 0x12345678u);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(w.len, 6);
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_put_roundtrip(void **state)
{
	uint8_t buf[12];
	struct wire_wr w;
	struct wire_rd r;
	uint16_t a, b;
	uint32_t c, d;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u16le(&w, 0xBEEF);
	wire_put_u16be(&w, 0xBEEF);
	wire_put_u32le(&w, 0xCAFEF00Du);
	wire_put_u32be(&w, 0xCAFEF00Du);
	assert_int_equal(wire_wr_status(&w), 0);
	wire_rd_init(&r, buf, w.len);
	assert_int_equal(wire_get_u16le(&r, &a), 0);
	assert_int_equal(wire_get_u16be(&r, &b), 0);
	assert_int_equal(wire_get_u32le(&r, &c), 0);
	assert_int_equal(wire_get_u32be(&r, &d), 0);
	assert_int_equal(wire_end(&r), 0);
	assert_int_equal(a, 0xBEEF);
	assert_int_equal(b, 0xBEEF);
	assert_int_equal(c, 0xCAFEF00Du);
	assert_int_equal(d, 0xCAFEF00Du);
	/* the two byte orders really differ on the wire */
	assert_int_equal(buf[0], 0xEF);
	assert_int_equal(buf[2], 0xBE);
}

static void test_put_bytes_zeros(void **state)
{
	uint8_t buf[8];
	struct wire_wr w;
	static const uint8_t want[] = {0x01, 0x02, 0x03, 0x00, 0x00, 0x09};

	memset(buf, 0xEE, sizeof(buf));
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_bytes(&w, seq, 3);
	wire_put_zeros(&w, 2);
	wire_put_bytes(&w, seq, 0);
	wire_put_zeros(&w, 0);
	wire_put_u8(&w, 0x09);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_put_exact_fit(void **state)
{
	uint8_t buf[7];
	struct wire_wr w;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u32le(&w, 1);
	wire_put_u16be(&w, 2);
	wire_put_u8(&w, 3);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(w.len, 7);
	wire_put_zeros(&w, 0); /* zero bytes at the end still fit */
	assert_int_equal(wire_wr_status(&w), 0);
}

static void test_put_overflow_each(void **state)
{
	uint8_t buf[4];
	struct wire_wr w;

	/* Each putter overflows by one byte and must not write anything. */
	for (int which = 0; which < 7; which++) {
		memset(buf, 0xEE, sizeof(buf));
		wire_wr_init(&w, buf, 4);
		wire_put_u8(&w, 0); /* 3 bytes left */
		switch (which) {
		case 0: wire_put_u32le(&w, 0); break;
		case 1: wire_put_u32be(&w, 0); break;
		case 2: wire_put_bytes(&w, seq, 4); break;
		case 3: wire_put_zeros(&w, 4); break;
		case 4: wire_put_u16le(&w, 0); wire_put_u16le(&w, 0); break;
		case 5: wire_put_u16be(&w, 0); wire_put_u16be(&w, 0); break;
		default: wire_put_bytes(&w, seq, 3); wire_put_u8(&w, 0); break;
		}
		assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
		assert_true(w.overflow);
		assert_true(w.len <= 4);
	}
	/* the failing put itself wrote nothing */
	memset(buf, 0xEE, sizeof(buf));
	wire_wr_init(&w, buf, 3);
	wire_put_u32le(&w, 0);
	assert_int_equal(w.len, 0);
	assert_int_equal(buf[0], 0xEE);
}

static void test_put_overflow_sticky(void **state)
{
	uint8_t buf[4];
	struct wire_wr w;

	memset(buf, 0xEE, sizeof(buf));
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u16le(&w, 0x1111);
	wire_put_u32le(&w, 0x22222222u); /* does not fit */
	assert_int_equal(w.len, 2);
	/* a put that would fit is refused after an overflow */
	wire_put_u16le(&w, 0x3333);
	wire_put_u8(&w, 0x44);
	wire_put_zeros(&w, 0);
	assert_int_equal(w.len, 2);
	assert_int_equal(buf[2], 0xEE);
	assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
	wire_patch_u32le(&w, 0, 0);
	assert_int_equal(buf[0], 0x11); /* patch refused too */
	assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
}

static void test_put_huge(void **state)
{
	uint8_t buf[4];
	struct wire_wr w;

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0);
	wire_put_bytes(&w, seq, SIZE_MAX); /* must not wrap */
	assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_zeros(&w, SIZE_MAX - 1);
	assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
	assert_int_equal(w.len, 0);
}

static void test_put_zero_cap(void **state)
{
	uint8_t buf[1] = {0xEE};
	struct wire_wr w;

	wire_wr_init(&w, buf, 0);
	wire_put_u8(&w, 1);
	assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
	assert_int_equal(buf[0], 0xEE);
}

static void test_patch(void **state)
{
	uint8_t buf[12];
	struct wire_wr w;
	static const uint8_t want[] = {0xAA, 0x0C, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x0C, 0xBB, 0xCC, 0xDD};

	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_u8(&w, 0xAA);
	size_t at_le = w.len;
	wire_put_u32le(&w, 0); /* reserved */
	size_t at_be = w.len;
	wire_put_u32be(&w, 0); /* reserved */
	wire_put_u8(&w, 0xBB);
	wire_put_u8(&w, 0xCC);
	wire_put_u8(&w, 0xDD);
	wire_patch_u32le(&w, at_le, (uint32_t)w.len);
	wire_patch_u32be(&w, at_be, (uint32_t)w.len);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* patching the last four written bytes is allowed */
	wire_patch_u32be(&w, w.len - 4, 0x01020304u);
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(buf[8], 0x01);
	assert_int_equal(buf[11], 0x04);
}

static void test_patch_out_of_range(void **state)
{
	uint8_t buf[16];
	struct wire_wr w;

	/* Patching past what was written is an overflow even if cap allows it. */
	static const size_t bad_at[] = {3, 4, 5, 100, SIZE_MAX, SIZE_MAX - 2};
	for (size_t i = 0; i < sizeof(bad_at) / sizeof(bad_at[0]); i++) {
		for (int be = 0; be < 2; be++) {
			memset(buf, 0xEE, sizeof(buf));
			wire_wr_init(&w, buf, sizeof(buf));
			wire_put_zeros(&w, 6);
			if (be)
				wire_patch_u32be(&w, bad_at[i], 0x11223344u);
			else
				wire_patch_u32le(&w, bad_at[i], 0x11223344u);
			assert_int_equal(wire_wr_status(&w), PROTO_E_NOSPACE);
			assert_int_equal(buf[3], 0x00);
			assert_int_equal(buf[6], 0xEE);
		}
	}
	wire_wr_init(&w, buf, sizeof(buf));
	wire_put_zeros(&w, 6);
	wire_patch_u32le(&w, 2, 0x11223344u); /* bytes 2..5: fits */
	assert_int_equal(wire_wr_status(&w), 0);
	assert_int_equal(buf[2], 0x44);
	assert_int_equal(buf[5], 0x11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_u8),
		cmocka_unit_test(test_get_u16),
		cmocka_unit_test(test_get_u32),
		cmocka_unit_test(test_get_high_bits),
		cmocka_unit_test(test_get_bytes),
		cmocka_unit_test(test_get_ptr),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_put_le),
		cmocka_unit_test(test_put_be),
		cmocka_unit_test(test_put_roundtrip),
		cmocka_unit_test(test_put_bytes_zeros),
		cmocka_unit_test(test_put_exact_fit),
		cmocka_unit_test(test_put_overflow_each),
		cmocka_unit_test(test_put_overflow_sticky),
		cmocka_unit_test(test_put_huge),
		cmocka_unit_test(test_put_zero_cap),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_patch_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
