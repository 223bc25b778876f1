/*
 * store_alerts.c - the alerts table of the store (see store.h): a WS-Event
 * from AMT together with its "alert" event in one transaction, once per
 * (device, MessageID, IndicationTime, IndicationIdentifier), so an event a
 * device resends (it saw no answer, or no Ack) is stored once.
 * Must not: parse events (alertdoc.c does), print or log.
 */
#include <stdio.h>
#include <stdlib.h>
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

static int bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
}

int store_add_alert(struct store *st, struct store_alert *a, const json_t *detail,
		    struct store_event *ev, char *err, size_t errlen)
{
	sqlite3_stmt *ins, *link;
	bool in_tx = false;
	int rc = -1;
	char *key = NULL;
	int64_t now = verify_now_ms();

	if (!st->insert) {
		snprintf(err, errlen, "%s: opened read-only", st->path);
		return -1;
	}
	if (st->version < 4) {
		snprintf(err, errlen, "%s: the store has no alerts table", st->path);
		return -1;
	}
	if (!a->device || !a->message_id || !a->wsa_message_id || !a->arguments) {
		snprintf(err, errlen, "an alert needs a device, its MessageIDs and arguments");
		return -1;
	}
	size_t klen = strlen(a->device) + strlen(a->wsa_message_id) +
		      (a->indication_time ? strlen(a->indication_time) : 0) +
		      (a->indication_id ? strlen(a->indication_id) : 0) + 4;
	if (!(key = malloc(klen))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(key, klen, "%s|%s|%s|%s", a->device, a->wsa_message_id,
		 a->indication_time ? a->indication_time : "", a->indication_id ? a->indication_id : "");
	if (prepare_once(st, &st->insert_alert,
			 "INSERT INTO alerts (received, device, source, message_id, wsa_message_id, "
			 "indication_time, severity, arguments, dedupe) VALUES (?, ?, ?, ?, ?, ?, ?, "
			 "?, ?) ON CONFLICT (dedupe) DO NOTHING",
			 err, errlen) != 0 ||
	    prepare_once(st, &st->link_alert, "UPDATE alerts SET event_id = ? WHERE id = ?", err,
			 errlen) != 0)
		goto done;
	ins = st->insert_alert;
	link = st->link_alert;
	verify_time_iso(now, a->received);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	in_tx = true;
	sqlite3_reset(ins);
	sqlite3_clear_bindings(ins);
	if (sqlite3_bind_text(ins, 1, a->received, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 2, a->device, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_opt(ins, 3, a->source) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 4, a->message_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 5, a->wsa_message_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    bind_opt(ins, 6, a->indication_time) != SQLITE_OK ||
	    (a->severity >= 0 ? sqlite3_bind_int64(ins, 7, a->severity)
			      : sqlite3_bind_null(ins, 7)) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 8, a->arguments, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(ins, 9, key, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_step(ins) != SQLITE_DONE) {
		store_db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		rc = STORE_DUPLICATE;
		goto out;
	}
	a->id = sqlite3_last_insert_rowid(st->db);
	/* the device's UUID when our reference parameter carried it */
	bool is_uuid = strlen(a->device) == 36 && a->device[8] == '-';
	if (store_add_event_at(st, now, "alert", is_uuid ? a->device : NULL, a->source, detail, ev,
			       err, errlen) != 0)
		goto out;
	sqlite3_reset(link);
	if (sqlite3_bind_int64(link, 1, sqlite3_last_insert_rowid(st->db)) != SQLITE_OK ||
	    sqlite3_bind_int64(link, 2, a->id) != SQLITE_OK || sqlite3_step(link) != SQLITE_DONE) {
		store_db_err(st, "cannot store an alert:", err, errlen);
		goto out;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot commit an alert:", err, errlen);
		goto out;
	}
	in_tx = false;
	rc = STORE_ADDED;
out:
	sqlite3_reset(ins);
	sqlite3_reset(link);
	if (in_tx)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
done:
	free(key);
	return rc;
}
