// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_wsman_classes.c - the simulated AMT's WS-Man answers against the
 * recorded AMT response fixtures of tests/data/wsman (shapes from the
 * go-wsman-messages response fixtures, each file names its source):
 * Identify, the envelope and enumeration shape of every class, the
 * EnumerateEPR / EnumerateObjectAndEPR modes (every EPR leads back to its
 * instance), control headers, and the setup, time, authorization,
 * redirection, opt-in, certificate, TLS and inventory classes with their
 * methods. The remote-access classes are in test_sim_wsman_remote.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_wsman_test.h"
#include "wsman_fixture.h"

static struct wt T;
static struct sim_state S;

#define AMT_GS WT_AMT "AMT_GeneralSettings"
#define RULE WT_AMT "AMT_RemoteAccessPolicyRule"
#define TIME WT_AMT "AMT_TimeSynchronizationService"
#define AUTHZ WT_AMT "AMT_AuthorizationService"
#define WSMID "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"

/* Every class of the table, by resource URI (3PDS: AMT 16 has none). */
static const char *const all_classes[] = {
	WT_AMT "AMT_GeneralSettings", WT_AMT "AMT_SetupAndConfigurationService",
	WT_CIM "CIM_SoftwareIdentity", WT_AMT "AMT_EthernetPortSettings",
	WT_AMT "AMT_RemoteAccessService", WT_AMT "AMT_ManagementPresenceRemoteSAP",
	WT_AMT "AMT_RemoteAccessPolicyRule", WT_AMT "AMT_RemoteAccessPolicyAppliesToMPS",
	WT_AMT "AMT_MPSUsernamePassword", WT_AMT "AMT_UserInitiatedConnectionService",
	WT_IPS "IPS_HostBasedSetupService", WT_AMT "AMT_TimeSynchronizationService",
	WT_AMT "AMT_AuthorizationService", WT_AMT "AMT_RedirectionService",
	WT_IPS "IPS_OptInService", WT_AMT "AMT_PublicKeyCertificate",
	WT_AMT "AMT_TLSSettingData", WT_AMT "AMT_TLSCredentialContext", WT_CIM "CIM_Chassis",
	WT_CIM "CIM_Card", WT_CIM "CIM_BIOSElement", WT_CIM "CIM_Processor",
	WT_CIM "CIM_PhysicalMemory", WT_CIM "CIM_ComputerSystemPackage",
	WT_CIM "CIM_ServiceAvailableToElement",
};
#define NCLASSES (sizeof(all_classes) / sizeof(all_classes[0]))

static int setup(void **state)
{
	(void)state;
	if (wt_fixture_state(&S) != 0)
		return -1;
	return wt_init(&T, &S);
}

static int teardown(void **state)
{
	(void)state;
	wt_free(&T);
	return 0;
}

#define FIXTURE(name)                                                                              \
	do {                                                                                       \
		const char *why_ = wf_compare(T.r.body, T.r.len, name);                            \
		if (why_)                                                                          \
			fail_msg("%s: %s\n%.*s", name, why_, (int)T.r.len, T.r.body);              \
	} while (0)

static unsigned call(const char *uri, const char *method, ...)
{
	char body[4096], action[256];
	size_t off = (size_t)snprintf(body, sizeof(body), "<h:%s_INPUT xmlns:h=\"%s\">", method, uri);
	va_list ap;
	va_start(ap, method);
	for (const char *n; (n = va_arg(ap, const char *)) != NULL;) {
		const char *v = va_arg(ap, const char *);
		off += (size_t)snprintf(body + off, sizeof(body) - off, "<h:%s>%s</h:%s>", n, v, n);
	}
	va_end(ap);
	snprintf(body + off, sizeof(body) - off, "</h:%s_INPUT>", method);
	snprintf(action, sizeof(action), "%s/%s", uri, method);
	int status = wt_send(&T, false, action, uri, NULL, body);
	if (status != 200)
		return 1000u + (unsigned)status;
	const char *rv = wt_text(&T, "ReturnValue");
	return rv ? (unsigned)strtoul(rv, NULL, 10) : 999u;
}

