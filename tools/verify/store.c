/*
 * store.c - the SQLite event store (see store.h).
 *
 * Owns: opening, schema creation and migrations (1 -> 2 adds the reports
 * table, 2 -> 3 the tunnels table, 3 -> 4 the alerts table), the events
 * INSERT and SELECT, and the JSON form of a stored event. The reports
 * table's own statements are in store_reports.c, the tunnels table's in
 * store_tunnels.c, the alerts table's in store_alerts.c.
 * Must not: print, log, or interpret event types.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store_int.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS events ("
	" id INTEGER PRIMARY KEY,"
	" time TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" uuid TEXT,"
	" source TEXT,"
	" detail TEXT NOT NULL DEFAULT '{}');"
	"CREATE INDEX IF NOT EXISTS events_time ON events(time, id);";

/* Schema 3: the CIRA tunnels open now and their relay ports; a row lives as
 * long as its tunnel (rows of a listener that died are skipped by readers,
 * and deleted by the next listener). */
static const char tunnels_sql[] =
	"CREATE TABLE IF NOT EXISTS tunnels ("
	" id INTEGER PRIMARY KEY,"
	" uuid TEXT NOT NULL,"
	" host_name TEXT,"
	" mps_user TEXT,"
	" source TEXT,"
	" since TEXT NOT NULL,"
	" ports TEXT NOT NULL DEFAULT '{}',"
	" pid INTEGER NOT NULL,"
	" pid_start INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS tunnels_uuid ON tunnels(uuid, since);";
/* Schema 4: WS-Events from AMT. A device resends an event it saw no answer
 * (or no Ack) for; dedupe (device, MessageID, IndicationTime,
 * IndicationIdentifier) stores it once. The "alert" events row points here. */
static const char alerts_sql[] =
	"CREATE TABLE IF NOT EXISTS alerts ("
	" id INTEGER PRIMARY KEY,"
	" received TEXT NOT NULL,"
	" device TEXT NOT NULL,"
	" source TEXT,"
	" message_id TEXT NOT NULL,"
	" wsa_message_id TEXT NOT NULL,"
	" indication_time TEXT,"
	" severity INTEGER,"
	" arguments TEXT NOT NULL DEFAULT '[]',"
	" event_id INTEGER,"
	" dedupe TEXT NOT NULL UNIQUE);"
	"CREATE INDEX IF NOT EXISTS alerts_device ON alerts(device, received, id);";

/* Schema 2: agent reports (report_id unique: a resent report is stored once). */
static const char reports_sql[] =
	"CREATE TABLE IF NOT EXISTS reports ("
	" id INTEGER PRIMARY KEY,"
	" report_id TEXT NOT NULL UNIQUE,"
	" received TEXT NOT NULL,"
	" time TEXT NOT NULL,"
	" uuid TEXT NOT NULL,"
	" host_name TEXT,"
	" source TEXT,"
	" client_subject TEXT,"
	" event_id INTEGER,"
	" report TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS reports_uuid ON reports(uuid, time, id);";

void store_db_err(struct store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s %s", st->path, what, sqlite3_errmsg(st->db));
}

