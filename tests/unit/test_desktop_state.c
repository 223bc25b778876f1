// SPDX-License-Identifier: Apache-2.0
/*
 * test_desktop_state.c - amt-help's state logic without a display: the
 * info and call-for-help JSON the agent prints turned into facts and
 * sentences, and the state machine the window follows (Ready, Requesting,
 * Connected / Alerted, ended, failures by exit code, Cancel races).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "help_model.h"
#include "help_text.h"

/* What `amt-agent info --json` prints on a provisioned machine (trimmed
 * to what matters plus some of the rest, as the agent orders it). */
#define INFO_FMT                                                                               \
	"{\"schema\": 1, \"device\": \"/dev/mei0\", \"uuid\": \"03000200-0400-0500-0006-000700080009\"," \
	" \"provisioning_state\": \"%s\", \"provisioned\": %s, \"control_mode\": \"acm\","        \
	" \"cira\": {\"status\": \"%s\", \"network\": \"%s\", \"trigger\": \"user_initiated\","     \
	" \"mps\": %s%s}, \"cert_hashes\": [], \"versions\": []}\n"

static char info_buf[1024];

static const char *info_json(bool provisioned, const char *status, const char *network,
			     const char *mps, const char *user_initiated)
{
	char ui[128] = "";
	if (user_initiated)
		snprintf(ui, sizeof(ui), ", \"user_initiated\": %s", user_initiated);
	snprintf(info_buf, sizeof(info_buf), INFO_FMT, provisioned ? "post" : "pre",
		 provisioned ? "true" : "false", status, network, mps, ui);
	return info_buf;
}

#define READY_INFO                                                                             \
	info_json(true, "not_connected", "outside_enterprise", "\"mps.example.org\"",           \
		  "{\"os\": true, \"bios\": true}")

static void info_ready(void **st)
{
	struct help_info in;
	assert_int_equal(help_info_parse(READY_INFO, &in), 0);
	assert_true(in.provisioned);
	assert_int_equal(in.cira, HELP_CIRA_NOT_CONNECTED);
	assert_int_equal(in.os_requests, 1);
	assert_string_equal(in.help_desk, "mps.example.org");
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NONE);
}

static void info_why_not(void **st)
{
	struct help_info in;
	/* Not provisioned wins over everything else. */
	assert_int_equal(help_info_parse(info_json(false, "not_connected", "outside_enterprise",
						   "null", "{\"os\": false, \"bios\": true}"),
					 &in),
			 0);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NOT_PROVISIONED);
	/* The OS interface disabled by policy. */
	assert_int_equal(help_info_parse(info_json(true, "not_connected", "outside_enterprise",
						   "\"mps.example.org\"",
						   "{\"os\": false, \"bios\": true}"),
					 &in),
			 0);
	assert_int_equal(in.os_requests, 0);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_POLICY);
	/* No MPS outside the enterprise: nobody to call. */
	assert_int_equal(help_info_parse(info_json(true, "not_connected", "outside_enterprise",
						   "null", "{\"os\": true, \"bios\": true}"),
					 &in),
			 0);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NO_HELP_DESK);
	/* Inside the enterprise the call may be an alert: the agent decides. */
	assert_int_equal(help_info_parse(info_json(true, "not_connected", "inside_enterprise",
						   "null", "{\"os\": true, \"bios\": true}"),
					 &in),
			 0);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NONE);
	/* An agent without the key (or firmware that did not answer): unknown,
	 * not a refusal. */
	assert_int_equal(help_info_parse(info_json(true, "not_connected", "outside_enterprise",
						   "\"m\"", NULL),
					 &in),
			 0);
	assert_int_equal(in.os_requests, -1);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NONE);
	assert_int_equal(help_info_parse(info_json(true, "not_connected", "outside_enterprise",
						   "\"m\"", "null"),
					 &in),
			 0);
	assert_int_equal(help_info_block(&in), HELP_BLOCK_NONE);
}

