// SPDX-License-Identifier: Apache-2.0
/*
 * ider_codec.h - AMT's IDE-Redirection messages (0x40..0x54), both
 * directions (protocol-facts-ider.md section 1), and the ATA/ATAPI values
 * that travel inside them (task-file registers, SCSI opcodes, sense keys).
 *
 * Owns: the message numbers, which side sends each, their lengths (fixed,
 * 0x41's OEM byte, 0x48's sub-command, 0x53/0x54's u16 data length), the
 * little-endian layout of the 8-byte header (type, status, attributes,
 * sequence number) and of every body, the two register blocks of 0x51,
 * 0x52 and 0x54, the canonical forms a console sends (GOOD / CHECK
 * CONDITION 0x51, a 0x54 data chunk), and AMT's sequence numbering rule.
 * An IDE-R session shares the TCP stream with redir_codec.c's start and
 * authentication messages (0x10..0x14): a caller frames a byte whose
 * value lies in IDER_TYPE_FIRST..IDER_TYPE_LAST here, the rest there.
 * Decoding borrows payloads in place; every peer-supplied length is capped
 * (IDER_DATA_MAX) before it is used.
 * Must not: do I/O, keep session state or decide what a message means in
 * the current state (the simulator's session and amt-verify's IDE-R client
 * do), or interpret a CDB (the ATAPI responder and the simulated BIOS do).
 *
 * Where the sources disagree (protocol-facts-ider.md 7) this codec follows
 * MeshCentral and Intel's switchbox: 0x40's timeouts at offsets 8/10/12
 * (amtider's 0x40 then reads as zeros: still 18 bytes, still framed),
 * 0x53's length at 9 and data at 14, 0x50 always 28 bytes. 0x44/0x45 are
 * accepted from either side (the sources disagree who pings).
 */
#ifndef PROTO_IDER_CODEC_H
#define PROTO_IDER_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto_err.h"

enum ider_type {
	IDER_OPEN = 0x40,            /* console -> AMT, 18 */
	IDER_OPEN_REPLY = 0x41,      /* AMT -> console, 30 + OEM data */
	IDER_CLOSE = 0x42,           /* console -> AMT, 8 */
	IDER_CLOSE_REPLY = 0x43,     /* AMT -> console, 8 */
	IDER_PING = 0x44,            /* either side, 8 */
	IDER_PONG = 0x45,            /* either side, 8 */
	IDER_RESET = 0x46,           /* AMT -> console, 9: the host was reset */
	IDER_RESET_REPLY = 0x47,     /* console -> AMT, 8 */
	IDER_FEATURES = 0x48,        /* console -> AMT, 9 (sub 1) or 13 */
	IDER_FEATURES_REPLY = 0x49,  /* AMT -> console, 13 */
	IDER_ERROR = 0x4A,           /* AMT -> console, 11 */
	IDER_HEARTBEAT = 0x4B,       /* AMT -> console, 8 (amtider echoes it) */
	IDER_COMMAND = 0x50,         /* AMT -> console, 28: the host's task file and ATAPI packet */
	IDER_COMMAND_END = 0x51,     /* console -> AMT, 31: status without data */
	IDER_GET_DATA = 0x52,        /* console -> AMT, 31: asks for the host's data (writes) */
	IDER_DATA_FROM_HOST = 0x53,  /* AMT -> console, 14 + len */
	IDER_DATA_TO_HOST = 0x54,    /* console -> AMT, 34 + len: data, and the status on the last */
};
#define IDER_TYPE_FIRST 0x40u
#define IDER_TYPE_LAST 0x54u

enum ider_dir {
	IDER_FROM_CONSOLE = 0, /* what AMT (the simulator) receives */
	IDER_FROM_AMT = 1,     /* what a console (amt-verify) receives */
};

#define IDER_HDR_LEN 8u
#define IDER_OPEN_LEN 18u
#define IDER_OPEN_REPLY_LEN 30u /* without OEM data */
#define IDER_SHORT_LEN 8u       /* 0x42 0x43 0x44 0x45 0x47 0x4B */
#define IDER_RESET_LEN 9u
#define IDER_FEATURES_QUERY_LEN 9u /* 0x48 sub 1 */
#define IDER_FEATURES_LEN 13u      /* 0x48 sub 2/3, 0x49 */
#define IDER_ERROR_LEN 11u
#define IDER_COMMAND_LEN 28u
#define IDER_COMMAND_END_LEN 31u /* 0x51, 0x52 */
#define IDER_FROM_HOST_HDR_LEN 14u
#define IDER_TO_HOST_HDR_LEN 34u