/* The first column of the first row of sql as an integer. */
static int query_int(struct store *st, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	*out = sqlite3_column_int(s, 0);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Create the schema in an empty database, or check the one found. */
static int check_schema(struct store *st, enum store_mode mode, char *err, size_t errlen)
{
	int version = 0, tables = 0, rc = -1;
	bool in_tx = false;

	if (mode == STORE_CREATE) {
		/* Serialise two listeners creating the same file. */
		if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			store_db_err(st, "cannot open:", err, errlen);
			goto out;
		}
		in_tx = true;
	}
	if (query_int(st, "PRAGMA user_version", &version) != 0 ||
	    query_int(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables) != 0) {
		store_db_err(st, "cannot read the schema:", err, errlen);
		goto out;
	}
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: written by a newer amt-verify (schema %d, this one knows %d) — "
			 "upgrade amt-verify or use another --db",
			 st->path, version, STORE_SCHEMA_VERSION);
		goto out;
	}
	if (version == 0 && tables > 0) {
		snprintf(err, errlen,
			 "%s: not an amt-verify database (no schema version) — use another --db",
			 st->path);
		goto out;
	}
	if (version == 0 && mode == STORE_READONLY) {
		snprintf(err, errlen,
			 "%s: no events recorded (empty database) — run amt-verify listen "
			 "with this --db first",
			 st->path);
		goto out;
	}
	if (version < STORE_SCHEMA_VERSION && mode == STORE_CREATE) {
		char pragma[64];
		/* 0: a new file; 1 -> 2: add the reports table. Each step is
		 * idempotent and runs in the BEGIN IMMEDIATE transaction above,
		 * so two listeners opening one old file migrate it once. */
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
		if ((version < 1 && sqlite3_exec(st->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) ||
		    sqlite3_exec(st->db, reports_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    /* 2 -> 3: add the tunnels table */
		    sqlite3_exec(st->db, tunnels_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    /* 3 -> 4: add the alerts table */
		    sqlite3_exec(st->db, alerts_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			store_db_err(st, version ? "cannot upgrade the schema:"
						 : "cannot create the schema:", err, errlen);
			goto out;
		}
		version = STORE_SCHEMA_VERSION;
	}
	st->version = version;
	if (in_tx) {
		if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			store_db_err(st, "cannot create the schema:", err, errlen);
			goto out;
		}
		in_tx = false;
	}
	rc = 0;
out:
	if (in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int set_wal(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		store_db_err(st, "cannot switch to WAL mode:", err, errlen);
		goto out;
	}
	if (sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		snprintf(err, errlen, "%s: the file system does not support WAL mode", st->path);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_open(const char *path, enum store_mode mode, struct store **out, char *err,
	       size_t errlen)
{
	struct store *st = NULL;
	struct stat sb;
	int flags = mode == STORE_READONLY ? SQLITE_OPEN_READONLY
					   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int rc = -1;

	*out = NULL;
	if (mode == STORE_READONLY && stat(path, &sb) != 0) {
		snprintf(err, errlen, "cannot open %s: %s — run amt-verify listen first or pass --db",
			 path, strerror(errno));
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		if (!st->db) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		store_db_err(st, "cannot open:", err, errlen);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (check_schema(st, mode, err, errlen) != 0)
		goto out;
	if (mode == STORE_CREATE) {
		if (set_wal(st, err, errlen) != 0)
			goto out;
		/* A commit is on disk when it returns: receivers acknowledge
		 * reports only after that. */
		if (sqlite3_exec(st->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
			store_db_err(st, "cannot set synchronous mode:", err, errlen);
			goto out;
		}
		if (sqlite3_prepare_v2(st->db,
				       "INSERT INTO events (time, type, uuid, source, detail) "
				       "VALUES (?, ?, ?, ?, ?)",
				       -1, &st->insert, NULL) != SQLITE_OK) {
			store_db_err(st, "cannot prepare:", err, errlen);
			goto out;
		}
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->insert_report);
	sqlite3_finalize(st->link_report);
	sqlite3_finalize(st->insert_alert);
	sqlite3_finalize(st->link_alert);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(st);
}

int store_add_event_at(struct store *st, int64_t time_ms, const char *type, const char *uuid,
		       const char *source, const json_t *detail, struct store_event *out,
		       char *err, size_t errlen)
{
	char when[VERIFY_TIME_LEN];
	char *text = NULL;
	int rc = -1;

	if (!st->insert) {
		snprintf(err, errlen, "%s: opened read-only", st->path);
		return -1;
	}
	if (detail && !json_is_object(detail)) {
		snprintf(err, errlen, "event detail is not a JSON object");
		return -1;
	}
	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII) : strdup("{}");
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	verify_time_iso(time_ms, when);
	sqlite3_reset(st->insert);
	sqlite3_clear_bindings(st->insert);
	if (sqlite3_bind_text(st->insert, 1, when, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(st->insert, 2, type, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    (uuid ? sqlite3_bind_text(st->insert, 3, uuid, -1, SQLITE_TRANSIENT)
		  : sqlite3_bind_null(st->insert, 3)) != SQLITE_OK ||
	    (source ? sqlite3_bind_text(st->insert, 4, source, -1, SQLITE_TRANSIENT)
		    : sqlite3_bind_null(st->insert, 4)) != SQLITE_OK ||
	    sqlite3_bind_text(st->insert, 5, text, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
		store_db_err(st, "cannot record an event:", err, errlen);
		goto out;
	}
	if (sqlite3_step(st->insert) != SQLITE_DONE) {
		store_db_err(st, "cannot record an event:", err, errlen);
		goto out;
	}
	if (out) {
		out->id = sqlite3_last_insert_rowid(st->db);
		memcpy(out->time, when, sizeof(out->time));
		out->type = type;
		out->uuid = uuid;
		out->source = source;
		out->detail = (json_t *)detail;
	}
	rc = 0;
out:
	sqlite3_reset(st->insert);
	free(text);
	return rc;
}

int store_add_event(struct store *st, const char *type, const char *uuid, const char *source,
		    const json_t *detail, struct store_event *out, char *err, size_t errlen)
{
	return store_add_event_at(st, verify_now_ms(), type, uuid, source, detail, out, err, errlen);
}

/* Call cb for each row of s (id, time, type, uuid, source, detail). */
static int list_rows(struct store *st, sqlite3_stmt *s, store_list_cb cb, void *arg, char *err,
		     size_t errlen)
{
	int rc = -1, step;

	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_event ev = {0};
		const char *t = (const char *)sqlite3_column_text(s, 1);
		const char *d = (const char *)sqlite3_column_text(s, 5);
		json_t *detail = d ? json_loads(d, 0, NULL) : NULL;
		int r;

		if (!json_is_object(detail)) {
			json_decref(detail);
			detail = json_object();
		}
		ev.id = sqlite3_column_int64(s, 0);
		snprintf(ev.time, sizeof(ev.time), "%s", t ? t : "");
		ev.type = (const char *)sqlite3_column_text(s, 2);
		ev.uuid = (const char *)sqlite3_column_text(s, 3);
		ev.source = (const char *)sqlite3_column_text(s, 4);
		ev.detail = detail;
		if (!ev.type)
			ev.type = "";
		r = cb(arg, &ev);
		json_decref(detail);
		if (r != 0)
			return r;
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "cannot read events:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	return rc;
}

int store_list(struct store *st, int64_t since_ms, store_list_cb cb, void *arg, char *err,
	       size_t errlen)
{
	char since[VERIFY_TIME_LEN] = "";
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (since_ms > 0)
		verify_time_iso(since_ms, since);
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, time, type, uuid, source, detail FROM events "
			       "WHERE time >= ? ORDER BY time, id",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, since, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		store_db_err(st, "cannot read events:", err, errlen);
	else
		rc = list_rows(st, s, cb, arg, err, errlen);
	sqlite3_finalize(s);
	return rc;
}

int store_list_after(struct store *st, int64_t after_id, store_list_cb cb, void *arg, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, time, type, uuid, source, detail FROM events "
			       "WHERE id > ? ORDER BY id",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, after_id) != SQLITE_OK)
		store_db_err(st, "cannot read events:", err, errlen);
	else
		rc = list_rows(st, s, cb, arg, err, errlen);
	sqlite3_finalize(s);
	return rc;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *store_event_json(const struct store_event *ev)
{
	json_t *o = json_object();
	const char *key;
	json_t *v;

	if (!o)
		return NULL;
	if (json_object_set_new(o, "schema", json_integer(STORE_EVENT_JSON_SCHEMA)) ||
	    json_object_set_new(o, "id", json_integer(ev->id)) ||
	    json_object_set_new(o, "time", json_string(ev->time)) ||
	    json_object_set_new(o, "type", str_or_null(ev->type)) ||
	    json_object_set_new(o, "uuid", str_or_null(ev->uuid)) ||
	    json_object_set_new(o, "source", str_or_null(ev->source)))
		goto fail;
	if (ev->detail) {
		json_object_foreach(ev->detail, key, v) {
			if (!json_object_get(o, key) && json_object_set(o, key, v))
				goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}
