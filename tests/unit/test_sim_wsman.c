// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_wsman.c - the simulated WS-Man service: the Authorization header
 * parser and digest check (RFC 2617 vectors), the nonce table, SOAP
 * dispatch of the read-only classes driven in-process. The HTTP side is in
 * test_sim_wsman_http.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_test.h"

static struct wt T;

/* ---------------- Authorization header parser ---------------- */

#define CURL_HDR                                                                              \
	"Digest username=\"admin\", realm=\"Digest:A4070000000000000000000000000000\", "      \
	"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/wsman\", "                     \
	"cnonce=\"0a4f113b\", nc=00000001, qop=auth, "                                       \
	"response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5"

static void parse_curl_style(void **state)
{
	struct http_digest_auth a;
	(void)state;
	assert_int_equal(http_digest_parse(CURL_HDR, &a), 0);
	assert_string_equal(a.username, "admin");
	assert_string_equal(a.realm, "Digest:A4070000000000000000000000000000");
	assert_string_equal(a.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	assert_string_equal(a.uri, "/wsman");
	assert_string_equal(a.cnonce, "0a4f113b");
	assert_string_equal(a.nc, "00000001");
	assert_string_equal(a.qop, "auth");
	assert_string_equal(a.response, "6629fae49393a05397450978507c4ef1");
	assert_string_equal(a.algorithm, "MD5");
}

static void parse_escapes_blanks_and_unknowns(void **state)
{
	struct http_digest_auth a;
	(void)state;
	/* escapes, blanks around '=' and ',', empty items, unknown parameters,
	 * case-insensitive scheme and names, quoted qop */
	assert_int_equal(http_digest_parse("  dIgEsT   USERNAME = \"ad\\\"m\\\\in\" ,, realm=\"r\","
					  "nonce=\"n\" , uri=\"/wsman\",response="
					  "\"6629FAE49393A05397450978507C4EF1\",opaque=\"\","
					  "x-extension=\"what,ever\",qop=\"auth\",nc=0000000a,"
					  "cnonce=\"c\" ,",
					  &a),
			 0);
	assert_string_equal(a.username, "ad\"m\\in");
	assert_string_equal(a.qop, "auth");
	assert_string_equal(a.nc, "0000000a");
	assert_string_equal(a.opaque, "");
}

static void parse_rejects(void **state)
{
	struct http_digest_auth a;
	char big[4096];
	(void)state;
	static const char *const bad[] = {
		"Basic YWRtaW46cGFzcw==",
		"Digestusername=\"a\"",
		"Digest",
		/* missing each required field */
		"Digest realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", realm=\"r\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\"",
		/* response not 32 hex */
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae4\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4efz\"",
		/* qop without nc / cnonce, bad nc */
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", qop=auth, cnonce=\"c\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", qop=auth, nc=00000001, response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", qop=auth, nc=1, cnonce=\"c\", response=\"6629fae49393a05397450978507c4ef1\"",
		/* duplicate, unterminated, dangling escape, junk after a value, empty token */
		"Digest username=\"a\", username=\"b\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a, realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=\"a\\",
		"Digest username=\"a\"x, realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest username=, realm=\"r\", nonce=\"n\", uri=\"/wsman\", response=\"6629fae49393a05397450978507c4ef1\"",
		"Digest =\"a\", realm=\"r\"",
		"Digest username",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (http_digest_parse(bad[i], &a) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(http_digest_parse(NULL, &a), -1);

	/* overlong known fields: username 65 characters, uri 256 */
	snprintf(big, sizeof(big),
		 "Digest username=\"%065d\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", "
		 "response=\"6629fae49393a05397450978507c4ef1\"",
		 0);
	assert_int_equal(http_digest_parse(big, &a), -1);
	snprintf(big, sizeof(big),
		 "Digest username=\"%064d\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", "
		 "response=\"6629fae49393a05397450978507c4ef1\"",
		 0);
	assert_int_equal(http_digest_parse(big, &a), 0); /* exactly the limit */
	snprintf(big, sizeof(big),
		 "Digest username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/%0256d\", "
		 "response=\"6629fae49393a05397450978507c4ef1\"",
		 0);
	assert_int_equal(http_digest_parse(big, &a), -1);
	/* an overlong unknown parameter is skipped, not an error */
	snprintf(big, sizeof(big),
		 "Digest foo=\"%0600d\", username=\"a\", realm=\"r\", nonce=\"n\", uri=\"/wsman\", "
		 "response=\"6629fae49393a05397450978507c4ef1\"",
		 0);
	assert_int_equal(http_digest_parse(big, &a), 0);
	/* the whole header is capped */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Digest ", 7);
	assert_int_equal(http_digest_parse(big, &a), -1);
}

/* ---------------- digest computation and verification ---------------- */

static void digest_rfc2617_vectors(void **state)
{
	char out[33];
	(void)state;
	/* RFC 2617 section 3.5 */
	http_digest_compute("Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
			   "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
			   "0a4f113b", "auth", out);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
	/* the same credentials for AMT's POST /wsman */
	http_digest_compute("Mufasa", "testrealm@host.com", "Circle Of Life", "POST", "/wsman",
			   "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b", "auth",
			   out);
	assert_string_equal(out, "e5a34bc309c3ea959ae53c04ac7b2cc2");
}

static void digest_verify(void **state)
{
	struct http_digest_auth a;
	(void)state;
	const char *h = "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
			"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/wsman\", qop=auth, "
			"nc=00000001, cnonce=\"0a4f113b\", response=\"E5A34BC309C3EA959AE53C04AC7B2CC2\"";
	assert_int_equal(http_digest_parse(h, &a), 0);
	assert_true(http_digest_verify(&a, "POST", "testrealm@host.com", "Circle Of Life"));
	assert_false(http_digest_verify(&a, "POST", "testrealm@host.com", "Circle of Life"));
	assert_false(http_digest_verify(&a, "POST", "other realm", "Circle Of Life"));
	assert_false(http_digest_verify(&a, "GET", "testrealm@host.com", "Circle Of Life"));
	struct http_digest_auth b = a;
	snprintf(b.algorithm, sizeof(b.algorithm), "MD5-sess");
	assert_false(http_digest_verify(&b, "POST", "testrealm@host.com", "Circle Of Life"));
	b = a;
	snprintf(b.qop, sizeof(b.qop), "auth-int");
	assert_false(http_digest_verify(&b, "POST", "testrealm@host.com", "Circle Of Life"));
	b = a;
	snprintf(b.qop, sizeof(b.qop), "auth,auth-int"); /* a list is not an answer */
	assert_false(http_digest_verify(&b, "POST", "testrealm@host.com", "Circle Of Life"));
	b = a;
	b.qop[0] = '\0'; /* RFC 2069 style: AMT asks for qop */
	assert_false(http_digest_verify(&b, "POST", "testrealm@host.com", "Circle Of Life"));
}

static void nonce_table(void **state)
{
	static struct http_nonces t;
	char n1[33], n2[33];
	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(http_nonce_issue(&t, 1000, n1), 0);
	assert_int_equal(strlen(n1), 32);
	assert_int_equal(http_nonce_issue(&t, 1000, n2), 0);
	assert_string_not_equal(n1, n2);
	assert_int_equal(http_nonce_use(&t, n1, "00000001", 2000), 0);
	assert_int_equal(http_nonce_use(&t, n1, "00000001", 2000), -1); /* replay */
	assert_int_equal(http_nonce_use(&t, n1, "00000002", 2000), 0);
	assert_int_equal(http_nonce_use(&t, n1, "2", 2000), -1);
	assert_int_equal(http_nonce_use(&t, "0123456789abcdef0123456789abcdef", "00000001", 2000),
			 -1);
	assert_int_equal(http_nonce_use(&t, n2, "00000001", 1000 + HTTP_NONCE_LIFE_MS + 1), -1);
	/* full table: the oldest goes */
	memset(&t, 0, sizeof(t));
	assert_int_equal(http_nonce_issue(&t, 1, n1), 0);
	for (int i = 0; i < HTTP_NONCE_SLOTS; i++)
		assert_int_equal(http_nonce_issue(&t, 2 + i, n2), 0);
	assert_int_equal(http_nonce_use(&t, n1, "00000001", 100), -1);
	assert_int_equal(http_nonce_use(&t, n2, "00000001", 100), 0);
}

static void realm_from_uuid(void **state)
{
	static struct sim_state st;
	char realm[80];
	(void)state;
	sim_state_defaults(&st);
	sim_digest_realm(&st, realm, sizeof(realm));
	assert_string_equal(realm, "Digest:7856341234127856123456789ABCDEF0");
	snprintf(st.digest_realm, sizeof(st.digest_realm), "Digest:A4070000000000000000000000000000");
	sim_digest_realm(&st, realm, sizeof(realm));
	assert_string_equal(realm, "Digest:A4070000000000000000000000000000");
}

/* ---------------- SOAP dispatch ---------------- */

static int setup_v11(void **state)
{
	static struct sim_state st;
	(void)state;
	sim_state_defaults(&st);
	snprintf(st.version, sizeof(st.version), "11.8.50");
	snprintf(st.build, sizeof(st.build), "3425");
	snprintf(st.dns_suffix, sizeof(st.dns_suffix), "corp.example.com");
	st.prov_state = 2;
	st.control_mode = 2;
	st.wireless.present = true;
	st.wired.ipv4 = 0x0A141E28; /* 10.20.30.40 */
	memcpy(st.wired.mac, "\x00\x1a\x2b\x3c\x4d\x5e", 6);
	return wt_init(&T, &st);
}

static int teardown(void **state)
{
	(void)state;
	wt_free(&T);
	return 0;
}

static void get_general_settings(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_GeneralSettings", NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "RelatesTo"), "uuid:test-1");
	assert_string_equal(wt_text(&T, "Action"),
			    "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse");
	assert_true(strncmp(wt_text(&T, "MessageID"), "uuid:", 5) == 0);
	assert_string_equal(wt_text(&T, "InstanceID"), "Intel(r) AMT: General Settings");
	assert_string_equal(wt_text(&T, "HostName"), "amt-sim");
	assert_string_equal(wt_text(&T, "DomainName"), "corp.example.com");
	assert_string_equal(wt_text(&T, "DigestRealm"), "Digest:7856341234127856123456789ABCDEF0");
	assert_string_equal(wt_text(&T, "NetworkInterfaceEnabled"), "true");
	assert_string_equal(wt_text(&T, "AMTNetworkEnabled"), "1");
	assert_string_equal(wt_text(&T, "SharedFQDN"), "true");
	/* the response is the class element in the class namespace */
	xmlNodePtr body = wt_find_in(xmlDocGetRootElement(T.doc), "Body", &(unsigned){0});
	xmlNodePtr inst = body ? body->children : NULL;
	assert_non_null(inst);
	assert_string_equal((const char *)inst->name, "AMT_GeneralSettings");
	assert_string_equal((const char *)inst->ns->href, WT_AMT "AMT_GeneralSettings");
}

static void setup_service_modes(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_SetupAndConfigurationService", NULL,
				 NULL),
			 200);
	assert_string_equal(wt_text(&T, "ProvisioningMode"), "1"); /* ACM */
	assert_string_equal(wt_text(&T, "ProvisioningState"), "2");
	assert_string_equal(wt_text(&T, "Name"), "Intel(r) AMT Setup and Configuration Service");
	assert_string_equal(wt_text(&T, "TrustedDNSSuffix"), "corp.example.com");
	assert_string_equal(wt_text(&T, "ConfigurationServerFQDN"), "");
	snprintf(T.fw.st.prov_server, sizeof(T.fw.st.prov_server), "scs.corp.example.com:9971");
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_SetupAndConfigurationService", NULL,
				 NULL),
			 200);
	assert_string_equal(wt_text(&T, "ConfigurationServerFQDN"), "scs.corp.example.com");
	T.fw.st.control_mode = 1;
	T.fw.st.prov_state = 1;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_SetupAndConfigurationService", NULL,
				 NULL),
			 200);
	assert_string_equal(wt_text(&T, "ProvisioningMode"), "4"); /* CCM */
	assert_string_equal(wt_text(&T, "ProvisioningState"), "1");
}

