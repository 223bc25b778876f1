// SPDX-License-Identifier: Apache-2.0
/*
 * redir_codec.c - the redirection protocol's messages (see redir_codec.h).
 *
 * One table says, per type, which side sends it and how long it is: fixed,
 * or a fixed header plus a length field (0x11's OEM byte, 0x13/0x14's u32,
 * 0x28/0x2A's u16). Framing, decoding and encoding all read that table, so
 * they cannot disagree about a length.
 */
#include "redir_codec.h"

#include <string.h>

#include "wire.h"

enum len_kind { FIXED, OEM_U8, AUTH_U32, DATA_U16 };

struct type_desc {
	uint8_t type;
	const char *name;
	uint8_t from; /* bit (1 << enum redir_dir) */
	enum len_kind kind;
	uint8_t hdr;  /* fixed length, or the header before the variable part */
};

#define CON (1u << REDIR_FROM_CONSOLE)
#define AMT (1u << REDIR_FROM_AMT)

static const struct type_desc types[] = {
	{REDIR_START_SESSION, "START_REDIRECTION_SESSION", CON, FIXED, REDIR_START_SESSION_LEN},
	{REDIR_START_SESSION_REPLY, "START_REDIRECTION_SESSION_REPLY", AMT, OEM_U8,
	 REDIR_START_SESSION_REPLY_LEN},
	{REDIR_END_SESSION, "END_REDIRECTION_SESSION", CON, FIXED, REDIR_END_SESSION_LEN},
	{REDIR_AUTH, "AUTHENTICATE_SESSION", CON, AUTH_U32, REDIR_AUTH_HDR_LEN},
	{REDIR_AUTH_REPLY, "AUTHENTICATE_SESSION_REPLY", AMT, AUTH_U32, REDIR_AUTH_HDR_LEN},
	{REDIR_SOL_START, "START_SOL_REDIRECTION", CON, FIXED, REDIR_SOL_START_LEN},
	{REDIR_SOL_START_REPLY, "START_SOL_REDIRECTION_REPLY", AMT, FIXED,
	 REDIR_SOL_START_REPLY_LEN},
	{REDIR_SOL_END, "END_SOL_REDIRECTION", CON, FIXED, REDIR_SOL_SHORT_LEN},
	{REDIR_SOL_END_REPLY, "END_SOL_REDIRECTION_REPLY", AMT, FIXED, REDIR_SOL_SHORT_LEN},
	{REDIR_SOL_PING, "SOL_KEEP_ALIVE_PING", CON, FIXED, REDIR_SOL_SHORT_LEN},
	{REDIR_SOL_PONG, "SOL_KEEP_ALIVE_PONG", AMT, FIXED, REDIR_SOL_SHORT_LEN},
	{REDIR_SOL_MC_0x27, "SOL_0x27", CON, FIXED, REDIR_SOL_MC_0x27_LEN},
	{REDIR_SOL_DATA_TO_HOST, "SOL_DATA_TO_HOST", CON, DATA_U16, REDIR_SOL_DATA_HDR_LEN},
	{REDIR_SOL_CONTROLS, "SOL_CONTROLS_FROM_HOST", AMT, FIXED, REDIR_SOL_CONTROLS_LEN},
	{REDIR_SOL_DATA_FROM_HOST, "SOL_DATA_FROM_HOST", AMT, DATA_U16, REDIR_SOL_DATA_HDR_LEN},
	{REDIR_SOL_HEARTBEAT, "SOL_HEARTBEAT", CON | AMT, FIXED, REDIR_SOL_SHORT_LEN},
};

static const struct type_desc *find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

const char *redir_msg_name(uint8_t type)
{
	const struct type_desc *d = find(type);
	return d ? d->name : "UNKNOWN";
}

static bool has_seq(uint8_t type)
{
	return type >= REDIR_SOL_START && type <= REDIR_SOL_HEARTBEAT;
}

int redir_frame_length(const uint8_t *buf, size_t len, enum redir_dir dir, size_t *msg_len)
{
	if (len < 1)
		return PROTO_E_SHORT;
	const struct type_desc *d = find(buf[0]);
	if (!d || !(d->from & (1u << dir)))
		return PROTO_E_BAD_COMMAND;
	size_t total = d->hdr;
	switch (d->kind) {
	case FIXED:
		break;
	case OEM_U8:
		if (len < d->hdr)
			return PROTO_E_SHORT;
		total += buf[d->hdr - 1];
		break;
	case AUTH_U32: {
		if (len < d->hdr)
			return PROTO_E_SHORT;
		uint32_t n = (uint32_t)buf[5] | (uint32_t)buf[6] << 8 | (uint32_t)buf[7] << 16 |
			     (uint32_t)buf[8] << 24;
		if (n > REDIR_AUTH_MAX)
			return PROTO_E_TOO_LARGE;
		total += n;
		break;
	}
	case DATA_U16:
		if (len < d->hdr)
			return PROTO_E_SHORT;
		total += (size_t)buf[8] | (size_t)buf[9] << 8;
		break;
	}
	if (len < total)
		return PROTO_E_SHORT;
	*msg_len = total;
	return 0;
}

