// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi_codec.c - MKHI header, GET_FW_VERSION and FWCAPS GetRule bodies (see
 * mkhi_codec.h).
 *
 * Owns: the 4-byte header [group][command | 0x80 on response][reserved][result],
 * the 1..3 version blocks of protocol-facts.md section 4 and the GetRule
 * request/response bodies, read and written byte by byte through the wire_*
 * cursors (never the bitfield unions other clients use). A non-zero result
 * byte is not an error here. Requests are read as firmware reads them:
 * reserved and result bytes are ignored (intel/metee's MKHI test leaves
 * them uninitialised and real firmware still answers); responses are
 * checked strictly.
 * Must not: do I/O, keep state, or decide what a result code means.
 */
#include "mkhi_codec.h"

#include <stdio.h>
#include <string.h>

#include "proto_err.h"
#include "wire.h"

#define MKHI_BLOCK_LEN 8u

struct mkhi_hdr {
	uint8_t group, command, reserved, result;
};

static int get_hdr(struct wire_rd *r, struct mkhi_hdr *h)
{
	int rc;

	if ((rc = wire_get_u8(r, &h->group)) != 0 || (rc = wire_get_u8(r, &h->command)) != 0 ||
	    (rc = wire_get_u8(r, &h->reserved)) != 0 || (rc = wire_get_u8(r, &h->result)) != 0)
		return rc;
	return 0;
}

static void put_hdr(struct wire_wr *w, uint8_t group, uint8_t command, uint8_t result)
{
	wire_put_u8(w, group);
	wire_put_u8(w, command);
	wire_put_u8(w, 0);
	wire_put_u8(w, result);
}

static int finish_wr(const struct wire_wr *w, size_t *out_len)
{
	int rc = wire_wr_status(w);
	if (rc == 0 && out_len)
		*out_len = w->len;
	return rc;
}

int mkhi_encode_request(uint8_t *buf, size_t cap, uint8_t group, uint8_t command,
			size_t *out_len)
{
	struct wire_wr w;

	/* The command is 7 bits; bit 7 is the response flag. */
	if (!buf || (command & MKHI_RESPONSE_BIT))
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	put_hdr(&w, group, command, 0);
	return finish_wr(&w, out_len);
}

int mkhi_decode_request(const uint8_t *msg, size_t len, uint8_t *group, uint8_t *command,
			const uint8_t **body, size_t *blen)
{
	struct wire_rd r;
	struct mkhi_hdr h;
	int rc;

	if (!group || !command || !body || !blen || (!msg && len > 0))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, msg, len);
	if ((rc = get_hdr(&r, &h)) != 0)
		return rc;
	if (h.command & MKHI_RESPONSE_BIT)
		return PROTO_E_BAD_COMMAND;
	*group = h.group;
	*command = h.command;
	*blen = wire_rd_left(&r);
	*body = msg + MKHI_HDR_LEN;
	return 0;
}

int mkhi_decode_response(const uint8_t *msg, size_t len, uint8_t group, uint8_t command,
			 uint8_t *result, const uint8_t **body, size_t *blen)
{
	struct wire_rd r;
	struct mkhi_hdr h;
	int rc;

	if (!result || !body || !blen || (!msg && len > 0))
		return PROTO_E_INVALID_ARG;
	if (len == 0)
		return PROTO_E_EMPTY;
	wire_rd_init(&r, msg, len);
	if ((rc = get_hdr(&r, &h)) != 0)
		return rc;
	if (h.group != group || h.command != (uint8_t)(command | MKHI_RESPONSE_BIT))
		return PROTO_E_BAD_COMMAND;
	if (h.reserved != 0)
		return PROTO_E_BAD_RESERVED;
	*result = h.result;
	*blen = wire_rd_left(&r);
	*body = msg + MKHI_HDR_LEN;
	return 0;
}

int mkhi_encode_response(uint8_t *buf, size_t cap, uint8_t group, uint8_t command,
			 uint8_t result, const uint8_t *body, size_t blen, size_t *out_len)
{
	struct wire_wr w;

	if (!buf || (blen > 0 && !body))
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	put_hdr(&w, group, (uint8_t)(command | MKHI_RESPONSE_BIT), result);
	if (blen > 0)
		wire_put_bytes(&w, body, blen);
	return finish_wr(&w, out_len);
}

