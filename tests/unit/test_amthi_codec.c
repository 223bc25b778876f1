/*
 * test_amthi_codec.c - unit tests for proto/amthi_codec.c.
 *
 * Owns: known-good AMTHI messages written out byte by byte (decode to the
 * expected fields, re-encode byte for byte), then the generic attacks run
 * over every vector: each prefix, each wrong Length, a trailing byte, wrong
 * command/version/reserved. Then per-body caps, the UNVERIFIED variants
 * (ANSI with and without NUL, local account 66/68, hash id 3 as SHA384 and
 * SHA512), encoders' NOSPACE paths and the name functions.
 * Must not: touch a device or depend on the transport. Every decode of a
 * mutated message runs on an exact-size heap copy so ASan sees over-reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "amthi_codec.h"

/* ---- known-good responses ---- */

static const uint8_t uuid_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x5C, 0x00, 0x80, 0x04, 0x14, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
	0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
};
static const uint8_t prov_state_msg[] = { /* POST */
	0x01, 0x01, 0x00, 0x00, 0x11, 0x00, 0x80, 0x04, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};
static const uint8_t control_mode_msg[] = { /* ACM */
	0x01, 0x01, 0x00, 0x00, 0x6B, 0x00, 0x80, 0x04, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};
static const uint8_t ui_ifaces_msg[] = { /* BIOS | OS */
	0x01, 0x01, 0x00, 0x00, 0x4D, 0x00, 0x80, 0x04, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
};
static const uint8_t prov_mode_msg[] = { /* enterprise, legacy = TRUE */
	0x01, 0x01, 0x00, 0x00, 0x08, 0x00, 0x80, 0x04, 0x0C, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};
static const uint8_t code_versions_msg[] = {
	/* header: 1.1, GetCodeVersions|0x800000, Length 205 */
	0x01, 0x01, 0x00, 0x00, 0x1A, 0x00, 0x80, 0x04, 0xCD, 0x00, 0x00, 0x00,
	/* status SUCCESS */
	0x00, 0x00, 0x00, 0x00,
	/* BIOS version "ABCD.86A.0099.2023", 65 bytes NUL-padded */
	0x41, 0x42, 0x43, 0x44, 0x2E, 0x38, 0x36, 0x41, 0x2E, 0x30, 0x30, 0x39,
	0x39, 0x2E, 0x32, 0x30, 0x32, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00,
	/* count = 3 */
	0x03, 0x00, 0x00, 0x00,
	/* {5, "Flash"} */
	0x05, 0x00, 0x46, 0x6C, 0x61, 0x73, 0x68, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* {7, "16.1.35"} */
	0x07, 0x00, 0x31, 0x36, 0x2E, 0x31, 0x2E, 0x33, 0x35, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* {3, "AMT"} */
	0x03, 0x00, 0x41, 0x4D, 0x54, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* {7, "16.1.36"} */
	0x07, 0x00, 0x31, 0x36, 0x2E, 0x31, 0x2E, 0x33, 0x36, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* {12, "Build Number"} */
	0x0C, 0x00, 0x42, 0x75, 0x69, 0x6C, 0x64, 0x20, 0x4E, 0x75, 0x6D, 0x62,
	0x65, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* {4, "2557"} */
	0x04, 0x00, 0x32, 0x35, 0x35, 0x37, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* GetPkiFQDNSuffix "corp.example.com": length 16 (no NUL) and 17 (NUL counted) */
static const uint8_t dns_suffix_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x36, 0x00, 0x80, 0x04, 0x16, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x63, 0x6F, 0x72, 0x70, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65,
	0x2E, 0x63, 0x6F, 0x6D,
};
static const uint8_t dns_suffix_nul_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x36, 0x00, 0x80, 0x04, 0x17, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x11, 0x00,
	0x63, 0x6F, 0x72, 0x70, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65,
	0x2E, 0x63, 0x6F, 0x6D, 0x00,
};
static const uint8_t lan_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x80, 0x04, 0x18, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, /* enabled */
	0x05, 0x01, 0x00, 0x0A, /* 10.0.1.5 */
	0x01, 0x00, 0x00, 0x00, /* DHCP enabled */
	0x02, 0x01,             /* DHCP mode passive, link up */
	0x00, 0x1B, 0x21, 0xAA, 0xBB, 0xCC,
};
/* GetRemoteAccessConnectionStatus: outside, connected, trigger 3,
 * "mps.example.com" with length 15 and 16 (NUL counted) */
