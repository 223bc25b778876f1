// SPDX-License-Identifier: Apache-2.0
/*
 * amthi.c - typed AMTHI calls over one firmware connection (see amthi.h).
 *
 * The retry policy lives here and only here: NOT_READY is retried a bounded
 * number of times (firmware right after boot), an ME reset (disconnected) is
 * answered by one reconnect and one resend, everything else is returned at
 * once so failures are fast.
 */
#include "amthi.h"
#include "heci_time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire.h"

int amthi_open(struct amthi *s, struct heci *h, const struct amthi_opts *opts)
{
	memset(s, 0, sizeof(*s));
	s->h = h;
	s->o.write_timeout_ms = 5000;
	s->o.read_timeout_ms = 15000;
	s->o.not_ready_wait_ms = 500;
	s->o.reset_retries = 1;
	if (opts) {
		if (opts->write_timeout_ms)
			s->o.write_timeout_ms = opts->write_timeout_ms;
		if (opts->read_timeout_ms)
			s->o.read_timeout_ms = opts->read_timeout_ms;
		if (opts->not_ready_wait_ms)
			s->o.not_ready_wait_ms = opts->not_ready_wait_ms;
		s->o.not_ready_retries = opts->not_ready_retries;
		s->o.reset_retries = opts->reset_retries;
		s->o.txn_lock = opts->txn_lock;
		s->o.txn_lock_arg = opts->txn_lock_arg;
	}
	int rc = heci_connect(h, &HECI_GUID_AMTHI);
	if (rc != 0)
		return rc;
	s->cap = heci_max_msg_len(h);
	s->buf = malloc(s->cap);
	if (!s->buf) {
		heci_disconnect(h);
		return HECI_E_NOMEM;
	}
	return 0;
}

void amthi_close(struct amthi *s)
{
	if (!s)
		return;
	if (s->h)
		heci_disconnect(s->h);
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

/* One write + one read, no retries. */
static int transact_once(struct amthi *s, uint32_t cmd, const uint8_t *body, size_t blen,
			 const uint8_t **resp, size_t *rlen)
{
	size_t len;
	int rc = amthi_encode_request(s->buf, s->cap, cmd, body, blen, &len);
	if (rc != 0)
		return rc == HECI_E_NOSPACE ? HECI_E_TOO_BIG : rc;
	rc = heci_write(s->h, s->buf, len, s->o.write_timeout_ms);
	if (rc != 0)
		return rc;
	rc = heci_read(s->h, s->buf, s->cap, &len, s->o.read_timeout_ms);
	if (rc != 0)
		return rc;
	rc = amthi_decode_response(s->buf, len, cmd, &s->last_status, resp, rlen);
	if (rc != 0)
		return rc;
	s->transactions++;
	return s->last_status == AMT_STATUS_SUCCESS ? 0 : HECI_E_FW_STATUS;
}

int amthi_call(struct amthi *s, uint32_t cmd, const uint8_t *body, size_t blen,
	       const uint8_t **resp, size_t *rlen)
{
	unsigned resets = 0, not_ready = 0;
	int rc;

	if (!s || !s->buf)
		return HECI_E_NOT_CONNECTED;
	s->last_cmd = cmd;
	s->last_status = AMT_STATUS_SUCCESS;
	for (;;) {
		if (s->o.txn_lock)
			s->o.txn_lock(s->o.txn_lock_arg, true);
		rc = transact_once(s, cmd, body, blen, resp, rlen);
		if (s->o.txn_lock)
			s->o.txn_lock(s->o.txn_lock_arg, false);
		if (rc == HECI_E_DISCONNECTED && resets < s->o.reset_retries) {
			resets++;
			s->resets_seen++;
			heci_sleep_ms(50); /* let the ME come back, as rpc-go does */
			int rc2 = heci_reconnect(s->h);
			if (rc2 != 0)
				return rc2 == HECI_E_NOT_READY ? HECI_E_DISCONNECTED : rc2;
			continue;
		}
		if (rc == HECI_E_FW_STATUS && s->last_status == AMT_STATUS_NOT_READY &&
		    not_ready < s->o.not_ready_retries) {
			not_ready++;
			heci_sleep_ms(s->o.not_ready_wait_ms);
			continue;
		}
		return rc;
	}
}

/* Call with no request body and decode the response with `dec`. */
#define CALL_EMPTY(s, cmd, resp, rlen) amthi_call((s), (cmd), NULL, 0, (resp), (rlen))

int amthi_get_code_versions(struct amthi *s, struct amt_code_versions *out)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_CODE_VERSIONS, &b, &n);
	return rc ? rc : amthi_decode_code_versions(b, n, out);
}

static int get_u32(struct amthi *s, uint32_t cmd, uint32_t *v)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, cmd, &b, &n);
	return rc ? rc : amthi_decode_u32(b, n, v);
}