static void info_refused(void **st)
{
	struct help_info in;
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"schema\": 2, \"provisioned\": true, \"cira\": {\"status\": \"connected\"}}",
		"{\"provisioned\": true, \"cira\": {\"status\": \"connected\"}}",
		"{\"schema\": 1, \"provisioned\": \"yes\", \"cira\": {\"status\": \"connected\"}}",
		"{\"schema\": 1, \"provisioned\": true}",
		"{\"schema\": 1, \"provisioned\": true, \"cira\": {\"status\": 2}}",
		"{\"schema\": 1, \"provisioned\": true, \"cira\": {\"status\": \"x\", \"mps\": 7}}",
		"{\"schema\": 1, \"provisioned\": true, \"cira\": {\"status\": \"x\", "
		"\"user_initiated\": {\"os\": 1}}}",
		"{\"schema\": 1, \"provisioned\": true, \"cira\": {\"status\": \"x\", "
		"\"user_initiated\": true}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(help_info_parse(bad[i], &in), -1);
	assert_int_equal(help_info_parse(NULL, &in), -1);
	/* A help desk name longer than the window keeps is refused, not cut. */
	char big[600];
	memset(big, 'a', sizeof(big));
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(help_info_parse(info_json(true, "connected", "outside_enterprise", big, NULL),
					 &in),
			 -1);
}

static void cfh_outcomes(void **st)
{
	char desk[64];
	/* Today's call-for-help --wait --json when connected. */
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":\"connected\","
					"\"cira\":{\"status\":\"connected\",\"mps\":\"mps.example.org\"}}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_TUNNEL);
	assert_string_equal(desk, "mps.example.org");
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":"
					"\"already_connected\",\"cira\":{\"status\":\"connected\"}}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_TUNNEL);
	/* The alerts design: an extra "path" key. */
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":\"alerted\","
					"\"path\":\"alert\",\"cira\":{\"status\":\"not_connected\"}}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_ALERTED);
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":\"connected\","
					"\"path\":\"tunnel\",\"cira\":{\"status\":\"connected\"}}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_TUNNEL);
	/* A path this version does not know is not guessed at. */
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":\"connected\","
					"\"path\":\"carrier-pigeon\"}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_INVALID);
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"open\",\"result\":\"requested\","
					"\"cira\":{\"status\":\"not_connected\"}}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_PENDING);
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"action\":\"close\",\"result\":\"closed\"}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_CLOSED);
	assert_int_equal(help_cfh_parse("", desk, sizeof(desk)), HELP_OUTCOME_INVALID);
	assert_int_equal(help_cfh_parse("{\"schema\":1,\"result\":\"connected\"}", desk,
					sizeof(desk)),
			 HELP_OUTCOME_INVALID);
	assert_int_equal(help_cfh_parse("{\"schema\":3,\"action\":\"open\",\"result\":\"connected\"}",
					desk, sizeof(desk)),
			 HELP_OUTCOME_INVALID);
}

/* Every documented exit code has its own sentence and something to do,
 * for each operation; unknown codes still say something. */
static void exit_sentences(void **st)
{
	for (int op = HELP_OP_INFO; op <= HELP_OP_CLOSE; op++) {
		const char *seen[12] = {0};
		for (int code = 1; code <= 10; code++) {
			struct help_sentence s = help_exit_sentence((enum help_op)op, code);
			assert_non_null(s.what);
			assert_non_null(s.todo);
			assert_true(strlen(s.what) > 10);
			assert_true(strlen(s.todo) > 10);
			for (int j = 1; j < code; j++)
				assert_string_not_equal(seen[j], s.what);
			seen[code] = s.what;
		}
		struct help_sentence other = help_exit_sentence((enum help_op)op, 77);
		assert_true(strlen(other.what) > 10);
	}
	assert_string_equal(help_exit_sentence(HELP_OP_REQUEST, 7).what,
			    "Your help desk could not be reached in time.");
	assert_true(strstr(help_no_service_sentence().todo, "systemctl start amt-agent") != NULL);
	for (int b = HELP_BLOCK_NO_ME; b <= HELP_BLOCK_NO_HELP_DESK; b++)
		assert_true(strlen(help_block_sentence((enum help_block)b).what) > 10);
}

