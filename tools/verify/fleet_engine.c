// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_engine.c - one libevent loop, one libcurl multi handle, a fiber per
 * device in flight (see fleet_engine.h).
 *
 * libcurl tells the loop which sockets to watch and when to time out
 * (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION); the loop tells libcurl what
 * became ready (curl_multi_socket_action). An exchange that ends puts its
 * task on the ready list; the loop resumes ready tasks only from the top of
 * its iteration, never from inside a libcurl callback, so a task that adds
 * its next exchange at once does so outside libcurl's own call stack.
 * Must not: block (no curl_easy_perform, no sleeping), or resume a task
 * from another task.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "fleet_engine.h"
#include "fleet_fiber.h"
#include "log.h"
#include "verify.h"

/* A fiber runs device_read(), the 3PDS conversation and libxml2's parser;
 * 256 KiB is several times what they touch (a sanitizer build needs more). */
#if defined(__SANITIZE_ADDRESS__)
#define FIBER_STACK (1024 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_STACK (1024 * 1024)
#endif
#endif
#ifndef FIBER_STACK
#define FIBER_STACK (256 * 1024)
#endif
#define FIBER_STACKS_KEPT 64u
#define FIBER_MAPS_RESERVE 1024u /* maps besides the stacks, beyond those at start */
#define TICK_MS 250

struct fleet_engine {
	const struct fleet_engine_cfg *cfg;
	struct event_base *base;
	struct event *timer, *tick;
	CURLM *multi;
	struct fleet_stacks *stacks;
	struct fleet_task *ready, *ready_tail;
	struct fleet_task *inflight;  /* every task started and not finished */
	struct fleet_task *held; /* taken from next() but no stack yet: starts first */
	unsigned active;  /* tasks started and not finished */
	unsigned limit;   /* tasks in flight at most: the concurrency, or what the
			   * map count allows */
	bool short_said;  /* the warning that stacks ran short is out */
	bool no_stack;    /* failed: not one fiber stack could be had */
	bool exhausted;   /* next() returned NULL */
	bool failed;      /* the multi handle itself failed */
};

/* One socket libcurl asked us to watch. */
struct sock {
	struct fleet_engine *e;
	struct event *ev;
	curl_socket_t fd;
};

int64_t fleet_task_elapsed_ms(const struct fleet_task *t)
{
	return verify_mono_ms() - t->started_ms;
}

/* ---- libcurl <-> libevent ---- */

static void make_ready(struct fleet_engine *e, struct fleet_task *t)
{
	t->next_ready = NULL;
	if (e->ready_tail)
		e->ready_tail->next_ready = t;
	else
		e->ready = t;
	e->ready_tail = t;
}

static void check_done(struct fleet_engine *e)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(e->multi, &left)) != NULL) {
		struct fleet_task *t = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		t->result = (int)msg->data.result;
		curl_multi_remove_handle(e->multi, msg->easy_handle);
		t->easy = NULL;
		make_ready(e, t);
	}
}

static void action(struct fleet_engine *e, curl_socket_t fd, int flags)
{
	int running = 0;

	if (curl_multi_socket_action(e->multi, fd, flags, &running) != CURLM_OK)
		e->failed = true;
	check_done(e);
}

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct sock *s = arg;
	int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	action(s->e, fd, flags);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct fleet_engine *e = userp;
	struct sock *s = socketp;
	short kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0));

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(e->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->e = e;
		s->fd = fd;
		curl_multi_assign(e->multi, fd, s);
	} else if (s->ev) {
		event_free(s->ev);
		s->ev = NULL;
	}
	s->ev = event_new(e->base, fd, kind | EV_PERSIST, on_socket_event, s);
	if (!s->ev || event_add(s->ev, NULL) != 0)
		return -1;
	return 0;
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct fleet_engine *e = userp;
	struct timeval tv;

	if (timeout_ms < 0)
		return event_del(e->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return event_add(e->timer, &tv);
}

