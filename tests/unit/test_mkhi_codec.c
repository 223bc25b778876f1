// SPDX-License-Identifier: Apache-2.0
/*
 * test_mkhi_codec.c - unit tests for proto/mkhi_codec.c.
 *
 * Owns: known-good GET_FW_VERSION request and responses written out byte by
 * byte (1, 2 and 3 blocks; platform byte 0 and non-zero, the UNVERIFIED
 * u8-major vs u16-major reading), their re-encoding, the truncation sweep,
 * wrong group/command/response bit/reserved, and the body-size rules.
 * Must not: touch a device. Mutated messages are decoded from exact-size
 * heap copies so ASan sees any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto_err.h"
#include "mkhi_codec.h"

static const uint8_t fw_version_req[] = {0xFF, 0x02, 0x00, 0x00};

/* ME 16.1.25.2049, platform byte 0 (one block). */
static const uint8_t fw_version_1_msg[] = {
	0xFF, 0x82, 0x00, 0x00,                         /* GEN, GET_FW_VERSION|0x80, 0, success */
	/* minor 1, major 16, platform 0, build 2049, hotfix 25 */
	0x01, 0x00, 0x10, 0x00, 0x01, 0x08, 0x19, 0x00,
};
/* Code + recovery blocks; the code block has platform byte 0x05. */
static const uint8_t fw_version_2_msg[] = {
	0xFF, 0x82, 0x00, 0x00,
	0x01, 0x00, 0x10, 0x05, 0x01, 0x08, 0x19, 0x00, /* 16.1.25.2049, platform 5 */
	0x01, 0x00, 0x10, 0x00, 0x01, 0x08, 0x19, 0x00, /* recovery 16.1.25.2049 */
};
/* Code, recovery and FITC blocks, with a failing result byte (0x89). */
static const uint8_t fw_version_3_msg[] = {
	0xFF, 0x82, 0x00, 0x89,
	0x34, 0x12, 0x0B, 0x00, 0xCD, 0xAB, 0xFF, 0xFF, /* 11.4660.65535.43981 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0.0.0.0 */
	0x02, 0x00, 0x0C, 0xFF, 0x10, 0x00, 0x03, 0x00, /* 12.2.3.16, platform 0xFF */
};

static uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