static void platform_guid(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_CIM "CIM_ComputerSystemPackage", NULL, NULL),
			 200);
	assert_string_equal(wt_text(&T, "PlatformGUID"), "7856341234127856123456789ABCDEF0");
	assert_non_null(wt_text(&T, "Antecedent"));
}

#define SEL(v) "<w:SelectorSet><w:Selector Name=\"InstanceID\">" v "</w:Selector></w:SelectorSet>"

static void ethernet_ports(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_EthernetPortSettings",
				 SEL("Intel(r) AMT Ethernet Port Settings 0"), NULL),
			 200);
	assert_string_equal(wt_text(&T, "MACAddress"), "00-1a-2b-3c-4d-5e");
	assert_string_equal(wt_text(&T, "IPAddress"), "10.20.30.40");
	assert_string_equal(wt_text(&T, "LinkIsUp"), "true");
	assert_string_equal(wt_text(&T, "DHCPEnabled"), "true");
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_EthernetPortSettings",
				 SEL("Intel(r) AMT Ethernet Port Settings 1"), NULL),
			 200);
	assert_string_equal(wt_text(&T, "MACAddress"), "00-16-3e-00-00-02");
	/* two instances: Get needs the selector */
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_EthernetPortSettings", NULL, NULL),
			 400);
	assert_non_null(strstr(wt_text(&T, "Subcode"), "InvalidSelectors"));
	/* no wireless: instance 1 does not exist */
	T.fw.st.wireless.present = false;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_EthernetPortSettings",
				 SEL("Intel(r) AMT Ethernet Port Settings 1"), NULL),
			 400);
	assert_non_null(strstr(wt_text(&T, "Subcode"), "InvalidSelectors"));
	/* a selector that is no property */
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_EthernetPortSettings",
				 "<w:SelectorSet><w:Selector Name=\"Bogus\">x</w:Selector>"
				 "</w:SelectorSet>",
				 NULL),
			 400);
	assert_non_null(strstr(wt_text(&T, "FaultDetail"), "UnexpectedSelectors"));
}