static char ctx[64];

static int enumerate_mode(const char *uri, const char *mode)
{
	char body[256];
	snprintf(body, sizeof(body), "<n:Enumerate>%s%s%s</n:Enumerate>",
		 mode ? "<w:EnumerationMode>" : "", mode ? mode : "",
		 mode ? "</w:EnumerationMode>" : "");
	int status = wt_send(&T, false, WT_ENUMERATE, uri, NULL, body);
	const char *c = status == 200 ? wt_text(&T, "EnumerationContext") : NULL;
	snprintf(ctx, sizeof(ctx), "%.63s", c ? c : "");
	return status;
}

static int pull_all(const char *uri)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>"
		 "<n:MaxElements>100</n:MaxElements></n:Pull>",
		 ctx);
	return wt_send(&T, false, WT_PULL, uri, NULL, body);
}

/* ---------------- Identify ---------------- */

#define IDENTIFY "<wsmid:Identify xmlns:wsmid=\"" WSMID "\"/>"

static void identify(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, NULL, NULL, NULL, IDENTIFY), 200);
	FIXTURE("identify");
	/* the other reading of the vendor name, and no TLS: one profile */
	T.fw.st.identify_vendor = SIM_VENDOR_REGISTERED;
	T.fw.st.tls_cert[0] = '\0';
	assert_int_equal(wt_send(&T, false, NULL, NULL, NULL, IDENTIFY), 200);
	assert_string_equal(wt_text(&T, "ProductVendor"), "Intel(r)");
	assert_int_equal(wt_count(&T, "SecurityProfileName"), 1);
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "11.8.50");
	assert_int_equal(wt_send(&T, false, NULL, NULL, NULL, IDENTIFY), 200);
	assert_string_equal(wt_text(&T, "ProductVersion"), "AMT 11.8");

	/* what the HTTP side lets through without credentials */
	static const char ident[] = "<s:Envelope xmlns:s=\"" WT_SOAP "\"><s:Header/><s:Body>" IDENTIFY
				    "</s:Body></s:Envelope>";
	static const char with_action[] =
		"<s:Envelope xmlns:s=\"" WT_SOAP "\" xmlns:a=\"" WT_WSA "\"><s:Header><a:Action>" WT_GET
		"</a:Action></s:Header><s:Body>" IDENTIFY "</s:Body></s:Envelope>";
	static const char get[] = "<s:Envelope xmlns:s=\"" WT_SOAP "\"><s:Header/><s:Body/></s:Envelope>";
	assert_true(sim_wsman_is_identify(ident, strlen(ident)));
	assert_false(sim_wsman_is_identify(with_action, strlen(with_action)));
	assert_false(sim_wsman_is_identify(get, strlen(get)));
	assert_false(sim_wsman_is_identify("<s:Envelope", 11));
	assert_false(sim_wsman_is_identify("", 0));
}

/* ---------------- envelope and enumeration shape ---------------- */

/* a and b (and their siblings) the same trees, prefixes aside */
static bool same_tree(xmlNodePtr a, xmlNodePtr b)
{
	a = wf_next_el(a);
	b = wf_next_el(b);
	for (; a || b; a = wf_next_el(a->next), b = wf_next_el(b->next)) {
		if (!a || !b || xmlStrcmp(a->name, b->name))
			return false;
		if (!wf_next_el(a->children) && !wf_next_el(b->children)) {
			xmlChar *x = xmlNodeGetContent(a), *y = xmlNodeGetContent(b);
			bool eq = !xmlStrcmp(x, y);
			xmlFree(x);
			xmlFree(y);
			if (!eq)
				return false;
		} else if (!same_tree(a->children, b->children)) {
			return false;
		}
	}
	return true;
}

static bool same_node(xmlNodePtr a, xmlNodePtr b)
{
	return a && b && !xmlStrcmp(a->name, b->name) && same_tree(a->children, b->children);
}

