// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fleet_tls.c - certificates of a simulated fleet (see sim_fleet.h).
 *
 * One server context for every device (its session cache and ticket key
 * let each client resume with the device it talked to; clients never offer
 * one device's session to another). With a CA (--tls-ca/--tls-ca-key) each
 * device gets a certificate of its own, issued at start for one shared
 * P-256 key (its host name and IPv4 address in subjectAltName), so a client
 * verifies names against the CA as it would for a real fleet; without one
 * every device shows the template's [amt] tls_cert. The badtls devices show
 * a self-signed certificate for that key instead.
 * Must not: write keys anywhere.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sim_fleet.h"

struct sim_fleet_tls {
	SSL_CTX *ctx;
	EVP_PKEY *key;       /* the devices' key */
	X509 *ca;            /* issuer, or NULL */
	EVP_PKEY *ca_key;
	X509 *untrusted;     /* self-signed, for badtls */
};

static void ssl_err(char *err, size_t errcap, const char *what, const char *file)
{
	char e[160];

	ERR_error_string_n(ERR_get_error(), e, sizeof(e));
	ERR_clear_error();
	snprintf(err, errcap, "%s%s%s: %s", what, file ? " " : "", file ? file : "", e);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate for key, CN cn, subjectAltName san, signed by issuer_key
 * (issuer NULL: self-signed). */
static X509 *make_cert(EVP_PKEY *key, long serial, const char *cn, const char *san, X509 *issuer,
		       EVP_PKEY *issuer_key)
{
	X509 *c = X509_new();
	X509_NAME *name;

	if (!c || !X509_set_version(c, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(c), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(c), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(c), 30L * 24 * 3600) || !X509_set_pubkey(c, key))
		goto fail;
	name = X509_get_subject_name(c);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
					0) ||
	    !X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name) ||
	    add_ext(c, issuer ? issuer : c, NID_subject_alt_name, san) != 0 ||
	    add_ext(c, issuer ? issuer : c, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(c, issuer ? issuer : c, NID_ext_key_usage, "serverAuth") != 0 ||
	    !X509_sign(c, issuer_key, EVP_sha256()))
		goto fail;
	return c;
fail:
	X509_free(c);
	return NULL;
}

static int load_ca(struct sim_fleet_tls *t, const char *cert, const char *key, char *err,
		   size_t errcap)
{
	FILE *f = fopen(cert, "re");

	if (!f || !(t->ca = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (f)
			fclose(f);
		ssl_err(err, errcap, "--tls-ca: cannot read a PEM certificate from", cert);
		return -1;
	}
	fclose(f);
	f = fopen(key, "re");
	if (!f || !(t->ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL))) {
		if (f)
			fclose(f);
		ssl_err(err, errcap, "--tls-ca-key: cannot read a PEM private key from", key);
		return -1;
	}
	fclose(f);
	if (X509_check_private_key(t->ca, t->ca_key) != 1) {
		ssl_err(err, errcap, "--tls-ca-key does not belong to --tls-ca", NULL);
		return -1;
	}
	return 0;
}

struct sim_fleet_tls *sim_fleet_tls_new(const struct sim_state *tmpl, const char *ca_cert,
					const char *ca_key, char *err, size_t errcap)
{
	static const unsigned char sid_ctx[] = "amt-sim fleet";
	struct sim_fleet_tls *t = calloc(1, sizeof(*t));

	if (!t || !(t->ctx = SSL_CTX_new(TLS_server_method()))) {
		snprintf(err, errcap, "cannot create a TLS context");
		goto fail;
	}
	if (tmpl->tls_legacy) {
		SSL_CTX_set_security_level(t->ctx, 0);
		if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_VERSION) != 1 ||
		    SSL_CTX_set_max_proto_version(t->ctx, TLS1_VERSION) != 1 ||
		    SSL_CTX_set_cipher_list(t->ctx, "DEFAULT:@SECLEVEL=0") != 1) {
			snprintf(err, errcap, "this OpenSSL cannot serve TLS 1.0 ([sim] tls_legacy)");
			goto fail;
		}
	} else {
		SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	}
	SSL_CTX_set_session_id_context(t->ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (tmpl->tls_cert[0] &&
	    (SSL_CTX_use_certificate_chain_file(t->ctx, tmpl->tls_cert) != 1 ||
	     SSL_CTX_use_PrivateKey_file(t->ctx, tmpl->tls_key, SSL_FILETYPE_PEM) != 1)) {
		ssl_err(err, errcap, "[amt] tls_cert/tls_key", tmpl->tls_cert);
		goto fail;
	}
	t->key = EVP_EC_gen("P-256");
	if (!t->key) {
		ssl_err(err, errcap, "cannot make a P-256 key", NULL);
		goto fail;
	}
	if (ca_cert && load_ca(t, ca_cert, ca_key, err, errcap) != 0)
		goto fail;
	t->untrusted = make_cert(t->key, 1, "amt-sim untrusted", "DNS:untrusted.invalid", NULL,
				 t->key);
	if (!t->untrusted) {
		ssl_err(err, errcap, "cannot make a certificate", NULL);
		goto fail;
	}
	return t;
fail:
	sim_fleet_tls_free(t);
	return NULL;
}

void sim_fleet_tls_free(struct sim_fleet_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	EVP_PKEY_free(t->key);
	X509_free(t->ca);
	EVP_PKEY_free(t->ca_key);
	X509_free(t->untrusted);
	free(t);
}

SSL_CTX *sim_fleet_tls_ctx(struct sim_fleet_tls *t)
{
	return t->ctx;
}

X509 *sim_fleet_tls_issue(struct sim_fleet_tls *t, unsigned i, const char *host_name,
			  uint32_t ipv4)
{
	char san[160], ip[INET_ADDRSTRLEN];
	struct in_addr a = {.s_addr = htonl(ipv4)};

	if (!t->ca)
		return NULL;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(san, sizeof(san), "DNS:%s,IP:%s", host_name, ip);
	return make_cert(t->key, (long)i + 2, host_name, san, t->ca, t->ca_key);
}

X509 *sim_fleet_tls_untrusted(struct sim_fleet_tls *t)
{
	return t->untrusted;
}

EVP_PKEY *sim_fleet_tls_key(struct sim_fleet_tls *t)
{
	return t->key;
}