struct vec {
	const char *name;
	const uint8_t *msg;
	size_t len;
	unsigned blocks;
	uint8_t result;
};
#define V(m, b, r) {#m, m, sizeof(m), b, r}
static const struct vec vecs[] = {
	V(fw_version_1_msg, 1, 0),
	V(fw_version_2_msg, 2, 0),
	V(fw_version_3_msg, 3, 0x89),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

static int decode(const uint8_t *msg, size_t len, uint8_t *result, const uint8_t **body,
		  size_t *blen)
{
	return mkhi_decode_response(msg, len, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, result,
				    body, blen);
}

static void test_request(void **state)
{
	uint8_t buf[8], group, cmd;
	const uint8_t *body;
	size_t n, blen;

	assert_int_equal(mkhi_encode_request(buf, sizeof(buf), MKHI_GROUP_GEN,
					     MKHI_CMD_GET_FW_VERSION, &n), 0);
	assert_int_equal(n, sizeof(fw_version_req));
	assert_memory_equal(buf, fw_version_req, n);
	for (size_t cap = 0; cap < 4; cap++) {
		uint8_t *c = malloc(cap ? cap : 1);
		assert_non_null(c);
		assert_int_equal(mkhi_encode_request(c, cap, MKHI_GROUP_GEN, 2, &n),
				 PROTO_E_NOSPACE);
		free(c);
	}
	assert_int_equal(mkhi_encode_request(buf, sizeof(buf), MKHI_GROUP_GEN, 0x82, &n),
			 PROTO_E_INVALID_ARG);
	assert_int_equal(mkhi_encode_request(NULL, 4, MKHI_GROUP_GEN, 2, &n), PROTO_E_INVALID_ARG);

	uint8_t *c = dup_exact(fw_version_req, 4);
	assert_int_equal(mkhi_decode_request(c, 4, &group, &cmd, &body, &blen), 0);
	assert_int_equal(group, MKHI_GROUP_GEN);
	assert_int_equal(cmd, MKHI_CMD_GET_FW_VERSION);
	assert_int_equal(blen, 0);
	assert_ptr_equal(body, c + 4);
	c[1] = 0x82; /* a response is not a request */
	assert_int_equal(mkhi_decode_request(c, 4, &group, &cmd, &body, &blen), PROTO_E_BAD_COMMAND);
	c[1] = 0x02;
	/* Firmware answers whatever the reserved and result bytes hold (metee's
	 * MKHI test leaves them uninitialised): a request decodes anyway. */
	for (unsigned v = 1; v < 256; v++) {
		c[2] = (uint8_t)v;
		c[3] = (uint8_t)(255 - v);
		assert_int_equal(mkhi_decode_request(c, 4, &group, &cmd, &body, &blen), 0);
		assert_int_equal(group, MKHI_GROUP_GEN);
		assert_int_equal(cmd, MKHI_CMD_GET_FW_VERSION);
		assert_int_equal(blen, 0);
	}
	free(c);
	for (size_t k = 0; k < 4; k++) {
		c = dup_exact(fw_version_req, k);
		assert_int_equal(mkhi_decode_request(c, k, &group, &cmd, &body, &blen),
				 PROTO_E_SHORT);
		free(c);
	}
	/* a request with a body (FWCAPS get rule: u32 rule id) */
	static const uint8_t caps_req[] = {0x03, 0x02, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00};
	c = dup_exact(caps_req, sizeof(caps_req));
	assert_int_equal(mkhi_decode_request(c, sizeof(caps_req), &group, &cmd, &body, &blen), 0);
	assert_int_equal(group, 3);
	assert_int_equal(blen, 4);
	assert_int_equal(body[0], 0x20);
	free(c);
}

static void test_vectors(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		struct mkhi_fw_version fw;
		uint8_t *c = dup_exact(v->msg, v->len), result = 0xEE, out[64], resp[64];
		const uint8_t *body;
		size_t blen, n, rn;

		print_message("%s\n", v->name);
		assert_int_equal(decode(c, v->len, &result, &body, &blen), 0);
		assert_int_equal(result, v->result);
		assert_ptr_equal(body, c + 4);
		assert_int_equal(blen, v->len - 4);
		assert_int_equal(mkhi_decode_fw_version(body, blen, &fw), 0);
		assert_int_equal(fw.count, v->blocks);
		assert_int_equal(mkhi_encode_fw_version(out, sizeof(out), &fw, &n), 0);
		assert_int_equal(n, blen);
		assert_memory_equal(out, body, n);
		assert_int_equal(mkhi_encode_response(resp, sizeof(resp), MKHI_GROUP_GEN,
						      MKHI_CMD_GET_FW_VERSION, v->result, out, n,
						      &rn), 0);
		assert_int_equal(rn, v->len);
		assert_memory_equal(resp, v->msg, rn);
		for (size_t cap = 0; cap < v->len; cap++) {
			uint8_t *w = malloc(cap ? cap : 1);
			assert_non_null(w);
			assert_int_equal(mkhi_encode_response(w, cap, MKHI_GROUP_GEN, 2, v->result,
							      out, n, &rn), PROTO_E_NOSPACE);
			if (cap < blen)
				assert_int_equal(mkhi_encode_fw_version(w, cap, &fw, &rn),
						 PROTO_E_NOSPACE);
			free(w);
		}
		free(c);
	}
}

