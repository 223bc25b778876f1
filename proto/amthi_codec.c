// SPDX-License-Identifier: Apache-2.0
/*
 * amthi_codec.c - AMTHI (PTHI) message bodies, both directions (see amthi_codec.h).
 *
 * Owns: every body layout of protocol-facts.md section 3 (what follows the
 * status word) and the field helpers they share (AMT_BOOLEAN,
 * AMT_ANSI_STRING, fixed text fields), parsed only through the wire_*
 * cursors (never a struct cast over a buffer). The 12-byte envelope is in
 * amthi_envelope.c, names and text formats in amthi_names.c. Each decoder
 * checks the body size, caps every firmware-supplied count or length before
 * it loops or copies, and finishes with wire_end() so trailing bytes are an
 * error. Decoders zero
 * their output first and again on failure, so a caller never sees half a
 * message (or half a password).
 * Encoders return PROTO_E_INVALID_ARG for values the wire cannot carry or the
 * decoder would reject, and PROTO_E_NOSPACE when the buffer is too small.
 * Must not: do I/O, allocate, keep state, or judge a firmware status.
 */
#include "amthi_codec.h"

#include <string.h>

#include "wire.h"

/* ---- shared field helpers ---- */

/* AMT_BOOLEAN: a u32 that must be 0 or 1. */
static int get_bool(struct wire_rd *r, bool *out)
{
	uint32_t v;
	int rc = wire_get_u32le(r, &v);
	if (rc == 0 && v > 1)
		rc = PROTO_E_BAD_VALUE;
	if (rc == 0)
		*out = v == 1;
	return rc;
}

static void put_bool(struct wire_wr *w, bool v)
{
	wire_put_u32le(w, v ? 1u : 0u);
}

/* Length of s, or max + 1 if it is longer (strnlen is POSIX, not C11). */
static size_t text_len(const char *s, size_t max)
{
	size_t n = 0;
	while (n <= max && s[n] != '\0')
		n++;
	return n;
}

/*
 * AMT_ANSI_STRING into out[cap]: the length is capped (AMT_MAX_ANSI_LEN and
 * the caller's room) before a byte is read; trailing NULs are stripped and
 * an embedded NUL followed by text is rejected.
 */
