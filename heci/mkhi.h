// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi.h - MKHI calls over libheci (GET_FW_VERSION, FWCAPS GetRule).
 * Must not: keep the connection open; each call connects, asks, disconnects.
 */
#ifndef HECI_MKHI_H
#define HECI_MKHI_H

#include "heci.h"
#include "mkhi_codec.h"

/* Connect h to the MKHI client, ask GET_FW_VERSION, disconnect.
 * Returns 0, HECI_E_FW_STATUS (*result = MKHI result byte) or an error. */
int mkhi_get_fw_version(struct heci *h, int timeout_ms, struct mkhi_fw_version *out,
			uint8_t *result);

/* Connect, ask FWCAPS GetRule for rule_id (MKHI_RULE_*), disconnect.
 * Returns 0 with *value, HECI_E_FW_STATUS (*result = MKHI result byte) or an
 * error (a reply for another rule or of another length is refused). */
int mkhi_get_rule_u32(struct heci *h, int timeout_ms, uint32_t rule_id, uint32_t *value,
		      uint8_t *result);

#endif