static const uint8_t ras_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x46, 0x00, 0x80, 0x04, 0x21, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x0F, 0x00,
	0x6D, 0x70, 0x73, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E,
	0x63, 0x6F, 0x6D,
};
static const uint8_t ras_nul_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x46, 0x00, 0x80, 0x04, 0x22, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x6D, 0x70, 0x73, 0x2E, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x2E,
	0x63, 0x6F, 0x6D, 0x00,
};
static const uint8_t hash_handles_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x2C, 0x00, 0x80, 0x04, 0x14, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x80,
};
static const uint8_t cert_hash_sha256_msg[] = {
	/* header, GetCertHashEntry|0x800000, Length 91 */
	0x01, 0x01, 0x00, 0x00, 0x2D, 0x00, 0x80, 0x04, 0x5B, 0x00, 0x00, 0x00,
	/* status SUCCESS */
	0x00, 0x00, 0x00, 0x00,
	/* IsDefault = 1, IsActive = 1 */
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	/* SHA-256 hash, then 32 zero bytes */
	0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xAB,
	0xAC, 0xAD, 0xAE, 0xAF, 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
	0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* algorithm 2 (sha256), ANSI name length 12, "Test Root CA" */
	0x02, 0x0C, 0x00, 0x54, 0x65, 0x73, 0x74, 0x20, 0x52, 0x6F, 0x6F, 0x74,
	0x20, 0x43, 0x41,
};
#define CERT_HASH_AT (16 + 8)  /* offset of the hash field in the message */
#define CERT_ALG_AT (16 + 72)  /* offset of the algorithm byte */
static const uint8_t local_account_66_msg[] = {
	/* header, GetLocalSystemAccount|0x800000, Length 70 */
	0x01, 0x01, 0x00, 0x00, 0x67, 0x00, 0x80, 0x04, 0x46, 0x00, 0x00, 0x00,
	/* status SUCCESS */
	0x00, 0x00, 0x00, 0x00,
	/* user "$$OsAdmin", 33 bytes */
	0x24, 0x24, 0x4F, 0x73, 0x41, 0x64, 0x6D, 0x69, 0x6E, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* password "Xy7-secret-Pa55word", 33 bytes */
	0x58, 0x79, 0x37, 0x2D, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2D, 0x50,
	0x61, 0x35, 0x35, 0x77, 0x6F, 0x72, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t local_account_68_msg[] = {
	/* header, GetLocalSystemAccount|0x800000, Length 72 */
	0x01, 0x01, 0x00, 0x00, 0x67, 0x00, 0x80, 0x04, 0x48, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x24, 0x24, 0x4F, 0x73, 0x41, 0x64, 0x6D, 0x69, 0x6E, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x58, 0x79, 0x37, 0x2D, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x2D, 0x50,
	0x61, 0x35, 0x35, 0x77, 0x6F, 0x72, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* 2 padding bytes (UNVERIFIED #4) */
	0x00, 0x00,
};
static const uint8_t security_params_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x1B, 0x00, 0x80, 0x04, 0x48, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xEF, 0xBE, 0xAD, 0xDE,
};
/* StartConfiguration refused with INVALID_AMT_MODE (status only). */
static const uint8_t start_config_msg[] = {
	0x01, 0x01, 0x00, 0x00, 0x29, 0x00, 0x80, 0x04, 0x04, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00,
};

/* ---- helpers ---- */

static uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Decode the envelope on an exact-size copy; *copy must be freed. */
static int envelope(const uint8_t *msg, size_t len, uint32_t cmd, uint8_t **copy,
		    const uint8_t **body, size_t *blen)
{
	amt_status_t st;
	*copy = dup_exact(msg, len);
	return amthi_decode_response(*copy, len, cmd, &st, body, blen);
}

/* Wrap a body in a response envelope and compare with the literal message. */
static void assert_reencodes(const uint8_t *msg, size_t len, uint32_t cmd,
			     const uint8_t *body, size_t blen)
{
	uint8_t out[512];
	size_t n = 0;
	uint32_t st = (uint32_t)msg[12] | (uint32_t)msg[13] << 8;
	assert_int_equal(amthi_encode_response(out, sizeof(out), cmd, st, body, blen, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(out, msg, len);
}

/* Every capacity below `need` must give NOSPACE, on an exact-size buffer. */
#define NOSPACE_SWEEP(need, call)                                                        \
	for (size_t sw_cap = 0; sw_cap < (need); sw_cap++) {                             \
		uint8_t *sw_buf = malloc(sw_cap ? sw_cap : 1);                           \
		size_t sw_len = 0;                                                       \
		assert_non_null(sw_buf);                                                 \
		assert_int_equal((call), PROTO_E_NOSPACE);                                \
		free(sw_buf);                                                            \
	}

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

/* ---- per-body fields and caps ---- */

static void test_uuid_and_u32(void **state)
{
	uint8_t u[16], out[32];
	uint32_t v;
	size_t n;

	assert_int_equal(amthi_decode_uuid(uuid_msg + 16, 16, u), 0);
	assert_memory_equal(u, uuid_msg + 16, 16);
	assert_int_equal(amthi_encode_uuid(out, sizeof(out), u, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(out, uuid_msg + 16, 16);
	assert_int_equal(amthi_decode_uuid(uuid_msg + 16, 15, u), PROTO_E_SHORT);
	NOSPACE_SWEEP(16, amthi_encode_uuid(sw_buf, sw_cap, u, &sw_len));

	assert_int_equal(amthi_decode_u32(prov_state_msg + 16, 4, &v), 0);
	assert_int_equal(v, AMT_PROVISIONING_POST);
	assert_int_equal(amthi_decode_u32(control_mode_msg + 16, 4, &v), 0);
	assert_int_equal(v, AMT_CONTROL_ACM);
	assert_int_equal(amthi_decode_u32(ui_ifaces_msg + 16, 4, &v), 0);
	assert_int_equal(v, AMT_UI_IF_BIOS | AMT_UI_IF_OS);
	assert_int_equal(amthi_encode_u32(out, sizeof(out), 2, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, prov_state_msg + 16, 4);
	NOSPACE_SWEEP(4, amthi_encode_u32(sw_buf, sw_cap, 2, &sw_len));
	/* amthi_decode_u32 is generic: any value decodes, names say "unknown" */
	static const uint8_t big[] = {0xFF, 0xFF, 0xFF, 0xFF};
	assert_int_equal(amthi_decode_u32(big, 4, &v), 0);
	assert_int_equal(v, 0xFFFFFFFFu);
}

static void test_provisioning_mode(void **state)
{
	struct amt_provisioning_mode m;
	uint8_t out[8], bad[8];
	size_t n;

	assert_int_equal(amthi_decode_provisioning_mode(prov_mode_msg + 16, 8, &m), 0);
	assert_int_equal(m.mode, 1);
	assert_true(m.legacy);
	assert_int_equal(amthi_encode_provisioning_mode(out, sizeof(out), &m, &n), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(out, prov_mode_msg + 16, 8);
	NOSPACE_SWEEP(8, amthi_encode_provisioning_mode(sw_buf, sw_cap, &m, &sw_len));
	/* AMT_BOOLEAN is 0 or 1 only */
	static const uint32_t not_bool[] = {2, 0x100, 0x01000000u, 0xFFFFFFFFu};
	memcpy(bad, prov_mode_msg + 16, 8);
	for (size_t i = 0; i < 4; i++) {
		put32(bad + 4, not_bool[i]);
		assert_int_equal(amthi_decode_provisioning_mode(bad, 8, &m), PROTO_E_BAD_VALUE);
		assert_int_equal(m.mode, 0); /* zeroed on failure */
	}
}

static void test_code_versions(void **state)
{
	static struct amt_code_versions v;
	const uint8_t *b = code_versions_msg + 16;
	size_t blen = sizeof(code_versions_msg) - 16, n;
	uint8_t out[512];

	assert_int_equal(amthi_decode_code_versions(b, blen, &v), 0);
	assert_string_equal(v.bios, "ABCD.86A.0099.2023");
	assert_int_equal(v.count, 3);
	assert_string_equal(v.entries[0].description, "Flash");
	assert_string_equal(v.entries[0].version, "16.1.35");
	assert_string_equal(amt_code_versions_get(&v, "AMT"), "16.1.36");
	assert_string_equal(amt_code_versions_get(&v, "Build Number"), "2557");
	assert_null(amt_code_versions_get(&v, "LMS"));
	assert_null(amt_code_versions_get(&v, "AM"));
	assert_int_equal(amthi_encode_code_versions(out, sizeof(out), &v, &n), 0);
	assert_int_equal(n, blen);
	assert_memory_equal(out, b, blen);
	NOSPACE_SWEEP(blen, amthi_encode_code_versions(sw_buf, sw_cap, &v, &sw_len));
}

static void test_code_versions_caps(void **state)
{
	static struct amt_code_versions v;
	static uint8_t big[65 + 4 + 52 * 44];
	uint8_t out[16];
	size_t n;

	/* a body of `count` copies of the "AMT"/"16.1.36" entry */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i < 52; i++)
		memcpy(big + 69 + i * 44, code_versions_msg + 16 + 69 + 44, 44);
#define WITH(count, nent) \
	(put32(big + 65, count), amthi_decode_code_versions(big, 69 + (nent) * 44, &v))
	assert_int_equal(WITH(50, 50), 0);
	assert_int_equal(v.count, 50);
	assert_string_equal(v.entries[49].version, "16.1.36");
	assert_string_equal(v.bios, "");
	assert_int_equal(WITH(0, 0), 0);
	assert_int_equal(WITH(51, 51), PROTO_E_TOO_LARGE);
	assert_int_equal(v.count, 0);
	assert_int_equal(WITH(51, 0), PROTO_E_TOO_LARGE);
	assert_int_equal(WITH(0xFFFFFFFFu, 1), PROTO_E_TOO_LARGE);
	assert_int_equal(WITH(0x80000001u, 2), PROTO_E_TOO_LARGE);
	assert_int_equal(WITH(3, 2), PROTO_E_SHORT);
	assert_int_equal(WITH(2, 3), PROTO_E_TRAILING);
	assert_int_equal(WITH(1, 0), PROTO_E_SHORT);
	/* AMT_UNICODE_STRING length is capped at 20; text stops at Length or NUL */
	uint8_t *e = big + 69;
	e[0] = 21;
	assert_int_equal(WITH(1, 1), PROTO_E_TOO_LARGE);
	e[0] = 0xFF;
	e[1] = 0xFF;
	assert_int_equal(WITH(1, 1), PROTO_E_TOO_LARGE);
	e[1] = 0;
	e[0] = 20;
	memset(e + 2, 'x', 20);
	assert_int_equal(WITH(1, 1), 0);
	assert_int_equal(strlen(v.entries[0].description), 20);
	e[0] = 2;
	assert_int_equal(WITH(1, 1), 0);
	assert_string_equal(v.entries[0].description, "xx");
	e[0] = 7;
	e[2 + 3] = 0;
	assert_int_equal(WITH(1, 1), 0);
	assert_string_equal(v.entries[0].description, "xxx");
	/* BIOS field with no NUL at all: 65 characters */
	memset(big, 'B', 65);
	assert_int_equal(WITH(0, 0), 0);
	assert_int_equal(strlen(v.bios), 65);
#undef WITH
	/* the encoder refuses what the decoder would */
	memset(&v, 0, sizeof(v));
	v.count = 51;
	assert_int_equal(amthi_encode_code_versions(out, sizeof(out), &v, &n), PROTO_E_INVALID_ARG);
	v.count = 1;
	memset(v.entries[0].description, 'd', sizeof(v.entries[0].description)); /* no NUL */
	assert_int_equal(amthi_encode_code_versions(big, sizeof(big), &v, &n), PROTO_E_INVALID_ARG);
}

static void test_ansi(void **state)
{
	char s[AMT_MAX_ANSI_LEN + 1];
	uint8_t out[300];
	size_t n;

	/* UNVERIFIED #5: with and without a counted NUL decode the same */
	assert_int_equal(amthi_decode_ansi(dns_suffix_msg + 16, 18, s, sizeof(s)), 0);
	assert_string_equal(s, "corp.example.com");
	assert_int_equal(amthi_decode_ansi(dns_suffix_nul_msg + 16, 19, s, sizeof(s)), 0);
	assert_string_equal(s, "corp.example.com");
	assert_int_equal(amthi_encode_ansi(out, sizeof(out), s, false, &n), 0);
	assert_int_equal(n, 18);
	assert_memory_equal(out, dns_suffix_msg + 16, 18);
	assert_int_equal(amthi_encode_ansi(out, sizeof(out), s, true, &n), 0);
	assert_int_equal(n, 19);
	assert_memory_equal(out, dns_suffix_nul_msg + 16, 19);
	NOSPACE_SWEEP(19, amthi_encode_ansi(sw_buf, sw_cap, s, true, &sw_len));

	static const struct {
		uint8_t b[8];
		size_t n;
		int rc;
		const char *want;
	} cases[] = {
		{{0x00, 0x00}, 2, 0, ""},
		{{0x01, 0x00, 0x00}, 3, 0, ""},
		{{0x04, 0x00, 'a', 'b', 0, 0}, 6, 0, "ab"},
		{{0x04, 0x00, 'a', 0, 'c', 0}, 6, PROTO_E_BAD_VALUE, ""},
		{{0x03, 0x00, 0, 'b', 'c'}, 5, PROTO_E_BAD_VALUE, ""},
		{{0x03, 0x00, 'a', 'b'}, 4, PROTO_E_SHORT, ""},
		{{0xFF, 0xFF, 'a', 'b'}, 4, PROTO_E_TOO_LARGE, ""},
		{{0x00, 0x01, 'a'}, 3, PROTO_E_TOO_LARGE, ""}, /* 256 */
		{{0x02}, 1, PROTO_E_SHORT, ""},
		{{0x01, 0x00, 'a', 'b'}, 4, PROTO_E_TRAILING, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *c = dup_exact(cases[i].b, cases[i].n);
		assert_int_equal(amthi_decode_ansi(c, cases[i].n, s, sizeof(s)), cases[i].rc);
		assert_string_equal(s, cases[i].want);
		free(c);
	}
	/* 0xFFFF with every byte present is still refused before copying */
	uint8_t *huge = calloc(1, 2 + 0xFFFF);
	assert_non_null(huge);
	memset(huge + 2, 'h', 0xFFFF);
	huge[0] = huge[1] = 0xFF;
	assert_int_equal(amthi_decode_ansi(huge, 2 + 0xFFFF, s, sizeof(s)), PROTO_E_TOO_LARGE);
	/* 255 is the largest accepted, and only if the caller has room */
	huge[0] = 0xFF;
	huge[1] = 0;
	assert_int_equal(amthi_decode_ansi(huge, 2 + 255, s, sizeof(s)), 0);
	assert_int_equal(strlen(s), 255);
	assert_int_equal(amthi_decode_ansi(huge, 2 + 255, s, 255), PROTO_E_TOO_LARGE);
	huge[0] = 4;
	assert_int_equal(amthi_decode_ansi(huge, 2 + 4, s, 5), 0);
	assert_int_equal(amthi_decode_ansi(huge, 2 + 4, s, 4), PROTO_E_TOO_LARGE);
	assert_int_equal(amthi_decode_ansi(huge, 2 + 4, s, 0), PROTO_E_INVALID_ARG);
	/* the encoder refuses what the decoder would */
	memset(s, 'e', 255);
	s[255] = '\0';
	assert_int_equal(amthi_encode_ansi(out, sizeof(out), s, false, &n), 0);
	assert_int_equal(n, 257);
	assert_int_equal(amthi_encode_ansi(out, sizeof(out), s, true, &n), PROTO_E_INVALID_ARG);
	memset(huge, 'e', 300);
	huge[300] = 0;
	assert_int_equal(amthi_encode_ansi(out, sizeof(out), (char *)huge, false, &n),
			 PROTO_E_INVALID_ARG);
	free(huge);
}

static void test_lan_settings(void **state)
{
	struct amt_lan_settings s;
	uint8_t out[20], bad[20];
	char ip[16], mac[18];
	size_t n;

	assert_int_equal(amthi_decode_lan_settings(lan_msg + 16, 20, &s), 0);
	assert_true(s.enabled);
	assert_int_equal(s.ipv4, 0x0A000105u);
	assert_true(s.dhcp_enabled);
	assert_int_equal(s.dhcp_ip_mode, 2);
	assert_int_equal(s.link_status, 1);
	amt_ipv4_format(s.ipv4, ip);
	assert_string_equal(ip, "10.0.1.5");
	amt_mac_format(s.mac, mac);
	assert_string_equal(mac, "00:1b:21:aa:bb:cc");
	assert_int_equal(amthi_encode_lan_settings(out, sizeof(out), &s, &n), 0);
	assert_int_equal(n, 20);
	assert_memory_equal(out, lan_msg + 16, 20);
	NOSPACE_SWEEP(20, amthi_encode_lan_settings(sw_buf, sw_cap, &s, &sw_len));
	memcpy(bad, lan_msg + 16, 20);
	put32(bad, 2);
	assert_int_equal(amthi_decode_lan_settings(bad, 20, &s), PROTO_E_BAD_VALUE);
	memcpy(bad, lan_msg + 16, 20);
	put32(bad + 8, 0x100);
	assert_int_equal(amthi_decode_lan_settings(bad, 20, &s), PROTO_E_BAD_VALUE);
	amt_ipv4_format(0xFFFFFFFFu, ip);
	assert_string_equal(ip, "255.255.255.255");
	amt_ipv4_format(0, ip);
	assert_string_equal(ip, "0.0.0.0");
	static const uint8_t m2[6] = {0xFF, 0xEE, 0x0A, 0x01, 0x00, 0x9F};
	amt_mac_format(m2, mac);
	assert_string_equal(mac, "ff:ee:0a:01:00:9f");
}

static void test_remote_access_status(void **state)
{
	static struct amt_remote_access_status s, s2;
	uint8_t out[64];
	size_t n;

	assert_int_equal(amthi_decode_remote_access_status(ras_msg + 16, sizeof(ras_msg) - 16,
							   &s), 0);
	assert_int_equal(amthi_decode_remote_access_status(ras_nul_msg + 16,
							   sizeof(ras_nul_msg) - 16, &s2), 0);
	assert_memory_equal(&s, &s2, sizeof(s));
	assert_int_equal(s.network_status, AMT_NET_OUTSIDE);
	assert_int_equal(s.cira_status, AMT_CIRA_CONNECTED);
	assert_int_equal(s.trigger, 3);
	assert_string_equal(s.mps_hostname, "mps.example.com");
	assert_string_equal(amt_cira_trigger_name(s.trigger, AMT_TRIGGERS_LMS), "periodic");
	assert_string_equal(amt_cira_trigger_name(s.trigger, AMT_TRIGGERS_RPCGO), "provisioning");
	assert_int_equal(amthi_encode_remote_access_status(out, sizeof(out), &s, false, &n), 0);
	assert_int_equal(n, sizeof(ras_msg) - 16);
	assert_memory_equal(out, ras_msg + 16, n);
	assert_int_equal(amthi_encode_remote_access_status(out, sizeof(out), &s, true, &n), 0);
	assert_int_equal(n, sizeof(ras_nul_msg) - 16);
	assert_memory_equal(out, ras_nul_msg + 16, n);
	NOSPACE_SWEEP(sizeof(ras_nul_msg) - 16,
		      amthi_encode_remote_access_status(sw_buf, sw_cap, &s, true, &sw_len));
	uint8_t *c = dup_exact(ras_msg + 16, sizeof(ras_msg) - 16);
	c[12] = c[13] = 0xFF;
	assert_int_equal(amthi_decode_remote_access_status(c, sizeof(ras_msg) - 16, &s),
			 PROTO_E_TOO_LARGE);
	assert_int_equal(s.trigger, 0);
	free(c);
}

static void test_hash_handles(void **state)
{
	static struct amt_hash_handles h;
	static uint8_t big[4 + 66 * 4];
	uint8_t out[16];
	size_t n;

	assert_int_equal(amthi_decode_hash_handles(hash_handles_msg + 16, 16, &h), 0);
	assert_int_equal(h.count, 3);
	assert_int_equal(h.handles[0], 1);
	assert_int_equal(h.handles[1], 2);
	assert_int_equal(h.handles[2], 0x8000001Fu);
	assert_int_equal(amthi_encode_hash_handles(out, sizeof(out), &h, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(out, hash_handles_msg + 16, 16);
	NOSPACE_SWEEP(16, amthi_encode_hash_handles(sw_buf, sw_cap, &h, &sw_len));
	memset(big, 0x11, sizeof(big));
#define WITH(count, nh) (put32(big, count), amthi_decode_hash_handles(big, 4 + (nh) * 4, &h))
	assert_int_equal(WITH(64, 64), 0);
	assert_int_equal(h.handles[63], 0x11111111u);
	assert_int_equal(WITH(0, 0), 0);
	assert_int_equal(WITH(65, 65), PROTO_E_TOO_LARGE);
	assert_int_equal(WITH(0xFFFFFFFFu, 66), PROTO_E_TOO_LARGE);
	assert_int_equal(WITH(0x40000001u, 1), PROTO_E_TOO_LARGE); /* x4 wraps to 4 */
	assert_int_equal(WITH(3, 2), PROTO_E_SHORT);
	assert_int_equal(WITH(2, 3), PROTO_E_TRAILING);
#undef WITH
	put32(big, 0);
	assert_int_equal(amthi_decode_hash_handles(big, 6, &h), PROTO_E_TRAILING);
	h.count = 65;
	assert_int_equal(amthi_encode_hash_handles(big, sizeof(big), &h, &n), PROTO_E_INVALID_ARG);
}

/* Decode a cert hash message variant and re-encode it byte for byte. */
static void cert_variant(const uint8_t *msg, size_t len, int want_rc, size_t want_len,
			 const char *want_name)
{
	static struct amt_cert_hash_entry e;
	uint8_t out[128];
	size_t n;

	assert_int_equal(amthi_decode_cert_hash_entry(msg + 16, len - 16, &e), want_rc);
	if (want_rc)
		return;
	assert_int_equal(e.hash_len, want_len);
	assert_string_equal(amt_hash_algorithm_name(e.algorithm, e.hash_len), want_name);
	assert_int_equal(amthi_encode_cert_hash_entry(out, sizeof(out), &e, false, &n), 0);
	assert_int_equal(n, len - 16);
	assert_memory_equal(out, msg + 16, n);
}

static void test_cert_hash_entry(void **state)
{
	static struct amt_cert_hash_entry e;
	uint8_t m[sizeof(cert_hash_sha256_msg)];
	uint8_t out[128];
	size_t n;

	assert_int_equal(amthi_decode_cert_hash_entry(cert_hash_sha256_msg + 16,
						      sizeof(cert_hash_sha256_msg) - 16, &e), 0);
	assert_true(e.is_default);
	assert_true(e.is_active);
	assert_int_equal(e.algorithm, 2);
	assert_memory_equal(e.hash, cert_hash_sha256_msg + CERT_HASH_AT, 32);
	assert_string_equal(e.name, "Test Root CA");
	cert_variant(cert_hash_sha256_msg, sizeof(m), 0, 32, "sha256");
	/* the name with a counted NUL decodes the same */
	assert_int_equal(amthi_encode_cert_hash_entry(out, sizeof(out), &e, true, &n), 0);
	assert_int_equal(n, sizeof(m) - 16 + 1);
	assert_int_equal(out[73], 13);
	NOSPACE_SWEEP(sizeof(m) - 16,
		      amthi_encode_cert_hash_entry(sw_buf, sw_cap, &e, false, &sw_len));

	/* UNVERIFIED #2: id 3 is SHA384 when bytes 48..63 are zero, SHA512 otherwise */
	memcpy(m, cert_hash_sha256_msg, sizeof(m));
	memset(m + CERT_HASH_AT + 32, 0xC3, 16);
	m[CERT_ALG_AT] = 3;
	cert_variant(m, sizeof(m), 0, 48, "sha384");
	m[CERT_HASH_AT + 63] = 0x01;
	cert_variant(m, sizeof(m), 0, 64, "sha512");
	m[CERT_HASH_AT + 63] = 0x00;
	m[CERT_HASH_AT + 48] = 0x01;
	cert_variant(m, sizeof(m), 0, 64, "sha512");
	memset(m + CERT_HASH_AT + 48, 0x5A, 16);
	m[CERT_ALG_AT] = 5;
	cert_variant(m, sizeof(m), 0, 64, "sha512");
	memcpy(m, cert_hash_sha256_msg, sizeof(m));
	memset(m + CERT_HASH_AT + 16, 0, 48);
	m[CERT_ALG_AT] = 0;
	cert_variant(m, sizeof(m), 0, 16, "md5");
	m[CERT_HASH_AT + 16] = 0xAB;
	m[CERT_ALG_AT] = 1;
	cert_variant(m, sizeof(m), 0, 20, "sha1");
	static const uint8_t bad_alg[] = {4, 6, 0x7F, 0xFF};
	for (size_t i = 0; i < sizeof(bad_alg); i++) {
		m[CERT_ALG_AT] = bad_alg[i];
		cert_variant(m, sizeof(m), PROTO_E_BAD_VALUE, 0, NULL);
	}
	memcpy(m, cert_hash_sha256_msg, sizeof(m));
	put32(m + 16, 2);
	cert_variant(m, sizeof(m), PROTO_E_BAD_VALUE, 0, NULL);
	memcpy(m, cert_hash_sha256_msg, sizeof(m));
	put32(m + 20, 0xFFFFFFFFu);
	cert_variant(m, sizeof(m), PROTO_E_BAD_VALUE, 0, NULL);

	assert_string_equal(amt_hash_algorithm_name(3, 32), "unknown");
	assert_string_equal(amt_hash_algorithm_name(2, 48), "unknown");
	assert_string_equal(amt_hash_algorithm_name(4, 64), "unknown");
	assert_string_equal(amt_hash_algorithm_name(5, 48), "unknown");
	e.hash_len = 65;
	assert_int_equal(amthi_encode_cert_hash_entry(out, sizeof(out), &e, false, &n),
			 PROTO_E_INVALID_ARG);
}

static void test_local_account(void **state)
{
	struct amt_local_account a;
	uint8_t out[80], m[68 + 2];
	size_t n;

	/* UNVERIFIED #4: 66 and 68 bytes decode the same */
	assert_int_equal(amthi_decode_local_account(local_account_66_msg + 16, 66, &a), 0);
	assert_string_equal(a.username, "$$OsAdmin");
	assert_string_equal(a.password, "Xy7-secret-Pa55word");
	assert_int_equal(amthi_encode_local_account(out, sizeof(out), &a, false, &n), 0);
	assert_int_equal(n, 66);
	assert_memory_equal(out, local_account_66_msg + 16, 66);
	memset(&a, 0x55, sizeof(a));
	assert_int_equal(amthi_decode_local_account(local_account_68_msg + 16, 68, &a), 0);
	assert_string_equal(a.username, "$$OsAdmin");
	assert_string_equal(a.password, "Xy7-secret-Pa55word");
	assert_int_equal(amthi_encode_local_account(out, sizeof(out), &a, true, &n), 0);
	assert_int_equal(n, 68);
	assert_memory_equal(out, local_account_68_msg + 16, 68);
	NOSPACE_SWEEP(68, amthi_encode_local_account(sw_buf, sw_cap, &a, true, &sw_len));

	memcpy(m, local_account_68_msg + 16, 68);
	m[67] = 1; /* padding must be zero */
	assert_int_equal(amthi_decode_local_account(m, 68, &a), PROTO_E_BAD_VALUE);
	assert_string_equal(a.password, ""); /* no half-decoded secret left behind */
	m[67] = 0;
	m[68] = m[69] = 0;
	assert_int_equal(amthi_decode_local_account(m, 67, &a), PROTO_E_TRAILING);
	assert_int_equal(amthi_decode_local_account(m, 69, &a), PROTO_E_TRAILING);
	assert_int_equal(amthi_decode_local_account(m, 70, &a), PROTO_E_TRAILING);
	assert_int_equal(amthi_decode_local_account(m, 65, &a), PROTO_E_SHORT);
	memset(m, 'u', 33); /* user field without a NUL */
	assert_int_equal(amthi_decode_local_account(m, 66, &a), PROTO_E_BAD_VALUE);
	m[32] = 0; /* 32 characters + NUL: the longest allowed */
	assert_int_equal(amthi_decode_local_account(m, 66, &a), 0);
	assert_int_equal(strlen(a.username), 32);
	memset(m + 33, 'p', 33);
	assert_int_equal(amthi_decode_local_account(m, 66, &a), PROTO_E_BAD_VALUE);
	/* the encoder needs room for the NUL */
	memset(a.username, 'u', 33);
	a.username[33] = '\0';
	assert_int_equal(amthi_encode_local_account(out, sizeof(out), &a, false, &n),
			 PROTO_E_INVALID_ARG);
}

static void test_security_params(void **state)
{
	struct amt_security_params p;
	uint8_t out[68];
	size_t n;

	assert_int_equal(amthi_decode_security_params(security_params_msg + 16, 68, &p), 0);
	assert_int_equal(p.words[AMT_SEC_ENTERPRISE_MODE], 1);
	assert_int_equal(p.words[AMT_SEC_PROVISIONING_STATE], AMT_PROVISIONING_POST);
	assert_int_equal(p.words[AMT_SEC_SOL_ENABLED], 0);
	assert_int_equal(p.words[AMT_SEC_KVM_ENABLED], 1);
	assert_int_equal(p.words[16], 0xDEADBEEFu);
	assert_int_equal(amthi_encode_security_params(out, sizeof(out), &p, &n), 0);
	assert_int_equal(n, 68);
	assert_memory_equal(out, security_params_msg + 16, 68);
	NOSPACE_SWEEP(68, amthi_encode_security_params(sw_buf, sw_cap, &p, &sw_len));
	assert_int_equal(amthi_decode_security_params(security_params_msg + 16, 64, &p),
			 PROTO_E_SHORT);
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

static void test_null_args(void **state)
{
	uint8_t b[4] = {0};
	size_t n;

	assert_int_equal(amthi_decode_u32(b, 4, NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(amthi_decode_u32(NULL, 4, (uint32_t[1]){0}), PROTO_E_INVALID_ARG);
	assert_int_equal(amthi_decode_u32(NULL, 0, (uint32_t[1]){0}), PROTO_E_SHORT);
	assert_int_equal(amthi_decode_empty(NULL, 0), 0);
	assert_int_equal(amthi_decode_code_versions(b, 4, NULL), PROTO_E_INVALID_ARG);
	assert_int_equal(amthi_encode_u32(NULL, 4, 1, &n), PROTO_E_INVALID_ARG);
	assert_int_equal(amthi_encode_ansi(b, 4, NULL, false, &n), PROTO_E_INVALID_ARG);
	assert_int_equal(amthi_encode_request(b, 4, 0, NULL, 3, &n), PROTO_E_INVALID_ARG);
	assert_null(amt_code_versions_get(NULL, "AMT"));
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
		cmocka_unit_test(test_uuid_and_u32),
		cmocka_unit_test(test_provisioning_mode),
		cmocka_unit_test(test_code_versions),
		cmocka_unit_test(test_code_versions_caps),
		cmocka_unit_test(test_ansi),
		cmocka_unit_test(test_lan_settings),
		cmocka_unit_test(test_remote_access_status),
		cmocka_unit_test(test_hash_handles),
		cmocka_unit_test(test_cert_hash_entry),
		cmocka_unit_test(test_local_account),
		cmocka_unit_test(test_security_params),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_null_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
