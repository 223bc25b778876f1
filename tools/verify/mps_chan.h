// SPDX-License-Identifier: Apache-2.0
/*
 * mps_chan.h - the MPS side of APF channels as a state machine: the
 * channels one CIRA tunnel carries for the relay (listen_relay.c), opened
 * by the MPS towards the ports the device forwarded.
 *
 * Owns: the MPS's channel ids, each channel's state, AMT's window (bytes
 * the MPS may still send), the MPS's window (bytes AMT may still send, and
 * the bytes delivered but not yet credited back), the messages that follow
 * from them (through hooks.send, as struct apf_msg) and what the relay
 * learns (hooks.event).
 * Must not: touch a socket or a clock, encode bytes, or log peer data. The
 * caller serialises every call on one table; events are delivered
 * synchronously from inside the call that caused them, and an event
 * handler may call back into the table (send, consumed, close).
 *
 * Rules (protocol-facts.md 6.3 and 6.6; APF has no half-close):
 * - mps_chan_open sends CHANNEL_OPEN forwarded-tcpip with the MPS's window;
 *   CONFIRMATION opens it (OPENED), FAILURE frees it (FAILED, with the
 *   reason). A channel the relay gave up on while it was opening is closed
 *   as soon as AMT confirms it.
 * - CHANNEL_DATA beyond the MPS's window (AMT flooding) and a confirmation
 *   or failure for a channel that is not opening are protocol errors
 *   (MPS_CHAN_E_*; the caller disconnects the device). Data, adjusts and
 *   closes for unknown ids, or after the MPS closed, are dropped (close
 *   races).
 * - mps_chan_consumed credits AMT with WINDOW_ADJUST for what the relay's
 *   client took.
 * - mps_chan_close sends CLOSE and waits for AMT's (no reply to it); AMT's
 *   CLOSE on an open channel is answered at once (CLOSED). Both at once
 *   answer each other.
 */
#ifndef VERIFY_MPS_CHAN_H
#define VERIFY_MPS_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apf_codec.h"

#define MPS_CHAN_PEER_WINDOW_CAP (1u << 20) /* cap on the window AMT grants */

struct mps_chan_cfg {
	uint32_t window;       /* the MPS's receive window per channel */
	uint32_t max_data;     /* largest CHANNEL_DATA payload the MPS sends */
	unsigned max_channels; /* channels open at once in one tunnel */
};

enum mps_chan_event {
	MPS_CHAN_OPENED = 0, /* AMT confirmed: send what the client wrote */
	MPS_CHAN_FAILED,     /* AMT refused (reason); the slot is free */
	MPS_CHAN_DATA,       /* bytes from AMT for the client (data, len) */
	MPS_CHAN_WRITABLE,   /* AMT's window opened again */
	MPS_CHAN_CLOSED,     /* AMT closed it (answered); the slot is free */
};

struct mps_chan_hooks {
	void *arg;
	void (*send)(void *arg, const struct apf_msg *m);
	/* reason: FAILED only; data/len: DATA only (borrowed). */
	void (*event)(void *arg, int h, enum mps_chan_event ev, uint32_t reason,
		      const uint8_t *data, size_t len);
};

enum mps_chan_state {
	MPS_CHAN_FREE = 0,
	MPS_CHAN_OPENING,   /* CHANNEL_OPEN sent */
	MPS_CHAN_OPEN,
	MPS_CHAN_ABANDONED, /* the relay closed it while it was opening */
	MPS_CHAN_CLOSE_SENT,/* the MPS sent CLOSE, waiting for AMT's */
};

#define MPS_CHAN_E_WINDOW (-1)   /* AMT sent more than the MPS's window */
#define MPS_CHAN_E_UNEXPECTED (-2) /* a confirmation/failure for no opening channel */

struct mps_chan_table;

struct mps_chan_table *mps_chan_table_new(const struct mps_chan_cfg *cfg,
					  const struct mps_chan_hooks *hooks);
void mps_chan_table_free(struct mps_chan_table *t);

/* ---- the relay's side ---- */

/* Open a channel to port (connected address addr, as the device forwarded
 * it; originator orig_addr:orig_port, the client). The slot (>= 0), or -1
 * when every channel is in use. */
int mps_chan_open(struct mps_chan_table *t, uint32_t port, const char *addr,
		  const char *orig_addr, uint32_t orig_port);
/* Bytes the MPS may send on h now (0 unless open). */
size_t mps_chan_writable(const struct mps_chan_table *t, int h);
/* Send len <= mps_chan_writable bytes (split into max_data pieces). */
void mps_chan_send(struct mps_chan_table *t, int h, const uint8_t *data, size_t len);
/* The client took n bytes of what DATA delivered: WINDOW_ADJUST n. */
void mps_chan_consumed(struct mps_chan_table *t, int h, size_t n);
/* The client is gone: CLOSE (or, while opening, close once confirmed).
 * The slot is no longer the relay's: no more events for it. */
void mps_chan_close(struct mps_chan_table *t, int h);
enum mps_chan_state mps_chan_state(const struct mps_chan_table *t, int h);
uint32_t mps_chan_port(const struct mps_chan_table *t, int h);
unsigned mps_chan_count(const struct mps_chan_table *t);
unsigned mps_chan_max(const struct mps_chan_table *t);
/* Slots still opening (for the relay's open timeout): true and the slot of
 * the oldest one. */
bool mps_chan_oldest_opening(const struct mps_chan_table *t, int *h);

/* ---- AMT's messages ---- */
int mps_chan_on_confirmation(struct mps_chan_table *t, const struct apf_channel_open_confirmation *c);
int mps_chan_on_failure(struct mps_chan_table *t, const struct apf_channel_open_failure *f);
int mps_chan_on_data(struct mps_chan_table *t, const struct apf_channel_data *d);
void mps_chan_on_window_adjust(struct mps_chan_table *t, const struct apf_channel_window_adjust *w);
void mps_chan_on_close(struct mps_chan_table *t, uint32_t recipient);

#endif
