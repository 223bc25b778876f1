// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_config.c - the agent's keyword table: defaults, every type,
 * errors naming file:line, and command-line values through the same setter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "amthi_codec.h"
#include "config.h"
#include "log.h"

static void test_defaults(void **state)
{
	(void)state;
	struct agent_config c;
	config_init(&c);
	assert_null(c.device);
	assert_string_equal(c.state_dir, AGENT_DEFAULT_STATE_DIR);
	assert_int_equal(c.timeout_ms, 5000);
	assert_int_equal(c.not_ready_retries, 3);
	assert_int_equal(c.log_level, LOG_LVL_WARN);
	assert_int_equal(c.trigger_numbering, AMT_TRIGGERS_LMS);
	config_free(&c);
}

static void test_all_keys(void **state)
{
	(void)state;
	struct agent_config c;
	char err[256];
	config_init(&c);
	assert_int_equal(config_load_string(&c,
					    "[agent]\n"
					    "device = /dev/mei2\n"
					    "state_dir = /tmp/x\n"
					    "log_level = debug\n"
					    "timeout_ms = 100\n"
					    "not_ready_retries = 0\n"
					    "not_ready_wait_ms = 10000\n"
					    "busy_retries = 20\n"
					    "cira_trigger_numbering = rpcgo\n",
					    err, sizeof(err)),
			 0);
	assert_string_equal(c.device, "/dev/mei2");
	assert_string_equal(c.state_dir, "/tmp/x");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(c.timeout_ms, 100);
	assert_int_equal(c.not_ready_retries, 0);
	assert_int_equal(c.not_ready_wait_ms, 10000);
	assert_int_equal(c.busy_retries, 20);
	assert_int_equal(c.trigger_numbering, AMT_TRIGGERS_RPCGO);
	/* empty device means "probe" again */
	assert_int_equal(config_set(&c, "agent", "device", "", err, sizeof(err)), 0);
	assert_null(c.device);
	config_free(&c);
}

struct bad {
	const char *text;
	const char *expect; /* substring of the error */
};

static void test_errors_name_line(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{"[agent]\nbogus = 1\n", "<string>:2: [agent] bogus: unknown key"},
		{"[nosuch]\ndevice = /dev/mei0\n", "<string>:2: [nosuch] device: unknown key"},
		{"[agent]\n\ntimeout_ms = 99\n", "<string>:3: [agent] timeout_ms: expected a whole number from 100 to 60000"},
		{"[agent]\ntimeout_ms = 60001\n", "expected a whole number"},
		{"[agent]\ntimeout_ms = -5\n", "expected a whole number"},
		{"[agent]\ntimeout_ms = 12abc\n", "expected a whole number"},
		{"[agent]\ntimeout_ms = 99999999999999999999\n", "expected a whole number"},
		{"[agent]\ntimeout_ms =\n", "expected a whole number"},
		{"[agent]\ndevice = relative\n", "expected an absolute path"},
		{"[agent]\nlog_level = loud\n", "expected error, warn"},
		{"[agent]\ncira_trigger_numbering = x\n", "expected lms or rpcgo"},
		{"[agent\ndevice = /dev/mei0\n", "<string>:1:"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct agent_config c;
		char err[256] = "";
		config_init(&c);
		assert_int_equal(config_load_string(&c, cases[i].text, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].expect))
			fail_msg("case %zu: error '%s' lacks '%s'", i, err, cases[i].expect);
		config_free(&c);
	}
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/amt-config-XXXXXX", err[512];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[agent]\nbusy_retries = 0\n", 25), 25);
	close(fd);
	struct agent_config c;
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":2: [agent] busy_retries"));
	config_free(&c);
	unlink(path);

	config_init(&c);
	assert_int_equal(config_load_file(&c, "/nonexistent/agent.conf", false, err, sizeof(err)), 0);
	assert_int_equal(config_load_file(&c, "/nonexistent/agent.conf", true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read /nonexistent/agent.conf"));
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors_name_line),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
