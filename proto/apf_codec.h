// SPDX-License-Identifier: Apache-2.0
/*
 * apf_codec.h - APF (AMT Port Forwarding) message encoding and decoding.
 *
 * Owns: message numbers, constants and the big-endian layout of every APF
 * message (protocol-facts.md section 6.3 plus the CIRA keepalives), in both
 * directions, so the host (LMS role), the simulator (AMT role) and an MPS
 * use the same definitions. Decoding borrows strings and payloads in place
 * (no allocation, no copy); every peer-supplied length is capped before it
 * is used. apf_frame_length() finds message boundaries in a byte stream
 * (CIRA over TCP/TLS); over LME one MEI message is one APF message and
 * apf_decode() is called on it directly.
 * Must not: do I/O, keep session state or decide what a message means in
 * the current state (handshake order, channel ids, windows): that is the
 * APF state machine's job. Pure functions over byte buffers.
 *
 * Lifetime: every pointer in a decoded struct apf_msg (struct apf_str.p,
 * channel_data.data, the `extra` tails) points into the buffer given to
 * apf_decode(). It is valid only while that buffer is unchanged; copy what
 * you keep. A USERAUTH_REQUEST password is borrowed too: the caller wipes
 * the receive buffer when done with it.
 */
#ifndef PROTO_APF_CODEC_H
#define PROTO_APF_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto_err.h"
#include "wire.h"

/* ---- limits (caps on peer-supplied lengths) ---- */
#define APF_MAX_STRING 256u   /* any u32-length-prefixed string */
#define APF_MAX_DATA 65536u   /* CHANNEL_DATA and udp-send-to payload; LME's
			       * MTU is smaller, CIRA streams are not */
#define APF_MAX_MSG (APF_MAX_DATA + 1024u) /* any whole message */

/* ---- fixed sizes ---- */
#define APF_UUID_LEN 16u
#define APF_PV_RESERVED_LEN 64u
#define APF_PROTOCOLVERSION_LEN 93u
#define APF_DISCONNECT_LEN 7u
#define APF_CHANNEL_DATA_HDR_LEN 9u /* type + recipient + length */

/* ---- message numbers ---- */
enum apf_type {
	APF_DISCONNECT = 1,
	APF_SERVICE_REQUEST = 5,
	APF_SERVICE_ACCEPT = 6,
	APF_USERAUTH_REQUEST = 50,
	APF_USERAUTH_FAILURE = 51,
	APF_USERAUTH_SUCCESS = 52,
	APF_GLOBAL_REQUEST = 80,
	APF_REQUEST_SUCCESS = 81,
	APF_REQUEST_FAILURE = 82,
	APF_CHANNEL_OPEN = 90,
	APF_CHANNEL_OPEN_CONFIRMATION = 91,
	APF_CHANNEL_OPEN_FAILURE = 92,
	APF_CHANNEL_WINDOW_ADJUST = 93,
	APF_CHANNEL_DATA = 94,
	APF_CHANNEL_CLOSE = 97,
	APF_PROTOCOLVERSION = 192,
	APF_KEEPALIVE_REQUEST = 208,         /* CIRA only */
	APF_KEEPALIVE_REPLY = 209,           /* CIRA only */
	APF_KEEPALIVE_OPTIONS_REQUEST = 210, /* CIRA only */
	APF_KEEPALIVE_OPTIONS_REPLY = 211,   /* CIRA only */
};

/* "CHANNEL_OPEN" style name of a message number, or "UNKNOWN". */
const char *apf_msg_name(uint8_t type);

/* ---- constants ---- */
#define APF_PROTOCOL_MAJOR 1u
#define APF_PROTOCOL_MINOR 0u

enum apf_disconnect_reason {
	APF_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
	APF_DISCONNECT_PROTOCOL_ERROR = 2,
	APF_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	APF_DISCONNECT_RESERVED = 4,
	APF_DISCONNECT_MAC_ERROR = 5,
	APF_DISCONNECT_COMPRESSION_ERROR = 6,
	APF_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
	APF_DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
	APF_DISCONNECT_CONNECTION_LOST = 10,
	APF_DISCONNECT_BY_APPLICATION = 11,
	APF_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	APF_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	APF_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
	APF_DISCONNECT_ILLEGAL_USER_NAME = 15,
};