static void faults(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_NoSuchClass", NULL, NULL), 400);
	assert_string_equal(wt_text(&T, "Value"), "a:Sender");
	assert_string_equal(wt_text_n(&T, "Value", 1), "b:DestinationUnreachable");
	assert_string_equal(wt_text(&T, "Text"),
			    "No route can be determined to reach the destination role defined by "
			    "the WS-Addressing To.");
	assert_string_equal(wt_text(&T, "RelatesTo"), "uuid:test-1");
	assert_int_equal(wt_send(&T, false, NULL, WT_AMT "AMT_GeneralSettings", NULL, NULL), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "MessageInformationHeaderRequired"));
	assert_int_equal(wt_send(&T, false, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
				 WT_AMT "AMT_GeneralSettings", NULL, NULL),
			 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "ActionNotSupported"));
	/* a method on a class without methods */
	assert_int_equal(wt_send(&T, false, WT_AMT "AMT_GeneralSettings/Frob",
				 WT_AMT "AMT_GeneralSettings", NULL, NULL),
			 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "ActionNotSupported"));
	/* 3PDS is gone from AMT 12 on */
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "12.0.1");
	assert_int_equal(wt_send(&T, false, WT_GET, WT_3PDS, NULL, NULL), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "DestinationUnreachable"));
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "11.8.50");
	assert_int_equal(wt_send(&T, false, WT_GET, WT_3PDS, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "Name"), "Intel(r) AMT Third Party Data Storage Service");
}

