// SPDX-License-Identifier: Apache-2.0
/*
 * store_pg_pool.c - the PostgreSQL writes of a listener (store_attach): a
 * pool of non-blocking libpq connections driven by the listener's libevent
 * loop, so no write ever stalls the receivers, and several commits are in
 * flight at once (PostgreSQL groups their flushes).
 *
 * Owns: the pool (STORE_PG_POOL connections, each running one job at a
 * time), the queue of jobs waiting for a free connection (at most
 * STORE_PG_QUEUE_MAX; an event waits at most STORE_PG_QUEUE_WAIT_MS), and
 * reconnecting: a connection that breaks (the server restarted, the network
 * dropped) is reopened with PQconnectStartParams after a backoff of 250 ms
 * doubling to 8 s with +-20 % jitter. libpq does not enforce
 * connect_timeout for non-blocking connects, so a deadline here does, as
 * libpq's blocking connect: the URL's connect_timeout (else 10 s) for each
 * host and address of the URL. With several hosts (host=a,b) a host that
 * misses it is left for the next host at once, as libpq would have, and
 * the next attempt starts there: each attempt is passed the URL's host,
 * hostaddr and port lists rotated (store_pg_hosts.c), from where the pool
 * stands to the end of the round (one pass over the hosts); a round with
 * no host that answers ends with the backoff. While no connection is up a report
 * fails at once (the receiver answers 503 and the agent keeps it spooled);
 * an event waits in the queue. A job whose connection broke under it is
 * failed (a report: the agent resends it, and its unique report_id makes the
 * resend a duplicate if the first commit did land) or queued again (an
 * event: at least once).
 * Each connection runs the waiting jobs in batches of up to STORE_PG_BATCH
 * in pipeline mode: one statement per job, then one Sync, so the batch is
 * one transaction and one flush to disk (group commit), and every job of
 * it completes only once the Sync's answer says it is committed. An error
 * anywhere in a batch (a statement, or the commit) means none of it is:
 * the failing job fails, the others are queued again (see batch_done).
 * Logs one line when the database becomes unreachable (error) and one when
 * it is back (warning, so both show at the default level); nothing else.
 * Must not: block on the network (every libpq call here is non-blocking),
 * or answer anything itself (completions do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "log.h"
#include "store_pg.h"

#define STORE_PG_POOL 4
#define STORE_PG_QUEUE_MAX 4096u
#define STORE_PG_QUEUE_WAIT_MS 60000
#define STORE_PG_BATCH 64
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 8000
#define CONNECT_TIMEOUT_S 10 /* unless the URL's connect_timeout says otherwise */

enum pconn_state { PC_DOWN, PC_CONNECTING, PC_IDLE, PC_BUSY };

struct pconn {
	struct pg_pool *pool;
	PGconn *conn;
	enum pconn_state state;
	struct event *io;     /* the socket, while connecting or busy (and idle: a close) */
	struct event *retry;  /* the reconnect timer */
	struct event *give_up; /* PC_CONNECTING: the connect deadline */
	int fd;               /* the socket io watches */
	int backoff_ms;
	int timeout_s;        /* the connect deadline, per host and address */
	/* PC_CONNECTING with several hosts: this attempt was passed hosts
	 * first .. first+count-1 (mod n) and is at first+at */
	int first, count, at;
	char where[320];      /* host, address and port being tried */
	/* PC_BUSY: the batch in flight and each job's outcome so far */
	struct store_job *job[STORE_PG_BATCH];
	int result[STORE_PG_BATCH];        /* -2: no result yet */
	int64_t event_id[STORE_PG_BATCH], report_row[STORE_PG_BATCH];
	unsigned njobs, cur;               /* jobs; the one results are for */
	bool failed;                       /* an error anywhere in the batch: rolled back */
	int culprit;                       /* the job whose statement failed, -1: unknown */
	char err[256];                     /* the first error */
};

struct pg_pool {
	struct store *st;
	struct pg_hosts hosts;
	struct event_base *base;
	struct pconn c[STORE_PG_POOL];
	struct store_job *head, *tail; /* waiting for a connection */
	unsigned queued;
	struct event *expire;          /* queued events past their wait */
	bool reachable;                /* false from "every connection failed" until one is up */
	bool closing;
};