static int get_settings(struct wire_rd *r, struct redir_sol_settings *s)
{
	WIRE_TRY(wire_get_u16le(r, &s->max_tx_buffer));
	WIRE_TRY(wire_get_u16le(r, &s->tx_buffer_timeout_ms));
	WIRE_TRY(wire_get_u16le(r, &s->tx_overflow_timeout));
	WIRE_TRY(wire_get_u16le(r, &s->host_session_rx_timeout_ms));
	WIRE_TRY(wire_get_u16le(r, &s->host_fifo_rx_flush_timeout_ms));
	return wire_get_u16le(r, &s->heartbeat_interval_ms);
}

static int decode_body(struct wire_rd *r, struct redir_msg *m)
{
	switch (m->type) {
	case REDIR_START_SESSION:
		return wire_get_bytes(r, m->u.session, 4);
	case REDIR_START_SESSION_REPLY:
		WIRE_TRY(wire_get_u8(r, &m->u.start_reply.proto_major));
		WIRE_TRY(wire_get_u8(r, &m->u.start_reply.proto_minor));
		WIRE_TRY(wire_get_u8(r, &m->u.start_reply.fw_major));
		WIRE_TRY(wire_get_u8(r, &m->u.start_reply.fw_minor));
		WIRE_TRY(wire_get_u32le(r, &m->u.start_reply.oem_iana));
		WIRE_TRY(wire_get_u8(r, &m->u.start_reply.oem_len));
		return wire_get_ptr(r, m->u.start_reply.oem_len, &m->u.start_reply.oem);
	case REDIR_AUTH:
	case REDIR_AUTH_REPLY:
		WIRE_TRY(wire_get_u8(r, &m->u.auth.type));
		WIRE_TRY(wire_get_u32le(r, &m->u.auth.len));
		if (m->u.auth.len > REDIR_AUTH_MAX)
			return PROTO_E_TOO_LARGE;
		return wire_get_ptr(r, m->u.auth.len, &m->u.auth.data);
	case REDIR_SOL_START:
		WIRE_TRY(get_settings(r, &m->u.sol));
		return wire_get_bytes(r, NULL, 4);
	case REDIR_SOL_START_REPLY:
		WIRE_TRY(get_settings(r, &m->u.sol));
		return wire_get_bytes(r, NULL, 3);
	case REDIR_SOL_MC_0x27:
		return wire_get_bytes(r, m->u.mc27, sizeof(m->u.mc27));
	case REDIR_SOL_DATA_TO_HOST:
	case REDIR_SOL_DATA_FROM_HOST:
		WIRE_TRY(wire_get_u16le(r, &m->u.data.len));
		return wire_get_ptr(r, m->u.data.len, &m->u.data.data);
	case REDIR_SOL_CONTROLS:
		WIRE_TRY(wire_get_u8(r, &m->u.controls.control));
		return wire_get_u8(r, &m->u.controls.status);
	default: /* 0x12, 0x22..0x25, 0x2B: nothing after the header */
		return 0;
	}
}

int redir_decode(const uint8_t *buf, size_t len, enum redir_dir dir, struct redir_msg *m)
{
	size_t want;
	struct wire_rd r;
	int rc = redir_frame_length(buf, len, dir, &want);
	if (rc != 0)
		return rc;
	memset(m, 0, sizeof(*m));
	wire_rd_init(&r, buf, len);
	WIRE_TRY(wire_get_u8(&r, &m->type));
	WIRE_TRY(wire_get_u8(&r, &m->status));
	WIRE_TRY(wire_get_bytes(&r, NULL, 2)); /* reserved */
	if (has_seq(m->type))
		WIRE_TRY(wire_get_u32le(&r, &m->seq));
	WIRE_TRY(decode_body(&r, m));
	return wire_end(&r);
}

static void put_settings(struct wire_wr *w, const struct redir_sol_settings *s)
{
	wire_put_u16le(w, s->max_tx_buffer);
	wire_put_u16le(w, s->tx_buffer_timeout_ms);
	wire_put_u16le(w, s->tx_overflow_timeout);
	wire_put_u16le(w, s->host_session_rx_timeout_ms);
	wire_put_u16le(w, s->host_fifo_rx_flush_timeout_ms);
	wire_put_u16le(w, s->heartbeat_interval_ms);
}

