// SPDX-License-Identifier: Apache-2.0
/*
 * event_engine.h - the event engine of `amt-verify listen --events`: rules
 * of the form MATCH=PROGRAM (--on-event, repeatable) that run a program for
 * every stored WS-Event they match.
 *
 * Owns: parsing a rule (MATCH is a glob over the event's MessageID, e.g.
 * "iAMT0036" or "iAMT000[2-6]", optionally "@UUID" for one device),
 * starting the program without a shell (posix_spawn, argv = the program
 * alone, its own process group, a minimal environment: PATH and the
 * AMT_EVENT_* variables below) with the event's JSON line on stdin, a
 * time limit (SIGTERM, then SIGKILL 2 s later, to the whole group), a cap
 * on programs running at once (the rest wait in arrival order, at most
 * ENGINE_QUEUE_MAX), and recording each outcome as an "action" event in
 * the store (exit status, signal, timed out, duration).
 * Environment: AMT_EVENT_ID (the store's event id), AMT_EVENT_MESSAGE_ID,
 * AMT_EVENT_DEVICE (UUID or address), AMT_EVENT_SOURCE, AMT_EVENT_TIME
 * (received, ISO-8601 UTC), AMT_EVENT_SEVERITY (in words),
 * AMT_EVENT_ARGUMENTS (the MessageArguments as a JSON array).
 * Must not: run anything for an event that was not stored (a duplicate is
 * not run again), block the loop, or pass our own environment on.
 */
#ifndef VERIFY_EVENT_ENGINE_H
#define VERIFY_EVENT_ENGINE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define ENGINE_RULES_MAX 32
#define ENGINE_QUEUE_MAX 1024
#define ENGINE_DEFAULT_TIMEOUT_S 30
#define ENGINE_DEFAULT_MAX_RUNNING 4

struct engine_rule {
	char glob[64];       /* over the MessageID */
	char device[40];     /* "" = any device; else a UUID (upper case) */
	char program[4096];  /* absolute path */
};

/* "MATCH=PROGRAM": 0, or -1 with a one-line reason in err (the program
 * must exist and be executable; a relative path is made absolute). */
int engine_parse_rule(const char *arg, struct engine_rule *out, char *err, size_t errlen);

struct engine;
struct engine *engine_new(struct event_base *base, struct store *store,
			  const struct engine_rule *rules, size_t nrules, unsigned timeout_s,
			  unsigned max_running, bool json);
/* A WS-Event was stored as ev (type "alert"): run every rule it matches. */
void engine_alert(struct engine *e, const struct store_event *ev, const char *message_id,
		  const char *device);
/* Programs running or waiting. */
unsigned engine_busy(const struct engine *e);
/* Stop: waiting runs are dropped (recorded), running ones get SIGTERM; the
 * loop may end once engine_busy() is 0. */
void engine_stop(struct engine *e);
void engine_free(struct engine *e);

#endif
