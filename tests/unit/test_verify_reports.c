// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_reports.c - unit tests for agent reports in amt-verify:
 * validation (tools/verify/reportdoc.c: a good report, each required key
 * missing, wrong types and values, not JSON, oversized) and the reports
 * table of the store (tools/verify/store_reports.c: one row per report_id,
 * its "report" event, migration from schema 1, the latest report per device).
 * Must not: use the network or another test's files (each store test works
 * in its own temporary directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "reportdoc.h"
#include "store.h"

#define UUID_DEV "03000200-0400-0500-0006-000700080009"
#define RID_1 "0F8FAD5B-D9CB-469F-A165-70867728950E"

/* A report as amt-agent sends it (the parts the receiver looks at, and a
 * few it does not). */
static json_t *good_report(void)
{
	json_t *r = json_pack(
		"{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:i, s:s, s:s, s:s, s:b,"
		" s:{s:s, s:s, s:b, s:b, s:b}, s:n, s:{s:s, s:s, s:s, s:s}, s:[]}",
		"schema", 1, "type", "amt-agent-report", "report_id", RID_1, "timestamp",
		"2026-11-22T10:00:00Z", "uuid", "03000200-0400-0500-0006-00070008000a", "host_name",
		"laptop-1.example.org", "agent_version", "0.1.0", "host_id", "dropped_reports", 0,
		"amt_version", "16.1.25", "provisioning_state", "post", "control_mode", "acm",
		"provisioned", 1, "wired", "mac", "00:11:22:33:44:55", "ipv4", "192.168.7.10", "dhcp", 1,
		"link_up", 1, "enabled", 1, "wireless", "cira", "status", "not_connected", "network",
		"outside_enterprise", "trigger", "user_initiated", "mps", "mps.example.org",
		"cert_hashes");
	assert_non_null(r);
	return r;
}

/* Dump r (consumed) and parse it: the way the receiver sees bytes. */
static int parse_json(json_t *r, struct reportdoc *d, char *err, size_t errlen)
{
	char *text = json_dumps(r, JSON_COMPACT);
	int rc;

	assert_non_null(text);
	json_decref(r);
	rc = reportdoc_parse(text, strlen(text), d, err, errlen);
	free(text);
	return rc;
}

static void test_good(void **state)
{
	struct reportdoc d;
	char err[256] = "";

	assert_int_equal(parse_json(good_report(), &d, err, sizeof(err)), REPORTDOC_OK);
	assert_string_equal(d.report_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
	assert_string_equal(d.uuid, "03000200-0400-0500-0006-00070008000A");
	assert_string_equal(d.time, "2026-11-22T10:00:00.000Z");
	assert_int_equal(d.time_ms, INT64_C(1795341600000));
	assert_string_equal(d.host_name, "laptop-1.example.org");
	assert_string_equal(d.amt_version, "16.1.25");
	assert_string_equal(d.provisioning_state, "post");
	assert_string_equal(d.control_mode, "acm");
	assert_null(d.host_id);
	assert_string_equal(d.cira_status, "not_connected");
	assert_string_equal(d.wired_ipv4, "192.168.7.10");
	assert_null(d.wireless_ipv4);
	assert_string_equal(d.agent_version, "0.1.0");
	reportdoc_free(&d);
	reportdoc_free(&d); /* idempotent */
}

static void test_optional_forms(void **state)
{
	struct reportdoc d;
	char err[256] = "";
	json_t *r = good_report();

	/* amt_version null, a host ID, wireless with an address, no wired,
	 * no agent_version, a time with an offset, unknown keys. */
	json_object_set_new(r, "amt_version", json_null());
	json_object_set_new(r, "host_id", json_string("asset-0042"));
	json_object_set_new(r, "wireless", json_pack("{s:s}", "ipv4", "10.1.2.3"));
	json_object_del(r, "wired");
	json_object_del(r, "agent_version");
	json_object_set_new(r, "timestamp", json_string("2026-11-22T12:00:00+02:00"));
	json_object_set_new(r, "from_the_future", json_pack("{s:i}", "x", 1));
	assert_int_equal(parse_json(r, &d, err, sizeof(err)), REPORTDOC_OK);
	assert_null(d.amt_version);
	assert_string_equal(d.host_id, "asset-0042");
	assert_null(d.wired_ipv4);
	assert_string_equal(d.wireless_ipv4, "10.1.2.3");
	assert_null(d.agent_version);
	assert_string_equal(d.time, "2026-11-22T10:00:00.000Z");
	reportdoc_free(&d);
}

static void test_each_missing(void **state)
{
	static const char *const required[] = {
		"type", "schema", "report_id", "timestamp", "uuid", "host_name", "amt_version",
		"provisioning_state", "control_mode", "host_id", "cira"};

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct reportdoc d;
		char err[256] = "";
		json_t *r = good_report();

		assert_int_equal(json_object_del(r, required[i]), 0);
		assert_int_equal(parse_json(r, &d, err, sizeof(err)), REPORTDOC_E_FIELD);
		if (strncmp(err, required[i], strlen(required[i])) != 0 || !strstr(err, "missing"))
			fail_msg("missing %s: error \"%s\"", required[i], err);
		assert_null(d.root);
	}
}