static void test_fields(void **state)
{
	struct mkhi_fw_version fw;
	char s[32];

	assert_int_equal(mkhi_decode_fw_version(fw_version_1_msg + 4, 8, &fw), 0);
	assert_int_equal(fw.blocks[0].major, 16);
	assert_int_equal(fw.blocks[0].minor, 1);
	assert_int_equal(fw.blocks[0].platform, 0);
	assert_int_equal(fw.blocks[0].build, 2049);
	assert_int_equal(fw.blocks[0].hotfix, 25);
	mkhi_fw_version_format(&fw.blocks[0], s, sizeof(s));
	assert_string_equal(s, "16.1.25.2049");

	/* UNVERIFIED: byte 3 is the kernel's platform, the high byte of a u16
	 * major for intel/lms; both readings stay available. */
	assert_int_equal(mkhi_decode_fw_version(fw_version_2_msg + 4, 16, &fw), 0);
	assert_int_equal(fw.blocks[0].major, 16);
	assert_int_equal(fw.blocks[0].platform, 5);
	assert_int_equal(fw.blocks[0].major | fw.blocks[0].platform << 8, 0x0510);
	mkhi_fw_version_format(&fw.blocks[0], s, sizeof(s));
	assert_string_equal(s, "16.1.25.2049");
	assert_int_equal(fw.blocks[1].platform, 0);

	assert_int_equal(mkhi_decode_fw_version(fw_version_3_msg + 4, 24, &fw), 0);
	mkhi_fw_version_format(&fw.blocks[0], s, sizeof(s));
	assert_string_equal(s, "11.4660.65535.43981");
	mkhi_fw_version_format(&fw.blocks[1], s, sizeof(s));
	assert_string_equal(s, "0.0.0.0");
	mkhi_fw_version_format(&fw.blocks[2], s, sizeof(s));
	assert_string_equal(s, "12.2.3.16");
	assert_int_equal(fw.blocks[2].platform, 0xFF);

	/* formatting truncates safely */
	mkhi_fw_version_format(&fw.blocks[0], s, 5);
	assert_string_equal(s, "11.4");
	s[0] = 'x';
	mkhi_fw_version_format(&fw.blocks[0], s, 0);
	assert_int_equal(s[0], 'x');
	mkhi_fw_version_format(NULL, s, sizeof(s));
	assert_string_equal(s, "");
}

static void test_truncation_sweep(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t result;
		const uint8_t *body;
		size_t blen;

		/* header prefixes fail in the envelope */
		for (size_t k = 0; k < 4; k++) {
			uint8_t *c = dup_exact(v->msg, k);
			assert_int_equal(decode(c, k, &result, &body, &blen),
					 k == 0 ? PROTO_E_EMPTY : PROTO_E_SHORT);
			free(c);
		}
		/* a body that is not a whole number of blocks fails; shorter whole
		 * numbers of blocks are themselves valid messages */
		for (size_t k = 4; k < v->len; k++) {
			struct mkhi_fw_version fw;
			uint8_t *c = dup_exact(v->msg, k);
			assert_int_equal(decode(c, k, &result, &body, &blen), 0);
			int rc = mkhi_decode_fw_version(body, blen, &fw);
			if (blen < 8)
				assert_int_equal(rc, PROTO_E_SHORT);
			else if (blen % 8)
				assert_int_equal(rc, PROTO_E_LENGTH_MISMATCH);
			else
				assert_int_equal(rc, 0);
			if (rc)
				assert_int_equal(fw.count, 0);
			else
				assert_int_equal(fw.count, blen / 8);
			free(c);
		}
	}
}

static void test_body_sizes(void **state)
{
	static uint8_t big[64];
	struct mkhi_fw_version fw;

	memset(big, 0x11, sizeof(big));
	for (size_t n = 0; n <= sizeof(big); n++) {
		uint8_t *c = dup_exact(big, n);
		int rc = mkhi_decode_fw_version(c, n, &fw);
		int want = n < 8 ? PROTO_E_SHORT
			 : n > 24 ? PROTO_E_TRAILING
			 : n % 8 ? PROTO_E_LENGTH_MISMATCH : 0;
		assert_int_equal(rc, want);
		free(c);
	}
	assert_int_equal(mkhi_decode_fw_version(NULL, 0, &fw), PROTO_E_SHORT);
	assert_int_equal(mkhi_decode_fw_version(NULL, 8, &fw), PROTO_E_INVALID_ARG);
	assert_int_equal(mkhi_decode_fw_version(big, 8, NULL), PROTO_E_INVALID_ARG);

	/* a trailing byte after the third block */
	uint8_t *c = malloc(sizeof(fw_version_3_msg) + 1);
	uint8_t result;
	const uint8_t *body;
	size_t blen;
	assert_non_null(c);
	memcpy(c, fw_version_3_msg, sizeof(fw_version_3_msg));
	c[sizeof(fw_version_3_msg)] = 0;
	assert_int_equal(decode(c, sizeof(fw_version_3_msg) + 1, &result, &body, &blen), 0);
	assert_int_equal(mkhi_decode_fw_version(body, blen, &fw), PROTO_E_TRAILING);
	free(c);

	/* the encoder takes 1..3 blocks only */
	uint8_t out[32];
	size_t n;
	memset(&fw, 0, sizeof(fw));
	assert_int_equal(mkhi_encode_fw_version(out, sizeof(out), &fw, &n), PROTO_E_INVALID_ARG);
	fw.count = 4;
	assert_int_equal(mkhi_encode_fw_version(out, sizeof(out), &fw, &n), PROTO_E_INVALID_ARG);
}

