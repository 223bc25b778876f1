// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_mkhi.c - libFuzzer target for proto/mkhi_codec.c.
 *
 * Owns: feeding arbitrary bytes to the MKHI request and response header
 * decoders, to the GET_FW_VERSION body decoder (on the response body and on
 * the raw input) and to the FWCAPS GetRule request and answer decoders, on
 * an exact-size heap copy so ASan catches over-reads.
 * Everything that decodes must re-encode byte for byte.
 * Must not: keep state between inputs or print.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto_err.h"
#include "mkhi_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP 64u

static void check(int cond)
{
	if (!cond)
		abort();
}

static void fw_version(const uint8_t *b, size_t n)
{
	struct mkhi_fw_version fw;
	uint8_t out[OUT_CAP];
	char s[32];
	size_t olen;

	if (mkhi_decode_fw_version(b, n, &fw) != 0)
		return;
	check(fw.count >= 1 && fw.count <= MKHI_MAX_VERSION_BLOCKS && n == fw.count * 8u);
	check(mkhi_encode_fw_version(out, sizeof(out), &fw, &olen) == 0);
	check(olen == n && memcmp(out, b, n) == 0);
	for (unsigned i = 0; i < fw.count; i++)
		mkhi_fw_version_format(&fw.blocks[i], s, sizeof(s));
}

/* A GetRule answer body: decode against the rule it claims, re-encode. */
static void rule_reply(const uint8_t *b, size_t n)
{
	uint8_t out[16];
	uint32_t value, rule;
	size_t olen;

	if (n < 4)
		return;
	rule = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (mkhi_decode_rule_u32(b, n, rule, &value) != 0)
		return;
	check(n == 9);
	check(mkhi_encode_rule_u32(out, sizeof(out), rule, value, &olen) == 0);
	check(olen == n && memcmp(out, b, n) == 0);
	check(mkhi_decode_rule_u32(b, n, rule ^ 1u, &value) == PROTO_E_BAD_VALUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	uint8_t group = 0, command = 0, result;
	const uint8_t *body;
	size_t blen, olen;

	if (!msg)
		return 0;
	if (size)
		memcpy(msg, data, size);

	if (size >= 2) {
		group = msg[0];
		command = msg[1] & 0x7F;
	}
	if (mkhi_decode_response(msg, size, group, command, &result, &body, &blen) == 0) {
		uint8_t *out = malloc(size);
		check(out != NULL && blen == size - 4 && body == msg + 4);
		check(mkhi_encode_response(out, size, group, command, result, body, blen,
					   &olen) == 0);
		check(olen == size && memcmp(out, msg, size) == 0);
		free(out);
		fw_version(body, blen);
	}
	(void)mkhi_decode_response(msg, size, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, &result,
				   &body, &blen);

	if (mkhi_decode_request(msg, size, &group, &command, &body, &blen) == 0) {
		uint8_t hdr[MKHI_HDR_LEN];
		check(blen == size - 4 && body == msg + 4);
		check(mkhi_encode_request(hdr, sizeof(hdr), group, command, &olen) == 0);
		/* bytes 2-3 (reserved, result) of a request are not checked: firmware
		 * answers whatever they hold */
		check(olen == 4 && memcmp(hdr, msg, 2) == 0);
		uint32_t rule;
		if (mkhi_decode_get_rule(body, blen, &rule) == 0)
			check(blen == 4);
	}
	rule_reply(msg, size);

	fw_version(msg, size);
	free(msg);
	return 0;
}