struct bad {
	const char *key;  /* "a.b" sets b inside object a */
	const char *json; /* the value, as JSON */
	const char *err;  /* expected at the start of the error */
};

static void test_wrong_types(void **state)
{
	static const struct bad bad[] = {
		{"type", "\"amt-agent-info\"", "type: expected"},
		{"type", "1", "type: expected a string"},
		{"schema", "\"1\"", "schema: expected 1"},
		{"schema", "2", "schema: expected 1"},
		{"schema", "1.0", "schema: expected 1"},
		{"report_id", "\"not-a-uuid\"", "report_id: expected a UUID"},
		{"report_id", "\"0f8fad5b-d9cb-469f-a165-70867728950\"", "report_id: expected a UUID"},
		{"report_id", "\"0f8fad5bxd9cb-469f-a165-70867728950e\"", "report_id: expected a UUID"},
		{"report_id", "42", "report_id: expected a string"},
		{"report_id", "null", "report_id: expected a string"},
		{"timestamp", "\"10m\"", "timestamp: expected"},
		{"timestamp", "\"2026-11-22\"", "timestamp: expected"},
		{"timestamp", "\"2026-13-22T10:00:00Z\"", "timestamp: expected"},
		{"timestamp", "1795341600", "timestamp: expected a string"},
		{"uuid", "\"03000200-0400-0500-0006\"", "uuid: expected the device UUID"},
		{"uuid", "[]", "uuid: expected a string"},
		{"host_name", "5", "host_name: expected a string"},
		{"host_name", "null", "host_name: expected a string"},
		{"host_name", "\"bad\\u001bname\"", "host_name: expected printable ASCII"},
		{"amt_version", "16", "amt_version: expected a string or null"},
		{"provisioning_state", "\"POST\"", "provisioning_state: expected a lower-case word"},
		{"provisioning_state", "true", "provisioning_state: expected a string"},
		{"control_mode", "null", "control_mode: expected a string"},
		{"control_mode", "\"\"", "control_mode: expected a lower-case word"},
		{"host_id", "{}", "host_id: expected a string or null"},
		{"cira", "\"connected\"", "cira: expected an object"},
		{"cira", "{}", "cira.status: missing"},
		{"cira.status", "3", "cira.status: expected a string"},
		{"wired", "\"eth0\"", "wired: expected an object or null"},
		{"wired.ipv4", "\"300.1.2.3\"", "wired.ipv4: expected an IPv4 address"},
		{"wireless", "{\"ipv4\":\"fe80::1\"}", "wireless.ipv4: expected an IPv4 address"},
		{"wired.ipv4", "7", "wired.ipv4: expected a string or null"},
		{"agent_version", "1", "agent_version: expected a string"},
		{"dropped_reports", "-1", "dropped_reports: expected a non-negative integer"},
		{"dropped_reports", "\"3\"", "dropped_reports: expected a non-negative integer"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reportdoc d;
		char err[256] = "", key[32];
		json_t *r = good_report(), *v = json_loads(bad[i].json, JSON_DECODE_ANY, NULL);
		const char *dot = strchr(bad[i].key, '.');

		assert_non_null(v);
		if (dot) {
			snprintf(key, sizeof(key), "%.*s", (int)(dot - bad[i].key), bad[i].key);
			json_t *parent = json_object_get(r, key);
			if (!json_is_object(parent)) {
				parent = json_object();
				json_object_set_new(r, key, parent);
			}
			json_object_set_new(parent, dot + 1, v);
		} else {
			json_object_set_new(r, bad[i].key, v);
		}
		assert_int_equal(parse_json(r, &d, err, sizeof(err)), REPORTDOC_E_FIELD);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0)
			fail_msg("%s = %s: error \"%s\", expected \"%s...\"", bad[i].key, bad[i].json,
				 err, bad[i].err);
	}
}