static struct pg_pool *pool_of(struct store *st)
{
	return ((struct pg_store *)st->be)->pool;
}

static void dispatch(struct pg_pool *p);
static void conn_start(struct pconn *c);

/* ---- the queue ---- */

static void enqueue(struct pg_pool *p, struct store_job *job, bool front)
{
	job->next = NULL;
	if (front) {
		job->next = p->head;
		p->head = job;
		if (!p->tail)
			p->tail = job;
	} else {
		if (p->tail)
			p->tail->next = job;
		else
			p->head = job;
		p->tail = job;
	}
	p->queued++;
}

static struct store_job *dequeue(struct pg_pool *p)
{
	struct store_job *job = p->head;

	if (!job)
		return NULL;
	p->head = job->next;
	if (!p->head)
		p->tail = NULL;
	p->queued--;
	job->next = NULL;
	return job;
}

static bool any_up(const struct pg_pool *p)
{
	for (int i = 0; i < STORE_PG_POOL; i++)
		if (p->c[i].state == PC_IDLE || p->c[i].state == PC_BUSY)
			return true;
	return false;
}

static bool any_connecting(const struct pg_pool *p)
{
	for (int i = 0; i < STORE_PG_POOL; i++)
		if (p->c[i].state == PC_CONNECTING)
			return true;
	return false;
}

static void fail_job(struct pg_pool *p, struct store_job *job, const char *why, bool unavailable)
{
	store_job_finish(p->st, job, -1, 0, 0, why, unavailable);
}

/* While nothing is up, reports go back to their senders at once. */
static void fail_reports_while_down(struct pg_pool *p, const char *why)
{
	struct store_job *keep = NULL, *keep_tail = NULL, *job;
	unsigned n = 0;

	while ((job = dequeue(p)) != NULL) {
		if (job->kind == STORE_JOB_REPORT) {
			fail_job(p, job, why, true);
			continue;
		}
		if (keep_tail)
			keep_tail->next = job;
		else
			keep = job;
		keep_tail = job;
		n++;
	}
	p->head = keep;
	p->tail = keep_tail;
	p->queued = n;
}

static void on_expire(evutil_socket_t fd, short what, void *arg)
{
	struct pg_pool *p = arg;
	int64_t now = verify_mono_ms();
	struct timeval tv = {1, 0};

	while (p->head && now - p->head->queued_ms >= STORE_PG_QUEUE_WAIT_MS)
		fail_job(p, dequeue(p), "PostgreSQL unreachable for a minute", true);
	if (p->head)
		event_add(p->expire, &tv);
}

/* ---- state changes ---- */

static void note_reachable(struct pg_pool *p, bool up, const char *why)
{
	if (p->reachable == up || p->closing)
		return;
	p->reachable = up;
	if (up)
		log_warn("store: PostgreSQL %s reachable again", store_name(p->st));
	else
		log_error("store: PostgreSQL %s unreachable (%s) — reports are answered 503 (the "
			  "agents keep them) and events wait, until it is back",
			  store_name(p->st), why);
}

static void drop_io(struct pconn *c)
{
	if (c->io) {
		event_free(c->io);
		c->io = NULL;
	}
	c->fd = -1;
}

static void conn_close(struct pconn *c)
{
	drop_io(c);
	if (c->give_up)
		evtimer_del(c->give_up);
	PQfinish(c->conn);
	c->conn = NULL;
}

/* Watch the socket for what libpq waits for. */
static int watch(struct pconn *c, short what, event_callback_fn fn)
{
	int fd = PQsocket(c->conn);

	if (fd < 0)
		return -1;
	if (c->io && (c->fd != fd || event_get_events(c->io) != (what | EV_PERSIST) ||
		      event_get_callback(c->io) != fn)) {
		event_free(c->io);
		c->io = NULL;
	}
	if (!c->io) {
		c->io = event_new(c->pool->base, fd, what | EV_PERSIST, fn, c);
		c->fd = fd;
		if (!c->io || event_add(c->io, NULL) != 0)
			return -1;
	}
	return 0;
}

