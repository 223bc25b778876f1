// SPDX-License-Identifier: Apache-2.0
/*
 * ider_client.h - the console's side of an IDE-R session for `amt-verify
 * ider` (protocol-facts-ider.md sections 1-3): the state machine without
 * sockets, so it is unit-tested and fuzzed on bytes.
 *
 * Owns: the order (StartRedirectionSession "IDER" and authentication
 * through sol_client.c, then 0x40 with our timeouts, AMT's 0x41, 0x48
 * SET_REGISTER_STATE with the start mode, AMT's 0x49), serving the host's
 * packet commands from the drive (atapi.c) as 0x54 data chunks of at most
 * AMT's read buffer (8192) or a 0x51 status, aborting ATA commands other
 * than PACKET, answering 0x46 with 0x47 (a read in flight is dropped, as
 * MeshCentral does), 0x44 with 0x45, echoing 0x4B as amtider does, logging
 * 0x4A and going on, the orderly end (0x42, AMT's 0x43, then 0x12), AMT's
 * sequence numbers checked as MeshCentral checks them, and the counts the
 * progress line shows.
 * Must not: do I/O beyond ops (bytes out, image bytes in), print, or ever
 * write to the image: a write is refused (DATA PROTECT) and data from the
 * host (0x53) is never asked for, so it is a protocol error.
 */
#ifndef VERIFY_IDER_CLIENT_H
#define VERIFY_IDER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atapi.h"
#include "ider_codec.h"
#include "sol_client.h"

#define IDER_CLIENT_RX_TIMEOUT_MS 30000u /* 0x40: AMT drops us after this much silence */
#define IDER_CLIENT_HEARTBEAT_MS 5000u   /* 0x40: AMT's 0x4B interval */
#define IDER_CLIENT_CHUNK 8192u          /* largest 0x54 data (MeshCentral's limit) */

enum ider_client_state {
	IDER_C_SETUP = 0, /* start and authentication (sol_client) */
	IDER_C_OPENING,   /* 0x40 sent */
	IDER_C_ENABLING,  /* 0x48 sent */
	IDER_C_RUNNING,
	IDER_C_ENDING,    /* 0x42 sent */
	IDER_C_CLOSED,    /* ended: close the connection */
	IDER_C_FAILED,    /* why and failure say why */
};

enum ider_client_event {
	IDER_EV_READY,   /* the devices are enabled */
	IDER_EV_RESET,   /* AMT reported a host reset */
	IDER_EV_ERROR,   /* AMT reported an error (0x4A) */
	IDER_EV_COMMAND, /* a command was answered */
};

struct ider_client_ops {
	void (*send)(void *arg, const uint8_t *msg, size_t len);
	/* Image bytes [off, off + n): 0, or -1. */
	int (*read)(void *arg, uint64_t off, uint8_t *buf, size_t n);
	void (*event)(void *arg, enum ider_client_event ev); /* may be NULL */
};

struct ider_client {
	const struct ider_client_ops *ops;
	void *arg;
	enum ider_client_state state;
	enum sol_client_failure failure;
	char why[160];
	struct sol_client sol;
	uint8_t start_mode;            /* IDER_START_* */
	struct ider_seq amt_seq;       /* AMT's numbers: 0, 1, 2, ... */
	uint32_t seq;                  /* ours */
	uint16_t chunk;                /* 0x54 data size */
	struct atapi_dev floppy, cd;   /* 0xA0, 0xB0: one holds the image */
	bool reading;                  /* a READ is streamed */
	uint8_t read_dev;
	uint64_t read_off, read_left;
	bool closed_by_amt;            /* AMT ended the session (0x43 unasked) */
	uint8_t *buf;                  /* reassembly, IDER_MSG_MAX */
	size_t len;
	uint8_t *chunk_buf;            /* one encoded 0x54 */
	uint8_t *data_buf;             /* its data, read from the image */
	/* counts */
	uint64_t commands, bytes, blocks, resets, errors;
	uint8_t last_op;
};

/* cd: serve the image as the CD-ROM (else the floppy); size in bytes.
 * 0, or -1 out of memory / credentials longer than 255 bytes. */
int ider_client_init(struct ider_client *c, const struct ider_client_ops *ops, void *arg,
		     const char *user, const char *password, bool plain_allowed, bool cd,
		     uint64_t size, uint8_t start_mode);
void ider_client_free(struct ider_client *c);
void ider_client_start(struct ider_client *c);
/* Bytes from AMT, any split. */
enum ider_client_state ider_client_feed(struct ider_client *c, const uint8_t *p, size_t n);
/* Stream up to max bytes of a READ in flight as 0x54 messages; returns
 * the data bytes sent (0: nothing to stream). */
size_t ider_client_pump(struct ider_client *c, size_t max);
/* End: 0x42 while running (AMT's 0x43 ends it), else at once. */
void ider_client_stop(struct ider_client *c);

#endif
