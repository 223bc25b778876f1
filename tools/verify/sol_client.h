// SPDX-License-Identifier: Apache-2.0
/*
 * sol_client.h - the console's side of AMT's redirection protocol
 * (protocol-facts-2.md section 6) for `amt-verify console`: the session
 * state machine without sockets, so it is unit-tested and fuzzed on bytes.
 *
 * Owns: the session order (StartRedirectionSession "SOL ", the
 * authentication query, then digest RFC 2617 (type 4) when AMT offers it,
 * else user/password (type 1), StartSOL with our parameters, data both
 * ways, EndSOL then EndRedirectionSession), reassembling AMT's byte stream
 * into messages (every length capped by proto/redir_codec.c), echoing
 * AMT's heartbeats as amtterm does, and one reason in words for every way
 * a session can fail.
 * The same start and authentication open an IDE-R session
 * (sol_client_start_session "IDER"): it then stops at SOL_C_AUTHENTICATED
 * and ider_client.c takes the stream.
 * Must not: do I/O, print, or keep the password after free. Bytes out go
 * through ops->send; host output through ops->data.
 */
#ifndef VERIFY_SOL_CLIENT_H
#define VERIFY_SOL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redir_codec.h"

enum sol_client_state {
	SOL_C_IDLE = 0,     /* before sol_client_start */
	SOL_C_STARTING,     /* StartRedirectionSession sent */
	SOL_C_QUERYING,     /* authentication query sent */
	SOL_C_AUTHENTICATING,
	SOL_C_STARTING_SOL, /* StartSOL sent */
	SOL_C_RUNNING,
	SOL_C_ENDING,       /* EndSOL sent */
	SOL_C_CLOSED,       /* EndRedirectionSession sent: close the connection */
	SOL_C_FAILED,       /* see why / refused */
	SOL_C_AUTHENTICATED, /* another session type ("IDER"): authenticated, the caller goes on */
};

/* How a session failed, for the exit code. */
enum sol_client_failure {
	SOL_F_NONE = 0,
	SOL_F_REFUSED,  /* AMT said no (SOL disabled, busy, consent): exit 1 */
	SOL_F_AUTH,     /* credentials refused: exit 4 */
	SOL_F_PROTOCOL, /* AMT's bytes could not be understood: exit 10 */
};

struct sol_client_ops {
	void (*send)(void *arg, const uint8_t *msg, size_t len);
	/* Host output (what the console prints). */
	void (*data)(void *arg, const uint8_t *p, size_t n);
	/* The serial status (0x29): is the host powered on. */
	void (*power)(void *arg, bool on);
};

#define SOL_CLIENT_MAX_TX 4096u    /* MaxTxBuffer we ask for */
#define SOL_CLIENT_HEARTBEAT_MS 5000u
#define SOL_CLIENT_RX_TIMEOUT_MS 10000u

struct sol_client {
	const struct sol_client_ops *ops;
	void *arg;
	enum sol_client_state state;
	enum sol_client_failure failure;
	char why[160];
	char user[256], password[256];
	uint8_t auth_type; /* the type chosen after the query */
	uint32_t seq;
	bool plain_allowed; /* may fall back to type 1 (the password in clear) */
	char session[4];    /* REDIR_SESSION_SOL or REDIR_SESSION_IDER */
	uint8_t *buf;      /* reassembly, REDIR_MSG_MAX bytes */
	size_t len;
};

/* 0, or -1 (out of memory / name or password longer than 255 bytes). */
int sol_client_init(struct sol_client *c, const struct sol_client_ops *ops, void *arg,
		    const char *user, const char *password, bool plain_allowed);
void sol_client_free(struct sol_client *c);
/* Send StartRedirectionSession "SOL ". */
void sol_client_start(struct sol_client *c);
/* Send StartRedirectionSession of another type (REDIR_SESSION_IDER): after
 * authentication the state is SOL_C_AUTHENTICATED. */
void sol_client_start_session(struct sol_client *c, const char type[4]);
/* Bytes from AMT, any split. Returns the state after them. */
enum sol_client_state sol_client_feed(struct sol_client *c, const uint8_t *p, size_t n);
/* Keys for the host (while running), in messages of at most
 * SOL_CLIENT_MAX_TX bytes. */
void sol_client_keys(struct sol_client *c, const uint8_t *p, size_t n);
/* End the session: EndSOL while running (AMT's reply then ends the
 * session), else EndRedirectionSession at once. */
void sol_client_stop(struct sol_client *c);

#endif