static void schedule_reconnect(struct pconn *c)
{
	unsigned char r[2];
	int jitter = 0, ms;
	struct timeval tv;

	conn_close(c);
	c->state = PC_DOWN;
	if (c->pool->closing)
		return;
	if (RAND_bytes(r, sizeof(r)) == 1)
		jitter = (int)((r[0] << 8 | r[1]) % 401) - 200; /* -20 % .. +20 %, in 0.1 % */
	ms = c->backoff_ms + c->backoff_ms * jitter / 1000;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(c->retry, &tv);
}

/* The connection broke: its jobs fail or wait again, it reconnects later. */
static void conn_lost(struct pconn *c)
{
	struct pg_pool *p = c->pool;
	struct store_job *jobs[STORE_PG_BATCH];
	unsigned n = c->njobs;
	char why[256];

	pg_conn_err(c->conn, why, sizeof(why));
	memcpy(jobs, c->job, n * sizeof(jobs[0]));
	c->njobs = 0;
	schedule_reconnect(c);
	if (!any_up(p) && !any_connecting(p))
		note_reachable(p, false, why);
	/* Not committed as far as we know: events go back to the front of the
	 * queue (in order), reports to their senders. */
	while (n-- > 0) {
		if (jobs[n]->kind == STORE_JOB_EVENT)
			enqueue(p, jobs[n], true);
		else
			fail_job(p, jobs[n], why, true);
	}
	if (!p->reachable)
		fail_reports_while_down(p, why);
	dispatch(p);
}

/* ---- running a job ---- */

static void on_result(evutil_socket_t fd, short what, void *arg);

/* The first error of the batch: PostgreSQL rolls the whole batch back. */
static void note_error(struct pconn *c, int culprit, const PGresult *res)
{
	const char *m = PQresultErrorMessage(res);

	if (c->failed)
		return;
	c->failed = true;
	c->culprit = culprit;
	if (!m || !*m)
		m = "a statement failed";
	snprintf(c->err, sizeof(c->err), "%s: %.*s", store_name(c->pool->st), (int)strcspn(m, "\n"),
		 m);
}

/*
 * The Sync's answer. Without an error every job of the batch is committed
 * and completes now. With one, nothing of the batch is: PostgreSQL rolled
 * back the statements before the failing one (which had answered) and
 * skipped those after it. The failing job fails; the others did nothing
 * wrong and go back to the front of the queue, in order. When the error
 * names no statement (it came with the commit: a deferred constraint, the
 * disk full) each of them runs alone next, so the culprit shows itself in
 * a batch of one and fails there; every retry thus removes one job, and
 * none can loop.
 */
static void batch_done(struct pconn *c)
{
	struct pg_pool *p = c->pool;
	unsigned n = c->njobs;
	int culprit = c->culprit;

	/* The connection stays busy until every completion ran: one that
	 * submits a write must not start a batch here over c->job[]. */
	c->njobs = 0;
	if (!c->failed) {
		for (unsigned i = 0; i < n; i++) {
			int rc = c->result[i];

			/* -1 / -2 here cannot be (a statement answered no row;
			 * no answer before the Sync's) */
			if (rc < 0)
				snprintf(c->err, sizeof(c->err), "%s: unexpected result",
					 store_name(p->st));
			store_job_finish(p->st, c->job[i], rc < 0 ? -1 : rc, c->event_id[i],
					 c->report_row[i], rc < 0 ? c->err : NULL, false);
		}
		c->state = PC_IDLE;
		return;
	}
	if (n == 1)
		culprit = 0;
	for (unsigned i = n; i-- > 0;) {
		if ((int)i == culprit)
			continue;
		c->job[i]->alone = culprit < 0;
		enqueue(p, c->job[i], true);
	}
	if (culprit >= 0)
		store_job_finish(p->st, c->job[culprit], -1, 0, 0, c->err, false);
	c->state = PC_IDLE;
}

/* One statement's result, for job c->cur (or, past the last one, the
 * commit's error). */
