// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_fiber.h - fibers for the fleet engine: a small stack of its own per
 * device in flight, so the same blocking-style WS-Man code that `device`
 * runs (device_read(), the 3PDS conversation) can wait for an HTTP exchange
 * by yielding to the one event loop instead of blocking a thread.
 *
 * Owns: the stacks (mmap'd, a guard page below each, kept in a pool for
 * reuse up to a bound), switching in and out (ucontext), and telling
 * AddressSanitizer about each switch so a sanitizer build sees the stacks
 * as they are.
 * Must not: know curl, libevent or WS-Man; run on more than one thread.
 */
#ifndef VERIFY_FLEET_FIBER_H
#define VERIFY_FLEET_FIBER_H

#include <stdbool.h>
#include <stddef.h>

struct fleet_fiber;
struct fleet_stacks;

/* A pool of stacks of stack_size bytes; at most keep of them are kept for
 * reuse after their fiber ended. NULL on allocation failure. */
struct fleet_stacks *fleet_stacks_new(size_t stack_size, unsigned keep);
/* Every fiber of the pool must be freed first. NULL-safe. */
void fleet_stacks_free(struct fleet_stacks *p);

/* A fiber that will run fn(arg) on a stack from p when first resumed.
 * NULL when no stack could be had. */
struct fleet_fiber *fleet_fiber_new(struct fleet_stacks *p, void (*fn)(void *arg), void *arg);
/* From the loop (not from a fiber): run f until it yields or fn returns.
 * True when fn has returned (free f then). */
bool fleet_fiber_resume(struct fleet_fiber *f);
/* From inside f: back to the fleet_fiber_resume() that ran it. */
void fleet_fiber_yield(struct fleet_fiber *f);
/* Give the stack back to its pool. f must have ended or never started.
 * NULL-safe. */
void fleet_fiber_free(struct fleet_fiber *f);

#endif
