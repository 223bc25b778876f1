// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_mkhi.c - the simulated MKHI client (tools/sim/sim_mkhi.c) as real
 * host software sees it: intel/metee's PROD_MKHI_SimpleGetVersion request
 * with junk in the reserved/result bytes, GET_FW_VERSION with three blocks
 * (two as an option), the FWCAPS GetRule answers Intel LMS needs to start
 * (features enabled, platform type, features capable) derived from [amt]
 * sku, and an answer, never silence, to requests it cannot serve. In
 * process through sim_conn_*, then end to end: libheci's Linux backend and
 * the agent's MKHI calls against the FUSE device file.
 * Must not: leave a mount behind; the FUSE part skips without root and
 * /dev/fuse.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "heci.h"
#include "heci_error.h"
#include "mkhi.h"
#include "mkhi_codec.h"
#include "sim_fw_test.h"
#include "tools/sim/sim_fuse.h"

/* One MKHI exchange in process; returns the reply length, or -1 when the
 * simulator stayed silent for SIMT_WAIT_MS (the bug this file guards). */
static long mkhi_call(struct sim_fw *fw, const uint8_t *req, size_t len, uint8_t *rsp,
		      size_t cap)
{
	long n = -EAGAIN;
	struct sim_conn *c = sim_conn_open(fw->me, NULL, NULL);
	assert_non_null(c);
	assert_int_equal(sim_conn_connect(c, HECI_GUID_MKHI.b, NULL, NULL), 0);
	assert_int_equal(sim_conn_write(c, req, len), 0);
	for (int i = 0; i < SIMT_WAIT_MS && n == -EAGAIN; i++) {
		n = sim_conn_read(c, rsp, cap);
		if (n == -EAGAIN)
			simt_sleep_ms(1);
	}
	sim_conn_close(c);
	return n < 0 ? -1 : n;
}

static void fw_with(struct sim_fw *fw, void (*edit)(struct sim_state *))
{
	struct sim_state st;
	sim_state_defaults(&st);
	if (edit)
		edit(&st);
	assert_int_equal(simt_fw_init(fw, &st), 0);
}

/* GetRule for rule_id; returns the MKHI result, *value on success. */
static uint8_t get_rule(struct sim_fw *fw, uint32_t rule_id, uint32_t *value)
{
	uint8_t req[8], rsp[64], result;
	const uint8_t *body;
	size_t n, blen;

	assert_int_equal(mkhi_encode_get_rule(req, sizeof(req), rule_id, &n), 0);
	long got = mkhi_call(fw, req, n, rsp, sizeof(rsp));
	assert_true(got > 0);
	assert_int_equal(mkhi_decode_response(rsp, (size_t)got, MKHI_GROUP_FWCAPS,
					      MKHI_CMD_FWCAPS_GET_RULE, &result, &body, &blen), 0);
	if (result == 0) {
		/* Intel LMS: at least 9 bytes, rule echoed, data length 4 */
		assert_true((size_t)got >= MKHI_RULE_REPLY_MIN);
		assert_int_equal(mkhi_decode_rule_u32(body, blen, rule_id, value), 0);
	} else {
		assert_int_equal(got, MKHI_HDR_LEN);
	}
	return result;
}

/* Item 12: metee's GEN_GET_FW_VERSION leaves Reserved and Result to chance. */
static void test_reserved_and_result_bytes_ignored(void **state)
{
	struct sim_fw fw;
	uint8_t rsp[64];

	fw_with(&fw, NULL);
	for (unsigned junk = 1; junk < 256; junk += 51) {
		uint8_t req[4] = {0xFF, 0x02, (uint8_t)junk, (uint8_t)(junk ^ 0xA5)};
		print_message("reserved 0x%02x result 0x%02x\n", req[2], req[3]);
		long n = mkhi_call(&fw, req, sizeof(req), rsp, sizeof(rsp));
		assert_true(n > 0); /* answered, not dropped */
		assert_int_equal(n, 28);
		assert_int_equal(rsp[0], 0xFF);
		assert_int_equal(rsp[1], 0x82);
		assert_int_equal(rsp[2], 0); /* a response's own reserved byte is 0 */
		assert_int_equal(rsp[3], 0); /* success */
		/* metee checks CodeMajor (bytes 2-3 of the block) and CodeBuildNo */
		assert_int_equal(rsp[6] | rsp[7] << 8, 16);
		assert_int_equal(rsp[8] | rsp[9] << 8, 2049);
	}
	simt_fw_free(&fw);
}

static void two_blocks(struct sim_state *st)
{
	st->mkhi_version_blocks = 2;
}

