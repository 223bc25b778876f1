// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_b64.h - base64 for binary WS-Man values (3PDS ReadBlock/WriteBlock
 * Data), on OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock.
 *
 * Owns: the length arithmetic around those two calls (int limits, padding,
 * the decoder's zero fill) and strict input checking.
 * Must not: write its own base64 tables or accept what it cannot decode
 * exactly.
 */
#ifndef COMMON_WSMAN_B64_H
#define COMMON_WSMAN_B64_H

#include <stddef.h>
#include <stdint.h>

#include "wsman_xml.h"

/* malloc'ed NUL-terminated base64 of p[0..n); NULL on OOM or overflow. */
char *wsman_base64_encode(const uint8_t *p, size_t n);
/* Decode strict base64 (whitespace ignored, padding checked) into out.
 * 0, WSMAN_E_PARSE (not base64), WSMAN_E_INVALID (does not fit in cap)
 * or WSMAN_E_NOMEM. */
int wsman_base64_decode(const char *s, uint8_t *out, size_t cap, size_t *outlen);

#endif
