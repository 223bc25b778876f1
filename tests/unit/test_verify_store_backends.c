// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_store_backends.c - the store's contract, run on both
 * backends: SQLite (a temporary file, always) and PostgreSQL (a fresh
 * database per test on the server named by AMT_TEST_PG_HOST, a socket
 * directory, and AMT_TEST_PG_USER; without them those tests are skipped —
 * tests/integration/test_store_pg.sh starts a real server and runs this
 * binary with them set).
 *
 * Contract: events listed oldest first with their detail's keys in order,
 * --since, read-only handles refuse writes, the schema version recorded,
 * one row per report_id even when several processes insert the same
 * reports at once (and migrate an empty database at once), the latest
 * report per device, writes from an event loop (store_attach; on
 * PostgreSQL also a batch one of whose writes the server refuses), and the
 * migration table itself (the same versions for both backends).
 * Must not: touch any database but the ones it creates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <libpq-fe.h>

#include "log.h"
#include "store.h"
#include "store_migrations.h"

#define T0 INT64_C(1795341600000) /* 2026-11-22T10:00:00.000Z */

struct bk {
	bool pg;
	char target[256];
	char dir[64];    /* sqlite */
	char dbname[64]; /* postgresql */
};

static const char *pg_host(void)
{
	const char *h = getenv("AMT_TEST_PG_HOST");
	return h && *h ? h : NULL;
}

static const char *pg_user(void)
{
	const char *u = getenv("AMT_TEST_PG_USER");
	return u && *u ? u : "postgres";
}

/* A libpq connection to database db of the test server. */
static PGconn *pg_admin(const char *db)
{
	char ci[256];
	PGconn *c;

	snprintf(ci, sizeof(ci), "host=%s user=%s dbname=%s", pg_host(), pg_user(), db);
	c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to the test server: %s", PQerrorMessage(c));
	return c;
}

static void pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static int setup_sqlite(void **state)
{
	struct bk *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	snprintf(b->dir, sizeof(b->dir), "/tmp/test_store_be.XXXXXX");
	assert_non_null(mkdtemp(b->dir));
	snprintf(b->target, sizeof(b->target), "%s/events.db", b->dir);
	*state = b;
	return 0;
}

static int setup_pg(void **state)
{
	static unsigned n;
	struct bk *b = calloc(1, sizeof(*b));
	char sql[128];
	PGconn *c;

	assert_non_null(b);
	*state = b;
	b->pg = true;
	if (!pg_host())
		return 0; /* each test skips */
	snprintf(b->dbname, sizeof(b->dbname), "amt_test_%ld_%u", (long)getpid(), n++);
	c = pg_admin("postgres");
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", b->dbname);
	pg_exec(c, sql);
	PQfinish(c);
	snprintf(b->target, sizeof(b->target), "postgresql:///%s?host=%s&user=%s", b->dbname,
		 pg_host(), pg_user());
	return 0;
}

static int teardown(void **state)
{
	struct bk *b = *state;
	char p[300], sql[160];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};

	if (b->pg && b->dbname[0]) {
		PGconn *c = pg_admin("postgres");
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->dbname);
		pg_exec(c, sql);
		PQfinish(c);
	} else if (!b->pg) {
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			snprintf(p, sizeof(p), "%s%s", b->target, sfx[i]);
			unlink(p);
		}
		rmdir(b->dir);
	}
	free(b);
	return 0;
}

static struct bk *fixture(void **state)
{
	struct bk *b = *state;

	if (b->pg && !pg_host())
		skip();
	return b;
}

static struct store *open_ok(struct bk *b, enum store_mode mode)
{
	struct store *st = NULL;
	char err[512];

	if (store_open(b->target, mode, &st, err, sizeof(err)) != 0)
		fail_msg("store_open %s: %s", b->target, err);
	assert_string_equal(store_backend(st), b->pg ? "postgresql" : "sqlite");
	return st;
}

/* ---- events ---- */

struct seen {
	int n;
	int64_t id[16];
	char line[16][400];
};

static int collect(void *arg, const struct store_event *ev)
{
	struct seen *s = arg;
	char *d = json_dumps(ev->detail, JSON_COMPACT);

	assert_true(s->n < 16);
	s->id[s->n] = ev->id;
	snprintf(s->line[s->n], sizeof(s->line[0]), "%s %s %s %s %s", ev->time, ev->type,
		 ev->uuid ? ev->uuid : "-", ev->source ? ev->source : "-", d ? d : "?");
	free(d);
	s->n++;
	return 0;
}

