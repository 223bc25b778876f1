// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_spool.c - the report spool on a real directory: order, read,
 * delivery, rejection, the bound, and the drop count a report carries
 * (dropped since the last delivered report, kept across processes and
 * crashes, never lost when the report carrying it is itself dropped).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

struct fixture {
	char dir[64];
	struct spool sp;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/spool-test.XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static int rm_entry(const char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return unlink(p);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (rm_entry(dir, e->d_name) != 0)
			rm_dir(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* Make one report the way report.c does: reserve, then add. Returns what
 * it carries. */
static unsigned make(struct spool *sp, const char *id)
{
	unsigned carry = 99;
	unsigned long mark = 0;
	char text[128];
	assert_int_equal(spool_reserve(sp, &carry, &mark), 0);
	int n = snprintf(text, sizeof(text), "{\"report_id\":\"%s\",\"dropped_reports\":%u}", id, carry);
	assert_int_equal(spool_add(sp, id, mark, text, (size_t)n), 0);
	return carry;
}

static size_t pending(struct spool *sp, char (**names)[SPOOL_NAME_MAX])
{
	size_t count = 0;
	assert_int_equal(spool_list(sp, names, &count), 0);
	return count;
}

/* The id of the report with this index in spool order. */
static void id_at(struct spool *sp, size_t i, char *out, size_t cap)
{
	char (*names)[SPOOL_NAME_MAX];
	size_t n = pending(sp, &names);
	assert_true(i < n);
	char *text;
	size_t len;
	assert_int_equal(spool_read(sp, names[i], &text, &len), 0);
	const char *p = strstr(text, "\"report_id\":\"");
	assert_non_null(p);
	p += 13;
	snprintf(out, cap, "%.*s", (int)strcspn(p, "\""), p);
	free(text);
	spool_names_free(names);
}

static void deliver_first(struct spool *sp)
{
	char (*names)[SPOOL_NAME_MAX];
	assert_true(pending(sp, &names) > 0);
	assert_int_equal(spool_delivered(sp, names[0]), 0);
	spool_names_free(names);
}

static void test_order_read_deliver_reject(void **state)
{
	struct fixture *f = *state;
	char id[64], (*names)[SPOOL_NAME_MAX];
	assert_int_equal(spool_open(&f->sp, f->dir, 10), 0);
	assert_int_equal(make(&f->sp, "aaa"), 0);
	assert_int_equal(make(&f->sp, "bbb"), 0);
	assert_int_equal(make(&f->sp, "ccc"), 0);
	assert_int_equal(pending(&f->sp, &names), 3);
	spool_names_free(names);
	id_at(&f->sp, 0, id, sizeof(id));
	assert_string_equal(id, "aaa");
	id_at(&f->sp, 2, id, sizeof(id));
	assert_string_equal(id, "ccc");

	deliver_first(&f->sp);
	id_at(&f->sp, 0, id, sizeof(id));
	assert_string_equal(id, "bbb");

	assert_int_equal(pending(&f->sp, &names), 2);
	assert_int_equal(spool_reject(&f->sp, names[0], 400, "bad", 3), 0);
	char p[512], body[64] = "";
	snprintf(p, sizeof(p), "%s/rejected/%s.response", f->dir, names[0]);
	FILE *r = fopen(p, "r");
	assert_non_null(r);
	assert_true(fread(body, 1, sizeof(body) - 1, r) > 0);
	fclose(r);
	assert_string_equal(body, "HTTP 400\nbad");
	snprintf(p, sizeof(p), "%s/rejected/%s", f->dir, names[0]);
	assert_int_equal(access(p, F_OK), 0);
	spool_names_free(names);
	assert_int_equal(pending(&f->sp, &names), 1);
	spool_names_free(names);
}

static void test_bound_and_drop_count(void **state)
{
	struct fixture *f = *state;
	char id[64], (*names)[SPOOL_NAME_MAX];
	assert_int_equal(spool_open(&f->sp, f->dir, 2), 0);
	assert_int_equal(make(&f->sp, "r1"), 0);
	assert_int_equal(make(&f->sp, "r2"), 0);
	/* full: r1 is dropped to make room, and r3 (made after) says so */
	assert_int_equal(make(&f->sp, "r3"), 1);
	assert_int_equal(pending(&f->sp, &names), 2);
	spool_names_free(names);
	id_at(&f->sp, 0, id, sizeof(id));
	assert_string_equal(id, "r2");
	/* nothing delivered yet: the next report still carries the drop, plus r2's */
	assert_int_equal(make(&f->sp, "r4"), 2);
	assert_int_equal(spool_peek_dropped(&f->sp), 2);
	/* r3 (carrying 1) is now dropped before delivery: nothing is lost */
	assert_int_equal(make(&f->sp, "r5"), 3);
	id_at(&f->sp, 0, id, sizeof(id));
	assert_string_equal(id, "r4");

	/* r4 delivered: it told the server about 2 of the 3 drops */
	deliver_first(&f->sp);
	assert_int_equal(spool_peek_dropped(&f->sp), 1);
	/* r5 delivered: it told all 3 */
	deliver_first(&f->sp);
	assert_int_equal(spool_peek_dropped(&f->sp), 0);
	assert_int_equal(make(&f->sp, "r6"), 0);

	/* the count lives in the directory: another process sees it */
	struct spool again;
	assert_int_equal(spool_open(&again, f->dir, 2), 0);
	assert_int_equal(make(&again, "r7"), 0);
	assert_int_equal(make(&again, "r8"), 1);
	assert_int_equal(spool_peek_dropped(&f->sp), 1);
}

/* A crash after the drop was counted but before the file was deleted: the
 * report is never sent and not counted twice. */
static void test_crash_between_count_and_delete(void **state)
{
	struct fixture *f = *state;
	char (*names)[SPOOL_NAME_MAX], keep[SPOOL_NAME_MAX], src[512], dst[512];
	assert_int_equal(spool_open(&f->sp, f->dir, 1), 0);
	make(&f->sp, "old");
	assert_int_equal(pending(&f->sp, &names), 1);
	snprintf(keep, sizeof(keep), "%s", names[0]);
	spool_names_free(names);
	/* keep a copy of "old" to put back after it is dropped */
	snprintf(src, sizeof(src), "%s/%s", f->dir, keep);
	snprintf(dst, sizeof(dst), "%s/copy", f->dir);
	assert_int_equal(link(src, dst), 0);
	assert_int_equal(make(&f->sp, "new"), 1);
	assert_int_equal(rename(dst, src), 0); /* as if the unlink never happened */
	assert_int_equal(pending(&f->sp, &names), 1);
	assert_int_not_equal(strcmp(names[0], keep), 0);
	spool_names_free(names);
	assert_int_equal(spool_peek_dropped(&f->sp), 1);
	assert_int_equal(make(&f->sp, "newer"), 2); /* "new" dropped: 2, not 3 */
	assert_int_equal(access(src, F_OK), -1);
}

/* A counter written before drop marks existed: drops no report carried. */
static void test_old_counter_file(void **state)
{
	struct fixture *f = *state;
	char p[512];
	assert_int_equal(spool_open(&f->sp, f->dir, 5), 0);
	snprintf(p, sizeof(p), "%s/dropped", f->dir);
	FILE *c = fopen(p, "w");
	fputs("4\n", c);
	fclose(c);
	assert_int_equal(spool_peek_dropped(&f->sp), 4);
	assert_int_equal(make(&f->sp, "x"), 4);
	deliver_first(&f->sp);
	assert_int_equal(spool_peek_dropped(&f->sp), 0);
}

/* Temp files: a dead writer's are cleared at open, a live one's kept. */
static void test_temp_files(void **state)
{
	struct fixture *f = *state;
	char dead[512], live[512];
	snprintf(dead, sizeof(dead), "%s/1-x.json.tmp.999999999", f->dir);
	snprintf(live, sizeof(live), "%s/1-y.json.tmp.%ld", f->dir, (long)getpid());
	mkdir(f->dir, 0700);
	fclose(fopen(dead, "w"));
	fclose(fopen(live, "w"));
	assert_int_equal(spool_open(&f->sp, f->dir, 5), 0);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	char (*names)[SPOOL_NAME_MAX];
	assert_int_equal(pending(&f->sp, &names), 0);
	spool_names_free(names);
}

static void test_too_long_dir(void **state)
{
	(void)state;
	struct spool sp;
	char dir[SPOOL_DIR_MAX + 8];
	memset(dir, 'a', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	assert_int_equal(spool_open(&sp, dir, 5), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_read_deliver_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_and_drop_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_between_count_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_counter_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temp_files, setup, teardown),
		cmocka_unit_test(test_too_long_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
