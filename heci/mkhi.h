/*
 * mkhi.h - MKHI calls over libheci (GET_FW_VERSION).
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

#endif