/* Item 13: code, NFTP and FITC blocks by default; two as an option. */
static void test_fw_version_blocks(void **state)
{
	static const uint8_t req[4] = {0xFF, 0x02, 0x00, 0x00};
	struct sim_fw fw;
	struct mkhi_fw_version v;
	uint8_t rsp[64], result;
	const uint8_t *body;
	size_t blen;
	char s[32];

	fw_with(&fw, NULL);
	long n = mkhi_call(&fw, req, sizeof(req), rsp, sizeof(rsp));
	assert_int_equal(n, 28);
	assert_int_equal(mkhi_decode_response(rsp, 28, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION,
					      &result, &body, &blen), 0);
	assert_int_equal(mkhi_decode_fw_version(body, blen, &v), 0);
	assert_int_equal(v.count, 3);
	for (unsigned i = 0; i < 3; i++) {
		mkhi_fw_version_format(&v.blocks[i], s, sizeof(s));
		assert_string_equal(s, "16.1.25.2049");
	}
	simt_fw_free(&fw);

	fw_with(&fw, two_blocks);
	n = mkhi_call(&fw, req, sizeof(req), rsp, sizeof(rsp));
	assert_int_equal(n, 20);
	assert_int_equal(mkhi_decode_response(rsp, 20, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION,
					      &result, &body, &blen), 0);
	assert_int_equal(mkhi_decode_fw_version(body, blen, &v), 0);
	assert_int_equal(v.count, 2);
	simt_fw_free(&fw);
}

/* Item 14: what Intel LMS reads at start, for the default AMT Pro corporate
 * SKU (16392 = 0x4008): it loads LME and port forwarding only for image
 * type 4 with brand AMT/ISM/L3 and the AMT bit of rule 32. */
static void test_fwcaps_amt_pro(void **state)
{
	struct sim_fw fw;
	uint32_t v = 0;

	fw_with(&fw, NULL);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED), &v), 0);
	assert_int_equal(v, MKHI_FEATURE_AMT | MKHI_FEATURE_KVM);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE), &v), 0);
	assert_int_equal(MKHI_PLATFORM_IMAGE_TYPE(v), MKHI_IMAGE_FULL_SKU);
	assert_int_equal(MKHI_PLATFORM_BRAND(v), MKHI_BRAND_AMT);
	assert_true(v & MKHI_PLATFORM_DESKTOP);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FW_SKU), &v), 0);
	assert_int_equal(v, MKHI_FEATURE_AMT | MKHI_FEATURE_KVM);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_AVAILABLE), &v), 0);
	assert_true(v & MKHI_FEATURE_AMT);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FW_UPDATE), &v), 0);
	assert_int_equal(v, 1);
	/* a rule we do not serve: an error result, not silence */
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, 5), &v), 0x85);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(1, MKHI_RULE_FEATURES_ENABLED), &v), 0x85);
	simt_fw_free(&fw);
}

static void ism_consumer(struct sim_state *st)
{
	snprintf(st->sku, sizeof(st->sku), "16"); /* Standard Manageability, not corporate */
}

static void amt_disabled(struct sim_state *st)
{
	st->amt_enabled = false;
}

static void explicit_values(struct sim_state *st)
{
	st->fw_features = (struct sim_opt_u32){true, 0x00200004};
	st->fw_features_enabled = (struct sim_opt_u32){true, 0};
	st->platform_type = (struct sim_opt_u32){true, 0x2381};
	st->fw_update_state = (struct sim_opt_u32){true, 2};
}

static void test_fwcaps_follow_state(void **state)
{
	struct sim_fw fw;
	uint32_t v = 0;

	fw_with(&fw, ism_consumer);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED), &v), 0);
	assert_int_equal(v, MKHI_FEATURE_AMT); /* no KVM on ISM */
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE), &v), 0);
	assert_int_equal(MKHI_PLATFORM_BRAND(v), MKHI_BRAND_STD_MNG);
	assert_int_equal(MKHI_PLATFORM_IMAGE_TYPE(v), MKHI_IMAGE_SMALL_SKU);
	simt_fw_free(&fw);

	/* disabled in the MEBx: capable, not enabled */
	fw_with(&fw, amt_disabled);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FW_SKU), &v), 0);
	assert_true(v & MKHI_FEATURE_AMT);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED), &v), 0);
	assert_false(v & MKHI_FEATURE_AMT);
	simt_fw_free(&fw);

	fw_with(&fw, explicit_values);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FW_SKU), &v), 0);
	assert_int_equal(v, 0x00200004);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED), &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE), &v), 0);
	assert_int_equal(v, 0x2381);
	assert_int_equal(get_rule(&fw, MKHI_RULE_ID(0, MKHI_RULE_FW_UPDATE), &v), 0);
	assert_int_equal(v, 2);
	simt_fw_free(&fw);
}

