// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_store.c - unit tests for tools/verify/store.c: create, add,
 * list (order, since), the JSON form, schema version checks, read-only
 * opening, and that events survive closing and reopening.
 * Must not: depend on the network or on another test's files (each test
 * works in its own temporary directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_verify_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/events.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

struct collected {
	int n;
	int64_t id[8];
	char time[8][VERIFY_TIME_LEN];
	char type[8][32];
	char uuid[8][40];
	char source[8][40];
	char detail[8][256];
	int stop_after;
};

static int collect(void *arg, const struct store_event *ev)
{
	struct collected *c = arg;
	char *d;

	assert_true(c->n < 8);
	c->id[c->n] = ev->id;
	snprintf(c->time[c->n], sizeof(c->time[0]), "%s", ev->time);
	snprintf(c->type[c->n], sizeof(c->type[0]), "%s", ev->type);
	snprintf(c->uuid[c->n], sizeof(c->uuid[0]), "%s", ev->uuid ? ev->uuid : "(null)");
	snprintf(c->source[c->n], sizeof(c->source[0]), "%s", ev->source ? ev->source : "(null)");
	d = json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(c->detail[c->n], sizeof(c->detail[0]), "%s", d ? d : "");
	free(d);
	c->n++;
	return c->stop_after && c->n >= c->stop_after ? 7 : 0;
}

/* 2026-11-22T10:00:00.000Z */
#define T0 INT64_C(1795341600000)

static void add_three(struct store *st)
{
	char err[256];
	json_t *d = json_pack("{s:i, s:[{s:s, s:s}], s:b}", "retry_count", 2, "hashes", "type",
			      "sha256", "hex", "00ff", "admin_set", 1);
	struct store_event ev;

	assert_non_null(d);
	/* Inserted out of time order on purpose: listing sorts by time. */
	assert_int_equal(store_add_event_at(st, T0 + 2000, "cira_open", "UUID-B", "10.0.0.2:5000",
					    NULL, &ev, err, sizeof(err)), 0);
	assert_true(ev.id > 0);
	assert_string_equal(ev.time, "2026-11-22T10:00:02.000Z");
	assert_int_equal(store_add_event_at(st, T0 + 1, "hello", "UUID-A", "10.0.0.1:4000", d, &ev,
					    err, sizeof(err)), 0);
	assert_string_equal(ev.time, "2026-11-22T10:00:00.001Z");
	assert_ptr_equal(ev.detail, d);
	assert_int_equal(store_add_event_at(st, T0 + 3600 * 1000, "note", NULL, NULL, NULL, NULL,
					    err, sizeof(err)), 0);
	json_decref(d);
}

static void test_add_and_list(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct collected c = {0};
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	add_three(st);
	assert_int_equal(store_list(st, INT64_MIN, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.type[0], "hello");
	assert_string_equal(c.time[0], "2026-11-22T10:00:00.001Z");
	assert_string_equal(c.uuid[0], "UUID-A");
	assert_string_equal(c.source[0], "10.0.0.1:4000");
	assert_string_equal(c.detail[0],
			    "{\"admin_set\":true,\"hashes\":[{\"hex\":\"00ff\",\"type\":\"sha256\"}],"
			    "\"retry_count\":2}");
	assert_string_equal(c.type[1], "cira_open");
	assert_string_equal(c.detail[1], "{}");
	assert_string_equal(c.type[2], "note");
	assert_string_equal(c.uuid[2], "(null)");
	assert_string_equal(c.source[2], "(null)");
	store_close(st);
}

static void test_since(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct collected c = {0};
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	add_three(st);
	assert_int_equal(store_list(st, T0 + 1000, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.type[0], "cira_open");
	assert_string_equal(c.type[1], "note");
	/* Inclusive bound, millisecond resolution. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(st, T0 + 1, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 3);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(st, T0 + 2, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(st, T0 + 7200 * 1000, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 0);
	/* A callback can stop the listing; its value comes back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_list(st, INT64_MIN, collect, &c, err, sizeof(err)), 7);
	assert_int_equal(c.n, 1);
	store_close(st);
}

static void test_survives_reopen(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct collected c = {0};
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	add_three(st);
	store_close(st);
	/* Read-only, as `amt-verify events` opens it. */
	assert_int_equal(store_open(f->path, STORE_READONLY, &st, err, sizeof(err)), 0);
	assert_int_equal(store_list(st, INT64_MIN, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(store_add_event(st, "x", NULL, NULL, NULL, NULL, err, sizeof(err)), -1);
	store_close(st);
	/* Read-write again: appends after the old ones, ids keep growing. */
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(store_add_event_at(st, T0 + 7200 * 1000, "later", NULL, NULL, NULL, NULL,
					    err, sizeof(err)), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_list(st, INT64_MIN, collect, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.type[3], "later");
	assert_true(c.id[3] > c.id[0] && c.id[3] > c.id[1] && c.id[3] > c.id[2]);
	store_close(st);
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

static void test_schema_version(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	store_close(st);
	assert_int_equal(sql_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	sql_exec(f->path, "PRAGMA user_version = 99");
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, "newer amt-verify"));
	assert_int_equal(store_open(f->path, STORE_READONLY, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema 99"));
}

static void test_foreign_database(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];

	sql_exec(f->path, "CREATE TABLE other (x INTEGER)");
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an amt-verify database"));
	/* It was left alone. */
	assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"),
			 0);
}

static void test_not_sqlite(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	char err[256];
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs("this is not a database, just some text that is long enough to look at\n", fp);
	fclose(fp);
	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->path));
}

static void test_readonly_missing(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	struct stat sb;
	char err[256];

	assert_int_equal(store_open(f->path, STORE_READONLY, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, "amt-verify listen"));
	assert_int_not_equal(stat(f->path, &sb), 0); /* not created */
}

static void test_wal_mode(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_close(st);
}

static void test_event_json(void **state)
{
	json_t *d = json_pack("{s:s, s:i, s:s}", "type", "evil", "retry_count", 3, "time", "x");
	struct store_event ev = {.id = 5, .time = "2026-11-22T10:00:00.000Z", .type = "hello",
				 .uuid = NULL, .source = "1.2.3.4:5", .detail = d};
	json_t *o = store_event_json(&ev);
	char *s = json_dumps(o, JSON_COMPACT);

	assert_non_null(s);
	/* Envelope first, in order; detail keys never override it. */
	assert_string_equal(s, "{\"schema\":1,\"id\":5,\"time\":\"2026-11-22T10:00:00.000Z\","
			       "\"type\":\"hello\",\"uuid\":null,\"source\":\"1.2.3.4:5\","
			       "\"retry_count\":3}");
	free(s);
	json_decref(o);
	json_decref(d);
	(void)state;
}

static void test_detail_must_be_object(void **state)
{
	struct fx *f = *state;
	struct store *st = NULL;
	json_t *a = json_array();
	char err[256];

	assert_int_equal(store_open(f->path, STORE_CREATE, &st, err, sizeof(err)), 0);
	assert_int_equal(store_add_event(st, "x", NULL, NULL, a, NULL, err, sizeof(err)), -1);
	json_decref(a);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
		cmocka_unit_test(test_event_json),
		cmocka_unit_test_setup_teardown(test_detail_must_be_object, setup, teardown),
	};

	log_init("test", LOG_SINK_STDERR, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
