// SPDX-License-Identifier: Apache-2.0
/*
 * ider_codec.c - the IDE-R messages (see ider_codec.h).
 *
 * One table says, per type, which side sends it and how its length is
 * found; framing, decoding and encoding all read it, so they cannot
 * disagree about a length.
 */
#include "ider_codec.h"

#include <string.h>

#include "wire.h"

enum len_kind { FIXED, OEM_U8, FEATURES, DATA_U16 };

struct type_desc {
	uint8_t type;
	const char *name;
	uint8_t from; /* bit (1 << enum ider_dir) */
	enum len_kind kind;
	uint8_t len;  /* fixed length, or the header before the variable part */
};

#define CON (1u << IDER_FROM_CONSOLE)
#define AMT (1u << IDER_FROM_AMT)

static const struct type_desc types[] = {
	{IDER_OPEN, "START_IDER_REDIRECTION", CON, FIXED, IDER_OPEN_LEN},
	{IDER_OPEN_REPLY, "START_IDER_REDIRECTION_REPLY", AMT, OEM_U8, IDER_OPEN_REPLY_LEN},
	{IDER_CLOSE, "END_IDER_REDIRECTION", CON, FIXED, IDER_SHORT_LEN},
	{IDER_CLOSE_REPLY, "END_IDER_REDIRECTION_REPLY", AMT, FIXED, IDER_SHORT_LEN},
	{IDER_PING, "IDER_KEEP_ALIVE_PING", CON | AMT, FIXED, IDER_SHORT_LEN},
	{IDER_PONG, "IDER_KEEP_ALIVE_PONG", CON | AMT, FIXED, IDER_SHORT_LEN},
	{IDER_RESET, "IDER_RESET_OCCURED", AMT, FIXED, IDER_RESET_LEN},
	{IDER_RESET_REPLY, "IDER_RESET_OCCURED_RESPONSE", CON, FIXED, IDER_SHORT_LEN},
	{IDER_FEATURES, "IDER_DISABLE_ENABLE_FEATURES", CON, FEATURES, IDER_FEATURES_LEN},
	{IDER_FEATURES_REPLY, "IDER_DISABLE_ENABLE_FEATURES_REPLY", AMT, FIXED, IDER_FEATURES_LEN},
	{IDER_ERROR, "IDER_ERROR_OCCURED", AMT, FIXED, IDER_ERROR_LEN},
	{IDER_HEARTBEAT, "IDER_HEARTBEAT", CON | AMT, FIXED, IDER_SHORT_LEN},
	{IDER_COMMAND, "IDER_COMMAND_WRITTEN", AMT, FIXED, IDER_COMMAND_LEN},
	{IDER_COMMAND_END, "IDER_COMMAND_END_RESPONSE", CON, FIXED, IDER_COMMAND_END_LEN},
	{IDER_GET_DATA, "IDER_GET_DATA_FROM_HOST", CON, FIXED, IDER_COMMAND_END_LEN},
	{IDER_DATA_FROM_HOST, "IDER_DATA_FROM_HOST", AMT, DATA_U16, IDER_FROM_HOST_HDR_LEN},
	{IDER_DATA_TO_HOST, "IDER_DATA_TO_HOST", CON, DATA_U16, IDER_TO_HOST_HDR_LEN},
};

static const struct type_desc *find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return &types[i];
	return NULL;
}

const char *ider_msg_name(uint8_t type)
{
	const struct type_desc *d = find(type);
	return d ? d->name : "UNKNOWN";
}

