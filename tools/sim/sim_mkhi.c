// SPDX-License-Identifier: Apache-2.0
/*
 * sim_mkhi.c - the MKHI firmware client of the simulated ME: GET_FW_VERSION
 * and FWCAPS GetRule.
 *
 * Facts relied on (protocol-facts.md section 4, with their sources):
 * - Header [group][command | 0x80 on response][reserved][result]. Requests
 *   are answered whatever their reserved and result bytes hold: intel/metee's
 *   PROD_MKHI_SimpleGetVersion (tests/metee_test.h) sends a header whose
 *   reserved/result bits are left uninitialised and expects an answer.
 * - GET_FW_VERSION (0xFF/0x02) answers code, NFTP and FITC blocks of 8
 *   bytes (28 bytes with the header) on current firmware; the kernel reads
 *   1..3 blocks (bus-fixup.c), intel/lms and metee read the first two.
 *   [sim] mkhi_version_blocks = 2 answers as older firmware (20 bytes).
 *   Byte 3 of each block carries [sim] mkhi_platform, so both readings of
 *   that byte (kernel: platform, lms/metee: high byte of a u16 major) show.
 * - FWCAPS GetRule (0x03/0x02, body u32 rule id) answers the rule id, a
 *   length byte (4) and a u32 (intel/lms MKHIGetRuleCommandResponse: at
 *   least 9 bytes, rule echoed, length == 4). Intel LMS asks at start for
 *   rule 32 (features enabled) and rule 29 (platform type) in
 *   Configurator::ScanConfiguration, and rules 0 and 32 in StatusEventHandler:
 *   it opens LME and its port forwarding only when the platform type has
 *   image type 4 (full/corporate) and brand AMT, standard manageability or
 *   L3 with the AMT bit (2) of rule 32 set.
 *
 * Defaults derived from [amt] sku (the GetCodeVersions "Sku" bitmap as
 * rpc-go DecodeAMT reads it: 0x08 AMT Pro, 0x10 Standard Manageability,
 * 0x4000 corporate) unless the [amt] fw_* / platform_type keys say
 * otherwise: rule 0 = AMT bit when 0x08 or 0x10, plus KVM (bit 18) with
 * 0x08; rule 32 = rule 0 with AMT and KVM cleared when [amt] enabled is
 * false; rule 39 = rule 32; rule 29 = desktop | production-signed | image
 * type 4 with 0x4000, else 3 | brand 1 (0x08), 2 (0x10) or 0; rule 7 = 1.
 * The AMTHI and LME clients exist only while rule 32 has AMT and [amt]
 * enabled is true (sim_amt_host_interface): firmware without AMT (a
 * consumer sku) has no AMT host interface, as firmware with AMT disabled.
 *
 * Our choices where the sources say nothing (answers are never silence):
 * an unknown group/command, or a request with the response bit set, gets
 * result 0x8D (invalid command); a GetRule for a rule not listed gets 0x85
 * (invalid params); a body of the wrong size, or fewer than 4 bytes, 0x05
 * (size error). Error replies are the bare header.
 * Must not: do I/O; replies go through sim_conn_reply().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heci.h"
#include "mkhi_codec.h"
#include "sim_fw.h"

#define MKHI_RESULT_SIZE_ERROR 0x05
#define MKHI_RESULT_INVALID_PARAMS 0x85
#define MKHI_RESULT_INVALID_COMMAND 0x8D
#define SIM_MKHI_MTU 512 /* UNVERIFIED: the dynamic MKHI client's MTU is not in our sources */

/* [amt] sku bits (rpc-go DecodeAMT, AMT 5 and later). */
#define SKU_AMT_PRO 0x0008u
#define SKU_STD_MNG 0x0010u
#define SKU_CORPORATE 0x4000u

static void version_block(const struct sim_state *st, struct mkhi_fw_version_block *b)
{
	unsigned major = 0, minor = 0, hotfix = 0, build = 0;
	if (st->me_fw_version[0])
		sscanf(st->me_fw_version, "%u.%u.%u.%u", &major, &minor, &hotfix, &build);
	else {
		sscanf(st->version, "%u.%u.%u", &major, &minor, &hotfix);
		build = (unsigned)atoi(st->build);
	}
	b->major = (uint8_t)major;
	b->minor = (uint16_t)minor;
	b->hotfix = (uint16_t)hotfix;
	b->build = (uint16_t)build;
	b->platform = (uint8_t)st->mkhi_platform;
}

void sim_mkhi_fw_version(const struct sim_state *st, struct mkhi_fw_version *v)
{
	memset(v, 0, sizeof(*v));
	v->count = st->mkhi_version_blocks;
	if (v->count < 1 || v->count > MKHI_MAX_VERSION_BLOCKS)
		v->count = MKHI_MAX_VERSION_BLOCKS;
	version_block(st, &v->blocks[0]);
	for (unsigned i = 1; i < v->count; i++)
		v->blocks[i] = v->blocks[0]; /* NFTP and FITC: the same image */
}

static uint32_t sku_bits(const struct sim_state *st)
{
	return (uint32_t)strtoul(st->sku, NULL, 0);
}