/* ---- tasks ---- */

int fleet_task_perform(void *arg, void *easy)
{
	struct fleet_task *t = arg;
	struct fleet_engine *e = t->engine;
	int64_t left = t->deadline_ms - verify_mono_ms();

	if (e->failed)
		return CURLE_ABORTED_BY_CALLBACK;
	if (left <= 0)
		return CURLE_OPERATION_TIMEDOUT;
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)t);
	if (curl_multi_add_handle(e->multi, easy) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	t->easy = easy;
	fleet_fiber_yield(t->fiber);
	return t->result;
}

static void task_main(void *arg)
{
	struct fleet_task *t = arg;

	t->run(t);
}

/* Run t until it waits or ends; an ended task goes back to the caller. */
static void step(struct fleet_engine *e, struct fleet_task *t)
{
	if (!fleet_fiber_resume(t->fiber))
		return; /* waiting for an exchange */
	fleet_fiber_free(t->fiber);
	t->fiber = NULL;
	if (t->prev)
		t->prev->next = t->next;
	else
		e->inflight = t->next;
	if (t->next)
		t->next->prev = t->prev;
	e->active--;
	e->cfg->finished(e->cfg->arg, t);
}

/* Start tasks while there are free slots and tasks to start. A task that
 * gets no stack (memory, or vm.max_map_count: each stack is 2 maps) waits
 * for one in flight to end and give its stack back; only when none is in
 * flight can nothing run, and the engine fails. */
static void fill(struct fleet_engine *e)
{
	while (!e->failed && e->active < e->limit) {
		struct fleet_task *t = e->held;

		if (t) {
			e->held = NULL;
		} else {
			if (e->exhausted)
				return;
			t = e->cfg->next(e->cfg->arg);
			if (!t) {
				e->exhausted = true;
				return;
			}
		}
		t->engine = e;
		t->easy = NULL;
		t->started_ms = verify_mono_ms();
		t->deadline_ms = t->started_ms + e->cfg->timeout_ms;
		t->fiber = fleet_fiber_new(e->stacks, task_main, t);
		if (!t->fiber && e->active > 0) {
			e->held = t;
			if (!e->short_said)
				log_warn("fleet: no memory for another fiber stack (memory limits or "
					 "vm.max_map_count): %u devices in flight instead of %u; the "
					 "rest wait their turn",
					 e->active, e->limit);
			e->short_said = true;
			return;
		}
		if (!t->fiber) {
			e->no_stack = true;
			e->failed = true;
			e->cfg->finished(e->cfg->arg, t);
			return;
		}
		t->prev = NULL;
		t->next = e->inflight;
		if (e->inflight)
			e->inflight->prev = t;
		e->inflight = t;
		e->active++;
		step(e, t);
	}
}

/* The loop itself failed: every exchange in flight ends with an error and
 * each task runs on to its end (further exchanges fail at once). */
static void abort_inflight(struct fleet_engine *e)
{
	e->failed = true;
	for (struct fleet_task *t = e->inflight; t; t = t->next) {
		if (!t->easy)
			continue;
		curl_multi_remove_handle(e->multi, t->easy);
		t->easy = NULL;
		t->result = CURLE_ABORTED_BY_CALLBACK;
		make_ready(e, t);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_engine *e = arg;

	e->cfg->tick(e->cfg->arg);
}

/* Room for the sockets of every task in flight, as far as the hard limit
 * allows. */
static void fit_fd_limit(unsigned concurrency)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)concurrency * 2 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		log_warn("fleet: the descriptor limit (%llu) is low for --concurrency %u; some "
			 "devices may fail with \"too many open files\" — raise ulimit -n",
			 (unsigned long long)rl.rlim_cur, concurrency);
}

/* Tasks in flight the memory map limit allows: each fiber stack is two
 * maps (the stack, its guard page), on top of the maps the process holds
 * now and a reserve for libraries' own (malloc's large blocks, OpenSSL). A
 * --concurrency above it would only fail to get stacks; say so once. */
