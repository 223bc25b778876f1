// SPDX-License-Identifier: Apache-2.0
/*
 * sim_me.c - the simulated Management Engine core (implements sim_me.h).
 *
 * Owns: the firmware client table, every host connection (struct sim_conn)
 * and its reply queue, the delay scheduler thread, transport faults (EBUSY,
 * ME reset, truncated/oversized AMTHI replies) and the rule that the device
 * layer's wake callback is only ever called with the ME mutex released.
 * Must not: know FUSE or any client protocol beyond the one AMTHI header word
 * the truncate/oversize faults match on.
 *
 * Wakes: code that makes a connection readable (or resets it) lists it on
 * me->wake_head while holding the lock. Every unlock goes through
 * me_unlock(), which drains that list, calling each wake with the lock
 * released. A connection's wake_busy counts wakes in flight; sim_conn_close()
 * waits for it to reach zero, so a wake never sees a freed dev_ctx. The
 * wake callback therefore must not close its own connection.
 *
 * Messages become readable in queue order: a message is ready once its due
 * time has passed (latency 0: at once) and every message before it is ready.
 *
 * Write queue (the driver's per-connection TX queue, tx_queue_limit, kernel
 * default MEI_TX_QUEUE_LIMIT_DEFAULT = 50): a firmware client takes one host
 * message at a time and answers it before it takes the next, and an answer
 * leaves the firmware only when the host reads it (the host's read is the
 * firmware's flow-control credit). So while a connection has a reply the
 * host has not read (or messages already waiting), a new host message waits
 * in the TX queue; when the queue holds the limit, write answers -EAGAIN
 * (the device layer parks a blocking write or fails an O_NONBLOCK one) and
 * poll drops SIM_POLL_OUT. When the host reads the last pending reply, the
 * scheduler thread hands the next queued message to the client (not the
 * reader's thread: the device layer reads with its own lock held and a
 * handler's reply fires wakes) and wakes the connection, which frees a
 * parked write and raises POLLOUT again. intel/metee's
 * PROD_MKHI_PendingWriteStress expects exactly this of real firmware: 51
 * GET_FW_VERSION writes without a read succeed, the 52nd times out.
 */
#include "sim_me.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "heci.h"

#define AMTHI_RESPONSE_BIT 0x00800000u
#define OVERSIZE_EXTRA 64u

enum conn_state {
	CONN_IDLE,      /* open, not connected (fresh or after close of client) */
	CONN_CONNECTED, /* connected to a client */
	CONN_RESET,     /* ME reset while connected: host must close and reopen */
};

struct msg {
	struct msg *next;
	uint64_t due_ns;
	bool ready;
	size_t len, off; /* off: bytes already returned by partial reads */
	uint8_t data[];
};

struct client {
	struct client *next;
	struct sim_client_def def;
	char *name;
	unsigned nconns;
};

struct sim_conn {
	struct sim_me *me;
	struct msg *tx_head, *tx_tail; /* host messages the firmware has not taken yet */
	unsigned tx_count;
	bool tx_kick; /* the host read the last reply: the scheduler feeds the client */
	struct sim_conn *prev, *next; /* me->conns */
	enum conn_state state;
	struct client *cl;
	void *data;
	sim_wake_fn wake;
	void *dev_ctx;
	struct msg *head, *tail;
	bool closing;
	bool wake_listed;
	unsigned wake_busy;
	struct sim_conn *wake_next;
};

struct sim_me {
	pthread_mutex_t mu;
	pthread_cond_t idle;  /* a wake finished (sim_conn_close waits) */
	pthread_cond_t sched; /* scheduler: new delayed message or stop */
	pthread_t thread;
	bool thread_started, stop;
	struct client *clients;
	struct sim_conn *conns;
	struct sim_conn *wake_head, *wake_tail;
	struct sim_faults faults;
	unsigned long msg_count;
	bool host_absent; /* host powered off or asleep: no host software runs */
	void (*on_reset)(void *arg, enum sim_me_event ev); /* sim_me_set_reset_hook */
	void *on_reset_arg;
};

/* The ME this thread holds locked, so calls that may come from inside a
 * handler (sim_me_reset, sim_conn_reply_async, faults) do not self-deadlock. */
static _Thread_local struct sim_me *tl_held;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void me_lock(struct sim_me *me)
{
	pthread_mutex_lock(&me->mu);
	tl_held = me;
}