static xmlNodePtr body_child(xmlDocPtr d)
{
	xmlNodePtr b = wt_find_in(xmlDocGetRootElement(d), "Body", &(unsigned){0});
	return b ? wf_next_el(b->children) : NULL;
}

static void general_and_enumerate_shape(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, AMT_GS, NULL, NULL), 200);
	FIXTURE("general-get");
	assert_int_equal(enumerate_mode(RULE, NULL), 200);
	FIXTURE("enumerate");
	/* amtc copies 36 characters after <g:EnumerationContext> */
	const char *p = strstr(T.r.body, "<g:EnumerateResponse><g:EnumerationContext>");
	assert_non_null(p);
	p += strlen("<g:EnumerateResponse><g:EnumerationContext>");
	assert_int_equal(strcspn(p, "<"), 36);
	/* AMT's contexts count up: the first four bytes, little-endian */
	char first[64];
	snprintf(first, sizeof(first), "%s", ctx);
	assert_int_equal(enumerate_mode(RULE, NULL), 200);
	unsigned a = (unsigned)strtoul(first, NULL, 16), b = (unsigned)strtoul(ctx, NULL, 16);
	unsigned la = a >> 24 | (a >> 8 & 0xFF00) | (a << 8 & 0xFF0000) | a << 24;
	unsigned lb = b >> 24 | (b >> 8 & 0xFF00) | (b << 8 & 0xFF0000) | b << 24;
	assert_int_equal(lb, la + 1);
}

/* Every class: Enumerate + Pull answers with AMT's shape, and each item
 * is what a Get with that item's key selectors answers. */
static void every_class_enumerates_and_gets(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCLASSES; i++) {
		const char *uri = all_classes[i];
		assert_int_equal(enumerate_mode(uri, NULL), 200);
		assert_true(wf_value_ok("{context}", ctx));
		assert_int_equal(pull_all(uri), 200);
		assert_string_equal(wt_text(&T, "ResourceURI"), uri);
		assert_non_null(wt_text(&T, "EndOfSequence"));
		/* g is the enumeration namespace, h the items' */
		assert_non_null(strstr(T.r.body, "xmlns:g=\"" WT_WSEN "\""));
		xmlNodePtr items = wt_find_in(xmlDocGetRootElement(T.doc), "Items", &(unsigned){0});
		assert_non_null(items);
		unsigned n = 0;
		for (xmlNodePtr it = wf_next_el(items->children); it; it = wf_next_el(it->next), n++) {
			assert_string_equal((const char *)it->ns->prefix, "h");
		}
		if (n == 0)
			fail_msg("%s: no instance in the test state", uri);
	}
}

/* Every class: EnumerateEPR's references lead back to their instance, with
 * the same properties as EnumerateObjectAndEPR's objects. */
