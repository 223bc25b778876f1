// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi.c - MKHI calls over a firmware connection: GET_FW_VERSION and FWCAPS
 * GetRule.
 *
 * Owns: one MKHI transaction on its own connection (the MKHI client is a
 * separate firmware client from AMTHI): connect, write the request, read one
 * reply sized by the client's MTU, check its header, disconnect. Must not:
 * parse bytes itself; the codec in mkhi_codec.c does that.
 */
#include "mkhi.h"

#include <stdlib.h>

/* One request/reply on a fresh MKHI connection. On success *body points into
 * *buf (the caller frees it) and *result holds the MKHI result byte. */
static int transact(struct heci *h, int timeout_ms, const uint8_t *req, size_t req_len,
		    uint8_t group, uint8_t command, uint8_t **buf, const uint8_t **body,
		    size_t *blen, uint8_t *result)
{
	size_t len;
	int rc;

	*buf = NULL;
	*result = 0;
	rc = heci_connect(h, &HECI_GUID_MKHI);
	if (rc != 0)
		return rc;
	size_t cap = heci_max_msg_len(h);
	*buf = malloc(cap ? cap : 1);
	if (!*buf) {
		rc = HECI_E_NOMEM;
		goto out;
	}
	rc = heci_write(h, req, req_len, timeout_ms);
	if (rc == 0)
		rc = heci_read(h, *buf, cap, &len, timeout_ms);
	if (rc == 0)
		rc = mkhi_decode_response(*buf, len, group, command, result, body, blen);
	if (rc == 0 && *result != 0)
		rc = HECI_E_FW_STATUS;
out:
	heci_disconnect(h);
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int mkhi_get_fw_version(struct heci *h, int timeout_ms, struct mkhi_fw_version *out,
			uint8_t *result)
{
	uint8_t req[MKHI_HDR_LEN], *buf = NULL;
	const uint8_t *body;
	size_t len, blen;

	*result = 0;
	int rc = mkhi_encode_request(req, sizeof(req), MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION,
				     &len);
	if (rc == 0)
		rc = transact(h, timeout_ms, req, len, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, &buf,
			      &body, &blen, result);
	if (rc == 0)
		rc = mkhi_decode_fw_version(body, blen, out);
	free(buf);
	return rc;
}

int mkhi_get_rule_u32(struct heci *h, int timeout_ms, uint32_t rule_id, uint32_t *value,
		      uint8_t *result)
{
	uint8_t req[MKHI_HDR_LEN + MKHI_RULE_BODY_LEN], *buf = NULL;
	const uint8_t *body;
	size_t len, blen;

	*result = 0;
	int rc = mkhi_encode_get_rule(req, sizeof(req), rule_id, &len);
	if (rc == 0)
		rc = transact(h, timeout_ms, req, len, MKHI_GROUP_FWCAPS, MKHI_CMD_FWCAPS_GET_RULE,
			      &buf, &body, &blen, result);
	if (rc == 0)
		rc = mkhi_decode_rule_u32(body, blen, rule_id, value);
	free(buf);
	return rc;
}
