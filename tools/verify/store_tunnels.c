// SPDX-License-Identifier: Apache-2.0
/*
 * store_tunnels.c - the tunnels table of the store (see store.h): the CIRA
 * tunnels a listener holds open and the local ports it relays them on, so
 * that other amt-verify commands (tunnels, device --via-tunnel, reports
 * --check, fleet --via-tunnels) find them. The front of the two backends'
 * tunnel statements (store_sqlite.c, store_pg.c).
 *
 * A row names its listener by pid and that process's start time (field 22
 * of /proc/PID/stat), so a row left by a listener that died, even if its
 * pid was reused, is never taken for a live tunnel. The backends give only
 * this machine's rows (PostgreSQL keeps a machine column), so every check
 * here is a local one.
 * Must not: print or log; know APF or the relay; speak SQL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"

/* The start time of process pid in clock ticks since boot, or -1. */
static long long proc_start(long pid)
{
	char path[64], buf[1024];
	FILE *f;
	size_t n;
	long long start = -1;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ..." where comm may hold spaces and ')' */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* p + 1 is the space before field 3 (state); starttime is field 22 */
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoll(p + 1, NULL, 10);
	return start > 0 ? start : -1;
}

static bool listener_alive(long pid, long long start)
{
	return pid > 0 && proc_start(pid) == start;
}

static bool has_table(const struct store *st)
{
	return st->version >= 3;
}

int store_tunnel_add(struct store *st, struct store_tunnel *t, char *err, size_t errlen)
{
	if (st->mode == STORE_READONLY) {
		snprintf(err, errlen, "%s: opened read-only", st->name);
		return -1;
	}
	t->pid = (long)getpid();
	t->pid_start = proc_start(t->pid);
	verify_time_iso(verify_now_ms(), t->since);
	if (!t->ports)
		t->ports = "{}";
	return st->ops->tunnel_add(st, t, err, errlen);
}

int store_tunnel_update(struct store *st, int64_t id, const char *host_name, const char *ports,
			char *err, size_t errlen)
{
	return st->ops->tunnel_update(st, id, host_name, ports, err, errlen);
}

int store_tunnel_remove(struct store *st, int64_t id, char *err, size_t errlen)
{
	return st->ops->tunnel_remove(st, id, err, errlen);
}

/* The listeners named by this machine's rows, each once. */
struct listeners {
	struct {
		long pid;
		long long start;
	} *v;
	size_t n, cap;
	bool nomem;
};

static int collect_listener(void *arg, const struct store_tunnel *t)
{
	struct listeners *l = arg;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].pid == t->pid && l->v[i].start == t->pid_start)
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));
		if (!v) {
			l->nomem = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].pid = t->pid;
	l->v[l->n].start = t->pid_start;
	l->n++;
	return 0;
}

int store_tunnels_prune(struct store *st, char *err, size_t errlen)
{
	struct listeners l = {0};
	int pruned = 0, r;

	if (!has_table(st))
		return 0;
	/* First the listeners, then the deletes: a PostgreSQL listing streams
	 * on the connection the deletes need. */
	r = st->ops->tunnel_rows(st, collect_listener, &l, err, errlen);
	if (l.nomem) {
		snprintf(err, errlen, "out of memory");
		r = -1;
	}
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		int n;
		if (listener_alive(l.v[i].pid, l.v[i].start))
			continue;
		n = st->ops->tunnel_delete_listener(st, l.v[i].pid, l.v[i].start, err, errlen);
		if (n < 0)
			r = -1;
		else
			pruned += n;
	}
	free(l.v);
	return r < 0 ? -1 : pruned;
}

struct live_arg {
	store_tunnel_cb cb;
	void *arg;
};

static int only_live(void *arg, const struct store_tunnel *t)
{
	struct live_arg *la = arg;

	if (!t->uuid || !t->ports || !listener_alive(t->pid, t->pid_start))
		return 0;
	return la->cb(la->arg, t);
}

int store_tunnels_list(struct store *st, store_tunnel_cb cb, void *arg, char *err,
		       size_t errlen)
{
	struct live_arg la = {cb, arg};

	if (!has_table(st))
		return 0;
	return st->ops->tunnel_rows(st, only_live, &la, err, errlen);
}
