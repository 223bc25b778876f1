// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi_codec.h - MKHI (ME kernel host interface) messages: GET_FW_VERSION
 * and FWCAPS GetRule.
 *
 * Owns: the 4-byte MKHI header ([group][command|0x80 on response][reserved]
 * [result]) and the GET_FW_VERSION body (1..3 blocks of 8 bytes: code, then
 * recovery/NFTP, then FITC). Byte 2 of a block is the major; byte 3 is read
 * as the platform by the kernel while intel/lms and metee read bytes 2-3 as a
 * u16 major (UNVERIFIED): we keep both bytes, so both readings are available.
 * FWCAPS GetRule (group 3, command 2; intel/lms MKHICommand.h,
 * GetFWCapsCommand.h, GetPlatformTypeCommand.h): request body u32 rule id
 * (bits 0-15 rule, 16-23 feature id, 0 for ME rules); response body u32
 * rule id echoed, u8 data length, data (4 bytes, a u32, for every rule here:
 * intel/lms rejects any other length).
 * Must not: do I/O.
 */
#ifndef PROTO_MKHI_CODEC_H
#define PROTO_MKHI_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define MKHI_HDR_LEN 4u
#define MKHI_GROUP_GEN 0xFFu
#define MKHI_CMD_GET_FW_VERSION 0x02u
#define MKHI_RESPONSE_BIT 0x80u
#define MKHI_MAX_VERSION_BLOCKS 3u

#define MKHI_GROUP_FWCAPS 0x03u
#define MKHI_CMD_FWCAPS_GET_RULE 0x02u
#define MKHI_RULE_ID(feature, rule) (((uint32_t)(feature) << 16) | (uint32_t)(rule))
#define MKHI_RULE_FW_SKU 0u             /* features the platform is capable of */
#define MKHI_RULE_FW_UPDATE 7u          /* local FW update: 0 off, 1 on, 2 password protected */
#define MKHI_RULE_PLATFORM_TYPE 29u     /* PCV OEM platform type (bits below) */
#define MKHI_RULE_FEATURES_ENABLED 32u  /* capable and enabled (MEBx) */
#define MKHI_RULE_FEATURES_AVAILABLE 39u /* capable, enabled and ready */
#define MKHI_RULE_BODY_LEN 4u           /* request body: the rule id */
#define MKHI_RULE_REPLY_MIN 9u          /* header + rule id + data length (intel/lms minimum) */

/* Feature bitmap of rules 0, 32 and 39 (intel/lms MEFWCAPS_SKU_MKHI). */
#define MKHI_FEATURE_AMT (1u << 2)
#define MKHI_FEATURE_KVM (1u << 18)

/* Platform type of rule 29 (intel/lms MKHI_PLATFORM_TYPE). */
#define MKHI_PLATFORM_MOBILE (1u << 0)
#define MKHI_PLATFORM_DESKTOP (1u << 1)
#define MKHI_PLATFORM_SERVER (1u << 2)
#define MKHI_PLATFORM_WORKSTATION (1u << 3)
#define MKHI_PLATFORM_PROD_SIGNED (1u << 7)
#define MKHI_PLATFORM_IMAGE_TYPE(v) (((v) >> 8) & 0xFu) /* bits 8-11 */
#define MKHI_PLATFORM_BRAND(v) (((v) >> 12) & 0xFu)     /* bits 12-15 */
#define MKHI_IMAGE_SMALL_SKU 3u /* consumer */
#define MKHI_IMAGE_FULL_SKU 4u  /* corporate (lms: ME_FULL_8MB, required for LME services) */
#define MKHI_BRAND_NONE 0u
#define MKHI_BRAND_AMT 1u
#define MKHI_BRAND_STD_MNG 2u
#define MKHI_BRAND_L3 3u

struct mkhi_fw_version_block {
	uint16_t minor;
	uint8_t major;
	uint8_t platform; /* byte 3: kernel's platform; high byte of a u16 major elsewhere */
	uint16_t build;
	uint16_t hotfix;
};

struct mkhi_fw_version {
	unsigned count; /* 1..3 */
	struct mkhi_fw_version_block blocks[MKHI_MAX_VERSION_BLOCKS];
};

int mkhi_encode_request(uint8_t *buf, size_t cap, uint8_t group, uint8_t command,
			size_t *out_len);
/* Simulator side: parse a request header. Firmware answers whatever the
 * reserved and result bytes hold, so they are not checked; a header with
 * the response bit set is PROTO_E_BAD_COMMAND. */
int mkhi_decode_request(const uint8_t *msg, size_t len, uint8_t *group, uint8_t *command,
			const uint8_t **body, size_t *blen);
/* Validate a response header for (group, command); *result = MKHI result byte. */
int mkhi_decode_response(const uint8_t *msg, size_t len, uint8_t group, uint8_t command,
			 uint8_t *result, const uint8_t **body, size_t *blen);
int mkhi_encode_response(uint8_t *buf, size_t cap, uint8_t group, uint8_t command,
			 uint8_t result, const uint8_t *body, size_t blen, size_t *out_len);

/* Body: 8..24 bytes, a whole number of blocks. */
int mkhi_decode_fw_version(const uint8_t *b, size_t n, struct mkhi_fw_version *out);
int mkhi_encode_fw_version(uint8_t *b, size_t cap, const struct mkhi_fw_version *v,
			   size_t *out_len);
/* FWCAPS GetRule: the whole request (header + rule id). */
int mkhi_encode_get_rule(uint8_t *buf, size_t cap, uint32_t rule_id, size_t *out_len);
/* Simulator side: the request body, exactly the u32 rule id. */
int mkhi_decode_get_rule(const uint8_t *body, size_t blen, uint32_t *rule_id);
/* Response body carrying a u32 value for rule_id. */
int mkhi_encode_rule_u32(uint8_t *b, size_t cap, uint32_t rule_id, uint32_t value,
			 size_t *out_len);
/* Agent side: response body; the rule must be rule_id (PROTO_E_BAD_VALUE),
 * the data 4 bytes (PROTO_E_LENGTH_MISMATCH), nothing after it. */
int mkhi_decode_rule_u32(const uint8_t *b, size_t n, uint32_t rule_id, uint32_t *value);

/* "16.1.25.2049" from a block (major.minor.hotfix.build, as the kernel's fw_ver). */
void mkhi_fw_version_format(const struct mkhi_fw_version_block *blk, char *out, size_t cap);

#endif