/* Cap on 0x53/0x54 data: every console sends at most 8192 bytes a message
 * (MeshCentral stops above an 8192 buffer; amtider sends 0x2000 chunks). */
#define IDER_DATA_MAX 16384u
#define IDER_MSG_MAX (IDER_TO_HOST_HDR_LEN + IDER_DATA_MAX)

/* header byte 3 */
#define IDER_ATTR_DMA 0x01u
#define IDER_ATTR_COMPLETED 0x02u /* this message ends the ATAPI command */

/* 0x48 sub-commands and the 0x49 values; register-state value bits */
#define IDER_FEAT_GET_SUPPORTED 1u
#define IDER_FEAT_GET_STATE 2u
#define IDER_FEAT_SET_STATE 3u
#define IDER_FEAT_ENABLE 0x01u
#define IDER_FEAT_ATTACHED 0x02u      /* 0x49 sub 2: the devices are on the host's cable */
#define IDER_START_MASK 0x18u
#define IDER_START_ONREBOOT 0x08u
#define IDER_START_GRACEFUL 0x10u
#define IDER_START_NOW 0x18u

/* Devices (the drive/head register: bit 4 selects the CD-ROM) */
#define IDER_DEV_FLOPPY 0xA0u
#define IDER_DEV_CDROM 0xB0u
#define IDER_DEV_IS_CD(drive_select) (((drive_select) & 0x10u) != 0)

/* Register mask bits (which registers the firmware loads) */
#define IDER_REG_INTERRUPT 0x01u
#define IDER_REG_ERROR 0x02u
#define IDER_REG_SECTOR_COUNT 0x04u
#define IDER_REG_SECTOR_NUM 0x08u
#define IDER_REG_BYTE_LSB 0x10u
#define IDER_REG_BYTE_MSB 0x20u
#define IDER_REG_DRIVE 0x40u
#define IDER_REG_STATUS 0x80u
/* Status register */
#define IDER_ST_ERR 0x01u
#define IDER_ST_DRQ 0x08u
#define IDER_ST_DSC 0x10u
#define IDER_ST_DRDY 0x40u
#define IDER_ST_BSY 0x80u
/* Interrupt reason (in the sector count register) */
#define IDER_IR_COD 0x01u
#define IDER_IR_IO 0x02u
/* Error register: ABRT */
#define IDER_ERR_ABRT 0x04u
/* ATA commands in 0x50 byte 15 */
#define ATA_CMD_PACKET 0xA0u

/* SCSI/MMC opcodes (CDB byte 0) */
enum scsi_op {
	SCSI_TEST_UNIT_READY = 0x00,
	SCSI_REQUEST_SENSE = 0x03,
	SCSI_READ6 = 0x08,
	SCSI_WRITE6 = 0x0A,
	SCSI_INQUIRY = 0x12,
	SCSI_MODE_SELECT6 = 0x15,
	SCSI_MODE_SENSE6 = 0x1A,
	SCSI_START_STOP = 0x1B,
	SCSI_PREVENT_ALLOW = 0x1E,
	SCSI_READ_FORMAT_CAPACITIES = 0x23,
	SCSI_READ_CAPACITY = 0x25,
	SCSI_READ10 = 0x28,
	SCSI_WRITE10 = 0x2A,
	SCSI_WRITE_VERIFY10 = 0x2E,
	SCSI_READ_TOC = 0x43,
	SCSI_GET_CONFIGURATION = 0x46,
	SCSI_GET_EVENT_STATUS = 0x4A,
	SCSI_READ_DISC_INFO = 0x51,
	SCSI_MODE_SELECT10 = 0x55,
	SCSI_MODE_SENSE10 = 0x5A,
	SCSI_READ12 = 0xA8,
	SCSI_WRITE12 = 0xAA,
};
/* Sense keys */
#define SENSE_NONE 0x0u
#define SENSE_NOT_READY 0x2u
#define SENSE_MEDIUM_ERROR 0x3u
#define SENSE_ILLEGAL_REQUEST 0x5u
#define SENSE_UNIT_ATTENTION 0x6u
#define SENSE_DATA_PROTECT 0x7u

/* The eight task-file registers of 0x51, 0x52 and 0x54, in wire order. */
struct ider_regs {
	uint8_t mask, error, sector_count, sector_num, byte_lsb, byte_msb, drive, status;
};

