// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi.h - MKHI calls over libheci (GET_FW_VERSION, FWCAPS GetRule).
 *
 * Two ways in: a session (mkhi_open .. mkhi_close) asks several questions
 * on one connection, as Intel LMS asks its FWCAPS rules; the one-shot calls
 * connect, ask, disconnect.
 * Must not: parse bytes (mkhi_codec.c does); keep a connection past
 * mkhi_close.
 */
#ifndef HECI_MKHI_H
#define HECI_MKHI_H

#include "heci.h"
#include "mkhi_codec.h"

struct mkhi_session {
	struct heci *h;
	int timeout_ms;
	uint8_t *buf; /* one reply, sized by the client's MTU */
	size_t cap;
	unsigned transactions; /* request/reply pairs asked on this connection */
};

/* Connect h to the MKHI client. Returns 0 or a heci_err (then nothing is
 * left open and mkhi_close is still safe to call). */
int mkhi_open(struct mkhi_session *s, struct heci *h, int timeout_ms);
/* Disconnect and free; safe twice and after a failed mkhi_open. */
void mkhi_close(struct mkhi_session *s);

/* GET_FW_VERSION. Returns 0, HECI_E_FW_STATUS (*result = MKHI result byte)
 * or an error. */
int mkhi_ask_fw_version(struct mkhi_session *s, struct mkhi_fw_version *out, uint8_t *result);
/* FWCAPS GetRule for rule_id (MKHI_RULE_*). Returns 0 with *value,
 * HECI_E_FW_STATUS (*result = MKHI result byte) or an error (a reply for
 * another rule or of another length is refused). */
int mkhi_ask_rule_u32(struct mkhi_session *s, uint32_t rule_id, uint32_t *value,
		      uint8_t *result);

/* One-shot: connect h to the MKHI client, ask GET_FW_VERSION, disconnect. */
int mkhi_get_fw_version(struct heci *h, int timeout_ms, struct mkhi_fw_version *out,
			uint8_t *result);

/* One-shot: connect, ask FWCAPS GetRule for rule_id, disconnect. */
int mkhi_get_rule_u32(struct heci *h, int timeout_ms, uint32_t rule_id, uint32_t *value,
		      uint8_t *result);

#endif
