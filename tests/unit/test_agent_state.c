// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_state.c - state paths: the names under state_dir, the spool
 * default, and a path that does not fit refused rather than cut.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "state.h"

static void test_names(void **state)
{
	(void)state;
	struct agent_config c;
	char p[STATE_PATH_MAX];
	config_init(&c);
	assert_int_equal(state_path(&c, STATE_HOSTID_COPY, p, sizeof(p)), 0);
	assert_string_equal(p, AGENT_DEFAULT_STATE_DIR "/hostid");
	assert_int_equal(state_path(&c, STATE_LAST_STATE, p, sizeof(p)), 0);
	assert_string_equal(p, AGENT_DEFAULT_STATE_DIR "/last_state");
	assert_int_equal(state_spool_dir(&c, p, sizeof(p)), 0);
	assert_string_equal(p, AGENT_DEFAULT_STATE_DIR "/spool");
	c.report_spool_dir = strdup("/srv/spool");
	assert_int_equal(state_spool_dir(&c, p, sizeof(p)), 0);
	assert_string_equal(p, "/srv/spool");
	config_free(&c);
}

static void test_too_long_is_refused(void **state)
{
	(void)state;
	char small[16];
	assert_int_equal(path_join(small, sizeof(small), "/var/lib/x", "hostid"), -ENAMETOOLONG);
	assert_string_equal(small, ""); /* never a truncated path */
	assert_int_equal(path_join(small, sizeof(small), "/var/lib", "hostid"), 0);
	assert_string_equal(small, "/var/lib/hostid");
	assert_int_equal(path_join(small, sizeof(small), "/var/lib", "hostidx"), -ENAMETOOLONG);

	struct agent_config c;
	char p[STATE_PATH_MAX], longdir[STATE_PATH_MAX];
	config_init(&c);
	memset(longdir, 'a', sizeof(longdir) - 8);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 8] = '\0';
	free(c.state_dir);
	c.state_dir = strdup(longdir);
	assert_int_equal(state_path(&c, STATE_LAST_STATE, p, sizeof(p)), -ENAMETOOLONG);
	assert_int_equal(state_spool_dir(&c, p, sizeof(p)), 0); /* "/spool" still fits */
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_too_long_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
