// SPDX-License-Identifier: Apache-2.0
/*
 * test_atomic_file.c - crash-safe whole-file writes: new and replaced
 * files, the mode, no temp file left behind, an abandoned write leaves the
 * old content, and failures return the real errno (ENOSPC on a full disk
 * is checked by tests/integration/test_spool.sh on a 64 KiB tmpfs).
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

#include "atomic_file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/atomic-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char p[sizeof(dir) + 260];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static void slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

static int entries(void)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_write_and_replace(void **state)
{
	(void)state;
	char p[128], got[64];
	struct stat st;
	snprintf(p, sizeof(p), "%s/file", dir);
	assert_int_equal(atomic_file_write_buf(p, "first\n", 6, 0600), 0);
	slurp(p, got, sizeof(got));
	assert_string_equal(got, "first\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(atomic_file_write_buf(p, "second", 6, 0600), 0);
	slurp(p, got, sizeof(got));
	assert_string_equal(got, "second");
	assert_int_equal(atomic_file_write_buf(p, "", 0, 0600), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(entries(), 1); /* no temp file stays */
}

static int give_up(FILE *f, void *arg)
{
	(void)arg;
	fputs("half", f);
	return -1;
}

static void test_abandoned_write_keeps_old(void **state)
{
	(void)state;
	char p[128], got[64];
	snprintf(p, sizeof(p), "%s/keep", dir);
	assert_int_equal(atomic_file_write_buf(p, "old", 3, 0644), 0);
	assert_true(atomic_file_write(p, 0644, give_up, NULL) < 0);
	slurp(p, got, sizeof(got));
	assert_string_equal(got, "old");
	assert_int_equal(entries(), 1);
}

static void test_errors(void **state)
{
	(void)state;
	char p[128], longp[5000];
	snprintf(p, sizeof(p), "%s/no-such-dir/file", dir);
	assert_int_equal(atomic_file_write_buf(p, "x", 1, 0600), -ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(atomic_file_write_buf(longp, "x", 1, 0600), -ENAMETOOLONG);
	assert_int_equal(atomic_file_sync_dir(p), -ENOENT);
	snprintf(p, sizeof(p), "%s/x", dir);
	assert_int_equal(atomic_file_sync_dir(p), 0);
	assert_int_equal(entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_write_keeps_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