int ider_frame_length(const uint8_t *buf, size_t len, enum ider_dir dir, size_t *msg_len)
{
	if (len < 1)
		return PROTO_E_SHORT;
	const struct type_desc *d = find(buf[0]);
	if (!d || !(d->from & (1u << dir)))
		return PROTO_E_BAD_COMMAND;
	size_t total = d->len;
	switch (d->kind) {
	case FIXED:
		break;
	case OEM_U8:
		if (len < d->len)
			return PROTO_E_SHORT;
		total += buf[d->len - 1];
		break;
	case FEATURES: /* sub 1 has no value (switchbox: 9 bytes if buf[8] == 1) */
		if (len < IDER_HDR_LEN + 1)
			return PROTO_E_SHORT;
		if (buf[IDER_HDR_LEN] == IDER_FEAT_GET_SUPPORTED)
			total = IDER_FEATURES_QUERY_LEN;
		break;
	case DATA_U16: {
		if (len < 11)
			return PROTO_E_SHORT;
		size_t n = (size_t)buf[9] | (size_t)buf[10] << 8;
		if (n > IDER_DATA_MAX)
			return PROTO_E_TOO_LARGE;
		total += n;
		break;
	}
	}
	if (len < total)
		return PROTO_E_SHORT;
	*msg_len = total;
	return 0;
}

static int get_regs(struct wire_rd *r, struct ider_regs *g)
{
	WIRE_TRY(wire_get_u8(r, &g->mask));
	WIRE_TRY(wire_get_u8(r, &g->error));
	WIRE_TRY(wire_get_u8(r, &g->sector_count));
	WIRE_TRY(wire_get_u8(r, &g->sector_num));
	WIRE_TRY(wire_get_u8(r, &g->byte_lsb));
	WIRE_TRY(wire_get_u8(r, &g->byte_msb));
	WIRE_TRY(wire_get_u8(r, &g->drive));
	return wire_get_u8(r, &g->status);
}

static void put_regs(struct wire_wr *w, const struct ider_regs *g)
{
	wire_put_u8(w, g->mask);
	wire_put_u8(w, g->error);
	wire_put_u8(w, g->sector_count);
	wire_put_u8(w, g->sector_num);
	wire_put_u8(w, g->byte_lsb);
	wire_put_u8(w, g->byte_msb);
	wire_put_u8(w, g->drive);
	wire_put_u8(w, g->status);
}

static int decode_xfer(struct wire_rd *r, struct ider_msg *m)
{
	WIRE_TRY(wire_get_u8(r, &m->u.xfer.cable_sel));
	WIRE_TRY(wire_get_u16le(r, &m->u.xfer.transfer_bytes));
	WIRE_TRY(wire_get_u8(r, &m->u.xfer.packet_num));
	WIRE_TRY(get_regs(r, &m->u.xfer.in));
	WIRE_TRY(get_regs(r, &m->u.xfer.out));
	WIRE_TRY(wire_get_u8(r, &m->u.xfer.sense));
	WIRE_TRY(wire_get_u8(r, &m->u.xfer.asc));
	WIRE_TRY(wire_get_u8(r, &m->u.xfer.ascq));
	if (m->type != IDER_DATA_TO_HOST)
		return 0;
	if (m->u.xfer.transfer_bytes > IDER_DATA_MAX)
		return PROTO_E_TOO_LARGE;
	WIRE_TRY(wire_get_bytes(r, m->u.xfer.reserved31, 3));
	return wire_get_ptr(r, m->u.xfer.transfer_bytes, &m->u.xfer.data);
}

