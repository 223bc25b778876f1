/*
 * events.c - `amt-verify events`: list the events a receiver recorded,
 * oldest first, as one-line summaries or JSON lines, optionally only those
 * since a time or within a recent duration.
 * Must not: write to the store (it is opened read-only).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "eventfmt.h"
#include "store.h"
#include "verify.h"

static void events_usage(FILE *f)
{
	fprintf(f,
		"usage: amt-verify events [--db PATH] [--json] [--since T]\n\n"
		"List recorded events, oldest first.\n\n"
		"  --db PATH    event store (default %s)\n"
		"  --json       one JSON object per event per line\n"
		"  --since T    only events at or after T: an ISO-8601 time such as\n"
		"               2026-11-22T10:00:00Z (no zone means UTC), or a duration\n"
		"               back from now such as 90s, 10m, 2h, 7d\n",
		STORE_DEFAULT_PATH);
}

struct list_state {
	bool json;
	unsigned long count;
	bool print_failed;
};

static int print_one(void *arg, const struct store_event *ev)
{
	struct list_state *ls = arg;

	if (event_print(stdout, ev, ls->json) != 0) {
		ls->print_failed = true;
		return 1;
	}
	ls->count++;
	return 0;
}

int cmd_events(int argc, char **argv)
{
	enum { O_DB = 256, O_JSON, O_SINCE, O_HELP };
	static const struct option opts[] = {{"db", required_argument, NULL, O_DB},
					     {"json", no_argument, NULL, O_JSON},
					     {"since", required_argument, NULL, O_SINCE},
					     {"help", no_argument, NULL, O_HELP},
					     {NULL, 0, NULL, 0}};
	struct list_state ls = {0};
	struct store *st = NULL;
	const char *db = STORE_DEFAULT_PATH;
	int64_t since = INT64_MIN;
	char err[512];
	int c, ex = VERIFY_EXIT_USAGE;

	optind = 0; /* 0: glibc rescans afresh (main stopped at the command with "+") */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			db = optarg;
			break;
		case O_JSON:
			ls.json = true;
			break;
		case O_SINCE:
			if (verify_parse_time(optarg, verify_now_ms(), &since) != 0) {
				fprintf(stderr, "%s events: --since \"%s\": expected an ISO-8601 time "
						"(2026-11-22T10:00:00Z) or a duration (10m, 2h)\n",
					VERIFY_PROG, optarg);
				goto out;
			}
			break;
		case O_HELP:
			events_usage(stdout);
			ex = VERIFY_EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "%s events: run 'amt-verify events --help' for the options\n",
				VERIFY_PROG);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s events: unexpected argument \"%s\" — run 'amt-verify events "
				"--help'\n", VERIFY_PROG, argv[optind]);
		goto out;
	}
	if (store_open(db, STORE_READONLY, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s events: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (store_list(st, since, print_one, &ls, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s events: %s\n", VERIFY_PROG, err);
		goto out;
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
