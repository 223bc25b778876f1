// SPDX-License-Identifier: Apache-2.0
/*
 * test_amthi_codec.c - unit tests for the AMTHI envelope and names
 * (proto/amthi_envelope.c, proto/amthi_names.c) over every known-good
 * message of amthi_test.h.
 *
 * Owns: each vector decodes to its body and re-encodes byte for byte, then
 * the generic attacks run over every vector: each prefix, each wrong
 * Length, a trailing byte, wrong command/version/reserved; requests as the
 * simulator parses them; the name functions. Per-body fields, caps and the
 * UNVERIFIED variants are in test_amthi_body.c.
 * Must not: touch a device or depend on the transport. Every decode of a
 * mutated message runs on an exact-size heap copy so ASan sees over-reads.
 */
#include "amthi_test.h"

/* Body decoders behind one signature, for the generic sweeps. */
typedef int (*body_fn)(const uint8_t *b, size_t n);
static int dec_u32(const uint8_t *b, size_t n) { uint32_t v; return amthi_decode_u32(b, n, &v); }
static int dec_uuid(const uint8_t *b, size_t n)
{
	uint8_t u[16];
	return amthi_decode_uuid(b, n, u);
}
static int dec_empty(const uint8_t *b, size_t n) { return amthi_decode_empty(b, n); }
#define DEC(fn, type)                                                                     \
	static int dec_##fn(const uint8_t *b, size_t n)                                   \
	{                                                                                 \
		static type v;                                                            \
		return amthi_decode_##fn(b, n, &v);                                       \
	}
DEC(provisioning_mode, struct amt_provisioning_mode)
DEC(code_versions, struct amt_code_versions)
DEC(lan_settings, struct amt_lan_settings)
DEC(remote_access_status, struct amt_remote_access_status)
DEC(hash_handles, struct amt_hash_handles)
DEC(cert_hash_entry, struct amt_cert_hash_entry)
DEC(local_account, struct amt_local_account)
DEC(security_params, struct amt_security_params)
static int dec_ansi(const uint8_t *b, size_t n)
{
	char s[AMT_MAX_ANSI_LEN + 1];
	return amthi_decode_ansi(b, n, s, sizeof(s));
}

struct vec {
	const char *name;
	uint32_t cmd;
	const uint8_t *msg;
	size_t len;
	body_fn dec;
	size_t also_valid; /* a shorter body length that is valid too, else 0 */
};
#define V(m, c, d, a) {#m, c, m, sizeof(m), d, a}
static const struct vec vecs[] = {
	V(uuid_msg, AMTHI_GET_UUID, dec_uuid, 0),
	V(prov_state_msg, AMTHI_GET_PROVISIONING_STATE, dec_u32, 0),
	V(control_mode_msg, AMTHI_GET_CONTROL_MODE, dec_u32, 0),
	V(ui_ifaces_msg, AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES, dec_u32, 0),
	V(prov_mode_msg, AMTHI_GET_PROVISIONING_MODE, dec_provisioning_mode, 0),
	V(code_versions_msg, AMTHI_GET_CODE_VERSIONS, dec_code_versions, 0),
	V(dns_suffix_msg, AMTHI_GET_PKI_FQDN_SUFFIX, dec_ansi, 0),
	V(dns_suffix_nul_msg, AMTHI_GET_PKI_FQDN_SUFFIX, dec_ansi, 0),
	V(lan_msg, AMTHI_GET_LAN_INTERFACE_SETTINGS, dec_lan_settings, 0),
	V(ras_msg, AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, dec_remote_access_status, 0),
	V(ras_nul_msg, AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, dec_remote_access_status, 0),
	V(hash_handles_msg, AMTHI_ENUMERATE_HASH_HANDLES, dec_hash_handles, 0),
	V(cert_hash_sha256_msg, AMTHI_GET_CERT_HASH_ENTRY, dec_cert_hash_entry, 0),
	V(local_account_66_msg, AMTHI_GET_LOCAL_SYSTEM_ACCOUNT, dec_local_account, 0),
	V(local_account_68_msg, AMTHI_GET_LOCAL_SYSTEM_ACCOUNT, dec_local_account, 66),
	V(security_params_msg, AMTHI_GET_SECURITY_PARAMETERS, dec_security_params, 0),
	V(start_config_msg, AMTHI_START_CONFIGURATION, dec_empty, 0),
};
#define NVECS (sizeof(vecs) / sizeof(vecs[0]))

