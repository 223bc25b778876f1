// SPDX-License-Identifier: Apache-2.0
/*
 * lme_bridge.h - libcurl's way into AMT's WS-Management service when Intel
 * LMS is not running: each HTTP connection is one end of a socketpair, and
 * a relay thread carries its bytes over an APF channel (heci/lme.h) to
 * AMT's port 16992.
 *
 * Owns: one APF session (struct lme) and the relay threads, one per
 * connection handed out. All access to the session is serialised by one
 * mutex: a relay holds it only for short steps (a send within the current
 * window, a receive of at most LME_BRIDGE_SLICE_MS), so relays and
 * lme_bridge_open_socket() interleave. Designed for one libcurl easy handle
 * used sequentially (AMT closes the channel after each response, so each
 * request normally gets a fresh connection), but several at once work.
 * Must not: decide whether to use LMS (the caller tries 127.0.0.1:16992
 * first and comes here only when LMS does not answer), or touch HTTP.
 *
 * Connection end: when AMT closes the channel the relay flushes what AMT
 * sent, then shutdown(SHUT_WR)s its end so curl reads EOF. When curl closes
 * its end (POLLHUP), the relay closes the channel. A half-close from curl
 * (SHUT_WR) keeps the channel open for the response. A relay with no
 * traffic either way for idle_timeout_ms closes both sides.
 */
#ifndef AGENT_LME_BRIDGE_H
#define AGENT_LME_BRIDGE_H

#include <stdint.h>

#include "heci.h"
#include "lme.h"

#define LME_BRIDGE_SLICE_MS 5 /* longest a relay holds the session lock */

struct lme_bridge;

struct lme_bridge_opts {
	uint32_t port;        /* AMT port for channels [16992] */
	int idle_timeout_ms;  /* relay gives up without traffic [30000] */
	struct lme_opts lme;  /* session options; lme.log NULL = common/log.h */
};

/*
 * Open the APF session on h (lme_open: connect LME + handshake). Errors are
 * heci_err: HECI_E_BUSY usually means LMS owns LME (use LMS then),
 * HECI_E_CLIENT_NOT_FOUND that AMT is absent or disabled. h stays the
 * caller's and must outlive the bridge.
 */
int lme_bridge_new_opts(struct lme_bridge **out, struct heci *h, const struct lme_bridge_opts *o);
/* The same with defaults, except that timeout_ms (the agent's "longest wait
 * for one firmware reply"; <= 0 = default) bounds each CHANNEL_OPEN answer
 * and each message write. The handshake keeps its own 5 s bound. */
int lme_bridge_new(struct lme_bridge **out, struct heci *h, int timeout_ms);
/* Stop and join every relay (their sockets close, curl sees EOF), close the
 * session. NULL-safe. */
void lme_bridge_free(struct lme_bridge *b);

/*
 * For wsman_opts.open_socket (arg = the bridge): a connected stream fd for
 * libcurl, which closes it, or -1 (reason in lme_bridge_last_error()).
 * Opens an APF channel first; if the session died (ME reset, or AMT sent
 * DISCONNECT) it is reopened once, with a new handshake.
 */
int lme_bridge_open_socket(void *arg);
/* Why the last lme_bridge_open_socket() failed (heci_err; HECI_E_FW_STATUS:
 * AMT refused the channel), 0 after a success. */
int lme_bridge_last_error(struct lme_bridge *b);

#endif