enum apf_open_failure_reason {
	APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED = 1,
	APF_OPEN_FAILURE_CONNECT_FAILED = 2,
	APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE = 3,
	APF_OPEN_FAILURE_RESOURCE_SHORTAGE = 4,
};

enum apf_trigger_reason {
	APF_TRIGGER_USER_INITIATED = 1,
	APF_TRIGGER_ALERT = 2,
	APF_TRIGGER_PROVISIONING = 3, /* "HIT provisioning" */
	APF_TRIGGER_PERIODIC = 4,
	APF_TRIGGER_LME_REQUEST = 254, /* what the host (LMS) sends */
};

#define APF_SERVICE_PFWD "pfwd@amt.intel.com"
#define APF_SERVICE_AUTH "auth@amt.intel.com"
#define APF_GREQ_TCPIP_FORWARD "tcpip-forward"
#define APF_GREQ_CANCEL_TCPIP_FORWARD "cancel-tcpip-forward"
#define APF_GREQ_UDP_SEND_TO "udp-send-to@amt.intel.com"
#define APF_CHANNEL_TYPE_FORWARDED "forwarded-tcpip"
#define APF_CHANNEL_TYPE_DIRECT "direct-tcpip"
#define APF_AUTH_METHOD_NONE_STR "none"
#define APF_AUTH_METHOD_PASSWORD_STR "password"
/* The "reserved" word of CHANNEL_OPEN / CHANNEL_OPEN_CONFIRMATION as hosts
 * send it (SSH's "maximum packet size" slot). The codec carries whatever
 * value is given or received; callers building messages should use this. */
#define APF_RESERVED_ALL_ONES 0xFFFFFFFFu

/* ---- message bodies ---- */

/* A borrowed, length-counted, not NUL-terminated string. */
struct apf_str {
	const char *p;
	uint32_t len;
};
/* Compound literal from a string literal, for building messages. */
#define APF_STR(lit) ((struct apf_str){ (lit), (uint32_t)(sizeof(lit) - 1u) })
/* True when s holds exactly the characters of the C string cstr. */
bool apf_str_eq(struct apf_str s, const char *cstr);

struct apf_disconnect {
	uint32_t reason;   /* enum apf_disconnect_reason */
	uint16_t reserved; /* 0 when sent; carried as received */
};

/* SERVICE_REQUEST and SERVICE_ACCEPT */
struct apf_service {
	struct apf_str name;
};

enum apf_auth_method {
	APF_AUTH_METHOD_NONE = 0,
	APF_AUTH_METHOD_PASSWORD = 1,
	APF_AUTH_METHOD_OTHER = 2, /* unknown name; method fields left in `extra` */
};

struct apf_userauth_request {
	struct apf_str user;
	struct apf_str service;
	enum apf_auth_method method;
	struct apf_str method_name; /* decoded always; encoded only for OTHER */
	uint8_t change;             /* PASSWORD: the boolean byte (SSH "change"), 0 */
	struct apf_str password;    /* PASSWORD only */
	const uint8_t *extra;       /* OTHER only: bytes after the method name */
	uint32_t extra_len;
};

struct apf_userauth_failure {
	struct apf_str methods; /* comma-separated name-list, e.g. "password" */
	uint8_t partial_success;
};

enum apf_greq_kind {
	APF_GREQ_TCPIP = 0,        /* tcpip-forward */
	APF_GREQ_CANCEL_TCPIP = 1, /* cancel-tcpip-forward */
	APF_GREQ_UDP_SEND = 2,     /* udp-send-to@amt.intel.com */
	APF_GREQ_OTHER = 3,        /* unknown name; body left in `data` */
};

struct apf_global_request {
	enum apf_greq_kind kind;
	struct apf_str name; /* decoded always; encoded only for OTHER */
	uint8_t want_reply;  /* carried as received (SSH boolean: non-zero = true) */
	struct apf_str addr; /* bind address (tcpip) or destination (udp) */
	uint32_t port;
	struct apf_str orig_addr; /* UDP_SEND only */
	uint32_t orig_port;       /* UDP_SEND only */
	const uint8_t *data;      /* UDP_SEND: payload; OTHER: bytes after want_reply */
	uint32_t data_len;
};

