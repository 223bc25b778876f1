// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_exitcode.c - the one place exit codes come from: libheci
 * errors and firmware statuses, the network module's failure classes, and
 * the one-line messages (what failed, why, what to do).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exitcode.h"

static void test_heci_errors(void **state)
{
	(void)state;
	assert_int_equal(agent_exit_code(HECI_OK, AMT_STATUS_SUCCESS), EXIT_AMT_OK);
	assert_int_equal(agent_exit_code(HECI_E_NO_DEVICE, AMT_STATUS_SUCCESS), EXIT_AMT_NO_DEVICE);
	assert_int_equal(agent_exit_code(HECI_E_ACCESS, AMT_STATUS_SUCCESS), EXIT_AMT_PERM);
	assert_int_equal(agent_exit_code(HECI_E_CLIENT_NOT_FOUND, AMT_STATUS_SUCCESS), EXIT_AMT_ABSENT);
	assert_int_equal(agent_exit_code(HECI_E_EMPTY, AMT_STATUS_SUCCESS), EXIT_AMT_ABSENT);
	assert_int_equal(agent_exit_code(HECI_E_BUSY, AMT_STATUS_SUCCESS), EXIT_AMT_BUSY);
	assert_int_equal(agent_exit_code(HECI_E_TIMEOUT, AMT_STATUS_SUCCESS), EXIT_AMT_TIMEOUT);
	assert_int_equal(agent_exit_code(HECI_E_DISCONNECTED, AMT_STATUS_SUCCESS), EXIT_AMT_TIMEOUT);
	assert_int_equal(agent_exit_code(HECI_E_FW_STATUS, AMT_STATUS_NOT_READY), EXIT_AMT_TIMEOUT);
	assert_int_equal(agent_exit_code(HECI_E_FW_STATUS, AMT_STATUS_NOT_PERMITTED), EXIT_AMT_REFUSED);
	assert_int_equal(agent_exit_code(HECI_E_INVALID_ARG, AMT_STATUS_SUCCESS), EXIT_AMT_USAGE);
}

static void test_net_classes(void **state)
{
	(void)state;
	assert_int_equal(agent_exit_for_net(NET_ERR_NONE), EXIT_AMT_OK);
	assert_int_equal(agent_exit_for_net(NET_ERR_REFUSED), EXIT_AMT_REFUSED);
	assert_int_equal(agent_exit_for_net(NET_ERR_PROTOCOL), EXIT_AMT_PROTOCOL);
	assert_int_equal(agent_exit_for_net(NET_ERR_INVALID), EXIT_AMT_USAGE);
	assert_int_equal(agent_exit_for_net(NET_ERR_AUTH), EXIT_AMT_PERM);
	assert_int_equal(agent_exit_for_net(NET_ERR_TIMEOUT), EXIT_AMT_TIMEOUT);
	assert_int_equal(agent_exit_for_net(NET_ERR_NETWORK), EXIT_AMT_NETWORK);
	assert_int_equal(agent_exit_for_net(NET_ERR_LOCAL), EXIT_AMT_TIMEOUT);
}

/* The message for err as a user sees it; returns the exit code. */
static int message(int err, amt_status_t st, const char *device, char *out, size_t cap)
{
	FILE *f = fmemopen(out, cap, "w");
	assert_non_null(f);
	int code = agent_report_error(f, "amt-agent", "read the AMT state", err, st, device, "GetUUID");
	fclose(f);
	return code;
}

static void test_messages(void **state)
{
	(void)state;
	char m[1024];
	const int errs[] = {HECI_E_NO_DEVICE, HECI_E_ACCESS, HECI_E_CLIENT_NOT_FOUND, HECI_E_BUSY,
			    HECI_E_TIMEOUT, HECI_E_FW_STATUS};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		memset(m, 0, sizeof(m));
		message(errs[i], AMT_STATUS_NOT_PERMITTED, "/dev/mei0", m, sizeof(m));
		assert_true(strncmp(m, "amt-agent: cannot read the AMT state: ", 38) == 0);
		assert_non_null(strstr(m, " — ")); /* says what to do */
		assert_int_equal(strchr(m, '\n') - m, (long)strlen(m) - 1); /* one line */
	}
	assert_int_equal(message(HECI_E_NO_DEVICE, AMT_STATUS_SUCCESS, NULL, m, sizeof(m)),
			 EXIT_AMT_NO_DEVICE);
	assert_non_null(strstr(m, "/dev/mei0../dev/mei3 and /dev/mei"));
	assert_int_equal(message(HECI_E_FW_STATUS, AMT_STATUS_NOT_READY, "/dev/mei0", m, sizeof(m)),
			 EXIT_AMT_TIMEOUT);
	assert_non_null(strstr(m, "NOT_READY to GetUUID"));
	assert_int_equal(message(HECI_E_FW_STATUS, AMT_STATUS_NOT_PERMITTED, "/dev/mei0", m, sizeof(m)),
			 EXIT_AMT_REFUSED);
	assert_non_null(strstr(m, "AMT refused GetUUID: NOT_PERMITTED"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heci_errors),
		cmocka_unit_test(test_net_classes),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
