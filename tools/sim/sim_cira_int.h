// SPDX-License-Identifier: Apache-2.0
/*
 * sim_cira_int.h - what the CIRA client's set-up half (sim_cira.c: the
 * request, TLS and the APF handshake) hands to its connected half
 * (sim_cira_tunnel.c: keepalives, the tunnel's lifetime and the channels
 * the MPS opens). Private to those two files.
 * Must not: be included elsewhere.
 */
#ifndef SIM_CIRA_INT_H
#define SIM_CIRA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "sim_ports.h"

struct sim_fw;

/* Channels a tunnel serves at once (UNVERIFIED: AMT's own limit is not in
 * the public sources) and AMT's default receive window per channel
 * (UNVERIFIED, the same as over LME; [sim] cira_window changes it). */
#define SIM_CIRA_MAX_CHANNELS 64u
#define SIM_CIRA_WINDOW 4096u
#define SIM_CIRA_MAX_DATA 8183u /* an 8192-byte APF message, as over LME */

struct sim_cira_link {
	struct sim_fw *fw;
	int fd;   /* the TLS connection's socket (blocking on entry) */
	SSL *ssl;
	bool *tls_broken; /* set on a fatal TLS error: no close_notify */
	int wakefd;       /* kicked by Close and shutdown */
	/* true when the request this tunnel belongs to was closed or the
	 * simulator stops (takes the ME lock) */
	bool (*stopping)(void *arg);
	void *stopping_arg;
	/* channel messages that came between forwards, then the bytes the
	 * handshake read past its last message: processed first, in that order
	 * (borrowed) */
	const uint8_t *deferred;
	size_t deferred_len;
	const uint8_t *rx;
	size_t rx_len;
	const uint32_t *forwards; /* the ports the MPS accepted */
	size_t nforwards;
	uint64_t keepalive_ms; /* 0: none */
	uint64_t lifetime_ms;  /* 0: until closed */
	uint64_t stall_ms;     /* the MPS takes no bytes this long: tunnel lost */
	unsigned scale;        /* [sim] time_scale, for KEEPALIVE_OPTIONS intervals */
	uint32_t chan_window;  /* AMT's window per channel ([sim] cira_window; 0: SIM_CIRA_WINDOW) */
	const char *peer;      /* "host:port" for log lines */
};

enum sim_cira_end {
	SIM_CIRA_END_DONE = 0, /* lifetime, the MPS closed or vanished, an error */
	SIM_CIRA_END_STOPPED,  /* Close or shutdown: DISCONNECT 11 was sent */
};

/* Run a connected tunnel until it ends. */
enum sim_cira_end sim_cira_tunnel_run(struct sim_cira_link *l);

#endif
