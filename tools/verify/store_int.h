/*
 * store_int.h - what store.c and store_reports.c share inside the store
 * module: the handle and the error helper. Nothing outside the store
 * includes this.
 * Must not: grow an API; callers use store.h.
 */
#ifndef VERIFY_STORE_INT_H
#define VERIFY_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3 *db;
	sqlite3_stmt *insert;        /* events (read-write only) */
	sqlite3_stmt *insert_report; /* reports, prepared on first use */
	sqlite3_stmt *link_report;   /* reports.event_id, prepared on first use */
	sqlite3_stmt *insert_alert;  /* alerts, prepared on first use */
	sqlite3_stmt *link_alert;    /* alerts.event_id, prepared on first use */
	char *path;
	int version; /* PRAGMA user_version found (after any migration) */
};

/* "PATH: WHAT SQLITE-MESSAGE" into err. */
void store_db_err(struct store *st, const char *what, char *err, size_t errlen);

#endif