/* Release the lock, first firing every listed wake with the lock dropped. */
static void me_unlock(struct sim_me *me)
{
	while (me->wake_head) {
		struct sim_conn *c = me->wake_head;
		me->wake_head = c->wake_next;
		if (!me->wake_head)
			me->wake_tail = NULL;
		c->wake_listed = false;
		c->wake_next = NULL;
		c->wake_busy++;
		tl_held = NULL;
		pthread_mutex_unlock(&me->mu);
		c->wake(c->dev_ctx);
		pthread_mutex_lock(&me->mu);
		tl_held = me;
		if (--c->wake_busy == 0)
			pthread_cond_broadcast(&me->idle);
	}
	tl_held = NULL;
	pthread_mutex_unlock(&me->mu);
}

/* Lock unless this thread already holds it (handler context). */
static bool me_enter(struct sim_me *me)
{
	if (tl_held == me)
		return false;
	me_lock(me);
	return true;
}

static void me_leave(struct sim_me *me, bool locked_here)
{
	if (locked_here)
		me_unlock(me);
}

static void want_wake(struct sim_conn *c)
{
	struct sim_me *me = c->me;
	if (!c->wake || c->closing || c->wake_listed)
		return;
	c->wake_listed = true;
	c->wake_next = NULL;
	if (me->wake_tail)
		me->wake_tail->wake_next = c;
	else
		me->wake_head = c;
	me->wake_tail = c;
}

static void unlist_wake(struct sim_conn *c)
{
	struct sim_me *me = c->me;
	struct sim_conn *prev = NULL;
	if (!c->wake_listed)
		return;
	for (struct sim_conn *it = me->wake_head; it; prev = it, it = it->wake_next) {
		if (it != c)
			continue;
		if (prev)
			prev->wake_next = c->wake_next;
		else
			me->wake_head = c->wake_next;
		if (me->wake_tail == c)
			me->wake_tail = prev;
		break;
	}
	c->wake_listed = false;
	c->wake_next = NULL;
}

static void free_msgs(struct msg *m)
{
	while (m) {
		struct msg *next = m->next;
		free(m);
		m = next;
	}
}

/* Replies and host messages still queued both go (close, ME reset). */
static void drop_queue(struct sim_conn *c)
{
	free_msgs(c->head);
	c->head = c->tail = NULL;
	free_msgs(c->tx_head);
	c->tx_head = c->tx_tail = NULL;
	c->tx_count = 0;
	c->tx_kick = false;
}

static unsigned tx_limit(const struct sim_me *me)
{
	return me->faults.tx_queue_limit ? me->faults.tx_queue_limit : SIM_TX_QUEUE_LIMIT_DEFAULT;
}

/* Hand queued host messages to the client while the host has no reply left
 * to read. Called locked, on the scheduler thread. */
static void tx_feed(struct sim_conn *c)
{
	c->tx_kick = false;
	while (c->state == CONN_CONNECTED && !c->head && c->tx_head) {
		struct msg *m = c->tx_head;
		c->tx_head = m->next;
		if (!c->tx_head)
			c->tx_tail = NULL;
		c->tx_count--;
		want_wake(c); /* room in the TX queue: parked writes, POLLOUT */
		if (c->cl->def.on_message)
			c->cl->def.on_message(c->cl->def.ctx, c, m->data, m->len);
		free(m);
	}
}

/* ---- scheduler ---- */

/* Mark due messages ready; return the earliest due time still pending, or 0. */
static uint64_t sched_scan(struct sim_me *me, uint64_t now)
{
	uint64_t next = 0;
	for (struct sim_conn *c = me->conns; c; c = c->next) {
		bool changed = false;
		for (struct msg *m = c->head; m; m = m->next) {
			if (m->ready)
				continue;
			if (m->due_ns > now) {
				if (next == 0 || m->due_ns < next)
					next = m->due_ns;
				break;
			}
			m->ready = true;
			changed = true;
		}
		if (changed)
			want_wake(c);
	}
	return next;
}