static uint32_t features_capable(const struct sim_state *st)
{
	if (st->fw_features.set)
		return st->fw_features.v;
	uint32_t sku = sku_bits(st), f = 0;
	if (sku & (SKU_AMT_PRO | SKU_STD_MNG))
		f |= MKHI_FEATURE_AMT;
	if (sku & SKU_AMT_PRO)
		f |= MKHI_FEATURE_KVM;
	return f;
}

uint32_t sim_mkhi_features_enabled(const struct sim_state *st)
{
	if (st->fw_features_enabled.set)
		return st->fw_features_enabled.v;
	uint32_t f = features_capable(st);
	if (!st->amt_enabled)
		f &= ~(MKHI_FEATURE_AMT | MKHI_FEATURE_KVM);
	return f;
}

bool sim_amt_host_interface(const struct sim_state *st)
{
	return st->amt_enabled && (sim_mkhi_features_enabled(st) & MKHI_FEATURE_AMT);
}

uint32_t sim_mkhi_platform_type(const struct sim_state *st)
{
	if (st->platform_type.set)
		return st->platform_type.v;
	uint32_t sku = sku_bits(st);
	uint32_t image = (sku & SKU_CORPORATE) ? MKHI_IMAGE_FULL_SKU : MKHI_IMAGE_SMALL_SKU;
	uint32_t brand = (sku & SKU_AMT_PRO)   ? MKHI_BRAND_AMT
			 : (sku & SKU_STD_MNG) ? MKHI_BRAND_STD_MNG
					       : MKHI_BRAND_NONE;
	return MKHI_PLATFORM_DESKTOP | MKHI_PLATFORM_PROD_SIGNED | image << 8 | brand << 12;
}

/* The value of a rule, or false for a rule we do not know. */
static bool rule_value(const struct sim_state *st, uint32_t rule_id, uint32_t *v)
{
	switch (rule_id) {
	case MKHI_RULE_ID(0, MKHI_RULE_FW_SKU):
		*v = features_capable(st);
		return true;
	case MKHI_RULE_ID(0, MKHI_RULE_FEATURES_ENABLED):
	case MKHI_RULE_ID(0, MKHI_RULE_FEATURES_AVAILABLE):
		*v = sim_mkhi_features_enabled(st);
		return true;
	case MKHI_RULE_ID(0, MKHI_RULE_PLATFORM_TYPE):
		*v = sim_mkhi_platform_type(st);
		return true;
	case MKHI_RULE_ID(0, MKHI_RULE_FW_UPDATE):
		*v = st->fw_update_state.set ? st->fw_update_state.v : 1;
		return true;
	default:
		return false;
	}
}

/* Build the body of a request we understand; returns the MKHI result. */
static uint8_t answer(const struct sim_state *st, uint8_t group, uint8_t command,
		      const uint8_t *req, size_t req_len, uint8_t *body, size_t cap, size_t *blen)
{
	*blen = 0;
	if (group == MKHI_GROUP_GEN && command == MKHI_CMD_GET_FW_VERSION) {
		if (req_len != 0)
			return MKHI_RESULT_SIZE_ERROR;
		struct mkhi_fw_version v;
		sim_mkhi_fw_version(st, &v);
		mkhi_encode_fw_version(body, cap, &v, blen);
		return 0;
	}
	if (group == MKHI_GROUP_FWCAPS && command == MKHI_CMD_FWCAPS_GET_RULE) {
		uint32_t rule_id, value;
		if (mkhi_decode_get_rule(req, req_len, &rule_id) != 0)
			return MKHI_RESULT_SIZE_ERROR;
		if (!rule_value(st, rule_id, &value))
			return MKHI_RESULT_INVALID_PARAMS;
		mkhi_encode_rule_u32(body, cap, rule_id, value, blen);
		return 0;
	}
	return MKHI_RESULT_INVALID_COMMAND;
}

static void on_message(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	struct sim_fw *fw = ctx;
	uint8_t group, command, body[64], out[128], result;
	const uint8_t *req_body;
	size_t req_len, blen = 0, olen;

	int rc = mkhi_decode_request(msg, len, &group, &command, &req_body, &req_len);
	if (rc == 0) {
		result = answer(&fw->st, group, command, req_body, req_len, body, sizeof(body),
				&blen);
	} else {
		/* not a request we can read: answer its header bytes as far as
		 * they go, with the reason (see the top of this file) */
		group = len > 0 ? msg[0] : 0;
		command = len > 1 ? (uint8_t)(msg[1] & ~MKHI_RESPONSE_BIT) : 0;
		result = len < MKHI_HDR_LEN ? MKHI_RESULT_SIZE_ERROR : MKHI_RESULT_INVALID_COMMAND;
	}
	if (result != 0)
		blen = 0;
	if (mkhi_encode_response(out, sizeof(out), group, command, result, body, blen, &olen) == 0)
		sim_conn_reply(c, out, olen);
}

int sim_mkhi_register(struct sim_fw *fw, char *err, size_t errcap)
{
	struct sim_client_def def = {
		.name = "MKHI",
		.mtu = SIM_MKHI_MTU,
		.proto_ver = 1,
		.max_conns = 0,
		.on_message = on_message,
		.ctx = fw,
	};
	memcpy(def.guid, HECI_GUID_MKHI.b, 16);
	return sim_me_add_client(fw->me, &def);
}
