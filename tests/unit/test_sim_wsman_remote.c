// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_wsman_remote.c - the remote-access (CIRA) classes of the
 * simulated AMT against the recorded AMT response fixtures of
 * tests/data/wsman, and the one truth they share with the host side: CIRA
 * configured over WS-Man the way a provisioning service does it (add an
 * MPS, add a policy rule, set the association and the user-initiated
 * interfaces) is what OpenUserInitiatedConnection,
 * GetUserInitiatedEnabledInterfaces and GetRemoteAccessConnectionStatus
 * see over AMTHI, and what the state file keeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fw_test.h"
#include "sim_wsman_test.h"
#include "tools/sim/sim_cira.h"
#include "wsman_fixture.h"

static struct wt T;
static struct sim_state S;

#define RAS WT_AMT "AMT_RemoteAccessService"
#define SAP WT_AMT "AMT_ManagementPresenceRemoteSAP"
#define RULE WT_AMT "AMT_RemoteAccessPolicyRule"
#define APPLIES WT_AMT "AMT_RemoteAccessPolicyAppliesToMPS"
#define CRED WT_AMT "AMT_MPSUsernamePassword"
#define UIC WT_AMT "AMT_UserInitiatedConnectionService"
#define MPS(n) "Intel(r) AMT:Management Presence Server " #n

#define FIXTURE(name)                                                                              \
	do {                                                                                       \
		const char *why_ = wf_compare(T.r.body, T.r.len, name);                            \
		if (why_)                                                                          \
			fail_msg("%s: %s\n%.*s", name, why_, (int)T.r.len, T.r.body);              \
	} while (0)

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (wt_fixture_state(&S) != 0 || wt_init(&T, &S) != 0)
		return -1;
	return sim_amthi_register(&T.fw, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	sim_cira_shutdown(&T.fw);
	wt_free(&T);
	return 0;
}

/* An MpServer-style EPR parameter naming an MPS entry by Name, as
 * go-wsman-messages builds it (remoteaccess/service.go). */
#define MPS_REF(tag, name)                                                                         \
	"<h:" tag "><b:Address>" WT_WSA "/role/anonymous</b:Address><b:ReferenceParameters>"      \
	"<c:ResourceURI>" SAP "</c:ResourceURI><c:SelectorSet><c:Selector Name=\"Name\">" name     \
	"</c:Selector></c:SelectorSet></b:ReferenceParameters></h:" tag ">"

/* Method with a raw parameter list; ReturnValue, or 1000 + HTTP status. */
static unsigned invoke(const char *uri, const char *method, const char *params)
{
	char body[8192], action[256];
	snprintf(body, sizeof(body), "<h:%s_INPUT xmlns:h=\"%s\">%s</h:%s_INPUT>", method, uri,
		 params, method);
	snprintf(action, sizeof(action), "%s/%s", uri, method);
	int status = wt_send(&T, false, action, uri, NULL, body);
	if (status != 200)
		return 1000u + (unsigned)status;
	const char *rv = wt_text(&T, "ReturnValue");
	return rv ? (unsigned)strtoul(rv, NULL, 10) : 999u;
}

static unsigned add_mps(const char *host, const char *format, const char *port, const char *auth,
			const char *user)
{
	char p[1024];
	snprintf(p, sizeof(p),
		 "<h:AccessInfo>%s</h:AccessInfo><h:InfoFormat>%s</h:InfoFormat><h:Port>%s</h:Port>"
		 "<h:AuthMethod>%s</h:AuthMethod>%s%s%s<h:Password>P4ss-word</h:Password>",
		 host, format, port, auth, user ? "<h:Username>" : "", user ? user : "",
		 user ? "</h:Username>" : "");
	return invoke(RAS, "AddMpServer", p);
}

static unsigned add_rule(const char *trigger, const char *ext, const char *refs)
{
	char p[4096];
	snprintf(p, sizeof(p), "<h:Trigger>%s</h:Trigger><h:TunnelLifeTime>0</h:TunnelLifeTime>%s%s%s%s",
		 trigger, ext ? "<h:ExtendedData>" : "", ext ? ext : "",
		 ext ? "</h:ExtendedData>" : "", refs);
	return invoke(RAS, "AddRemoteAccessPolicyRule", p);
}