static void epr_modes_round_trip(void **state)
{
	(void)state;
	assert_int_equal(enumerate_mode(RULE, "EnumerateEPR"), 200);
	assert_int_equal(pull_all(RULE), 200);
	FIXTURE("pull-epr");
	assert_int_equal(enumerate_mode(RULE, "EnumerateObjectAndEPR"), 200);
	assert_int_equal(pull_all(RULE), 200);
	FIXTURE("pull-objepr");

	for (size_t i = 0; i < NCLASSES; i++) {
		const char *uri = all_classes[i];
		assert_int_equal(enumerate_mode(uri, "EnumerateObjectAndEPR"), 200);
		assert_int_equal(pull_all(uri), 200);
		xmlDocPtr pulled = T.doc;
		T.doc = NULL;
		unsigned k = 0;
		for (xmlNodePtr item; (item = wt_find_in(xmlDocGetRootElement(pulled), "Item",
							  &(unsigned){k})) != NULL;
		     k++) {
			xmlNodePtr obj = wf_next_el(item->children);
			xmlNodePtr set = wt_find_in(wf_next_el(obj->next), "SelectorSet", &(unsigned){0});
			assert_non_null(set);
			xmlBufferPtr buf = xmlBufferCreate();
			xmlNodeDump(buf, pulled, set, 0, 0);
			char sel[8192];
			snprintf(sel, sizeof(sel), "%s", (const char *)xmlBufferContent(buf));
			xmlBufferFree(buf);
			if (wt_send(&T, false, WT_GET, uri, sel, NULL) != 200)
				fail_msg("%s item %u: Get by its EPR failed: %s", uri, k, T.r.body);
			if (!same_node(obj, body_child(T.doc)))
				fail_msg("%s item %u: Get answers another instance", uri, k);
		}
		if (k == 0)
			fail_msg("%s: no wsman:Item", uri);
		xmlFreeDoc(pulled);
	}
	/* modes AMT does not have, filters */
	assert_int_equal(enumerate_mode(RULE, "EnumerateObjectAndEPRs"), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "UnsupportedFeature"));
	assert_non_null(strstr(wt_text(&T, "FaultDetail"), "EnumerationMode"));
	assert_int_equal(wt_send(&T, false, WT_ENUMERATE, RULE, NULL,
				 "<n:Enumerate><w:Filter Dialect=\"x\">y</w:Filter></n:Enumerate>"),
			 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "FilteringNotSupported"));
}

static void control_headers(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, AMT_GS,
				 "<w:OptionSet s:mustUnderstand=\"true\"><w:Option Name=\"x\">1</w:Option>"
				 "</w:OptionSet>",
				 NULL),
			 400);
	assert_string_equal(wt_text(&T, "Value"), "a:MustUnderstand");
	assert_int_equal(wt_send(&T, false, WT_GET, AMT_GS,
				 "<w:OptionSet><w:Option Name=\"x\">1</w:Option></w:OptionSet>", NULL),
			 200);
	assert_int_equal(wt_send(&T, false, WT_GET, AMT_GS,
				 "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">1000</w:MaxEnvelopeSize>",
				 NULL),
			 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "EncodingLimit"));
	assert_int_equal(wt_send(&T, false, WT_GET, AMT_GS,
				 "<w:MaxEnvelopeSize>153600</w:MaxEnvelopeSize>", NULL),
			 200);
	/* Put and Delete where a class has none */
	assert_int_equal(wt_send(&T, false, WT_PUT, AMT_GS, NULL, "<x/>"), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "ActionNotSupported"));
	assert_int_equal(wt_send(&T, false, WT_DELETE, WT_CIM "CIM_Chassis", NULL, NULL), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "ActionNotSupported"));
}

/* ---------------- setup, time, users, redirection, opt-in ---------------- */

static void host_based_setup(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_IPS "IPS_HostBasedSetupService", NULL, NULL),
			 200);
	FIXTURE("hostbasedsetup-get");
	uint8_t nonce[32];
	const char *b64 = wt_text(&T, "ConfigurationNonce");
	assert_int_equal(EVP_DecodeBlock(nonce, (const unsigned char *)b64, (int)strlen(b64)), 21);
	T.fw.st.control_mode = 0;
	T.fw.st.prov_state = 0;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_IPS "IPS_HostBasedSetupService", NULL, NULL),
			 200);
	assert_string_equal(wt_text(&T, "CurrentControlMode"), "0");
	/* activation itself is not simulated */
	assert_int_equal(call(WT_IPS "IPS_HostBasedSetupService", "Setup", NULL), 1400);
}