/* ---- generic attacks over every vector ---- */

static void test_vectors_decode(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *c;
		const uint8_t *body;
		size_t blen;
		print_message("%s\n", v->name);
		assert_int_equal(envelope(v->msg, v->len, v->cmd, &c, &body, &blen), 0);
		assert_ptr_equal(body, c + 16);
		assert_int_equal(blen, v->len - 16);
		assert_int_equal(v->dec(body, blen), 0);
		assert_reencodes(v->msg, v->len, v->cmd, body, blen);
		free(c);
	}
}

static void test_truncation_sweep(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		/* the raw prefix: the envelope must refuse it */
		for (size_t k = 0; k < v->len; k++) {
			uint8_t *c;
			const uint8_t *body;
			size_t blen;
			int rc = envelope(v->msg, k, v->cmd, &c, &body, &blen);
			assert_int_equal(rc, k == 0 ? PROTO_E_EMPTY
					 : k < 16 ? PROTO_E_SHORT : PROTO_E_LENGTH_MISMATCH);
			free(c);
		}
		/* the body prefix with a matching Length: the body decoder must refuse it */
		for (size_t bl = 0; bl < v->len - 16; bl++) {
			if (v->also_valid && bl == v->also_valid)
				continue;
			uint8_t *b = dup_exact(v->msg + 16, bl);
			assert_true(v->dec(b, bl) < 0);
			free(b);
		}
	}
}

static void test_wrong_length_field(void **state)
{
	static const uint32_t big[] = {0x7FFFFFFFu, 0x80000000u, 0xFFFFFFF3u, 0xFFFFFFF4u,
				       0xFFFFFFF5u, 0xFFFFFFFFu, 0x10000u, 0x1000u};
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *c = dup_exact(v->msg, v->len);
		amt_status_t st;
		const uint8_t *body;
		size_t blen;
		for (uint32_t L = 0; L < v->len + 64 + sizeof(big) / sizeof(big[0]); L++) {
			uint32_t val = L < v->len + 64 ? L : big[L - v->len - 64];
			if (val == v->len - 12)
				continue;
			put32(c + 8, val);
			assert_int_equal(amthi_decode_response(c, v->len, v->cmd, &st, &body,
							       &blen), PROTO_E_LENGTH_MISMATCH);
		}
		free(c);
	}
}

static void test_trailing_byte(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *c = malloc(v->len + 1);
		amt_status_t st;
		const uint8_t *body;
		size_t blen;
		assert_non_null(c);
		memcpy(c, v->msg, v->len);
		c[v->len] = 0;
		assert_int_equal(amthi_decode_response(c, v->len + 1, v->cmd, &st, &body, &blen),
				 PROTO_E_LENGTH_MISMATCH);
		/* Length agrees: the body has one byte too many */
		put32(c + 8, (uint32_t)(v->len + 1 - 12));
		assert_int_equal(amthi_decode_response(c, v->len + 1, v->cmd, &st, &body, &blen),
				 0);
		assert_int_equal(v->dec(body, blen), PROTO_E_TRAILING);
		free(c);
	}
}