static int decode_body(struct wire_rd *r, struct ider_msg *m)
{
	switch (m->type) {
	case IDER_OPEN:
		WIRE_TRY(wire_get_u16le(r, &m->u.open.rx_timeout_ms));
		WIRE_TRY(wire_get_u16le(r, &m->u.open.tx_timeout_ms));
		WIRE_TRY(wire_get_u16le(r, &m->u.open.heartbeat_ms));
		return wire_get_u32le(r, &m->u.open.version);
	case IDER_OPEN_REPLY:
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.proto_major));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.proto_minor));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.fw_major));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.fw_minor));
		WIRE_TRY(wire_get_bytes(r, m->u.open_reply.unknown12, 4));
		WIRE_TRY(wire_get_u16le(r, &m->u.open_reply.read_buffer));
		WIRE_TRY(wire_get_u16le(r, &m->u.open_reply.write_buffer));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.unknown20));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.features));
		WIRE_TRY(wire_get_bytes(r, m->u.open_reply.unknown22, 3));
		WIRE_TRY(wire_get_u32le(r, &m->u.open_reply.oem_iana));
		WIRE_TRY(wire_get_u8(r, &m->u.open_reply.oem_len));
		return wire_get_ptr(r, m->u.open_reply.oem_len, &m->u.open_reply.oem);
	case IDER_RESET:
		return wire_get_u8(r, &m->u.reset_mask);
	case IDER_FEATURES:
	case IDER_FEATURES_REPLY:
		WIRE_TRY(wire_get_u8(r, &m->u.features.sub));
		if (m->u.features.sub < IDER_FEAT_GET_SUPPORTED || m->u.features.sub > IDER_FEAT_SET_STATE)
			return PROTO_E_BAD_VALUE;
		if (m->type == IDER_FEATURES && m->u.features.sub == IDER_FEAT_GET_SUPPORTED)
			return 0;
		return wire_get_u32le(r, &m->u.features.value);
	case IDER_ERROR:
		WIRE_TRY(wire_get_u8(r, &m->u.error.code));
		return wire_get_u16le(r, &m->u.error.detail);
	case IDER_COMMAND:
		WIRE_TRY(wire_get_u8(r, &m->u.command.cable_sel));
		WIRE_TRY(wire_get_u8(r, &m->u.command.feature));
		WIRE_TRY(wire_get_u8(r, &m->u.command.sector_count));
		WIRE_TRY(wire_get_u8(r, &m->u.command.sector_num));
		WIRE_TRY(wire_get_u16le(r, &m->u.command.byte_count));
		WIRE_TRY(wire_get_u8(r, &m->u.command.drive));
		WIRE_TRY(wire_get_u8(r, &m->u.command.command));
		return wire_get_bytes(r, m->u.command.cdb, sizeof(m->u.command.cdb));
	case IDER_COMMAND_END:
	case IDER_GET_DATA:
	case IDER_DATA_TO_HOST:
		return decode_xfer(r, m);
	case IDER_DATA_FROM_HOST:
		WIRE_TRY(wire_get_u8(r, &m->u.from_host.b8));
		WIRE_TRY(wire_get_u16le(r, &m->u.from_host.len));
		WIRE_TRY(wire_get_bytes(r, m->u.from_host.b11, 3));
		if (m->u.from_host.len > IDER_DATA_MAX)
			return PROTO_E_TOO_LARGE;
		return wire_get_ptr(r, m->u.from_host.len, &m->u.from_host.data);
	default: /* header only */
		return 0;
	}
}

int ider_decode(const uint8_t *buf, size_t len, enum ider_dir dir, struct ider_msg *m)
{
	size_t want;
	struct wire_rd r;
	int rc = ider_frame_length(buf, len, dir, &want);
	if (rc != 0)
		return rc;
	memset(m, 0, sizeof(*m));
	wire_rd_init(&r, buf, len);
	WIRE_TRY(wire_get_u8(&r, &m->type));
	WIRE_TRY(wire_get_u8(&r, &m->status));
	WIRE_TRY(wire_get_u8(&r, &m->reserved2));
	WIRE_TRY(wire_get_u8(&r, &m->attributes));
	WIRE_TRY(wire_get_u32le(&r, &m->seq));
	WIRE_TRY(decode_body(&r, m));
	return wire_end(&r);
}

