// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_alerts.c - amt-verify's event receiver without sockets: the
 * parser against the two recorded real firmware events (MeshCentral's
 * amtevents.js sample, Intel LMS's SoapHandler.cpp sample; tests/data/
 * wsman/event-*.xml), a truncation sweep and hostile shapes, the Ack and
 * the fault it answers with, storing an event once however often it is
 * resent (and the schema 2 -> 3 migration), and --on-event rule parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libxml/parser.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/verify/alertdoc.h"
#include "tools/verify/event_engine.h"
#include "tools/verify/store.h"
#include "wsman_fixture.h"

static char *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(wf_path(name), "rb");
	static char buf[16384];
	if (!f)
		return NULL;
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static void test_real_events(void **state)
{
	(void)state;
	struct alertdoc d;
	char why[256];
	size_t len;
	const char *mc = slurp("event-meshcentral-iamt0005", &len);
	assert_non_null(mc);
	assert_int_equal(alertdoc_parse(mc, len, &d, why, sizeof(why)), 0);
	assert_string_equal(d.message_id, "iAMT0005");
	assert_string_equal(d.wsa_message_id, "uuid:00000000-8086-8086-8086-000000128538");
	assert_int_equal(d.nargs, 2);
	assert_string_equal(d.args[0], "0");
	assert_string_equal(d.args[1],
			    "Interop:CIM_ComputerSystem.CreationClassName=CIM_ComputerSystem,Name=Intel(r) AMT");
	assert_true(d.ack_requested);
	assert_true(d.has_severity);
	assert_int_equal(d.severity, 2);
	assert_int_equal(d.alert_type, 8);
	assert_string_equal(d.filter, "Intel(r) AMT:AllEvents");
	assert_string_equal(d.indication_time, "2017-01-31T15:40:09.000Z");
	assert_string_equal(d.indication_id, "Intel(r):2950234687");
	assert_string_equal(d.reply_to, "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous");
	assert_string_equal(d.device, "");
	assert_string_equal(alertdoc_meaning(d.message_id), "agent has expired");

	const char *lms = slurp("event-lms-iamt0057", &len);
	assert_non_null(lms);
	assert_int_equal(alertdoc_parse(lms, len, &d, why, sizeof(why)), 0);
	assert_string_equal(d.message_id, "iAMT0057");
	assert_false(d.ack_requested);
	assert_string_equal(d.filter, "Intel(r) AMT:User Notification");
	assert_string_equal(d.indication_time, "2018-08-09T15:45:00.000Z");
	assert_int_equal(d.nargs, 2);
	assert_null(alertdoc_meaning(d.message_id));

	/* every prefix of a real event is refused, never a crash */
	mc = slurp("event-meshcentral-iamt0005", &len);
	char *copy = malloc(len);
	memcpy(copy, mc, len);
	for (size_t n = 0; n < len - 16; n++) /* the tail is whitespace after </a:Envelope> */
		if (alertdoc_parse(copy, n, &d, why, sizeof(why)) == 0)
			fail_msg("a %zu-byte prefix was taken", n);
	free(copy);
}

static const char *event(const char *header_extra, const char *body)
{
	static char buf[32768];
	snprintf(buf, sizeof(buf),
		 "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" "
		 "xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
		 "xmlns:c=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
		 "xmlns:g=\"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AlertIndication\">"
		 "<a:Header><b:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/Event</b:Action>"
		 "<b:MessageID>uuid:00000000-8086-8086-8086-000000000001</b:MessageID>%s</a:Header>"
		 "<a:Body><g:CIM_AlertIndication>%s</g:CIM_AlertIndication></a:Body></a:Envelope>",
		 header_extra, body);
	return buf;
}

static int parse(const char *xml, struct alertdoc *d)
{
	char why[256];
	return alertdoc_parse(xml, strlen(xml), d, why, sizeof(why));
}

static void test_hostile_shapes(void **state)
{
	(void)state;
	struct alertdoc d;
	char args[4096] = "";
	/* our reference parameter names the device (upper case) */
	assert_int_equal(parse(event("<v:device xmlns:v=\"urn:amt-agent:amt-verify\">"
				     "12345678-1234-5678-1234-56789abcdef0</v:device>",
				     "<g:MessageID>iAMT0036</g:MessageID>"), &d), 0);
	assert_string_equal(d.device, "12345678-1234-5678-1234-56789ABCDEF0");
	assert_int_equal(parse(event("<v:device xmlns:v=\"urn:amt-agent:amt-verify\">not-a-uuid"
				     "</v:device>", "<g:MessageID>iAMT0036</g:MessageID>"), &d), -1);
	/* no MessageID, an overlong one, non-printable text */
	assert_int_equal(parse(event("", "<g:AlertType>8</g:AlertType>"), &d), -1);
	assert_int_equal(parse(event("", "<g:MessageID>iAMT00360000000000</g:MessageID>"), &d), -1);
	assert_int_equal(parse(event("", "<g:MessageID>iAMT0036</g:MessageID><g:MessageArguments>"
				     "a\x01" "b</g:MessageArguments>"), &d), -1);
	assert_int_equal(parse(event("", "<g:MessageID>iAMT0036</g:MessageID><g:PerceivedSeverity>"
				     "high</g:PerceivedSeverity>"), &d), -1);
	/* more than 8 arguments */
	for (int i = 0; i < 9; i++)
		strncat(args, "<g:MessageArguments>x</g:MessageArguments>",
			sizeof(args) - strlen(args) - 1);
	strncat(args, "<g:MessageID>iAMT0036</g:MessageID>", sizeof(args) - strlen(args) - 1);
	assert_int_equal(parse(event("", args), &d), -1);
	/* another Action, a document type declaration (no entity is ever expanded) */
	const char *other = "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" "
			    "xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><a:Header>"
			    "<b:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</b:Action>"
			    "<b:MessageID>uuid:1</b:MessageID></a:Header><a:Body/></a:Envelope>";
	assert_int_equal(parse(other, &d), -1);
	const char *dtd = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"boom\">]>"
			  "<a:Envelope xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\"/>";
	assert_int_equal(parse(dtd, &d), -1);
	assert_int_equal(alertdoc_parse("", 0, &d, args, sizeof(args)), -1);
}