static void test_wrong_command_version_reserved(void **state)
{
	for (size_t i = 0; i < NVECS; i++) {
		const struct vec *v = &vecs[i];
		uint8_t *c = dup_exact(v->msg, v->len);
		amt_status_t st;
		const uint8_t *body;
		size_t blen;
#define DECODE(cmd) amthi_decode_response(c, v->len, cmd, &st, &body, &blen)
		/* asked for something else, or the reply lacks the response bit */
		assert_int_equal(DECODE(v->cmd ^ 1u), PROTO_E_BAD_COMMAND);
		assert_int_equal(DECODE(v->cmd | AMTHI_RESPONSE_BIT), 0); /* idempotent */
		put32(c + 4, v->cmd);
		assert_int_equal(DECODE(v->cmd), PROTO_E_BAD_COMMAND);
		put32(c + 4, v->cmd | 0x00800000u | 0x01000000u);
		assert_int_equal(DECODE(v->cmd), PROTO_E_BAD_COMMAND);
		memcpy(c, v->msg, v->len);
		/* version: major must be 1, minor at least 1 */
		static const uint8_t bad_ver[][2] = {{0, 1}, {2, 1}, {0xFF, 1}, {1, 0}, {0, 0}};
		for (size_t k = 0; k < sizeof(bad_ver) / sizeof(bad_ver[0]); k++) {
			c[0] = bad_ver[k][0];
			c[1] = bad_ver[k][1];
			assert_int_equal(DECODE(v->cmd), PROTO_E_BAD_VERSION);
		}
		c[0] = 1;
		c[1] = 2;
		assert_int_equal(DECODE(v->cmd), 0);
		c[1] = 0xFF;
		assert_int_equal(DECODE(v->cmd), 0);
		c[1] = 1;
		/* reserved */
		static const uint8_t bad_res[][2] = {{1, 0}, {0, 1}, {0xFF, 0xFF}};
		for (size_t k = 0; k < sizeof(bad_res) / sizeof(bad_res[0]); k++) {
			c[2] = bad_res[k][0];
			c[3] = bad_res[k][1];
			assert_int_equal(DECODE(v->cmd), PROTO_E_BAD_RESERVED);
		}
#undef DECODE
		free(c);
	}
}

static void test_envelope_misc(void **state)
{
	amt_status_t st = 0xFFFF;
	const uint8_t *body;
	size_t blen;
	uint8_t *c;

	/* a header-only reply (Length 0, no status) is too short */
	static const uint8_t hdr_only[] = {0x01, 0x01, 0x00, 0x00, 0x29, 0x00, 0x80, 0x04,
					   0x00, 0x00, 0x00, 0x00};
	assert_int_equal(envelope(hdr_only, sizeof(hdr_only), AMTHI_START_CONFIGURATION, &c,
				  &body, &blen), PROTO_E_SHORT);
	free(c);
	assert_int_equal(amthi_decode_response(NULL, 0, AMTHI_GET_UUID, &st, &body, &blen),
			 PROTO_E_EMPTY);
	assert_int_equal(amthi_decode_response(NULL, 4, AMTHI_GET_UUID, &st, &body, &blen),
			 PROTO_E_INVALID_ARG);
	/* a refusal is not an error for the envelope */
	c = dup_exact(start_config_msg, sizeof(start_config_msg));
	assert_int_equal(amthi_decode_response(c, sizeof(start_config_msg),
					       AMTHI_START_CONFIGURATION, &st, &body, &blen), 0);
	assert_int_equal(st, AMT_STATUS_INVALID_AMT_MODE);
	assert_int_equal(blen, 0);
	assert_int_equal(amthi_decode_empty(body, blen), 0);
	free(c);
	/* encoder: every short buffer refused */
	NOSPACE_SWEEP(sizeof(uuid_msg),
		      amthi_encode_response(sw_buf, sw_cap, AMTHI_GET_UUID, 0, uuid_msg + 16, 16,
					    &sw_len));
	assert_int_equal(amthi_encode_response(NULL, 64, AMTHI_GET_UUID, 0, NULL, 0, &blen),
			 PROTO_E_INVALID_ARG);
}

/* ---- requests (simulator side) ---- */

