// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_report.c - sending the spool (report.c) with a stand-in for
 * the network module: in order, 2xx delivered and removed (and the drops
 * it carried told), 4xx moved to rejected/ with the answer, 5xx or no
 * answer stop the run and keep the rest, the transport error is kept.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "net/net.h"
#include "report.h"
#include "spool.h"

/* The stand-in: answers statuses[i] to the i-th POST and records bodies. */
static long statuses[8];
static size_t posts;
static char seen[8][128];

static void fake_post(const struct net_post *p, struct net_post_result *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(seen[posts], sizeof(seen[posts]), "%.*s", (int)p->len, p->text);
	r->status = statuses[posts++];
	if (r->status == 0) {
		snprintf(r->error, sizeof(r->error), "Failed to connect to server");
	} else {
		r->body = strdup("{\"error\":\"no\"}");
		r->body_len = strlen(r->body);
	}
}

static void fake_free(struct net_post_result *r)
{
	free(r->body);
	r->body = NULL;
}

static const struct agent_net fake = {.abi = AGENT_NET_ABI, .post = fake_post,
				      .post_result_free = fake_free};

static char dir[64];
static struct spool sp;
static struct agent_config cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/report-test.XXXXXX");
	if (!mkdtemp(dir) || spool_open(&sp, dir, 10) != 0)
		return -1;
	config_init(&cfg);
	cfg.report_url = strdup("https://127.0.0.1:9/reports");
	posts = 0;
	memset(statuses, 0, sizeof(statuses));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	config_free(&cfg);
	return system(cmd) == 0 ? 0 : -1;
}

static void add(const char *id)
{
	unsigned carry;
	unsigned long mark;
	char text[64];
	assert_int_equal(spool_reserve(&sp, &carry, &mark), 0);
	int n = snprintf(text, sizeof(text), "{\"id\":\"%s\"}", id);
	assert_int_equal(spool_add(&sp, id, mark, text, (size_t)n), 0);
}

static size_t count_in(const char *sub)
{
	char p[128];
	size_t n = 0;
	snprintf(p, sizeof(p), "%s%s", dir, sub);
	DIR *d = opendir(p);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		n += l > 5 && strcmp(e->d_name + l - 5, ".json") == 0;
	}
	if (d)
		closedir(d);
	return n;
}

static void test_all_delivered_in_order(void **state)
{
	(void)state;
	struct report_result res = {0};
	add("a");
	add("b");
	add("c");
	statuses[0] = 201, statuses[1] = 200, statuses[2] = 201;
	assert_int_equal(report_send_spool(&fake, &cfg, &sp, &res), REPORT_EXIT_DONE);
	assert_int_equal(res.sent, 3);
	assert_int_equal(res.pending, 0);
	assert_string_equal(seen[0], "{\"id\":\"a\"}");
	assert_string_equal(seen[2], "{\"id\":\"c\"}");
	assert_int_equal(count_in(""), 0);
}

static void test_rejected_and_stop_on_5xx(void **state)
{
	(void)state;
	struct report_result res = {0};
	add("a");
	add("b");
	add("c");
	add("d");
	statuses[0] = 201, statuses[1] = 400, statuses[2] = 503;
	assert_int_equal(report_send_spool(&fake, &cfg, &sp, &res), REPORT_EXIT_PENDING);
	assert_int_equal(posts, 3); /* d was not tried after the 503 */
	assert_int_equal(res.sent, 1);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(res.pending, 2);
	assert_int_equal(res.last_http_status, 503);
	assert_string_equal(res.error, "server answered HTTP 503");
	assert_int_equal(count_in(""), 2);
	assert_int_equal(count_in("/rejected"), 1);

	/* next run: c and d, in order, nothing resent */
	struct report_result again = {0};
	posts = 0;
	statuses[0] = 201, statuses[1] = 201;
	assert_int_equal(report_send_spool(&fake, &cfg, &sp, &again), REPORT_EXIT_DONE);
	assert_string_equal(seen[0], "{\"id\":\"c\"}");
	assert_string_equal(seen[1], "{\"id\":\"d\"}");
}

static void test_no_answer_keeps_everything(void **state)
{
	(void)state;
	struct report_result res = {0};
	add("a");
	add("b");
	statuses[0] = 0;
	assert_int_equal(report_send_spool(&fake, &cfg, &sp, &res), REPORT_EXIT_PENDING);
	assert_int_equal(res.pending, 2);
	assert_string_equal(res.error, "Failed to connect to server");
	assert_int_equal(count_in(""), 2);
}

/* A delivered report tells the server the drops it carried. */
static void test_delivery_clears_carried_drops(void **state)
{
	(void)state;
	struct report_result res = {0};
	sp.max = 1;
	add("a");
	add("b"); /* a dropped: b carries 1 */
	assert_int_equal(spool_peek_dropped(&sp), 1);
	statuses[0] = 201;
	assert_int_equal(report_send_spool(&fake, &cfg, &sp, &res), REPORT_EXIT_DONE);
	assert_int_equal(spool_peek_dropped(&sp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_delivered_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_and_stop_on_5xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_answer_keeps_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_clears_carried_drops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