struct apf_request_success {
	bool has_port; /* 5-byte form: reply to tcpip-forward */
	uint32_t port;
};

enum apf_channel_kind {
	APF_CHAN_FORWARDED = 0, /* forwarded-tcpip: host -> AMT */
	APF_CHAN_DIRECT = 1,    /* direct-tcpip: AMT -> host */
	APF_CHAN_OTHER = 2,     /* unknown type; type-specific bytes in `extra` */
};

struct apf_channel_open {
	enum apf_channel_kind kind;
	struct apf_str type_name; /* decoded always; encoded only for OTHER */
	uint32_t sender;          /* the opener's channel id */
	uint32_t window;          /* initial window */
	uint32_t reserved;        /* APF_RESERVED_ALL_ONES from hosts */
	struct apf_str addr;      /* connected (forwarded) / target (direct) address */
	uint32_t port;
	struct apf_str orig_addr; /* originator */
	uint32_t orig_port;
	const uint8_t *extra;     /* OTHER only */
	uint32_t extra_len;
};

struct apf_channel_open_confirmation {
	uint32_t recipient; /* the opener's id */
	uint32_t sender;    /* the responder's id */
	uint32_t window;
	uint32_t reserved;
};

struct apf_channel_open_failure {
	uint32_t recipient;
	uint32_t reason; /* enum apf_open_failure_reason */
	uint32_t reserved1, reserved2; /* 0 when sent; carried as received */
};

struct apf_channel_window_adjust {
	uint32_t recipient;
	uint32_t bytes_to_add;
};

struct apf_channel_data {
	uint32_t recipient;
	const uint8_t *data; /* borrowed; not copied by decode */
	uint32_t len;        /* <= APF_MAX_DATA */
};

struct apf_channel_close {
	uint32_t recipient;
};

struct apf_protocol_version {
	uint32_t major, minor;
	uint32_t trigger; /* enum apf_trigger_reason */
	uint8_t uuid[APF_UUID_LEN];
	uint8_t reserved[APF_PV_RESERVED_LEN]; /* zero when sent; carried as received */
};

/* KEEPALIVE_REQUEST and KEEPALIVE_REPLY */
struct apf_keepalive {
	uint32_t cookie;
};

/* KEEPALIVE_OPTIONS_REQUEST and KEEPALIVE_OPTIONS_REPLY */
struct apf_keepalive_options {
	uint32_t interval; /* seconds */
	uint32_t timeout;  /* seconds */
};

/*
 * One APF message. `type` selects the union member:
 *   DISCONNECT disconnect; SERVICE_REQUEST/ACCEPT service;
 *   USERAUTH_REQUEST userauth_request; USERAUTH_FAILURE userauth_failure;
 *   USERAUTH_SUCCESS, REQUEST_FAILURE: no body;
 *   GLOBAL_REQUEST global_request; REQUEST_SUCCESS request_success;
 *   CHANNEL_OPEN channel_open; CHANNEL_OPEN_CONFIRMATION open_confirmation;
 *   CHANNEL_OPEN_FAILURE open_failure; CHANNEL_WINDOW_ADJUST window_adjust;
 *   CHANNEL_DATA channel_data; CHANNEL_CLOSE channel_close;
 *   PROTOCOLVERSION protocol_version; KEEPALIVE_REQUEST/REPLY keepalive;
 *   KEEPALIVE_OPTIONS_REQUEST/REPLY keepalive_options.
 * Build one with designated initializers; unset fields are zero, e.g.
 *   struct apf_msg m = { .type = APF_CHANNEL_CLOSE,
 *                        .channel_close = { .recipient = amt_id } };
 */
