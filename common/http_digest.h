// SPDX-License-Identifier: Apache-2.0
/*
 * http_digest.h - the server side of HTTP digest authentication (RFC 2617,
 * MD5 with qop=auth): parsing an Authorization header, checking its
 * response against a password, and the nonces a server issued. Used by
 * the simulated AMT's WS-Man service (as AMT challenges consoles) and by
 * amt-verify's event receiver (as a subscriber challenges AMT, the way
 * MeshCentral's handleAmtEventRequest does).
 * Must not: log or keep a password; MD5 and randomness come from OpenSSL.
 * libcurl is the client side everywhere else.
 */
#ifndef COMMON_HTTP_DIGEST_H
#define COMMON_HTTP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_DIGEST_USER_MAX 64
#define HTTP_DIGEST_REALM_MAX 64
#define HTTP_DIGEST_NONCE_MAX 64
#define HTTP_DIGEST_URI_MAX 255
#define HTTP_DIGEST_HDR_MAX 2048 /* whole Authorization header */

/* Fields of "Authorization: Digest ..." (RFC 2617 3.2.2), NUL-terminated. */
struct http_digest_auth {
	char username[HTTP_DIGEST_USER_MAX + 1];
	char realm[HTTP_DIGEST_REALM_MAX + 1];
	char nonce[HTTP_DIGEST_NONCE_MAX + 1];
	char uri[HTTP_DIGEST_URI_MAX + 1];
	char response[33];
	char cnonce[HTTP_DIGEST_NONCE_MAX + 1];
	char nc[9];
	char qop[16];
	char algorithm[16];
	char opaque[HTTP_DIGEST_NONCE_MAX + 1];
};

/* Parse one Authorization header value. Accepts token or quoted-string
 * values (backslash escapes), optional blanks around '=' and ',', empty
 * list items and unknown parameters (bounded). Refuses: a scheme other
 * than Digest, a known parameter twice or longer than its field, an
 * unterminated quote, a missing username/realm/nonce/uri/response, a
 * response that is not 32 hex digits, qop without nc (8 hex) and cnonce.
 * Returns 0 or -1. */
int http_digest_parse(const char *hdr, struct http_digest_auth *out);

/* RFC 2617 response with MD5 (qop = auth): 32 lower-case hex digits. */
void http_digest_compute(const char *user, const char *realm, const char *password,
			const char *method, const char *uri, const char *nonce, const char *nc,
			const char *cnonce, const char *qop, char out[33]);

/* True when a is a qop=auth MD5 answer for this realm, method and
 * password (response compared in constant time). The caller checks the
 * nonce and that a->uri names the request. */
bool http_digest_verify(const struct http_digest_auth *a, const char *method, const char *realm,
		       const char *password);

/* The nonces the service issued: a small table with expiry and, per nonce,
 * the highest nc seen (a repeated nc is a replay). */
#define HTTP_NONCE_SLOTS 64
#define HTTP_NONCE_LIFE_MS (300 * 1000)
struct http_nonces {
	struct {
		char nonce[33]; /* "" = free */
		int64_t issued_ms;
		uint32_t last_nc;
	} e[HTTP_NONCE_SLOTS];
};
/* New random nonce (32 hex digits); evicts the oldest when full. */
int http_nonce_issue(struct http_nonces *t, int64_t now_ms, char out[33]);
/* 0 when nonce is ours, fresh and nc is higher than before; -1 otherwise
 * (the client gets a new challenge with stale="true"). */
int http_nonce_use(struct http_nonces *t, const char *nonce, const char *nc, int64_t now_ms);

#endif