static int get_ansi(struct wire_rd *r, char *out, size_t cap)
{
	uint16_t n;
	const uint8_t *text;
	int rc;

	if ((rc = wire_get_u16le(r, &n)) != 0)
		return rc;
	if (n > AMT_MAX_ANSI_LEN || n > cap - 1) /* cap >= 1: checked by every caller */
		return PROTO_E_TOO_LARGE;
	if ((rc = wire_get_ptr(r, n, &text)) != 0)
		return rc;
	size_t len = n;
	while (len > 0 && text[len - 1] == 0)
		len--;
	if (len > 0 && memchr(text, 0, len))
		return PROTO_E_BAD_VALUE;
	if (len > 0)
		memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

static int put_ansi(struct wire_wr *w, const char *s, bool with_nul)
{
	if (!s)
		return PROTO_E_INVALID_ARG;
	size_t len = text_len(s, AMT_MAX_ANSI_LEN);
	size_t wire_len = len + (with_nul ? 1u : 0u);
	if (wire_len > AMT_MAX_ANSI_LEN)
		return PROTO_E_INVALID_ARG;
	wire_put_u16le(w, (uint16_t)wire_len);
	if (len > 0)
		wire_put_bytes(w, s, len);
	if (with_nul)
		wire_put_u8(w, 0);
	return 0;
}

/* Copy a fixed-size text field up to its first NUL; out has room for n + 1. */
static void copy_text(char *out, const uint8_t *p, size_t n)
{
	const uint8_t *nul = memchr(p, 0, n);
	size_t len = nul ? (size_t)(nul - p) : n;
	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
}

/* Write s NUL-padded into a fixed field of `field` bytes; strlen(s) <= max. */
static int put_text_field(struct wire_wr *w, const char *s, size_t max, size_t field)
{
	if (!s)
		return PROTO_E_INVALID_ARG;
	size_t len = text_len(s, max);
	if (len > max)
		return PROTO_E_INVALID_ARG;
	if (len > 0)
		wire_put_bytes(w, s, len);
	wire_put_zeros(w, field - len);
	return 0;
}

/* A body pointer may be NULL only when the body is empty. */
static bool body_ok(const uint8_t *b, size_t n)
{
	return b != NULL || n == 0;
}

static int finish_wr(const struct wire_wr *w, size_t *out_len)
{
	int rc = wire_wr_status(w);
	if (rc == 0 && out_len)
		*out_len = w->len;
	return rc;
}

/* ---- GetCodeVersions ---- */

/* AMT_UNICODE_STRING: u16 length (<= 20) + 20-byte buffer of 8-bit text. */
static int get_version_string(struct wire_rd *r, char out[AMT_VERSION_STRING_LEN + 1])
{
	uint16_t n;
	const uint8_t *p;
	int rc;

	if ((rc = wire_get_u16le(r, &n)) != 0)
		return rc;
	if (n > AMT_VERSION_STRING_LEN)
		return PROTO_E_TOO_LARGE;
	if ((rc = wire_get_ptr(r, AMT_VERSION_STRING_LEN, &p)) != 0)
		return rc;
	copy_text(out, p, n);
	return 0;
}

static int put_version_string(struct wire_wr *w, const char *s)
{
	if (!s)
		return PROTO_E_INVALID_ARG;
	size_t len = text_len(s, AMT_VERSION_STRING_LEN);
	if (len > AMT_VERSION_STRING_LEN)
		return PROTO_E_INVALID_ARG;
	wire_put_u16le(w, (uint16_t)len);
	return put_text_field(w, s, AMT_VERSION_STRING_LEN, AMT_VERSION_STRING_LEN);
}

int amthi_decode_code_versions(const uint8_t *b, size_t n, struct amt_code_versions *out)
{
	struct wire_rd r;
	const uint8_t *bios;
	uint32_t count;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_ptr(&r, AMT_BIOS_VERSION_LEN, &bios)) != 0 ||
	    (rc = wire_get_u32le(&r, &count)) != 0)
		goto fail;
	/* Cap before looping; the cursor then proves exactly `count` entries. */
	if (count > AMT_MAX_CODE_VERSIONS) {
		rc = PROTO_E_TOO_LARGE;
		goto fail;
	}
	copy_text(out->bios, bios, AMT_BIOS_VERSION_LEN);
	for (uint32_t i = 0; i < count; i++)
		if ((rc = get_version_string(&r, out->entries[i].description)) != 0 ||
		    (rc = get_version_string(&r, out->entries[i].version)) != 0)
			goto fail;
	out->count = count;
	if ((rc = wire_end(&r)) == 0)
		return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_code_versions(uint8_t *b, size_t cap, const struct amt_code_versions *v,
			       size_t *out_len)
{
	struct wire_wr w;
	int rc;

	if (!b || !v || v->count > AMT_MAX_CODE_VERSIONS)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	rc = put_text_field(&w, v->bios, AMT_BIOS_VERSION_LEN, AMT_BIOS_VERSION_LEN);
	if (rc)
		return rc;
	wire_put_u32le(&w, v->count);
	for (uint32_t i = 0; i < v->count; i++)
		if ((rc = put_version_string(&w, v->entries[i].description)) != 0 ||
		    (rc = put_version_string(&w, v->entries[i].version)) != 0)
			return rc;
	return finish_wr(&w, out_len);
}

const char *amt_code_versions_get(const struct amt_code_versions *v, const char *description)
{
	if (!v || !description)
		return NULL;
	uint32_t count = v->count < AMT_MAX_CODE_VERSIONS ? v->count : AMT_MAX_CODE_VERSIONS;
	for (uint32_t i = 0; i < count; i++)
		if (strncmp(v->entries[i].description, description,
			    sizeof(v->entries[i].description)) == 0)
			return v->entries[i].version;
	return NULL;
}

/* ---- single-word bodies ---- */

