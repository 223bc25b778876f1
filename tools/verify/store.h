// SPDX-License-Identifier: Apache-2.0
/*
 * store.h - amt-verify's receiver store: timestamped events (hello packets,
 * CIRA tunnels, agent reports) and the agent reports themselves, in an
 * embedded SQLite file (the default) or in PostgreSQL (a postgresql:// URL),
 * which several listeners share.
 *
 * Owns: the interface every command uses whatever the backend: opening
 * (schema created or migrated from the versioned migrations, see
 * store_migrations.h; a newer schema refused), the events and reports
 * calls, the writes a listener's event loop makes without blocking
 * (store_attach and the _async calls), and the JSON form of an event shared
 * by every printer. Each write is its own committed transaction: when it
 * returns (or its completion runs) the rows are on disk.
 * Tables: events(id, time, type, uuid, source, detail) and reports(id,
 * report_id UNIQUE, received, time, uuid, host_name, source, client_subject,
 * event_id, report), tunnels(id, uuid, host_name, mps_user, source, since,
 * ports, listener: which process relays it), alerts(id, received, device,
 * source, message_id, wsa_message_id, indication_time, severity, arguments,
 * event_id, dedupe UNIQUE); the backends are store_sqlite.c and store_pg*.c.
 * Must not: know any protocol or print anything; receivers build the detail
 * object, callers decide how to show events.
 */
#ifndef VERIFY_STORE_H
#define VERIFY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "verify.h"

#define STORE_SCHEMA_VERSION 4  /* 1: events; 2: + reports; 3: + tunnels; 4: + alerts (the last migration) */
#define STORE_EVENT_JSON_SCHEMA 1 /* "schema" of an event's JSON form */
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_DEFAULT_PATH "./amt-verify.db"

struct store;
struct event_base;

enum store_mode {
	STORE_CREATE = 0,   /* read-write; create the file and schema if missing */
	STORE_READONLY = 1, /* the file must exist and carry our schema */
};

/* One event as stored. Strings are valid for the duration of a callback
 * (store_list) or until the struct is reused (store_add_event). */
struct store_event {
	int64_t id;
	char time[VERIFY_TIME_LEN]; /* ISO-8601 UTC with ms */
	const char *type;           /* "hello", "cira_open", ... */
	const char *uuid;           /* canonical text, or NULL */
	const char *source;         /* "addr:port" of the peer, or NULL */
	json_t *detail;             /* an object; borrowed */
};

/*
 * Open (or create) the store at target: a file path (SQLite), or a
 * "postgresql://" or "postgres://" URL (libpq's URI form; the password
 * comes from ~/.pgpass or PGPASSFILE, never from the URL: one in it is
 * refused). 0, or -1 with a one-line reason in err (missing file or empty
 * database in READONLY mode, not an amt-verify database, schema newer than
 * this program, the server unreachable, SQL errors).
 */
int store_open(const char *target, enum store_mode mode, struct store **out, char *err,
	       size_t errlen);
/* Close; NULL-safe. Writes still running are ended first: their
 * completions run with rc -1 ("the store is closing"). */
void store_close(struct store *st);
/* True when target names a PostgreSQL database. */
bool store_target_is_postgresql(const char *target);
/* The store for messages: the path, or the URL (it holds no password). */
const char *store_name(const struct store *st);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *st);

/*
 * Record one event now (wall clock). detail is an object or NULL (stored as
 * {}); it is not consumed. When out is not NULL it receives the stored
 * event (time and id), its strings pointing at the arguments and detail.
 * 0 once committed, -1 with a reason in err.
 */
int store_add_event(struct store *st, const char *type, const char *uuid, const char *source,
		    const json_t *detail, struct store_event *out, char *err, size_t errlen);
/* The same with an explicit time (ms since the epoch), for imports and tests. */
int store_add_event_at(struct store *st, int64_t time_ms, const char *type, const char *uuid,
		       const char *source, const json_t *detail, struct store_event *out,
		       char *err, size_t errlen);

/* Non-zero from the callback stops the listing and is returned. */
typedef int (*store_list_cb)(void *arg, const struct store_event *ev);
/*
 * Call cb for every event with time >= since_ms (INT64_MIN: all), oldest
 * first (by time, then id). 0, the callback's non-zero value, or -1 with a
 * reason in err.
 */