static void formats(void **st)
{
	char buf[64];
	help_format_elapsed(buf, sizeof(buf), 7);
	assert_string_equal(buf, "0:07");
	help_format_elapsed(buf, sizeof(buf), 750);
	assert_string_equal(buf, "12:30");
	help_format_elapsed(buf, sizeof(buf), 3723);
	assert_string_equal(buf, "1:02:03");
	help_format_elapsed(buf, sizeof(buf), -5);
	assert_string_equal(buf, "0:00");
	setenv("TZ", "UTC", 1);
	tzset();
	help_format_since(buf, sizeof(buf), 50400 + 180, 50400 + 200); /* 14:03 */
	assert_string_equal(buf, "Since 14:03 (less than a minute)");
	help_format_since(buf, sizeof(buf), 50400 + 180, 50400 + 180 + 60);
	assert_string_equal(buf, "Since 14:03 (1 minute)");
	help_format_since(buf, sizeof(buf), 50400 + 180, 50400 + 180 + 300);
	assert_string_equal(buf, "Since 14:03 (5 minutes)");
}

/* ---- the state machine ---- */

static struct help_answer ok(int code, const char *out, const char *err)
{
	struct help_answer a = {HELP_T_OK, code, out, err};
	return a;
}

static struct help_answer transport(enum help_transport t)
{
	struct help_answer a = {t, -1, "", ""};
	return a;
}

#define CONNECTED_JSON                                                                         \
	"{\"schema\":1,\"action\":\"open\",\"result\":\"connected\",\"cira\":{\"status\":"     \
	"\"connected\",\"network\":\"outside_enterprise\",\"trigger\":\"user_initiated\","    \
	"\"mps\":\"mps.example.org\"}}\n"
#define CLOSED_JSON "{\"schema\":1,\"action\":\"close\",\"result\":\"closed\",\"cira\":{}}\n"

static void model_request_connect_end(void **st)
{
	struct help_model m;
	struct help_answer a;
	assert_int_equal(help_model_start(&m, false, 100), HELP_DO_INFO);
	assert_int_equal(m.state, HELP_ST_CHECKING);
	assert_false(help_model_can_request(&m));
	a = ok(0, READY_INFO, "");
	assert_int_equal(help_model_answer(&m, HELP_DO_INFO, &a, 101), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_READY);
	assert_true(help_model_can_request(&m));
	assert_string_equal(m.help_desk, "mps.example.org");

	assert_int_equal(help_model_request(&m, 110), HELP_DO_REQUEST);
	assert_int_equal(m.state, HELP_ST_REQUESTING);
	assert_int_equal(m.started, 110);
	assert_true(help_model_can_cancel(&m));
	assert_int_equal(help_model_request(&m, 111), HELP_DO_NOTHING); /* one at a time */
	assert_int_equal(help_model_tick(&m, 115), HELP_DO_NOTHING);

	a = ok(0, CONNECTED_JSON, "");
	assert_int_equal(help_model_answer(&m, HELP_DO_REQUEST, &a, 130), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_CONNECTED);
	assert_int_equal(m.since, 130);
	assert_true(help_model_can_end(&m));

	/* Re-read every HELP_RECHECK_S while connected; still connected. */
	assert_int_equal(help_model_tick(&m, 131), HELP_DO_NOTHING);
	assert_int_equal(help_model_tick(&m, 130 + HELP_RECHECK_S), HELP_DO_INFO);
	assert_int_equal(help_model_tick(&m, 140), HELP_DO_NOTHING); /* one outstanding */
	a = ok(0, info_json(true, "connected", "outside_enterprise", "\"mps.example.org\"", NULL), "");
	assert_int_equal(help_model_answer(&m, HELP_DO_INFO, &a, 140), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_CONNECTED);
	assert_int_equal(m.since, 130); /* since the connection, not the re-read */

	assert_int_equal(help_model_end(&m), HELP_DO_CLOSE);
	assert_int_equal(m.state, HELP_ST_ENDING);
	a = ok(0, CLOSED_JSON, "");
	assert_int_equal(help_model_answer(&m, HELP_DO_CLOSE, &a, 150), HELP_DO_INFO);
	assert_int_equal(m.notice, HELP_NOTE_ENDED);
	a = ok(0, READY_INFO, "");
	assert_int_equal(help_model_answer(&m, HELP_DO_INFO, &a, 151), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_READY);
	assert_int_equal(m.notice, HELP_NOTE_ENDED);
}