struct apf_msg {
	uint8_t type; /* enum apf_type */
	union {
		struct apf_disconnect disconnect;
		struct apf_service service;
		struct apf_userauth_request userauth_request;
		struct apf_userauth_failure userauth_failure;
		struct apf_global_request global_request;
		struct apf_request_success request_success;
		struct apf_channel_open channel_open;
		struct apf_channel_open_confirmation open_confirmation;
		struct apf_channel_open_failure open_failure;
		struct apf_channel_window_adjust window_adjust;
		struct apf_channel_data channel_data;
		struct apf_channel_close channel_close;
		struct apf_protocol_version protocol_version;
		struct apf_keepalive keepalive;
		struct apf_keepalive_options keepalive_options;
	};
};

/*
 * Decode exactly one message occupying all of buf[0..len).
 * REQUEST_SUCCESS takes its form from len (1 or 5 bytes). Unknown global
 * request names, channel types and auth methods decode as *_OTHER with the
 * unparsed rest borrowed, so the caller can still answer REQUEST_FAILURE /
 * CHANNEL_OPEN_FAILURE(UNKNOWN_CHANNEL_TYPE) / USERAUTH_FAILURE.
 * Errors: PROTO_E_SHORT (len 0, or a field or a length-counted run ends past
 * len), PROTO_E_TRAILING (bytes after the last field), PROTO_E_BAD_VALUE
 * (unknown message number), PROTO_E_TOO_LARGE (len > APF_MAX_MSG, a string
 * length > APF_MAX_STRING or a data length > APF_MAX_DATA; checked before
 * the bytes are looked at). On error *out is unspecified.
 */
int apf_decode(const uint8_t *buf, size_t len, struct apf_msg *out);

/*
 * Stream framing (CIRA). How a REQUEST_SUCCESS at the head of a stream is
 * framed: the bytes alone cannot tell the 1-byte form (reply to
 * cancel-tcpip-forward) from the 5-byte one (reply to tcpip-forward); only
 * the receiver, which knows which request it is waiting for, can.
 */
enum apf_success_form {
	APF_SUCCESS_AMBIGUOUS = 0, /* REQUEST_SUCCESS -> PROTO_E_NOT_SUPPORTED */
	APF_SUCCESS_NO_PORT = 1,   /* 1 byte */
	APF_SUCCESS_WITH_PORT = 2, /* 5 bytes */
};

/*
 * Length of the whole message at the start of a byte stream.
 * 0 and *msg_len (1..APF_MAX_MSG) when it is complete in buf[0..len);
 * PROTO_E_SHORT when more bytes are needed (len 0 included); PROTO_E_BAD_VALUE
 * for an unknown message number; PROTO_E_TOO_LARGE for a length over its cap
 * (reported as soon as the length field has arrived); PROTO_E_NOT_SUPPORTED
 * when the message cannot be framed from its bytes: an unknown global
 * request name, channel type or auth method (their bodies are open-ended),
 * or a REQUEST_SUCCESS with APF_SUCCESS_AMBIGUOUS. Any error other than
 * PROTO_E_SHORT means the stream cannot be resynchronised: disconnect.
 * When it returns 0, apf_decode(buf, *msg_len) succeeds.
 */
int apf_frame_length_ex(const uint8_t *buf, size_t len, enum apf_success_form rs,
			size_t *msg_len);
/* apf_frame_length_ex() with APF_SUCCESS_AMBIGUOUS. */
int apf_frame_length(const uint8_t *buf, size_t len, size_t *msg_len);

/*
 * Append the encoding of m to w. Field values are written as given (reserved
 * words included); names of known kinds (global request, channel type, auth
 * method) come from the kind, not from the *_name fields.
 * Errors: PROTO_E_BAD_VALUE (unknown type or kind), PROTO_E_TOO_LARGE (a string
 * over APF_MAX_STRING, data over APF_MAX_DATA, OTHER tail over APF_MAX_MSG),
 * PROTO_E_INVALID_ARG (NULL pointer with a non-zero length), PROTO_E_NOSPACE
 * (w overflowed, now or before: the overflow flag is sticky). On error w->len
 * is restored to its value at entry, so nothing partial stays appended.
 * Whatever encodes successfully, apf_decode() accepts and decodes back to the
 * same bytes.
 */
int apf_encode_wr(struct wire_wr *w, const struct apf_msg *m);
/* Encode m alone into buf; *out_len = bytes written (0 on error). */
int apf_encode(const struct apf_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

#endif