static int get_block(struct wire_rd *r, struct mkhi_fw_version_block *b)
{
	int rc;

	if ((rc = wire_get_u16le(r, &b->minor)) != 0 || (rc = wire_get_u8(r, &b->major)) != 0 ||
	    (rc = wire_get_u8(r, &b->platform)) != 0 || (rc = wire_get_u16le(r, &b->build)) != 0 ||
	    (rc = wire_get_u16le(r, &b->hotfix)) != 0)
		return rc;
	return 0;
}

/*
 * 8, 16 or 24 bytes. Shorter than one block is PROTO_E_SHORT, a partial
 * block after one or two whole ones is PROTO_E_LENGTH_MISMATCH, and anything
 * after the third block is PROTO_E_TRAILING. (The kernel ignores partial and
 * extra blocks; we reject them so a malformed reply is visible.)
 */
int mkhi_decode_fw_version(const uint8_t *b, size_t n, struct mkhi_fw_version *out)
{
	struct wire_rd r;
	size_t blocks = n / MKHI_BLOCK_LEN;
	int rc = 0;

	if (!out || (!b && n > 0))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (blocks > MKHI_MAX_VERSION_BLOCKS)
		blocks = MKHI_MAX_VERSION_BLOCKS;
	if (blocks == 0)
		return PROTO_E_SHORT;
	if (blocks < MKHI_MAX_VERSION_BLOCKS && n % MKHI_BLOCK_LEN != 0)
		return PROTO_E_LENGTH_MISMATCH;
	wire_rd_init(&r, b, n);
	for (size_t i = 0; i < blocks && rc == 0; i++)
		rc = get_block(&r, &out->blocks[i]);
	if (rc == 0)
		rc = wire_end(&r);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->count = (unsigned)blocks;
	return 0;
}

int mkhi_encode_fw_version(uint8_t *b, size_t cap, const struct mkhi_fw_version *v,
			   size_t *out_len)
{
	struct wire_wr w;

	if (!b || !v || v->count < 1 || v->count > MKHI_MAX_VERSION_BLOCKS)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	for (unsigned i = 0; i < v->count; i++) {
		const struct mkhi_fw_version_block *blk = &v->blocks[i];
		wire_put_u16le(&w, blk->minor);
		wire_put_u8(&w, blk->major);
		wire_put_u8(&w, blk->platform);
		wire_put_u16le(&w, blk->build);
		wire_put_u16le(&w, blk->hotfix);
	}
	return finish_wr(&w, out_len);
}

int mkhi_encode_get_rule(uint8_t *buf, size_t cap, uint32_t rule_id, size_t *out_len)
{
	struct wire_wr w;

	if (!buf)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	put_hdr(&w, MKHI_GROUP_FWCAPS, MKHI_CMD_FWCAPS_GET_RULE, 0);
	wire_put_u32le(&w, rule_id);
	return finish_wr(&w, out_len);
}

int mkhi_decode_get_rule(const uint8_t *body, size_t blen, uint32_t *rule_id)
{
	struct wire_rd r;
	int rc;

	if (!rule_id || (!body && blen > 0))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, body, blen);
	if ((rc = wire_get_u32le(&r, rule_id)) != 0)
		return rc;
	return wire_end(&r);
}

int mkhi_encode_rule_u32(uint8_t *b, size_t cap, uint32_t rule_id, uint32_t value,
			 size_t *out_len)
{
	struct wire_wr w;

	if (!b)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_u32le(&w, rule_id);
	wire_put_u8(&w, 4);
	wire_put_u32le(&w, value);
	return finish_wr(&w, out_len);
}

int mkhi_decode_rule_u32(const uint8_t *b, size_t n, uint32_t rule_id, uint32_t *value)
{
	struct wire_rd r;
	uint32_t got;
	uint8_t dlen;
	int rc;

	if (!value || (!b && n > 0))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_u32le(&r, &got)) != 0 || (rc = wire_get_u8(&r, &dlen)) != 0)
		return rc;
	if (got != rule_id)
		return PROTO_E_BAD_VALUE;
	if (dlen != 4)
		return PROTO_E_LENGTH_MISMATCH;
	if ((rc = wire_get_u32le(&r, &got)) != 0)
		return rc;
	if ((rc = wire_end(&r)) != 0)
		return rc;
	*value = got;
	return 0;
}

void mkhi_fw_version_format(const struct mkhi_fw_version_block *blk, char *out, size_t cap)
{
	if (!out || cap == 0)
		return;
	if (!blk) {
		out[0] = '\0';
		return;
	}
	snprintf(out, cap, "%u.%u.%u.%u", (unsigned)blk->major, (unsigned)blk->minor,
		 (unsigned)blk->hotfix, (unsigned)blk->build);
}