static unsigned fit_map_count(unsigned concurrency)
{
	unsigned long max = 0, used = 0, room;
	char line[512];
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");

	if (!f)
		return concurrency;
	if (fscanf(f, "%lu", &max) != 1)
		max = 0;
	fclose(f);
	f = fopen("/proc/self/maps", "re");
	if (!f || max == 0) {
		if (f)
			fclose(f);
		return concurrency;
	}
	while (fgets(line, sizeof(line), f))
		if (strchr(line, '\n'))
			used++;
	fclose(f);
	used += FIBER_MAPS_RESERVE;
	room = max > used ? (max - used) / 2 : 1;
	if (room == 0)
		room = 1;
	if (concurrency <= room)
		return concurrency;
	log_warn("fleet: --concurrency %u needs 2 memory maps per device in flight and "
		 "vm.max_map_count is %lu: running at most %lu at once (raise it: sysctl -w "
		 "vm.max_map_count=%lu)",
		 concurrency, max, room, (unsigned long)concurrency * 2 + used);
	return (unsigned)room;
}

int fleet_engine_run(const struct fleet_engine_cfg *cfg, char *err, size_t errlen)
{
	struct fleet_engine e = {.cfg = cfg};
	struct timeval tick = {0, TICK_MS * 1000};
	int rc = -1;

	err[0] = '\0';
	e.limit = fit_map_count(cfg->concurrency);
	fit_fd_limit(e.limit);
	e.base = event_base_new();
	e.multi = curl_multi_init();
	e.stacks = fleet_stacks_new(FIBER_STACK, e.limit < FIBER_STACKS_KEPT ? e.limit
									  : FIBER_STACKS_KEPT);
	if (!e.base || !e.multi || !e.stacks || !(e.timer = evtimer_new(e.base, on_timer, &e))) {
		snprintf(err, errlen, "cannot set up the event loop: out of memory");
		goto out;
	}
	if (cfg->tick && (!(e.tick = event_new(e.base, -1, EV_PERSIST, on_tick, &e)) ||
			  event_add(e.tick, &tick) != 0)) {
		snprintf(err, errlen, "cannot set up the event loop: out of memory");
		goto out;
	}
	curl_multi_setopt(e.multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(e.multi, CURLMOPT_SOCKETDATA, &e);
	curl_multi_setopt(e.multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(e.multi, CURLMOPT_TIMERDATA, &e);

	fill(&e);
	while (e.active > 0) {
		if (!e.ready && event_base_loop(e.base, EVLOOP_ONCE) < 0) {
			snprintf(err, errlen, "the event loop failed");
			abort_inflight(&e);
			continue;
		}
		while (e.ready) {
			struct fleet_task *t = e.ready;

			e.ready = t->next_ready;
			if (!e.ready)
				e.ready_tail = NULL;
			step(&e, t);
		}
		fill(&e);
	}
	if (e.held) {
		/* waiting for a stack when the engine failed: it ends as one that
		 * got none, so every task taken from next() is finished once */
		struct fleet_task *t = e.held;

		e.held = NULL;
		e.cfg->finished(e.cfg->arg, t);
	}
	rc = e.failed ? -1 : 0;
	if (e.failed && !err[0] && e.no_stack)
		snprintf(err, errlen, "no memory for a single fiber stack (%d KiB and 2 memory maps "
				      "each): check ulimit -v and vm.max_map_count",
			 FIBER_STACK / 1024);
	if (e.failed && !err[0])
		snprintf(err, errlen, "the transfer engine (libcurl multi) failed");
out:
	if (e.tick)
		event_free(e.tick);
	if (e.timer)
		event_free(e.timer);
	if (e.multi)
		curl_multi_cleanup(e.multi);
	fleet_stacks_free(e.stacks);
	if (e.base)
		event_base_free(e.base);
	return rc;
}
