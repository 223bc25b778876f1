// SPDX-License-Identifier: Apache-2.0
/*
 * http_digest.c - the server side of HTTP digest authentication (RFC 2617,
 * MD5, qop=auth), shared by the simulated AMT's WS-Man service and
 * amt-verify's event receiver: the Authorization header parser, the
 * response check and the nonce table (see http_digest.h).
 *
 * The header is the one piece of HTTP we parse ourselves (libevent hands
 * it over as one string): a bounded scanner over "name=value" items where
 * a value is a token or a quoted-string with backslash escapes, copied
 * into fixed fields whose size caps what a peer can send.
 * Must not: log or keep a password; MD5 and randomness come from OpenSSL.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_digest.h"

enum {
	F_USERNAME = 1u << 0,
	F_REALM = 1u << 1,
	F_NONCE = 1u << 2,
	F_URI = 1u << 3,
	F_RESPONSE = 1u << 4,
	F_CNONCE = 1u << 5,
	F_NC = 1u << 6,
	F_QOP = 1u << 7,
	F_ALGORITHM = 1u << 8,
	F_OPAQUE = 1u << 9,
};

struct field {
	const char *name;
	unsigned bit;
	size_t off, size;
};

#define FLD(n, b) \
	{#n, b, offsetof(struct http_digest_auth, n), sizeof(((struct http_digest_auth *)0)->n)}
static const struct field fields[] = {
	FLD(username, F_USERNAME), FLD(realm, F_REALM),   FLD(nonce, F_NONCE),
	FLD(uri, F_URI),	   FLD(response, F_RESPONSE), FLD(cnonce, F_CNONCE),
	FLD(nc, F_NC),		   FLD(qop, F_QOP),	      FLD(algorithm, F_ALGORITHM),
	FLD(opaque, F_OPAQUE),
};
#undef FLD

#define NAME_MAX_LEN 32

/* RFC 2616 token characters */
static bool is_tchar(char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *skip_lws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

/* Reads one value at p into val (cap bytes, NUL-terminated); *too_long when
 * it did not fit. Returns the position after it, or NULL when malformed. */
static const char *read_value(const char *p, char *val, size_t cap, bool *too_long)
{
	size_t n = 0;
	*too_long = false;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			char c = *p;
			if (c == '\\') {
				if (!p[1])
					return NULL;
				c = *++p;
			}
			if (n + 1 < cap)
				val[n++] = c;
			else
				*too_long = true;
		}
		if (*p != '"')
			return NULL; /* unterminated */
		p++;
	} else {
		/* token; a few clients leave uri unquoted, so allow '/' '?' '=' ':' too */
		for (; is_tchar(*p) || (*p && strchr("/?=:@", *p)); p++) {
			if (n + 1 < cap)
				val[n++] = *p;
			else
				*too_long = true;
		}
		if (n == 0 && !*too_long)
			return NULL; /* "name=" with nothing */
	}
	val[n] = '\0';
	return p;
}

int http_digest_parse(const char *hdr, struct http_digest_auth *out)
{
	char val[HTTP_DIGEST_URI_MAX + 1];
	unsigned seen = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!hdr || strnlen(hdr, HTTP_DIGEST_HDR_MAX + 1) > HTTP_DIGEST_HDR_MAX)
		return -1;
	p = skip_lws(hdr);
	if (strncasecmp(p, "Digest", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return -1;
	p += 6;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *name = p;
		while (is_tchar(*p))
			p++;
		size_t nlen = (size_t)(p - name);
		if (nlen == 0 || nlen > NAME_MAX_LEN)
			return -1;
		p = skip_lws(p);
		if (*p != '=')
			return -1;
		p = skip_lws(p + 1);
		bool too_long;
		p = read_value(p, val, sizeof(val), &too_long);
		if (!p)
			return -1;
		p = skip_lws(p);
		if (*p && *p != ',')
			return -1; /* junk after a value */
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const struct field *f = &fields[i];
			if (strlen(f->name) != nlen || strncasecmp(f->name, name, nlen) != 0)
				continue;
			if ((seen & f->bit) || too_long || strlen(val) >= f->size)
				return -1;
			memcpy((char *)out + f->off, val, strlen(val) + 1);
			seen |= f->bit;
			break;
		}
		/* unknown parameters are ignored (RFC 2617: auth-param) */
	}
	unsigned need = F_USERNAME | F_REALM | F_NONCE | F_URI | F_RESPONSE;
	if ((seen & need) != need || !is_hex(out->response, 32))
		return -1;
	if (seen & F_QOP) {
		if (!(seen & F_CNONCE) || !out->cnonce[0] || !is_hex(out->nc, 8))
			return -1;
	}
	return 0;
}

static void md5_hex(const char *const *parts, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	out[0] = '\0';
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				EVP_DigestUpdate(ctx, ":", 1);
			EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
		}
		if (EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 16)
			for (unsigned i = 0; i < 16; i++)
				snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(md, sizeof(md));
}

void http_digest_compute(const char *user, const char *realm, const char *password,
			const char *method, const char *uri, const char *nonce, const char *nc,
			const char *cnonce, const char *qop, char out[33])
{
	char ha1[33], ha2[33];
	const char *p1[] = {user, realm, password};
	const char *p2[] = {method, uri};
	md5_hex(p1, 3, ha1);
	md5_hex(p2, 2, ha2);
	const char *p3[] = {ha1, nonce, nc, cnonce, qop, ha2};
	md5_hex(p3, 6, out);
	OPENSSL_cleanse(ha1, sizeof(ha1));
}

bool http_digest_verify(const struct http_digest_auth *a, const char *method, const char *realm,
		       const char *password)
{
	char want[33], got[33];
	if (strcmp(a->realm, realm) != 0 || strcmp(a->qop, "auth") != 0)
		return false;
	if (a->algorithm[0] && strcasecmp(a->algorithm, "MD5") != 0)
		return false;
	http_digest_compute(a->username, realm, password, method, a->uri, a->nonce, a->nc, a->cnonce,
			   a->qop, want);
	for (int i = 0; i < 32; i++) {
		char c = a->response[i];
		got[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	got[32] = '\0';
	bool ok = strlen(want) == 32 && CRYPTO_memcmp(want, got, 32) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int http_nonce_issue(struct http_nonces *t, int64_t now_ms, char out[33])
{
	unsigned char r[16];
	int slot = 0;
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	for (int i = 0; i < HTTP_NONCE_SLOTS; i++) {
		if (!t->e[i].nonce[0] || now_ms - t->e[i].issued_ms > HTTP_NONCE_LIFE_MS) {
			slot = i;
			break;
		}
		if (t->e[i].issued_ms < t->e[slot].issued_ms)
			slot = i;
	}
	memcpy(t->e[slot].nonce, out, 33);
	t->e[slot].issued_ms = now_ms;
	t->e[slot].last_nc = 0;
	return 0;
}

int http_nonce_use(struct http_nonces *t, const char *nonce, const char *nc, int64_t now_ms)
{
	if (!is_hex(nc, 8))
		return -1;
	uint32_t n = (uint32_t)strtoul(nc, NULL, 16);
	for (int i = 0; i < HTTP_NONCE_SLOTS; i++) {
		if (!t->e[i].nonce[0] || strcmp(t->e[i].nonce, nonce) != 0)
			continue;
		if (now_ms - t->e[i].issued_ms > HTTP_NONCE_LIFE_MS || n <= t->e[i].last_nc)
			return -1;
		t->e[i].last_nc = n;
		return 0;
	}
	return -1;
}
