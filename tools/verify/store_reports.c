/*
 * store_reports.c - the reports table of the store (see store.h): adding a
 * report together with its "report" event in one transaction, once per
 * report_id, and reading the latest report of each device.
 * Must not: validate or interpret report documents (reportdoc.c does), print
 * or log.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static int prepare_once(struct store *st, sqlite3_stmt **s, const char *sql, char *err,
			size_t errlen)
{
	if (*s)
		return 0;
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot prepare:", err, errlen);
		return -1;
	}
	return 0;
}

static int bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

int store_add_report_at(struct store *st, int64_t received_ms, struct store_report *r,
			const json_t *detail, struct store_event *ev, char *err, size_t errlen)
{
	sqlite3_stmt *ins, *link;
	bool in_tx = false;
	int rc = -1;

	if (!st->insert) {
		snprintf(err, errlen, "%s: opened read-only", st->path);
		return -1;
	}
	if (!r->report_id || !r->uuid || !r->report) {
		snprintf(err, errlen, "a report needs report_id, uuid and the document");
		return -1;
	}
	if (prepare_once(st, &st->insert_report,
			 "INSERT INTO reports (report_id, received, time, uuid, host_name, source, "
			 "client_subject, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
			 "ON CONFLICT (report_id) DO NOTHING",
			 err, errlen) != 0 ||
	    prepare_once(st, &st->link_report, "UPDATE reports SET event_id = ? WHERE id = ?", err,
			 errlen) != 0)
		return -1;
	ins = st->insert_report;
	link = st->link_report;
	verify_time_iso(received_ms, r->received);
	/* IMMEDIATE: the write lock first, so the duplicate check and the
	 * insert see the same table even with two listeners on one file. */
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot store a report:", err, errlen);
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
		store_db_err(st, "cannot store a report:", err, errlen);
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		rc = STORE_DUPLICATE; /* rolled back below: nothing was written */
		goto out;
	}
	r->id = sqlite3_last_insert_rowid(st->db);
	if (store_add_event_at(st, received_ms, "report", r->uuid, r->source, detail, ev, err,
			       errlen) != 0)
		goto out;
	sqlite3_reset(link);
	if (sqlite3_bind_int64(link, 1, sqlite3_last_insert_rowid(st->db)) != SQLITE_OK ||
	    sqlite3_bind_int64(link, 2, r->id) != SQLITE_OK || sqlite3_step(link) != SQLITE_DONE) {
		store_db_err(st, "cannot store a report:", err, errlen);
		goto out;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot commit a report:", err, errlen);
		goto out;
	}
	in_tx = false;
	rc = STORE_ADDED;
out:
	sqlite3_reset(ins);
	sqlite3_reset(link);
	if (in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_add_report(struct store *st, struct store_report *r, const json_t *detail,
		     struct store_event *ev, char *err, size_t errlen)
{
	return store_add_report_at(st, verify_now_ms(), r, detail, ev, err, errlen);
}

static const char *col(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int store_latest_reports(struct store *st, store_report_cb cb, void *arg, char *err,
			 size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	if (st->version < 2)
		return 0; /* a schema-1 file opened read-only: no reports table */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, report_id, received, time, uuid, host_name, source, "
			       "client_subject, report FROM reports AS r WHERE id = "
			       "(SELECT id FROM reports AS l WHERE l.uuid = r.uuid "
			       "ORDER BY l.time DESC, l.id DESC LIMIT 1) ORDER BY uuid",
			       -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot read reports:", err, errlen);
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
		store_db_err(st, "cannot read reports:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_report_count(struct store *st, const char *report_id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (st->version < 2)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM reports WHERE report_id = ?", -1, &s,
			       NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, report_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_db_err(st, "cannot read reports:", err, errlen);
		goto out;
	}
	rc = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}