static void time_synchronization(void **state)
{
	char ta0[16], tm[24];
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, TIME, NULL, NULL), 200);
	FIXTURE("timesync-get");
	assert_int_equal(call(TIME, "GetLowAccuracyTimeSynch", NULL), 0);
	FIXTURE("timesync-getlow");
	long now = (long)time(NULL);
	snprintf(ta0, sizeof(ta0), "%.15s", wt_text(&T, "Ta0"));
	assert_true(labs(strtol(ta0, NULL, 10) - now) <= 2);
	/* Ta0 must be the one AMT gave; Tm1 <= Tm2 */
	assert_int_equal(call(TIME, "SetHighAccuracyTimeSynch", "Ta0", "12", "Tm1", "1", "Tm2", "1",
			      NULL),
			 36);
	snprintf(tm, sizeof(tm), "%ld", now - 3600); /* the console says: an hour earlier */
	assert_int_equal(call(TIME, "SetHighAccuracyTimeSynch", "Ta0", ta0, "Tm1", "9", "Tm2", "8",
			      NULL),
			 36);
	assert_int_equal(call(TIME, "SetHighAccuracyTimeSynch", "Ta0", ta0, "Tm1", tm, "Tm2", tm,
			      NULL),
			 0);
	FIXTURE("timesync-sethigh");
	/* one Set per Get */
	assert_int_equal(call(TIME, "SetHighAccuracyTimeSynch", "Ta0", ta0, "Tm1", tm, "Tm2", tm,
			      NULL),
			 36);
	assert_int_equal(call(TIME, "GetLowAccuracyTimeSynch", NULL), 0);
	assert_true(labs(strtol(wt_text(&T, "Ta0"), NULL, 10) - (now - 3600)) <= 2);
	/* AMT's clock is NVM: saved */
	static struct sim_state back;
	char err[256];
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, T.path, err, sizeof(err)), 0);
	assert_true(labs(back.clock_offset_s + 3600) <= 2);
	assert_int_equal(call(TIME, "SetHighAccuracyTimeSynch", "Ta0", "x", "Tm1", tm, "Tm2", tm,
			      NULL),
			 1400); /* not a uint32: InvalidParameter fault */
}

static void authorization(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, AUTHZ, NULL, NULL), 200);
	FIXTURE("authorization-get");
	assert_int_equal(call(AUTHZ, "EnumerateUserAclEntries", "StartIndex", "1", NULL), 0);
	FIXTURE("authorization-enumerateusers");
	assert_int_equal(call(AUTHZ, "GetUserAclEntryEx", "Handle", "1", NULL), 0);
	FIXTURE("authorization-getuser");
	assert_int_equal(call(AUTHZ, "GetAdminAclEntry", NULL), 0);
	FIXTURE("authorization-getadmin");
	assert_int_equal(call(AUTHZ, "GetUserAclEntryEx", "Handle", "2", NULL), 0);
	assert_string_equal(wt_text(&T, "DigestUsername"), "helpdesk");
	assert_string_equal(wt_text(&T, "AccessPermission"), "2");
	assert_int_equal(wt_count(&T, "Realms"), 3);
	assert_string_equal(wt_text_n(&T, "Realms", 2), "13");
	/* paging from StartIndex, unknown handles */
	assert_int_equal(call(AUTHZ, "EnumerateUserAclEntries", "StartIndex", "2", NULL), 0);
	assert_string_equal(wt_text(&T, "TotalCount"), "2");
	assert_string_equal(wt_text(&T, "HandlesCount"), "1");
	assert_string_equal(wt_text(&T, "Handles"), "2");
	assert_int_equal(call(AUTHZ, "EnumerateUserAclEntries", "StartIndex", "3", NULL), 0);
	assert_string_equal(wt_text(&T, "HandlesCount"), "0");
	assert_int_equal(call(AUTHZ, "EnumerateUserAclEntries", "StartIndex", "0", NULL), 36);
	assert_int_equal(call(AUTHZ, "GetUserAclEntryEx", "Handle", "3", NULL), 0x805);
	assert_int_equal(call(AUTHZ, "GetAclEnabledState", "Handle", "2", NULL), 0);
	assert_string_equal(wt_text(&T, "Enabled"), "true");
	assert_int_equal(call(AUTHZ, "AddUserAclEntryEx", NULL), 1400); /* not simulated */
}