static void malformed_requests(void **state)
{
	struct sim_wsman_reply r;
	(void)state;
	static const char *const bad[] = {
		"",
		"not xml",
		"<a/>",
		"<s:Envelope xmlns:s=\"" WT_SOAP "\"><s:Body/></s:Envelope>",
		"<?xml version=\"1.0\"?><!DOCTYPE s [<!ENTITY x \"y\">]><s:Envelope xmlns:s=\"" WT_SOAP
		"\"><s:Header/><s:Body>&x;</s:Body></s:Envelope>",
		"<s:Envelope xmlns:s=\"" WT_SOAP "\"><s:Header><w:SelectorSet xmlns:w=\"" WT_WSMAN
		"\"><w:Selector>no name</w:Selector></w:SelectorSet></s:Header><s:Body/></s:Envelope>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sim_wsman_handle(T.core, bad[i], strlen(bad[i]), false, &r), 0);
		assert_int_equal(r.status, 400);
		assert_non_null(strstr(r.body, "Fault"));
		sim_wsman_reply_free(&r);
	}
	/* every prefix of a good request is answered, never crashes */
	static const char good[] =
		"<s:Envelope xmlns:s=\"" WT_SOAP "\" xmlns:a=\"" WT_WSA "\" xmlns:w=\"" WT_WSMAN
		"\"><s:Header><a:Action>" WT_GET "</a:Action><w:ResourceURI>" WT_AMT
		"AMT_GeneralSettings</w:ResourceURI><a:MessageID>1</a:MessageID></s:Header>"
		"<s:Body/></s:Envelope>";
	for (size_t n = 0; n < sizeof(good) - 1; n++) {
		assert_int_equal(sim_wsman_handle(T.core, good, n, false, &r), 0);
		assert_int_equal(r.status, 400);
		sim_wsman_reply_free(&r);
	}
	assert_int_equal(sim_wsman_handle(T.core, good, sizeof(good) - 1, false, &r), 0);
	assert_int_equal(r.status, 200);
	sim_wsman_reply_free(&r);
}