int amthi_decode_u32(const uint8_t *b, size_t n, uint32_t *out)
{
	struct wire_rd r;
	uint32_t v;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_u32le(&r, &v)) != 0 || (rc = wire_end(&r)) != 0)
		return rc;
	*out = v;
	return 0;
}

int amthi_encode_u32(uint8_t *b, size_t cap, uint32_t v, size_t *out_len)
{
	struct wire_wr w;

	if (!b)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_u32le(&w, v);
	return finish_wr(&w, out_len);
}

int amthi_decode_provisioning_mode(const uint8_t *b, size_t n, struct amt_provisioning_mode *out)
{
	struct wire_rd r;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_u32le(&r, &out->mode)) != 0 || (rc = get_bool(&r, &out->legacy)) != 0 ||
	    (rc = wire_end(&r)) != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_provisioning_mode(uint8_t *b, size_t cap, const struct amt_provisioning_mode *m,
				   size_t *out_len)
{
	struct wire_wr w;

	if (!b || !m)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_u32le(&w, m->mode);
	put_bool(&w, m->legacy);
	return finish_wr(&w, out_len);
}

int amthi_decode_uuid(const uint8_t *b, size_t n, uint8_t out[16])
{
	struct wire_rd r;
	uint8_t tmp[16];
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_bytes(&r, tmp, sizeof(tmp))) != 0 || (rc = wire_end(&r)) != 0)
		return rc;
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

int amthi_encode_uuid(uint8_t *b, size_t cap, const uint8_t uuid[16], size_t *out_len)
{
	struct wire_wr w;

	if (!b || !uuid)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_bytes(&w, uuid, 16);
	return finish_wr(&w, out_len);
}

/* ---- GetPkiFQDNSuffix ---- */

int amthi_decode_ansi(const uint8_t *b, size_t n, char *out, size_t out_cap)
{
	struct wire_rd r;
	int rc;

	if (!out || out_cap == 0 || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, b, n);
	if ((rc = get_ansi(&r, out, out_cap)) != 0 || (rc = wire_end(&r)) != 0)
		out[0] = '\0';
	return rc;
}

int amthi_encode_ansi(uint8_t *b, size_t cap, const char *s, bool with_nul, size_t *out_len)
{
	struct wire_wr w;

	if (!b)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	int rc = put_ansi(&w, s, with_nul);
	if (rc)
		return rc;
	return finish_wr(&w, out_len);
}

/* ---- GetLanInterfaceSettings ---- */

int amthi_decode_lan_settings(const uint8_t *b, size_t n, struct amt_lan_settings *out)
{
	struct wire_rd r;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = get_bool(&r, &out->enabled)) != 0 || (rc = wire_get_u32le(&r, &out->ipv4)) != 0 ||
	    (rc = get_bool(&r, &out->dhcp_enabled)) != 0 ||
	    (rc = wire_get_u8(&r, &out->dhcp_ip_mode)) != 0 ||
	    (rc = wire_get_u8(&r, &out->link_status)) != 0 ||
	    (rc = wire_get_bytes(&r, out->mac, sizeof(out->mac))) != 0 || (rc = wire_end(&r)) != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_lan_settings(uint8_t *b, size_t cap, const struct amt_lan_settings *s,
			      size_t *out_len)
{
	struct wire_wr w;

	if (!b || !s)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	put_bool(&w, s->enabled);
	wire_put_u32le(&w, s->ipv4);
	put_bool(&w, s->dhcp_enabled);
	wire_put_u8(&w, s->dhcp_ip_mode);
	wire_put_u8(&w, s->link_status);
	wire_put_bytes(&w, s->mac, sizeof(s->mac));
	return finish_wr(&w, out_len);
}

/* ---- GetRemoteAccessConnectionStatus ---- */