static void *sched_main(void *arg)
{
	struct sim_me *me = arg;
	/* Wake on time: the default 50 us timer slack would add to every
	 * delayed reply (latency benchmarks count microseconds). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	me_lock(me);
	while (!me->stop) {
		for (struct sim_conn *c = me->conns; c; c = c->next)
			if (c->tx_kick)
				tx_feed(c);
		uint64_t next = sched_scan(me, now_ns());
		if (me->wake_head) {
			me_unlock(me);
			me_lock(me);
			continue;
		}
		if (next == 0) {
			pthread_cond_wait(&me->sched, &me->mu);
		} else {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000000000u),
				.tv_nsec = (long)(next % 1000000000u),
			};
			pthread_cond_timedwait(&me->sched, &me->mu, &ts);
		}
	}
	me_unlock(me);
	return NULL;
}

/* Start the scheduler on the first delayed reply. Called locked. */
static bool sched_ensure(struct sim_me *me)
{
	if (me->thread_started)
		return true;
	if (pthread_create(&me->thread, NULL, sched_main, me) != 0)
		return false;
	me->thread_started = true;
	return true;
}

/* ---- ME object ---- */

struct sim_me *sim_me_new(void)
{
	struct sim_me *me = calloc(1, sizeof(*me));
	pthread_condattr_t ca;
	bool ok = false;

	if (!me || pthread_condattr_init(&ca) != 0)
		goto out;
	/* The scheduler sleeps until a CLOCK_MONOTONIC due time. */
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&me->sched, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!ok)
		goto out;
	pthread_mutex_init(&me->mu, NULL);
	pthread_cond_init(&me->idle, NULL);
	me->faults.reset_count = 1;
	me->faults.tx_queue_limit = SIM_TX_QUEUE_LIMIT_DEFAULT;
out:
	if (!ok) {
		free(me);
		me = NULL;
	}
	return me;
}

/* Connections should all be closed by the device layer first; any left are
 * freed here without calling handlers. */
void sim_me_free(struct sim_me *me)
{
	if (!me)
		return;
	me_lock(me);
	me->stop = true;
	pthread_cond_broadcast(&me->sched);
	bool started = me->thread_started;
	me_unlock(me);
	if (started)
		pthread_join(me->thread, NULL);

	while (me->conns) {
		struct sim_conn *c = me->conns;
		me->conns = c->next;
		drop_queue(c);
		free(c);
	}
	while (me->clients) {
		struct client *cl = me->clients;
		me->clients = cl->next;
		free(cl->name);
		free(cl);
	}
	pthread_cond_destroy(&me->sched);
	pthread_cond_destroy(&me->idle);
	pthread_mutex_destroy(&me->mu);
	free(me);
}

int sim_me_add_client(struct sim_me *me, const struct sim_client_def *def)
{
	struct client *cl = calloc(1, sizeof(*cl));
	int rc = -ENOMEM;

	if (!cl)
		goto out;
	cl->def = *def;
	if (def->name) {
		cl->name = strdup(def->name);
		if (!cl->name)
			goto out;
	}
	cl->def.name = cl->name;
	bool locked = me_enter(me);
	struct client **tail = &me->clients;
	while (*tail)
		tail = &(*tail)->next;
	*tail = cl;
	me_leave(me, locked);
	cl = NULL;
	rc = 0;
out:
	if (cl)
		free(cl->name);
	free(cl);
	return rc;
}

void sim_me_set_faults(struct sim_me *me, const struct sim_faults *f)
{
	bool locked = me_enter(me);
	me->faults = *f;
	me_leave(me, locked);
}

void sim_me_get_faults(struct sim_me *me, struct sim_faults *f)
{
	bool locked = me_enter(me);
	*f = me->faults;
	me_leave(me, locked);
}

/* Called locked. Connected connections lose their client (on_disconnect),
 * their queued data, and can only be closed; open-but-unconnected ones are
 * untouched, as the kernel leaves an initializing client alone. */
static void do_reset(struct sim_me *me, enum sim_me_event ev)
{
	for (struct sim_conn *c = me->conns; c; c = c->next) {
		if (c->state != CONN_CONNECTED)
			continue;
		struct client *cl = c->cl;
		c->state = CONN_RESET;
		cl->nconns--;
		if (cl->def.on_disconnect)
			cl->def.on_disconnect(cl->def.ctx, c);
		c->cl = NULL;
		drop_queue(c);
		want_wake(c);
	}
	if (me->on_reset)
		me->on_reset(me->on_reset_arg, ev);
}

void sim_me_set_reset_hook(struct sim_me *me, void (*fn)(void *arg, enum sim_me_event ev),
			   void *arg)
{
	bool locked = me_enter(me);
	me->on_reset = fn;
	me->on_reset_arg = arg;
	me_leave(me, locked);
}

void sim_me_reset(struct sim_me *me)
{
	bool locked = me_enter(me);
	do_reset(me, SIM_ME_EV_RESET);
	me_leave(me, locked);
}