static char ctx_buf[64];

static const char *enumerate(const char *uri)
{
	if (wt_send(&T, false, WT_ENUMERATE, uri, NULL, "<n:Enumerate/>") != 200)
		return NULL;
	snprintf(ctx_buf, sizeof(ctx_buf), "%.63s", wt_text(&T, "EnumerationContext"));
	return ctx_buf;
}

static int pull(const char *uri, const char *ctx, unsigned max)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>"
		 "<n:MaxElements>%u</n:MaxElements></n:Pull>",
		 ctx, max);
	return wt_send(&T, false, WT_PULL, uri, NULL, body);
}

static void enumerate_pull_software_identity(void **state)
{
	(void)state;
	const char *uri = WT_CIM "CIM_SoftwareIdentity";
	char ctx[64];
	const char *names[16];
	unsigned total = 0;
	snprintf(ctx, sizeof(ctx), "%s", enumerate(uri));
	assert_true(strlen(ctx) > 0);
	assert_string_equal(wt_text(&T, "Action"), WT_WSEN "/EnumerateResponse");
	for (int round = 0; round < 3; round++) {
		assert_int_equal(pull(uri, ctx, 4), 200);
		assert_string_equal(wt_text(&T, "Action"), WT_WSEN "/PullResponse");
		unsigned n = wt_count(&T, "CIM_SoftwareIdentity");
		for (unsigned i = 0; i < n; i++)
			names[total + i] = strdup(wt_text_n(&T, "InstanceID", i));
		total += n;
		if (round < 2) {
			assert_int_equal(n, 4);
			assert_null(wt_text(&T, "EndOfSequence"));
			assert_string_equal(wt_text(&T, "EnumerationContext"), ctx);
		} else {
			assert_int_equal(n, 2); /* AMT 11: 10 entries, no "AMT FW Core Version" */
			assert_non_null(wt_text(&T, "EndOfSequence"));
			assert_null(wt_text(&T, "EnumerationContext"));
		}
	}
	assert_int_equal(total, 10);
	assert_string_equal(names[0], "Flash");
	assert_string_equal(names[3], "AMT");
	assert_string_equal(names[6], "Build Number");
	for (unsigned i = 0; i < total; i++)
		free((void *)names[i]);
	/* the context is gone after EndOfSequence */
	assert_int_equal(pull(uri, ctx, 4), 500);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "InvalidEnumerationContext"));

	/* Get with the InstanceID selector */
	assert_int_equal(wt_send(&T, false, WT_GET, uri, SEL("Build Number"), NULL), 200);
	assert_string_equal(wt_text(&T, "VersionString"), "3425");
	assert_string_equal(wt_text(&T, "IsEntity"), "true");
}