static int encode_body(struct wire_wr *w, const struct ider_msg *m)
{
	switch (m->type) {
	case IDER_OPEN:
		wire_put_u16le(w, m->u.open.rx_timeout_ms);
		wire_put_u16le(w, m->u.open.tx_timeout_ms);
		wire_put_u16le(w, m->u.open.heartbeat_ms);
		wire_put_u32le(w, m->u.open.version);
		return 0;
	case IDER_OPEN_REPLY:
		if (m->u.open_reply.oem_len && !m->u.open_reply.oem)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(w, m->u.open_reply.proto_major);
		wire_put_u8(w, m->u.open_reply.proto_minor);
		wire_put_u8(w, m->u.open_reply.fw_major);
		wire_put_u8(w, m->u.open_reply.fw_minor);
		wire_put_bytes(w, m->u.open_reply.unknown12, 4);
		wire_put_u16le(w, m->u.open_reply.read_buffer);
		wire_put_u16le(w, m->u.open_reply.write_buffer);
		wire_put_u8(w, m->u.open_reply.unknown20);
		wire_put_u8(w, m->u.open_reply.features);
		wire_put_bytes(w, m->u.open_reply.unknown22, 3);
		wire_put_u32le(w, m->u.open_reply.oem_iana);
		wire_put_u8(w, m->u.open_reply.oem_len);
		wire_put_bytes(w, m->u.open_reply.oem, m->u.open_reply.oem_len);
		return 0;
	case IDER_RESET:
		wire_put_u8(w, m->u.reset_mask);
		return 0;
	case IDER_FEATURES:
	case IDER_FEATURES_REPLY:
		if (m->u.features.sub < IDER_FEAT_GET_SUPPORTED || m->u.features.sub > IDER_FEAT_SET_STATE)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(w, m->u.features.sub);
		if (m->type == IDER_FEATURES_REPLY || m->u.features.sub != IDER_FEAT_GET_SUPPORTED)
			wire_put_u32le(w, m->u.features.value);
		return 0;
	case IDER_ERROR:
		wire_put_u8(w, m->u.error.code);
		wire_put_u16le(w, m->u.error.detail);
		return 0;
	case IDER_COMMAND:
		wire_put_u8(w, m->u.command.cable_sel);
		wire_put_u8(w, m->u.command.feature);
		wire_put_u8(w, m->u.command.sector_count);
		wire_put_u8(w, m->u.command.sector_num);
		wire_put_u16le(w, m->u.command.byte_count);
		wire_put_u8(w, m->u.command.drive);
		wire_put_u8(w, m->u.command.command);
		wire_put_bytes(w, m->u.command.cdb, sizeof(m->u.command.cdb));
		return 0;
	case IDER_COMMAND_END:
	case IDER_GET_DATA:
	case IDER_DATA_TO_HOST:
		if (m->type == IDER_DATA_TO_HOST) {
			if (m->u.xfer.transfer_bytes > IDER_DATA_MAX)
				return PROTO_E_TOO_LARGE;
			if (m->u.xfer.transfer_bytes && !m->u.xfer.data)
				return PROTO_E_INVALID_ARG;
		}
		wire_put_u8(w, m->u.xfer.cable_sel);
		wire_put_u16le(w, m->u.xfer.transfer_bytes);
		wire_put_u8(w, m->u.xfer.packet_num);
		put_regs(w, &m->u.xfer.in);
		put_regs(w, &m->u.xfer.out);
		wire_put_u8(w, m->u.xfer.sense);
		wire_put_u8(w, m->u.xfer.asc);
		wire_put_u8(w, m->u.xfer.ascq);
		if (m->type == IDER_DATA_TO_HOST) {
			wire_put_bytes(w, m->u.xfer.reserved31, 3);
			wire_put_bytes(w, m->u.xfer.data, m->u.xfer.transfer_bytes);
		}
		return 0;
	case IDER_DATA_FROM_HOST:
		if (m->u.from_host.len > IDER_DATA_MAX)
			return PROTO_E_TOO_LARGE;
		if (m->u.from_host.len && !m->u.from_host.data)
			return PROTO_E_INVALID_ARG;
		wire_put_u8(w, m->u.from_host.b8);
		wire_put_u16le(w, m->u.from_host.len);
		wire_put_bytes(w, m->u.from_host.b11, 3);
		wire_put_bytes(w, m->u.from_host.data, m->u.from_host.len);
		return 0;
	default:
		return 0;
	}
}