int store_list(struct store *st, int64_t since_ms, store_list_cb cb, void *arg, char *err,
	       size_t errlen);

/* Events with an id above after_id, in id (arrival) order: what
 * `events --follow` prints as they come. Same returns as store_list. */
int store_list_after(struct store *st, int64_t after_id, store_list_cb cb, void *arg, char *err,
		     size_t errlen);

/* ---- agent reports ---- */

/* One stored report. Strings are valid for the duration of a callback, or
 * are the caller's (store_add_report). */
struct store_report {
	int64_t id;
	const char *report_id;      /* lower-case UUID text */
	char received[VERIFY_TIME_LEN]; /* when it was stored */
	char time[VERIFY_TIME_LEN]; /* the agent's timestamp, normalised */
	const char *uuid;           /* the device's, upper-case */
	const char *host_name;      /* NULL when unknown */
	const char *source;         /* "addr:port" of the sender */
	const char *client_subject; /* its certificate subject (RFC 2253), or NULL */
	const char *report;         /* the whole JSON document as received */
};

enum store_add_result {
	STORE_ADDED = 0,     /* new: the report and its event are committed */
	STORE_DUPLICATE = 1, /* report_id already stored: nothing written */
};

/*
 * Store r (received now; r->received and r->id are filled) and a "report"
 * event with detail, in one transaction. STORE_ADDED (ev, when not NULL,
 * receives the event as store_add_event would), STORE_DUPLICATE, or -1 with
 * a reason in err (nothing stored).
 */
int store_add_report(struct store *st, struct store_report *r, const json_t *detail,
		     struct store_event *ev, char *err, size_t errlen);
/* The same with an explicit receive time, for tests. */
int store_add_report_at(struct store *st, int64_t received_ms, struct store_report *r,
			const json_t *detail, struct store_event *ev, char *err, size_t errlen);

typedef int (*store_report_cb)(void *arg, const struct store_report *r);
/*
 * The latest report of each device (by uuid; latest = the agent's newest
 * timestamp, then the last stored), ordered by uuid. A store without the
 * reports table (schema 1, opened read-only) has none. 0, the callback's
 * non-zero value, or -1 with a reason in err.
 */
int store_latest_reports(struct store *st, store_report_cb cb, void *arg, char *err,
			 size_t errlen);
/*
 * The latest report of one device (uuid, any case): cb is called once, or
 * not at all when the store has none. 0, the callback's non-zero value, or
 * -1 with a reason in err.
 */
int store_report_of(struct store *st, const char *uuid, store_report_cb cb, void *arg, char *err,
		    size_t errlen);
/* Count of stored reports with this report_id (0 or 1); -1 on error. */
int store_report_count(struct store *st, const char *report_id, char *err, size_t errlen);

/* ---- CIRA tunnels open now (store_tunnels.c over the backends) ----
 * A row names its listener by pid and that process's start time. In SQLite
 * (one machine) every row is this machine's; in PostgreSQL, which listeners
 * on several machines share, a row also names its machine (/etc/machine-id)
 * and the calls below see only this machine's rows: a relay port is a
 * local port, and another machine's listeners cannot be checked from here. */

/* One tunnel and its relay ports. Strings are valid for the duration of a
 * callback, or are the caller's (store_tunnel_add). */
struct store_tunnel {
	int64_t id;
	const char *uuid;      /* the device's, upper case */
	const char *host_name; /* AMT's host name, or NULL when unknown */
	const char *mps_user;  /* the user the device authenticated as */
	const char *source;    /* "addr:port" of the device */
	char since[VERIFY_TIME_LEN]; /* when the tunnel opened */
	const char *ports;     /* JSON object text: {"16992": "127.0.0.1:41234", ...} */
	long pid;              /* the listener relaying it */
	long long pid_start;   /* that process's start time (clock ticks since boot) */
};

/* Record t as opened now (t->since, t->id, t->pid, t->pid_start are
 * filled: this process relays it). 0, or -1 with a reason in err. */
