// SPDX-License-Identifier: Apache-2.0
/*
 * test_amthi_body.c - unit tests for the AMTHI body codecs
 * (proto/amthi_codec.c).
 *
 * Owns: per-body fields and caps, the UNVERIFIED variants (ANSI with and
 * without NUL, local account 66/68, hash id 3 as SHA384 and SHA512), the
 * encoders' NOSPACE paths and NULL arguments. The envelope and the generic
 * sweeps over every vector are in test_amthi_codec.c.
 * Must not: touch a device or depend on the transport. Every decode of a
 * mutated message runs on an exact-size heap copy so ASan sees over-reads.
 */
#include "amthi_test.h"

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
		cmocka_unit_test(test_null_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
