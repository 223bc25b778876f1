// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_fleet_engine.c - unit tests for tools/verify/fleet_engine.c
 * when fiber stacks run short: each stack is two memory maps, and
 * vm.max_map_count (65530 by default) runs out long before --concurrency
 * 65536 does. The process's own map count is brought near the limit (pages
 * of one mapping made alternately inaccessible, each a map of its own), so
 * mmap fails with ENOMEM exactly as it does for a real fleet:
 *  - at start, --concurrency is capped to what the maps allow;
 *  - when stacks run out while devices are in flight, the rest wait their
 *    turn: every task still runs and the run is not aborted.
 * Tasks are real libcurl exchanges with a local socket that never answers,
 * so they stay in flight until their deadline. The first test leaves no map
 * at all once the stacks took theirs, which AddressSanitizer's runtime
 * cannot survive: it runs in the gcc build (tests/run.sh build) only.
 * Must not: leave the maps it took, or touch anything outside the process.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "fleet_engine.h"

#define TASKS_MAX 64

/* AddressSanitizer's runtime maps memory of its own at any allocation: with
 * the map count at the limit it dies before the engine can wait. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

struct job {
	struct fleet_task task; /* first: the engine hands this back */
	int rc;
	bool ran;
};

static struct {
	int port;
	struct job jobs[TASKS_MAX];
	unsigned njobs, next, finished, inflight, peak;
	unsigned fill_on_start; /* fill the map count when this many have started (0: never) */
	unsigned spare;         /* maps left free then */
	void *filler;
	size_t filler_len;
} g;

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static unsigned long maps_now(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long n = 0;
	int c;

	assert_non_null(f);
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static unsigned long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	unsigned long n = 0;

	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

/* Take maps until only spare are left: one mapping whose odd pages are
 * made inaccessible, every mprotect splitting off two more maps. */
static void fill_maps(unsigned spare)
{
	unsigned long max = max_map_count(), used = maps_now(), k;
	long pg = page_size();

	assert_true(max > used + spare + 16);
	k = (max - used - spare) / 2;
	g.filler_len = (2 * k + 2) * (size_t)pg;
	g.filler = mmap(NULL, g.filler_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			-1, 0);
	assert_true(g.filler != MAP_FAILED);
	for (unsigned long i = 0; i < k; i++)
		if (mprotect((char *)g.filler + (2 * i + 1) * pg, (size_t)pg, PROT_NONE) != 0)
			break; /* the limit itself: as full as it gets */
}

static void release_maps(void)
{
	if (g.filler && g.filler != MAP_FAILED)
		munmap(g.filler, g.filler_len);
	g.filler = NULL;
}

/* On the task's fiber: one HTTP exchange that waits out the deadline. */
static void job_run(struct fleet_task *t)
{
	struct job *j = (struct job *)t;
	CURL *c;
	char url[64];

	j->ran = true;
	if (++g.inflight > g.peak)
		g.peak = g.inflight;
	if (g.fill_on_start && g.inflight == g.fill_on_start && !g.filler)
		fill_maps(g.spare);
	c = curl_easy_init();
	if (c) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", g.port);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		j->rc = fleet_task_perform(t, c);
		curl_easy_cleanup(c);
	}
	g.inflight--;
}

static struct fleet_task *next_job(void *arg)
{
	struct job *j;

	if (g.next == g.njobs)
		return NULL;
	j = &g.jobs[g.next++];
	memset(j, 0, sizeof(*j));
	j->task.run = job_run;
	return &j->task;
}

static void job_finished(void *arg, struct fleet_task *t)
{
	g.finished++;
}

/* A socket that takes connections (the kernel's backlog) and never answers. */
static int silent_server(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 128), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	g.port = ntohs(a.sin_port);
	return fd;
}

static int run(unsigned tasks, unsigned concurrency, char *err, size_t errlen)
{
	struct fleet_engine_cfg cfg = {.concurrency = concurrency,
				       .timeout_ms = 150,
				       .next = next_job,
				       .finished = job_finished};
	int fd = silent_server(), rc;

	g.njobs = tasks;
	g.next = g.finished = g.inflight = g.peak = 0;
	rc = fleet_engine_run(&cfg, err, errlen);
	release_maps();
	close(fd);
	return rc;
}

/* Stacks run out while devices are in flight: the others wait their turn. */
static void test_stacks_run_out_in_flight(void **state)
{
	char err[256];
	int rc;

#ifdef UNDER_ASAN
	print_message("skipped under AddressSanitizer (its runtime needs maps where the "
		      "test leaves none): run it in the gcc build\n");
	skip();
#endif
	if (max_map_count() == 0)
		skip();
	/* once 4 run, leave maps for a handful more stacks and little else */
	g.fill_on_start = 4;
	g.spare = 40;
	rc = run(TASKS_MAX, TASKS_MAX, err, sizeof(err));
	g.fill_on_start = 0;
	if (rc != 0)
		fail_msg("the run was aborted: %s", err);
	assert_int_equal(g.finished, TASKS_MAX);
	for (unsigned i = 0; i < TASKS_MAX; i++)
		if (!g.jobs[i].ran)
			fail_msg("task %u never ran", i);
	print_message("stacks ran out: %u of %u at most in flight\n", g.peak, TASKS_MAX);
	/* fewer at once than asked: the stacks did run out */
	if (g.peak >= TASKS_MAX)
		fail_msg("%u tasks in flight: the map count never ran short", g.peak);
	assert_true(g.peak >= 4);
}

/* The map count allows fewer stacks than --concurrency: capped at start. */
static void test_concurrency_capped_by_map_count(void **state)
{
	char err[256];
	int rc;

	if (max_map_count() == 0)
		skip();
	/* room for the engine's reserve (1024 maps) and about 6 stacks */
	fill_maps(1024 + 2 * 6);
	rc = run(24, 24, err, sizeof(err));
	if (rc != 0)
		fail_msg("the run failed: %s", err);
	assert_int_equal(g.finished, 24);
	print_message("capped: %u of 24 at most in flight\n", g.peak);
	if (g.peak > 8)
		fail_msg("%u tasks in flight with maps for about 6", g.peak);
	assert_true(g.peak >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stacks_run_out_in_flight),
		cmocka_unit_test(test_concurrency_capped_by_map_count),
	};
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