static int pull_all(const char *uri)
{
	char body[256];
	if (wt_send(&T, false, WT_ENUMERATE, uri, NULL, "<n:Enumerate/>") != 200)
		return -1;
	snprintf(body, sizeof(body),
		 "<n:Pull><n:EnumerationContext>%.40s</n:EnumerationContext>"
		 "<n:MaxElements>100</n:MaxElements></n:Pull>",
		 wt_text(&T, "EnumerationContext"));
	return wt_send(&T, false, WT_PULL, uri, NULL, body);
}

static uint32_t ui_interfaces(void)
{
	uint8_t b[8];
	size_t n = 0;
	assert_int_equal(simt_amthi(&T.fw, AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES, NULL, 0, b,
				    sizeof(b), &n),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(n, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* The two selectors of an AMT_RemoteAccessPolicyAppliesToMPS, as RPS sends them. */
static void applies_selectors(char *out, size_t cap, const char *mps, const char *rule)
{
	snprintf(out, cap,
		 "<w:SelectorSet><w:Selector Name=\"ManagedElement\"><b:EndpointReference>"
		 "<b:Address>" WT_WSA "/role/anonymous</b:Address><b:ReferenceParameters>"
		 "<c:ResourceURI>" SAP "</c:ResourceURI><c:SelectorSet>"
		 "<c:Selector Name=\"CreationClassName\">AMT_ManagementPresenceRemoteSAP</c:Selector>"
		 "<c:Selector Name=\"Name\">%s</c:Selector>"
		 "<c:Selector Name=\"SystemCreationClassName\">CIM_ComputerSystem</c:Selector>"
		 "<c:Selector Name=\"SystemName\">Intel(r) AMT</c:Selector></c:SelectorSet>"
		 "</b:ReferenceParameters></b:EndpointReference></w:Selector>"
		 "<w:Selector Name=\"PolicySet\"><b:EndpointReference>"
		 "<b:Address>" WT_WSA "/role/anonymous</b:Address><b:ReferenceParameters>"
		 "<c:ResourceURI>" RULE "</c:ResourceURI><c:SelectorSet>"
		 "<c:Selector Name=\"SystemName\">Intel(r) AMT</c:Selector>"
		 "<c:Selector Name=\"PolicyRuleName\">%s</c:Selector>"
		 "<c:Selector Name=\"CreationClassName\">AMT_RemoteAccessPolicyRule</c:Selector>"
		 "<c:Selector Name=\"SystemCreationClassName\">CIM_ComputerSystem</c:Selector>"
		 "</c:SelectorSet></b:ReferenceParameters></b:EndpointReference></w:Selector>"
		 "</w:SelectorSet>",
		 mps, rule);
}

/* ---------------- what the fixture state shows ---------------- */

static void reads(void **state)
{
	(void)state;
	assert_int_equal(wt_send(&T, false, WT_GET, RAS, NULL, NULL), 200);
	FIXTURE("remoteaccess-service-get");
	assert_int_equal(pull_all(SAP), 200);
	FIXTURE("managementpresence-pull");
	assert_int_equal(wt_send(&T, false, WT_GET, RULE, NULL, NULL), 200);
	FIXTURE("policyrule-get");
	assert_int_equal(pull_all(APPLIES), 200);
	FIXTURE("policyappliestomps-pull");
	assert_int_equal(wt_send(&T, false, WT_GET, CRED, NULL, NULL), 200);
	FIXTURE("mps-credential-get");
	assert_int_equal(wt_send(&T, false, WT_GET, UIC, NULL, NULL), 200);
	FIXTURE("userinitiated-get");
	/* CSME 17 adds the tunnel keep-alive ([cira] keepalive_s) */
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "18.0.5");
	assert_int_equal(wt_send(&T, false, WT_GET, RAS, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "RemoteTunnelKeepAliveTimeout"), "60");
	/* the other reading of PolicyRuleName: "Periodic <handle>" */
	T.fw.st.rule_naming = SIM_RULE_NAME_HANDLE;
	assert_int_equal(wt_send(&T, false, WT_GET, RULE, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "PolicyRuleName"), "Periodic 1");
}

/* ---------------- configured over WS-Man, seen over AMTHI ---------------- */

static void provisioning_flow_reaches_amthi(void **state)
{
	char sel[4096];
	struct amt_remote_access_status ras;
	(void)state;
	/* no user-initiated policy yet: call-for-help is not permitted */
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_NOT_PERMITTED);
	assert_true(simt_remote_access(&T.fw, &ras));
	assert_string_equal(ras.mps_hostname, "192.168.10.196"); /* the configured MPS */

	assert_int_equal(add_mps("127.0.0.1", "3", "1", "2", "cfh-user"), 0);
	FIXTURE("remoteaccess-addmpserver");
	assert_int_equal(add_rule("0", NULL, MPS_REF("MpServer", MPS(1))), 0);
	FIXTURE("remoteaccess-addrule");
	assert_true(simt_remote_access(&T.fw, &ras));
	assert_string_equal(ras.mps_hostname, "127.0.0.1"); /* where a call for help goes */
	const struct sim_ra_rule *rule;
	const struct sim_ra_mps *mps;
	sim_ra_user_route(&T.fw.st.ra, &rule, &mps);
	assert_non_null(mps);
	assert_string_equal(mps->username, "cfh-user"); /* what the CIRA client presents */
	assert_string_equal(mps->password, "P4ss-word");

	/* the user-initiated interfaces: WS-Man state = AMTHI bits */
	assert_int_equal(invoke(UIC, "RequestStateChange", "<h:RequestedState>32768</h:RequestedState>"),
			 0);
	FIXTURE("userinitiated-request");
	assert_int_equal(ui_interfaces(), 0);
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_NOT_PERMITTED);
	assert_int_equal(invoke(UIC, "RequestStateChange",
				"<h:RequestedState>32770</h:RequestedState>"
				"<h:TimeoutPeriod xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/"
				"XMLSchema-instance\"/>"),
			 0);
	assert_int_equal(ui_interfaces(), AMT_UI_IF_OS);
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION), AMT_STATUS_SUCCESS);
	assert_int_equal(simt_call(&T.fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION), AMT_STATUS_SUCCESS);

	/* the association: MPS 1 only inside the enterprise -> no MPS for a
	 * user-initiated tunnel outside */
	applies_selectors(sel, sizeof(sel), MPS(1), "User Initiated");
	assert_int_equal(wt_send(&T, false, WT_GET, APPLIES, sel, NULL), 200);
	assert_string_equal(wt_text(&T, "MpsType"), "0");
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, sel,
				 "<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" APPLIES "\">"
				 "<h:MpsType>1</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess>"
				 "</h:AMT_RemoteAccessPolicyAppliesToMPS>"),
			 200);
	FIXTURE("policyappliestomps-put");
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_DATA_MISSING);
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, sel,
				 "<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" APPLIES "\">"
				 "<h:MpsType>2</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess>"
				 "</h:AMT_RemoteAccessPolicyAppliesToMPS>"),
			 200);
	assert_int_equal(wt_send(&T, false, WT_GET, APPLIES, sel, NULL), 200);
	assert_string_equal(wt_text(&T, "MpsType"), "2");

	/* every change is NVM: the state file holds the same table */
	static struct sim_state back;
	char err[256];
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, T.path, err, sizeof(err)), 0);
	assert_memory_equal(&back.ra.mps, &T.fw.st.ra.mps, sizeof(back.ra.mps));
	assert_memory_equal(&back.ra.rules, &T.fw.st.ra.rules, sizeof(back.ra.rules));
	assert_false(back.bios_interface);
	assert_true(back.os_interface);

	/* RPS starts by deleting what is there: rules, then MPS entries */
	assert_int_equal(wt_send(&T, false, WT_DELETE, RULE,
				 "<w:SelectorSet><w:Selector Name=\"PolicyRuleName\">Periodic</w:Selector>"
				 "</w:SelectorSet>",
				 NULL),
			 200);
	FIXTURE("policyrule-delete");
	assert_int_equal(wt_send(&T, false, WT_DELETE, SAP,
				 "<w:SelectorSet><w:Selector Name=\"Name\">" MPS(1) "</w:Selector>"
				 "</w:SelectorSet>",
				 NULL),
			 200);
	assert_int_equal(pull_all(SAP), 200);
	assert_int_equal(wt_count(&T, "AMT_ManagementPresenceRemoteSAP"), 1);
	/* the rule that named it is left without an MPS */
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_DATA_MISSING);
	assert_int_equal(pull_all(APPLIES), 200);
	assert_int_equal(wt_count(&T, "AMT_RemoteAccessPolicyAppliesToMPS"), 0);
}

