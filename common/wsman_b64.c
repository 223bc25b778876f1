// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_b64.c - base64 over OpenSSL (see wsman_b64.h).
 *
 * Owns: encode/decode with checked lengths; decoded scratch is wiped.
 * Must not: do I/O or keep state.
 */
#include "wsman_b64.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *wsman_base64_encode(const uint8_t *p, size_t n)
{
	size_t outlen;
	char *out;

	if (n > (size_t)(INT_MAX / 4) * 3 - 3 || (n && !p))
		return NULL;
	outlen = 4 * ((n + 2) / 3);
	out = malloc(outlen + 1);
	if (!out)
		return NULL;
	if (n == 0) {
		out[0] = '\0';
		return out;
	}
	if (EVP_EncodeBlock((unsigned char *)out, p, (int)n) != (int)outlen) {
		free(out);
		return NULL;
	}
	return out;
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int wsman_base64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t len = 0, pad = 0, n;
	unsigned char *tmp = NULL, *dec = NULL;
	int rc = WSMAN_E_PARSE;

	*outlen = 0;
	if (!s)
		return WSMAN_E_PARSE;
	n = strlen(s);
	if (n > (size_t)INT_MAX - 4)
		return WSMAN_E_INVALID;
	tmp = malloc(n + 1);
	if (!tmp)
		return WSMAN_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (!is_space(s[i]))
			tmp[len++] = (unsigned char)s[i];
	if (len % 4 != 0)
		goto out;
	while (pad < 2 && len > pad && tmp[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_char((char)tmp[i]))
			goto out;
	if (len == 0) {
		rc = WSMAN_OK;
		goto out;
	}
	if (len / 4 * 3 - pad > cap) {
		rc = WSMAN_E_INVALID;
		goto out;
	}
	dec = malloc(len / 4 * 3);
	if (!dec) {
		rc = WSMAN_E_NOMEM;
		goto out;
	}
	if (EVP_DecodeBlock(dec, tmp, (int)len) != (int)(len / 4 * 3))
		goto out;
	memcpy(out, dec, len / 4 * 3 - pad);
	*outlen = len / 4 * 3 - pad;
	rc = WSMAN_OK;
out:
	if (dec)
		OPENSSL_cleanse(dec, len / 4 * 3);
	free(dec);
	free(tmp);
	return rc;
}
