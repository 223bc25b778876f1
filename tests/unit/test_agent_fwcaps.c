// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_fwcaps.c - agent/fwcaps.c and its users: the feature facts
 * derived from MKHI FWCAPS rules 0, 32 and 29, the verdict on why AMT is
 * unavailable (every combination that matters, contradictions and values
 * the sources do not define), the one-line messages, the questions asked on
 * one MKHI connection, malformed firmware replies, and agent_fail() and
 * info_collect() asking MKHI when AMT's interface is absent.
 *
 * Owns: a fake ME behind heci_backend_callback whose AMTHI client can be
 * absent and whose MKHI client answers the rules (or malformed replies).
 * Must not: use the simulator (tests/integration/test_fwcaps.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "exitcode.h"
#include "fwcaps.h"
#include "info.h"
#include "mkhi.h"

/* ---- derivation and verdict ---- */

static struct fwcaps caps_of(uint32_t features, uint32_t enabled, uint32_t platform)
{
	struct fwcaps c = {.features = features, .features_enabled = enabled,
			   .platform_type = platform};
	fwcaps_derive(&c);
	return c;
}

static void test_derive_reads_the_documented_bits(void **state)
{
	(void)state;
	/* intel/lms logs platform=0x1482: desktop, production signed, image 4, brand 1 */
	struct fwcaps c = caps_of(0x00040004, 0x00040004, 0x1482);
	assert_true(c.amt_capable);
	assert_true(c.amt_enabled);
	assert_int_equal(c.image, 4);
	assert_int_equal(c.brand, 1);
	/* only bit 2 is AMT: every other feature bit set says nothing about it */
	c = caps_of(~MKHI_FEATURE_AMT, ~MKHI_FEATURE_AMT, 0x0381);
	assert_false(c.amt_capable);
	assert_false(c.amt_enabled);
	assert_int_equal(c.image, 3);
	assert_int_equal(c.brand, 0);
	/* bits outside 8-15 do not leak into image or brand */
	c = caps_of(0, 0, 0xFFFF00FFu);
	assert_int_equal(c.image, 0);
	assert_int_equal(c.brand, 0);
	c = caps_of(0, 0, 0x0000F000u | 0x00000F00u);
	assert_int_equal(c.image, 15);
	assert_int_equal(c.brand, 15);
}

static void test_verdict_every_combination(void **state)
{
	(void)state;
	static const struct {
		uint32_t features, enabled, platform;
		enum fwcaps_verdict want;
		const char *why;
	} cases[] = {
		/* AMT in the firmware, switched on or off */
		{0x00040004, 0x00040004, 0x1482, FWCAPS_AMT_ENABLED, "AMT Pro, enabled"},
		{0x00040004, 0x00000000, 0x1482, FWCAPS_AMT_DISABLED, "AMT Pro, disabled"},
		{0x00040004, 0x00040000, 0x1482, FWCAPS_AMT_DISABLED, "KVM bit without AMT: disabled"},
		{0x00000004, 0x00000000, 0x2482, FWCAPS_AMT_DISABLED, "Standard Manageability"},
		{0x00000004, 0x00000000, 0x3481, FWCAPS_AMT_DISABLED, "L3 upgrade, mobile"},
		{0x00000004, 0x00000004, 0x2482, FWCAPS_AMT_ENABLED, "Standard Manageability on"},
		/* firmware without AMT */
		{0x00000000, 0x00000000, 0x0382, FWCAPS_NO_AMT, "consumer, brand none"},
		{0x00000000, 0x00000000, 0x0482, FWCAPS_NO_AMT, "corporate, brand none"},
		{0x00000000, 0x00000000, 0x4482, FWCAPS_NO_AMT, "corporate, RPAT"},
		{0x00000000, 0x00000000, 0x5482, FWCAPS_NO_AMT, "corporate, brand 5"},
		{0x00000000, 0x00000000, 0x0082, FWCAPS_NO_AMT, "no ME image"},
		{0x00000000, 0x00000000, 0x0182, FWCAPS_NO_AMT, "ignition"},
		{0x00000000, 0x00000000, 0x0282, FWCAPS_NO_AMT, "slim"},
		{0x00000000, 0x00000000, 0x1382, FWCAPS_NO_AMT, "consumer image, AMT brand"},
		{~MKHI_FEATURE_AMT, ~MKHI_FEATURE_AMT, 0x0382, FWCAPS_NO_AMT, "other features only"},
		/* the rules disagree: never a verdict */
		{0x00000000, 0x00000004, 0x1482, FWCAPS_UNDECIDED, "enabled but not capable"},
		{0x00000004, 0x00000000, 0x0382, FWCAPS_UNDECIDED, "capable, consumer image"},
		{0x00000004, 0x00000004, 0x0382, FWCAPS_UNDECIDED, "enabled, consumer image"},
		{0x00000004, 0x00000000, 0x0482, FWCAPS_UNDECIDED, "capable, brand none"},
		{0x00000000, 0x00000000, 0x1482, FWCAPS_UNDECIDED, "not capable, AMT brand"},
		{0x00000000, 0x00000000, 0x2482, FWCAPS_UNDECIDED, "not capable, StdMng brand"},
		/* values the sources do not define */
		{0x00000000, 0x00000000, 0x0F82, FWCAPS_UNDECIDED, "test image"},
		{0x00000000, 0x00000000, 0x0782, FWCAPS_UNDECIDED, "image 7"},
		{0x00000004, 0x00000000, 0x0582, FWCAPS_UNDECIDED, "image 5"},
		{0x00000000, 0x00000000, 0x9482, FWCAPS_UNDECIDED, "brand 9, not capable"},
		{0x00000004, 0x00000000, 0x6482, FWCAPS_UNDECIDED, "brand 6, capable"},
		{0x00000004, 0x00000004, 0xF482, FWCAPS_UNDECIDED, "brand 15, enabled"},
		{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, FWCAPS_UNDECIDED, "all ones"},
		{0x00000000, 0x00000000, 0x00000000, FWCAPS_NO_AMT, "all zero: no ME image"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fwcaps c = caps_of(cases[i].features, cases[i].enabled, cases[i].platform);
		if (fwcaps_verdict(&c) != cases[i].want)
			fail_msg("%s: verdict %d, want %d", cases[i].why, fwcaps_verdict(&c),
				 cases[i].want);
	}
}

static void test_names(void **state)
{
	(void)state;
	static const char *const images[16] = {
		"none",	   "ignition", "slim",	  "consumer", "corporate", "unknown",
		"unknown", "unknown",  "unknown", "unknown",  "unknown",   "unknown",
		"unknown", "unknown",  "unknown", "test"};
	static const char *const brands[16] = {
		"none",	   "amt",     "standard_manageability", "l3",	   "rpat",    "sbt",
		"unknown", "unknown", "unknown",		"unknown", "unknown", "unknown",
		"unknown", "unknown", "unknown",		"unknown"};
	for (unsigned i = 0; i < 16; i++) {
		assert_string_equal(fwcaps_image_name(i), images[i]);
		assert_string_equal(fwcaps_brand_name(i), brands[i]);
		assert_non_null(fwcaps_image_text(i));
		assert_non_null(fwcaps_brand_text(i));
	}
	assert_string_equal(fwcaps_image_text(4), "corporate (full)");
	assert_string_equal(fwcaps_brand_text(2), "Standard Manageability");
	assert_string_equal(fwcaps_image_name(1000), "unknown");
}

/* ---- the messages ---- */

static int absent_line(int err, const struct fwcaps *c, char *out, size_t cap)
{
	memset(out, 0, cap);
	FILE *f = fmemopen(out, cap, "w");
	assert_non_null(f);
	int code = agent_report_amt_absent(f, "amt-agent", "read the AMT state", err, c);
	fclose(f);
	assert_int_equal(strchr(out, '\n') - out, (long)strlen(out) - 1); /* one line */
	return code;
}

static void test_messages(void **state)
{
	(void)state;
	char m[512];
	struct fwcaps c = caps_of(0, 0, 0x0382);
	assert_int_equal(absent_line(HECI_E_CLIENT_NOT_FOUND, &c, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_string_equal(m, "amt-agent: cannot read the AMT state: this platform's ME firmware "
			       "has no AMT (consumer image / brand none) — it cannot be managed "
			       "with AMT\n");
	c = caps_of(0, 0, 0x4482);
	assert_int_equal(absent_line(HECI_E_EMPTY, &c, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_non_null(strstr(m, "has no AMT (corporate (full) image / brand RPAT)"));

	c = caps_of(0x00040004, 0x00040000, 0x1482);
	assert_int_equal(absent_line(HECI_E_CLIENT_NOT_FOUND, &c, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_string_equal(m, "amt-agent: cannot read the AMT state: AMT is disabled in the "
			       "BIOS/MEBx — enable Intel AMT in the BIOS setup or MEBx (Ctrl-P at "
			       "boot)\n");

	/* undecided, enabled, or MKHI silent: what the agent said before */
	const char *before = "amt-agent: cannot read the AMT state: AMT is not available on this "
			     "machine (no AMT host interface on the ME) — AMT is disabled in the "
			     "BIOS/MEBx or this platform has no AMT\n";
	assert_int_equal(absent_line(HECI_E_CLIENT_NOT_FOUND, NULL, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_string_equal(m, before);
	c = caps_of(0, 4, 0x1482);
	absent_line(HECI_E_CLIENT_NOT_FOUND, &c, m, sizeof(m));
	assert_string_equal(m, before);
	c = caps_of(4, 4, 0x1482);
	absent_line(HECI_E_CLIENT_NOT_FOUND, &c, m, sizeof(m));
	assert_string_equal(m, before);
	absent_line(HECI_E_EMPTY, NULL, m, sizeof(m));
	assert_non_null(strstr(m, "(the AMT interface sent an empty reply)"));

	/* agent_report_error keeps its wording for the absent case */
	FILE *f = fmemopen(m, sizeof(m), "w");
	assert_int_equal(agent_report_error(f, "amt-agent", "read the AMT state",
					    HECI_E_CLIENT_NOT_FOUND, AMT_STATUS_SUCCESS,
					    "/dev/mei0", NULL),
			 EXIT_AMT_ABSENT);
	fclose(f);
	assert_string_equal(m, before);
}

/* ---- a fake ME behind heci_backend_callback ---- */

enum reply_kind {
	REPLY_GOOD,
	REPLY_WRONG_RULE,   /* another rule id echoed */
	REPLY_SHORT_DATA,   /* data length 2 */
	REPLY_TRAILING,     /* one byte after the value */
	REPLY_REFUSED,      /* result 0x89 not supported, bare header */
	REPLY_EMPTY,        /* zero bytes */
	REPLY_WRONG_CMD,    /* the header of GET_FW_VERSION */
	REPLY_TRUNCATED,    /* 6 bytes */
};

struct fake_me {
	bool amthi_absent, mkhi_absent;
	uint32_t rule0, rule32, rule29;
	enum reply_kind kind; /* for rule replies */
	unsigned amthi_connects, mkhi_connects, mkhi_msgs, rule0_asked;
};

static int fake_connect(void *arg, const struct heci_guid *client, uint32_t *mtu, uint8_t *ver)
{
	struct fake_me *me = arg;
	(void)ver;
	*mtu = 512;
	if (memcmp(client, &HECI_GUID_AMTHI, sizeof(*client)) == 0) {
		me->amthi_connects++;
		return me->amthi_absent ? HECI_E_CLIENT_NOT_FOUND : 0;
	}
	if (memcmp(client, &HECI_GUID_MKHI, sizeof(*client)) == 0) {
		me->mkhi_connects++;
		return me->mkhi_absent ? HECI_E_CLIENT_NOT_FOUND : 0;
	}
	return HECI_E_CLIENT_NOT_FOUND;
}

static int fake_message(void *arg, struct heci *h, const struct heci_guid *client,
			const uint8_t *msg, size_t len)
{
	struct fake_me *me = arg;
	uint8_t group, command, body[64], out[128];
	const uint8_t *req;
	size_t rlen, blen = 0, olen;
	uint32_t rule, value = 0;

	assert_memory_equal(client, &HECI_GUID_MKHI, sizeof(*client));
	me->mkhi_msgs++;
	assert_int_equal(mkhi_decode_request(msg, len, &group, &command, &req, &rlen), 0);
	if (group == MKHI_GROUP_GEN && command == MKHI_CMD_GET_FW_VERSION) {
		struct mkhi_fw_version v = {.count = 2};
		v.blocks[0] = (struct mkhi_fw_version_block){.major = 16, .minor = 1, .hotfix = 25,
							     .build = 2049};
		v.blocks[1] = v.blocks[0];
		assert_int_equal(mkhi_encode_fw_version(body, sizeof(body), &v, &blen), 0);
		assert_int_equal(mkhi_encode_response(out, sizeof(out), group, command, 0, body,
						      blen, &olen), 0);
		return heci_callback_reply(h, out, olen);
	}
	assert_int_equal(group, MKHI_GROUP_FWCAPS);
	assert_int_equal(command, MKHI_CMD_FWCAPS_GET_RULE);
	assert_int_equal(mkhi_decode_get_rule(req, rlen, &rule), 0);
	switch (rule) {
	case MKHI_RULE_ID(0, MKHI_RULE_FW_SKU):
		me->rule0_asked++;
		value = me->rule0;
		break;
	case MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED):
		value = me->rule32;
		break;
	case MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE):
		value = me->rule29;
		break;
	default:
		fail_msg("rule %u asked", rule);
	}
	assert_int_equal(mkhi_encode_rule_u32(body, sizeof(body), rule, value, &blen), 0);
	switch (me->kind) {
	case REPLY_GOOD:
		break;
	case REPLY_WRONG_RULE:
		body[0] = (uint8_t)(rule + 1); /* the rule id is little-endian, rules < 255 */
		break;
	case REPLY_SHORT_DATA:
		body[4] = 2;
		blen = 7;
		break;
	case REPLY_TRAILING:
		body[blen++] = 0;
		break;
	case REPLY_REFUSED:
		assert_int_equal(mkhi_encode_response(out, sizeof(out), group, command, 0x89, NULL,
						      0, &olen), 0);
		return heci_callback_reply(h, out, olen);
	case REPLY_EMPTY:
		return heci_callback_reply(h, out, 0);
	case REPLY_WRONG_CMD:
		group = MKHI_GROUP_GEN;
		command = MKHI_CMD_GET_FW_VERSION;
		break;
	case REPLY_TRUNCATED:
		blen = 2;
		break;
	}
	assert_int_equal(mkhi_encode_response(out, sizeof(out), group, command, 0, body, blen,
					      &olen), 0);
	return heci_callback_reply(h, out, olen);
}

static struct heci *fake_heci(struct fake_me *me, struct heci_callback_fw *fw)
{
	*fw = (struct heci_callback_fw){.on_message = fake_message, .on_connect = fake_connect,
					.arg = me};
	struct heci_opts o = {.backend = &heci_backend_callback, .device = "/dev/fake-mei0",
			      .fw = fw, .busy_retries = 1, .busy_retry_ms = 1};
	struct heci *h = heci_new(&o);
	assert_non_null(h);
	return h;
}

static void test_ask_on_one_connection(void **state)
{
	(void)state;
	struct heci_callback_fw fw;
	struct fake_me me = {.rule0 = 0x00040004, .rule32 = 0x00040004, .rule29 = 0x1482};
	struct heci *h = fake_heci(&me, &fw);
	struct fwcaps c;

	/* AMT enabled: rules 32 and 29 only (enabled implies capable) */
	assert_int_equal(fwcaps_read(h, 1000, &c), 0);
	assert_int_equal(me.mkhi_connects, 1);
	assert_int_equal(me.mkhi_msgs, 2);
	assert_int_equal(me.rule0_asked, 0);
	assert_true(c.amt_capable && c.amt_enabled);
	assert_int_equal(fwcaps_verdict(&c), FWCAPS_AMT_ENABLED);

	/* AMT disabled: rule 0 as well, still one connection */
	me = (struct fake_me){.rule0 = 0x00040004, .rule32 = 0, .rule29 = 0x1482};
	assert_int_equal(fwcaps_read(h, 1000, &c), 0);
	assert_int_equal(me.mkhi_connects, 1);
	assert_int_equal(me.mkhi_msgs, 3);
	assert_int_equal(me.rule0_asked, 1);
	assert_int_equal(fwcaps_verdict(&c), FWCAPS_AMT_DISABLED);

	/* a session: the version and the rules on one connection */
	me = (struct fake_me){.rule0 = 0, .rule32 = 0, .rule29 = 0x0382};
	struct mkhi_session s;
	struct mkhi_fw_version v;
	uint8_t result;
	assert_int_equal(mkhi_open(&s, h, 1000), 0);
	assert_int_equal(mkhi_ask_fw_version(&s, &v, &result), 0);
	assert_int_equal(v.blocks[0].major, 16);
	assert_int_equal(fwcaps_ask(&s, &c), 0);
	assert_int_equal(s.transactions, 4);
	mkhi_close(&s);
	mkhi_close(&s); /* twice is safe */
	assert_int_equal(me.mkhi_connects, 1);
	assert_int_equal(fwcaps_verdict(&c), FWCAPS_NO_AMT);
	heci_free(h);
}

static void test_malformed_replies_refused(void **state)
{
	(void)state;
	static const struct {
		enum reply_kind kind;
		int want;
	} cases[] = {
		{REPLY_WRONG_RULE, HECI_E_BAD_VALUE},  {REPLY_SHORT_DATA, HECI_E_LENGTH_MISMATCH},
		{REPLY_TRAILING, HECI_E_TRAILING},      {REPLY_REFUSED, HECI_E_FW_STATUS},
		{REPLY_EMPTY, 0},                      {REPLY_WRONG_CMD, 0},
		{REPLY_TRUNCATED, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct heci_callback_fw fw;
		struct fake_me me = {.rule0 = 0x4, .rule32 = 0, .rule29 = 0x1482,
				     .kind = cases[i].kind};
		struct heci *h = fake_heci(&me, &fw);
		struct fwcaps c;
		memset(&c, 0xAA, sizeof(c));
		int rc = fwcaps_read(h, 1000, &c);
		if (cases[i].want)
			assert_int_equal(rc, cases[i].want);
		else if (!heci_err_is_protocol(rc) && rc != HECI_E_EMPTY)
			fail_msg("case %zu: %s is not a refusal of the reply", i, heci_err_message(rc));
		/* nothing half-read survives a refusal */
		assert_false(c.amt_capable);
		assert_false(c.amt_enabled);
		assert_int_equal(c.platform_type, 0);
		assert_int_equal(me.mkhi_msgs, 1); /* the first bad answer ends the questions */
		heci_free(h);
	}
}

/* ---- agent_fail and info_collect ask MKHI when AMT is absent ---- */

static void ctx_init(struct agent_ctx *ctx, FILE *err)
{
	memset(ctx, 0, sizeof(*ctx));
	config_init(&ctx->cfg);
	ctx->prog = "amt-agent";
	ctx->err = err;
	ctx->out = stdout;
	ctx->txn_lock_fd = -1;
}

static int fail_line(struct fake_me *me, int err, char *m, size_t cap)
{
	struct heci_callback_fw fw;
	struct heci *h = fake_heci(me, &fw);
	struct agent_ctx ctx;
	memset(m, 0, cap);
	FILE *f = fmemopen(m, cap, "w");
	ctx_init(&ctx, f);
	int ex = agent_fail(&ctx, h, "read the AMT state", err, AMT_STATUS_SUCCESS, NULL);
	fclose(f);
	config_free(&ctx.cfg);
	heci_free(h);
	return ex;
}

static void test_agent_fail_asks_mkhi(void **state)
{
	(void)state;
	char m[512];
	struct fake_me me = {.amthi_absent = true, .rule0 = 0x00040004, .rule32 = 0,
			     .rule29 = 0x1482};
	assert_int_equal(fail_line(&me, HECI_E_CLIENT_NOT_FOUND, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_non_null(strstr(m, ": AMT is disabled in the BIOS/MEBx — enable Intel AMT"));
	assert_int_equal(me.mkhi_connects, 1);

	me = (struct fake_me){.amthi_absent = true, .rule29 = 0x0382};
	assert_int_equal(fail_line(&me, HECI_E_EMPTY, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_non_null(strstr(m, "has no AMT (consumer image / brand none)"));

	/* MKHI absent, or answering nonsense: the message of before, still 5 */
	me = (struct fake_me){.amthi_absent = true, .mkhi_absent = true};
	assert_int_equal(fail_line(&me, HECI_E_CLIENT_NOT_FOUND, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_non_null(strstr(m, "AMT is not available on this machine (no AMT host interface"));
	assert_int_equal(me.mkhi_connects, 1); /* asked once, not retried */
	me = (struct fake_me){.amthi_absent = true, .rule29 = 0x0382, .kind = REPLY_TRAILING};
	assert_int_equal(fail_line(&me, HECI_E_CLIENT_NOT_FOUND, m, sizeof(m)), EXIT_AMT_ABSENT);
	assert_non_null(strstr(m, "AMT is not available on this machine"));

	/* other failures never ask MKHI */
	me = (struct fake_me){.rule29 = 0x0382};
	assert_int_equal(fail_line(&me, HECI_E_BUSY, m, sizeof(m)), EXIT_AMT_BUSY);
	assert_int_equal(me.mkhi_connects, 0);
}

static void test_info_collect_without_amt(void **state)
{
	(void)state;
	struct heci_callback_fw fw;
	struct fake_me me = {.amthi_absent = true, .rule0 = 0x00040004, .rule32 = 0,
			     .rule29 = 0x1482};
	struct heci *h = fake_heci(&me, &fw);
	struct agent_ctx ctx;
	struct amt_info *in = calloc(1, sizeof(*in));
	struct info_failure why;
	assert_non_null(in);
	ctx_init(&ctx, stderr);

	assert_int_equal(info_collect(&ctx, h, in, &why), HECI_E_CLIENT_NOT_FOUND);
	assert_false(in->amt_known);
	assert_true(in->me_fw_known);
	assert_true(in->caps_known);
	assert_int_equal(me.mkhi_connects, 1);
	assert_int_equal(in->mkhi_transactions, 4); /* version, rules 32, 29, 0 */

	json_t *doc = info_to_json(in, 0);
	assert_true(json_is_integer(json_object_get(doc, "schema")));
	assert_true(json_is_null(json_object_get(doc, "amt_version")));
	assert_true(json_is_null(json_object_get(doc, "wired")));
	assert_true(json_is_null(json_object_get(doc, "provisioned")));
	assert_string_equal(json_string_value(json_object_get(doc, "me_fw_version")),
			    "16.1.25.2049");
	assert_true(json_is_true(json_object_get(doc, "amt_capable")));
	assert_true(json_is_false(json_object_get(doc, "amt_enabled")));
	assert_string_equal(json_string_value(json_object_get(doc, "me_image")), "corporate");
	assert_string_equal(json_string_value(json_object_get(doc, "me_brand")), "amt");
	/* the same keys as a full document, in the same order */
	struct amt_info *full = calloc(1, sizeof(*full));
	assert_non_null(full);
	full->amt_known = true;
	json_t *fdoc = info_to_json(full, 0);
	assert_int_equal(json_object_size(doc), json_object_size(fdoc));
	const char *key;
	json_t *v;
	void *it = json_object_iter(fdoc);
	json_object_foreach(doc, key, v) {
		assert_non_null(it);
		assert_string_equal(key, json_object_iter_key(it));
		it = json_object_iter_next(fdoc, it);
	}
	/* MKHI did not answer the rules: the facts are null, not guessed */
	assert_true(json_is_null(json_object_get(fdoc, "amt_capable")));
	assert_true(json_is_null(json_object_get(fdoc, "me_brand")));
	json_decref(fdoc);
	json_decref(doc);
	free(full);

	/* MKHI absent too: nothing known */
	me = (struct fake_me){.amthi_absent = true, .mkhi_absent = true};
	assert_int_equal(info_collect(&ctx, h, in, &why), HECI_E_CLIENT_NOT_FOUND);
	assert_false(in->me_fw_known);
	assert_false(in->caps_known);
	config_free(&ctx.cfg);
	free(in);
	heci_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derive_reads_the_documented_bits),
		cmocka_unit_test(test_verdict_every_combination),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_ask_on_one_connection),
		cmocka_unit_test(test_malformed_replies_refused),
		cmocka_unit_test(test_agent_fail_asks_mkhi),
		cmocka_unit_test(test_info_collect_without_amt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
