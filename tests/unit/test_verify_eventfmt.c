// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_eventfmt.c - unit tests for tools/verify/eventfmt.c: the
 * one-line summary of a closed CIRA tunnel says who ended it in words, so
 * a device closing its call for help does not read like a failure.
 * Must not: touch the store or the network (output goes to a memory file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "eventfmt.h"

/* The text summary of a cira_close event with this detail (JSON). */
static char *close_line(const char *detail_json)
{
	struct store_event ev = {.id = 1, .time = "2026-11-22T10:00:00.000Z",
				 .type = "cira_close",
				 .uuid = "11111111-2222-3333-4444-555555555555",
				 .source = "127.0.0.1:40000"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ev.detail = json_loads(detail_json, 0, NULL);
	assert_non_null(ev.detail);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(event_print(f, &ev, false), 0);
	fclose(f);
	json_decref(ev.detail);
	return buf;
}

static void assert_close_line(const char *detail_json, const char *words)
{
	char *line = close_line(detail_json);

	if (!strstr(line, words))
		fail_msg("'%s' not in: %s", words, line);
	assert_null(strstr(line, "reason "));
	free(line);
}

static void test_close_by_device(void **state)
{
	assert_close_line("{\"reason\":\"disconnect\",\"disconnect_reason\":11,\"duration_ms\":2500}",
			  " closed by the device (DISCONNECT 11, by application) after 2.500 s\n");
	assert_close_line("{\"reason\":\"disconnect\",\"disconnect_reason\":2,\"duration_ms\":0}",
			  "closed by the device (DISCONNECT 2) after 0.000 s");
	assert_close_line("{\"reason\":\"device_closed\",\"duration_ms\":1}",
			  "closed by the device (connection ended)");
	(void)state;
}

static void test_close_by_listener(void **state)
{
	assert_close_line("{\"reason\":\"timeout\",\"duration_ms\":1000}",
			  "ended by the listener: time limit");
	assert_close_line("{\"reason\":\"shutdown\",\"duration_ms\":1000}",
			  "ended by the listener: stopping");
	assert_close_line("{\"reason\":\"error\",\"duration_ms\":1000}",
			  "ended by an error (see the listener's log)");
	assert_close_line("{\"reason\":\"error\",\"error\":\"no answer to CHANNEL_OPEN for port "
			  "16992 within 20 s\",\"duration_ms\":1000}",
			  "ended by an error: no answer to CHANNEL_OPEN for port 16992 within 20 s after");
	assert_close_line("{\"reason\":\"newer\",\"duration_ms\":1000}", "ended: newer");
	assert_close_line("{\"duration_ms\":1000}", "ended: ?");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_by_device),
		cmocka_unit_test(test_close_by_listener),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
