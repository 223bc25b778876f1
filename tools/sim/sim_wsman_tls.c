// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_tls.c - certificates and TLS in the simulated AMT's WS-Man
 * view: AMT_PublicKeyCertificate, AMT_TLSSettingData and
 * AMT_TLSCredentialContext, all read-only.
 *
 * Owns: how the certificate files the simulator really uses appear as
 * AMT's certificate store: the CA certificates of [cira] ca are the
 * trusted roots (what the CIRA client verifies the MPS against), followed
 * by the chain of [amt] tls_cert (AMT's own TLS certificate, not a trusted
 * root; the TLS credential context points at its first certificate).
 * Handles count from 0 in that order. Subject and Issuer are printed as
 * RFC 2253 ("C=unknown,O=unknown,CN=MPSRoot-0af1d5" in the go-wsman-messages
 * fixture amt/publickey/certificate/get.xml), X509Certificate is the DER
 * in base64. The 802.3 TLS settings are enabled when [amt] tls_cert and
 * tls_key are set, and then also accept non-TLS connections, because the
 * simulator keeps serving port 16992; the LMS (local) settings are not
 * enabled. Files are read on each request (a few certificates at most).
 * Not simulated: adding or deleting certificates, Put of the TLS settings
 * (the listeners are set up at start from the state file).
 * Must not: keep private keys in anything it answers, or know SOAP framing
 * beyond the sim_wsman_inst helpers.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define MAX_CERTS 16
#define CERT_DER_MAX 8192
#define NAME_MAX_LEN 512

static const char *const instance_id_key[] = {"InstanceID", NULL};
static const char *const context_keys[] = {"ElementInContext", "ElementProvidingContext", NULL};

static bool tls_on(const struct sim_state *st)
{
	return st->tls_cert[0] && st->tls_key[0];
}

/* Certificates of a PEM file, at most max; the count read. */
static int read_pem(const char *path, X509 **out, int max)
{
	int n = 0;
	BIO *b = path[0] ? BIO_new_file(path, "r") : NULL;
	while (b && n < max) {
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!x)
			break;
		out[n++] = x;
	}
	BIO_free(b);
	return n;
}

struct store {
	X509 *cert[MAX_CERTS];
	int roots, total; /* cert[0..roots) trusted roots, then AMT's TLS chain */
};

static void store_load(const struct sim_state *st, struct store *s)
{
	memset(s, 0, sizeof(*s));
	s->roots = read_pem(st->cira_ca, s->cert, MAX_CERTS);
	s->total = s->roots;
	if (tls_on(st))
		s->total += read_pem(st->tls_cert, s->cert + s->roots, MAX_CERTS - s->roots);
}

static void store_free(struct store *s)
{
	for (int i = 0; i < s->total; i++)
		X509_free(s->cert[i]);
}

static unsigned cert_count(const struct sim_state *st)
{
	struct store s;
	store_load(st, &s);
	store_free(&s);
	return (unsigned)s.total;
}

static void name_of(const X509_NAME *name, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;
	out[0] = '\0';
	if (b && X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)cap - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void cert_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	struct store s;
	char id[64], name[NAME_MAX_LEN];
	char *b64 = NULL;
	unsigned char *der = NULL;
	store_load(st, &s);
	if (k >= (unsigned)s.total)
		goto out;
	X509 *x = s.cert[k];
	snprintf(id, sizeof(id), "Intel(r) AMT Certificate: Handle: %u", k);
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT Certificate");
	sim_wsman_prop(o, "InstanceID", id);
	name_of(X509_get_issuer_name(x), name, sizeof(name));
	sim_wsman_prop(o, "Issuer", name);
	name_of(X509_get_subject_name(x), name, sizeof(name));
	sim_wsman_prop(o, "Subject", name);
	sim_wsman_prop_bool(o, "TrustedRootCertficate", (int)k < s.roots); /* sic, as AMT */
	int len = i2d_X509(x, &der);
	if (len > 0 && len <= CERT_DER_MAX && (b64 = malloc(4 * ((size_t)len / 3 + 1) + 1))) {
		EVP_EncodeBlock((unsigned char *)b64, der, len);
		sim_wsman_prop(o, "X509Certificate", b64);
	}
	free(b64);
	OPENSSL_free(der);
out:
	store_free(&s);
}

/* ---- AMT_TLSSettingData: 0 network (802.3), 1 local (LMS) ---- */

static unsigned two(const struct sim_state *st)
{
	(void)st;
	return 2;
}

static void tls_setting(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	const char *name = k == 0 ? "Intel(r) AMT 802.3 TLS Settings" : "Intel(r) AMT LMS TLS Settings";
	bool enabled = k == 0 && tls_on(st);
	sim_wsman_prop_bool(o, "AcceptNonSecureConnections", k == 1 || enabled);
	sim_wsman_prop(o, "ElementName", name);
	sim_wsman_prop_bool(o, "Enabled", enabled);
	sim_wsman_prop(o, "InstanceID", name);
	sim_wsman_prop_bool(o, "MutualAuthentication", false);
}

/* ---- AMT_TLSCredentialContext: AMT's TLS certificate in use ---- */

static unsigned context_count(const struct sim_state *st)
{
	struct store s;
	if (!tls_on(st))
		return 0;
	store_load(st, &s);
	store_free(&s);
	return s.total > s.roots ? 1 : 0;
}

static void tls_context(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	struct store s;
	char id[64];
	(void)k;
	store_load(st, &s);
	snprintf(id, sizeof(id), "Intel(r) AMT Certificate: Handle: %d", s.roots);
	store_free(&s);
	sim_wsman_prop_service_epr(o, "ElementInContext", AMT, "AMT_PublicKeyCertificate",
				   "InstanceID", id);
	sim_wsman_prop_service_epr(o, "ElementProvidingContext", AMT,
				   "AMT_TLSProtocolEndpointCollection", "ElementName",
				   "TLSProtocolEndpoint Instances Collection");
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_certificate_class = {
	.name = "AMT_PublicKeyCertificate",
	.uri = AMT "AMT_PublicKeyCertificate",
	.count = cert_count,
	.instance = cert_instance,
	.keys = instance_id_key,
	.datetime = true,
};
const struct sim_wsman_class sim_tls_setting_class = {
	.name = "AMT_TLSSettingData",
	.uri = AMT "AMT_TLSSettingData",
	.count = two,
	.instance = tls_setting,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_tls_context_class = {
	.name = "AMT_TLSCredentialContext",
	.uri = AMT "AMT_TLSCredentialContext",
	.count = context_count,
	.instance = tls_context,
	.keys = context_keys,
};