struct ider_msg {
	uint8_t type;       /* enum ider_type */
	uint8_t status;     /* byte 1: 0x41's status (0 success); reserved elsewhere, carried */
	uint8_t reserved2;  /* byte 2, carried */
	uint8_t attributes; /* byte 3: IDER_ATTR_* */
	uint32_t seq;       /* bytes 4..7 */
	union {
		struct { /* 0x40 */
			uint16_t rx_timeout_ms, tx_timeout_ms, heartbeat_ms;
			uint32_t version;
		} open;
		struct { /* 0x41 (bytes 12-15, 20, 22-24 unknown: carried) */
			uint8_t proto_major, proto_minor, fw_major, fw_minor;
			uint8_t unknown12[4];
			uint16_t read_buffer, write_buffer; /* largest 0x54 / 0x53 data */
			uint8_t unknown20, features;
			uint8_t unknown22[3];
			uint32_t oem_iana;
			uint8_t oem_len;
			const uint8_t *oem;
		} open_reply;
		uint8_t reset_mask; /* 0x46 */
		struct {            /* 0x48 (value absent for sub 1), 0x49 */
			uint8_t sub;
			uint32_t value;
		} features;
		struct { /* 0x4A */
			uint8_t code;
			uint16_t detail;
		} error;
		struct { /* 0x50 */
			uint8_t cable_sel, feature, sector_count, sector_num;
			uint16_t byte_count;
			uint8_t drive, command;
			uint8_t cdb[12];
		} command;
		struct { /* 0x51, 0x52, 0x54 (data: 0x54 only, transfer_bytes long) */
			uint8_t cable_sel;
			uint16_t transfer_bytes;
			uint8_t packet_num;
			struct ider_regs in, out;
			uint8_t sense, asc, ascq;
			uint8_t reserved31[3]; /* 0x54 bytes 31..33, carried */
			const uint8_t *data;
		} xfer;
		struct { /* 0x53 */
			uint8_t b8;
			uint16_t len;
			uint8_t b11[3];
			const uint8_t *data;
		} from_host;
	} u;
};

/* "DATA_TO_HOST" style name, or "UNKNOWN". */
const char *ider_msg_name(uint8_t type);

/* Length of the message at the start of a stream from side dir: 0 and
 * *msg_len once it has all arrived; PROTO_E_SHORT while more is needed;
 * PROTO_E_BAD_COMMAND for a type that side never sends (or outside
 * 0x40..0x54); PROTO_E_TOO_LARGE for data over IDER_DATA_MAX. */
int ider_frame_length(const uint8_t *buf, size_t len, enum ider_dir dir, size_t *msg_len);
/* Decode exactly one message in buf[0..len): the errors of
 * ider_frame_length, PROTO_E_SHORT, PROTO_E_TRAILING; 0x48 with a
 * sub-command other than 1..3 is PROTO_E_BAD_VALUE. */
int ider_decode(const uint8_t *buf, size_t len, enum ider_dir dir, struct ider_msg *m);
/* Encode m (PROTO_E_BAD_COMMAND unknown type, PROTO_E_TOO_LARGE data over
 * the cap, PROTO_E_INVALID_ARG NULL data with a length, PROTO_E_NOSPACE). */
int ider_encode(const struct ider_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

/* ---- the canonical forms (MeshCentral's and amtider's bytes) ---- */
/* 0x51 ending a command: GOOD when sense_key is 0 (out mask 0xC5, status
 * DRDY|DSC), else CHECK CONDITION (mask 0x87, error sense << 4, status
 * with ERR, the sense bytes at 28..30). */
void ider_make_end(struct ider_msg *m, uint32_t seq, uint8_t dev, uint8_t sense_key,
		   uint8_t asc, uint8_t ascq);
/* 0x54 carrying len bytes of data (PIO: byte count = len); last adds the
 * completed attribute and the GOOD status registers. */
void ider_make_data(struct ider_msg *m, uint32_t seq, uint8_t dev, const uint8_t *data,
		    uint16_t len, bool last);
/* What a console's 0x51/0x54 says about the command it ends: true when it
 * reports an error (status ERR), with the sense bytes it carried. */
bool ider_reports_error(const struct ider_msg *m);

/* ---- AMT's sequence numbers: 0, 1, 2, ... from the 0x41 reply on ---- */
struct ider_seq {
	uint32_t next;
};
/* 0 when seq is the next one (and advance), PROTO_E_SEQUENCE otherwise. */
int ider_seq_check(struct ider_seq *s, uint32_t seq);

#endif