static int encode_body(struct wire_wr *w, const struct redir_msg *m)
{
	switch (m->type) {
	case REDIR_START_SESSION:
		wire_put_bytes(w, m->u.session, 4);
		return 0;
	case REDIR_START_SESSION_REPLY:
		if (m->u.start_reply.oem_len && !m->u.start_reply.oem)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(w, m->u.start_reply.proto_major);
		wire_put_u8(w, m->u.start_reply.proto_minor);
		wire_put_u8(w, m->u.start_reply.fw_major);
		wire_put_u8(w, m->u.start_reply.fw_minor);
		wire_put_u32le(w, m->u.start_reply.oem_iana);
		wire_put_u8(w, m->u.start_reply.oem_len);
		wire_put_bytes(w, m->u.start_reply.oem, m->u.start_reply.oem_len);
		return 0;
	case REDIR_AUTH:
	case REDIR_AUTH_REPLY:
		if (m->u.auth.len > REDIR_AUTH_MAX)
			return PROTO_E_TOO_LARGE;
		if (m->u.auth.len && !m->u.auth.data)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(w, m->u.auth.type);
		wire_put_u32le(w, m->u.auth.len);
		wire_put_bytes(w, m->u.auth.data, m->u.auth.len);
		return 0;
	case REDIR_SOL_START:
		put_settings(w, &m->u.sol);
		wire_put_zeros(w, 4);
		return 0;
	case REDIR_SOL_START_REPLY:
		put_settings(w, &m->u.sol);
		wire_put_zeros(w, 3);
		return 0;
	case REDIR_SOL_MC_0x27:
		wire_put_bytes(w, m->u.mc27, sizeof(m->u.mc27));
		return 0;
	case REDIR_SOL_DATA_TO_HOST:
	case REDIR_SOL_DATA_FROM_HOST:
		if (m->u.data.len && !m->u.data.data)
			return PROTO_E_INVALID_ARG;
		wire_put_u16le(w, m->u.data.len);
		wire_put_bytes(w, m->u.data.data, m->u.data.len);
		return 0;
	case REDIR_SOL_CONTROLS:
		wire_put_u8(w, m->u.controls.control);
		wire_put_u8(w, m->u.controls.status);
		return 0;
	default:
		return 0;
	}
}

int redir_encode(const struct redir_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct wire_wr w;
	*out_len = 0;
	if (!find(m->type))
		return PROTO_E_BAD_COMMAND;
	wire_wr_init(&w, buf, cap);
	wire_put_u8(&w, m->type);
	wire_put_u8(&w, m->status);
	wire_put_zeros(&w, 2);
	if (has_seq(m->type))
		wire_put_u32le(&w, m->seq);
	int rc = encode_body(&w, m);
	if (rc != 0)
		return rc;
	rc = wire_wr_status(&w);
	if (rc == 0)
		*out_len = w.len;
	return rc;
}

/* ---- authentication strings ---- */

int redir_strs_decode(const uint8_t *data, size_t len, struct redir_strs *out)
{
	struct wire_rd r;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, data, len);
	while (wire_rd_left(&r) > 0) {
		if (out->n >= REDIR_AUTH_MAX_STRS)
			return PROTO_E_TOO_LARGE;
		struct redir_str *s = &out->s[out->n];
		WIRE_TRY(wire_get_u8(&r, &s->len));
		WIRE_TRY(wire_get_ptr(&r, s->len, &s->p));
		out->n++;
	}
	return 0;
}

int redir_strs_encode(const struct redir_strs *in, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct wire_wr w;
	*out_len = 0;
	if (in->n > REDIR_AUTH_MAX_STRS)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, buf, cap);
	for (unsigned i = 0; i < in->n; i++) {
		if (in->s[i].len && !in->s[i].p)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(&w, in->s[i].len);
		wire_put_bytes(&w, in->s[i].p, in->s[i].len);
	}
	int rc = wire_wr_status(&w);
	if (rc == 0)
		*out_len = w.len;
	return rc;
}

int redir_strs_add(struct redir_strs *s, const char *text)
{
	size_t n = strlen(text);
	if (s->n >= REDIR_AUTH_MAX_STRS)
		return PROTO_E_INVALID_ARG;
	if (n > 255)
		return PROTO_E_TOO_LARGE;
	s->s[s->n].p = (const uint8_t *)text;
	s->s[s->n].len = (uint8_t)n;
	s->n++;
	return 0;
}

bool redir_str_eq(const struct redir_strs *s, unsigned i, const char *text)
{
	size_t n = strlen(text);
	return i < s->n && s->s[i].len == n && (n == 0 || memcmp(s->s[i].p, text, n) == 0);
}
