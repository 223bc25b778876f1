// SPDX-License-Identifier: Apache-2.0
/*
 * lme.h - host side of AMT Port Forwarding (APF) over the ME's LME client:
 * what Intel's LMS does, minus the TCP listeners.
 *
 * Owns: the APF session state machine in the host ("LMS") role
 * (protocol-facts.md 6.5/6.6): the PROTOCOLVERSION exchange, answering
 * AMT's SERVICE_REQUEST / USERAUTH_REQUEST / tcpip-forward requests,
 * a small table of host-opened "forwarded-tcpip" channels with per-channel
 * flow-control windows in both directions, and restarting all of it after
 * an ME reset. Every APF byte goes through apf_codec.h.
 * Must not: start threads, open sockets or sleep outside heci_read(): the
 * caller drives the session (lme_pump() or the blocking channel calls),
 * one thread at a time. Glue to sockets lives in agent/lme_bridge.c.
 *
 * Driving model: there is no fd to poll (heci.h does not expose one, and
 * the test backend has none). Every call that waits does so inside
 * heci_read() with a bounded timeout and processes whatever arrives:
 * messages for other channels are buffered on those channels (at most our
 * RX window each, which AMT must respect), global requests are answered.
 * A poll loop integrates by alternating poll() on its own fds with short
 * lme_pump()/lme_channel_recv() calls (agent/lme_bridge.c uses 5 ms).
 *
 * Channel ids: ours are (generation << 8) | slot, so a CHANNEL_CLOSE that
 * AMT replays for an id of an earlier session or an earlier channel never
 * matches a live channel; such messages are ignored (logged at debug).
 *
 * Errors are enum heci_err. A peer protocol violation sends DISCONNECT
 * (reason 2, or 7 for an unknown service, 8 for a version below 1.0) and
 * makes the session dead: every later call returns the same error until
 * lme_reopen(). HECI_E_DISCONNECTED (ME reset, or AMT sent DISCONNECT)
 * also kills the session; lme_reopen() reconnects and redoes the
 * handshake, and every channel open before is failed.
 */
#ifndef HECI_LME_H
#define HECI_LME_H

#include <stddef.h>
#include <stdint.h>

#include "heci.h"

#define LME_MAX_CHANNELS 32u        /* slots in the channel table (hard cap) */
#define LME_MAX_FORWARDS 16u        /* tcpip-forward ports remembered */
#define LME_DEFAULT_RX_WINDOW 4096u /* what MicroLMS and go-wsman offer */
#define LME_MAX_RX_WINDOW 65536u    /* cap on lme_opts.rx_window */
#define LME_DEFAULT_TX_WINDOW_CAP (1u << 20) /* cap on AMT's window to us */
#define LME_PORT_HTTP 16992u
#define LME_PORT_HTTPS 16993u

struct lme;

/* Levels of lme_opts.log; numbered like common/log.h's enum log_level. */
enum lme_log_level { LME_LOG_ERROR = 0, LME_LOG_WARN, LME_LOG_INFO, LME_LOG_DEBUG };

/* All fields optional: zero means the default in brackets. */
struct lme_opts {
	uint32_t rx_window;       /* bytes AMT may send per channel before we adjust [4096] */
	uint32_t tx_window_cap;   /* AMT's window to us is capped to this [1 MiB] */
	unsigned max_channels;    /* open channels at once, <= LME_MAX_CHANNELS [32] */
	int handshake_timeout_ms; /* whole handshake bound [5000] */
	int handshake_idle_ms;    /* pfwd accepted, no 16992/16993 forward yet: quiet this
				   * long counts as done (rpc-go) [3000] */
	int open_timeout_ms;      /* CHANNEL_OPEN reply wait [18000, rpc-go] */
	int write_timeout_ms;     /* one heci_write [5000] */
	/* libheci prints nothing; each message (no trailing newline, never
	 * a credential) is handed here. NULL = silent. */
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
};

