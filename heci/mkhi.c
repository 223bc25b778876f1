/*
 * mkhi.c - MKHI calls over a firmware connection: GET_FW_VERSION.
 *
 * Owns: one MKHI transaction on its own connection (the MKHI client is a
 * separate firmware client from AMTHI). Must not: parse bytes itself; the
 * codec in mkhi_codec.c does that.
 */
#include "mkhi.h"

#include <stdlib.h>

int mkhi_get_fw_version(struct heci *h, int timeout_ms, struct mkhi_fw_version *out,
			uint8_t *result)
{
	uint8_t req[MKHI_HDR_LEN];
	size_t len;
	int rc;

	*result = 0;
	rc = heci_connect(h, &HECI_GUID_MKHI);
	if (rc != 0)
		return rc;
	size_t cap = heci_max_msg_len(h);
	uint8_t *buf = malloc(cap);
	if (!buf) {
		rc = HECI_E_NOMEM;
		goto out;
	}
	rc = mkhi_encode_request(req, sizeof(req), MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, &len);
	if (rc == 0)
		rc = heci_write(h, req, len, timeout_ms);
	if (rc == 0)
		rc = heci_read(h, buf, cap, &len, timeout_ms);
	if (rc == 0) {
		const uint8_t *body;
		size_t blen;
		rc = mkhi_decode_response(buf, len, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, result,
					  &body, &blen);
		if (rc == 0 && *result != 0)
			rc = HECI_E_FW_STATUS;
		if (rc == 0)
			rc = mkhi_decode_fw_version(body, blen, out);
	}
out:
	free(buf);
	heci_disconnect(h);
	return rc;
}