static void take_result(struct pconn *c, PGresult *res)
{
	ExecStatusType s = PQresultStatus(res);
	struct store_job *job;
	unsigned i = c->cur;
	int rc = -1;

	if (s == PGRES_PIPELINE_ABORTED)
		return; /* after the failing statement: skipped, the error is noted */
	if (i >= c->njobs || c->result[i] != -2) {
		if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
			note_error(c, -1, res);
		return;
	}
	job = c->job[i];
	if (s != PGRES_TUPLES_OK) {
		note_error(c, (int)i, res);
	} else if (job->kind == STORE_JOB_REPORT) {
		rc = pg_report_result(res, &c->event_id[i], &c->report_row[i]);
	} else if (PQntuples(res) == 1) {
		c->event_id[i] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = 0;
	}
	c->result[i] = rc < 0 ? -1 : rc;
}

/* Read what has arrived; the Sync's answer finishes the batch. */
static void collect(struct pconn *c)
{
	struct pg_pool *p = c->pool;
	PGresult *res;

	if (!PQconsumeInput(c->conn)) {
		conn_lost(c);
		return;
	}
	while (c->state == PC_BUSY && !PQisBusy(c->conn)) {
		res = PQgetResult(c->conn);
		if (!res) {
			c->cur++; /* the end of one statement's results */
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			batch_done(c);
			dispatch(p);
			return;
		}
		if (PQresultStatus(res) == PGRES_FATAL_ERROR && pg_conn_lost(c->conn, res)) {
			PQclear(res);
			conn_lost(c);
			return;
		}
		take_result(c, res);
		PQclear(res);
	}
}

static void on_result(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *c = arg;

	if (c->state == PC_BUSY && (what & EV_WRITE)) {
		int f = PQflush(c->conn);
		if (f < 0) {
			conn_lost(c);
			return;
		}
		if (f == 0 && watch(c, EV_READ, on_result) != 0) {
			conn_lost(c);
			return;
		}
	}
	if (!(what & EV_READ))
		return;
	if (c->state == PC_IDLE) {
		/* Nothing asked: the server is telling us it goes away. */
		if (!PQconsumeInput(c->conn) || PQstatus(c->conn) != CONNECTION_OK)
			conn_lost(c);
		return;
	}
	collect(c);
}

/* Send up to STORE_PG_BATCH waiting jobs as one pipeline ending in a
 * Sync: one transaction. */
static void run_batch(struct pconn *c)
{
	struct pg_pool *p = c->pool;
	const char *v[PG_REPORT_PARAMS];
	int ok = 1, f;

	c->state = PC_BUSY;
	c->njobs = c->cur = 0;
	c->failed = false;
	c->culprit = -1;
	c->err[0] = '\0';
	while (ok && c->njobs < STORE_PG_BATCH && p->head) {
		/* a job that must run alone ends the batch before it, or is it */
		bool alone = p->head->alone;
		struct store_job *job;
		unsigned i;

		if (alone && c->njobs > 0)
			break;
		job = dequeue(p);
		i = c->njobs++;

		c->job[i] = job;
		c->result[i] = -2;
		c->event_id[i] = c->report_row[i] = 0;
		if (job->kind == STORE_JOB_EVENT) {
			pg_event_params(job->time, job->type, job->uuid, job->source, job->detail, v);
			ok = PQsendQueryParams(c->conn, pg_insert_event_sql, PG_EVENT_PARAMS, NULL, v,
					       NULL, NULL, 0);
		} else {
			pg_report_params(&job->r, job->detail, v);
			ok = PQsendQueryParams(c->conn, pg_insert_report_sql, PG_REPORT_PARAMS, NULL,
					       v, NULL, NULL, 0);
		}
		if (alone)
			break;
	}
	ok = ok && PQpipelineSync(c->conn);
	f = ok ? PQflush(c->conn) : -1;
	if (f < 0 || watch(c, f == 1 ? EV_READ | EV_WRITE : EV_READ, on_result) != 0)
		conn_lost(c);
}

static void dispatch(struct pg_pool *p)
{
	struct timeval tv = {1, 0};

	for (int i = 0; i < STORE_PG_POOL && p->head; i++)
		if (p->c[i].state == PC_IDLE)
			run_batch(&p->c[i]);
	if (p->head && !evtimer_pending(p->expire, NULL))
		event_add(p->expire, &tv);
}

/* ---- connecting ---- */