static void model_ended_by_help_desk(void **st)
{
	struct help_model m;
	struct help_answer a;
	help_model_start(&m, true, 100); /* --request: straight into Requesting */
	assert_int_equal(m.state, HELP_ST_REQUESTING);
	assert_int_equal(m.pending, HELP_DO_REQUEST);
	a = ok(0, CONNECTED_JSON, "");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 105);
	assert_int_equal(help_model_tick(&m, 110), HELP_DO_INFO);
	a = ok(0, READY_INFO, ""); /* the tunnel is gone */
	help_model_answer(&m, HELP_DO_INFO, &a, 110);
	assert_int_equal(m.state, HELP_ST_READY);
	assert_int_equal(m.notice, HELP_NOTE_ENDED_BY_DESK);
	assert_int_equal(help_model_tick(&m, 200), HELP_DO_NOTHING); /* no more re-reads */
}

static void model_alerted(void **st)
{
	struct help_model m;
	struct help_answer a;
	help_model_start(&m, true, 100);
	a = ok(0, "{\"schema\":1,\"action\":\"open\",\"result\":\"alerted\",\"path\":\"alert\"}", "");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 101);
	assert_int_equal(m.state, HELP_ST_ALERTED);
	assert_true(help_model_can_end(&m));
	assert_int_equal(help_model_tick(&m, 200), HELP_DO_NOTHING); /* no tunnel to watch */
	assert_int_equal(help_model_end(&m), HELP_DO_CLOSE);
	a = ok(9, "{\"schema\":1,\"action\":\"close\",\"result\":\"not_connected\"}", "");
	assert_int_equal(help_model_answer(&m, HELP_DO_CLOSE, &a, 202), HELP_DO_INFO);
	assert_int_equal(m.notice, HELP_NOTE_ENDED);
}

static void model_cancel(void **st)
{
	struct help_model m;
	struct help_answer a;
	help_model_start(&m, true, 100);
	assert_int_equal(help_model_cancel(&m), HELP_DO_CLOSE);
	assert_int_equal(m.state, HELP_ST_CANCELLING);
	/* The dropped request's late answer moves nothing. */
	a = ok(0, CONNECTED_JSON, "");
	assert_int_equal(help_model_answer(&m, HELP_DO_REQUEST, &a, 101), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_CANCELLING);
	a = transport(HELP_T_CANCELLED);
	assert_int_equal(help_model_answer(&m, HELP_DO_REQUEST, &a, 101), HELP_DO_NOTHING);
	/* Nothing was open yet (exit 9): read again. */
	a = ok(9, "{\"schema\":1,\"action\":\"close\",\"result\":\"not_connected\"}", "");
	assert_int_equal(help_model_answer(&m, HELP_DO_CLOSE, &a, 102), HELP_DO_INFO);
	/* The open went through after all: closed again, boundedly. */
	const char *connecting = info_json(true, "connecting", "outside_enterprise", "\"m\"", NULL);
	for (int i = 0; i < HELP_CANCEL_RECHECKS; i++) {
		a = ok(0, connecting, "");
		assert_int_equal(help_model_answer(&m, HELP_DO_INFO, &a, 103), HELP_DO_CLOSE);
		assert_int_equal(m.state, HELP_ST_CANCELLING);
		a = ok(0, CLOSED_JSON, "");
		assert_int_equal(help_model_answer(&m, HELP_DO_CLOSE, &a, 104), HELP_DO_INFO);
	}
	/* Still connected after that: shown as connected, so it can be ended. */
	a = ok(0, info_json(true, "connected", "outside_enterprise", "\"m\"", NULL), "");
	assert_int_equal(help_model_answer(&m, HELP_DO_INFO, &a, 105), HELP_DO_NOTHING);
	assert_int_equal(m.state, HELP_ST_CONNECTED);

	/* The usual case: the close lands, Ready says it was cancelled. */
	help_model_start(&m, true, 100);
	help_model_cancel(&m);
	a = ok(0, CLOSED_JSON, "");
	help_model_answer(&m, HELP_DO_CLOSE, &a, 102);
	a = ok(0, READY_INFO, "");
	help_model_answer(&m, HELP_DO_INFO, &a, 103);
	assert_int_equal(m.state, HELP_ST_READY);
	assert_int_equal(m.notice, HELP_NOTE_CANCELLED);
}

