// SPDX-License-Identifier: Apache-2.0
/*
 * curl_tls.h - the one TLS client policy for libcurl handles: report
 * sending and WS-Management set up TLS through here and nowhere else.
 * Owns: peer and host-name verification (on unless a pin or insecure mode
 * replaces them), the trust anchor (a CA file or the system store), TLS 1.2
 * as the floor (1.0 only when legacy AMT firmware is explicitly allowed)
 * and the client certificate for mutual TLS.
 * Must not: relax anything without the field that says so; pin checking
 * itself is the caller's (wsman.c's OpenSSL hook).
 */
#ifndef COMMON_CURL_TLS_H
#define COMMON_CURL_TLS_H

#include <stdbool.h>

#include <curl/curl.h>

struct curl_tls_policy {
	const char *ca_file;                  /* PEM CA instead of the system store */
	const char *client_cert, *client_key; /* mutual TLS (PEM), both or neither */
	bool insecure;                        /* no verification at all (caller warns) */
	bool pinned;                          /* the caller checks a certificate pin */
	bool allow_tls10;                     /* TLS 1.0/1.1 for AMT 7-11 */
};

/* Apply the policy to h: CURLE_OK or the first option libcurl refused. */
CURLcode curl_tls_apply(CURL *h, const struct curl_tls_policy *p);

#endif
