// SPDX-License-Identifier: Apache-2.0
/*
 * amthi_envelope.c - the AMTHI envelope (see amthi_codec.h): the 12-byte
 * header [major 1][minor >= 1][reserved u16 = 0][command u32][length u32],
 * and the status word that starts every response.
 *
 * Owns: building and validating requests and responses around a body:
 * size first, then version and reserved, then the response code
 * (request | 0x00800000) and Length == bytes - 12, with no addition that
 * could wrap. A non-success status is returned, not judged.
 * Must not: know any body layout (amthi_codec.c), do I/O, or keep state.
 */
#include "amthi_codec.h"

#include "wire.h"

static int finish_wr(const struct wire_wr *w, size_t *out_len)
{
	int rc = wire_wr_status(w);
	if (rc == 0 && out_len)
		*out_len = w->len;
	return rc;
}

/* ---- envelope ---- */

/* Common header checks: version 1.x (x >= 1), reserved 0. */
static int get_header(struct wire_rd *r, struct amthi_header *h)
{
	int rc;

	if ((rc = wire_get_u8(r, &h->major)) != 0 || (rc = wire_get_u8(r, &h->minor)) != 0 ||
	    (rc = wire_get_u16le(r, &h->reserved)) != 0 ||
	    (rc = wire_get_u32le(r, &h->command)) != 0 || (rc = wire_get_u32le(r, &h->length)) != 0)
		return rc;
	if (h->major != AMTHI_VERSION_MAJOR || h->minor < AMTHI_VERSION_MINOR)
		return PROTO_E_BAD_VERSION;
	if (h->reserved != 0)
		return PROTO_E_BAD_RESERVED;
	return 0;
}

static void put_header(struct wire_wr *w, uint32_t cmd, uint32_t length)
{
	wire_put_u8(w, AMTHI_VERSION_MAJOR);
	wire_put_u8(w, AMTHI_VERSION_MINOR);
	wire_put_u16le(w, 0);
	wire_put_u32le(w, cmd);
	wire_put_u32le(w, length);
}

int amthi_encode_request(uint8_t *buf, size_t cap, uint32_t cmd, const uint8_t *body,
			 size_t blen, size_t *out_len)
{
	struct wire_wr w;

	if (!buf || (blen > 0 && !body) || blen > UINT32_MAX)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	put_header(&w, cmd, (uint32_t)blen);
	if (blen > 0)
		wire_put_bytes(&w, body, blen);
	return finish_wr(&w, out_len);
}

int amthi_decode_request(const uint8_t *msg, size_t len, uint32_t *cmd, const uint8_t **body,
			 size_t *blen)
{
	struct wire_rd r;
	struct amthi_header h;
	int rc;

	if (!cmd || !body || !blen || (!msg && len > 0))
		return PROTO_E_INVALID_ARG;
	if (len < AMTHI_HDR_LEN)
		return PROTO_E_SHORT;
	wire_rd_init(&r, msg, len);
	rc = get_header(&r, &h);
	if (rc)
		return rc;
	/* len >= 12 here, so len - 12 cannot wrap; h.length + 12 could. */
	if (len - AMTHI_HDR_LEN != h.length)
		return PROTO_E_LENGTH_MISMATCH;
	*cmd = h.command;
	*blen = wire_rd_left(&r);
	*body = msg + AMTHI_HDR_LEN;
	return 0;
}

int amthi_decode_response(const uint8_t *msg, size_t len, uint32_t req_cmd,
			  amt_status_t *status, const uint8_t **body, size_t *blen)
{
	struct wire_rd r;
	struct amthi_header h;
	uint32_t st;
	int rc;

	if (!status || !body || !blen || (!msg && len > 0))
		return PROTO_E_INVALID_ARG;
	if (len == 0)
		return PROTO_E_EMPTY;
	if (len < AMTHI_HDR_LEN + 4)
		return PROTO_E_SHORT;
	wire_rd_init(&r, msg, len);
	rc = get_header(&r, &h);
	if (rc)
		return rc;
	if (h.command != (req_cmd | AMTHI_RESPONSE_BIT))
		return PROTO_E_BAD_COMMAND;
	if (len - AMTHI_HDR_LEN != h.length || h.length < 4)
		return PROTO_E_LENGTH_MISMATCH;
	rc = wire_get_u32le(&r, &st);
	if (rc)
		return rc;
	*status = st;
	*blen = wire_rd_left(&r);
	*body = msg + AMTHI_HDR_LEN + 4;
	return 0;
}

int amthi_encode_response(uint8_t *buf, size_t cap, uint32_t req_cmd, amt_status_t status,
			  const uint8_t *body, size_t blen, size_t *out_len)
{
	struct wire_wr w;

	if (!buf || (blen > 0 && !body) || blen > UINT32_MAX - 4)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	put_header(&w, req_cmd | AMTHI_RESPONSE_BIT, (uint32_t)(4 + blen));
	wire_put_u32le(&w, status);
	if (blen > 0)
		wire_put_bytes(&w, body, blen);
	return finish_wr(&w, out_len);
}