void sim_me_set_host_present(struct sim_me *me, bool present)
{
	bool locked = me_enter(me);
	bool was_absent = me->host_absent;
	me->host_absent = !present;
	if (!present && !was_absent)
		do_reset(me, SIM_ME_EV_HOST_GONE); /* the software that held them is gone */
	else if (present && was_absent && me->on_reset)
		me->on_reset(me->on_reset_arg, SIM_ME_EV_HOST_BACK);
	me_leave(me, locked);
}

bool sim_me_host_present(struct sim_me *me)
{
	bool locked = me_enter(me);
	bool present = !me->host_absent;
	me_leave(me, locked);
	return present;
}

void sim_me_lock(struct sim_me *me)
{
	me_lock(me);
}

void sim_me_unlock(struct sim_me *me)
{
	me_unlock(me);
}

unsigned long sim_me_message_count(struct sim_me *me)
{
	bool locked = me_enter(me);
	unsigned long n = me->msg_count;
	me_leave(me, locked);
	return n;
}

/* ---- device layer side ---- */

struct sim_conn *sim_conn_open(struct sim_me *me, sim_wake_fn wake, void *dev_ctx)
{
	struct sim_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->me = me;
	c->wake = wake;
	c->dev_ctx = dev_ctx;
	c->state = CONN_IDLE;
	me_lock(me);
	c->next = me->conns;
	if (me->conns)
		me->conns->prev = c;
	me->conns = c;
	me_unlock(me);
	return c;
}

void sim_conn_close(struct sim_conn *c)
{
	if (!c)
		return;
	struct sim_me *me = c->me;
	me_lock(me);
	c->closing = true;
	unlist_wake(c);
	while (c->wake_busy)
		pthread_cond_wait(&me->idle, &me->mu);
	if (c->state == CONN_CONNECTED) {
		struct client *cl = c->cl;
		c->state = CONN_IDLE; /* replies from on_disconnect are dropped */
		cl->nconns--;
		if (cl->def.on_disconnect)
			cl->def.on_disconnect(cl->def.ctx, c);
	}
	c->cl = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		me->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	drop_queue(c);
	me_unlock(me);
	free(c);
}

static struct client *find_client(struct sim_me *me, const uint8_t guid[16])
{
	for (struct client *cl = me->clients; cl; cl = cl->next)
		if (memcmp(cl->def.guid, guid, 16) == 0)
			return cl;
	return NULL;
}

int sim_conn_connect(struct sim_conn *c, const uint8_t guid[16], uint32_t *mtu, uint8_t *ver)
{
	struct sim_me *me = c->me;
	struct client *cl;
	int rc;

	me_lock(me);
	/* Local driver checks first, then what the firmware would answer. */
	if (c->state == CONN_RESET || me->host_absent) {
		rc = -ENODEV;
		goto out;
	}
	if (c->state == CONN_CONNECTED) {
		rc = -EBUSY;
		goto out;
	}
	cl = find_client(me, guid);
	if (!cl) {
		rc = -ENOTTY;
		goto out;
	}
	if (me->faults.busy_connects != 0) {
		if (me->faults.busy_connects > 0)
			me->faults.busy_connects--;
		rc = -EBUSY;
		goto out;
	}
	if (cl->def.max_conns && cl->nconns >= cl->def.max_conns) {
		rc = -EBUSY;
		goto out;
	}
	c->state = CONN_CONNECTED;
	c->cl = cl;
	cl->nconns++;
	if (mtu)
		*mtu = cl->def.mtu;
	if (ver)
		*ver = cl->def.proto_ver;
	if (cl->def.on_connect)
		cl->def.on_connect(cl->def.ctx, c);
	rc = 0;
out:
	me_unlock(me);
	return rc;
}

/* Does host message number n (1-based) hit the reset window? Called locked. */
static bool reset_due(const struct sim_faults *f, unsigned long n)
{
	unsigned long first = f->reset_on_request;
	unsigned long count = f->reset_count ? f->reset_count : 1;
	return first != 0 && n >= first && n - first < count;
}