/* Connecting failed (libpq said so, or the deadline passed): reconnect
 * later; with nothing up or on its way, the database is unreachable. */
static void connect_failed(struct pconn *c, const char *why)
{
	struct pg_pool *p = c->pool;

	schedule_reconnect(c);
	if (!any_up(p) && !any_connecting(p)) {
		note_reachable(p, false, why);
		fail_reports_while_down(p, why);
	}
}

static void follow_attempt(struct pconn *c);

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *c = arg;
	struct pg_pool *p = c->pool;
	PostgresPollingStatusType st = PQconnectPoll(c->conn);

	/* Within one poll libpq may close its socket and open another (the
	 * next address or host, sslmode=prefer's retry without TLS), often
	 * with the same number: the old event would watch nothing (epoll
	 * forgot the closed descriptor), so it is made anew every time. */
	drop_io(c);
	if (st == PGRES_POLLING_READING || st == PGRES_POLLING_WRITING)
		follow_attempt(c);
	switch (st) {
	case PGRES_POLLING_READING:
		if (watch(c, EV_READ, on_connect) != 0)
			connect_failed(c, "cannot watch the socket");
		return;
	case PGRES_POLLING_WRITING:
		if (watch(c, EV_WRITE, on_connect) != 0)
			connect_failed(c, "cannot watch the socket");
		return;
	case PGRES_POLLING_OK:
		evtimer_del(c->give_up);
		PQsetNoticeProcessor(c->conn, pg_ignore_notice, NULL);
		if (PQsetnonblocking(c->conn, 1) != 0 || PQenterPipelineMode(c->conn) != 1) {
			schedule_reconnect(c);
			return;
		}
		c->state = PC_IDLE;
		c->backoff_ms = BACKOFF_FIRST_MS;
		if (watch(c, EV_READ, on_result) != 0) {
			conn_lost(c);
			return;
		}
		note_reachable(p, true, NULL);
		dispatch(p);
		return;
	default: {
		char why[256];

		pg_conn_err(c->conn, why, sizeof(why));
		connect_failed(c, why);
		return;
	}
	}
}

/* Where the attempt is: host, address and port. */
static void where_now(PGconn *conn, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s (%s)", PQhost(conn), PQport(conn), PQhostaddr(conn));
}

/* libpq moved on to another host or address within a poll: the deadline
 * starts anew, as in libpq's blocking connect. */
static void follow_attempt(struct pconn *c)
{
	char now[sizeof(c->where)];
	struct timeval tv = {c->timeout_s, 0};

	where_now(c->conn, now, sizeof(now));
	if (strcmp(now, c->where) == 0)
		return;
	memcpy(c->where, now, sizeof(now));
	if (c->pool->hosts.n > 1)
		c->at = pg_hosts_find(&c->pool->hosts, c->first, c->count, c->at, PQhost(c->conn),
				      PQport(c->conn));
	evtimer_add(c->give_up, &tv);
}

static void attempt_start(struct pconn *c, int first, int count);

/* libpq enforces connect_timeout only in its blocking calls: a SYN or a
 * startup packet nobody answers would keep a connection CONNECTING (and
 * the database "reachable") for minutes. The host that missed it is left
 * for the next one of the round, if any; the next round starts after it. */
static void on_give_up(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *c = arg;
	struct pg_hosts *h = &c->pool->hosts;
	char why[sizeof(c->where) + 64];

	if (c->state != PC_CONNECTING)
		return;
	if (h->n > 1) {
		int k = c->at;

		h->next = (c->first + k + 1) % h->n;
		if (k + 1 < c->count) {
			conn_close(c);
			attempt_start(c, h->next, c->count - k - 1);
			return;
		}
	}
	snprintf(why, sizeof(why), "no answer within %d s (connect_timeout) from %s", c->timeout_s,
		 c->where);
	connect_failed(c, why);
}

/* The connect deadline: the URL's connect_timeout (libpq: 0 is none, 1 is
 * 2), else CONNECT_TIMEOUT_S. */
static int connect_timeout_s(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn);
	int t = 0;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val)
			t = atoi(o->val);
	PQconninfoFree(opts);
	if (t <= 0)
		return CONNECT_TIMEOUT_S;
	return t < 2 ? 2 : t;
}

