// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ider.h - AMT's side of one IDE-R session once it is authenticated
 * (protocol-facts-ider.md sections 1 and 3): the state machine, without
 * sockets or timers.
 *
 * Owns: the open (0x40 -> 0x41 with AMT's buffers), the register state a
 * console sets (0x48/0x49: enabled, and when the devices reach the host's
 * cable: now, gracefully, or at the next reset), keep-alives (0x44 -> 0x45;
 * 0x45 and echoed 0x4B accepted), the reset notification (0x46, nothing
 * forwarded until the console's 0x47), one ATAPI command at a time (0x50
 * out; the console's 0x54 data chunks and its completed 0x54 or 0x51 in,
 * gathered into a result for the host), the orderly end (0x42 -> 0x43),
 * AMT's sequence numbers (0, 1, 2, ... from the 0x41 on, as MeshCentral
 * checks them), and which replies must reach the console alone (amtider
 * consumes the whole read buffer after 0x41, 0x49, 0x46, 0x4A and 0x50).
 * Must not: do I/O, take locks, or decide what the host does with a result
 * (sim_ider_bios.c) or who may hold the session (the owner, through ops).
 *
 * Choices where the sources are silent or disagree (protocol-facts-ider.md
 * 1.4-1.8, 7): 0x41 carries protocol 1.0, firmware 1.0, read and write
 * buffers of 8192, features 0, IANA 0x157; the console's sequence numbers
 * are not checked (amtider's are not consecutive); a heartbeat interval of
 * 0 (amtider's 0x40 reads so) gets AMT heartbeats every 5 s anyway, since
 * amtider gives up after 20 s of silence; a register value without a start
 * mode starts now; graceful while a command is in flight answers 0
 * (refused); a command the host abandoned is followed by 0x4A (code 1)
 * and every reply until the next reset's 0x47 is ignored, since replies
 * carry no reference to their command.
 */
#ifndef SIM_IDER_H
#define SIM_IDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ider_codec.h"

#define SIM_IDER_READ_BUFFER 8192u   /* 0x41: largest 0x54 data AMT asks for */
#define SIM_IDER_DATA_MAX (128u * 1024u) /* largest transfer one command gathers */
#define SIM_IDER_HEARTBEAT_DEFAULT_MS 5000u
#define SIM_IDER_RX_MIN_MS 10000u

enum sim_ider_refusal {
	SIM_IDER_OK = 0,
	SIM_IDER_BUSY,       /* another IDE-R session is open */
	SIM_IDER_NO_CONSENT, /* user consent required and not given */
};

/* What the console answered to the command in flight. */
struct sim_ider_result {
	bool error;                /* CHECK CONDITION / ATA error (status ERR) */
	uint8_t sense, asc, ascq;  /* the sense bytes the console's message carried */
	const uint8_t *data;       /* the data it sent (at most what was asked for) */
	size_t len;
};

struct sim_ider_ops {
	/* One whole message for the console; alone: nothing may follow it
	 * in the same read. */
	void (*send)(void *arg, const uint8_t *msg, size_t len, bool alone);
	/* 0x40: claim the one IDE-R session. */
	enum sim_ider_refusal (*open)(void *arg);
	/* The session ends (only after an open that succeeded). */
	void (*close)(void *arg);
	/* The register state changed (the devices may be on the cable now). */
	void (*changed)(void *arg);
	/* The console ended the command in flight. */
	void (*done)(void *arg, const struct sim_ider_result *r);
};

enum sim_ider_state {
	SIM_IDER_S_OPENING = 0, /* authenticated, waiting for 0x40 */
	SIM_IDER_S_RUN,
	SIM_IDER_S_CLOSED,      /* close the connection (why says why) */
};

struct sim_ider {
	const struct sim_ider_ops *ops;
	void *arg;
	enum sim_ider_state state;
	uint32_t seq;               /* AMT's number for what it sends next */
	uint16_t heartbeat_ms, rx_timeout_ms; /* effective values */
	bool enabled;               /* the console enabled the devices */
	uint8_t start_mode;         /* IDER_START_* */
	bool attached;              /* the devices are on the host's cable */
	bool reset_pending;         /* 0x46 sent, 0x47 not yet received */
	bool stale;                 /* a command was abandoned: ignore replies until 0x47 */
	bool busy;                  /* a 0x50 is in flight */
	size_t expect;              /* bytes the command in flight may return */
	uint8_t *data;              /* SIM_IDER_DATA_MAX */
	size_t len;                 /* kept (at most expect) */
	size_t got;                 /* received for the command in flight */
	const char *why;
	char why_buf[96];
};

/* 0, or -1 out of memory. */
int sim_ider_init(struct sim_ider *s, const struct sim_ider_ops *ops, void *arg);
void sim_ider_free(struct sim_ider *s);
/* One whole message from the console (framed with ider_frame_length). */
enum sim_ider_state sim_ider_input(struct sim_ider *s, const uint8_t *msg, size_t len);
void sim_ider_bad_frame(struct sim_ider *s, int proto_err);
/* The connection goes away (or EndRedirectionSession): ends the session. */
void sim_ider_gone(struct sim_ider *s, const char *why);

/* The host was reset (power on, reset, cycle): devices started "on reboot"
 * reach the cable, the command in flight is dropped, 0x46 goes out. */
void sim_ider_host_reset(struct sim_ider *s);
/* True when a command may be sent to the device now. */
bool sim_ider_can_issue(const struct sim_ider *s);
/* The host's BIOS sends an ATAPI packet to dev (IDER_DEV_*); the answer
 * may carry up to expect bytes (<= SIM_IDER_DATA_MAX). 0, or -1 when it
 * cannot be sent now. */
int sim_ider_issue(struct sim_ider *s, uint8_t dev, const uint8_t cdb[12], size_t expect);
/* The host gave up on the command in flight: 0x4A, then replies ignored. */
void sim_ider_abandon(struct sim_ider *s);
void sim_ider_heartbeat(struct sim_ider *s);

#endif
