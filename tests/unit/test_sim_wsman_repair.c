// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_wsman_repair.c - the remote-repair WS-Man classes
 * (tools/sim/sim_wsman_power.c, sim_wsman_redir.c) against the recorded
 * fixtures of tests/data/wsman (go-wsman-messages shapes) and by what they
 * do: a power request as go-wsman-messages sends it (no selectors, EPR
 * ManagedElement, default namespaces) and as amtc sends it (four
 * selectors); the power state and offered states following the host; the
 * console sequence MeshCommander uses to reboot into BIOS setup; amtc's
 * PXE boot; consent in client control mode (refused, StartOptIn, a wrong
 * code, the code from the simulated screen, then allowed); and the
 * redirection switches.
 * Must not: open sockets (the redirection service is not started).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_test.h"
#include "tools/sim/sim_console.h"
#include "tools/sim/sim_host.h"
#include "tools/sim/sim_optin.h"
#include "wsman_fixture.h"

static struct wt T;
static struct sim_state S;

#define PMS WT_CIM "CIM_PowerManagementService"
#define ASSOC WT_CIM "CIM_AssociatedPowerManagementService"
#define BSD WT_AMT "AMT_BootSettingData"
#define BCS WT_CIM "CIM_BootConfigSetting"
#define BSVC WT_CIM "CIM_BootService"
#define OPTIN WT_IPS "IPS_OptInService"
#define REDIR WT_AMT "AMT_RedirectionService"

#define FIXTURE(name)                                                                              \
	do {                                                                                       \
		const char *why_ = wf_compare(T.r.body, T.r.len, name);                            \
		if (why_)                                                                          \
			fail_msg("%s: %s\n%.*s", name, why_, (int)T.r.len, T.r.body);              \
	} while (0)

static int setup(void **state)
{
	char err[160];
	(void)state;
	if (wt_fixture_state(&S) != 0 || wt_init(&T, &S) != 0)
		return -1;
	if (sim_host_register(&T.fw, err, sizeof(err)) != 0) /* the console */
		return -1;
	sim_console_attach(T.fw.console); /* as a SOL session would */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_host_shutdown(&T.fw);
	wt_free(&T);
	return 0;
}

/* A method call with a raw body; ReturnValue, or 1000 + HTTP status. */
static unsigned call_raw(const char *uri, const char *method, const char *sel, const char *inner,
			 bool local)
{
	char body[4096], action[256];
	snprintf(body, sizeof(body), "<h:%s_INPUT xmlns:h=\"%s\">%s</h:%s_INPUT>", method, uri,
		 inner ? inner : "", method);
	snprintf(action, sizeof(action), "%s/%s", uri, method);
	int status = wt_send(&T, local, action, uri, sel, body);
	if (status != 200)
		return 1000u + (unsigned)status;
	const char *rv = wt_text(&T, "ReturnValue");
	return rv ? (unsigned)strtoul(rv, NULL, 10) : 999u;
}

/* go-wsman-messages' RequestPowerStateChange: no selectors, default namespaces */
static unsigned power(unsigned ps)
{
	char inner[1024];
	snprintf(inner, sizeof(inner),
		 "<h:PowerState>%u</h:PowerState><h:ManagedElement><Address xmlns=\"" WT_WSA
		 "\">" WT_WSA "</Address><ReferenceParameters xmlns=\"" WT_WSA
		 "\"><ResourceURI xmlns=\"" WT_WSMAN "\">" WT_CIM
		 "CIM_ComputerSystem</ResourceURI><SelectorSet xmlns=\"" WT_WSMAN
		 "\"><Selector Name=\"CreationClassName\">CIM_ComputerSystem</Selector><Selector "
		 "Name=\"Name\">ManagedSystem</Selector></SelectorSet></ReferenceParameters>"
		 "</h:ManagedElement>",
		 ps);
	return call_raw(PMS, "RequestPowerStateChange", NULL, inner, false);
}

static unsigned power_state(void)
{
	char body[9000];
	assert_int_equal(wt_send(&T, false, WT_ENUMERATE, ASSOC, NULL, "<n:Enumerate/>"), 200);
	snprintf(body, sizeof(body),
		 "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>",
		 wt_text(&T, "EnumerationContext"));
	assert_int_equal(wt_send(&T, false, WT_PULL, ASSOC, NULL, body), 200);
	return (unsigned)strtoul(wt_text(&T, "PowerState"), NULL, 10);
}

static const char *console_text(void)
{
	static char out[SIM_CONSOLE_PENDING + 1];
	sim_host_console_tick(&T.fw, UINT64_MAX - 1);
	size_t n = sim_console_read(T.fw.console, (uint8_t *)out, sizeof(out) - 1);
	out[n] = '\0';
	return out;
}