static void test_requests(void **state)
{
	static const uint8_t code_versions_req[] = {0x01, 0x01, 0x00, 0x00, 0x1A, 0x00,
						    0x00, 0x04, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t lan_req[] = {0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x00, 0x04,
					  0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	uint8_t account_req[12 + 40] = {0x01, 0x01, 0x00, 0x00, 0x67, 0x00, 0x00, 0x04, 0x28};
	uint8_t buf[64], zeros[40] = {0}, idx[4] = {1, 0, 0, 0};
	size_t n;
	uint32_t cmd;
	const uint8_t *body;
	size_t blen;

	assert_int_equal(amthi_encode_request(buf, sizeof(buf), AMTHI_GET_CODE_VERSIONS, NULL, 0,
					      &n), 0);
	assert_int_equal(n, sizeof(code_versions_req));
	assert_memory_equal(buf, code_versions_req, n);
	assert_int_equal(amthi_encode_request(buf, sizeof(buf), AMTHI_GET_LAN_INTERFACE_SETTINGS,
					      idx, 4, &n), 0);
	assert_int_equal(n, sizeof(lan_req));
	assert_memory_equal(buf, lan_req, n);
	assert_int_equal(amthi_encode_request(buf, sizeof(buf), AMTHI_GET_LOCAL_SYSTEM_ACCOUNT,
					      zeros, AMT_LOCAL_ACCOUNT_REQ_LEN, &n), 0);
	assert_int_equal(n, sizeof(account_req));
	assert_memory_equal(buf, account_req, n);
	NOSPACE_SWEEP(sizeof(lan_req), amthi_encode_request(sw_buf, sw_cap,
				AMTHI_GET_LAN_INTERFACE_SETTINGS, idx, 4, &sw_len));

	uint8_t *c = dup_exact(lan_req, sizeof(lan_req));
	assert_int_equal(amthi_decode_request(c, sizeof(lan_req), &cmd, &body, &blen), 0);
	assert_int_equal(cmd, AMTHI_GET_LAN_INTERFACE_SETTINGS);
	assert_int_equal(blen, 4);
	assert_ptr_equal(body, c + 12);
	free(c);
	c = dup_exact(code_versions_req, sizeof(code_versions_req));
	assert_int_equal(amthi_decode_request(c, sizeof(code_versions_req), &cmd, &body, &blen), 0);
	assert_int_equal(blen, 0);
	free(c);
	for (size_t k = 0; k < sizeof(lan_req); k++) {
		c = dup_exact(lan_req, k);
		assert_int_equal(amthi_decode_request(c, k, &cmd, &body, &blen),
				 k < 12 ? PROTO_E_SHORT : PROTO_E_LENGTH_MISMATCH);
		free(c);
	}
	c = dup_exact(lan_req, sizeof(lan_req));
	for (uint32_t L = 0; L < 100; L++) {
		put32(c + 8, L == 4 ? 0xFFFFFFF8u : L); /* 0xFFFFFFF8 + 12 wraps to 4 */
		assert_int_equal(amthi_decode_request(c, sizeof(lan_req), &cmd, &body, &blen),
				 PROTO_E_LENGTH_MISMATCH);
	}
#define DECODE_REQ() amthi_decode_request(c, sizeof(lan_req), &cmd, &body, &blen)
	put32(c + 8, 4);
	c[0] = 2;
	assert_int_equal(DECODE_REQ(), PROTO_E_BAD_VERSION);
	c[0] = 1;
	c[1] = 0;
	assert_int_equal(DECODE_REQ(), PROTO_E_BAD_VERSION);
	c[1] = 1;
	c[3] = 0x80;
	assert_int_equal(DECODE_REQ(), PROTO_E_BAD_RESERVED);
	c[3] = 0;
	assert_int_equal(DECODE_REQ(), 0);
#undef DECODE_REQ
	free(c);
}

static void test_names(void **state)
{
	static const struct {
		uint32_t cmd;
		const char *name;
	} cmds[] = {
		{AMTHI_GET_PROVISIONING_MODE, "GetProvisioningMode"},
		{AMTHI_GET_PROVISIONING_STATE, "GetProvisioningState"},
		{AMTHI_GET_CODE_VERSIONS, "GetCodeVersions"},
		{AMTHI_GET_SECURITY_PARAMETERS, "GetSecurityParameters"},
		{AMTHI_START_CONFIGURATION, "StartConfiguration"},
		{AMTHI_ENUMERATE_HASH_HANDLES, "EnumerateHashHandles"},
		{AMTHI_GET_CERT_HASH_ENTRY, "GetCertHashEntry"},
		{AMTHI_GET_PKI_FQDN_SUFFIX, "GetPkiFQDNSuffix"},
		{AMTHI_OPEN_USER_INITIATED_CONNECTION, "OpenUserInitiatedConnection"},
		{AMTHI_CLOSE_USER_INITIATED_CONNECTION, "CloseUserInitiatedConnection"},
		{AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, "GetRemoteAccessConnectionStatus"},
		{AMTHI_GET_LAN_INTERFACE_SETTINGS, "GetLanInterfaceSettings"},
		{AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES, "GetUserInitiatedEnabledInterfaces"},
		{AMTHI_GET_UUID, "GetUUID"},
		{AMTHI_STOP_CONFIGURATION, "StopConfiguration"},
		{AMTHI_START_CONFIGURATION_EX, "StartConfigurationEx"},
		{AMTHI_GET_LOCAL_SYSTEM_ACCOUNT, "GetLocalSystemAccount"},
		{AMTHI_GET_CONTROL_MODE, "GetControlMode"},
		{0, "Unknown"},
		{0x0480001Au, "Unknown"},
		{0xFFFFFFFFu, "Unknown"},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_string_equal(amthi_cmd_name(cmds[i].cmd), cmds[i].name);

	assert_string_equal(amt_provisioning_state_name(0), "pre");
	assert_string_equal(amt_provisioning_state_name(1), "in");
	assert_string_equal(amt_provisioning_state_name(2), "post");
	assert_string_equal(amt_provisioning_state_name(3), "unknown");
	assert_string_equal(amt_provisioning_state_name(0xFFFFFFFFu), "unknown");
	assert_string_equal(amt_control_mode_name(0), "none");
	assert_string_equal(amt_control_mode_name(1), "ccm");
	assert_string_equal(amt_control_mode_name(2), "acm");
	assert_string_equal(amt_control_mode_name(3), "remote_assistance");
	assert_string_equal(amt_control_mode_name(4), "unknown");
	assert_string_equal(amt_cira_status_name(0), "not_connected");
	assert_string_equal(amt_cira_status_name(1), "connecting");
	assert_string_equal(amt_cira_status_name(2), "connected");
	assert_string_equal(amt_cira_status_name(3), "unknown");
	assert_string_equal(amt_network_status_name(0), "inside_enterprise");
	assert_string_equal(amt_network_status_name(1), "vpn");
	assert_string_equal(amt_network_status_name(2), "outside_enterprise");
	assert_string_equal(amt_network_status_name(3), "unknown");
	assert_string_equal(amt_network_status_name(0x80000000u), "unknown");
	static const char *const lms[] = {"user_initiated", "alert", "provisioning", "periodic",
					  "unknown"};
	static const char *const rpcgo[] = {"user_initiated", "alert", "periodic", "provisioning",
					    "unknown"};
	for (uint32_t t = 0; t < 5; t++) {
		assert_string_equal(amt_cira_trigger_name(t, AMT_TRIGGERS_LMS), lms[t]);
		assert_string_equal(amt_cira_trigger_name(t, AMT_TRIGGERS_RPCGO), rpcgo[t]);
	}
	assert_string_equal(amt_cira_trigger_name(0xFFFFFFFFu, AMT_TRIGGERS_LMS), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_decode),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_wrong_length_field),
		cmocka_unit_test(test_trailing_byte),
		cmocka_unit_test(test_wrong_command_version_reserved),
		cmocka_unit_test(test_envelope_misc),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