/* One PQconnectStart: with several hosts, passed hosts first ..
 * first+count-1 of the URL's. */
static void attempt_start(struct pconn *c, int first, int count)
{
	const struct pg_hosts *h = &c->pool->hosts;
	const char *kw[PG_PARAMS], *val[PG_PARAMS], *over[2 * PG_OVERRIDES + 1];
	char *list[3];
	struct timeval tv = {0, 0};

	c->first = first;
	c->count = count;
	c->at = 0;
	pg_hosts_overrides(h, first, count, over, list);
	pg_params(store_name(c->pool->st), over, kw, val);
	c->conn = PQconnectStartParams(kw, val, 1);
	for (int i = 0; i < 3; i++)
		free(list[i]);
	c->state = PC_CONNECTING;
	if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
		char why[256];

		pg_conn_err(c->conn, why, sizeof(why));
		connect_failed(c, why);
		return;
	}
	c->timeout_s = connect_timeout_s(c->conn);
	where_now(c->conn, c->where, sizeof(c->where));
	tv.tv_sec = c->timeout_s;
	evtimer_add(c->give_up, &tv);
	/* libpq: start as if PQconnectPoll had said "writing" */
	if (watch(c, EV_WRITE, on_connect) != 0)
		connect_failed(c, "cannot watch the socket");
}

/* A round: every host once, from where the pool stands. */
static void conn_start(struct pconn *c)
{
	const struct pg_hosts *h = &c->pool->hosts;

	attempt_start(c, h->n > 1 ? h->next : 0, h->n > 1 ? h->n : 1);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	conn_start(arg);
}

/* ---- the store's entry points ---- */

int pg_pool_attach(struct store *st, struct event_base *base, char *err, size_t errlen)
{
	struct pg_store *b = st->be;
	struct pg_pool *p;

	if (b->pool)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto nomem;
	b->pool = p;
	p->st = st;
	p->base = base;
	p->reachable = true; /* store_open just connected */
	pg_hosts_load(&p->hosts, b->conn);
	p->expire = evtimer_new(base, on_expire, p);
	if (!p->expire)
		goto nomem;
	for (int i = 0; i < STORE_PG_POOL; i++) {
		struct pconn *c = &p->c[i];

		c->pool = p;
		c->fd = -1;
		c->backoff_ms = BACKOFF_FIRST_MS;
		c->retry = evtimer_new(base, on_retry, c);
		c->give_up = evtimer_new(base, on_give_up, c);
		if (!c->retry || !c->give_up)
			goto nomem;
		conn_start(c);
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void pg_pool_submit(struct store *st, struct store_job *job)
{
	struct pg_pool *p = pool_of(st);

	if (p->closing) {
		fail_job(p, job, "the store is closing", true);
		return;
	}
	if (job->kind == STORE_JOB_REPORT && !p->reachable) {
		fail_job(p, job, "PostgreSQL unreachable", true);
		return;
	}
	if (p->queued >= STORE_PG_QUEUE_MAX) {
		fail_job(p, job, "too many writes waiting for PostgreSQL", true);
		return;
	}
	enqueue(p, job, false);
	dispatch(p);
}

bool pg_pool_reachable(const struct pg_pool *p)
{
	return p->reachable;
}

void pg_pool_free(struct store *st)
{
	struct pg_store *b = st->be;
	struct pg_pool *p = b ? b->pool : NULL;
	struct store_job *job;

	if (!p)
		return;
	p->closing = true;
	for (int i = 0; i < STORE_PG_POOL; i++) {
		struct pconn *c = &p->c[i];

		for (unsigned k = 0; k < c->njobs; k++)
			fail_job(p, c->job[k], "the store is closing", true);
		c->njobs = 0;
		conn_close(c);
		if (c->retry)
			event_free(c->retry);
		if (c->give_up)
			event_free(c->give_up);
	}
	while ((job = dequeue(p)) != NULL)
		fail_job(p, job, "the store is closing", true);
	if (p->expire)
		event_free(p->expire);
	pg_hosts_free(&p->hosts);
	free(p);
	b->pool = NULL;
}