static void fixtures(void **state)
{
	static const struct {
		const char *uri, *fixture;
		bool pull;
	} cases[] = {
		{PMS, "power-service-get", false},
		{WT_AMT "AMT_BootCapabilities", "boot-capabilities-get", false},
		{BSD, "boot-settingdata-get", false},
		{BCS, "boot-config-get", false},
		{WT_CIM "CIM_BootSourceSetting", "boot-source-pull", true},
		{BSVC, "boot-service-get", false},
		{WT_CIM "CIM_ServiceAvailableToElement", "serviceavailable-pull", true},
	};
	char body[9000];
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].pull) {
			assert_int_equal(wt_send(&T, false, WT_ENUMERATE, cases[i].uri, NULL,
						 "<n:Enumerate/>"),
					 200);
			snprintf(body, sizeof(body),
				 "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>"
				 "<n:MaxElements>100</n:MaxElements></n:Pull>",
				 wt_text(&T, "EnumerationContext"));
			assert_int_equal(wt_send(&T, false, WT_PULL, cases[i].uri, NULL, body), 200);
		} else {
			assert_int_equal(wt_send(&T, false, WT_GET, cases[i].uri, NULL, NULL), 200);
		}
		FIXTURE(cases[i].fixture);
	}
	assert_int_equal(power(SIM_PS_NMI), 0);
	FIXTURE("power-requestpowerstatechange");
	assert_int_equal(call_raw(REDIR, "RequestStateChange", NULL,
				  "<h:RequestedState>32771</h:RequestedState>", false),
			 0);
	FIXTURE("redirection-requeststatechange");
	assert_int_equal(call_raw(BCS, "ChangeBootOrder", NULL, NULL, false), 0);
	FIXTURE("boot-changebootorder");
}

static void power_follows_host(void **state)
{
	(void)state;
	assert_int_equal(power_state(), 2);
	assert_int_equal(wt_count(&T, "AvailableRequestedPowerStates"), 8);
	/* amtc's form: the four selectors, wsman-prefixed */
	assert_int_equal(call_raw(PMS, "RequestPowerStateChange",
				  "<w:SelectorSet><w:Selector Name=\"Name\">Intel(r) AMT Power Management "
				  "Service</w:Selector><w:Selector Name=\"SystemName\">Intel(r) AMT"
				  "</w:Selector><w:Selector Name=\"CreationClassName\">"
				  "CIM_PowerManagementService</w:Selector><w:Selector "
				  "Name=\"SystemCreationClassName\">CIM_ComputerSystem</w:Selector>"
				  "</w:SelectorSet>",
				  "<h:PowerState>8</h:PowerState>", false),
			 0);
	assert_int_equal(power_state(), 8);
	assert_int_equal(wt_count(&T, "AvailableRequestedPowerStates"), 1);
	assert_string_equal(wt_text(&T, "AvailableRequestedPowerStates"), "2");
	assert_int_equal(power(SIM_PS_OFF_SOFT), 4097);
	assert_int_equal(power(17), 5);
	assert_int_equal(power(SIM_PS_ON), 0);
	/* booting: POST is no OS, so only the hardware actions are offered */
	assert_int_equal(power_state(), 2);
	assert_int_equal(wt_count(&T, "AvailableRequestedPowerStates"), 4);
	assert_int_equal(power(SIM_PS_RESET_GRACEFUL), 4097);
	console_text();
	assert_int_equal(power_state(), 2);
	assert_int_equal(wt_count(&T, "AvailableRequestedPowerStates"), 8);
	assert_int_equal(power(SIM_PS_SLEEP_DEEP), 0);
	assert_int_equal(power_state(), 4);
	/* the state file has it */
	struct sim_state back;
	char err[256];
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, T.path, err, sizeof(err)), 0);
	assert_int_equal(back.host.power, SIM_POWER_SLEEP);
	/* Time/TimeoutPeriod values, a non-number */
	assert_int_equal(call_raw(PMS, "RequestPowerStateChange", NULL,
				  "<h:PowerState>2</h:PowerState><h:TimeoutPeriod>PT1S</h:TimeoutPeriod>",
				  false),
			 4098);
	assert_int_equal(call_raw(PMS, "RequestPowerStateChange", NULL,
				  "<h:PowerState>on</h:PowerState>", false),
			 1400);
}