int store_tunnel_add(struct store *st, struct store_tunnel *t, char *err, size_t errlen);
/* Change a tunnel's host name and/or ports (NULL: unchanged). */
int store_tunnel_update(struct store *st, int64_t id, const char *host_name, const char *ports,
			char *err, size_t errlen);
/* The tunnel closed. */
int store_tunnel_remove(struct store *st, int64_t id, char *err, size_t errlen);
/* Delete the rows of listeners that are gone (crashed without cleaning up):
 * how many, or -1 with a reason in err. */
int store_tunnels_prune(struct store *st, char *err, size_t errlen);
typedef int (*store_tunnel_cb)(void *arg, const struct store_tunnel *t);
/* Every tunnel whose listener still runs, oldest first; a store without the
 * table (schema 2 and older, opened read-only) has none. 0, the callback's
 * non-zero value, or -1 with a reason in err. */
int store_tunnels_list(struct store *st, store_tunnel_cb cb, void *arg, char *err,
		       size_t errlen);
/* ---- WS-Events from AMT (store_alerts.c over the backends) ---- */

struct store_alert {
	int64_t id;
	char received[VERIFY_TIME_LEN];
	const char *device;          /* UUID (upper case) from our reference parameter, else the source */
	const char *source;          /* "addr:port" of the sender */
	const char *message_id;      /* "iAMT0036" */
	const char *wsa_message_id;  /* the envelope's MessageID */
	const char *indication_time; /* NULL when absent */
	const char *indication_id;   /* NULL when absent (part of the dedupe key) */
	int64_t severity;            /* -1 when absent */
	const char *arguments;       /* JSON array text */
};

/* Store a (received now; id and received filled) and an "alert" event with
 * detail, in one transaction, once per (device, wsa_message_id,
 * indication_time, indication_id). STORE_ADDED (ev as store_add_event
 * gives it), STORE_DUPLICATE, or -1 with a reason in err. */
int store_add_alert(struct store *st, struct store_alert *a, const json_t *detail,
		    struct store_event *ev, char *err, size_t errlen);

/* ---- writes from an event loop (amt-verify listen) ---- */

/* What a write came to, handed to its completion. */
struct store_done {
	int rc;                        /* 0 / STORE_ADDED, STORE_DUPLICATE, or -1 */
	const struct store_event *ev;  /* the event (id 0 unless stored); NULL only when
					* the write could not even be built */
	int64_t report_row;            /* reports.id of a new report, else 0 */
	const char *err;               /* rc -1: one line saying why */
	bool unavailable;              /* rc -1 because the database is down or the
					* queue full: worth retrying later */
};
typedef void (*store_done_fn)(void *arg, const struct store_done *d);

/*
 * Let the store's writes run from base (a read-write store). PostgreSQL:
 * a pool of connections driven by the loop, none of the calls below
 * blocks, a lost server is reconnected with backoff; SQLite: the writes
 * run in place, as the synchronous calls do. 0, or -1 with a reason.
 */
int store_attach(struct store *st, struct event_base *base, char *err, size_t errlen);
/*
 * Record an event / a report (received now) as store_add_event() /
 * store_add_report() do; every argument is copied. done runs exactly once,
 * possibly before the call returns, with the outcome. While the database
 * is unreachable a report fails at once (unavailable: the sender keeps it
 * and retries) and an event waits in a bounded queue for the connection.
 */
void store_add_event_async(struct store *st, const char *type, const char *uuid,
			   const char *source, const json_t *detail, store_done_fn done, void *arg);
void store_add_report_async(struct store *st, const struct store_report *r, const json_t *detail,
			    store_done_fn done, void *arg);
/* Writes submitted and not completed yet. */
unsigned store_pending(const struct store *st);
/* Stop writing from the loop: writes still running complete now (failed
 * where they had not finished: rc -1), later ones run in place as the
 * synchronous calls do. NULL-safe; store_close() does it too. */
void store_detach(struct store *st);

/*
 * The JSON form of an event, one object: {"schema":1,"id":..,"time":..,
 * "type":..,"uuid":..,"source":.., then the detail's fields} (a detail key
 * never overrides one of these). New reference, or NULL on allocation
 * failure.
 */
json_t *store_event_json(const struct store_event *ev);

#endif
