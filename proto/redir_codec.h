// SPDX-License-Identifier: Apache-2.0
/*
 * redir_codec.h - AMT's redirection protocol (Serial-over-LAN on TCP 16994,
 * TLS 16995), both directions (protocol-facts-2.md section 6).
 *
 * Owns: the message numbers, their fixed lengths and little-endian layout
 * (amtterm's RedirectionConstants.h, MeshCentral's amt-redir-mesh.js),
 * framing a TCP byte stream into messages, and the length-prefixed strings
 * inside authentication data. The console (amt-verify console, amtterm)
 * sends some types, AMT others; each direction accepts only its own, so a
 * message from the wrong side is an error, not a misframed stream.
 * Decoding borrows payloads in place (no allocation); every peer-supplied
 * length is capped before it is used.
 * Must not: do I/O, keep session state, or decide what a message means in
 * the current state (handshake order, which authentication type is
 * acceptable): that is the state machines' job (the simulator's session
 * and amt-verify's SOL client). Pure functions over byte buffers.
 * IDE-R's messages (0x40..0x54) follow the same start and authentication
 * on the same stream: ider_codec.c frames them.
 *
 * Reserved bytes are carried, never checked: the sources do not define
 * them and clients set them (MeshCommander's KVM start has byte 1 = 1).
 * Lifetime: pointers in a decoded struct redir_msg point into the buffer
 * given to redir_decode() and live as long as it is unchanged; a plain
 * password inside auth data is borrowed too: the caller wipes the buffer.
 */
#ifndef PROTO_REDIR_CODEC_H
#define PROTO_REDIR_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto_err.h"

#define REDIR_PORT 16994u
#define REDIR_TLS_PORT 16995u

/* ---- message numbers ---- */
enum redir_type {
	REDIR_START_SESSION = 0x10,       /* console -> AMT, 8 bytes */
	REDIR_START_SESSION_REPLY = 0x11, /* AMT -> console, 13 + OEM data */
	REDIR_END_SESSION = 0x12,         /* console -> AMT, 4 */
	REDIR_AUTH = 0x13,                /* console -> AMT, 9 + N */
	REDIR_AUTH_REPLY = 0x14,          /* AMT -> console, 9 + N */
	REDIR_SOL_START = 0x20,           /* console -> AMT, 24 */
	REDIR_SOL_START_REPLY = 0x21,     /* AMT -> console, 23 */
	REDIR_SOL_END = 0x22,             /* console -> AMT, 8 */
	REDIR_SOL_END_REPLY = 0x23,       /* AMT -> console, 8 */
	REDIR_SOL_PING = 0x24,            /* console -> AMT, 8 (keep-alive) */
	REDIR_SOL_PONG = 0x25,            /* AMT -> console, 8 */
	REDIR_SOL_MC_0x27 = 0x27,         /* console -> AMT, 14: MeshCentral sends it after 0x21,
					   * meaning unknown (UNVERIFIED); accepted and ignored */
	REDIR_SOL_DATA_TO_HOST = 0x28,    /* console -> AMT, 10 + len */
	REDIR_SOL_CONTROLS = 0x29,        /* AMT -> console, 10 (serial control lines) */
	REDIR_SOL_DATA_FROM_HOST = 0x2A,  /* AMT -> console, 10 + len */
	REDIR_SOL_HEARTBEAT = 0x2B,       /* both, 8 */
};

/* Which side sent the bytes: framing accepts only that side's types. */
enum redir_dir {
	REDIR_FROM_CONSOLE = 0, /* what AMT (the simulator) receives */
	REDIR_FROM_AMT = 1,     /* what a console (amt-verify) receives */
};

/* ---- fixed lengths ---- */
#define REDIR_START_SESSION_LEN 8u
#define REDIR_START_SESSION_REPLY_LEN 13u /* without OEM data */
#define REDIR_END_SESSION_LEN 4u
#define REDIR_AUTH_HDR_LEN 9u
#define REDIR_SOL_START_LEN 24u
#define REDIR_SOL_START_REPLY_LEN 23u
#define REDIR_SOL_SHORT_LEN 8u /* 0x22 0x23 0x24 0x25 0x2B */
#define REDIR_SOL_MC_0x27_LEN 14u
#define REDIR_SOL_DATA_HDR_LEN 10u
#define REDIR_SOL_CONTROLS_LEN 10u

/* ---- caps on peer-supplied lengths ---- */
#define REDIR_AUTH_MAX 2048u   /* auth data: 8 strings of at most 255 bytes, with room */
#define REDIR_AUTH_MAX_STRS 8u /* length-prefixed strings in one auth message */
#define REDIR_DATA_MAX 65535u  /* SOL data: the u16 length field is its own cap */
#define REDIR_MSG_MAX (REDIR_SOL_DATA_HDR_LEN + REDIR_DATA_MAX) /* any whole message */

/* ---- constants ---- */
#define REDIR_SESSION_SOL "SOL " /* 0x204C4F53 little-endian */
#define REDIR_SESSION_IDER "IDER"
#define REDIR_SESSION_KVM "KVMR"
#define REDIR_STATUS_SUCCESS 0x00u
#define REDIR_STATUS_FAILURE 0x01u /* auth reply: failed, or a digest challenge */