/* ---------------- refusals ---------------- */

static void add_mp_server_refusals(void **state)
{
	(void)state;
	assert_int_equal(add_mps("mps.example.org", "3", "4433", "2", "u"), 36); /* not IPv4 */
	assert_int_equal(add_mps("10.0.0.1", "201", "4433", "2", "u"), 36);      /* not an FQDN */
	assert_int_equal(add_mps("fe80::1", "4", "0", "2", "u"), 36);            /* port 0 */
	assert_int_equal(add_mps("mps.example.org", "201", "4433", "1", "u"), 36); /* mutual TLS */
	assert_int_equal(add_mps("mps.example.org", "201", "4433", "2", NULL), 36); /* no user */
	assert_int_equal(add_mps("mps.example.org", "7", "4433", "2", "u"), 36);
	assert_int_equal(add_mps("a;b.example.org", "201", "4433", "2", "u"), 36);
	assert_int_equal(add_mps("192.168.10.196", "3", "4433", "2", "u"), 0x80A); /* duplicate */
	assert_int_equal(invoke(RAS, "AddMpServer", "<h:AccessInfo>x.example</h:AccessInfo>"), 1400);
	assert_non_null(strstr(wt_text(&T, "Text"), "InfoFormat"));
	assert_int_equal(add_mps("fe80::1", "4", "4433", "2", "u"), 0);
	assert_int_equal(add_mps("m2.example.org", "201", "4433", "2", "u"), 0);
	assert_int_equal(add_mps("m3.example.org", "201", "4433", "2", "u"), 0);
	assert_int_equal(add_mps("m4.example.org", "201", "4433", "2", "u"), 23); /* full */
	assert_int_equal(invoke(RAS, "CloseRemoteAccessConnection", ""), 1400); /* not simulated */
}

