// SPDX-License-Identifier: Apache-2.0
/*
 * store_pg.c - the PostgreSQL backend of the store (see store.h), through
 * libpq: one database that several listeners share behind a load balancer.
 *
 * Owns: connecting (a postgresql:// URL, no password in it), applying the
 * postgresql migrations (store_migrations.h) once however many listeners
 * start together (one transaction under a transaction-scoped advisory
 * lock, the versions applied in table amt_verify_schema), checking the
 * schema of a read-only store, and the synchronous calls: the statements
 * the pooled writes share (store_pg.h) and the reads, which stream rows
 * (single-row mode) so a long listing needs no memory of its own; the
 * tunnels rows of this machine (column machine: /etc/machine-id). The
 * synchronous connection is reopened when the server went away, with a
 * backoff, and in a listener never while its pool finds the database
 * unreachable (ensure_conn: those calls run on its loop, so this is
 * checked before every one of them). Every connection has TCP bounds
 * (pg_params: tcp_user_timeout, keepalives) unless the URL sets its own. Times are
 * timestamptz, shown as ISO-8601 UTC with milliseconds like the SQLite
 * store; uuids sort byte-wise (COLLATE "C") as there.
 * Must not: print or log; read-then-write (a report is stored once by its
 * unique report_id and ON CONFLICT DO NOTHING, never by a lookup first).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_migrations.h"
#include "store_pg.h"

/* The synchronous connection, reopened after a failed reopen: not for
 * 1 s, doubling to 30 s; from a listener's loop with this connect_timeout. */
#define SYNC_BACKOFF_FIRST_MS 1000
#define SYNC_BACKOFF_MAX_MS 30000
#define SYNC_LOOP_CONNECT_TIMEOUT "2"

/* pg_advisory_xact_lock key: "amtv" */
#define PG_MIGRATION_LOCK "1634562166"
#define PG_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static struct pg_store *be(struct store *st)
{
	return st->be;
}

void pg_params(const char *target, const char *const *overrides, const char *keywords[PG_PARAMS],
	       const char *values[PG_PARAMS])
{
	/* Processed in order, later ones win: the URL's connect_timeout and
	 * TCP bounds beat ours, the overrides beat the URL's, and our
	 * application name does not beat an explicit one. */
	static const char *const ours[][2] = {
		{"connect_timeout", "10"},
		/* a silent route ends a connection instead of hanging a call:
		 * unacknowledged data for 10 s, or an idle connection whose 3
		 * probes (after 10 s, then every 3 s) go unanswered */
		{"tcp_user_timeout", PG_TCP_USER_TIMEOUT_MS},
		{"keepalives", "1"},
		{"keepalives_idle", "10"},
		{"keepalives_interval", "3"},
		{"keepalives_count", "3"},
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		keywords[n] = ours[i][0];
		values[n++] = ours[i][1];
	}
	keywords[n] = "dbname";
	values[n++] = target;
	for (int i = 0; i < 2 * PG_OVERRIDES && overrides && overrides[i]; i += 2) {
		keywords[n] = overrides[i];
		values[n++] = overrides[i + 1];
	}
	keywords[n] = "fallback_application_name";
	values[n++] = "amt-verify";
	keywords[n] = NULL;
	values[n] = NULL;
}

void pg_ignore_notice(void *arg, const char *message)
{
}

void pg_conn_err(PGconn *conn, char *out, size_t cap)
{
	const char *m = conn ? PQerrorMessage(conn) : NULL;
	size_t n;

	if (!m || !*m)
		m = "connection lost";
	n = strcspn(m, "\n");
	snprintf(out, cap, "%.*s", (int)n, m);
}

bool pg_conn_lost(PGconn *conn, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) != CONNECTION_OK)
		return true;
	/* Class 08: connection exception; 57P01..57P03: admin shutdown, crash
	 * shutdown, cannot connect now (starting up). */
	return !state || strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0;
}

/* "URL: WHAT SERVER-MESSAGE" */
static void db_err(struct store *st, const char *what, const PGresult *res, char *err,
		   size_t errlen)
{
	char why[256];
	const char *m = res ? PQresultErrorMessage(res) : NULL;

	if (m && *m)
		snprintf(why, sizeof(why), "%.*s", (int)strcspn(m, "\n"), m);
	else
		pg_conn_err(be(st)->conn, why, sizeof(why));
	snprintf(err, errlen, "%s: %s %s", st->name, what, why);
}