static void test_bad_header(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *c = dup_exact(v->msg, v->len), result;
		const uint8_t *body;
		size_t blen;

		c[1] = MKHI_CMD_GET_FW_VERSION; /* response bit missing */
		assert_int_equal(decode(c, v->len, &result, &body, &blen), PROTO_E_BAD_COMMAND);
		c[1] = 0x83; /* another command */
		assert_int_equal(decode(c, v->len, &result, &body, &blen), PROTO_E_BAD_COMMAND);
		c[1] = 0x82;
		c[0] = 0x03; /* another group */
		assert_int_equal(decode(c, v->len, &result, &body, &blen), PROTO_E_BAD_COMMAND);
		c[0] = 0xFF;
		for (unsigned r = 1; r < 256; r++) {
			c[2] = (uint8_t)r;
			assert_int_equal(decode(c, v->len, &result, &body, &blen),
					 PROTO_E_BAD_RESERVED);
		}
		c[2] = 0;
		/* the caller asked for another command than the reply answers */
		assert_int_equal(mkhi_decode_response(c, v->len, MKHI_GROUP_GEN, 0x03, &result,
						      &body, &blen), PROTO_E_BAD_COMMAND);
		assert_int_equal(mkhi_decode_response(c, v->len, 0x03, MKHI_CMD_GET_FW_VERSION,
						      &result, &body, &blen), PROTO_E_BAD_COMMAND);
		/* every result byte passes the envelope: the caller judges it */
		for (unsigned r = 0; r < 256; r++) {
			c[3] = (uint8_t)r;
			assert_int_equal(decode(c, v->len, &result, &body, &blen), 0);
			assert_int_equal(result, r);
		}
		free(c);
	}
	uint8_t result;
	const uint8_t *body;
	size_t blen;
	assert_int_equal(decode(NULL, 0, &result, &body, &blen), PROTO_E_EMPTY);
	assert_int_equal(decode(NULL, 4, &result, &body, &blen), PROTO_E_INVALID_ARG);
}

/* GetRule for the features-enabled rule, as intel/lms sends it. */
static const uint8_t rule_req[] = {0x03, 0x02, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00};
/* Its answer: rule 0x20 echoed, 4 data bytes, AMT (bit 2) and KVM (bit 18). */
static const uint8_t rule_rsp[] = {0x03, 0x82, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
				   0x04, 0x04, 0x00, 0x04, 0x00};