static void policy_rule_refusals(void **state)
{
	(void)state;
	assert_int_equal(add_rule("2", "AAAAAAAAABk=", MPS_REF("MpServer", MPS(0))), 0x80A);
	assert_int_equal(add_rule("4", NULL, MPS_REF("MpServer", MPS(0))), 36);
	assert_int_equal(add_rule("0", NULL, MPS_REF("MpServer", MPS(3))), 36); /* no such MPS */
	assert_int_equal(add_rule("0", NULL, ""), 36);                           /* none at all */
	assert_int_equal(add_rule("1", "AAAAAAAAABk=", MPS_REF("MpServer", MPS(0))), 36);
	assert_int_equal(add_rule("0", NULL,
				  MPS_REF("MpServer", MPS(0)) MPS_REF("MpServer", MPS(0))),
			 36); /* the same MPS twice */
	assert_int_equal(add_rule("0", NULL,
				  MPS_REF("MpServer", MPS(0)) MPS_REF("MpServer", MPS(1))
					  MPS_REF("MpServer", MPS(2))),
			 36);
	assert_int_equal(wt_send(&T, false, WT_DELETE, RULE, NULL, NULL), 200); /* the only one */
	assert_int_equal(add_rule("2", "AAAAAQAAAAMAAAAe", MPS_REF("MpServer", MPS(0))), 0); /* 03:30 */
	assert_int_equal(wt_send(&T, false, WT_DELETE, RULE, NULL, NULL), 200);
	assert_int_equal(add_rule("2", "AAAAAQAAABgAAAAA", MPS_REF("MpServer", MPS(0))), 36); /* 24:00 */
	assert_int_equal(add_rule("2", "not base64!", MPS_REF("MpServer", MPS(0))), 36);
	assert_int_equal(add_rule("x", NULL, MPS_REF("MpServer", MPS(0))), 1400);
	/* the user-initiated interfaces */
	assert_int_equal(invoke(UIC, "RequestStateChange", "<h:RequestedState>2</h:RequestedState>"), 5);
	assert_int_equal(invoke(UIC, "RequestStateChange",
				"<h:RequestedState>32771</h:RequestedState>"
				"<h:TimeoutPeriod>PT10S</h:TimeoutPeriod>"),
			 4098);
	assert_int_equal(invoke(UIC, "Frob", ""), 1400);
}

