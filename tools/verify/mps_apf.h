// SPDX-License-Identifier: Apache-2.0
/*
 * mps_apf.h - the server (MPS) side of a CIRA APF session, as a state
 * machine over bytes: no sockets, no event loop, no clock of its own.
 *
 * Owns: framing the device's byte stream into APF messages (apf_codec),
 * the handshake order (PROTOCOLVERSION, auth service, USERAUTH password,
 * pfwd service, tcpip-forward requests), the replies, keepalives, and the
 * events "cira_open", "cira_auth_failed" and "cira_close". Replies leave
 * through hooks->send, events through hooks->event; the plumbing
 * (listen_mps.c) owns TLS, timers and the store.
 * Must not: do I/O, allocate per message, or log secrets (user names may be
 * logged, passwords never).
 *
 * Rules (protocol-facts.md sections 6 and 9): nothing but PROTOCOLVERSION
 * (major >= 1; lower gets DISCONNECT 8) comes first; USERAUTH_REQUEST needs
 * the auth service accepted; SERVICE_REQUEST pfwd needs a successful
 * USERAUTH; GLOBAL_REQUEST and CHANNEL_* need pfwd. Breaking the order or
 * sending bytes that do not frame/decode gets DISCONNECT reason 2 and the
 * session ends. A wrong user or password gets USERAUTH_FAILURE, DISCONNECT
 * reason 14 and a "cira_auth_failed" event; the "none" method is answered
 * with USERAUTH_FAILURE listing "password" (SSH's method query).
 * The tunnel counts as open ("cira_open") at the first of: both ports of a
 * pair (16992+623 or 16993+664) forwarded, any other message after a
 * forward, or mps_session_settle() (the plumbing's short timer) after one.
 *
 * Channels (relayed by listen_relay.c) are the MPS's to open: their table is
 * mps_chan.c's, fed here with the device's CHANNEL_* answers. A device that
 * opens a channel itself, floods a channel past the MPS's window, or
 * answers a CHANNEL_OPEN the MPS never sent breaks the rules: DISCONNECT 2,
 * session over, and the reason in the cira_close event ("error").
 */
#ifndef VERIFY_MPS_APF_H
#define VERIFY_MPS_APF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mps_chan.h"

#define MPS_MAX_FORWARDS 16u  /* tcpip-forward requests accepted per tunnel */
#define MPS_CHAN_WINDOW 32768u /* the MPS's window per channel (Open AMT's and MeshCentral's) */
#define MPS_CHAN_MAX_DATA 8183u /* an 8192-byte APF message, as AMT's LME MTU (UNVERIFIED for CIRA) */
#define MPS_FORWARD_ADDR_MAX 64u
#define MPS_MAX_AUTH_QUERIES 4u /* "none" method queries before giving up */

/* Credentials the device must present; borrowed for the session's life. */
struct mps_auth {
	const char *user;
	const uint8_t *password;
	size_t password_len;
};

struct mps_hooks {
	void *arg;
	/* Queue bytes for the device. */
	void (*send)(void *arg, const uint8_t *buf, size_t len);
	/* A new event; detail is borrowed (copy what you keep). uuid may be NULL. */
	void (*event)(void *arg, const char *type, const char *uuid, json_t *detail);
	/* Monotonic milliseconds; NULL uses CLOCK_MONOTONIC. */
	int64_t (*now_ms)(void *arg);
	/* The channels' events for the relay (mps_chan.h); may be NULL. */
	void (*chan_event)(void *arg, int h, enum mps_chan_event ev, uint32_t reason,
			   const uint8_t *data, size_t len);
	/* The forwarded ports changed after the tunnel opened; may be NULL. */
	void (*ports_changed)(void *arg);
};

enum mps_result {
	MPS_CONTINUE = 0, /* keep reading */
	MPS_CLOSE = 1,    /* flush what was sent, then close the connection */
};

enum mps_end_reason {
	MPS_END_DEVICE_CLOSED = 0, /* EOF without DISCONNECT */
	MPS_END_DISCONNECT,        /* device sent DISCONNECT (the session reports it itself) */
	MPS_END_TIMEOUT,           /* --max-tunnel-seconds or an idle limit: DISCONNECT 11 */
	MPS_END_ERROR,             /* protocol, TLS or socket error, byte cap */
	MPS_END_SHUTDOWN,          /* the listener is stopping: DISCONNECT 11 */
};

struct mps_session;

/* source ("addr:port") is copied; auth and hooks are borrowed;
 * max_channels: channels at once in this tunnel. NULL on ENOMEM. */
struct mps_session *mps_session_new(const struct mps_auth *auth, const struct mps_hooks *hooks,
				    const char *source, unsigned max_channels);
void mps_session_free(struct mps_session *s);

/*
 * Process every complete message at the start of buf[0..len); *consumed is
 * how many bytes were used (the rest is an incomplete message to be fed
 * again with more bytes). The caller wipes consumed bytes (they may hold a
 * password). After MPS_CLOSE the session takes no more input.
 */
enum mps_result mps_session_feed(struct mps_session *s, const uint8_t *buf, size_t len,
				 size_t *consumed);

/* True while a forward was accepted but the tunnel is not yet reported open:
 * the plumbing arms a short timer and then calls mps_session_settle(). */
bool mps_session_open_pending(const struct mps_session *s);
void mps_session_settle(struct mps_session *s);
bool mps_session_is_open(const struct mps_session *s);
/* True once the session ended (MPS_CLOSE returned or mps_session_end called). */
bool mps_session_is_over(const struct mps_session *s);

/*
 * The connection is ending for `reason`. Sends DISCONNECT 11 for TIMEOUT and
 * SHUTDOWN, emits "cira_close" when the tunnel was open. Idempotent: only
 * the first end (or the end implied by MPS_CLOSE) counts.
 */
void mps_session_end(struct mps_session *s, enum mps_end_reason reason);

/* The plumbing found the device breaking the rules (e.g. a CHANNEL_OPEN
 * left unanswered): log why, DISCONNECT 2, end the session (cira_close
 * "error" with why). */
__attribute__((format(printf, 2, 3))) void mps_session_fail(struct mps_session *s,
							    const char *fmt, ...);

/* What the tunnel carries (valid while the session lives). */
struct mps_chan_table *mps_session_channels(struct mps_session *s);
/* The forwarded ports, in the order the device asked; *ports borrowed. */
size_t mps_session_ports(const struct mps_session *s, const uint32_t **ports);
/* The address a port was forwarded with (printable; "" when unknown). */
const char *mps_session_forward_addr(const struct mps_session *s, uint32_t port);
/* Canonical UUID text ("-" before PROTOCOLVERSION) and the user name. */
const char *mps_session_uuid(const struct mps_session *s);
const char *mps_session_user(const struct mps_session *s);

/* "user_initiated", "alert", "provisioning", "periodic", or "unknown". */
const char *mps_trigger_name(uint32_t trigger);

#endif