static void model_failures(void **st)
{
	struct help_model m;
	struct help_answer a;

	/* Service not running. */
	help_model_start(&m, false, 100);
	a = transport(HELP_T_NO_SERVICE);
	help_model_answer(&m, HELP_DO_INFO, &a, 100);
	assert_int_equal(m.state, HELP_ST_NO_SERVICE);
	assert_string_equal(m.failure.what, "The amt-agent service is not running.");
	assert_true(help_model_can_retry(&m));
	assert_int_equal(help_model_retry(&m), HELP_DO_INFO);

	/* info exit 3 and 5: this computer cannot, not "something failed". */
	a = ok(5, "", "amt-agent: AMT is not available on this machine\n");
	help_model_answer(&m, HELP_DO_INFO, &a, 101);
	assert_int_equal(m.state, HELP_ST_UNAVAILABLE);
	assert_int_equal(m.block, HELP_BLOCK_AMT_ABSENT);

	/* Unprovisioned: Unavailable with the reason. */
	help_model_start(&m, false, 100);
	a = ok(0, info_json(false, "not_connected", "outside_enterprise", "null", NULL), "");
	help_model_answer(&m, HELP_DO_INFO, &a, 101);
	assert_int_equal(m.state, HELP_ST_UNAVAILABLE);
	assert_int_equal(m.block, HELP_BLOCK_NOT_PROVISIONED);
	assert_false(help_model_can_request(&m));
	assert_int_equal(help_model_request(&m, 102), HELP_DO_NOTHING);

	/* A refused request: exit 1, the agent's own line kept as the detail. */
	help_model_start(&m, true, 100);
	a = ok(1, "",
	       "amt-agent: cannot call for help: NOT_PERMITTED: AMT does not permit a "
	       "user-initiated connection\nsecond line\n");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 101);
	assert_int_equal(m.state, HELP_ST_FAILED);
	assert_int_equal(m.failed_exit, 1);
	assert_int_equal(m.failed_op, HELP_OP_REQUEST);
	assert_string_equal(m.failure.what, "This computer's management engine refused the request.");
	assert_string_equal(m.detail, "amt-agent: cannot call for help: NOT_PERMITTED: AMT does "
				      "not permit a user-initiated connection");

	/* Timed out (exit 7) and an unreadable answer. */
	help_model_start(&m, true, 100);
	a = ok(7, "", "amt-agent: cannot call for help: not connected after 120 s\n");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 220);
	assert_string_equal(m.failure.what, "Your help desk could not be reached in time.");
	help_model_start(&m, true, 100);
	a = ok(0, "garbage", "");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 101);
	assert_int_equal(m.state, HELP_ST_FAILED);
	assert_string_equal(m.failure.what, "The amt-agent service gave no usable answer.");
	help_model_start(&m, false, 100);
	a = transport(HELP_T_TIMEOUT);
	help_model_answer(&m, HELP_DO_INFO, &a, 131);
	assert_string_equal(m.failure.what, "The amt-agent service did not answer in time.");

	/* Already connected (exit 9 with the JSON): shown as connected. */
	help_model_start(&m, true, 100);
	a = ok(9, "{\"schema\":1,\"action\":\"open\",\"result\":\"already_connected\","
		  "\"cira\":{\"status\":\"connected\"}}", "");
	help_model_answer(&m, HELP_DO_REQUEST, &a, 101);
	assert_int_equal(m.state, HELP_ST_CONNECTED);

	/* A failed End keeps saying so; Try again re-reads. */
	assert_int_equal(help_model_end(&m), HELP_DO_CLOSE);
	a = ok(6, "", "amt-agent: busy\n");
	help_model_answer(&m, HELP_DO_CLOSE, &a, 102);
	assert_int_equal(m.state, HELP_ST_FAILED);
	assert_int_equal(m.failed_op, HELP_OP_CLOSE);
	assert_int_equal(help_model_retry(&m), HELP_DO_INFO);
	/* A session already open at start is shown, so it can be ended. */
	a = ok(0, info_json(true, "connected", "outside_enterprise", "\"m\"", NULL), "");
	help_model_answer(&m, HELP_DO_INFO, &a, 103);
	assert_int_equal(m.state, HELP_ST_CONNECTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(info_ready),
		cmocka_unit_test(info_why_not),
		cmocka_unit_test(info_refused),
		cmocka_unit_test(cfh_outcomes),
		cmocka_unit_test(exit_sentences),
		cmocka_unit_test(formats),
		cmocka_unit_test(model_request_connect_end),
		cmocka_unit_test(model_ended_by_help_desk),
		cmocka_unit_test(model_alerted),
		cmocka_unit_test(model_cancel),
		cmocka_unit_test(model_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
