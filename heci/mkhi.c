// SPDX-License-Identifier: Apache-2.0
/*
 * mkhi.c - MKHI calls over a firmware connection: GET_FW_VERSION and FWCAPS
 * GetRule.
 *
 * Owns: the MKHI connection (the MKHI client is a separate firmware client
 * from AMTHI): connect, then per question write the request, read one reply
 * sized by the client's MTU and check its header; disconnect. Must not:
 * parse bytes itself; the codec in mkhi_codec.c does that.
 */
#include "mkhi.h"

#include <stdlib.h>
#include <string.h>

int mkhi_open(struct mkhi_session *s, struct heci *h, int timeout_ms)
{
	memset(s, 0, sizeof(*s));
	s->timeout_ms = timeout_ms;
	int rc = heci_connect(h, &HECI_GUID_MKHI);
	if (rc != 0) {
		heci_disconnect(h);
		return rc;
	}
	s->h = h;
	s->cap = heci_max_msg_len(h);
	if (s->cap == 0)
		s->cap = 1;
	s->buf = malloc(s->cap);
	if (!s->buf) {
		mkhi_close(s);
		return HECI_E_NOMEM;
	}
	return 0;
}

void mkhi_close(struct mkhi_session *s)
{
	if (!s)
		return;
	if (s->h)
		heci_disconnect(s->h);
	s->h = NULL;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

/* One request/reply on the open connection. On success *body points into
 * s->buf (valid until the next question) and *result holds the MKHI result
 * byte. */
static int transact(struct mkhi_session *s, const uint8_t *req, size_t req_len, uint8_t group,
		    uint8_t command, const uint8_t **body, size_t *blen, uint8_t *result)
{
	size_t len;

	*result = 0;
	if (!s->h)
		return HECI_E_NOT_CONNECTED;
	int rc = heci_write(s->h, req, req_len, s->timeout_ms);
	if (rc == 0)
		rc = heci_read(s->h, s->buf, s->cap, &len, s->timeout_ms);
	if (rc == 0) {
		s->transactions++;
		rc = mkhi_decode_response(s->buf, len, group, command, result, body, blen);
	}
	if (rc == 0 && *result != 0)
		rc = HECI_E_FW_STATUS;
	return rc;
}

int mkhi_ask_fw_version(struct mkhi_session *s, struct mkhi_fw_version *out, uint8_t *result)
{
	uint8_t req[MKHI_HDR_LEN];
	const uint8_t *body;
	size_t len, blen;

	*result = 0;
	int rc = mkhi_encode_request(req, sizeof(req), MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION,
				     &len);
	if (rc == 0)
		rc = transact(s, req, len, MKHI_GROUP_GEN, MKHI_CMD_GET_FW_VERSION, &body, &blen,
			      result);
	if (rc == 0)
		rc = mkhi_decode_fw_version(body, blen, out);
	return rc;
}

int mkhi_ask_rule_u32(struct mkhi_session *s, uint32_t rule_id, uint32_t *value,
		      uint8_t *result)
{
	uint8_t req[MKHI_HDR_LEN + MKHI_RULE_BODY_LEN];
	const uint8_t *body;
	size_t len, blen;

	*result = 0;
	int rc = mkhi_encode_get_rule(req, sizeof(req), rule_id, &len);
	if (rc == 0)
		rc = transact(s, req, len, MKHI_GROUP_FWCAPS, MKHI_CMD_FWCAPS_GET_RULE, &body,
			      &blen, result);
	if (rc == 0)
		rc = mkhi_decode_rule_u32(body, blen, rule_id, value);
	return rc;
}

int mkhi_get_fw_version(struct heci *h, int timeout_ms, struct mkhi_fw_version *out,
			uint8_t *result)
{
	struct mkhi_session s;
	*result = 0;
	int rc = mkhi_open(&s, h, timeout_ms);
	if (rc == 0)
		rc = mkhi_ask_fw_version(&s, out, result);
	mkhi_close(&s);
	return rc;
}

int mkhi_get_rule_u32(struct heci *h, int timeout_ms, uint32_t rule_id, uint32_t *value,
		      uint8_t *result)
{
	struct mkhi_session s;
	*result = 0;
	int rc = mkhi_open(&s, h, timeout_ms);
	if (rc == 0)
		rc = mkhi_ask_rule_u32(&s, rule_id, value, result);
	mkhi_close(&s);
	return rc;
}
