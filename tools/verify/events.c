// SPDX-License-Identifier: Apache-2.0
/*
 * events.c - `amt-verify events`: list the events a receiver recorded,
 * oldest first, as one-line summaries or JSON lines, optionally only those
 * since a time or within a recent duration; with --follow, then every new
 * event as it is stored (the store is read every FOLLOW_POLL_MS: SQLite has
 * no change notification between processes), until a signal ends it.
 * Must not: write to the store (it is opened read-only).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "eventfmt.h"
#include "store.h"
#include "verify.h"

#define FOLLOW_POLL_MS 250

struct list_state {
	bool json;
	unsigned long count;
	bool print_failed;
	int64_t last_id;
	char since[VERIFY_TIME_LEN]; /* --follow: events before it are skipped ("" none) */
};

static int print_one(void *arg, const struct store_event *ev)
{
	struct list_state *ls = arg;

	if (ev->id > ls->last_id)
		ls->last_id = ev->id;
	if (ls->since[0] && strcmp(ev->time, ls->since) < 0)
		return 0;
	if (event_print(stdout, ev, ls->json) != 0) {
		ls->print_failed = true;
		return 1;
	}
	ls->count++;
	return 0;
}

enum { O_DB, O_JSON, O_SINCE, O_FOLLOW };

static const struct cliopt events_opts[] = {
	[O_DB] = {"db", 0, "PATH", "event store (default " STORE_DEFAULT_PATH ")", 0},
	[O_JSON] = {"json", 0, NULL, "one JSON object per event per line", 0},
	[O_SINCE] = {"since", 0, "T",
		     "only events at or after T: an ISO-8601 time such as 2026-11-22T10:00:00Z "
		     "(no zone means UTC), or a duration back from now such as 90s, 10m, 2h, 7d",
		     0},
	[O_FOLLOW] = {"follow", 0, NULL, "then print new events as they are stored, until "
					  "interrupted", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd events_cli = {
	.prog = VERIFY_PROG,
	.name = "events",
	.opts = events_opts,
	.description = "List recorded events, oldest first. The store is opened read-only.\n",
	.footer = "Exit codes: 0 listed (also when there are none), 2 usage or store error\n"
		  "(no store at --db, a bad --since).\n",
};

int cmd_events(int argc, char **argv)
{
	struct list_state ls = {0};
	struct store *st = NULL;
	struct cliopt_result r;
	const char *db = STORE_DEFAULT_PATH;
	int64_t since = INT64_MIN;
	char err[512];
	int ex = VERIFY_EXIT_USAGE;
	bool follow = false;

	int ps = cliopt_parse(&events_cli, argc, argv, &r, stdout, stderr);
	if (ps != CLIOPT_OK)
		return ps == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		const char *v = r.hits[i].value;
		switch (r.hits[i].opt) {
		case O_DB:
			db = v;
			break;
		case O_JSON:
			ls.json = true;
			break;
		case O_FOLLOW:
			follow = true;
			break;
		case O_SINCE:
			if (verify_parse_time(v, verify_now_ms(), &since) != 0) {
				cliopt_fail(&events_cli, stderr,
					    "--since \"%.64s\": expected an ISO-8601 time "
					    "(2026-11-22T10:00:00Z) or a duration (10m, 2h)",
					    v);
				goto out;
			}
			break;
		}
	}
	if (store_open(db, STORE_READONLY, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s events: %s\n", VERIFY_PROG, err);
		goto out;
	}
	/* following: by arrival (id), so that the last id read is where to go on */
	if (follow && since != INT64_MIN)
		verify_time_iso(since, ls.since);
	if ((follow ? store_list_after(st, 0, print_one, &ls, err, sizeof(err))
		    : store_list(st, since, print_one, &ls, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s events: %s\n", VERIFY_PROG, err);
		goto out;
	}
	while (follow && !ls.print_failed) {
		usleep(FOLLOW_POLL_MS * 1000);
		if (store_list_after(st, ls.last_id, print_one, &ls, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s events: %s\n", VERIFY_PROG, err);
			goto out;
		}
	}
	if (ls.print_failed) {
		fprintf(stderr, "%s events: cannot write to stdout\n", VERIFY_PROG);
		goto out;
	}
	ex = VERIFY_EXIT_OK;
out:
	store_close(st);
	return ex;
}
