/*
 * mkhi_codec.h - MKHI (ME kernel host interface) messages: GET_FW_VERSION.
 *
 * Owns: the 4-byte MKHI header ([group][command|0x80 on response][reserved]
 * [result]) and the GET_FW_VERSION body (1..3 blocks of 8 bytes: code, then
 * recovery/NFTP, then FITC). Byte 2 of a block is the major; byte 3 is read
 * as the platform by the kernel while intel/lms and metee read bytes 2-3 as a
 * u16 major (UNVERIFIED): we keep both bytes, so both readings are available.
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
/* Simulator side: parse a request header. */
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
/* "16.1.25.2049" from a block (major.minor.hotfix.build, as the kernel's fw_ver). */
void mkhi_fw_version_format(const struct mkhi_fw_version_block *blk, char *out, size_t cap);

#endif