int ider_encode(const struct ider_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	struct wire_wr w;
	*out_len = 0;
	if (!find(m->type))
		return PROTO_E_BAD_COMMAND;
	wire_wr_init(&w, buf, cap);
	wire_put_u8(&w, m->type);
	wire_put_u8(&w, m->status);
	wire_put_u8(&w, m->reserved2);
	wire_put_u8(&w, m->attributes);
	wire_put_u32le(&w, m->seq);
	int rc = encode_body(&w, m);
	if (rc != 0)
		return rc;
	rc = wire_wr_status(&w);
	if (rc == 0)
		*out_len = w.len;
	return rc;
}

/* ---- canonical forms ---- */

void ider_make_end(struct ider_msg *m, uint32_t seq, uint8_t dev, uint8_t sense_key,
		   uint8_t asc, uint8_t ascq)
{
	memset(m, 0, sizeof(*m));
	m->type = IDER_COMMAND_END;
	m->attributes = IDER_ATTR_COMPLETED;
	m->seq = seq;
	struct ider_regs *o = &m->u.xfer.out;
	o->sector_count = IDER_IR_COD | IDER_IR_IO;
	o->drive = dev;
	o->status = IDER_ST_DRDY | IDER_ST_DSC;
	if (sense_key == SENSE_NONE) {
		o->mask = IDER_REG_STATUS | IDER_REG_DRIVE | IDER_REG_SECTOR_COUNT | IDER_REG_INTERRUPT;
		return;
	}
	o->mask = IDER_REG_STATUS | IDER_REG_SECTOR_COUNT | IDER_REG_ERROR | IDER_REG_INTERRUPT;
	o->error = (uint8_t)(sense_key << 4);
	o->status |= IDER_ST_ERR;
	m->u.xfer.sense = sense_key;
	m->u.xfer.asc = asc;
	m->u.xfer.ascq = ascq;
}

void ider_make_data(struct ider_msg *m, uint32_t seq, uint8_t dev, const uint8_t *data,
		    uint16_t len, bool last)
{
	memset(m, 0, sizeof(*m));
	m->type = IDER_DATA_TO_HOST;
	m->seq = seq;
	m->u.xfer.transfer_bytes = len;
	m->u.xfer.data = data;
	struct ider_regs *in = &m->u.xfer.in;
	in->mask = IDER_REG_STATUS | IDER_REG_BYTE_MSB | IDER_REG_BYTE_LSB | IDER_REG_SECTOR_COUNT |
		   IDER_REG_INTERRUPT;
	in->sector_count = IDER_IR_IO;
	in->byte_lsb = (uint8_t)(len & 0xFFu);
	in->byte_msb = (uint8_t)(len >> 8);
	in->drive = dev;
	in->status = IDER_ST_DRDY | IDER_ST_DSC | IDER_ST_DRQ;
	if (!last)
		return;
	m->attributes = IDER_ATTR_COMPLETED;
	struct ider_regs *o = &m->u.xfer.out;
	o->mask = IDER_REG_STATUS | IDER_REG_SECTOR_COUNT | IDER_REG_INTERRUPT;
	o->sector_count = IDER_IR_COD | IDER_IR_IO;
	o->drive = dev;
	o->status = IDER_ST_DRDY | IDER_ST_DSC;
}

bool ider_reports_error(const struct ider_msg *m)
{
	return (m->u.xfer.out.status & IDER_ST_ERR) != 0;
}

int ider_seq_check(struct ider_seq *s, uint32_t seq)
{
	if (seq != s->next)
		return PROTO_E_SEQUENCE;
	s->next++;
	return 0;
}