static void test_long_string(void **state)
{
	struct reportdoc d;
	char err[256] = "", name[REPORTDOC_MAX_TEXT + 2];
	json_t *r = good_report();

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	json_object_set_new(r, "host_name", json_string(name));
	assert_int_equal(parse_json(r, &d, err, sizeof(err)), REPORTDOC_E_FIELD);
	assert_non_null(strstr(err, "host_name: longer than"));
}

static void test_not_json(void **state)
{
	static const char *const inputs[] = {
		"", "not json", "[1,2]", "\"a string\"", "{\"type\":", "null",
		"{\"schema\":1,\"schema\":1}", /* duplicate keys */
		"{\"type\":\"amt-agent-report\"} trailing",
	};
	struct reportdoc d;
	char err[256];

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		int rc = reportdoc_parse(inputs[i], strlen(inputs[i]), &d, err, sizeof(err));
		if (rc != REPORTDOC_E_JSON)
			fail_msg("\"%s\": %d (%s)", inputs[i], rc, err);
	}
	/* An embedded NUL is not a report either. */
	assert_int_equal(reportdoc_parse("{\"a\":\"x\0y\"}", 11, &d, err, sizeof(err)),
			 REPORTDOC_E_JSON);
}

static void test_oversized(void **state)
{
	size_t len = REPORTDOC_MAX_BYTES + 1;
	char *big = malloc(len);
	struct reportdoc d;
	char err[256];

	assert_non_null(big);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	assert_int_equal(reportdoc_parse(big, len, &d, err, sizeof(err)), REPORTDOC_E_TOO_LARGE);
	assert_non_null(strstr(err, "larger than"));
	/* At the limit it is parsed (and is an object without the keys). */
	big[len - 2] = '}';
	assert_int_equal(reportdoc_parse(big, len - 1, &d, err, sizeof(err)), REPORTDOC_E_FIELD);
	free(big);
}

static void test_is_uuid(void **state)
{
	assert_true(reportdoc_is_uuid("03000200-0400-0500-0006-000700080009"));
	assert_true(reportdoc_is_uuid("abcdefAB-CDEF-0123-4567-89abcdefABCD"));
	assert_false(reportdoc_is_uuid(NULL));
	assert_false(reportdoc_is_uuid(""));
	assert_false(reportdoc_is_uuid("03000200040005000006000700080009"));
	assert_false(reportdoc_is_uuid("03000200-0400-0500-0006-00070008000g"));
	assert_false(reportdoc_is_uuid("03000200-0400-0500-0006-0007000800091"));
}