static void test_get_rule(void **state)
{
	uint8_t buf[16], group, cmd, result;
	const uint8_t *body;
	size_t n, blen;
	uint32_t rule, value;

	assert_int_equal(mkhi_encode_get_rule(buf, sizeof(buf),
					      MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED), &n), 0);
	assert_int_equal(n, sizeof(rule_req));
	assert_memory_equal(buf, rule_req, n);
	for (size_t cap = 0; cap < sizeof(rule_req); cap++)
		assert_int_equal(mkhi_encode_get_rule(buf, cap, 0x20, &n), PROTO_E_NOSPACE);
	assert_int_equal(mkhi_encode_get_rule(NULL, 8, 0x20, &n), PROTO_E_INVALID_ARG);

	/* simulator side: exactly a u32 */
	uint8_t *c = dup_exact(rule_req, sizeof(rule_req));
	assert_int_equal(mkhi_decode_request(c, sizeof(rule_req), &group, &cmd, &body, &blen), 0);
	assert_int_equal(group, MKHI_GROUP_FWCAPS);
	assert_int_equal(cmd, MKHI_CMD_FWCAPS_GET_RULE);
	assert_int_equal(mkhi_decode_get_rule(body, blen, &rule), 0);
	assert_int_equal(rule, 0x20);
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(mkhi_decode_get_rule(body, k, &rule), PROTO_E_SHORT);
	free(c);
	uint8_t five[5] = {0x1d, 0, 0, 0, 0};
	assert_int_equal(mkhi_decode_get_rule(five, 5, &rule), PROTO_E_TRAILING);
	assert_int_equal(mkhi_decode_get_rule(five, 4, &rule), 0);
	assert_int_equal(rule, MKHI_RULE_PLATFORM_TYPE);
	assert_int_equal(mkhi_decode_get_rule(NULL, 4, &rule), PROTO_E_INVALID_ARG);

	/* the answer, encoded and decoded */
	uint8_t out[16], rsp[32];
	assert_int_equal(mkhi_encode_rule_u32(out, sizeof(out), 0x20,
					      MKHI_FEATURE_AMT | MKHI_FEATURE_KVM, &n), 0);
	assert_int_equal(mkhi_encode_response(rsp, sizeof(rsp), MKHI_GROUP_FWCAPS,
					      MKHI_CMD_FWCAPS_GET_RULE, 0, out, n, &n), 0);
	assert_int_equal(n, sizeof(rule_rsp));
	assert_true(n >= MKHI_RULE_REPLY_MIN);
	assert_memory_equal(rsp, rule_rsp, n);
	for (size_t cap = 0; cap < 9; cap++)
		assert_int_equal(mkhi_encode_rule_u32(out, cap, 0x20, 1, &n), PROTO_E_NOSPACE);

	c = dup_exact(rule_rsp, sizeof(rule_rsp));
	assert_int_equal(mkhi_decode_response(c, sizeof(rule_rsp), MKHI_GROUP_FWCAPS,
					      MKHI_CMD_FWCAPS_GET_RULE, &result, &body, &blen), 0);
	assert_int_equal(result, 0);
	assert_int_equal(mkhi_decode_rule_u32(body, blen, 0x20, &value), 0);
	assert_int_equal(value, MKHI_FEATURE_AMT | MKHI_FEATURE_KVM);
	assert_true(value & MKHI_FEATURE_AMT);
	/* another rule than asked, another data length */
	value = 7;
	assert_int_equal(mkhi_decode_rule_u32(body, blen, 0x1d, &value), PROTO_E_BAD_VALUE);
	assert_int_equal(value, 7);
	c[8] = 2;
	assert_int_equal(mkhi_decode_rule_u32(body, blen, 0x20, &value), PROTO_E_LENGTH_MISMATCH);
	c[8] = 4;
	free(c);
	/* truncation sweep of the body, and a trailing byte */
	const uint8_t *rb = rule_rsp + 4;
	for (size_t k = 0; k < 9; k++) {
		c = dup_exact(rb, k);
		assert_int_equal(mkhi_decode_rule_u32(c, k, 0x20, &value), PROTO_E_SHORT);
		free(c);
	}
	uint8_t longer[10];
	memcpy(longer, rb, 9);
	longer[9] = 0;
	assert_int_equal(mkhi_decode_rule_u32(longer, 10, 0x20, &value), PROTO_E_TRAILING);
	assert_int_equal(mkhi_decode_rule_u32(NULL, 9, 0x20, &value), PROTO_E_INVALID_ARG);
}

static void test_platform_type_fields(void **state)
{
	/* desktop, production signed, image type 4 (full/corporate), brand AMT */
	uint32_t v = MKHI_PLATFORM_DESKTOP | MKHI_PLATFORM_PROD_SIGNED |
		     MKHI_IMAGE_FULL_SKU << 8 | MKHI_BRAND_AMT << 12;
	assert_int_equal(v, 0x1482);
	assert_int_equal(MKHI_PLATFORM_IMAGE_TYPE(v), 4);
	assert_int_equal(MKHI_PLATFORM_BRAND(v), 1);
	assert_int_equal(MKHI_PLATFORM_IMAGE_TYPE(0xFFFF0FFFu), 0xF);
	assert_int_equal(MKHI_PLATFORM_BRAND(0xFFFF0FFFu), 0);
	assert_int_equal(MKHI_RULE_ID(0, 32), 0x20);
	assert_int_equal(MKHI_RULE_ID(1, 2), 0x10002);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_body_sizes),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_get_rule),
		cmocka_unit_test(test_platform_type_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
