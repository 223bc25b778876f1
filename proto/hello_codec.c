// SPDX-License-Identifier: Apache-2.0
/*
 * hello_codec.c - hello packet encoding and decoding (see hello_codec.h).
 *
 * Owns: one parser shared by hello_decode() and hello_frame_length(), so a
 * stream framer and the decoder can never disagree, and an encoder that
 * validates before it writes.
 * Must not: touch bytes except through the wire.h cursors, or do I/O.
 */
#include "hello_codec.h"

#include <string.h>

#include "wire.h"

size_t hello_hash_size(uint8_t type)
{
	switch (type) {
	case HELLO_HASH_SHA1: return 20;
	case HELLO_HASH_SHA256: return 32;
	case HELLO_HASH_SHA384: return 48;
	default: return 0;
	}
}

/* The header rules, for the encoder (the parser checks each field on arrival). */
static int check_header(uint16_t admin_set, uint16_t version, uint32_t retry_count)
{
	if (admin_set > 1)
		return PROTO_E_BAD_VALUE;
	if (version != HELLO_VERSION_PKI && version != HELLO_VERSION_PSK)
		return PROTO_E_BAD_VERSION;
	if (retry_count > HELLO_MAX_RETRY)
		return PROTO_E_BAD_VALUE;
	return 0;
}

static int parse_hash(struct wire_rd *r, struct hello_hash *h)
{
	uint8_t size;
	size_t want;

	WIRE_TRY(wire_get_u8(r, &h->type));
	want = hello_hash_size(h->type);
	if (want == 0)
		return PROTO_E_BAD_VALUE;
	WIRE_TRY(wire_get_u8(r, &size));
	if (size != want) /* checked before the size is used */
		return PROTO_E_BAD_VALUE;
	return wire_get_bytes(r, h->bytes, want);
}

/* Parse one packet from the start of r, checking each field on arrival. */
static int parse_hello(struct wire_rd *r, struct hello_msg *m)
{
	memset(m, 0, sizeof(*m));
	WIRE_TRY(wire_get_u16le(r, &m->admin_set));
	if (m->admin_set > 1)
		return PROTO_E_BAD_VALUE;
	WIRE_TRY(wire_get_u16le(r, &m->version));
	if (m->version != HELLO_VERSION_PKI && m->version != HELLO_VERSION_PSK)
		return PROTO_E_BAD_VERSION;
	WIRE_TRY(wire_get_u32le(r, &m->retry_count));
	if (m->retry_count > HELLO_MAX_RETRY)
		return PROTO_E_BAD_VALUE;
	WIRE_TRY(wire_get_bytes(r, m->uuid, HELLO_UUID_LEN));
	if (m->version == HELLO_VERSION_PSK)
		return wire_get_bytes(r, m->pid, HELLO_PID_LEN);
	WIRE_TRY(wire_get_u8(r, &m->hash_count));
	if (m->hash_count > HELLO_MAX_HASHES)
		return PROTO_E_TOO_LARGE;
	for (unsigned i = 0; i < m->hash_count; i++)
		WIRE_TRY(parse_hash(r, &m->hashes[i]));
	return 0;
}

int hello_decode(const uint8_t *buf, size_t len, struct hello_msg *out)
{
	struct wire_rd r;

	if (!out || (!buf && len))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, buf, len);
	WIRE_TRY(parse_hello(&r, out));
	return wire_end(&r);
}

int hello_frame_length(const uint8_t *buf, size_t len, size_t *msg_len)
{
	struct hello_msg scratch;
	struct wire_rd r;

	if (!msg_len || (!buf && len))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, buf, len);
	WIRE_TRY(parse_hello(&r, &scratch));
	*msg_len = r.off;
	return 0;
}

int hello_encode(const struct hello_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct wire_wr w;

	if (!m || !out_len || (!buf && cap))
		return PROTO_E_INVALID_ARG;
	*out_len = 0;
	WIRE_TRY(check_header(m->admin_set, m->version, m->retry_count));
	if (m->version == HELLO_VERSION_PKI) {
		if (m->hash_count > HELLO_MAX_HASHES)
			return PROTO_E_TOO_LARGE;
		for (unsigned i = 0; i < m->hash_count; i++)
			if (hello_hash_size(m->hashes[i].type) == 0)
				return PROTO_E_BAD_VALUE;
	}

	wire_wr_init(&w, buf, cap);
	wire_put_u16le(&w, m->admin_set);
	wire_put_u16le(&w, m->version);
	wire_put_u32le(&w, m->retry_count);
	wire_put_bytes(&w, m->uuid, HELLO_UUID_LEN);
	if (m->version == HELLO_VERSION_PSK) {
		wire_put_bytes(&w, m->pid, HELLO_PID_LEN);
	} else {
		wire_put_u8(&w, m->hash_count);
		for (unsigned i = 0; i < m->hash_count; i++) {
			size_t n = hello_hash_size(m->hashes[i].type);
			wire_put_u8(&w, m->hashes[i].type);
			wire_put_u8(&w, (uint8_t)n);
			wire_put_bytes(&w, m->hashes[i].bytes, n);
		}
	}
	WIRE_TRY(wire_wr_status(&w));
	*out_len = w.len;
	return 0;
}