static void test_event_detail(void **state)
{
	struct reportdoc d;
	char err[256], *s;
	json_t *det;

	assert_int_equal(parse_json(good_report(), &d, err, sizeof(err)), REPORTDOC_OK);
	det = reportdoc_event_detail(&d, "CN=agent");
	assert_non_null(det);
	s = json_dumps(det, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"amt_version\":\"16.1.25\",\"cira_status\":\"not_connected\","
			       "\"client_subject\":\"CN=agent\",\"control_mode\":\"acm\","
			       "\"host_id\":null,\"host_name\":\"laptop-1.example.org\","
			       "\"provisioning_state\":\"post\","
			       "\"report_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
			       "\"timestamp\":\"2026-11-22T10:00:00.000Z\"}");
	free(s);
	json_decref(det);
	reportdoc_free(&d);
}

/* ---- the store ---- */

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_verify_reports.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/events.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char p[160];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

#define T0 INT64_C(1795341600000) /* 2026-11-22T10:00:00.000Z */

/* Add a report for uuid with the given agent time; returns the result. */
static int add(struct store *st, int64_t received, const char *rid, const char *uuid,
	       const char *time, const char *host)
{
	struct store_report r = {.report_id = rid, .uuid = uuid, .host_name = host,
				 .source = "127.0.0.1:5555", .report = "{}"};
	struct store_event ev;
	json_t *det = json_pack("{s:s}", "report_id", rid);
	char err[256];
	int rc;

	snprintf(r.time, sizeof(r.time), "%s", time);
	rc = store_add_report_at(st, received, &r, det, &ev, err, sizeof(err));
	if (rc == STORE_ADDED) {
		assert_true(r.id > 0);
		assert_true(ev.id > 0);
		assert_string_equal(ev.type, "report");
		assert_string_equal(ev.uuid, uuid);
	}
	json_decref(det);
	return rc;
}

static int count_events(void *arg, const struct store_event *ev)
{
	int *n = arg;

	if (strcmp(ev->type, "report") == 0)
		(*n)++;
	return 0;
}

static void test_dedupe(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];
	int n = 0;

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(add(st, T0, "11111111-1111-4111-8111-111111111111", UUID_DEV,
			     "2026-11-22T09:00:00.000Z", "h1"),
			 STORE_ADDED);
	assert_int_equal(add(st, T0 + 10, "11111111-1111-4111-8111-111111111111", UUID_DEV,
			     "2026-11-22T09:00:00.000Z", "h1"),
			 STORE_DUPLICATE);
	assert_int_equal(add(st, T0 + 20, "22222222-2222-4222-8222-222222222222", UUID_DEV,
			     "2026-11-22T09:01:00.000Z", "h1"),
			 STORE_ADDED);
	assert_int_equal(store_report_count(st, "11111111-1111-4111-8111-111111111111", err,
					    sizeof(err)),
			 1);
	assert_int_equal(store_report_count(st, "33333333-3333-4333-8333-333333333333", err,
					    sizeof(err)),
			 0);
	/* A duplicate writes no event either. */
	assert_int_equal(store_list(st, INT64_MIN, count_events, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	store_close(st);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM reports"), 2);
	/* Every report row points at its event. */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM reports r JOIN events e ON "
					  "e.id = r.event_id AND e.type = 'report'"),
			 2);
	/* Read-only stores refuse to add. */
	assert_int_equal(store_open(f->path, STORE_READONLY, &st, err, sizeof(err)), 0);
	assert_int_equal(add(st, T0, "44444444-4444-4444-8444-444444444444", UUID_DEV,
			     "2026-11-22T09:00:00.000Z", "h1"),
			 -1);
	store_close(st);
}