static const char boot_config_epr[] =
	"<h:BootConfigSetting><Address xmlns=\"" WT_WSA "\">" WT_WSA "</Address>"
	"<ReferenceParameters xmlns=\"" WT_WSA "\"><ResourceURI xmlns=\"" WT_WSMAN "\">" WT_CIM
	"CIM_BootConfigSetting</ResourceURI><SelectorSet xmlns=\"" WT_WSMAN "\"><Selector "
	"Name=\"InstanceID\">Intel(r) AMT: Boot Configuration 0</Selector></SelectorSet>"
	"</ReferenceParameters></h:BootConfigSetting><h:Role>1</h:Role>";

static unsigned change_boot_order(const char *instance, bool local)
{
	char inner[1024];
	snprintf(inner, sizeof(inner),
		 "<h:Source><a:Address>" WT_WSA "/role/anonymous</a:Address><a:ReferenceParameters>"
		 "<w:ResourceURI>" WT_CIM "CIM_BootSourceSetting</w:ResourceURI><w:SelectorSet>"
		 "<w:Selector w:Name=\"InstanceID\">%s</w:Selector></w:SelectorSet>"
		 "</a:ReferenceParameters></h:Source>",
		 instance);
	return call_raw(BCS, "ChangeBootOrder", NULL, inner, local);
}

/* MeshCommander's "Reset to BIOS": clear, Get, Put BIOSSetup, role, reset. */
static void reboot_to_bios_setup(void **state)
{
	char put[2048];
	(void)state;
	assert_int_equal(call_raw(BCS, "ChangeBootOrder", NULL, NULL, false), 0);
	assert_int_equal(wt_send(&T, false, WT_GET, BSD, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptionsCleared"), "true");
	snprintf(put, sizeof(put),
		 "<h:AMT_BootSettingData xmlns:h=\"%s\"><h:BIOSPause>false</h:BIOSPause>"
		 "<h:BIOSSetup>true</h:BIOSSetup><h:BootMediaIndex>0</h:BootMediaIndex>"
		 "<h:ElementName>Intel(r) AMT Boot Configuration Settings</h:ElementName>"
		 "<h:InstanceID>Intel(r) AMT:BootSettingData 0</h:InstanceID>"
		 "<h:UseSOL>true</h:UseSOL><h:OptionsCleared>true</h:OptionsCleared>"
		 "</h:AMT_BootSettingData>",
		 BSD);
	assert_int_equal(wt_send(&T, false, WT_PUT, BSD, NULL, put), 200);
	assert_int_equal(wt_send(&T, false, WT_GET, BSD, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "BIOSSetup"), "true");
	assert_string_equal(wt_text(&T, "UseSOL"), "true");
	assert_string_equal(wt_text(&T, "OptionsCleared"), "false");
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, boot_config_epr, false), 0);
	FIXTURE("boot-setbootconfigrole");
	assert_true(T.fw.st.host.boot_next);
	console_text();
	assert_int_equal(power(SIM_PS_RESET), 0);
	const char *t = console_text();
	assert_non_null(strstr(t, "SIM BIOS Setup Utility"));
	assert_non_null(strstr(t, "AMT boot request              BIOS setup"));
	/* used once */
	assert_int_equal(wt_send(&T, false, WT_GET, BSD, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "BIOSSetup"), "false");
	assert_string_equal(wt_text(&T, "OptionsCleared"), "true");
	/* bad Puts and parameters */
	snprintf(put, sizeof(put),
		 "<h:AMT_BootSettingData xmlns:h=\"%s\"><h:InstanceID>Intel(r) AMT:BootSettingData "
		 "0</h:InstanceID><h:BootMediaIndex>7</h:BootMediaIndex></h:AMT_BootSettingData>",
		 BSD);
	assert_int_equal(wt_send(&T, false, WT_PUT, BSD, NULL, put), 400);
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, "<h:Role>1</h:Role>", false), 5);
}

/* amtc's PXE boot: ChangeBootOrder(source) + SetBootConfigRole, then a reset. */
static void pxe_boot(void **state)
{
	(void)state;
	assert_int_equal(change_boot_order("Intel(r) AMT: Force PXE Boot", false), 0);
	assert_int_equal(T.fw.st.host.boot_source, SIM_BOOT_SRC_PXE);
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, boot_config_epr, false), 0);
	console_text();
	assert_int_equal(power(SIM_PS_RESET), 0);
	assert_non_null(strstr(console_text(), "PXE-E51"));
	assert_int_equal(T.fw.st.host.boot_source, SIM_BOOT_SRC_NONE);
	assert_int_equal(change_boot_order("Intel(r) AMT: Force Floppy Boot", false), 5);
	assert_int_equal(change_boot_order("Intel(r) AMT: Force Diagnostic Boot", false), 5);
}