static void put_refusals_and_credentials(void **state)
{
	char sel[4096];
	(void)state;
	applies_selectors(sel, sizeof(sel), MPS(0), "Periodic");
	static const char *const bad[] = {
		"<h:MpsType>3</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess>",
		"<h:MpsType>0</h:MpsType><h:OrderOfAccess>2</h:OrderOfAccess>",
		"<h:OrderOfAccess>0</h:OrderOfAccess>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" APPLIES "\">%s"
			 "</h:AMT_RemoteAccessPolicyAppliesToMPS>",
			 bad[i]);
		assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, sel, body), 400);
		assert_non_null(strstr(wt_text_n(&T, "Value", 1), "InvalidParameter"));
	}
	/* the body must be the instance; the selectors must name one */
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, sel, "<h:Other xmlns:h=\"" APPLIES "\"/>"),
			 400);
	applies_selectors(sel, sizeof(sel), MPS(0), "Alert");
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, sel,
				 "<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" APPLIES "\">"
				 "<h:MpsType>0</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess>"
				 "</h:AMT_RemoteAccessPolicyAppliesToMPS>"),
			 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "InvalidSelectors"));

	/* RPS's message builder sends Put without selectors: the key properties
	 * in the body name the instance (@device-management-toolkit/wsman-messages
	 * protectedPut), here one of two associations */
	assert_int_equal(add_rule("0", NULL, MPS_REF("MpServer", MPS(0))), 0);
#define SCOPE_SELECTORS                                                                            \
	"<c:Selector Name=\"SystemCreationClassName\">CIM_ComputerSystem</c:Selector>"            \
	"<c:Selector Name=\"SystemName\">Intel(r) AMT</c:Selector>"
#define EPR_PROP(prop, uri, sels)                                                                  \
	"<h:" prop "><b:Address>" WT_WSA "/role/anonymous</b:Address><b:ReferenceParameters>"     \
	"<c:ResourceURI>" uri "</c:ResourceURI><c:SelectorSet>" sels                              \
	"</c:SelectorSet></b:ReferenceParameters></h:" prop ">"