static void test_migration_from_1(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];
	int n = 0;

	/* A schema-1 file as the previous amt-verify wrote it. */
	sql_exec(f->path,
		 "CREATE TABLE events (id INTEGER PRIMARY KEY, time TEXT NOT NULL, type TEXT "
		 "NOT NULL, uuid TEXT, source TEXT, detail TEXT NOT NULL DEFAULT '{}');"
		 "CREATE INDEX events_time ON events(time, id);"
		 "INSERT INTO events (time, type, uuid, source, detail) VALUES "
		 "('2026-11-22T08:00:00.000Z', 'hello', 'U', '10.0.0.1:1', '{}');"
		 "PRAGMA user_version = 1;");
	/* Read-only: still readable, and it has no reports. */
	assert_int_equal(store_open(f->path, STORE_READONLY, &st, err, sizeof(err)), 0);
	assert_int_equal(store_latest_reports(st, NULL, NULL, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"), 1);
	/* A receiver opening it migrates it to the current schema and keeps the
	 * events. */
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(add(st, T0, RID_1, UUID_DEV, "2026-11-22T09:00:00.000Z", "h"),
			 STORE_ADDED);
	assert_int_equal(store_list(st, INT64_MIN, count_events, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	store_close(st);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM tunnels"), 0);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"), 2);
	/* Opening again changes nothing. */
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM reports"), 1);
}

struct latest {
	int n;
	char rid[4][40], uuid[4][40], time[4][32];
};

static int collect_latest(void *arg, const struct store_report *r)
{
	struct latest *l = arg;

	assert_true(l->n < 4);
	snprintf(l->rid[l->n], sizeof(l->rid[0]), "%s", r->report_id);
	snprintf(l->uuid[l->n], sizeof(l->uuid[0]), "%s", r->uuid);
	snprintf(l->time[l->n], sizeof(l->time[0]), "%s", r->time);
	assert_string_equal(r->source, "127.0.0.1:5555");
	assert_non_null(r->report);
	assert_true(r->received[0] != '\0');
	l->n++;
	return 0;
}

static void test_latest_per_device(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct latest l = {0};
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	/* Device B first, three of A arriving out of order (a spooled older
	 * report arrives last: the agent's time decides, not arrival). */
	assert_int_equal(add(st, T0, "b0000000-0000-4000-8000-000000000001", "BBBB0000-0000-0000-0000-000000000000",
			     "2026-11-22T09:00:00.000Z", "b"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 1, "a0000000-0000-4000-8000-000000000002", "AAAA0000-0000-0000-0000-000000000000",
			     "2026-11-22T09:30:00.000Z", "a"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 2, "a0000000-0000-4000-8000-000000000003", "AAAA0000-0000-0000-0000-000000000000",
			     "2026-11-22T09:45:00.000Z", "a"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 3, "a0000000-0000-4000-8000-000000000001", "AAAA0000-0000-0000-0000-000000000000",
			     "2026-11-22T09:10:00.000Z", "a"), STORE_ADDED);
	assert_int_equal(store_latest_reports(st, collect_latest, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.uuid[0], "AAAA0000-0000-0000-0000-000000000000");
	assert_string_equal(l.rid[0], "a0000000-0000-4000-8000-000000000003");
	assert_string_equal(l.time[0], "2026-11-22T09:45:00.000Z");
	assert_string_equal(l.uuid[1], "BBBB0000-0000-0000-0000-000000000000");
	assert_string_equal(l.rid[1], "b0000000-0000-4000-8000-000000000001");
	/* Same agent time: the one stored last wins. */
	assert_int_equal(add(st, T0 + 4, "b0000000-0000-4000-8000-000000000002", "BBBB0000-0000-0000-0000-000000000000",
			     "2026-11-22T09:00:00.000Z", "b"), STORE_ADDED);
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_latest_reports(st, collect_latest, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.rid[1], "b0000000-0000-4000-8000-000000000002");
	store_close(st);
}

static int stop_at_first(void *arg, const struct store_report *r)
{
	return 9;
}

static void test_latest_stops(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(store_latest_reports(st, stop_at_first, NULL, err, sizeof(err)), 0);
	assert_int_equal(add(st, T0, RID_1, UUID_DEV, "2026-11-22T09:00:00.000Z", NULL),
			 STORE_ADDED);
	assert_int_equal(store_latest_reports(st, stop_at_first, NULL, err, sizeof(err)), 9);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_optional_forms),
		cmocka_unit_test(test_each_missing),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_long_string),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_is_uuid),
		cmocka_unit_test(test_event_detail),
		cmocka_unit_test_setup_teardown(test_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_per_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latest_stops, setup, teardown),
	};

	log_init("test", LOG_SINK_STDERR, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
