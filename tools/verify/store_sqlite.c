// SPDX-License-Identifier: Apache-2.0
/*
 * store_sqlite.c - the SQLite backend of the store (see store.h): one file,
 * WAL mode, synchronous FULL, a 5 s busy timeout, the schema version in
 * PRAGMA user_version.
 *
 * Owns: opening the file, applying the sqlite migrations (store_migrations.h)
 * in one BEGIN IMMEDIATE transaction, so two listeners opening one old
 * file migrate it once; the events, reports, alerts and tunnels statements
 * (one file is one machine's: every tunnel row is this machine's). A report and
 * its event are one transaction and a report_id is stored once (INSERT ...
 * ON CONFLICT (report_id) DO NOTHING under the write lock).
 * Must not: print, log, or interpret event types or report documents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store_int.h"
#include "store_migrations.h"

struct sqlite_store {
	sqlite3 *db;
	sqlite3_stmt *insert;        /* events (read-write only) */
	sqlite3_stmt *insert_report; /* reports, prepared on first use */
	sqlite3_stmt *link_report;   /* reports.event_id, prepared on first use */
};

static struct sqlite_store *be(struct store *st)
{
	return st->be;
}

/* "PATH: WHAT SQLITE-MESSAGE" into err. */
static void db_err(struct store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s %s", st->name, what, sqlite3_errmsg(be(st)->db));
}