int amthi_decode_remote_access_status(const uint8_t *b, size_t n,
				      struct amt_remote_access_status *out)
{
	struct wire_rd r;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_u32le(&r, &out->network_status)) != 0 ||
	    (rc = wire_get_u32le(&r, &out->cira_status)) != 0 ||
	    (rc = wire_get_u32le(&r, &out->trigger)) != 0 ||
	    (rc = get_ansi(&r, out->mps_hostname, sizeof(out->mps_hostname))) != 0 ||
	    (rc = wire_end(&r)) != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_remote_access_status(uint8_t *b, size_t cap,
				      const struct amt_remote_access_status *s, bool ansi_nul,
				      size_t *out_len)
{
	struct wire_wr w;

	if (!b || !s)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_u32le(&w, s->network_status);
	wire_put_u32le(&w, s->cira_status);
	wire_put_u32le(&w, s->trigger);
	int rc = put_ansi(&w, s->mps_hostname, ansi_nul);
	if (rc)
		return rc;
	return finish_wr(&w, out_len);
}

/* ---- EnumerateHashHandles ---- */

int amthi_decode_hash_handles(const uint8_t *b, size_t n, struct amt_hash_handles *out)
{
	struct wire_rd r;
	uint32_t count;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = wire_get_u32le(&r, &count)) != 0)
		goto fail;
	if (count > AMT_MAX_HASH_HANDLES) {
		rc = PROTO_E_TOO_LARGE;
		goto fail;
	}
	for (uint32_t i = 0; i < count; i++)
		if ((rc = wire_get_u32le(&r, &out->handles[i])) != 0)
			goto fail;
	out->count = count;
	if ((rc = wire_end(&r)) == 0)
		return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_hash_handles(uint8_t *b, size_t cap, const struct amt_hash_handles *h,
			      size_t *out_len)
{
	struct wire_wr w;

	if (!b || !h || h->count > AMT_MAX_HASH_HANDLES)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	wire_put_u32le(&w, h->count);
	for (uint32_t i = 0; i < h->count; i++)
		wire_put_u32le(&w, h->handles[i]);
	return finish_wr(&w, out_len);
}

/* ---- GetCertHashEntry ---- */

/* Raw algorithm id -> meaningful hash bytes (UNVERIFIED #2, see header). */
static const struct {
	uint8_t id;
	uint8_t len;
	const char *name;
} hash_algs[] = {
	{0, 16, "md5"},    {1, 20, "sha1"},   {2, 32, "sha256"},
	{3, 48, "sha384"}, {3, 64, "sha512"}, {5, 64, "sha512"},
};

/* 0 for an unknown id. Id 3 is SHA512 when any of bytes 48..63 is set. */
static size_t hash_len_for(uint8_t alg, const uint8_t hash[AMT_CERT_HASH_MAX])
{
	if (alg == 3) {
		for (size_t i = 48; i < AMT_CERT_HASH_MAX; i++)
			if (hash[i])
				return 64;
		return 48;
	}
	for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++)
		if (hash_algs[i].id == alg)
			return hash_algs[i].len;
	return 0;
}

int amthi_decode_cert_hash_entry(const uint8_t *b, size_t n, struct amt_cert_hash_entry *out)
{
	struct wire_rd r;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = get_bool(&r, &out->is_default)) != 0 ||
	    (rc = get_bool(&r, &out->is_active)) != 0 ||
	    (rc = wire_get_bytes(&r, out->hash, sizeof(out->hash))) != 0 ||
	    (rc = wire_get_u8(&r, &out->algorithm)) != 0)
		goto fail;
	out->hash_len = hash_len_for(out->algorithm, out->hash);
	if (out->hash_len == 0) {
		rc = PROTO_E_BAD_VALUE;
		goto fail;
	}
	if ((rc = get_ansi(&r, out->name, sizeof(out->name))) == 0 && (rc = wire_end(&r)) == 0)
		return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_cert_hash_entry(uint8_t *b, size_t cap, const struct amt_cert_hash_entry *e,
				 bool ansi_nul, size_t *out_len)
{
	struct wire_wr w;

	if (!b || !e || e->hash_len > AMT_CERT_HASH_MAX)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	put_bool(&w, e->is_default);
	put_bool(&w, e->is_active);
	/* Only hash_len bytes are meaningful; the rest of the field goes out as
	 * zeros so an id-3 SHA384 entry cannot be mistaken for SHA512. */
	if (e->hash_len > 0)
		wire_put_bytes(&w, e->hash, e->hash_len);
	wire_put_zeros(&w, AMT_CERT_HASH_MAX - e->hash_len);
	wire_put_u8(&w, e->algorithm);
	int rc = put_ansi(&w, e->name, ansi_nul);
	if (rc)
		return rc;
	return finish_wr(&w, out_len);
}

