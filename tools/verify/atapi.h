// SPDX-License-Identifier: Apache-2.0
/*
 * atapi.h - the drive amt-verify ider presents to the host: a read-only
 * ATAPI CD-ROM (2048-byte blocks) or an ATAPI removable floppy (LS-120
 * style, 512-byte blocks), answering the packet commands a BIOS and an OS
 * send (protocol-facts-ider.md section 2) as a pure unit.
 *
 * Owns: what each command answers (TEST UNIT READY, REQUEST SENSE with the
 * last sense, INQUIRY, READ CAPACITY, READ(6/10/12), READ TOC formats 0
 * and 1, MODE SENSE(6/10) pages, GET CONFIGURATION, GET EVENT STATUS
 * NOTIFICATION, READ FORMAT CAPACITIES, PREVENT/ALLOW and START/STOP), the
 * sense keys the sources intend (not MeshCentral's inverted GOOD: 02/3A no
 * medium, 06/28 the medium was inserted, 06/29 after a reset, 05/20 an
 * unknown opcode, 05/21 past the end, 05/24 a bad field, 07/27 any write:
 * the image is read-only), and truncation to the allocation length.
 * Must not: do I/O or hold image data: a READ answers with the byte range
 * to send, and the caller streams it from the file.
 */
#ifndef VERIFY_ATAPI_H
#define VERIFY_ATAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATAPI_REPLY_MAX 256u

struct atapi_dev {
	bool cd;                /* CD-ROM, else floppy */
	bool present;           /* an image is loaded */
	uint64_t blocks;        /* image size in blocks */
	uint32_t block;         /* 2048 or 512 */
	bool unit_attention;    /* a medium change or reset not reported yet */
	uint8_t ua_asc;         /* 0x28 medium changed, 0x29 reset */
	uint8_t sense, asc, ascq; /* the last CHECK CONDITION, for REQUEST SENSE */
};

enum atapi_kind {
	ATAPI_GOOD = 0, /* status only */
	ATAPI_CHECK,    /* CHECK CONDITION with sense/asc/ascq */
	ATAPI_DATA,     /* data[0..len) then GOOD */
	ATAPI_READ,     /* image bytes [offset, offset + length) then GOOD */
};

struct atapi_reply {
	enum atapi_kind kind;
	uint8_t sense, asc, ascq;
	uint8_t data[ATAPI_REPLY_MAX];
	size_t len;
	uint64_t offset, length;
};

/* A drive with an image of size bytes (0: no medium: every medium access
 * is NOT READY / MEDIUM NOT PRESENT). The first medium access reports the
 * inserted medium (06/28/00). */
void atapi_init(struct atapi_dev *d, bool cd, uint64_t size);
/* The host was reset: the next medium access reports 06/29/00. */
void atapi_reset(struct atapi_dev *d);
/* Answer one packet command. */
void atapi_command(struct atapi_dev *d, const uint8_t cdb[12], struct atapi_reply *r);
/* "READ(10)" style name of an opcode, for progress and logs. */
const char *atapi_op_name(uint8_t op);

#endif
