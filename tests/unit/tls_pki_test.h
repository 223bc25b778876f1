// SPDX-License-Identifier: Apache-2.0
/*
 * tls_pki_test.h - a throwaway PKI for unit tests that run TLS on loopback:
 * an EC P-256 CA and a server certificate it signs (CN and SAN chosen by
 * the test), made with the OpenSSL API, the CA written to a PEM file the
 * code under test can load.
 * Must not: be used outside tests.
 */
#ifndef TESTS_TLS_PKI_TEST_H
#define TESTS_TLS_PKI_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

struct tpki {
	EVP_PKEY *ca_key, *srv_key;
	X509 *ca, *srv;
	char ca_path[96], cert_path[96], key_path[96];
};

static inline int tpki_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return -1;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* issuer NULL: a self-signed CA; else a server certificate with san. */
static inline X509 *tpki_cert(EVP_PKEY *key, const char *cn, const char *san, X509 *issuer,
			      EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509 *iss = issuer ? issuer : x;
	if (!issuer) {
		assert_int_equal(tpki_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE"), 0);
		assert_int_equal(tpki_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign"), 0);
	} else {
		assert_int_equal(tpki_ext(x, iss, NID_basic_constraints, "CA:FALSE"), 0);
		assert_int_equal(tpki_ext(x, iss, NID_ext_key_usage, "serverAuth"), 0);
		assert_int_equal(tpki_ext(x, iss, NID_subject_alt_name, san), 0);
	}
	assert_true(X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

/* A CA and a server certificate for cn / san ("DNS:localhost"); the CA,
 * the server certificate and its key written to /tmp files named by tag. */
static inline void tpki_init(struct tpki *p, const char *tag, const char *cn, const char *san)
{
	FILE *f;
	p->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p->srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(p->ca_key);
	assert_non_null(p->srv_key);
	p->ca = tpki_cert(p->ca_key, "test-ca", NULL, NULL, NULL);
	p->srv = tpki_cert(p->srv_key, cn, san, p->ca, p->ca_key);
	snprintf(p->ca_path, sizeof(p->ca_path), "/tmp/%s.%ld.ca.pem", tag, (long)getpid());
	snprintf(p->cert_path, sizeof(p->cert_path), "/tmp/%s.%ld.cert.pem", tag, (long)getpid());
	snprintf(p->key_path, sizeof(p->key_path), "/tmp/%s.%ld.key.pem", tag, (long)getpid());
	assert_non_null(f = fopen(p->ca_path, "w"));
	assert_true(PEM_write_X509(f, p->ca) == 1);
	fclose(f);
	assert_non_null(f = fopen(p->cert_path, "w"));
	assert_true(PEM_write_X509(f, p->srv) == 1);
	fclose(f);
	assert_non_null(f = fopen(p->key_path, "w"));
	assert_true(PEM_write_PrivateKey(f, p->srv_key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
}

static inline void tpki_free(struct tpki *p)
{
	unlink(p->ca_path);
	unlink(p->cert_path);
	unlink(p->key_path);
	X509_free(p->ca);
	X509_free(p->srv);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->srv_key);
}

#endif