static void enumeration_contexts(void **state)
{
	(void)state;
	const char *uri = WT_AMT "AMT_EthernetPortSettings";
	char ctx[64];
	/* default MaxElements is 1 */
	snprintf(ctx, sizeof(ctx), "%s", enumerate(uri));
	assert_int_equal(wt_send(&T, false, WT_PULL, uri, NULL,
				 "<n:Pull><n:EnumerationContext>x</n:EnumerationContext></n:Pull>"),
			 500);
	char body[256];
	snprintf(body, sizeof(body), "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>",
		 ctx);
	assert_int_equal(wt_send(&T, false, WT_PULL, uri, NULL, body), 200);
	assert_int_equal(wt_count(&T, "AMT_EthernetPortSettings"), 1);
	/* a context belongs to its class */
	assert_int_equal(pull(WT_CIM "CIM_SoftwareIdentity", ctx, 10), 500);
	/* idle contexts expire */
	T.now_ms += 121 * 1000;
	assert_int_equal(pull(uri, ctx, 10), 500);
	/* Release ends one */
	snprintf(ctx, sizeof(ctx), "%s", enumerate(uri));
	snprintf(body, sizeof(body),
		 "<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>", ctx);
	assert_int_equal(wt_send(&T, false, WT_WSEN "/Release", uri, NULL, body), 200);
	assert_int_equal(pull(uri, ctx, 10), 500);
	/* the table is bounded: the oldest of many is dropped */
	char first[64];
	snprintf(first, sizeof(first), "%s", enumerate(uri));
	for (int i = 0; i < 40; i++) {
		T.now_ms += 1;
		assert_non_null(enumerate(uri));
	}
	assert_int_equal(pull(uri, first, 10), 500);
	assert_int_equal(pull(uri, ctx_buf, 10), 200);
	assert_non_null(wt_text(&T, "EndOfSequence"));
	/* Enumerate needs its element */
	assert_int_equal(wt_send(&T, false, WT_ENUMERATE, uri, NULL, NULL), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_curl_style),
		cmocka_unit_test(parse_escapes_blanks_and_unknowns),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(digest_rfc2617_vectors),
		cmocka_unit_test(digest_verify),
		cmocka_unit_test(nonce_table),
		cmocka_unit_test(realm_from_uuid),
		cmocka_unit_test_setup_teardown(get_general_settings, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(setup_service_modes, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(platform_guid, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(ethernet_ports, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(faults, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(malformed_requests, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(enumerate_pull_software_identity, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(enumeration_contexts, setup_v11, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