static void redirection_and_optin(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_RedirectionService", NULL, NULL),
			 200);
	FIXTURE("redirection-get");
	T.fw.st.redir_sol = false;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_RedirectionService", NULL, NULL),
			 200);
	assert_string_equal(wt_text(&T, "EnabledState"), "32769"); /* IDER only */
	assert_int_equal(wt_send(&T, false, WT_GET, WT_IPS "IPS_OptInService", NULL, NULL), 200);
	FIXTURE("optin-get");
	T.fw.st.optin_required = SIM_OPTIN_ALL;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_IPS "IPS_OptInService", NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptInRequired"), "4294967295");
	/* client control mode: consent always, policy fixed */
	T.fw.st.optin_required = SIM_OPTIN_NONE;
	T.fw.st.control_mode = 1;
	assert_int_equal(wt_send(&T, false, WT_GET, WT_IPS "IPS_OptInService", NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptInRequired"), "4294967295");
	assert_string_equal(wt_text(&T, "CanModifyOptInPolicy"), "0");
}

/* ---------------- certificates and TLS ---------------- */

static void certificates_and_tls(void **state)
{
	(void)state;
	assert_int_equal(enumerate_mode(WT_AMT "AMT_PublicKeyCertificate", NULL), 200);
	assert_int_equal(pull_all(WT_AMT "AMT_PublicKeyCertificate"), 200);
	FIXTURE("certificate-pull");
	/* the DER of the files the simulator uses */
	const char *files[] = {T.fw.st.cira_ca, T.fw.st.tls_cert};
	for (unsigned i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");
		assert_non_null(f);
		X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		char *b64 = malloc(4 * ((size_t)len / 3 + 1) + 1);
		EVP_EncodeBlock((unsigned char *)b64, der, len);
		assert_string_equal(wt_text_n(&T, "X509Certificate", i), b64);
		free(b64);
		OPENSSL_free(der);
		X509_free(x);
	}
	assert_int_equal(enumerate_mode(WT_AMT "AMT_TLSSettingData", NULL), 200);
	assert_int_equal(pull_all(WT_AMT "AMT_TLSSettingData"), 200);
	FIXTURE("tlssetting-pull");
	assert_int_equal(enumerate_mode(WT_AMT "AMT_TLSCredentialContext", NULL), 200);
	assert_int_equal(pull_all(WT_AMT "AMT_TLSCredentialContext"), 200);
	FIXTURE("tlscontext-pull");
	/* without TLS: no context, settings off; without [cira] ca: no roots */
	T.fw.st.tls_cert[0] = '\0';
	T.fw.st.cira_ca[0] = '\0';
	assert_int_equal(wt_send(&T, false, WT_GET, WT_AMT "AMT_TLSSettingData",
				 "<w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT 802.3 TLS "
				 "Settings</w:Selector></w:SelectorSet>",
				 NULL),
			 200);
	assert_string_equal(wt_text(&T, "Enabled"), "false");
	assert_int_equal(enumerate_mode(WT_AMT "AMT_TLSCredentialContext", NULL), 200);
	assert_int_equal(pull_all(WT_AMT "AMT_TLSCredentialContext"), 200);
	assert_int_equal(wt_count(&T, "AMT_TLSCredentialContext"), 0);
	assert_int_equal(enumerate_mode(WT_AMT "AMT_PublicKeyCertificate", NULL), 200);
	assert_int_equal(pull_all(WT_AMT "AMT_PublicKeyCertificate"), 200);
	assert_int_equal(wt_count(&T, "AMT_PublicKeyCertificate"), 0);
}

/* ---------------- inventory ---------------- */

static void inventory(void **state)
{
	(void)state;
	static const struct {
		const char *uri, *fixture;
		bool pull;
	} cases[] = {
		{WT_CIM "CIM_Chassis", "chassis-get", false},
		{WT_CIM "CIM_Card", "card-get", false},
		{WT_CIM "CIM_BIOSElement", "bios-get", false},
		{WT_CIM "CIM_Processor", "processor-get", false},
		{WT_CIM "CIM_PhysicalMemory", "memory-pull", true},
		{WT_CIM "CIM_ComputerSystemPackage", "systempackage-get", false},
		{WT_CIM "CIM_ServiceAvailableToElement", "serviceavailable-pull", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].pull) {
			assert_int_equal(enumerate_mode(cases[i].uri, NULL), 200);
			assert_int_equal(pull_all(cases[i].uri), 200);
		} else {
			assert_int_equal(wt_send(&T, false, WT_GET, cases[i].uri, NULL, NULL), 200);
		}
		FIXTURE(cases[i].fixture);
	}
	/* the BIOS version is the one GetCodeVersions reports */
	snprintf(T.fw.st.bios, sizeof(T.fw.st.bios), "SIM.BIOS.0002");
	assert_int_equal(wt_send(&T, false, WT_GET, WT_CIM "CIM_BIOSElement", NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "Version"), "SIM.BIOS.0002");
	/* two memory modules: Get needs the key */
	assert_int_equal(wt_send(&T, false, WT_GET, WT_CIM "CIM_PhysicalMemory", NULL, NULL), 400);
	assert_int_equal(wt_send(&T, false, WT_GET, WT_CIM "CIM_PhysicalMemory",
				 "<w:SelectorSet><w:Selector Name=\"CreationClassName\">CIM_PhysicalMemory"
				 "</w:Selector><w:Selector Name=\"Tag\">9876543210 (#1)</w:Selector>"
				 "</w:SelectorSet>",
				 NULL),
			 200);
	assert_string_equal(wt_text(&T, "BankLabel"), "BANK 2");
}