/* The first column of the first row of sql as an integer. */
static int query_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Apply the migrations after version, then record the new version. */
static int migrate(struct store *st, int version, int latest, char *err, size_t errlen)
{
	char pragma[64];

	for (const struct store_migration *m = store_migrations; m->backend; m++) {
		if (strcmp(m->backend, "sqlite") != 0 || m->version <= version)
			continue;
		if (sqlite3_exec(be(st)->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
			char what[96];
			snprintf(what, sizeof(what), "cannot %s the schema (migration %03d %s):",
				 version ? "upgrade" : "create", m->version, m->name);
			db_err(st, what, err, errlen);
			return -1;
		}
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", latest);
	if (sqlite3_exec(be(st)->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot record the schema version:", err, errlen);
		return -1;
	}
	return 0;
}

/* Create the schema in an empty database, migrate an older one, or check
 * the one found. */
static int check_schema(struct store *st, enum store_mode mode, char *err, size_t errlen)
{
	int latest = store_migrations_latest("sqlite");
	int version = 0, tables = 0, rc = -1;
	sqlite3 *db = be(st)->db;
	bool in_tx = false;

	if (mode == STORE_CREATE) {
		/* Serialise two listeners creating or migrating the same file. */
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			db_err(st, "cannot open:", err, errlen);
			goto out;
		}
		in_tx = true;
	}
	if (query_int(db, "PRAGMA user_version", &version) != 0 ||
	    query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables) != 0) {
		db_err(st, "cannot read the schema:", err, errlen);
		goto out;
	}
	if (version > latest) {
		snprintf(err, errlen,
			 "%s: written by a newer amt-verify (schema %d, this one knows %d) — "
			 "upgrade amt-verify or use another --db",
			 st->name, version, latest);
		goto out;
	}
	if (version == 0 && tables > 0) {
		snprintf(err, errlen,
			 "%s: not an amt-verify database (no schema version) — use another --db",
			 st->name);
		goto out;
	}
	if (version == 0 && mode == STORE_READONLY) {
		snprintf(err, errlen,
			 "%s: no events recorded (empty database) — run amt-verify listen "
			 "with this --db first",
			 st->name);
		goto out;
	}
	if (version < latest && mode == STORE_CREATE) {
		if (migrate(st, version, latest, err, errlen) != 0)
			goto out;
		version = latest;
	}
	st->version = version;
	if (in_tx) {
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			db_err(st, "cannot create the schema:", err, errlen);
			goto out;
		}
		in_tx = false;
	}
	rc = 0;
out:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int set_wal(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(be(st)->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		db_err(st, "cannot switch to WAL mode:", err, errlen);
		goto out;
	}
	if (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		snprintf(err, errlen, "%s: the file system does not support WAL mode", st->name);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static int sqlite_open(struct store *st, const char *path, enum store_mode mode, char *err,
		       size_t errlen)
{
	struct sqlite_store *b;
	struct stat sb;
	int flags = mode == STORE_READONLY ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (mode == STORE_READONLY && stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot open %s: %s — run amt-verify listen first or pass --db",
			 path, strerror(errno));
		return -1;
	}
	st->be = b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &b->db, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		if (!b->db) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		db_err(st, "cannot open:", err, errlen);
		return -1;
	}
	sqlite3_extended_result_codes(b->db, 1);
	sqlite3_busy_timeout(b->db, STORE_BUSY_TIMEOUT_MS);
	if (check_schema(st, mode, err, errlen) != 0)
		return -1;
	if (mode == STORE_READONLY)
		return 0;
	if (set_wal(st, err, errlen) != 0)
		return -1;
	/* A commit is on disk when it returns: receivers acknowledge reports
	 * only after that. */
	if (sqlite3_exec(b->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot set synchronous mode:", err, errlen);
		return -1;
	}
	if (sqlite3_prepare_v2(b->db,
			       "INSERT INTO events (time, type, uuid, source, detail) "
			       "VALUES (?, ?, ?, ?, ?)",
			       -1, &b->insert, NULL) != SQLITE_OK) {
		db_err(st, "cannot prepare:", err, errlen);
		return -1;
	}
	return 0;
}

static void sqlite_close(struct store *st)
{
	struct sqlite_store *b = be(st);

	if (!b)
		return;
	sqlite3_finalize(b->insert);
	sqlite3_finalize(b->insert_report);
	sqlite3_finalize(b->link_report);
	sqlite3_close_v2(b->db);
	free(b);
	st->be = NULL;
}

static int bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

static int sqlite_add_event(struct store *st, const char *time, const char *type,
			    const char *uuid, const char *source, const char *detail, int64_t *id,
			    char *err, size_t errlen)
{
	sqlite3_stmt *ins = be(st)->insert;
	int rc = -1;

	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	if (sqlite3_bind_text(ins, 1, time, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 2, type, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_text_or_null(ins, 3, uuid) != SQLITE_OK ||
	    bind_text_or_null(ins, 4, source) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 5, detail, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(ins) != SQLITE_DONE) {
		db_err(st, "cannot record an event:", err, errlen);
		goto out;
	}
	*id = sqlite3_last_insert_rowid(be(st)->db);
	rc = 0;
out:
	sqlite3_reset(ins);
	return rc;
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Step a prepared SELECT of events rows to cb; finalizes s whatever happens. */
static int emit_events(struct store *st, sqlite3_stmt *s, store_list_cb cb, void *arg,
		       char *err, size_t errlen)
{
	int rc = -1, step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int r = store_emit_event(cb, arg, sqlite3_column_int64(s, 0), col(s, 1), col(s, 2),
					 col(s, 3), col(s, 4), col(s, 5));
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		db_err(st, "cannot read events:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static int sqlite_list(struct store *st, const char *since, store_list_cb cb, void *arg,
		       char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db,
			       "SELECT id, time, type, uuid, source, detail FROM events "
			       "WHERE time >= ? ORDER BY time, id",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, since, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		db_err(st, "cannot read events:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	return emit_events(st, s, cb, arg, err, errlen);
}

static int sqlite_list_after(struct store *st, int64_t after_id, store_list_cb cb, void *arg,
			     char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db,
			       "SELECT id, time, type, uuid, source, detail FROM events "
			       "WHERE id > ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, after_id) != SQLITE_OK) {
		db_err(st, "cannot read events:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	return emit_events(st, s, cb, arg, err, errlen);
}

/* ---- reports ---- */

static int prepare_once(struct store *st, sqlite3_stmt **s, const char *sql, char *err,
			size_t errlen)
{
	if (*s)
		return 0;
	if (sqlite3_prepare_v2(be(st)->db, sql, -1, s, NULL) != SQLITE_OK) {
		db_err(st, "cannot prepare:", err, errlen);
		return -1;
	}
	return 0;
}

static int sqlite_add_report(struct store *st, struct store_report *r, const char *detail,
			     int64_t *event_id, char *err, size_t errlen)
{
	struct sqlite_store *b = be(st);
	sqlite3_stmt *ins, *link;
	bool in_tx = false;
	int rc = -1;

	if (prepare_once(st, &b->insert_report,
			 "INSERT INTO reports (report_id, received, time, uuid, host_name, source, "
			 "client_subject, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
			 "ON CONFLICT (report_id) DO NOTHING",
			 err, errlen) != 0 ||
	    prepare_once(st, &b->link_report, "UPDATE reports SET event_id = ? WHERE id = ?", err,
			 errlen) != 0)
		return -1;
	ins = b->insert_report;
	link = b->link_report;
	/* IMMEDIATE: the write lock first, so the duplicate check and the
	 * insert see the same table even with two listeners on one file. */
	if (sqlite3_exec(b->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot store a report:", err, errlen);
		goto out;
	}
	in_tx = true;
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	if (sqlite3_bind_text(ins, 1, r->report_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 2, r->received, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 3, r->time, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 4, r->uuid, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_text_or_null(ins, 5, r->host_name) != SQLITE_OK ||
	    bind_text_or_null(ins, 6, r->source) != SQLITE_OK ||
	    bind_text_or_null(ins, 7, r->client_subject) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 8, r->report, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(ins) != SQLITE_DONE) {
		db_err(st, "cannot store a report:", err, errlen);
		goto out;
	}
	if (sqlite3_changes(b->db) == 0) {
		rc = STORE_DUPLICATE; /* rolled back below: nothing was written */
		goto out;
	}
	r->id = sqlite3_last_insert_rowid(b->db);
	if (sqlite_add_event(st, r->received, "report", r->uuid, r->source, detail, event_id, err,
			     errlen) != 0)
		goto out;
	sqlite3_reset(link);
	if (sqlite3_bind_int64(link, 1, *event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(link, 2, r->id) != SQLITE_OK || sqlite3_step(link) != SQLITE_DONE) {
		db_err(st, "cannot store a report:", err, errlen);
		goto out;
	}
	if (sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot commit a report:", err, errlen);
		goto out;
	}
	in_tx = false;
	rc = STORE_ADDED;
out:
	sqlite3_reset(ins);
	sqlite3_reset(link);
	if (in_tx)
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int sqlite_latest_reports(struct store *st, const char *uuid, store_report_cb cb,
				 void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	if (st->version < 2)
		return 0; /* a schema-1 file opened read-only: no reports table */
	if (sqlite3_prepare_v2(be(st)->db,
			       uuid ? "SELECT id, report_id, received, time, uuid, host_name, source, "
				      "client_subject, report FROM reports WHERE uuid = ? "
				      "ORDER BY time DESC, id DESC LIMIT 1"
				    : "SELECT id, report_id, received, time, uuid, host_name, source, "
				      "client_subject, report FROM reports AS r WHERE id = "
				      "(SELECT id FROM reports AS l WHERE l.uuid = r.uuid "
				      "ORDER BY l.time DESC, l.id DESC LIMIT 1) ORDER BY uuid",
			       -1, &s, NULL) != SQLITE_OK ||
	    (uuid && sqlite3_bind_text(s, 1, uuid, -1, SQLITE_TRANSIENT) != SQLITE_OK)) {
		db_err(st, "cannot read reports:", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_report r = {0};
		int cr;

		r.id = sqlite3_column_int64(s, 0);
		r.report_id = col(s, 1);
		snprintf(r.received, sizeof(r.received), "%s", col(s, 2) ? col(s, 2) : "");
		snprintf(r.time, sizeof(r.time), "%s", col(s, 3) ? col(s, 3) : "");
		r.uuid = col(s, 4);
		r.host_name = col(s, 5);
		r.source = col(s, 6);
		r.client_subject = col(s, 7);
		r.report = col(s, 8);
		if (!r.report_id || !r.uuid || !r.report)
			continue; /* NOT NULL columns: only a hand-edited file gets here */
		cr = cb(arg, &r);
		if (cr != 0) {
			rc = cr;
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		db_err(st, "cannot read reports:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

static int sqlite_report_count(struct store *st, const char *report_id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (st->version < 2)
		return 0;
	if (sqlite3_prepare_v2(be(st)->db, "SELECT count(*) FROM reports WHERE report_id = ?", -1,
			       &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, report_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		db_err(st, "cannot read reports:", err, errlen);
		goto out;
	}
	rc = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- alerts ---- */

static int sqlite_add_alert(struct store *st, struct store_alert *a, const char *key,
			    const char *uuid, const char *detail, int64_t *event_id, char *err,
			    size_t errlen)
{
	struct sqlite_store *b = be(st);
	sqlite3_stmt *ins = NULL, *link = NULL;
	bool in_tx = false;
	int rc = -1;

	if (sqlite3_prepare_v2(b->db,
			       "INSERT INTO alerts (received, device, source, message_id, "
			       "wsa_message_id, indication_time, severity, arguments, dedupe) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING",
			       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(b->db, "UPDATE alerts SET event_id = ? WHERE id = ?", -1, &link,
			       NULL) != SQLITE_OK) {
		db_err(st, "cannot prepare:", err, errlen);
		goto out;
	}
	/* IMMEDIATE: the write lock first (several listeners on one file) */
	if (sqlite3_exec(b->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	in_tx = true;
	if (sqlite3_bind_text(ins, 1, a->received, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 2, a->device, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_text_or_null(ins, 3, a->source) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 4, a->message_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 5, a->wsa_message_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_text_or_null(ins, 6, a->indication_time) != SQLITE_OK ||
	    (a->severity >= 0 ? sqlite3_bind_int64(ins, 7, a->severity)
			      : sqlite3_bind_null(ins, 7)) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 8, a->arguments, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 9, key, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(ins) != SQLITE_DONE) {
		db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	if (sqlite3_changes(b->db) == 0) {
		rc = STORE_DUPLICATE; /* rolled back below: nothing was written */
		goto out;
	}
	a->id = sqlite3_last_insert_rowid(b->db);
	if (sqlite_add_event(st, a->received, "alert", uuid, a->source, detail, event_id, err,
			     errlen) != 0)
		goto out;
	if (sqlite3_bind_int64(link, 1, *event_id) != SQLITE_OK ||
	    sqlite3_bind_int64(link, 2, a->id) != SQLITE_OK || sqlite3_step(link) != SQLITE_DONE) {
		db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	if (sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(st, "cannot commit an alert:", err, errlen);
		goto out;
	}
	in_tx = false;
	rc = STORE_ADDED;
out:
	sqlite3_finalize(ins);
	sqlite3_finalize(link);
	if (in_tx)
		sqlite3_exec(b->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* ---- tunnels ---- */

/* Run a prepared statement with no rows to return; 0 or -1 (err). */
static int step_done(struct store *st, sqlite3_stmt *s, const char *what, char *err,
		     size_t errlen)
{
	int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;

	if (rc)
		db_err(st, what, err, errlen);
	sqlite3_finalize(s);
	return rc;
}

static int sqlite_tunnel_add(struct store *st, struct store_tunnel *t, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db,
			       "INSERT INTO tunnels (uuid, host_name, mps_user, source, since, ports, "
			       "pid, pid_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, t->uuid, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_text_or_null(s, 2, t->host_name) != SQLITE_OK ||
	    bind_text_or_null(s, 3, t->mps_user) != SQLITE_OK ||
	    bind_text_or_null(s, 4, t->source) != SQLITE_OK ||
	    sqlite3_bind_text(s, 5, t->since, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(s, 6, t->ports, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, t->pid) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, t->pid_start) != SQLITE_OK) {
		db_err(st, "cannot record a tunnel:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	if (step_done(st, s, "cannot record a tunnel:", err, errlen) != 0)
		return -1;
	t->id = sqlite3_last_insert_rowid(be(st)->db);
	return 0;
}

static int sqlite_tunnel_update(struct store *st, int64_t id, const char *host_name,
				const char *ports, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db,
			       "UPDATE tunnels SET host_name = coalesce(?, host_name), "
			       "ports = coalesce(?, ports) WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK ||
	    bind_text_or_null(s, 1, host_name) != SQLITE_OK ||
	    bind_text_or_null(s, 2, ports) != SQLITE_OK || sqlite3_bind_int64(s, 3, id) != SQLITE_OK) {
		db_err(st, "cannot update a tunnel:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	return step_done(st, s, "cannot update a tunnel:", err, errlen);
}

static int sqlite_tunnel_remove(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db, "DELETE FROM tunnels WHERE id = ?", -1, &s, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, id) != SQLITE_OK) {
		db_err(st, "cannot remove a tunnel:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	return step_done(st, s, "cannot remove a tunnel:", err, errlen);
}

static int sqlite_tunnel_delete_listener(struct store *st, long pid, long long start, char *err,
					 size_t errlen)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(be(st)->db, "DELETE FROM tunnels WHERE pid = ? AND pid_start = ?", -1,
			       &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, pid) != SQLITE_OK || sqlite3_bind_int64(s, 2, start) != SQLITE_OK) {
		db_err(st, "cannot remove stale tunnels:", err, errlen);
		sqlite3_finalize(s);
		return -1;
	}
	if (step_done(st, s, "cannot remove stale tunnels:", err, errlen) != 0)
		return -1;
	return sqlite3_changes(be(st)->db);
}

static int sqlite_tunnel_rows(struct store *st, store_tunnel_cb cb, void *arg, char *err,
			      size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(be(st)->db,
			       "SELECT id, uuid, host_name, mps_user, source, since, ports, pid, "
			       "pid_start FROM tunnels ORDER BY since, id",
			       -1, &s, NULL) != SQLITE_OK) {
		db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_tunnel t = {0};
		int r;

		t.id = sqlite3_column_int64(s, 0);
		t.uuid = col(s, 1);
		t.host_name = col(s, 2);
		t.mps_user = col(s, 3);
		t.source = col(s, 4);
		snprintf(t.since, sizeof(t.since), "%s", col(s, 5) ? col(s, 5) : "");
		t.ports = col(s, 6);
		t.pid = (long)sqlite3_column_int64(s, 7);
		t.pid_start = sqlite3_column_int64(s, 8);
		r = cb(arg, &t);
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

const struct store_ops store_sqlite_ops = {
	.backend = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.add_event = sqlite_add_event,
	.list = sqlite_list,
	.add_report = sqlite_add_report,
	.latest_reports = sqlite_latest_reports,
	.report_count = sqlite_report_count,
	.tunnel_add = sqlite_tunnel_add,
	.tunnel_update = sqlite_tunnel_update,
	.tunnel_remove = sqlite_tunnel_remove,
	.tunnel_rows = sqlite_tunnel_rows,
	.tunnel_delete_listener = sqlite_tunnel_delete_listener,
	.list_after = sqlite_list_after,
	.add_alert = sqlite_add_alert,
};
