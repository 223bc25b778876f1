// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_tunnels.c - the store's tunnels table
 * (tools/verify/store_tunnels.c, schema step 2 -> 3) and the resolution of
 * `HOST | --via-tunnel UUID` (tools/verify/tunnel_target.c): rows of this
 * process are live, rows of a process that exited are skipped and pruned,
 * the newest tunnel of a device wins, and every failure has its exit code.
 * Must not: depend on another test's files (each test has its own
 * directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "tunnel_target.h"

#define U1 "11111111-2222-3333-4444-555555555555"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_verify_tunnels.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/events.db", f->dir);
	assert_int_equal(store_open(f->path, STORE_CREATE, &f->st, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};

	store_close(f->st);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void sql(const char *path, const char *q)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int64_t add(struct fx *f, const char *uuid, const char *host, const char *ports)
{
	struct store_tunnel t = {.uuid = uuid, .host_name = host, .mps_user = "ciradev",
				 .source = "10.0.0.9:5000", .ports = ports};
	char err[256];
	assert_int_equal(store_tunnel_add(f->st, &t, err, sizeof(err)), 0);
	assert_true(t.id > 0);
	assert_int_equal(t.pid, (long)getpid());
	return t.id;
}

struct seen {
	int n;
	char uuid[4][40], host[4][64], ports[4][256];
};

static int on_row(void *arg, const struct store_tunnel *t)
{
	struct seen *s = arg;
	assert_true(s->n < 4);
	snprintf(s->uuid[s->n], 40, "%s", t->uuid);
	snprintf(s->host[s->n], 64, "%s", t->host_name ? t->host_name : "(null)");
	snprintf(s->ports[s->n], 256, "%s", t->ports);
	s->n++;
	return 0;
}

static pid_t dead_pid(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_add_update_remove(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	char err[256];

	int64_t id = add(f, U1, NULL, "{\"16992\":\"127.0.0.1:41234\"}");
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.uuid[0], U1);
	assert_string_equal(s.host[0], "(null)");
	assert_int_equal(store_tunnel_update(f->st, id, "amt-sim", NULL, err, sizeof(err)), 0);
	assert_int_equal(store_tunnel_update(f->st, id, NULL, "{\"16992\":\"127.0.0.1:1\"}", err,
					     sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_string_equal(s.host[0], "amt-sim"); /* kept by the second update */
	assert_string_equal(s.ports[0], "{\"16992\":\"127.0.0.1:1\"}");
	assert_int_equal(store_tunnel_remove(f->st, id, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
}

/* A listener that died left its rows: readers skip them, the next
 * listener deletes them; a reused pid with another start time is no match. */
static void test_rows_of_dead_listeners(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	char err[256], q[512];

	add(f, U1, "live", "{}");
	snprintf(q, sizeof(q),
		 "INSERT INTO tunnels (uuid, since, ports, pid, pid_start) VALUES "
		 "('22222222-2222-3333-4444-555555555555', '2026-01-01T00:00:00.000Z', '{}', %d, 5);"
		 "INSERT INTO tunnels (uuid, since, ports, pid, pid_start) VALUES "
		 "('33333333-2222-3333-4444-555555555555', '2026-01-01T00:00:00.000Z', '{}', %d, 1);",
		 (int)dead_pid(), (int)getpid());
	sql(f->path, q);
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.host[0], "live");
	assert_int_equal(store_tunnels_prune(f->st, err, sizeof(err)), 2);
	assert_int_equal(store_tunnels_prune(f->st, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
}

/* A schema-2 store (before tunnels): readers see none; a listener adds the
 * table in place. */
static void test_migration_from_2(void **state)
{
	struct fx *f = *state;
	struct store *ro = NULL;
	struct seen s = {0};
	char err[256];

	store_close(f->st);
	f->st = NULL;
	sql(f->path, "DROP TABLE tunnels; PRAGMA user_version = 2;");
	assert_int_equal(store_open(f->path, STORE_READONLY, &ro, err, sizeof(err)), 0);
	assert_int_equal(store_tunnels_list(ro, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	store_close(ro);
	assert_int_equal(store_open(f->path, STORE_CREATE, &f->st, err, sizeof(err)), 0);
	add(f, U1, NULL, "{}");
	assert_int_equal(store_tunnels_list(f->st, on_row, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
}

static void test_resolve(void **state)
{
	struct fx *f = *state;
	struct target_addr a;
	char err[512];

	/* HOST: itself, with --port or the AMT port */
	struct target_spec host = {.host = "192.0.2.7"};
	assert_int_equal(target_resolve(&host, 16992, &a, err, sizeof(err)), 0);
	assert_string_equal(a.connect_host, "192.0.2.7");
	assert_int_equal(a.connect_port, 16992);
	assert_false(a.via_tunnel);
	host.port = 8080;
	assert_int_equal(target_resolve(&host, 16993, &a, err, sizeof(err)), 0);
	assert_int_equal(a.connect_port, 8080);

	/* a tunnel: the newest row of the device wins, the UUID in any case */
	add(f, U1, "old-name", "{\"16992\":\"127.0.0.1:1111\"}");
	add(f, U1, "amt-sim", "{\"16992\":\"0.0.0.0:41234\",\"16993\":\"[::1]:41235\"}");
	struct target_spec via = {.via_tunnel = "11111111-2222-3333-4444-555555555555", .db = f->path};
	assert_int_equal(target_resolve(&via, 16992, &a, err, sizeof(err)), 0);
	assert_true(a.via_tunnel);
	assert_string_equal(a.connect_host, "127.0.0.1"); /* bound to all: reached on loopback */
	assert_int_equal(a.connect_port, 41234);
	assert_string_equal(a.name, "amt-sim");
	assert_string_equal(a.relay, "127.0.0.1:41234");
	via.via_tunnel = "11111111-2222-3333-4444-555555555555";
	assert_int_equal(target_resolve(&via, 16993, &a, err, sizeof(err)), 0);
	assert_string_equal(a.connect_host, "::1");
	assert_string_equal(a.relay, "[::1]:41235");

	/* a port the tunnel does not carry, no tunnel, --port, no store */
	assert_int_equal(target_resolve(&via, 16994, &a, err, sizeof(err)), VERIFY_EXIT_NETWORK);
	assert_non_null(strstr(err, "does not carry port 16994 (relayed: 16992, 16993)"));
	struct target_spec other = {.via_tunnel = "99999999-2222-3333-4444-555555555555",
				    .db = f->path};
	assert_int_equal(target_resolve(&other, 16992, &a, err, sizeof(err)), VERIFY_EXIT_NETWORK);
	assert_non_null(strstr(err, "no open tunnel from device 99999999"));
	via.port = 1;
	assert_int_equal(target_resolve(&via, 16992, &a, err, sizeof(err)), VERIFY_EXIT_USAGE);
	struct target_spec nodb = {.via_tunnel = U1, .db = "/nonexistent/x.db"};
	assert_int_equal(target_resolve(&nodb, 16992, &a, err, sizeof(err)), VERIFY_EXIT_USAGE);
	struct target_spec both = {.host = "h", .via_tunnel = U1};
	assert_int_equal(target_resolve(&both, 16992, &a, err, sizeof(err)), VERIFY_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_update_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_of_dead_listeners, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_from_2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