int sim_conn_write(struct sim_conn *c, const uint8_t *buf, size_t len)
{
	struct sim_me *me = c->me;
	int rc;

	me_lock(me);
	if (c->state != CONN_CONNECTED) {
		rc = -ENODEV;
		goto out;
	}
	if (len > c->cl->def.mtu) {
		rc = -EFBIG;
		goto out;
	}
	rc = 0;
	if (len == 0)
		goto out;
	/* The firmware is busy while the host has not read its last answer. */
	bool fw_busy = c->head || c->tx_head;
	if (fw_busy && c->tx_count >= tx_limit(me)) {
		rc = -EAGAIN;
		goto out;
	}
	me->msg_count++;
	if (reset_due(&me->faults, me->msg_count)) {
		/* The driver queued the message; the firmware then went down. */
		do_reset(me, SIM_ME_EV_RESET);
		goto out;
	}
	if (!fw_busy) {
		if (c->cl->def.on_message)
			c->cl->def.on_message(c->cl->def.ctx, c, buf, len);
		goto out;
	}
	struct msg *m = calloc(1, sizeof(*m) + len);
	if (!m) {
		me->msg_count--;
		rc = -ENOMEM;
		goto out;
	}
	m->len = len;
	memcpy(m->data, buf, len);
	if (c->tx_tail)
		c->tx_tail->next = m;
	else
		c->tx_head = m;
	c->tx_tail = m;
	c->tx_count++;
out:
	me_unlock(me);
	return rc;
}

long sim_conn_read(struct sim_conn *c, uint8_t *buf, size_t cap)
{
	struct sim_me *me = c->me;
	long rc;

	if (cap == 0)
		return 0;
	me_lock(me);
	if (c->state != CONN_CONNECTED) {
		rc = -ENODEV;
		goto out;
	}
	struct msg *m = c->head;
	if (!m || !m->ready) {
		rc = -EAGAIN;
		goto out;
	}
	size_t n = m->len - m->off;
	if (n > cap)
		n = cap;
	if (n)
		memcpy(buf, m->data + m->off, n);
	m->off += n;
	if (m->off == m->len) {
		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		free(m);
		/* The answer is out: the firmware takes the next queued message,
		 * on the scheduler thread (see the top of this file). */
		if (!c->head && c->tx_head && sched_ensure(me)) {
			c->tx_kick = true;
			pthread_cond_signal(&me->sched);
		}
	}
	rc = (long)n;
out:
	me_unlock(me);
	return rc;
}

unsigned sim_conn_poll(struct sim_conn *c)
{
	struct sim_me *me = c->me;
	unsigned ev;

	me_lock(me);
	if (c->state != CONN_CONNECTED) {
		ev = SIM_POLL_ERR;
	} else {
		ev = c->tx_count < tx_limit(me) ? SIM_POLL_OUT : 0;
		if (c->head && c->head->ready)
			ev |= SIM_POLL_IN;
	}
	me_unlock(me);
	return ev;
}

/* ---- client handler side ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Length the queued copy gets after the truncate/oversize faults. */
static size_t faulted_len(const struct sim_conn *c, const uint8_t *msg, size_t len)
{
	const struct sim_faults *f = &c->me->faults;
	if (len < 8 || memcmp(c->cl->def.guid, HECI_GUID_AMTHI.b, 16) != 0)
		return len;
	uint32_t cmd = le32(msg + 4);
	if (f->truncate_cmd && cmd == (f->truncate_cmd | AMTHI_RESPONSE_BIT))
		return len / 2;
	if (f->oversize_cmd && cmd == (f->oversize_cmd | AMTHI_RESPONSE_BIT))
		return len + OVERSIZE_EXTRA;
	return len;
}

void sim_conn_reply(struct sim_conn *c, const uint8_t *msg, size_t len)
{
	struct sim_me *me = c->me;
	if (c->state != CONN_CONNECTED || c->closing)
		return; /* nobody to read it: dropped, as firmware data after a reset */
	size_t qlen = faulted_len(c, msg, len);
	struct msg *m = calloc(1, sizeof(*m) + qlen);
	if (!m)
		return;
	m->len = qlen;
	if (len)
		memcpy(m->data, msg, qlen < len ? qlen : len);
	unsigned latency = me->faults.latency_ms;
	if (latency == 0 || !sched_ensure(me)) {
		m->ready = true;
	} else {
		m->due_ns = now_ns() + (uint64_t)latency * 1000000u;
		pthread_cond_signal(&me->sched);
	}
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	if (m->ready)
		want_wake(c); /* spurious if an earlier message is still delayed */
}

void sim_conn_reply_async(struct sim_me *me, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	bool locked = me_enter(me);
	sim_conn_reply(c, msg, len);
	me_leave(me, locked);
}

const struct sim_client_def *sim_conn_client(const struct sim_conn *c)
{
	return c->cl ? &c->cl->def : NULL;
}

void *sim_conn_get_data(const struct sim_conn *c)
{
	return c->data;
}

void sim_conn_set_data(struct sim_conn *c, void *data)
{
	c->data = data;
}

struct sim_me *sim_conn_me(const struct sim_conn *c)
{
	return c->me;
}