/* Run sql without parameters; 0 when it succeeded. */
static int exec_ok(struct store *st, const char *sql, const char *what, char *err, size_t errlen)
{
	PGresult *res = PQexec(be(st)->conn, sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		db_err(st, what, res, err, errlen);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* The first column of the single row sql returns, as an integer (NULL is 0). */
static int query_int(struct store *st, const char *sql, long *out, char *err, size_t errlen)
{
	PGresult *res = PQexec(be(st)->conn, sql);
	int rc = -1;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		db_err(st, "cannot read the schema:", res, err, errlen);
		goto out;
	}
	*out = PQgetisnull(res, 0, 0) ? 0 : strtol(PQgetvalue(res, 0, 0), NULL, 10);
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* A password in the URL would sit on command lines and in logs: refused. */
static int check_target(const char *target, char *err, size_t errlen)
{
	char *why = NULL;
	PQconninfoOption *opts = PQconninfoParse(target, &why);
	int rc = 0;

	if (!opts) {
		snprintf(err, errlen, "--db: not a valid PostgreSQL URL: %.*s", (int)strcspn(why ? why : "", "\n"),
			 why ? why : "out of memory");
		PQfreemem(why);
		return -1;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val) {
			snprintf(err, errlen,
				 "--db: the URL holds a password — put it in ~/.pgpass (or a file "
				 "named by PGPASSFILE or passfile=), never on the command line");
			rc = -1;
		}
	}
	PQconninfoFree(opts);
	return rc;
}

static int migrate(struct store *st, char *err, size_t errlen)
{
	int latest = store_migrations_latest("postgresql");
	long version = 0, foreign = 0;
	char sql[160];

	if (exec_ok(st, "BEGIN", "cannot start a transaction:", err, errlen) != 0)
		return -1;
	/* Listeners starting together: the first migrates, the others wait
	 * here and then find the work done. */
	if (exec_ok(st, "SELECT pg_advisory_xact_lock(" PG_MIGRATION_LOCK ")",
		    "cannot lock the schema:", err, errlen) != 0)
		goto fail;
	if (query_int(st, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
			  "AND tablename IN ('events', 'reports', 'tunnels', 'alerts') "
			  "AND to_regclass('amt_verify_schema') IS NULL",
		      &foreign, err, errlen) != 0)
		goto fail;
	if (foreign) {
		snprintf(err, errlen, "%s: has tables named events/reports that amt-verify did not "
				      "create — use another database or schema", st->name);
		goto fail;
	}
	if (exec_ok(st, "CREATE TABLE IF NOT EXISTS amt_verify_schema (version integer PRIMARY KEY, "
			"name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
		    "cannot create the schema:", err, errlen) != 0 ||
	    query_int(st, "SELECT max(version) FROM amt_verify_schema", &version, err, errlen) != 0)
		goto fail;
	if (version > latest) {
		snprintf(err, errlen, "%s: written by a newer amt-verify (schema %ld, this one knows %d) "
				      "— upgrade amt-verify or use another --db",
			 st->name, version, latest);
		goto fail;
	}
	for (const struct store_migration *m = store_migrations; m->backend; m++) {
		const char *vals[2];
		char num[16];
		PGresult *res;
		bool ok;

		if (strcmp(m->backend, "postgresql") != 0 || m->version <= version)
			continue;
		snprintf(sql, sizeof(sql), "cannot %s the schema (migration %03d %s):",
			 version ? "upgrade" : "create", m->version, m->name);
		if (exec_ok(st, m->sql, sql, err, errlen) != 0)
			goto fail;
		snprintf(num, sizeof(num), "%d", m->version);
		vals[0] = num;
		vals[1] = m->name;
		res = PQexecParams(be(st)->conn,
				   "INSERT INTO amt_verify_schema (version, name) VALUES ($1, $2)", 2,
				   NULL, vals, NULL, NULL, 0);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			db_err(st, "cannot record the schema version:", res, err, errlen);
		PQclear(res);
		if (!ok)
			goto fail;
	}
	if (exec_ok(st, "COMMIT", "cannot create the schema:", err, errlen) != 0)
		return -1;
	st->version = latest;
	return 0;
fail:
	exec_ok(st, "ROLLBACK", "", sql, sizeof(sql));
	return -1;
}

static int check_readonly(struct store *st, char *err, size_t errlen)
{
	int latest = store_migrations_latest("postgresql");
	long have = 0, version = 0;

	if (query_int(st, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
			  "AND tablename = 'amt_verify_schema'",
		      &have, err, errlen) != 0)
		return -1;
	if (have && query_int(st, "SELECT max(version) FROM amt_verify_schema", &version, err,
			      errlen) != 0)
		return -1;
	if (version == 0) {
		snprintf(err, errlen, "%s: no events recorded (empty database) — run amt-verify "
				      "listen with this --db first", st->name);
		return -1;
	}
	if (version > latest) {
		snprintf(err, errlen, "%s: written by a newer amt-verify (schema %ld, this one knows %d) "
				      "— upgrade amt-verify or use another --db",
			 st->name, version, latest);
		return -1;
	}
	st->version = (int)version;
	/* Commands that only read cannot write by mistake. */
	return exec_ok(st, "SET default_transaction_read_only = on", "cannot open:", err, errlen);
}

/* /etc/machine-id (systemd's identity of this installation), else the
 * host name: what tells this machine's tunnel rows from others'. */
static void machine_id(char *out, size_t cap)
{
	FILE *f = fopen("/etc/machine-id", "re");
	char buf[64] = "";
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (char *p = buf; *p; p++)
		if (!isxdigit((unsigned char)*p))
			buf[0] = '\0';
	if (strlen(buf) >= 16) {
		snprintf(out, cap, "%s", buf);
		return;
	}
	if (gethostname(buf, sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "localhost");
	buf[sizeof(buf) - 1] = '\0';
	snprintf(out, cap, "host:%s", buf);
}

/* Reopen the synchronous connection. In a listener (the pool attached) the
 * call runs on the event loop: a connect_timeout of 2 s (libpq's least)
 * wins over the URL's. */
static void reopen(struct store *st)
{
	struct pg_store *b = be(st);
	static const char *const loop_timeout[] = {"connect_timeout", SYNC_LOOP_CONNECT_TIMEOUT, NULL};
	const char *kw[PG_PARAMS], *val[PG_PARAMS];

	if (!b->pool) {
		PQreset(b->conn);
		return;
	}
	pg_params(st->name, loop_timeout, kw, val);
	PQfinish(b->conn);
	b->conn = PQconnectdbParams(kw, val, 1);
}

/*
 * The synchronous connection, reopened when the server went away since its
 * last use (a restart): 0, or -1 with a reason. These calls are rare, but
 * in a listener they block its loop, so during an outage they must fail
 * fast: not tried at all while the pool finds the database unreachable
 * (it probes without blocking), and after a failed reopen not tried again
 * for a backoff (1 s doubling to 30 s, back to none once one succeeds).
 */
static int ensure_conn(struct store *st, char *err, size_t errlen)
{
	struct pg_store *b = be(st);
	int64_t now;

	/* First, also while this connection looks healthy: a route that went
	 * silent leaves it CONNECTION_OK, and a statement on it would wait on
	 * the loop until TCP gives up; the pool's deadlines notice sooner. */
	if (b->pool && !pg_pool_reachable(b->pool)) {
		snprintf(err, errlen, "%s: PostgreSQL unreachable (reconnecting in the background)",
			 st->name);
		return -1;
	}
	/* A close the server sent while the connection sat idle (a restart,
	 * an outage the pool saw) is read now, without blocking (libpq's
	 * sockets are non-blocking), rather than failing the statement. */
	if (PQstatus(b->conn) == CONNECTION_OK && PQconsumeInput(b->conn) &&
	    PQstatus(b->conn) == CONNECTION_OK)
		return 0;
	now = verify_mono_ms();
	if (b->retry_at_ms && now < b->retry_at_ms) {
		snprintf(err, errlen, "%s: %s (next try in %lld s)", st->name, b->last_err,
			 (long long)((b->retry_at_ms - now + 999) / 1000));
		return -1;
	}
	reopen(st);
	if (PQstatus(b->conn) == CONNECTION_OK) {
		b->backoff_ms = 0;
		b->retry_at_ms = 0;
		PQsetNoticeProcessor(b->conn, pg_ignore_notice, NULL);
		if (st->mode == STORE_READONLY)
			PQclear(PQexec(b->conn, "SET default_transaction_read_only = on"));
		return 0;
	}
	b->backoff_ms = !b->backoff_ms ? SYNC_BACKOFF_FIRST_MS
		      : b->backoff_ms * 2 > SYNC_BACKOFF_MAX_MS ? SYNC_BACKOFF_MAX_MS
								: b->backoff_ms * 2;
	b->retry_at_ms = now + b->backoff_ms;
	pg_conn_err(b->conn, b->last_err, sizeof(b->last_err));
	snprintf(err, errlen, "%s: %s", st->name, b->last_err);
	return -1;
}

/* A statement that failed because the connection broke is sent once more
 * on a reopened one (only for statements that are safe to repeat). */
static PGresult *exec_params(struct store *st, const char *sql, int n, const char *const *v,
			     bool retry)
{
	struct pg_store *b = be(st);
	PGresult *res = PQexecParams(b->conn, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);
	char err[8];

	if (retry && s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && pg_conn_lost(b->conn, res) &&
	    ensure_conn(st, err, sizeof(err)) == 0) {
		PQclear(res);
		res = PQexecParams(b->conn, sql, n, NULL, v, NULL, NULL, 0);
	}
	return res;
}

static int pg_open(struct store *st, const char *target, enum store_mode mode, char *err,
		   size_t errlen)
{
	const char *kw[PG_PARAMS], *val[PG_PARAMS];
	struct pg_store *b;
	char why[256];

	if (check_target(target, err, errlen) != 0)
		return -1;
	st->be = b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pg_params(target, NULL, kw, val);
	b->conn = PQconnectdbParams(kw, val, 1);
	if (PQstatus(b->conn) != CONNECTION_OK) {
		pg_conn_err(b->conn, why, sizeof(why));
		snprintf(err, errlen, "cannot connect to %s: %s — is PostgreSQL running, and may "
				      "this user connect (pg_hba.conf, ~/.pgpass)?",
			 st->name, why);
		return -1;
	}
	PQsetNoticeProcessor(b->conn, pg_ignore_notice, NULL);
	machine_id(b->machine, sizeof(b->machine));
	return mode == STORE_CREATE ? migrate(st, err, errlen) : check_readonly(st, err, errlen);
}

static void pg_close(struct store *st)
{
	struct pg_store *b = be(st);

	if (!b)
		return;
	pg_pool_free(st);
	PQfinish(b->conn);
	free(b);
	st->be = NULL;
}

/* ---- the statements ---- */

const char pg_insert_event_sql[] =
	"INSERT INTO events (time, type, uuid, source, detail) "
	"VALUES ($1::timestamptz, $2, $3, $4, $5::json) RETURNING id";

void pg_event_params(const char *time, const char *type, const char *uuid, const char *source,
		     const char *detail, const char *v[PG_EVENT_PARAMS])
{
	v[0] = time;
	v[1] = type;
	v[2] = uuid;
	v[3] = source;
	v[4] = detail;
}

/* One statement, so one implicit transaction: the event id is drawn first,
 * the report row takes it unless its report_id exists, and the event is
 * written only for a report row that was. */
const char pg_insert_report_sql[] =
	"WITH ev AS (SELECT nextval(pg_get_serial_sequence('events', 'id')) AS id), "
	"r AS (INSERT INTO reports (report_id, received, time, uuid, host_name, source, "
	"client_subject, event_id, report) "
	"SELECT $1, $2::timestamptz, $3::timestamptz, $4, $5, $6, $7, ev.id, $8::json FROM ev "
	"ON CONFLICT (report_id) DO NOTHING RETURNING id, event_id) "
	"INSERT INTO events (id, time, type, uuid, source, detail) "
	"SELECT r.event_id, $2::timestamptz, 'report', $4, $6, $9::json FROM r "
	"RETURNING id, (SELECT id FROM r)";

void pg_report_params(const struct store_report *r, const char *detail,
		      const char *v[PG_REPORT_PARAMS])
{
	v[0] = r->report_id;
	v[1] = r->received;
	v[2] = r->time;
	v[3] = r->uuid;
	v[4] = r->host_name;
	v[5] = r->source;
	v[6] = r->client_subject;
	v[7] = r->report;
	v[8] = detail;
}

int pg_report_result(const PGresult *res, int64_t *event_id, int64_t *report_row)
{
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return -1;
	if (PQntuples(res) == 0)
		return STORE_DUPLICATE;
	*event_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*report_row = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	return STORE_ADDED;
}

/* ---- synchronous calls ---- */

static int pg_add_event(struct store *st, const char *time, const char *type, const char *uuid,
			const char *source, const char *detail, int64_t *id, char *err,
			size_t errlen)
{
	const char *v[PG_EVENT_PARAMS];
	PGresult *res;
	int rc = -1;

	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	pg_event_params(time, type, uuid, source, detail, v);
	res = PQexecParams(be(st)->conn, pg_insert_event_sql, PG_EVENT_PARAMS, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = 0;
	} else {
		db_err(st, "cannot record an event:", res, err, errlen);
	}
	PQclear(res);
	return rc;
}

static int pg_add_report(struct store *st, struct store_report *r, const char *detail,
			 int64_t *event_id, char *err, size_t errlen)
{
	const char *v[PG_REPORT_PARAMS];
	PGresult *res;
	int rc;

	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	pg_report_params(r, detail, v);
	/* Safe to repeat: a report_id already stored is a duplicate. */
	res = exec_params(st, pg_insert_report_sql, PG_REPORT_PARAMS, v, true);
	rc = pg_report_result(res, event_id, &r->id);
	if (rc < 0)
		db_err(st, "cannot store a report:", res, err, errlen);
	PQclear(res);
	return rc;
}

/* Send sql and call row(arg, res, i) for each row as it arrives (single-row
 * mode). row's non-zero value stops (the rest is drained) and is returned. */
static int stream(struct store *st, const char *sql, int nparams, const char *const *params,
		  int (*row)(void *arg, const PGresult *res), void *arg, const char *what,
		  char *err, size_t errlen)
{
	PGconn *c = be(st)->conn;
	PGresult *res;
	int rc = 0;
	bool failed = false;

	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	c = be(st)->conn;
	if (!PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(c)) {
		db_err(st, what, NULL, err, errlen);
		while ((res = PQgetResult(c)) != NULL)
			PQclear(res);
		return -1;
	}
	while ((res = PQgetResult(c)) != NULL) {
		ExecStatusType s = PQresultStatus(res);

		if (s == PGRES_SINGLE_TUPLE && rc == 0 && !failed)
			rc = row(arg, res);
		else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !failed) {
			db_err(st, what, res, err, errlen);
			failed = true;
		}
		PQclear(res);
	}
	return failed ? -1 : rc;
}

static const char *val(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

struct list_arg {
	store_list_cb cb;
	void *arg;
};

static int on_event_row(void *arg, const PGresult *res)
{
	struct list_arg *la = arg;

	return store_emit_event(la->cb, la->arg, strtoll(PQgetvalue(res, 0, 0), NULL, 10),
				val(res, 1), val(res, 2), val(res, 3), val(res, 4), val(res, 5));
}

static int pg_list(struct store *st, const char *since, store_list_cb cb, void *arg, char *err,
		   size_t errlen)
{
	struct list_arg la = {cb, arg};
	const char *v[1] = {since};

	return stream(st,
		      since[0] ? "SELECT id, " PG_TIME("time") ", type, uuid, source, detail FROM events "
				 "WHERE time >= $1::timestamptz ORDER BY time, id"
			       : "SELECT id, " PG_TIME("time") ", type, uuid, source, detail FROM events "
				 "ORDER BY time, id",
		      since[0] ? 1 : 0, since[0] ? v : NULL, on_event_row, &la, "cannot read events:",
		      err, errlen);
}

static int pg_list_after(struct store *st, int64_t after_id, store_list_cb cb, void *arg,
			 char *err, size_t errlen)
{
	struct list_arg la = {cb, arg};
	char id[24];
	const char *v[1] = {id};

	snprintf(id, sizeof(id), "%" PRId64, after_id);
	return stream(st,
		      "SELECT id, " PG_TIME("time") ", type, uuid, source, detail FROM events "
		      "WHERE id > $1 ORDER BY id",
		      1, v, on_event_row, &la, "cannot read events:", err, errlen);
}

struct report_arg {
	store_report_cb cb;
	void *arg;
};

static int on_report_row(void *arg, const PGresult *res)
{
	struct report_arg *ra = arg;
	struct store_report r = {0};

	r.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r.report_id = val(res, 1);
	snprintf(r.received, sizeof(r.received), "%s", PQgetvalue(res, 0, 2));
	snprintf(r.time, sizeof(r.time), "%s", PQgetvalue(res, 0, 3));
	r.uuid = val(res, 4);
	r.host_name = val(res, 5);
	r.source = val(res, 6);
	r.client_subject = val(res, 7);
	r.report = val(res, 8);
	if (!r.report_id || !r.uuid || !r.report)
		return 0;
	return ra->cb(ra->arg, &r);
}

#define REPORT_COLUMNS \
	"id, report_id, " PG_TIME("received") ", " PG_TIME("time") ", uuid, host_name, source, " \
	"client_subject, report"

static int pg_latest_reports(struct store *st, const char *uuid, store_report_cb cb, void *arg,
			     char *err, size_t errlen)
{
	struct report_arg ra = {cb, arg};
	const char *v[1] = {uuid};

	return stream(st,
		      uuid ? "SELECT " REPORT_COLUMNS " FROM reports WHERE uuid = $1 "
			     "ORDER BY time DESC, id DESC LIMIT 1"
			   : "SELECT DISTINCT ON (uuid COLLATE \"C\") " REPORT_COLUMNS " FROM reports "
			     "ORDER BY uuid COLLATE \"C\", time DESC, id DESC",
		      uuid ? 1 : 0, uuid ? v : NULL, on_report_row, &ra, "cannot read reports:", err,
		      errlen);
}

static int pg_report_count(struct store *st, const char *report_id, char *err, size_t errlen)
{
	const char *v[1] = {report_id};
	PGresult *res;
	int rc = -1;

	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	res = exec_params(st, "SELECT count(*) FROM reports WHERE report_id = $1", 1, v, true);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = atoi(PQgetvalue(res, 0, 0));
	else
		db_err(st, "cannot read reports:", res, err, errlen);
	PQclear(res);
	return rc;
}

/* ---- alerts ---- */

/* One statement (one transaction), as for reports: the alert once per
 * dedupe key, its event only with a new alert row. */
static const char pg_insert_alert_sql[] =
	"WITH ev AS (SELECT nextval(pg_get_serial_sequence('events', 'id')) AS id), "
	"a AS (INSERT INTO alerts (received, device, source, message_id, wsa_message_id, "
	"indication_time, severity, arguments, event_id, dedupe) "
	"SELECT $1::timestamptz, $2, $3, $4, $5, $6, $7::integer, $8::json, ev.id, $9 FROM ev "
	"ON CONFLICT (dedupe) DO NOTHING RETURNING id, event_id) "
	"INSERT INTO events (id, time, type, uuid, source, detail) "
	"SELECT a.event_id, $1::timestamptz, 'alert', $10, $3, $11::json FROM a "
	"RETURNING id, (SELECT id FROM a)";

static int pg_add_alert(struct store *st, struct store_alert *a, const char *key, const char *uuid,
			const char *detail, int64_t *event_id, char *err, size_t errlen)
{
	char sev[24];
	const char *v[11] = {a->received, a->device, a->source, a->message_id, a->wsa_message_id,
			     a->indication_time, a->severity >= 0 ? sev : NULL, a->arguments, key,
			     uuid, detail};
	PGresult *res;
	int rc;

	snprintf(sev, sizeof(sev), "%" PRId64, a->severity);
	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	/* safe to repeat: the dedupe key makes a second insert a duplicate */
	res = exec_params(st, pg_insert_alert_sql, 11, v, true);
	rc = pg_report_result(res, event_id, &a->id);
	if (rc < 0)
		db_err(st, "cannot store an alert:", res, err, errlen);
	PQclear(res);
	return rc;
}

/* ---- tunnels (this machine's rows) ---- */

/* Run sql; 0 (and the affected row count in *n) or -1 with err. */
static int exec_command(struct store *st, const char *sql, int nparams, const char *const *v,
			bool retry, const char *what, long *n, char *err, size_t errlen)
{
	PGresult *res;
	int rc = -1;

	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	res = exec_params(st, sql, nparams, v, retry);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK) {
		if (n)
			*n = strtol(PQcmdTuples(res), NULL, 10);
		rc = 0;
	} else {
		db_err(st, what, res, err, errlen);
	}
	PQclear(res);
	return rc;
}

static int pg_tunnel_add(struct store *st, struct store_tunnel *t, char *err, size_t errlen)
{
	char pid[24], start[24];
	const char *v[9] = {t->uuid, t->host_name, t->mps_user, t->source, t->since, t->ports,
			    be(st)->machine, pid, start};
	PGresult *res;
	int rc = -1;

	snprintf(pid, sizeof(pid), "%ld", t->pid);
	snprintf(start, sizeof(start), "%lld", t->pid_start);
	if (ensure_conn(st, err, errlen) != 0)
		return -1;
	res = exec_params(st,
			  "INSERT INTO tunnels (uuid, host_name, mps_user, source, since, ports, "
			  "machine, pid, pid_start) VALUES ($1, $2, $3, $4, $5::timestamptz, "
			  "$6::json, $7, $8, $9) RETURNING id",
			  9, v, false);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		t->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = 0;
	} else {
		db_err(st, "cannot record a tunnel:", res, err, errlen);
	}
	PQclear(res);
	return rc;
}

