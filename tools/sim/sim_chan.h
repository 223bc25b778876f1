// SPDX-License-Identifier: Apache-2.0
/*
 * sim_chan.h - AMT's side of APF channels as a state machine: the channel
 * table one APF session keeps (an LME host connection in sim_lme.c, a CIRA
 * tunnel in sim_cira_tunnel.c), with both flow-control windows, the bytes
 * buffered towards each channel's service stream, and the close handshake.
 *
 * Owns: channel ids (AMT's, from cfg.id_base, never reused while the old
 * one may still be named by the peer), the state of every channel, the
 * peer's window (bytes AMT may still send), AMT's window (bytes the peer may
 * still send), the replies to the peer's channel messages (through
 * hooks.send, as struct apf_msg) and what the driver must do with each
 * channel's stream.
 * Must not: touch a socket or a clock, encode bytes, lock, or decide which
 * ports are served (sim_ports.c does; the caller answers an open with
 * sim_chan_open_done()). The caller serialises every call on one table.
 *
 * The driver's side, per slot h (0 .. cfg.max_channels-1) that holds a
 * stream (after sim_chan_open_done(ok)):
 *   sim_chan_room(t, h)      bytes it may read from the stream now; give
 *                            them with sim_chan_from_stream()
 *   sim_chan_pending(t, h)   bytes for the stream; after writing k of them
 *                            call sim_chan_to_stream_done(t, h, k)
 *   sim_chan_stream_ended()  the stream hit EOF or an error
 *   sim_chan_finished(t, h)  the stream is no longer wanted: close it, then
 *                            sim_chan_release(t, h)
 *
 * Rules (protocol-facts.md 6.3 and 6.6; APF has no half-close, so the first
 * CLOSE ends the channel both ways):
 * - CHANNEL_OPEN: forwarded-tcpip only (else OPEN_FAILURE 3, unknown
 *   channel type); a full table or no memory gets OPEN_FAILURE 4 (resource
 *   shortage). The peer's initial window is capped at SIM_CHAN_PEER_WINDOW_CAP.
 * - CHANNEL_DATA beyond AMT's window is a protocol error (SIM_CHAN_E_WINDOW:
 *   the caller disconnects); data for an unknown id, a channel still
 *   connecting, or one AMT already closed is dropped (a close race).
 * - AMT credits the peer with WINDOW_ADJUST for what the stream took, as it
 *   takes it, or once cfg.credit_at bytes are owed (unless
 *   cfg.no_window_adjust, the [sim] apf_window_stall fault).
 * - The stream ending: AMT sends CHANNEL_CLOSE and waits for the peer's
 *   (no reply to that one). The peer's CLOSE on an open channel: AMT
 *   answers CLOSE at once, writes what it had buffered to the stream, then
 *   the stream is finished. Both sides closing at once: each side's CLOSE
 *   is the answer to the other's. CLOSE for an unknown id is ignored (AMT
 *   replays stale closes after a reset, protocol-facts.md 6.6).
 */
#ifndef SIM_CHAN_H
#define SIM_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apf_codec.h"

#define SIM_CHAN_PEER_WINDOW_CAP (1u << 20) /* cap on the window the peer grants */

struct sim_chan_cfg {
	uint32_t window;       /* AMT's receive window per channel (UNVERIFIED for real AMT) */
	uint32_t max_data;     /* largest CHANNEL_DATA payload AMT sends */
	unsigned max_channels; /* channels open at once in this session */
	uint32_t id_base;      /* AMT's channel ids start here */
	bool no_window_adjust; /* never credit the peer ([sim] apf_window_stall) */
	/* Credit the peer once the stream took this many bytes (0: every
	 * time it takes some). UNVERIFIED for real AMT either way. */
	uint32_t credit_at;
};

struct sim_chan_hooks {
	void *arg;
	/* One message for the peer (an LME host, an MPS); borrowed. */
	void (*send)(void *arg, const struct apf_msg *m);
};