static void test_events(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	json_t *d = json_loads("{\"zeta\":1,\"alpha\":[1,2],\"mid\":{\"b\":true,\"a\":null}}", 0, NULL);
	struct store_event ev;
	struct seen s = {0};
	char err[512];

	assert_int_equal(store_add_event_at(st, T0 + 2000, "cira_open", "UUID-B", "10.0.0.2:5000",
					    NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(store_add_event_at(st, T0 + 1, "hello", "UUID-A", "10.0.0.1:4000", d, &ev,
					    err, sizeof(err)), 0);
	assert_true(ev.id > 0);
	assert_string_equal(ev.time, "2026-11-22T10:00:00.001Z");
	assert_int_equal(store_add_event_at(st, T0 + 3600 * 1000, "note", NULL, NULL, NULL, NULL,
					    err, sizeof(err)), 0);
	/* Not an object: refused. */
	assert_int_equal(store_add_event(st, "x", NULL, NULL, json_object_get(d, "alpha"), NULL, err,
					 sizeof(err)), -1);
	store_close(st);

	/* Oldest first, the detail's keys in the order written, on both. */
	st = open_ok(b, STORE_READONLY);
	assert_int_equal(store_list(st, INT64_MIN, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.line[0], "2026-11-22T10:00:00.001Z hello UUID-A 10.0.0.1:4000 "
				       "{\"zeta\":1,\"alpha\":[1,2],\"mid\":{\"b\":true,\"a\":null}}");
	assert_string_equal(s.line[1], "2026-11-22T10:00:02.000Z cira_open UUID-B 10.0.0.2:5000 {}");
	assert_string_equal(s.line[2], "2026-11-22T11:00:00.000Z note - - {}");
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(st, T0 + 2000, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	/* A read-only handle refuses every write. */
	assert_int_equal(store_add_event(st, "x", NULL, NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "read-only"));
	store_close(st);
	json_decref(d);
}

static void test_readonly_empty(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = NULL;
	char err[512];

	assert_int_equal(store_open(b->target, STORE_READONLY, &st, err, sizeof(err)), -1);
	assert_null(st);
	assert_non_null(strstr(err, "listen"));
}

/* ---- reports ---- */

static int add(struct store *st, int64_t received, const char *rid, const char *uuid,
	       const char *time)
{
	struct store_report r = {.report_id = rid, .uuid = uuid, .host_name = "h",
				 .source = "127.0.0.1:5555", .report = "{\"k\":1}"};
	json_t *det = json_pack("{s:s}", "report_id", rid);
	char err[512];
	int rc;

	snprintf(r.time, sizeof(r.time), "%s", time);
	rc = store_add_report_at(st, received, &r, det, NULL, err, sizeof(err));
	if (rc < 0)
		print_error("store_add_report: %s\n", err);
	json_decref(det);
	return rc;
}

struct latest {
	int n;
	char line[8][200];
};

static int on_report(void *arg, const struct store_report *r)
{
	struct latest *l = arg;

	assert_true(l->n < 8);
	snprintf(l->line[l->n++], sizeof(l->line[0]), "%s %s %s %s", r->uuid, r->report_id,
		 r->time, r->report);
	return 0;
}

#define DEV_A "03000200-0400-0500-0006-000700080009"
#define DEV_B "0A000200-0400-0500-0006-000700080009"
#define DEV_C "03000200-0400-0500-0006-00070008000A"

static void test_reports(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	struct latest l = {0};
	char err[512];

	assert_int_equal(add(st, T0, "11111111-1111-4111-8111-111111111111", DEV_A,
			     "2026-11-22T09:00:00.000Z"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 1, "11111111-1111-4111-8111-111111111111", DEV_A,
			     "2026-11-22T09:00:00.000Z"), STORE_DUPLICATE);
	/* Arrives later but is older: not the latest. */
	assert_int_equal(add(st, T0 + 2, "22222222-2222-4222-8222-222222222222", DEV_A,
			     "2026-11-22T08:00:00.000Z"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 3, "33333333-3333-4333-8333-333333333333", DEV_B,
			     "2026-11-22T07:00:00.000Z"), STORE_ADDED);
	assert_int_equal(add(st, T0 + 4, "44444444-4444-4444-8444-444444444444", DEV_C,
			     "2026-11-22T07:00:00.000Z"), STORE_ADDED);
	assert_int_equal(store_report_count(st, "11111111-1111-4111-8111-111111111111", err,
					    sizeof(err)), 1);
	assert_int_equal(store_report_count(st, "55555555-5555-4555-8555-555555555555", err,
					    sizeof(err)), 0);
	store_close(st);

	st = open_ok(b, STORE_READONLY);
	assert_int_equal(store_latest_reports(st, on_report, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	/* Byte order of the uuids on both backends ('0' < '3' < 'A'). */
	assert_string_equal(l.line[0], DEV_A " 11111111-1111-4111-8111-111111111111 "
				       "2026-11-22T09:00:00.000Z {\"k\":1}");
	assert_string_equal(l.line[1], DEV_C " 44444444-4444-4444-8444-444444444444 "
				       "2026-11-22T07:00:00.000Z {\"k\":1}");
	assert_string_equal(l.line[2], DEV_B " 33333333-3333-4333-8333-333333333333 "
				       "2026-11-22T07:00:00.000Z {\"k\":1}");
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_report_of(st, "0a000200-0400-0500-0006-000700080009", on_report, &l,
					 err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.line[0], "33333333-"));
	memset(&l, 0, sizeof(l));
	assert_int_equal(store_report_of(st, "FFFFFFFF-0400-0500-0006-000700080009", on_report, &l,
					 err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	store_close(st);
}

/* Several processes open an empty store at once (each migrates it or waits
 * for the one that does) and insert the same report ids in different
 * orders: every report is stored exactly once. */
#define RACERS 4
#define RACE_REPORTS 40

static int count_reports(void *arg, const struct store_event *ev)
{
	int *n = arg;

	*n += strcmp(ev->type, "report") == 0;
	return 0;
}

static void test_concurrent_once(void **state)
{
	struct bk *b = fixture(state);
	int added = 0, events = 0;
	pid_t pid[RACERS];
	struct store *st;
	char err[512];

	for (int i = 0; i < RACERS; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			int mine = 0;
			st = NULL;
			if (store_open(b->target, STORE_CREATE, &st, err, sizeof(err)) != 0) {
				fprintf(stderr, "racer %d: %s\n", i, err);
				_exit(255);
			}
			for (int k = 0; k < RACE_REPORTS; k++) {
				int j = (k * (2 * i + 1) + i * 7) % RACE_REPORTS; /* an order per racer */
				char rid[40];
				int rc;

				snprintf(rid, sizeof(rid), "%08d-1111-4111-8111-111111111111", j);
				rc = add(st, T0 + k, rid, DEV_A, "2026-11-22T09:00:00.000Z");
				if (rc < 0)
					_exit(254);
				mine += rc == STORE_ADDED;
			}
			store_close(st);
			_exit(mine);
		}
	}
	for (int i = 0; i < RACERS; i++) {
		int status;
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= RACE_REPORTS);
		added += WEXITSTATUS(status);
	}
	assert_int_equal(added, RACE_REPORTS);
	st = open_ok(b, STORE_READONLY);
	assert_int_equal(store_list(st, INT64_MIN, count_reports, &events, err, sizeof(err)), 0);
	assert_int_equal(events, RACE_REPORTS);
	store_close(st);
}

/* ---- tunnels ---- */

struct tunnels_seen {
	int n;
	char uuid[4][40], ports[4][80], host[4][40];
};

static int on_tunnel(void *arg, const struct store_tunnel *t)
{
	struct tunnels_seen *s = arg;

	assert_true(s->n < 4);
	snprintf(s->uuid[s->n], sizeof(s->uuid[0]), "%s", t->uuid);
	snprintf(s->ports[s->n], sizeof(s->ports[0]), "%s", t->ports);
	snprintf(s->host[s->n], sizeof(s->host[0]), "%s", t->host_name ? t->host_name : "-");
	s->n++;
	return 0;
}

/* Rows of this process are live; a row whose listener is gone is not
 * listed and is pruned. */
static void test_tunnels(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	struct store_tunnel t = {.uuid = DEV_A, .mps_user = "admin", .source = "10.0.0.1:1",
				 .ports = "{\"16992\":\"127.0.0.1:41000\"}"};
	struct tunnels_seen seen = {0};
	char err[512];
	pid_t pid;
	int status;

	assert_int_equal(store_tunnel_add(st, &t, err, sizeof(err)), 0);
	assert_true(t.id > 0);
	assert_int_equal(store_tunnel_update(st, t.id, "laptop.example.org",
					     "{\"16992\":\"127.0.0.1:41001\"}", err, sizeof(err)), 0);
	/* A listener that records a tunnel and dies without removing it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *c = NULL;
		struct store_tunnel d = {.uuid = DEV_B, .ports = "{}"};
		if (store_open(b->target, STORE_CREATE, &c, err, sizeof(err)) != 0 ||
		    store_tunnel_add(c, &d, err, sizeof(err)) != 0)
			_exit(1);
		store_close(c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_close(st);

	st = open_ok(b, STORE_READONLY);
	assert_int_equal(store_tunnels_list(st, on_tunnel, &seen, err, sizeof(err)), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.uuid[0], DEV_A);
	assert_string_equal(seen.host[0], "laptop.example.org");
	assert_non_null(strstr(seen.ports[0], "41001"));
	store_close(st);

	st = open_ok(b, STORE_CREATE);
	assert_int_equal(store_tunnels_prune(st, err, sizeof(err)), 1);
	assert_int_equal(store_tunnels_prune(st, err, sizeof(err)), 0);
	assert_int_equal(store_tunnel_remove(st, t.id, err, sizeof(err)), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_tunnels_list(st, on_tunnel, &seen, err, sizeof(err)), 0);
	assert_int_equal(seen.n, 0);
	store_close(st);
}

/* ---- alerts and events by id ---- */

static void test_alerts(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	struct store_alert a = {.device = DEV_A, .source = "10.0.0.9:16993",
				.message_id = "iAMT0036", .wsa_message_id = "uuid:1",
				.indication_time = "20261122100000.000000+000", .severity = 2,
				.arguments = "[\"x\"]"};
	json_t *d = json_pack("{s:s}", "message_id", "iAMT0036");
	struct store_event ev;
	struct seen s = {0};
	char err[512];

	assert_int_equal(store_add_alert(st, &a, d, &ev, err, sizeof(err)), STORE_ADDED);
	assert_true(a.id > 0);
	assert_string_equal(ev.type, "alert");
	assert_string_equal(ev.uuid, DEV_A);
	/* the device resends it: stored once */
	assert_int_equal(store_add_alert(st, &a, d, NULL, err, sizeof(err)), STORE_DUPLICATE);
	a.wsa_message_id = "uuid:2";
	a.device = "10.0.0.9"; /* no UUID: the event has none */
	a.severity = -1;
	assert_int_equal(store_add_alert(st, &a, d, &ev, err, sizeof(err)), STORE_ADDED);
	assert_null(ev.uuid);
	assert_int_equal(store_add_event(st, "note", NULL, NULL, NULL, NULL, err, sizeof(err)), 0);
	store_close(st);

	st = open_ok(b, STORE_READONLY);
	assert_int_equal(store_list_after(st, 0, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 3);
	assert_non_null(strstr(s.line[0], " alert " DEV_A " 10.0.0.9:16993 {\"message_id\":\"iAMT0036\"}"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list_after(st, ev.id, collect, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.line[0], " note "));
	store_close(st);
	json_decref(d);
}

/* ---- writes from an event loop ---- */

struct outcomes {
	int events, added, dup, failed;
	int64_t last_event_id;
};

static void on_done(void *arg, const struct store_done *d)
{
	struct outcomes *o = arg;

	if (d->rc < 0) {
		print_error("async write failed: %s\n", d->err ? d->err : "?");
		o->failed++;
		return;
	}
	assert_non_null(d->ev);
	if (strcmp(d->ev->type, "report") != 0) {
		o->events++;
		assert_true(d->ev->id > 0);
	} else if (d->rc == STORE_ADDED) {
		o->added++;
		assert_true(d->ev->id > 0);
		assert_true(d->report_row > 0);
	} else {
		o->dup++;
		assert_int_equal(d->rc, STORE_DUPLICATE);
		assert_int_equal(d->ev->id, 0); /* nothing written */
	}
}

static void test_async(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	struct event_base *base = event_base_new();
	struct outcomes o = {0};
	json_t *d = json_pack("{s:i}", "n", 1);
	char err[512];
	int64_t until;

	assert_non_null(base);
	assert_int_equal(store_attach(st, base, err, sizeof(err)), 0);
	for (int i = 0; i < 60; i++) {
		char rid[40];
		struct store_report r = {.uuid = DEV_A, .source = "x", .report = "{}",
					 .time = "2026-11-22T09:00:00.000Z"};

		store_add_event_async(st, "hello", DEV_B, "127.0.0.1:1", d, on_done, &o);
		snprintf(rid, sizeof(rid), "%08d-2222-4222-8222-222222222222", i % 40);
		r.report_id = rid;
		store_add_report_async(st, &r, d, on_done, &o);
	}
	until = verify_mono_ms() + 20000;
	while (store_pending(st) > 0 && verify_mono_ms() < until)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(store_pending(st), 0);
	assert_int_equal(o.failed, 0);
	assert_int_equal(o.events, 60);
	assert_int_equal(o.added, 40);
	assert_int_equal(o.dup, 20);
	/* A write still running when the store closes completes (failed). */
	store_add_event_async(st, "late", NULL, NULL, NULL, on_done, &o);
	store_close(st);
	assert_int_equal(o.events + o.failed, 61);
	event_base_free(base);
	json_decref(d);
}

/* ---- PostgreSQL only ---- */

static void test_pg_url_rules(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = NULL;
	char err[512], url[300];
	PGconn *c;

	snprintf(url, sizeof(url), "postgresql://%s:secret@localhost/%s", pg_user(), b->dbname);
	assert_int_equal(store_open(url, STORE_CREATE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "~/.pgpass"));
	assert_null(strstr(err, "secret"));
	/* A database with tables of that name that are not ours. */
	c = pg_admin(b->dbname);
	pg_exec(c, "CREATE TABLE events (x int)");
	PQfinish(c);
	assert_int_equal(store_open(b->target, STORE_CREATE, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "did not create"));
}

static void test_pg_schema_recorded(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	PGconn *c;
	PGresult *r;

	store_close(st);
	st = open_ok(b, STORE_CREATE); /* again: nothing to do */
	store_close(st);
	c = pg_admin(b->dbname);
	r = PQexec(c, "SELECT count(*), max(version) FROM amt_verify_schema");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(atoi(PQgetvalue(r, 0, 0)), STORE_SCHEMA_VERSION);
	assert_int_equal(atoi(PQgetvalue(r, 0, 1)), STORE_SCHEMA_VERSION);
	PQclear(r);
	/* A newer schema is refused. */
	pg_exec(c, "INSERT INTO amt_verify_schema (version, name) VALUES (999, 'future')");
	PQfinish(c);
	{
		char err[512];
		assert_int_equal(store_open(b->target, STORE_READONLY, &st, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "newer amt-verify"));
	}
}

/* One write of a batch fails on the server: PostgreSQL rolls back the
 * whole batch, so no other write of it may be reported committed; they are
 * written again and succeed, and only the culprit fails. The test database
 * rejects two report_ids: one when its statement runs (a trigger), one only
 * at the commit (a deferred constraint trigger, so no statement is named). */
#define BATCH_REPORTS 100
#define BAD_NOW 7
#define BAD_AT_COMMIT 70

struct one_outcome {
	int rc; /* -3: not finished */
	int64_t row;
};

static void on_one_done(void *arg, const struct store_done *d)
{
	struct one_outcome *o = arg;

	o->rc = d->rc;
	o->row = d->report_row;
}

static void batch_rid(char *out, size_t cap, int i)
{
	snprintf(out, cap, "%08d-3333-4333-8333-333333333333", i);
}

static void test_pg_batch_error(void **state)
{
	struct bk *b = fixture(state);
	struct store *st = open_ok(b, STORE_CREATE);
	struct event_base *base = event_base_new();
	struct one_outcome rep[BATCH_REPORTS], ev[BATCH_REPORTS];
	json_t *d = json_pack("{s:i}", "n", 1);
	char err[512], rid[40], sql[600];
	int added = 0, events = 0;
	int64_t until;
	PGconn *c = pg_admin(b->dbname);
	PGresult *r;

	assert_non_null(base);
	pg_exec(c, "CREATE FUNCTION amt_test_reject() RETURNS trigger LANGUAGE plpgsql AS "
		   "$$ BEGIN RAISE EXCEPTION 'test rejects report %', NEW.report_id; END $$");
	batch_rid(rid, sizeof(rid), BAD_NOW);
	snprintf(sql, sizeof(sql), "CREATE TRIGGER amt_test_now BEFORE INSERT ON reports FOR EACH ROW "
				   "WHEN (NEW.report_id = '%s') EXECUTE FUNCTION amt_test_reject()", rid);
	pg_exec(c, sql);
	batch_rid(rid, sizeof(rid), BAD_AT_COMMIT);
	snprintf(sql, sizeof(sql), "CREATE CONSTRAINT TRIGGER amt_test_commit AFTER INSERT ON reports "
				   "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.report_id = '%s') "
				   "EXECUTE FUNCTION amt_test_reject()", rid);
	pg_exec(c, sql);

	/* Submitted while the pool connects: they wait and leave in batches. */
	assert_int_equal(store_attach(st, base, err, sizeof(err)), 0);
	for (int i = 0; i < BATCH_REPORTS; i++) {
		struct store_report rp = {.uuid = DEV_A, .source = "x", .report = "{}",
					  .time = "2026-11-22T09:00:00.000Z"};

		batch_rid(rid, sizeof(rid), i);
		rp.report_id = rid;
		rep[i].rc = ev[i].rc = -3;
		store_add_report_async(st, &rp, d, on_one_done, &rep[i]);
		store_add_event_async(st, "hello", DEV_B, "127.0.0.1:1", d, on_one_done, &ev[i]);
	}
	until = verify_mono_ms() + 30000;
	while (store_pending(st) > 0 && verify_mono_ms() < until)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(store_pending(st), 0);
	for (int i = 0; i < BATCH_REPORTS; i++) {
		if (i == BAD_NOW || i == BAD_AT_COMMIT) {
			if (rep[i].rc != -1)
				fail_msg("report %d (rejected by the server) completed with %d", i, rep[i].rc);
		} else if (rep[i].rc != STORE_ADDED) {
			fail_msg("report %d (innocent) completed with %d", i, rep[i].rc);
		} else {
			added++;
		}
		events += ev[i].rc == 0;
	}
	assert_int_equal(added, BATCH_REPORTS - 2);
	assert_int_equal(events, BATCH_REPORTS);
	/* What was answered committed is in the tables, and only that. */
	r = PQexec(c, "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM events WHERE "
		      "type = 'hello'), (SELECT count(*) FROM events WHERE type = 'report')");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(atoi(PQgetvalue(r, 0, 0)), added);
	assert_int_equal(atoi(PQgetvalue(r, 0, 1)), events);
	assert_int_equal(atoi(PQgetvalue(r, 0, 2)), added);
	PQclear(r);
	for (int i = 0; i < BATCH_REPORTS; i++) {
		char row[24];
		const char *v[2] = {rid, row};

		if (rep[i].rc != STORE_ADDED)
			continue;
		batch_rid(rid, sizeof(rid), i);
		snprintf(row, sizeof(row), "%lld", (long long)rep[i].row);
		r = PQexecParams(c, "SELECT count(*) FROM reports WHERE report_id = $1 AND id = $2", 2,
				 NULL, v, NULL, NULL, 0);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		if (atoi(PQgetvalue(r, 0, 0)) != 1)
			fail_msg("report %d answered committed as row %s, not in the table", i, row);
		PQclear(r);
	}
	PQfinish(c);
	store_close(st);
	event_base_free(base);
	json_decref(d);
}

/* ---- the migrations themselves ---- */

static void test_migration_table(void **state)
{
	static const char *const backends[] = {"sqlite", "postgresql"};

	assert_int_equal(store_migrations_latest("sqlite"), STORE_SCHEMA_VERSION);
	assert_int_equal(store_migrations_latest("postgresql"), STORE_SCHEMA_VERSION);
	for (size_t i = 0; i < 2; i++) {
		int expect = 1;
		for (const struct store_migration *m = store_migrations; m->backend; m++) {
			if (strcmp(m->backend, backends[i]) != 0)
				continue;
			assert_int_equal(m->version, expect); /* 1, 2, ... in order, no gap */
			assert_true(strlen(m->sql) > 10);
			expect++;
		}
		assert_int_equal(expect - 1, STORE_SCHEMA_VERSION);
	}
}

#define BOTH(t) \
	{#t " (sqlite)", t, setup_sqlite, teardown, NULL}, \
	{#t " (postgresql)", t, setup_pg, teardown, NULL}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_events),
		BOTH(test_readonly_empty),
		BOTH(test_reports),
		BOTH(test_concurrent_once),
		BOTH(test_tunnels),
		BOTH(test_alerts),
		BOTH(test_async),
		cmocka_unit_test_setup_teardown(test_pg_url_rules, setup_pg, teardown),
		cmocka_unit_test_setup_teardown(test_pg_schema_recorded, setup_pg, teardown),
		cmocka_unit_test_setup_teardown(test_pg_batch_error, setup_pg, teardown),
		cmocka_unit_test(test_migration_table),
	};

	log_init("test", LOG_SINK_STDERR, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