static int pg_tunnel_update(struct store *st, int64_t id, const char *host_name, const char *ports,
			    char *err, size_t errlen)
{
	char ids[24];
	const char *v[3] = {host_name, ports, ids};

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	return exec_command(st,
			    "UPDATE tunnels SET host_name = coalesce($1, host_name), "
			    "ports = coalesce($2::json, ports) WHERE id = $3",
			    3, v, true, "cannot update a tunnel:", NULL, err, errlen);
}

static int pg_tunnel_remove(struct store *st, int64_t id, char *err, size_t errlen)
{
	char ids[24];
	const char *v[1] = {ids};

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	return exec_command(st, "DELETE FROM tunnels WHERE id = $1", 1, v, true,
			    "cannot remove a tunnel:", NULL, err, errlen);
}

static int pg_tunnel_delete_listener(struct store *st, long pid, long long start, char *err,
				     size_t errlen)
{
	char p[24], s[24];
	const char *v[3] = {be(st)->machine, p, s};
	long n = 0;

	snprintf(p, sizeof(p), "%ld", pid);
	snprintf(s, sizeof(s), "%lld", start);
	if (exec_command(st, "DELETE FROM tunnels WHERE machine = $1 AND pid = $2 AND pid_start = $3",
			 3, v, true, "cannot remove stale tunnels:", &n, err, errlen) != 0)
		return -1;
	return (int)n;
}

