// SPDX-License-Identifier: Apache-2.0
/*
 * sim_sol.h - AMT's side of one redirection connection (protocol-facts-2.md
 * section 6): the session state machine, without sockets or timers.
 *
 * Owns: the order of a session (StartRedirectionSession "SOL ", then
 * authentication, then StartSOL, then data both ways until EndSOL and
 * EndRedirectionSession), the authentication types AMT accepts (query;
 * 1, user and password in clear, as Debian's amtterm 1.4 sends without
 * asking; 4, HTTP digest RFC 2617 with qop=auth, realm and nonce from AMT),
 * the exact replies and which of them must reach the console alone
 * (0x14, 0x21, 0x23, 0x29: amtterm discards whatever follows them in the
 * same read), refusing KVM sessions (and IDE-R ones while IDE-R is
 * disabled) cleanly (0x11 with a failure status, then close), and the
 * sequence numbers AMT puts on what it sends. An IDE-R session ("IDER")
 * takes the same start and authentication; once authenticated its
 * messages (0x40..0x54) go to sim_ider.c, not here (s->ider tells the
 * owner), and only EndRedirectionSession still comes here.
 * Must not: do I/O, take locks or read the device state itself: the owner
 * (sim_redir.c) gives it a configuration snapshot and carries out what it
 * asks through struct sim_sol_ops. A peer's bytes never crash it: anything
 * out of order or malformed ends the connection with a reason.
 *
 * Choices where the sources are silent (protocol-facts-2.md 7): the 0x11
 * reply carries the switchbox's bytes 4..11 (1, 0, 2, 0, IANA 0x5555); a
 * refusal is status 0x01 in the reply to the refused step; a failed
 * authentication is answered (status 0x01, as amtterm expects to read it)
 * and the connection closed; 0x21 echoes the console's twelve parameter
 * bytes; a wrong digest closes the connection like a wrong password.
 */
#ifndef SIM_SOL_H
#define SIM_SOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redir_codec.h"

/* What a session needs from the device state, copied under the ME lock. */
struct sim_sol_cfg {
	char user[33], password[33]; /* [amt] admin_user / admin_password */
	char realm[80];              /* the digest realm, as WS-Man's */
	bool sol_enabled;            /* AMT_RedirectionService: SOL on */
	bool ider_enabled;           /* AMT_RedirectionService: IDE-R on */
	bool plain_auth;             /* authentication type 1 accepted */
};

/* Why StartSOL is refused (the owner decides; see sol_open). */
enum sim_sol_refusal {
	SIM_SOL_OK = 0,
	SIM_SOL_BUSY,       /* another SOL session is open */
	SIM_SOL_NO_CONSENT, /* user consent required and not given */
};

struct sim_sol_ops {
	/* One whole message for the console; alone: nothing may follow it
	 * in the same read (the owner leaves a gap). */
	void (*send)(void *arg, const uint8_t *msg, size_t len, bool alone);
	/* Configuration snapshot (credentials, realm, switches). */
	void (*config)(void *arg, struct sim_sol_cfg *cfg);
	/* A fresh nonce of 32 hex digits: 0, or -1. */
	int (*nonce)(void *arg, char out[33]);
	/* StartSOL: claim the one SOL session and attach the console. */
	enum sim_sol_refusal (*sol_open)(void *arg, const struct redir_sol_settings *s);
	/* The SOL session ends (EndSOL, or the connection with it open). */
	void (*sol_close)(void *arg);
	/* Keys for the host's console. */
	void (*to_host)(void *arg, const uint8_t *p, size_t n);
};

enum sim_sol_state {
	SIM_SOL_S_START = 0, /* waiting for StartRedirectionSession */
	SIM_SOL_S_AUTH,      /* waiting for authentication */
	SIM_SOL_S_READY,     /* authenticated, waiting for StartSOL */
	SIM_SOL_S_RUN,       /* SOL running */
	SIM_SOL_S_CLOSED,    /* the connection is to be closed */
};

struct sim_sol {
	const struct sim_sol_ops *ops;
	void *arg;
	enum sim_sol_state state;
	char nonce[33]; /* the digest challenge issued, "" before */
	struct redir_sol_settings settings;
	uint32_t seq;   /* AMT's sequence number for what it sends next */
	char user[33];  /* who authenticated (for logs) */
	bool ider;      /* an IDE-R session: after authentication sim_ider.c takes over */
	const char *why; /* SIM_SOL_S_CLOSED: the reason, for the log */
	char why_buf[80];
};

void sim_sol_init(struct sim_sol *s, const struct sim_sol_ops *ops, void *arg);
/* One whole message from the console (framed with redir_frame_length).
 * Returns the state after it; SIM_SOL_S_CLOSED means close the connection
 * once what was sent has been written (s->why says why). */
enum sim_sol_state sim_sol_input(struct sim_sol *s, const uint8_t *msg, size_t len);
/* A framing error before a whole message: closes with the codec's reason. */
void sim_sol_bad_frame(struct sim_sol *s, int proto_err);
/* The connection goes away: ends a running SOL session. */
void sim_sol_gone(struct sim_sol *s);

/* While running: host output (at most SIM_SOL_DATA_MAX bytes, and at most
 * the console's MaxTxBuffer, per message: the caller's job), a heartbeat,
 * the serial lines' status. */
#define SIM_SOL_DATA_MAX 4096u
void sim_sol_send_data(struct sim_sol *s, const uint8_t *p, size_t n);
void sim_sol_send_heartbeat(struct sim_sol *s);
void sim_sol_send_controls(struct sim_sol *s, bool power_on);

#endif
