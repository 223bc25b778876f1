/*
 * store_tunnels.c - the tunnels table of the store (see store.h): the CIRA
 * tunnels a listener holds open and the local ports it relays them on, so
 * that other amt-verify commands (tunnels, device --via-tunnel, reports
 * --check) find them.
 *
 * A row names its listener by pid and that process's start time (field 22
 * of /proc/PID/stat), so a row left by a listener that died, even if its
 * pid was reused, is never taken for a live tunnel.
 * Must not: print or log; know APF or the relay.
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
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (!st->insert) {
		snprintf(err, errlen, "%s: opened read-only", st->path);
		return -1;
	}
	t->pid = (long)getpid();
	t->pid_start = proc_start(t->pid);
	verify_time_iso(verify_now_ms(), t->since);
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO tunnels (uuid, host_name, mps_user, source, since, ports, "
			       "pid, pid_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(s, 1, t->uuid, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    (t->host_name ? sqlite3_bind_text(s, 2, t->host_name, -1, SQLITE_TRANSIENT)
			  : sqlite3_bind_null(s, 2)) != SQLITE_OK ||
	    (t->mps_user ? sqlite3_bind_text(s, 3, t->mps_user, -1, SQLITE_TRANSIENT)
			 : sqlite3_bind_null(s, 3)) != SQLITE_OK ||
	    (t->source ? sqlite3_bind_text(s, 4, t->source, -1, SQLITE_TRANSIENT)
		       : sqlite3_bind_null(s, 4)) != SQLITE_OK ||
	    sqlite3_bind_text(s, 5, t->since, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_text(s, 6, t->ports ? t->ports : "{}", -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 7, t->pid) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 8, t->pid_start) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_DONE) {
		store_db_err(st, "cannot record a tunnel:", err, errlen);
		goto out;
	}
	t->id = sqlite3_last_insert_rowid(st->db);
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_tunnel_update(struct store *st, int64_t id, const char *host_name, const char *ports,
			char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE tunnels SET host_name = coalesce(?, host_name), "
			       "ports = coalesce(?, ports) WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK ||
	    (host_name ? sqlite3_bind_text(s, 1, host_name, -1, SQLITE_TRANSIENT)
		       : sqlite3_bind_null(s, 1)) != SQLITE_OK ||
	    (ports ? sqlite3_bind_text(s, 2, ports, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(s, 2)) != SQLITE_OK ||
	    sqlite3_bind_int64(s, 3, id) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		store_db_err(st, "cannot update a tunnel:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_tunnel_remove(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM tunnels WHERE id = ?", -1, &s, NULL) !=
		    SQLITE_OK ||
	    sqlite3_bind_int64(s, 1, id) != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		store_db_err(st, "cannot remove a tunnel:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int store_tunnels_prune(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *del = NULL;
	int rc = -1, pruned = 0, step;

	if (!has_table(st))
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT DISTINCT pid, pid_start FROM tunnels", -1, &sel,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "DELETE FROM tunnels WHERE pid = ? AND pid_start = ?", -1,
			       &del, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		long pid = (long)sqlite3_column_int64(sel, 0);
		long long start = sqlite3_column_int64(sel, 1);
		if (listener_alive(pid, start))
			continue;
		sqlite3_reset(del);
		if (sqlite3_bind_int64(del, 1, pid) != SQLITE_OK ||
		    sqlite3_bind_int64(del, 2, start) != SQLITE_OK ||
		    sqlite3_step(del) != SQLITE_DONE) {
			store_db_err(st, "cannot remove stale tunnels:", err, errlen);
			goto out;
		}
		pruned += sqlite3_changes(st->db);
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	rc = pruned;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	return rc;
}

int store_tunnels_list(struct store *st, store_tunnel_cb cb, void *arg, char *err,
		       size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	if (!has_table(st))
		return 0;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT id, uuid, host_name, mps_user, source, since, ports, pid, "
			       "pid_start FROM tunnels ORDER BY since, id",
			       -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_tunnel t = {0};
		const char *since = (const char *)sqlite3_column_text(s, 5);
		int r;

		t.id = sqlite3_column_int64(s, 0);
		t.uuid = (const char *)sqlite3_column_text(s, 1);
		t.host_name = (const char *)sqlite3_column_text(s, 2);
		t.mps_user = (const char *)sqlite3_column_text(s, 3);
		t.source = (const char *)sqlite3_column_text(s, 4);
		snprintf(t.since, sizeof(t.since), "%s", since ? since : "");
		t.ports = (const char *)sqlite3_column_text(s, 6);
		t.pid = (long)sqlite3_column_int64(s, 7);
		t.pid_start = sqlite3_column_int64(s, 8);
		if (!t.uuid || !t.ports || !listener_alive(t.pid, t.pid_start))
			continue;
		r = cb(arg, &t);
		if (r != 0) {
			rc = r;
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		store_db_err(st, "cannot read tunnels:", err, errlen);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}