struct tunnel_arg {
	store_tunnel_cb cb;
	void *arg;
};

static int on_tunnel_row(void *arg, const PGresult *res)
{
	struct tunnel_arg *ta = arg;
	struct store_tunnel t = {0};

	t.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	t.uuid = val(res, 1);
	t.host_name = val(res, 2);
	t.mps_user = val(res, 3);
	t.source = val(res, 4);
	snprintf(t.since, sizeof(t.since), "%s", PQgetvalue(res, 0, 5));
	t.ports = val(res, 6);
	t.pid = strtol(PQgetvalue(res, 0, 7), NULL, 10);
	t.pid_start = strtoll(PQgetvalue(res, 0, 8), NULL, 10);
	return ta->cb(ta->arg, &t);
}

static int pg_tunnel_rows(struct store *st, store_tunnel_cb cb, void *arg, char *err,
			  size_t errlen)
{
	struct tunnel_arg ta = {cb, arg};
	const char *v[1] = {be(st)->machine};

	return stream(st,
		      "SELECT id, uuid, host_name, mps_user, source, " PG_TIME("since") ", ports, pid, "
		      "pid_start FROM tunnels WHERE machine = $1 ORDER BY since, id",
		      1, v, on_tunnel_row, &ta, "cannot read tunnels:", err, errlen);
}

const struct store_ops store_pg_ops = {
	.backend = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.add_event = pg_add_event,
	.list = pg_list,
	.add_report = pg_add_report,
	.latest_reports = pg_latest_reports,
	.report_count = pg_report_count,
	.tunnel_add = pg_tunnel_add,
	.tunnel_update = pg_tunnel_update,
	.tunnel_remove = pg_tunnel_remove,
	.tunnel_rows = pg_tunnel_rows,
	.tunnel_delete_listener = pg_tunnel_delete_listener,
	.list_after = pg_list_after,
	.add_alert = pg_add_alert,
	.attach = pg_pool_attach,
	.submit = pg_pool_submit,
	.detach = pg_pool_free,
};