enum sim_chan_state {
	SIM_CHAN_FREE = 0,
	SIM_CHAN_CONNECTING,  /* the peer opened it; the driver connects the service */
	SIM_CHAN_OPEN,
	SIM_CHAN_CLOSE_SENT,  /* the stream ended, AMT sent CLOSE, waiting for the peer's */
	SIM_CHAN_PEER_CLOSED, /* the peer closed (answered); flushing to the stream */
	SIM_CHAN_DEAD,        /* the session ended: close the stream, no message */
};

#define SIM_CHAN_E_WINDOW (-1) /* the peer sent more than AMT's window */

struct sim_chan_table;

/* NULL on ENOMEM. cfg and hooks are copied. */
struct sim_chan_table *sim_chan_table_new(const struct sim_chan_cfg *cfg,
					  const struct sim_chan_hooks *hooks);
/* Frees the table and every buffer (the driver closed its streams). */
void sim_chan_table_free(struct sim_chan_table *t);

/* ---- the peer's messages ---- */

/* CHANNEL_OPEN: a slot in CONNECTING (>= 0, the caller connects the
 * service and calls sim_chan_open_done), or -1 when it was refused here
 * (OPEN_FAILURE already sent). */
int sim_chan_on_open(struct sim_chan_table *t, const struct apf_channel_open *o);
/* AMT's id of slot h (the driver keeps it across an unlocked connect). */
uint32_t sim_chan_id(const struct sim_chan_table *t, int h);
/* The connect for slot h (AMT id `id`) ended: ok sends
 * CHANNEL_OPEN_CONFIRMATION (the slot now holds a stream), else
 * CHANNEL_OPEN_FAILURE with reason and the slot is free again. A slot that
 * is no longer that channel connecting (the session ended meanwhile) is
 * left alone: returns false, and the caller closes what it connected. */
bool sim_chan_open_done(struct sim_chan_table *t, int h, uint32_t id, bool ok, uint32_t reason);
/* CHANNEL_DATA: 0, or SIM_CHAN_E_WINDOW. */
int sim_chan_on_data(struct sim_chan_table *t, const struct apf_channel_data *d);
void sim_chan_on_window_adjust(struct sim_chan_table *t, const struct apf_channel_window_adjust *w);
void sim_chan_on_close(struct sim_chan_table *t, uint32_t recipient);

/* ---- the driver's side ---- */

enum sim_chan_state sim_chan_state(const struct sim_chan_table *t, int h);
/* The port the peer opened slot h to (valid from sim_chan_on_open on). */
uint32_t sim_chan_port(const struct sim_chan_table *t, int h);
/* True while slot h holds a stream the driver must watch. */
bool sim_chan_has_stream(const struct sim_chan_table *t, int h);
size_t sim_chan_room(const struct sim_chan_table *t, int h);
/* Bytes read from the stream (len <= sim_chan_room): CHANNEL_DATA to the peer. */
void sim_chan_from_stream(struct sim_chan_table *t, int h, const uint8_t *data, size_t len);
/* Bytes waiting for the stream, or 0. */
size_t sim_chan_pending(const struct sim_chan_table *t, int h, const uint8_t **data);
/* The stream took k of them: the peer gets k more window. */
void sim_chan_to_stream_done(struct sim_chan_table *t, int h, size_t k);
/* The stream ended (EOF or error): CHANNEL_CLOSE to the peer. */
void sim_chan_stream_ended(struct sim_chan_table *t, int h);
/* True when the driver must close slot h's stream and release it. */
bool sim_chan_finished(const struct sim_chan_table *t, int h);
/* The driver closed slot h's stream. */
void sim_chan_release(struct sim_chan_table *t, int h);

/* The session ended (DISCONNECT, protocol error, tunnel gone): every slot
 * with a stream becomes DEAD (finished), the others free; nothing is sent. */
void sim_chan_abort_all(struct sim_chan_table *t);
/* Switch the [sim] apf_window_stall fault on or off (a reload changes it). */
void sim_chan_set_no_window_adjust(struct sim_chan_table *t, bool on);
/* Slots in use (any state but FREE). */
unsigned sim_chan_count(const struct sim_chan_table *t);
unsigned sim_chan_max(const struct sim_chan_table *t);

#endif