int amthi_get_provisioning_state(struct amthi *s, uint32_t *state)
{
	return get_u32(s, AMTHI_GET_PROVISIONING_STATE, state);
}

int amthi_get_provisioning_mode(struct amthi *s, struct amt_provisioning_mode *out)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_PROVISIONING_MODE, &b, &n);
	return rc ? rc : amthi_decode_provisioning_mode(b, n, out);
}

int amthi_get_control_mode(struct amthi *s, uint32_t *mode)
{
	return get_u32(s, AMTHI_GET_CONTROL_MODE, mode);
}

int amthi_get_uuid(struct amthi *s, uint8_t uuid[16])
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_UUID, &b, &n);
	return rc ? rc : amthi_decode_uuid(b, n, uuid);
}

int amthi_get_dns_suffix(struct amthi *s, char *out, size_t cap)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_PKI_FQDN_SUFFIX, &b, &n);
	return rc ? rc : amthi_decode_ansi(b, n, out, cap);
}

int amthi_get_lan_settings(struct amthi *s, uint32_t index, struct amt_lan_settings *out)
{
	uint8_t req[4];
	struct wire_wr w;
	const uint8_t *b;
	size_t n;

	wire_wr_init(&w, req, sizeof(req));
	wire_put_u32le(&w, index);
	int rc = amthi_call(s, AMTHI_GET_LAN_INTERFACE_SETTINGS, req, w.len, &b, &n);
	return rc ? rc : amthi_decode_lan_settings(b, n, out);
}

int amthi_get_remote_access_status(struct amthi *s, struct amt_remote_access_status *out)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, &b, &n);
	return rc ? rc : amthi_decode_remote_access_status(b, n, out);
}

int amthi_enumerate_hash_handles(struct amthi *s, struct amt_hash_handles *out)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_ENUMERATE_HASH_HANDLES, &b, &n);
	return rc ? rc : amthi_decode_hash_handles(b, n, out);
}

int amthi_get_cert_hash_entry(struct amthi *s, uint32_t handle, struct amt_cert_hash_entry *out)
{
	uint8_t req[4];
	struct wire_wr w;
	const uint8_t *b;
	size_t n;

	wire_wr_init(&w, req, sizeof(req));
	wire_put_u32le(&w, handle);
	int rc = amthi_call(s, AMTHI_GET_CERT_HASH_ENTRY, req, w.len, &b, &n);
	return rc ? rc : amthi_decode_cert_hash_entry(b, n, out);
}

int amthi_get_local_system_account(struct amthi *s, struct amt_local_account *out)
{
	static const uint8_t reserved[AMT_LOCAL_ACCOUNT_REQ_LEN];
	const uint8_t *b;
	size_t n;
	int rc = amthi_call(s, AMTHI_GET_LOCAL_SYSTEM_ACCOUNT, reserved, sizeof(reserved), &b, &n);
	return rc ? rc : amthi_decode_local_account(b, n, out);
}

int amthi_get_user_initiated_interfaces(struct amthi *s, uint32_t *bits)
{
	return get_u32(s, AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES, bits);
}

int amthi_get_security_parameters(struct amthi *s, struct amt_security_params *out)
{
	const uint8_t *b;
	size_t n;
	int rc = CALL_EMPTY(s, AMTHI_GET_SECURITY_PARAMETERS, &b, &n);
	return rc ? rc : amthi_decode_security_params(b, n, out);
}

static int call_no_body(struct amthi *s, uint32_t cmd, const uint8_t *req, size_t rlen)
{
	const uint8_t *b;
	size_t n;
	int rc = amthi_call(s, cmd, req, rlen, &b, &n);
	return rc ? rc : amthi_decode_empty(b, n);
}

int amthi_start_configuration(struct amthi *s)
{
	return call_no_body(s, AMTHI_START_CONFIGURATION, NULL, 0);
}

int amthi_start_configuration_ex(struct amthi *s, bool ipv6)
{
	uint8_t req[4];
	struct wire_wr w;
	wire_wr_init(&w, req, sizeof(req));
	wire_put_u32le(&w, ipv6 ? 1 : 0);
	return call_no_body(s, AMTHI_START_CONFIGURATION_EX, req, w.len);
}

int amthi_stop_configuration(struct amthi *s)
{
	return call_no_body(s, AMTHI_STOP_CONFIGURATION, NULL, 0);
}

int amthi_open_user_initiated_connection(struct amthi *s)
{
	return call_no_body(s, AMTHI_OPEN_USER_INITIATED_CONNECTION, NULL, 0);
}

int amthi_close_user_initiated_connection(struct amthi *s)
{
	return call_no_body(s, AMTHI_CLOSE_USER_INITIATED_CONNECTION, NULL, 0);
}
