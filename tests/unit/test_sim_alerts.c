// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_alerts.c - the simulated AMT's alerts without sockets: the event
 * envelope against a real recorded event (MeshCentral's amtevents.js
 * sample, tests/data/wsman/event-meshcentral-iamt0005.xml), Subscribe and
 * Unsubscribe as MeshCommander sends them with AMT's limits and faults,
 * subscriptions kept in the state file (NVM), the event log (AMT_MessageLog
 * records, newest first), environment detection deciding inside/outside
 * for GetRemoteAccessConnectionStatus, and the call for help inside the
 * enterprise (iAMT0036 to subscribers instead of a tunnel, refused without
 * one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fw_test.h"
#include "sim_wsman_test.h"
#include "tools/sim/sim_cira.h"
#include "tools/sim/sim_event_xml.h"
#include "tools/sim/sim_events.h"
#include "wsman_fixture.h"

static struct wt T;
static struct sim_state S;

#define FC WT_CIM "CIM_FilterCollection"
#define FCS WT_CIM "CIM_FilterCollectionSubscription"
#define LD WT_CIM "CIM_ListenerDestinationWSManagement"
#define LOG WT_AMT "AMT_MessageLog"
#define ENV WT_AMT "AMT_EnvironmentDetectionSettingData"
#define WSE "http://schemas.xmlsoap.org/ws/2004/08/eventing"
#define PUSH_ACK "http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck"

#define FIXTURE(reply, len, name)                                                                  \
	do {                                                                                       \
		const char *why_ = wf_compare(reply, len, name);                                   \
		if (why_)                                                                          \
			fail_msg("%s: %s\n%.*s", name, why_, (int)(len), reply);                   \
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

/* Subscribe as MeshCommander's ExecSubscribe builds it (amt-wsman-0.2.0.js):
 * optional IssuedTokens in the header, the Delivery with NotifyTo and the
 * always-present (here: given) ReferenceParameters, wsman:Auth with digest. */
static int subscribe(const char *filter, const char *mode, const char *url, const char *refparams,
		     const char *user, const char *password)
{
	char sel[256], body[4096], hdr[2048] = "";
	snprintf(sel, sizeof(sel),
		 "<w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT:%s</w:Selector>"
		 "</w:SelectorSet>", filter);
	if (user)
		snprintf(hdr, sizeof(hdr),
			 "<t:IssuedTokens xmlns:t=\"http://schemas.xmlsoap.org/ws/2005/02/trust\" "
			 "xmlns:se=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-"
			 "wssecurity-secext-1.0.xsd\"><t:RequestSecurityTokenResponse><t:TokenType>"
			 "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-"
			 "profile-1.0#UsernameToken</t:TokenType><t:RequestedSecurityToken>"
			 "<se:UsernameToken><se:Username>%s</se:Username><se:Password Type=\"http://"
			 "docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
			 "#PasswordText\">%s</se:Password></se:UsernameToken></t:RequestedSecurityToken>"
			 "</t:RequestSecurityTokenResponse></t:IssuedTokens>",
			 user, password);
	snprintf(body, sizeof(body),
		 "<e:Subscribe xmlns:e=\"" WSE "\"><e:Delivery Mode=\"%s\"><e:NotifyTo>"
		 "<a:Address>%s</a:Address>%s%s%s</e:NotifyTo>%s</e:Delivery></e:Subscribe>",
		 mode, url, refparams ? "<a:ReferenceParameters>" : "", refparams ? refparams : "",
		 refparams ? "</a:ReferenceParameters>" : "",
		 user ? "<w:Auth Profile=\"http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/"
			"http/digest\"/>" : "");
	char selhdr[4096];
	snprintf(selhdr, sizeof(selhdr), "%s%s", sel, hdr);
	return wt_send(&T, false, WSE "/Subscribe", FC, selhdr, body);
}

static const char *fault_subcode(void)
{
	return wt_text(&T, "Subcode");
}

static void test_envelope_matches_real_event(void **state)
{
	(void)state;
	struct sim_alert a = {
		.message_id = "iAMT0005", .nargs = 2, .alert_type = 8, .severity = 2,
		.filter_name = "Intel(r) AMT:AllEvents", .indication_id = "Intel(r):2950234687",
		.time = "2017-01-31T15:40:09.000Z",
		.wsa_message_id = "uuid:00000000-8086-8086-8086-000000128538", .ack_requested = true,
	};
	snprintf(a.args[0], sizeof(a.args[0]), "0");
	snprintf(a.args[1], sizeof(a.args[1]),
		 "Interop:CIM_ComputerSystem.CreationClassName=CIM_ComputerSystem,Name=Intel(r) AMT");
	char *xml;
	size_t len;
	assert_int_equal(sim_alert_envelope(&a, &xml, &len), 0);
	FIXTURE(xml, len, "event-meshcentral-iamt0005");
	/* LMS finds these by their literal g: prefix (SoapHandler.cpp parse_message) */
	assert_non_null(strstr(xml, "<g:MessageID>iAMT0005</g:MessageID>"));
	assert_non_null(strstr(xml, "<g:MessageArguments>0</g:MessageArguments>"));
	free(xml);
	/* reference parameters are echoed after ResourceURI with their namespace */
	a.ref_params = "<m:arg xmlns:m=\"http://x.com\">node-42</m:arg>";
	a.ack_requested = false;
	assert_int_equal(sim_alert_envelope(&a, &xml, &len), 0);
	const char *rp = strstr(xml, "<m:arg xmlns:m=\"http://x.com\">node-42</m:arg>");
	const char *ru = strstr(xml, "</c:ResourceURI>");
	assert_non_null(rp);
	assert_non_null(ru);
	assert_true(rp > ru);
	assert_null(strstr(xml, "AckRequested"));
	free(xml);
	a.ref_params = "<m:arg xmlns:m=\"http://x.com\">unclosed";
	assert_int_equal(sim_alert_envelope(&a, &xml, &len), -1);
}

static void test_ack(void **state)
{
	(void)state;
	const char *ack = "<s:Envelope xmlns:s=\"" WT_SOAP "\" xmlns:a=\"" WT_WSA "\"><s:Header>"
			  "<a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/Ack</a:Action>"
			  "<a:RelatesTo>uuid:00000000-8086-8086-8086-000000000007</a:RelatesTo>"
			  "</s:Header><s:Body/></s:Envelope>";
	assert_true(sim_alert_is_ack(ack, strlen(ack), "uuid:00000000-8086-8086-8086-000000000007"));
	assert_false(sim_alert_is_ack(ack, strlen(ack), "uuid:00000000-8086-8086-8086-000000000008"));
	assert_false(sim_alert_is_ack("", 0, "x"));
	assert_false(sim_alert_is_ack("<x/>", 4, "x"));
}

static void test_subscribe_enumerate_unsubscribe(void **state)
{
	(void)state;
	assert_int_equal(subscribe("All", PUSH_ACK, "http://192.168.1.10:16990/events",
				   "<m:arg xmlns:m=\"http://x.com\"></m:arg>", "eventuser", "ev3nt;pw"),
			 200);
	assert_string_equal(wt_text(&T, "Action"), WSE "/SubscribeResponse");
	assert_string_equal(wt_text_n(&T, "ResourceURI", 1), LD); /* the manager EPR */
	assert_string_equal(wt_text_n(&T, "Selector", 1), "Intel(r) AMT:Listener 1");
	assert_int_equal(subscribe("Features", "http://schemas.xmlsoap.org/ws/2004/08/eventing/"
					       "DeliveryModes/Push",
				   "http://10.0.0.5/amt", NULL, NULL, NULL),
			 200);
	assert_int_equal(sim_sub_count(&T.fw.st.alerts), 2);
	assert_int_equal(sim_sub_cila_count(&T.fw.st.alerts), 2);

	/* what MeshCommander reads: listeners and the associations */
	assert_int_equal(wt_send(&T, false, WT_GET, LD,
				 "<w:SelectorSet><w:Selector Name=\"Name\">Intel(r) AMT:Listener 1"
				 "</w:Selector><w:Selector Name=\"CreationClassName\">"
				 "CIM_ListenerDestinationWSMAN</w:Selector><w:Selector Name=\""
				 "SystemCreationClassName\">CIM_ComputerSystem</w:Selector>"
				 "<w:Selector Name=\"SystemName\">Intel(r) AMT</w:Selector>"
				 "</w:SelectorSet>", NULL), 200);
	assert_string_equal(wt_text(&T, "Destination"), "http://192.168.1.10:16990/events");
	assert_string_equal(wt_text(&T, "DeliveryMode"), "3");
	assert_null(strstr(T.r.body, "ev3nt")); /* never shown */

	/* the state file keeps them (NVM) */
	struct sim_state reloaded;
	char err[256];
	sim_state_defaults(&reloaded);
	assert_int_equal(sim_state_load(&reloaded, T.path, err, sizeof(err)), 0);
	assert_int_equal(sim_sub_count(&reloaded.alerts), 2);
	assert_string_equal(reloaded.alerts.subs[0].password, "ev3nt;pw");
	assert_string_equal(reloaded.alerts.subs[0].ref_params, "<m:arg xmlns:m=\"http://x.com\"/>");

	/* Unsubscribe as MeshCommander's deleteSubscriptionButton sends it */
	const char *sel =
		"<w:SelectorSet><w:Selector Name=\"Filter\"><a:EndpointReference><a:Address>"
		WT_WSA "/role/anonymous</a:Address><a:ReferenceParameters><w:ResourceURI>" FC
		"</w:ResourceURI><w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT:All"
		"</w:Selector></w:SelectorSet></a:ReferenceParameters></a:EndpointReference>"
		"</w:Selector><w:Selector Name=\"Handler\"><a:EndpointReference><a:Address>"
		WT_WSA "/role/anonymous</a:Address><a:ReferenceParameters><w:ResourceURI>" LD
		"</w:ResourceURI><w:SelectorSet><w:Selector Name=\"CreationClassName\">"
		"CIM_ListenerDestinationWSMAN</w:Selector><w:Selector Name=\"Name\">"
		"Intel(r) AMT:Listener 1</w:Selector><w:Selector Name=\"SystemCreationClassName\">"
		"CIM_ComputerSystem</w:Selector><w:Selector Name=\"SystemName\">Intel(r) AMT"
		"</w:Selector></w:SelectorSet></a:ReferenceParameters></a:EndpointReference>"
		"</w:Selector></w:SelectorSet>";
	assert_int_equal(wt_send(&T, false, WSE "/Unsubscribe", FCS, sel,
				 "<e:Unsubscribe xmlns:e=\"" WSE "\"/>"), 200);
	assert_string_equal(wt_text(&T, "Action"), WSE "/UnsubscribeResponse");
	assert_int_equal(sim_sub_count(&T.fw.st.alerts), 1);
	/* again: that subscription is gone */
	assert_int_equal(wt_send(&T, false, WSE "/Unsubscribe", FCS, sel,
				 "<e:Unsubscribe xmlns:e=\"" WSE "\"/>"), 400);
	assert_string_equal(fault_subcode(), "c:InvalidSelectors");
	/* Enumerate + Pull of the associations */
	assert_int_equal(wt_send(&T, false, WT_ENUMERATE, FCS, NULL,
				 "<n:Enumerate/>"), 200);
	char ctx[8192], pull[8400];
	snprintf(ctx, sizeof(ctx), "%s", wt_text(&T, "EnumerationContext"));
	snprintf(pull, sizeof(pull), "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>"
				     "<n:MaxElements>10</n:MaxElements></n:Pull>", ctx);
	assert_int_equal(wt_send(&T, false, WT_PULL, FCS, NULL, pull), 200);
	assert_int_equal(wt_count(&T, "CIM_FilterCollectionSubscription"), 1);
	assert_non_null(strstr(T.r.body, "Intel(r) AMT:Features"));
}

static void test_subscribe_limits_and_faults(void **state)
{
	(void)state;
	char url[300], long_rp[400];
	/* AMT's limit of 9 subscribers */
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		snprintf(url, sizeof(url), "http://10.0.0.%d/e", i + 1);
		assert_int_equal(subscribe("All", PUSH_ACK, url, NULL, NULL, NULL), 200);
	}
	assert_int_equal(subscribe("All", PUSH_ACK, "http://10.0.0.99/e", NULL, NULL, NULL), 500);
	assert_string_equal(fault_subcode(), "c:QuotaLimit");
	/* the same address and collection again */
	assert_int_equal(subscribe("All", PUSH_ACK, "http://10.0.0.1/e", NULL, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "c:AlreadyExists");
	memset(&T.fw.st.alerts.subs, 0, sizeof(T.fw.st.alerts.subs));

	/* a 253-character address is accepted, 254 are not */
	memset(url, 'a', sizeof(url));
	memcpy(url, "http://", 7);
	url[253] = '\0';
	assert_int_equal(subscribe("All", PUSH_ACK, url, NULL, NULL, NULL), 200);
	url[253] = 'a';
	url[254] = '\0';
	assert_int_equal(subscribe("All", PUSH_ACK, url, NULL, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "g:EventSourceUnableToProcess");
	/* reference parameters: 256 characters at most, tags included */
	snprintf(long_rp, sizeof(long_rp), "<m:arg xmlns:m=\"http://x.com\">%0*d</m:arg>", 220, 0);
	assert_int_equal(subscribe("All", PUSH_ACK, "http://10.0.0.2/e", long_rp, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "g:EventSourceUnableToProcess");
	/* only Push and PushWithAck; no such collection; https before AMT 11 */
	assert_int_equal(subscribe("All", "http://schemas.dmtf.org/wbem/wsman/1/wsman/Pull",
				   "http://10.0.0.3/e", NULL, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "g:DeliveryModeRequestedUnavailable");
	assert_int_equal(subscribe("Nothing", PUSH_ACK, "http://10.0.0.3/e", NULL, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "c:InvalidSelectors");
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "10.0.5");
	assert_int_equal(subscribe("All", PUSH_ACK, "https://10.0.0.3/e", NULL, NULL, NULL), 400);
	snprintf(T.fw.st.version, sizeof(T.fw.st.version), "16.1.25");
	assert_int_equal(subscribe("All", PUSH_ACK, "https://10.0.0.3/e", NULL, NULL, NULL), 200);
	/* credentials of more than 32 characters */
	assert_int_equal(subscribe("All", PUSH_ACK, "http://10.0.0.4/e", NULL,
				   "a-user-name-that-is-far-too-long-x", "pw"), 400);
	assert_string_equal(fault_subcode(), "c:InvalidParameter");
	/* subscriptions do not expire; Renew is not there */
	assert_int_equal(wt_send(&T, false, WSE "/Subscribe", FC,
				 "<w:SelectorSet><w:Selector Name=\"InstanceID\">Intel(r) AMT:All"
				 "</w:Selector></w:SelectorSet>",
				 "<e:Subscribe xmlns:e=\"" WSE "\"><e:Delivery><e:NotifyTo><a:Address>"
				 "http://10.0.0.5/e</a:Address></e:NotifyTo></e:Delivery><e:Expires>"
				 "PT60S</e:Expires></e:Subscribe>"), 400);
	assert_string_equal(fault_subcode(), "c:UnsupportedFeature");
	assert_int_equal(wt_send(&T, false, WSE "/Renew", FCS, NULL, NULL), 400);
	assert_string_equal(fault_subcode(), "b:ActionNotSupported");
}

static void test_message_log_and_cila(void **state)
{
	(void)state;
	struct amt_remote_access_status ra;
	/* the log starts empty: the fixture */
	assert_int_equal(wt_send(&T, false, WT_GET, LOG, NULL, NULL), 200);
	FIXTURE(T.r.body, T.r.len, "messagelog-get");

	/* environment detection: the DNS suffix vpro.example.org is inside */
	assert_true(simt_remote_access(&T.fw, &ra));
	assert_int_equal(ra.network_status, AMT_NET_OUTSIDE); /* [cira] network, no detection */
	assert_int_equal(wt_send(&T, false, WT_PUT, ENV, NULL,
				 "<h:AMT_EnvironmentDetectionSettingData xmlns:h=\"" ENV "\">"
				 "<h:DetectionAlgorithm>0</h:DetectionAlgorithm>"
				 "<h:DetectionStrings>b332bb28-ef3a-43b0-b998-342285ac1e26.com"
				 "</h:DetectionStrings><h:ElementName>Intel(r) AMT Environment "
				 "Detection Settings</h:ElementName><h:InstanceID>Intel(r) AMT "
				 "Environment Detection Settings</h:InstanceID>"
				 "</h:AMT_EnvironmentDetectionSettingData>"), 200);
	assert_int_equal(wt_send(&T, false, WT_GET, ENV, NULL, NULL), 200);
	FIXTURE(T.r.body, T.r.len, "environment-get");
	assert_true(simt_remote_access(&T.fw, &ra));
	assert_int_equal(ra.network_status, AMT_NET_OUTSIDE);
	snprintf(T.fw.st.alerts.detection[0], sizeof(T.fw.st.alerts.detection[0]), "example.org");
	assert_true(simt_remote_access(&T.fw, &ra));
	assert_int_equal(ra.network_status, AMT_NET_DIRECT); /* vpro.example.org ends in it */

	/* inside, nobody subscribed: refused, nothing logged */
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_NOT_PERMITTED);
	assert_int_equal(T.fw.st.msglog.count, 0);
	/* a Features subscriber: the call for help is an alert, no tunnel */
	assert_int_equal(subscribe("Features", PUSH_ACK, "http://10.0.0.1/e", NULL, NULL, NULL), 200);
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_REMOTE_ACCESS_NOT_GRANTED);
	uint32_t status;
	assert_false(sim_cira_status(&T.fw, &status));
	T.fw.st.alerts.cila_status = SIM_CILA_SUCCESS; /* the other reading */
	assert_int_equal(simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION), AMT_STATUS_SUCCESS);
	assert_false(sim_cira_status(&T.fw, &status));
	assert_int_equal(T.fw.st.msglog.count, 2);

	/* the log: newest first, the 21-byte layout MeshCommander decodes */
	assert_int_equal(wt_call(&T, false, LOG, "PositionToFirstRecord", NULL), 0);
	assert_string_equal(wt_text(&T, "IterationIdentifier"), "1");
	assert_int_equal(wt_call(&T, false, LOG, "GetRecords", "IterationIdentifier", "1",
				 "MaxReadRecords", "390", NULL), 0);
	assert_string_equal(wt_text(&T, "NoMoreRecords"), "true");
	assert_int_equal(wt_count(&T, "RecordArray"), 2);
	uint8_t rec[24];
	const char *b64 = wt_text(&T, "RecordArray");
	assert_int_equal(EVP_DecodeBlock(rec, (const unsigned char *)b64, (int)strlen(b64)), 21);
	struct sim_msglog_record r;
	assert_int_equal(sim_msglog_decode(rec, 21, &r), 0);
	assert_int_equal(r.sensor_type, 0xC1); /* "User request for remote connection" */
	assert_int_equal(r.data[0], 0xAA);
	assert_int_equal(r.data[1], 0x30);
	assert_true(r.time > 1700000000u);
	/* one at a time: the iteration moves on */
	assert_int_equal(wt_call(&T, false, LOG, "GetRecords", "IterationIdentifier", "1",
				 "MaxReadRecords", "1", NULL), 0);
	assert_string_equal(wt_text(&T, "NoMoreRecords"), "false");
	assert_string_equal(wt_text(&T, "IterationIdentifier"), "2");
	/* frozen: nothing more is logged; cleared: empty */
	assert_int_equal(wt_call(&T, false, LOG, "FreezeLog", "Freeze", "true", NULL), 0);
	simt_call(&T.fw, AMTHI_OPEN_USER_INITIATED_CONNECTION);
	assert_int_equal(T.fw.st.msglog.count, 2);
	assert_int_equal(wt_call(&T, false, LOG, "ClearLog", NULL), 0);
	assert_int_equal(T.fw.st.msglog.count, 0);
}

static void test_msglog_ring(void **state)
{
	(void)state;
	static struct sim_msglog l;
	struct sim_msglog_record r = {0}, back;
	uint8_t raw[21];
	sim_msglog_init(&l);
	for (unsigned i = 0; i < SIM_MSGLOG_MAX + 5; i++) {
		r.time = 1000 + i;
		assert_true(sim_msglog_add(&l, &r));
	}
	assert_int_equal(l.count, SIM_MSGLOG_MAX);
	assert_int_equal(sim_msglog_decode(sim_msglog_newest(&l, 0), 21, &back), 0);
	assert_int_equal(back.time, 1000 + SIM_MSGLOG_MAX + 4);
	assert_int_equal(sim_msglog_decode(sim_msglog_newest(&l, SIM_MSGLOG_MAX - 1), 21, &back), 0);
	assert_int_equal(back.time, 1005); /* the five oldest were overwritten */
	assert_null(sim_msglog_newest(&l, SIM_MSGLOG_MAX));
	/* the layout, byte by byte (MeshCommander _GetMessageLog1) */
	r = (struct sim_msglog_record){.time = 0x65010622, .device_address = 0xFF, .sensor_type = 0x0F,
				       .event_type = 0x6F, .offset = 2, .source_type = 0x68,
				       .severity = 1, .sensor_number = 0xFF, .entity = 0x22,
				       .data = {0x40, 0x07}};
	sim_msglog_encode(&r, raw);
	/* go-wsman-messages getrecords.xml: IgYBZf8PbwJoAf8iAEAHAAAAAAAA */
	static const uint8_t want[21] = {0x22, 0x06, 0x01, 0x65, 0xFF, 0x0F, 0x6F, 0x02, 0x68, 0x01,
					 0xFF, 0x22, 0x00, 0x40, 0x07, 0, 0, 0, 0, 0, 0};
	assert_memory_equal(raw, want, 21);
	assert_int_equal(sim_msglog_decode(raw, 20, &back), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_matches_real_event),
		cmocka_unit_test(test_ack),
		cmocka_unit_test_setup_teardown(test_subscribe_enumerate_unsubscribe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subscribe_limits_and_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_log_and_cila, setup, teardown),
		cmocka_unit_test(test_msglog_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