static void test_ack_and_fault(void **state)
{
	(void)state;
	struct alertdoc d;
	size_t len;
	assert_int_equal(parse(event("<c:AckRequested/>", "<g:MessageID>iAMT0036</g:MessageID>"), &d),
			 0);
	char *ack = alertdoc_ack(&d, &len);
	assert_non_null(ack);
	xmlDocPtr doc = xmlReadMemory(ack, (int)len, NULL, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	assert_non_null(strstr(ack, ">http://schemas.dmtf.org/wbem/wsman/1/wsman/Ack<"));
	assert_non_null(strstr(ack, ">uuid:00000000-8086-8086-8086-000000000001</a:RelatesTo>"));
	free(ack);
	char *fault = alertdoc_fault("no MessageID", &len);
	assert_non_null(strstr(fault, "s:Sender"));
	assert_non_null(strstr(fault, "no MessageID"));
	free(fault);
}

static void test_store_once(void **state)
{
	(void)state;
	char path[] = "/tmp/alerts-store.XXXXXX", err[512];
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	/* a schema 2 file, as the last release wrote it, is migrated */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE events (id INTEGER PRIMARY KEY, time TEXT NOT NULL,"
				      " type TEXT NOT NULL, uuid TEXT, source TEXT, detail TEXT NOT "
				      "NULL DEFAULT '{}');"
				      "INSERT INTO events (time, type) VALUES ('2026-01-01T00:00:00.000Z',"
				      " 'hello'); PRAGMA user_version = 2;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct store *st;
	assert_int_equal(store_open(path, STORE_CREATE, &st, err, sizeof(err)), 0);
	struct store_alert a = {.device = "12345678-1234-5678-1234-56789ABCDEF0",
				.source = "10.0.0.7:40000", .message_id = "iAMT0036",
				.wsa_message_id = "uuid:00000000-8086-8086-8086-000000000001",
				.indication_time = "2026-01-01T00:00:01.000Z",
				.indication_id = "Intel(r):5", .severity = 2, .arguments = "[\"0\"]"};
	json_t *detail = json_pack("{s:s}", "message_id", "iAMT0036");
	struct store_event ev;
	assert_int_equal(store_add_alert(st, &a, detail, &ev, err, sizeof(err)), STORE_ADDED);
	assert_string_equal(ev.type, "alert");
	assert_string_equal(ev.uuid, a.device);
	/* the device resends it (no answer reached it): stored once */
	assert_int_equal(store_add_alert(st, &a, detail, &ev, err, sizeof(err)), STORE_DUPLICATE);
	/* a later event with the same counter value (AMT restarted) is new */
	a.indication_time = "2026-01-02T00:00:00.000Z";
	assert_int_equal(store_add_alert(st, &a, detail, &ev, err, sizeof(err)), STORE_ADDED);
	/* an address instead of a UUID: no uuid on the event */
	a.device = "10.0.0.7";
	assert_int_equal(store_add_alert(st, &a, detail, &ev, err, sizeof(err)), STORE_ADDED);
	assert_null(ev.uuid);
	json_decref(detail);
	store_close(st);
	unlink(path);
}

static void test_rules(void **state)
{
	(void)state;
	struct engine_rule r;
	char err[512];
	assert_int_equal(engine_parse_rule("iAMT0036=/bin/true", &r, err, sizeof(err)), 0);
	assert_string_equal(r.glob, "iAMT0036");
	assert_string_equal(r.device, "");
	assert_string_equal(r.program, "/bin/true");
	assert_int_equal(engine_parse_rule("iAMT000[2-6]@12345678-1234-5678-1234-56789abcdef0="
					   "/bin/true", &r, err, sizeof(err)), 0);
	assert_string_equal(r.glob, "iAMT000[2-6]");
	assert_string_equal(r.device, "12345678-1234-5678-1234-56789ABCDEF0");
	assert_int_equal(engine_parse_rule("iAMT0036", &r, err, sizeof(err)), -1);
	assert_int_equal(engine_parse_rule("=/bin/true", &r, err, sizeof(err)), -1);
	assert_int_equal(engine_parse_rule("iAMT0036@nope=/bin/true", &r, err, sizeof(err)), -1);
	assert_int_equal(engine_parse_rule("iAMT0036=/nonexistent/prog", &r, err, sizeof(err)), -1);
	char plain[] = "/tmp/not-a-program.XXXXXX", rule[64];
	int fd = mkstemp(plain); /* mode 0600: not executable */
	close(fd);
	snprintf(rule, sizeof(rule), "iAMT0036=%s", plain);
	assert_int_equal(engine_parse_rule(rule, &r, err, sizeof(err)), -1);
	unlink(plain);
	/* no shell: a command line is not a program */
	assert_int_equal(engine_parse_rule("iAMT0036=/bin/echo hi", &r, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_events),  cmocka_unit_test(test_hostile_shapes),
		cmocka_unit_test(test_ack_and_fault), cmocka_unit_test(test_store_once),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
