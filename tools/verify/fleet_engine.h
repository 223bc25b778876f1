// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_engine.h - the engine behind `amt-verify fleet` and `reports
 * --check`: one libevent loop drives a libcurl multi handle, and each
 * device in flight is a task running on a fiber of its own (fleet_fiber.h)
 * that yields whenever it waits for an HTTP exchange. No thread per device.
 *
 * A task's code is ordinary blocking-style WS-Man code (device_read())
 * whose target routes its exchanges through fleet_task_perform(), so the
 * per-device client keeps its easy handle between requests: the digest
 * nonce is reused (nc incremented, no extra 401 round trip) and TLS
 * sessions resume.
 *
 * Owns: the loop, the multi handle and its sockets and timer, the tasks in
 * flight (at most `concurrency`), each task's deadline (timeout_ms for the
 * whole device, enforced per exchange), pulling the next task only when a
 * slot is free (memory stays bounded by the concurrency, not the fleet),
 * and a progress tick; fewer in flight when fiber stacks run short (the
 * map count at start, memory or maps later: a task then waits its turn).
 * Must not: know devices, inventories or output formats (fleet.c and
 * reports.c do); run tasks' completions on a fiber (they run on the loop).
 */
#ifndef VERIFY_FLEET_ENGINE_H
#define VERIFY_FLEET_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

struct fleet_engine;
struct fleet_fiber;

/* Embedded by the caller's task; the engine fills the private part. */
struct fleet_task {
	void (*run)(struct fleet_task *t); /* on the task's fiber */
	/* engine-private */
	struct fleet_engine *engine;
	struct fleet_fiber *fiber;
	struct fleet_task *next_ready;
	struct fleet_task *prev, *next; /* tasks in flight */
	void *easy;          /* the exchange in flight, or NULL */
	int result;          /* its CURLcode */
	int64_t started_ms;  /* monotonic */
	int64_t deadline_ms;
};

struct fleet_engine_cfg {
	unsigned concurrency; /* tasks in flight at most */
	long timeout_ms;      /* per task, all its exchanges together */
	/* The next task to start, or NULL when there is none (asked only when
	 * a slot is free). */
	struct fleet_task *(*next)(void *arg);
	/* A task ended (on the loop, in the order tasks end); the caller owns
	 * it again. */
	void (*finished)(void *arg, struct fleet_task *t);
	/* Every 250 ms while running, when set (progress lines). */
	void (*tick)(void *arg);
	void *arg;
};

/*
 * Run until next() returns NULL and every task has ended. wsman_global_init()
 * must have run. 0, or -1 when the engine itself could not run (out of
 * memory or descriptors before any task started: one line in err).
 */
int fleet_engine_run(const struct fleet_engine_cfg *cfg, char *err, size_t errlen);

/* wsman_opts.perform / device_target.perform for a task (arg = the task):
 * hands the exchange to the multi handle, waits on the fiber, returns its
 * CURLcode. Past the task's deadline it returns a timeout at once. */
int fleet_task_perform(void *task, void *curl_easy);

/* Milliseconds since the task started (for per-device latency). */
int64_t fleet_task_elapsed_ms(const struct fleet_task *t);

#endif
