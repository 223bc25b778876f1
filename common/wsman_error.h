// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_error.h - what went wrong in a WS-Management exchange, as plain
 * data: the error kinds, the error record (HTTP status, SOAP fault, AMT
 * ReturnValue, transport detail) and its one-line description for users.
 * Owns: the error type shared by wsman.c, wsman_xml.c, hostid_3pds.c and
 * their callers, with no library types, so code that only reports errors
 * (the agent side of the network module, amt-verify's output) needs neither
 * libxml2 nor libcurl headers.
 * Must not: include libxml2, libcurl or OpenSSL headers.
 */
#ifndef COMMON_WSMAN_ERROR_H
#define COMMON_WSMAN_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* One error enum for the WS-Man layer: 0 success, errors negative. */
enum wsman_err_kind {
	WSMAN_OK = 0,
	WSMAN_E_NETWORK = -1,   /* cannot connect, connection lost, timeout */
	WSMAN_E_TLS = -2,       /* handshake or certificate verification failed */
	WSMAN_E_AUTH = -3,      /* still 401 after sending digest credentials */
	WSMAN_E_HTTP = -4,      /* any other unexpected HTTP status */
	WSMAN_E_FAULT = -5,     /* SOAP fault: fault_code/subcode/reason set */
	WSMAN_E_RETURN = -6,    /* method ReturnValue != 0: return_value set */
	WSMAN_E_PARSE = -7,     /* malformed XML or unexpected shape */
	WSMAN_E_NOMEM = -8,
	WSMAN_E_INVALID = -9,   /* invalid argument or option from the caller */
	WSMAN_E_NOT_FOUND = -10 /* helpers only: the child element is absent */
};

struct wsman_error {
	enum wsman_err_kind kind;
	long http_status;        /* 0 when no HTTP response was received */
	/* Fault QNames with conventional prefixes whatever the peer used:
	 * "s:" SOAP envelope, "wsa:" addressing, "wsman:" WS-Man,
	 * "wsen:" enumeration, "wxf:" transfer; e.g. "s:Sender" and
	 * "wsa:DestinationUnreachable". Unknown namespaces keep the text. */
	char fault_code[128];
	char fault_subcode[128];
	char fault_reason[256];  /* first Reason/Text, whitespace-trimmed */
	uint32_t return_value;   /* WSMAN_E_RETURN: the PT_STATUS value */
	char curl_message[256];  /* transport detail; for parse errors, what was wrong */
};

const char *wsman_err_kind_name(enum wsman_err_kind k); /* "network", "tls", ... */
/* Reset to WSMAN_OK; NULL-safe. */
void wsman_error_clear(struct wsman_error *e);

/* One line for users: what failed, why, and what to do. */
void wsman_error_format(const struct wsman_error *e, char *out, size_t cap);

#endif
