// SPDX-License-Identifier: Apache-2.0
/*
 * store_int.h - what the store's front (store.c) and its backends
 * (store_sqlite*.c, store_pg*.c) share: the handle, the backend operations
 * table, and the asynchronous write job. Nothing outside the store includes
 * this.
 *
 * A backend gets every value already in text form (times as ISO-8601 UTC
 * with milliseconds, detail as compact JSON) and hands rows back the same
 * way, so both backends print the same bytes.
 * Must not: grow an API; callers use store.h.
 */
#ifndef VERIFY_STORE_INT_H
#define VERIFY_STORE_INT_H

#include "store.h"

struct store_job;

struct store_ops {
	const char *backend; /* "sqlite", "postgresql" */
	/* Open target, create or migrate the schema (STORE_CREATE) or check it
	 * (STORE_READONLY); set st->version. */
	int (*open)(struct store *st, const char *target, enum store_mode mode, char *err,
		    size_t errlen);
	void (*close)(struct store *st);
	/* One committed event; *id its row. */
	int (*add_event)(struct store *st, const char *time, const char *type, const char *uuid,
			 const char *source, const char *detail, int64_t *id, char *err,
			 size_t errlen);
	/* Events with time >= since ("" for all), oldest first; detail text in
	 * ev->detail is parsed by the front, so cb gets a json_t. */
	int (*list)(struct store *st, const char *since, store_list_cb cb, void *arg, char *err,
		    size_t errlen);
	/* r (received, time, strings) and its event, in one transaction, once
	 * per report_id: STORE_ADDED (r->id, *event_id set), STORE_DUPLICATE,
	 * or -1. */
	int (*add_report)(struct store *st, struct store_report *r, const char *detail,
			  int64_t *event_id, char *err, size_t errlen);
	/* Latest report per device (uuid NULL), or of one device. */
	int (*latest_reports)(struct store *st, const char *uuid, store_report_cb cb, void *arg,
			      char *err, size_t errlen);
	int (*report_count)(struct store *st, const char *report_id, char *err, size_t errlen);
	/* Tunnels (store_tunnels.c decides; these only read and write rows of
	 * this machine): t's pid, pid_start, since and ports are set; t->id is
	 * filled. */
	int (*tunnel_add)(struct store *st, struct store_tunnel *t, char *err, size_t errlen);
	int (*tunnel_update)(struct store *st, int64_t id, const char *host_name, const char *ports,
			     char *err, size_t errlen);
	int (*tunnel_remove)(struct store *st, int64_t id, char *err, size_t errlen);
	/* Every row, oldest first, whatever its listener. */
	int (*tunnel_rows)(struct store *st, store_tunnel_cb cb, void *arg, char *err,
			   size_t errlen);
	/* Delete the rows of one listener: how many, or -1. */
	int (*tunnel_delete_listener)(struct store *st, long pid, long long start, char *err,
				      size_t errlen);
	/* Events with id > after_id, in id order. */
	int (*list_after)(struct store *st, int64_t after_id, store_list_cb cb, void *arg,
			  char *err, size_t errlen);
	/* a (received set) once per key, with its "alert" event (uuid, detail
	 * text) in one transaction: STORE_ADDED (a->id, *event_id set),
	 * STORE_DUPLICATE, or -1. */
	int (*add_alert)(struct store *st, struct store_alert *a, const char *key, const char *uuid,
			 const char *detail, int64_t *event_id, char *err, size_t errlen);
	/* Optional (NULL: the front runs jobs in place with the calls above):
	 * run jobs from base, calling store_job_finish() for each. */
	int (*attach)(struct store *st, struct event_base *base, char *err, size_t errlen);
	void (*submit)(struct store *st, struct store_job *job);
	void (*detach)(struct store *st); /* finish (fail) what runs, stop the loop's part */
};

struct store {
	const struct store_ops *ops;
	char *name;          /* for messages: the path or URL */
	enum store_mode mode;
	int version;         /* schema version found (after any migration) */
	bool attached;       /* ops->submit takes the async writes */
	unsigned pending;    /* async writes not finished */
	void *be;            /* the backend's own state */
};

enum store_job_kind { STORE_JOB_EVENT, STORE_JOB_REPORT };

/* One asynchronous write, owning copies of everything it writes. */
struct store_job {
	struct store_job *next;    /* the backend's queue */
	enum store_job_kind kind;
	int64_t time_ms;           /* event time = report received time */
	char time[VERIFY_TIME_LEN];
	char *type, *uuid, *source, *detail; /* detail: compact JSON text */
	json_t *detail_json;       /* for the completion's store_event */
	struct store_report r;     /* reports: strings owned by the job */
	int64_t queued_ms;         /* monotonic, when submitted */
	bool alone;                /* the backend's: run it in a batch of its own
				    * (a batch it was in failed, culprit unknown) */
	store_done_fn done;
	void *arg;
};

/* Finish a job: build the store_event from its copies, run its completion
 * with rc (0 / STORE_ADDED / STORE_DUPLICATE / -1), free it. */
void store_job_finish(struct store *st, struct store_job *job, int rc, int64_t event_id,
		      int64_t report_row, const char *err, bool unavailable);

/* A backend's row of events for a listing: parses detail (text) and calls
 * cb with the event. Returns cb's value. */
int store_emit_event(store_list_cb cb, void *arg, int64_t id, const char *time, const char *type,
		     const char *uuid, const char *source, const char *detail);

/* The backends. */
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