/* Requests it cannot serve get a header with a reason, never silence. */
static void test_never_silent(void **state)
{
	static const struct {
		const char *what;
		uint8_t req[8];
		size_t len;
		uint8_t group, command, result;
	} cases[] = {
		{"unknown command", {0xFF, 0x18, 0, 0}, 4, 0xFF, 0x18, 0x8D},
		{"unknown group", {0x07, 0x01, 0, 0}, 4, 0x07, 0x01, 0x8D},
		{"response bit set", {0xFF, 0x82, 0, 0}, 4, 0xFF, 0x02, 0x8D},
		{"GET_FW_VERSION with a body", {0xFF, 0x02, 0, 0, 1}, 5, 0xFF, 0x02, 0x05},
		{"GetRule without its rule id", {0x03, 0x02, 0, 0, 0x20}, 5, 0x03, 0x02, 0x05},
		{"three bytes", {0xFF, 0x02, 0}, 3, 0xFF, 0x02, 0x05},
		{"one byte", {0x03}, 1, 0x03, 0x00, 0x05},
	};
	struct sim_fw fw;
	uint8_t rsp[64];

	fw_with(&fw, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		long n = mkhi_call(&fw, cases[i].req, cases[i].len, rsp, sizeof(rsp));
		assert_int_equal(n, 4);
		assert_int_equal(rsp[0], cases[i].group);
		assert_int_equal(rsp[1], cases[i].command | 0x80);
		assert_int_equal(rsp[2], 0);
		assert_int_equal(rsp[3], cases[i].result);
	}
	simt_fw_free(&fw);
}

/* ---- end to end: the FUSE device file, libheci, the agent's MKHI calls ---- */

static void *loop_main(void *arg)
{
	return (void *)(intptr_t)sim_fuse_run(arg);
}

static void test_agent_calls_over_device(void **state)
{
	char dir[] = "/tmp/amt-sim-mkhi.XXXXXX", path[64], err[256];
	struct sim_fw fw;
	struct mkhi_fw_version v;
	pthread_t loop;
	uint32_t value = 0;
	uint8_t result = 0xEE;

	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mei0", dir);
	fw_with(&fw, NULL);
	struct sim_fuse *f = sim_fuse_new(fw.me, path, NULL, err, sizeof(err));
	if (!f)
		fail_msg("sim_fuse_new: %s", err);
	assert_int_equal(pthread_create(&loop, NULL, loop_main, f), 0);

	struct heci_opts o = {.device = path};
	struct heci *h = heci_new(&o);
	assert_non_null(h);
	assert_int_equal(mkhi_get_fw_version(h, 5000, &v, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(v.count, 3);
	assert_int_equal(mkhi_get_rule_u32(h, 5000, MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED),
					   &value, &result), 0);
	assert_true(value & MKHI_FEATURE_AMT);
	assert_int_equal(mkhi_get_rule_u32(h, 5000, MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE),
					   &value, &result), 0);
	assert_int_equal(MKHI_PLATFORM_BRAND(value), MKHI_BRAND_AMT);
	/* a firmware refusal comes back as HECI_E_FW_STATUS with the result */
	assert_int_equal(mkhi_get_rule_u32(h, 5000, 0x77, &value, &result), HECI_E_FW_STATUS);
	assert_int_equal(result, 0x85);

	/* a session: several questions on one connection, as Intel LMS asks
	 * its rules; a refusal leaves the connection usable */
	struct mkhi_session m;
	assert_int_equal(mkhi_open(&m, h, 5000), 0);
	assert_int_equal(mkhi_ask_fw_version(&m, &v, &result), 0);
	assert_int_equal(mkhi_ask_rule_u32(&m, 0x77, &value, &result), HECI_E_FW_STATUS);
	assert_int_equal(mkhi_ask_rule_u32(&m, MKHI_RULE_ID(0, MKHI_RULE_FW_SKU), &value, &result),
			 0);
	assert_true(value & MKHI_FEATURE_AMT);
	assert_int_equal(m.transactions, 3);
	mkhi_close(&m);
	assert_int_equal(mkhi_ask_rule_u32(&m, 0, &value, &result), HECI_E_NOT_CONNECTED);
	mkhi_close(&m);
	heci_free(h);

	sim_fuse_stop(f);
	pthread_join(loop, NULL);
	sim_fuse_free(f);
	simt_fw_free(&fw);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_and_result_bytes_ignored),
		cmocka_unit_test(test_fw_version_blocks),
		cmocka_unit_test(test_fwcaps_amt_pro),
		cmocka_unit_test(test_fwcaps_follow_state),
		cmocka_unit_test(test_never_silent),
		cmocka_unit_test(test_agent_calls_over_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