enum redir_auth_type {
	REDIR_AUTH_QUERY = 0,   /* which types does AMT accept? */
	REDIR_AUTH_PLAIN = 1,   /* user + password in clear (amtterm 1.4) */
	REDIR_AUTH_KERBEROS = 2,
	REDIR_AUTH_DIGEST_2069 = 3,
	REDIR_AUTH_DIGEST = 4,  /* RFC 2617, qop=auth */
};
#define REDIR_DIGEST_URI "/RedirectionService"
#define REDIR_DIGEST_METHOD "POST"

/* 0x29 control bits and status bits */
#define REDIR_CTL_RTS 0x01u
#define REDIR_CTL_DTR 0x02u
#define REDIR_CTL_BREAK 0x04u
#define REDIR_ST_TX_OVERFLOW 0x01u
#define REDIR_ST_LOOPBACK 0x02u
#define REDIR_ST_POWER_ON 0x04u
#define REDIR_ST_RX_FLUSH_TIMEOUT 0x08u
#define REDIR_ST_TESTMODE 0x10u

/* "SOL_DATA_TO_HOST" style name, or "UNKNOWN". */
const char *redir_msg_name(uint8_t type);

/* The console's SOL parameters (0x20, bytes 8..19), echoed in 0x21. */
struct redir_sol_settings {
	uint16_t max_tx_buffer;       /* largest 0x2A payload the console takes */
	uint16_t tx_buffer_timeout_ms;
	uint16_t tx_overflow_timeout;
	uint16_t host_session_rx_timeout_ms;
	uint16_t host_fifo_rx_flush_timeout_ms;
	uint16_t heartbeat_interval_ms; /* 0: the console sends its own heartbeats */
};

struct redir_msg {
	uint8_t type;   /* enum redir_type */
	uint8_t status; /* byte 1: a reply's status; 0x10's flag byte */
	uint32_t seq;   /* SOL messages 0x20..0x2B: bytes 4..7 */
	union {
		uint8_t session[4]; /* 0x10: REDIR_SESSION_* */
		struct {            /* 0x11 (bytes 4..11 per one source: UNVERIFIED, unused) */
			uint8_t proto_major, proto_minor, fw_major, fw_minor;
			uint32_t oem_iana;
			uint8_t oem_len;
			const uint8_t *oem;
		} start_reply;
		struct { /* 0x13, 0x14 */
			uint8_t type; /* enum redir_auth_type */
			uint32_t len; /* <= REDIR_AUTH_MAX */
			const uint8_t *data;
		} auth;
		struct redir_sol_settings sol; /* 0x20, and 0x21's echo (bytes 8..19) */
		struct {                       /* 0x28, 0x2A */
			uint16_t len;
			const uint8_t *data;
		} data;
		struct { /* 0x29 */
			uint8_t control, status;
		} controls;
		uint8_t mc27[6]; /* 0x27 bytes 8..13 */
	} u;
};

/*
 * Length of the message at the start of a byte stream from side dir: 0 and
 * *msg_len (<= REDIR_MSG_MAX) once all of it has arrived; PROTO_E_SHORT
 * while more is needed; PROTO_E_BAD_COMMAND for a type that side never
 * sends; PROTO_E_TOO_LARGE for auth data over REDIR_AUTH_MAX. Each check
 * happens as soon as its bytes are there (the type with the first byte).
 */
int redir_frame_length(const uint8_t *buf, size_t len, enum redir_dir dir, size_t *msg_len);

/*
 * Decode exactly one message occupying buf[0..len) sent by side dir.
 * Errors: those of redir_frame_length(), PROTO_E_SHORT when len is less
 * than the message, PROTO_E_TRAILING when more. On error *m is unspecified.
 */
int redir_decode(const uint8_t *buf, size_t len, enum redir_dir dir, struct redir_msg *m);

/*
 * Encode m into buf (the fields its type uses; reserved bytes zero).
 * PROTO_E_BAD_COMMAND for a type this codec does not know,
 * PROTO_E_TOO_LARGE for auth data over REDIR_AUTH_MAX, PROTO_E_INVALID_ARG
 * for a NULL payload with a length, PROTO_E_NOSPACE when cap is too small.
 * *out_len = bytes written (0 on error).
 */
int redir_encode(const struct redir_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

/* ---- authentication data: a run of (u8 length, bytes) strings ---- */
struct redir_str {
	const uint8_t *p; /* borrowed */
	uint8_t len;
};
struct redir_strs {
	unsigned n;
	struct redir_str s[REDIR_AUTH_MAX_STRS];
};

/* Split auth data into its strings: PROTO_E_SHORT when a string runs past
 * the end, PROTO_E_TOO_LARGE for more than REDIR_AUTH_MAX_STRS. Empty data
 * is zero strings. */
int redir_strs_decode(const uint8_t *data, size_t len, struct redir_strs *out);
/* The reverse; PROTO_E_NOSPACE when cap is too small, PROTO_E_INVALID_ARG
 * for more than REDIR_AUTH_MAX_STRS strings. */
int redir_strs_encode(const struct redir_strs *in, uint8_t *buf, size_t cap, size_t *out_len);
/* Convenience: append C string s (at most 255 bytes, else PROTO_E_TOO_LARGE). */
int redir_strs_add(struct redir_strs *s, const char *text);
/* True when string i exists and equals text (no NUL inside). */
bool redir_str_eq(const struct redir_strs *s, unsigned i, const char *text);

#endif
