// SPDX-License-Identifier: Apache-2.0
/*
 * curl_tls.c - the TLS client policy for libcurl (see curl_tls.h).
 */
#include "curl_tls.h"

CURLcode curl_tls_apply(CURL *h, const struct curl_tls_policy *p)
{
	CURLcode e = CURLE_OK;
#define SET(opt, val) \
	do { \
		if (e == CURLE_OK) \
			e = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_SSL_VERIFYPEER, p->insecure ? 0L : 1L);
	SET(CURLOPT_SSL_VERIFYHOST, (p->insecure || p->pinned) ? 0L : 2L);
	if (p->ca_file)
		SET(CURLOPT_CAINFO, p->ca_file);
	SET(CURLOPT_SSLVERSION,
	    p->allow_tls10 ? (long)CURL_SSLVERSION_TLSv1_0 : (long)CURL_SSLVERSION_TLSv1_2);
	if (p->allow_tls10)
		SET(CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
	if (p->client_cert)
		SET(CURLOPT_SSLCERT, p->client_cert);
	if (p->client_key)
		SET(CURLOPT_SSLKEY, p->client_key);
#undef SET
	return e;
}