/*
 * Connect the LME client on h (heci_connect(h, &HECI_GUID_LME)) and run the
 * handshake: send PROTOCOLVERSION 1.0 (trigger 254, zero UUID), accept
 * AMT's (>= 1.0), answer SERVICE_REQUEST auth@ / pfwd@amt.intel.com,
 * USERAUTH_REQUEST and GLOBAL_REQUEST tcpip-forward. Returns once a
 * forward for 16992 or 16993 was answered, or after handshake_idle_ms of
 * silence once pfwd was accepted; HECI_E_TIMEOUT when neither happens
 * within handshake_timeout_ms. The connect-reported protocol_version is
 * logged and accepted whatever it is (MicroLMS refuses < 4; we do not).
 * Connect errors come back unchanged: HECI_E_BUSY typically means Intel LMS
 * owns the client. h stays owned by the caller and must outlive *out.
 * On failure *out is NULL and h is disconnected.
 */
int lme_open(struct lme **out, struct heci *h, const struct lme_opts *o);
/* Send CHANNEL_CLOSE for open channels, disconnect h, free. NULL-safe. */
void lme_close(struct lme *l);
/* After any session error (HECI_E_DISCONNECTED typically): heci_reconnect()
 * and the handshake again. Channels of the old session are gone: calls on
 * their ids return HECI_E_INVALID_ARG. */
int lme_reopen(struct lme *l);
/* 0 while the session is usable, else the error that ended it. */
int lme_status(const struct lme *l);

/* Ports AMT asked us to forward (tcpip-forward minus cancel), up to
 * LME_MAX_FORWARDS; returns how many were written to ports[cap]. */
size_t lme_forwarded_ports(const struct lme *l, uint32_t *ports, size_t cap);
int lme_port_forwarded(const struct lme *l, uint32_t port);

/*
 * Read and process at most one message, waiting up to timeout_ms.
 * 0: one message processed; HECI_E_TIMEOUT: nothing arrived; other errors
 * end the session (see above).
 */
int lme_pump(struct lme *l, int timeout_ms);

/*
 * Open a "forwarded-tcpip" channel to AMT's port (16992 or 16993) and wait
 * for the answer (open_timeout_ms). *ch receives our channel id.
 * HECI_E_FW_STATUS: AMT refused (CHANNEL_OPEN_FAILURE; reason in
 * *failure_reason when not NULL); HECI_E_NOSPACE: channel table full;
 * HECI_E_TIMEOUT: no answer (the slot is kept until AMT answers late, then
 * closed). AMT's initial window is capped to tx_window_cap.
 */
int lme_channel_open(struct lme *l, uint32_t port, uint32_t *ch, uint32_t *failure_reason);

/*
 * Send all of data[len], in CHANNEL_DATA pieces of at most
 * min(AMT's window, MTU - 9), waiting for WINDOW_ADJUST whenever the window
 * is empty. timeout_ms bounds the whole call: HECI_E_TIMEOUT with *sent
 * (when not NULL) telling how much went out. HECI_E_NOT_CONNECTED when AMT
 * closed the channel.
 */
int lme_channel_send(struct lme *l, uint32_t ch, const uint8_t *data, size_t len,
		     int timeout_ms, size_t *sent);
/* Bytes lme_channel_send() could send right now without waiting. */
size_t lme_channel_writable(const struct lme *l, uint32_t ch);

/*
 * Receive up to cap bytes. Returns buffered data at once, else waits up to
 * timeout_ms (0 = just look at what is queued without waiting) processing
 * messages. *n > 0: data (a WINDOW_ADJUST for the consumed bytes has been
 * sent); rc 0 with *n == 0: AMT closed the channel and every byte has been
 * read (its CHANNEL_CLOSE was answered with ours); HECI_E_TIMEOUT: nothing.
 */
int lme_channel_recv(struct lme *l, uint32_t ch, uint8_t *buf, size_t cap, size_t *n,
		     int timeout_ms);

/* Close (CHANNEL_CLOSE unless AMT closed first) and free the slot; any
 * data still buffered is dropped. Unknown ids are ignored. */
void lme_channel_close(struct lme *l, uint32_t ch);

#endif