/* The defaults and the INI form of [hardware] */
static void hardware_state(void **state)
{
	static struct sim_state st, back;
	char err[256], path[] = "/tmp/hw-test.XXXXXX";
	(void)state;
	sim_state_defaults(&st);
	assert_int_equal(sim_hw_cpu_nth(&st.hw, 0), 0);
	assert_int_equal(sim_hw_cpu_nth(&st.hw, 1), -1);
	assert_int_equal(sim_hw_dimm_nth(&st.hw, 1), 1);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("[hardware.memory.3]\ntag = only\ncapacity_mb = 4096\n[hardware]\nbios_release_date = "
	      "2023-01-31\n",
	      f);
	fclose(f);
	assert_int_equal(sim_state_load(&st, path, err, sizeof(err)), 0);
	assert_int_equal(sim_hw_dimm_nth(&st.hw, 0), 3); /* the file's list replaces the defaults */
	assert_int_equal(sim_hw_dimm_nth(&st.hw, 1), -1);
	assert_int_equal(st.hw.dimms[3].capacity_mb, 4096);
	assert_int_equal(sim_state_save(&st, path), 0);
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, path, err, sizeof(err)), 0);
	assert_memory_equal(&back.hw, &st.hw, sizeof(st.hw));
	static const char *const bad[] = {
		"[hardware]\nbios_release_date = 2023-13-01\n",
		"[hardware]\nchassis_model = a;b\n",
		"[hardware.cpu.4]\nfamily = 1\n",
		"[hardware.memory.0]\ncapacity_mb = 0\n",
		"[hardware.gpu.0]\nx = 1\n",
		"[hardware.memory.0]\ntag = \n", /* the CIM key, empty */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		sim_state_defaults(&st);
		if (sim_state_load(&st, path, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(identify, setup, teardown),
		cmocka_unit_test_setup_teardown(general_and_enumerate_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(every_class_enumerates_and_gets, setup, teardown),
		cmocka_unit_test_setup_teardown(epr_modes_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(control_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(host_based_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(time_synchronization, setup, teardown),
		cmocka_unit_test_setup_teardown(authorization, setup, teardown),
		cmocka_unit_test_setup_teardown(redirection_and_optin, setup, teardown),
		cmocka_unit_test_setup_teardown(certificates_and_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(inventory, setup, teardown),
		cmocka_unit_test(hardware_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