#define RPS_PUT(rule, type)                                                                        \
	"<h:AMT_RemoteAccessPolicyAppliesToMPS xmlns:h=\"" APPLIES "\">" EPR_PROP(                  \
		"ManagedElement", SAP,                                                             \
		"<c:Selector Name=\"CreationClassName\">AMT_ManagementPresenceRemoteSAP</c:Selector>"  \
		"<c:Selector Name=\"Name\">" MPS(0) "</c:Selector>" SCOPE_SELECTORS)                 \
	"<h:MpsType>" type "</h:MpsType><h:OrderOfAccess>0</h:OrderOfAccess>" EPR_PROP(            \
		"PolicySet", RULE,                                                                 \
		"<c:Selector Name=\"CreationClassName\">AMT_RemoteAccessPolicyRule</c:Selector>"       \
		"<c:Selector Name=\"PolicyRuleName\">" rule "</c:Selector>" SCOPE_SELECTORS)          \
	"</h:AMT_RemoteAccessPolicyAppliesToMPS>"
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, NULL, RPS_PUT("User Initiated", "2")), 200);
	assert_int_equal(T.fw.st.ra.rules[SIM_RA_USER_INITIATED].internal[0], 0); /* that one */
	assert_int_equal(T.fw.st.ra.rules[SIM_RA_PERIODIC].internal[0], -1);      /* not the other */
	assert_int_equal(wt_send(&T, false, WT_PUT, APPLIES, NULL, RPS_PUT("Alert", "2")), 400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "InvalidSelectors"));

	/* AMT_MPSUsernamePassword: what the CIRA client presents */
	assert_int_equal(wt_send(&T, false, WT_PUT, CRED, NULL,
				 "<h:AMT_MPSUsernamePassword xmlns:h=\"" CRED "\"><h:InstanceID>Intel(r) "
				 "AMT:MPS Username Password 0</h:InstanceID><h:RemoteID>newuser</h:RemoteID>"
				 "<h:Secret>New-Secret-2</h:Secret></h:AMT_MPSUsernamePassword>"),
			 200);
	assert_string_equal(T.fw.st.ra.mps[0].username, "newuser");
	assert_string_equal(T.fw.st.ra.mps[0].password, "New-Secret-2");
	assert_int_equal(wt_send(&T, false, WT_GET, CRED, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "RemoteID"), "newuser");
	assert_null(strstr(T.r.body, "New-Secret-2")); /* never shown */
	assert_int_equal(wt_send(&T, false, WT_PUT, CRED, NULL,
				 "<h:AMT_MPSUsernamePassword xmlns:h=\"" CRED "\"><h:RemoteID></h:RemoteID>"
				 "</h:AMT_MPSUsernamePassword>"),
			 400);
}

/* ---------------- the state file's two forms ---------------- */

static void state_forms(void **state)
{
	static struct sim_state st;
	char err[256], path[] = "/tmp/ra-test.XXXXXX";
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{"[cira]\nmps = [fe80::2]:4434\nusername = u\npassword = p\npolicy_user_initiated = 1\n", true},
		{"[cira]\nmps = mps.example.org\n[cira.mps.1]\nhost = other.example.org\n", false},
		{"[cira.policy.0]\nmps = 1\n", false},              /* no such MPS */
		{"[cira.mps.0]\nport = 4433\n", false},             /* no host */
		{"[cira.policy.1]\nextended_data = AAAAAAAAABk=\n", false}, /* alert with data */
		{"[cira.policy.4]\nhandle = 1\n", false},
		{"[cira.mps.0]\nhost = h\nformat = dns\n", false},
		{"[cira.rules.0]\nx = 1\n", false},
		{"[cira]\nmps = h:0\n", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		fputs(cases[i].text, f);
		fclose(f);
		sim_state_defaults(&st);
		int rc = sim_state_load(&st, path, err, sizeof(err));
		if ((rc == 0) != cases[i].ok)
			fail_msg("%s: %s", cases[i].text, rc ? err : "accepted");
	}
	/* the shorthand is MPS 0 and a user-initiated rule through it */
	FILE *f = fopen(path, "w");
	fputs(cases[0].text, f);
	fclose(f);
	sim_state_defaults(&st);
	assert_int_equal(sim_state_load(&st, path, err, sizeof(err)), 0);
	assert_string_equal(st.ra.mps[0].host, "fe80::2");
	assert_int_equal(st.ra.mps[0].port, 4434);
	assert_int_equal(st.ra.mps[0].format, SIM_RA_IPV6);
	const struct sim_ra_rule *rule;
	const struct sim_ra_mps *mps;
	sim_ra_user_route(&st.ra, &rule, &mps);
	assert_non_null(rule);
	assert_ptr_equal(mps, &st.ra.mps[0]);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reads, setup, teardown),
		cmocka_unit_test_setup_teardown(provisioning_flow_reaches_amthi, setup, teardown),
		cmocka_unit_test_setup_teardown(add_mp_server_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(policy_rule_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(put_refusals_and_credentials, setup, teardown),
		cmocka_unit_test(state_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
