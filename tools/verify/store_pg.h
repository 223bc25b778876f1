// SPDX-License-Identifier: Apache-2.0
/*
 * store_pg.h - what the PostgreSQL backend's two files share: store_pg.c
 * (connecting, migrations, the statements and the synchronous calls the
 * commands use) and store_pg_pool.c (the pool of non-blocking connections a
 * listener's loop drives).
 *
 * Owns: the backend handle, the connection parameters, and the two write
 * statements with their parameters, so the synchronous and the pooled paths
 * send the same SQL.
 * Must not: be included outside the PostgreSQL backend.
 */
#ifndef VERIFY_STORE_PG_H
#define VERIFY_STORE_PG_H

#include <libpq-fe.h>

#include "store_int.h"

struct pg_pool;

struct pg_store {
	PGconn *conn;         /* the synchronous connection (commands, migrations, tunnels) */
	struct pg_pool *pool; /* after store_attach */
	char machine[64];     /* this machine, for the tunnels table (/etc/machine-id) */
	/* the synchronous connection's reopen backoff (ensure_conn) */
	int backoff_ms;
	int64_t retry_at_ms;  /* monotonic; 0: try now */
	char last_err[200];
};

/* Connection keywords/values for PQconnectdbParams / PQconnectStartParams
 * (expand_dbname 1): a 10 s connect timeout and TCP bounds (10 s
 * tcp_user_timeout, keepalives) unless the URL sets them, the URL
 * (expanded), then overrides (keyword, value pairs ending in NULL, at most
 * PG_OVERRIDES; may be NULL) that win over the URL, and the application
 * name. */
#define PG_OVERRIDES 3
#define PG_PARAMS (6 + 1 + PG_OVERRIDES + 2)
#define PG_TCP_USER_TIMEOUT_MS "10000"
void pg_params(const char *target, const char *const *overrides, const char *keywords[PG_PARAMS],
	       const char *values[PG_PARAMS]);
/* The hosts of a multi-host URL (store_pg_hosts.c): the effective host,
 * hostaddr and port lists of a connection (PQconninfo: PGHOST and services
 * count too), split at the commas as libpq does. n is 0 (pass the URL as
 * it is) with one host, more than PG_MAX_HOSTS, or lists that do not pair
 * up (libpq refuses those anyway). */
#define PG_MAX_HOSTS 32
struct pg_hosts {
	int n;
	char *host[PG_MAX_HOSTS], *hostaddr[PG_MAX_HOSTS], *port[PG_MAX_HOSTS];
	bool has_host, has_hostaddr, port_each; /* port_each: one port per host */
	char *buf[3];                           /* the lists the entries point into */
	int next;                               /* the pool's: where its next round starts */
};
void pg_hosts_load(struct pg_hosts *h, PGconn *conn);
void pg_hosts_free(struct pg_hosts *h);
/* pg_params overrides passing hosts first .. first+count-1 (mod n) only,
 * in that order (none when n is 0); free owned[0..2] after connecting. */
void pg_hosts_overrides(const struct pg_hosts *h, int first, int count,
			const char *over[2 * PG_OVERRIDES + 1], char *owned[3]);
/* Which of those hosts (k from first, at least from) libpq is at, by its
 * PQhost and PQport; from when none matches. */
int pg_hosts_find(const struct pg_hosts *h, int first, int count, int from, const char *host,
		  const char *port);
/* A notice processor that drops server notices ("already exists,
 * skipping"): they are not for users. */
void pg_ignore_notice(void *arg, const char *message);
/* The first line of conn's error message (or "connection lost"). */
void pg_conn_err(PGconn *conn, char *out, size_t cap);
/* True when the failure of a statement on conn means the server or the
 * connection went away (retry on another connection later), not that the
 * statement itself was refused. */
bool pg_conn_lost(PGconn *conn, const PGresult *res);

/* The event insert: $1 time, $2 type, $3 uuid, $4 source, $5 detail;
 * returns the id. */
extern const char pg_insert_event_sql[];
#define PG_EVENT_PARAMS 5
void pg_event_params(const char *time, const char *type, const char *uuid, const char *source,
		     const char *detail, const char *v[PG_EVENT_PARAMS]);
/* The report insert, once per report_id, with its event in the same
 * statement: $1 report_id, $2 received, $3 time, $4 uuid, $5 host_name,
 * $6 source, $7 client_subject, $8 report, $9 detail. One row (event id,
 * report id) when added, none when the report_id was already stored. */
extern const char pg_insert_report_sql[];
#define PG_REPORT_PARAMS 9
void pg_report_params(const struct store_report *r, const char *detail,
		      const char *v[PG_REPORT_PARAMS]);
/* The outcome of the report insert's result: STORE_ADDED (ids set),
 * STORE_DUPLICATE, or -1. */
int pg_report_result(const PGresult *res, int64_t *event_id, int64_t *report_row);

/* The pool (store_pg_pool.c). */
int pg_pool_attach(struct store *st, struct event_base *base, char *err, size_t errlen);
void pg_pool_submit(struct store *st, struct store_job *job);
/* False from "every connection failed" until one is up again. */
bool pg_pool_reachable(const struct pg_pool *p);
/* Fail what is queued or running (completions run) and close. */
void pg_pool_free(struct store *st);

#endif