static void consent_in_ccm(void **state)
{
	(void)state;
	T.fw.st.control_mode = 1;
	assert_int_equal(wt_send(&T, false, WT_GET, OPTIN, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptInRequired"), "4294967295");
	assert_string_equal(wt_text(&T, "OptInState"), "0");
	assert_int_equal(change_boot_order("Intel(r) AMT: Force PXE Boot", false), 0x821);
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, boot_config_epr, false), 0x821);
	/* from the host side (LMS) it is not asked */
	assert_int_equal(change_boot_order("Intel(r) AMT: Force PXE Boot", true), 0);
	assert_int_equal(call_raw(OPTIN, "SendOptInCode", NULL, "<h:OptInCode>1</h:OptInCode>", false),
			 2);
	console_text();
	assert_int_equal(call_raw(OPTIN, "StartOptIn", NULL, NULL, false), 0);
	FIXTURE("optin-startoptin");
	assert_int_equal(call_raw(OPTIN, "StartOptIn", NULL, NULL, false), 2);
	assert_int_equal(wt_send(&T, false, WT_GET, OPTIN, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptInState"), "2");
	/* the code, as the person at the machine reads it off the screen */
	const char *t = strstr(console_text(), "user consent code ");
	assert_non_null(t);
	unsigned code = (unsigned)strtoul(t + strlen("user consent code "), NULL, 10);
	char inner[64];
	snprintf(inner, sizeof(inner), "<h:OptInCode>%u</h:OptInCode>", (code + 1) % 1000000);
	assert_int_equal(call_raw(OPTIN, "SendOptInCode", NULL, inner, false), 0x812);
	snprintf(inner, sizeof(inner), "<h:OptInCode>%u</h:OptInCode>", code);
	assert_int_equal(call_raw(OPTIN, "SendOptInCode", NULL, inner, false), 0);
	assert_int_equal(wt_send(&T, false, WT_GET, OPTIN, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "OptInState"), "3");
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, boot_config_epr, false), 0);
	/* a third wrong code withdraws it; cancel */
	assert_int_equal(call_raw(OPTIN, "CancelOptIn", NULL, NULL, false), 0);
	assert_int_equal(call_raw(OPTIN, "CancelOptIn", NULL, NULL, false), 2);
	assert_int_equal(call_raw(OPTIN, "StartOptIn", NULL, NULL, false), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(call_raw(OPTIN, "SendOptInCode", NULL,
					  "<h:OptInCode>1000001</h:OptInCode>", false),
				 0x812);
	assert_int_equal(sim_optin_state(&T.fw, 0), SIM_OPTIN_NOT_STARTED);
	/* consent = none: never asked */
	T.fw.st.redir_consent = SIM_CONSENT_NONE;
	assert_int_equal(call_raw(BSVC, "SetBootConfigRole", NULL, boot_config_epr, false), 0);
}

static void redirection_switches(void **state)
{
	char put[512];
	(void)state;
	assert_int_equal(call_raw(REDIR, "RequestStateChange", NULL,
				  "<h:RequestedState>32769</h:RequestedState>", false),
			 0);
	assert_false(T.fw.st.redir_sol);
	assert_true(T.fw.st.redir_ider);
	assert_int_equal(call_raw(REDIR, "RequestStateChange", NULL,
				  "<h:RequestedState>2</h:RequestedState>", false),
			 5);
	snprintf(put, sizeof(put),
		 "<h:AMT_RedirectionService xmlns:h=\"%s\"><h:CreationClassName>AMT_RedirectionService"
		 "</h:CreationClassName><h:ListenerEnabled>false</h:ListenerEnabled><h:Name>Intel(r) AMT "
		 "Redirection Service</h:Name><h:SystemCreationClassName>CIM_ComputerSystem"
		 "</h:SystemCreationClassName><h:SystemName>Intel(r) AMT</h:SystemName>"
		 "</h:AMT_RedirectionService>",
		 REDIR);
	assert_int_equal(wt_send(&T, false, WT_PUT, REDIR, NULL, put), 200);
	assert_false(T.fw.st.redir_listener);
	assert_int_equal(wt_send(&T, false, WT_GET, REDIR, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "ListenerEnabled"), "false");
	assert_string_equal(wt_text(&T, "EnabledState"), "32769");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fixtures, setup, teardown),
		cmocka_unit_test_setup_teardown(power_follows_host, setup, teardown),
		cmocka_unit_test_setup_teardown(reboot_to_bios_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(pxe_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(consent_in_ccm, setup, teardown),
		cmocka_unit_test_setup_teardown(redirection_switches, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