const char *amt_hash_algorithm_name(uint8_t algorithm, size_t hash_len)
{
	for (size_t i = 0; i < sizeof(hash_algs) / sizeof(hash_algs[0]); i++)
		if (hash_algs[i].id == algorithm && hash_algs[i].len == hash_len)
			return hash_algs[i].name;
	return "unknown";
}

/* ---- GetLocalSystemAccount ---- */

/* A 33-byte field that must hold a NUL-terminated string. */
static int get_account_field(struct wire_rd *r, char out[AMT_LOCAL_ACCOUNT_FIELD + 1])
{
	const uint8_t *p;
	int rc;

	if ((rc = wire_get_ptr(r, AMT_LOCAL_ACCOUNT_FIELD, &p)) != 0)
		return rc;
	if (!memchr(p, 0, AMT_LOCAL_ACCOUNT_FIELD))
		return PROTO_E_BAD_VALUE;
	copy_text(out, p, AMT_LOCAL_ACCOUNT_FIELD);
	return 0;
}

int amthi_decode_local_account(const uint8_t *b, size_t n, struct amt_local_account *out)
{
	struct wire_rd r;
	const uint8_t *pad;
	int rc;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	if ((rc = get_account_field(&r, out->username)) != 0 ||
	    (rc = get_account_field(&r, out->password)) != 0)
		goto fail;
	/* UNVERIFIED #4: 66 bytes, or 68 with two zero padding bytes. */
	if (wire_rd_left(&r) == 2 && (rc = wire_get_ptr(&r, 2, &pad)) == 0 && (pad[0] || pad[1]))
		rc = PROTO_E_BAD_VALUE;
	if (rc == 0 && (rc = wire_end(&r)) == 0)
		return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_local_account(uint8_t *b, size_t cap, const struct amt_local_account *a,
			       bool pad68, size_t *out_len)
{
	enum { FIELD_MAX = AMT_LOCAL_ACCOUNT_FIELD - 1 }; /* room for the NUL */
	struct wire_wr w;
	int rc;

	if (!b || !a)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	if ((rc = put_text_field(&w, a->username, FIELD_MAX, AMT_LOCAL_ACCOUNT_FIELD)) != 0 ||
	    (rc = put_text_field(&w, a->password, FIELD_MAX, AMT_LOCAL_ACCOUNT_FIELD)) != 0)
		return rc;
	if (pad68)
		wire_put_zeros(&w, 2);
	return finish_wr(&w, out_len);
}

/* ---- GetSecurityParameters ---- */

int amthi_decode_security_params(const uint8_t *b, size_t n, struct amt_security_params *out)
{
	struct wire_rd r;
	int rc = 0;

	if (!out || !body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	wire_rd_init(&r, b, n);
	for (size_t i = 0; i < AMT_SECURITY_PARAM_WORDS && rc == 0; i++)
		rc = wire_get_u32le(&r, &out->words[i]);
	if (rc == 0)
		rc = wire_end(&r);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int amthi_encode_security_params(uint8_t *b, size_t cap, const struct amt_security_params *p,
				 size_t *out_len)
{
	struct wire_wr w;

	if (!b || !p)
		return PROTO_E_INVALID_ARG;
	wire_wr_init(&w, b, cap);
	for (size_t i = 0; i < AMT_SECURITY_PARAM_WORDS; i++)
		wire_put_u32le(&w, p->words[i]);
	return finish_wr(&w, out_len);
}

int amthi_decode_empty(const uint8_t *b, size_t n)
{
	struct wire_rd r;

	if (!body_ok(b, n))
		return PROTO_E_INVALID_ARG;
	wire_rd_init(&r, b, n);
	return wire_end(&r);
}
