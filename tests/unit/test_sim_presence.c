// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_presence.c - Agent Presence in the simulated AMT: the watchdog
 * state machine on its own (every transition, wrong and wrapping sequence
 * numbers, both timers, the actions that ask for events, an ME reset, the
 * host leaving S0), and
 * the WS-Man classes (Create with the GUID as base64 DeviceID, the agent's
 * methods from the host only, AddAction, Delete, the state file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guid.h"
#include "sim_fw_test.h"
#include "sim_wsman_test.h"
#include "tools/sim/sim_presence.h"

#define WD WT_AMT "AMT_AgentPresenceWatchdog"
#define AGENT "03020100-0504-0706-0809-0A0B0C0D0E0F" /* the AIRG's example */
#define AGENT_B64 "AAECAwQFBgcICQoLDA0ODw=="

static struct sim_presence P;
static struct wt T;

static int slot_for(const char *text, uint32_t timeout, uint32_t startup, uint64_t now)
{
	uint8_t g[16];
	if (guid_parse(text, g) != 0)
		return -9;
	return sim_presence_create(&P, g, timeout, startup, "agent", now, 1);
}

static void add_event_action(int slot, uint16_t from, uint16_t to)
{
	struct sim_wd_action a = {.old_state = from, .new_state = to, .event = true};
	assert_int_not_equal(sim_presence_add_action(&P, slot, &a), 0);
}

static void test_state_machine(void **state)
{
	(void)state;
	struct sim_wd_transition t[SIM_PRESENCE_MAX], one;
	uint64_t next;
	bool changed;

	sim_presence_defaults(&P);
	int s = slot_for(AGENT, 60, 120, 1000);
	assert_int_equal(s, 0);
	assert_int_equal(slot_for(AGENT, 60, 120, 1000), -2); /* one watchdog per agent */
	add_event_action(s, SIM_WD_ALL_STATES, SIM_WD_RUNNING | SIM_WD_EXPIRED | SIM_WD_STOPPED);
	assert_int_equal(P.wd[s].state, SIM_WD_NOT_STARTED);

	/* no heartbeat within StartupInterval: Expired */
	assert_int_equal(sim_presence_tick(&P, 120999, t, SIM_PRESENCE_MAX, &next), 0);
	assert_int_equal(next, 121000);
	assert_int_equal(sim_presence_tick(&P, 121000, t, SIM_PRESENCE_MAX, &next), 1);
	assert_int_equal(t[0].from, SIM_WD_NOT_STARTED);
	assert_int_equal(t[0].to, SIM_WD_EXPIRED);
	assert_true(t[0].event);
	assert_string_equal(sim_presence_message_id(t[0].to), "iAMT0005");
	assert_int_equal(next, 0); /* no timer runs now */

	/* before RegisterAgent every number is ignored (MOF), or refused */
	assert_int_equal(sim_presence_assert(&P, s, 1, false, false, 130000, 1, &one, &changed),
			 SIM_WD_OK);
	assert_false(changed);
	assert_int_equal(sim_presence_assert(&P, s, 1, false, true, 130000, 1, &one, &changed),
			 SIM_WD_INVALID_PARAMETER);
	/* RegisterAgent, then n+1: Running; an expired agent that comes back runs again */
	assert_int_equal(sim_presence_register(&P, s, 0xFFFFFFFEu), 0xFFFFFFFEu);
	assert_int_equal(P.wd[s].state, SIM_WD_EXPIRED); /* registering alone changes nothing */
	assert_int_equal(sim_presence_assert(&P, s, 0xFFFFFFFEu, false, true, 130000, 1, &one,
					     &changed), SIM_WD_INVALID_PARAMETER); /* n, not n+1 */
	assert_int_equal(sim_presence_assert(&P, s, 0xFFFFFFFFu, false, true, 130000, 1, &one,
					     &changed), SIM_WD_OK);
	assert_true(changed);
	assert_int_equal(one.from, SIM_WD_EXPIRED);
	assert_int_equal(one.to, SIM_WD_RUNNING);
	/* the number wraps to 0; a repeat is ignored and moves nothing */
	assert_int_equal(sim_presence_assert(&P, s, 0xFFFFFFFFu, false, false, 140000, 1, &one,
					     &changed), SIM_WD_OK);
	assert_false(changed);
	assert_int_equal(P.wd[s].expect_seq, 0);
	assert_int_equal(sim_presence_assert(&P, s, 0, false, false, 150000, 1, &one, &changed),
			 SIM_WD_OK);
	assert_false(changed); /* Running already: a heartbeat re-arms the timer */
	assert_int_equal(P.wd[s].deadline_ms, 150000 + 60000);
	/* the ignored repeat did not re-arm it: only the right number does */
	assert_int_equal(sim_presence_tick(&P, 209999, t, SIM_PRESENCE_MAX, &next), 0);
	assert_int_equal(sim_presence_tick(&P, 210000, t, SIM_PRESENCE_MAX, &next), 1);
	assert_int_equal(t[0].to, SIM_WD_EXPIRED);

	/* AssertShutdown: Stopped, no timer, the session ends */
	sim_presence_register(&P, s, 7);
	assert_int_equal(sim_presence_assert(&P, s, 8, false, false, 220000, 1, &one, &changed), 0);
	assert_int_equal(sim_presence_assert(&P, s, 9, true, false, 230000, 1, &one, &changed), 0);
	assert_true(changed);
	assert_int_equal(one.to, SIM_WD_STOPPED);
	assert_false(P.wd[s].session);
	assert_int_equal(sim_presence_tick(&P, 999999999, t, SIM_PRESENCE_MAX, &next), 0);
	assert_int_equal(sim_presence_assert(&P, s, 10, false, true, 240000, 1, &one, &changed),
			 SIM_WD_INVALID_PARAMETER);

	/* an ME reset (or a boot): NotStarted, StartupInterval again, sessions gone */
	sim_presence_register(&P, s, 100);
	sim_presence_assert(&P, s, 101, false, false, 250000, 1, &one, &changed);
	assert_int_equal(sim_presence_restart(&P, 260000, 1, t, SIM_PRESENCE_MAX), 1);
	assert_int_equal(t[0].from, SIM_WD_RUNNING);
	assert_int_equal(t[0].to, SIM_WD_NOT_STARTED);
	assert_false(t[0].event); /* the action does not name NotStarted */
	assert_int_equal(P.wd[s].deadline_ms, 260000 + 120000);
	assert_int_equal(sim_presence_assert(&P, s, 102, false, true, 261000, 1, &one, &changed),
			 SIM_WD_INVALID_PARAMETER);

	/* time_scale divides the intervals */
	int s2 = slot_for("11111111-2222-3333-4444-555555555555", 60, 10, 0);
	assert_true(s2 > 0);
	sim_presence_register(&P, s2, 5);
	sim_presence_assert(&P, s2, 6, false, false, 1000, 1000, &one, &changed);
	assert_int_equal(P.wd[s2].deadline_ms, 1000 + 60);
	/* an action that does not match the transition asks for no event */
	assert_false(one.event);
}

/* The host leaving S0: Suspended, timers stopped, sessions over; back in
 * S0 the startup timer runs again. */
static void test_suspend(void **state)
{
	(void)state;
	struct sim_wd_transition t[SIM_PRESENCE_MAX], one;
	uint64_t next;
	bool changed;

	sim_presence_defaults(&P);
	int s = slot_for(AGENT, 60, 120, 0);
	add_event_action(s, SIM_WD_ALL_STATES, SIM_WD_SUSPENDED);
	sim_presence_register(&P, s, 1);
	sim_presence_assert(&P, s, 2, false, false, 1000, 1, &one, &changed);
	assert_int_equal(P.wd[s].state, SIM_WD_RUNNING);
	assert_int_equal(sim_presence_suspend(&P, t, SIM_PRESENCE_MAX), 1);
	assert_int_equal(t[0].from, SIM_WD_RUNNING);
	assert_int_equal(t[0].to, SIM_WD_SUSPENDED);
	assert_true(t[0].event);
	assert_string_equal(sim_presence_message_id(t[0].to), "iAMT0006");
	assert_false(P.wd[s].session);
	/* no timer while suspended: it never expires */
	assert_int_equal(sim_presence_tick(&P, 999999999, t, SIM_PRESENCE_MAX, &next), 0);
	assert_int_equal(next, 0);
	assert_int_equal(sim_presence_assert(&P, s, 3, false, true, 2000, 1, &one, &changed),
			 SIM_WD_INVALID_PARAMETER); /* the session is over */
	/* suspended twice: no second transition */
	assert_int_equal(sim_presence_suspend(&P, t, SIM_PRESENCE_MAX), 0);
	/* back in S0: NotStarted with the startup timer */
	assert_int_equal(sim_presence_restart(&P, 5000, 1, t, SIM_PRESENCE_MAX), 1);
	assert_int_equal(t[0].from, SIM_WD_SUSPENDED);
	assert_int_equal(t[0].to, SIM_WD_NOT_STARTED);
	assert_int_equal(P.wd[s].deadline_ms, 5000 + 120000);
}

static void test_presence_ini_roundtrip(void **state)
{
	(void)state;
	static struct sim_state st, back;
	char path[] = "/tmp/presence-ini.XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	sim_state_defaults(&st);
	uint8_t g[16];
	guid_parse(AGENT, g);
	int s = sim_presence_create(&st.presence, g, 30, 90, "backup agent", 0, 1);
	struct sim_wd_action a = {.old_state = 31, .new_state = 8, .event = true, .has_sd = true};
	sim_presence_add_action(&st.presence, s, &a);
	assert_int_equal(sim_state_save(&st, path), 0);
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(sim_presence_count(&back.presence), 1);
	assert_memory_equal(back.presence.wd[0].guid, g, 16);
	assert_int_equal(back.presence.wd[0].timeout_s, 30);
	assert_int_equal(back.presence.wd[0].startup_s, 90);
	assert_string_equal(back.presence.wd[0].description, "backup agent");
	assert_int_equal(back.presence.wd[0].naction, 1);
	assert_true(back.presence.wd[0].actions[0].has_sd);
	assert_int_equal(back.presence.wd[0].actions[0].new_state, 8);
	assert_true(back.presence.next_action > back.presence.wd[0].actions[0].handle);
}

/* ---- over WS-Man ---- */

static int setup(void **state)
{
	(void)state;
	return wt_init(&T, NULL);
}

static int teardown(void **state)
{
	(void)state;
	wt_free(&T);
	return 0;
}

static const char *wd_selectors(const char *b64)
{
	static char sel[512];
	snprintf(sel, sizeof(sel),
		 "<w:SelectorSet><w:Selector Name=\"CreationClassName\">AMT_AgentPresenceWatchdog"
		 "</w:Selector><w:Selector Name=\"DeviceID\">%s</w:Selector><w:Selector Name=\""
		 "SystemCreationClassName\">CIM_ComputerSystem</w:Selector><w:Selector Name=\""
		 "SystemName\">Intel(r) AMT</w:Selector></w:SelectorSet>", b64);
	return sel;
}

/* A watchdog method with the selectors of the example agent. */
static unsigned wd_call(bool local, const char *method, const char *params)
{
	char body[1024], action[256];
	snprintf(body, sizeof(body), "<h:%s_INPUT xmlns:h=\"" WD "\">%s</h:%s_INPUT>", method,
		 params ? params : "", method);
	snprintf(action, sizeof(action), WD "/%s", method);
	int status = wt_send(&T, local, action, WD, wd_selectors(AGENT_B64), body);
	if (status != 200)
		return 1000u + (unsigned)status;
	const char *rv = wt_text(&T, "ReturnValue");
	return rv ? (unsigned)strtoul(rv, NULL, 10) : 999u;
}

static int create(const char *b64)
{
	char body[1024];
	/* MeshCommander's generic ExecCreate shape */
	snprintf(body, sizeof(body),
		 "<g:AMT_AgentPresenceWatchdog xmlns:g=\"" WD "\"><g:CreationClassName>"
		 "AMT_AgentPresenceWatchdog</g:CreationClassName><g:DeviceID>%s</g:DeviceID>"
		 "<g:StartupInterval>3600</g:StartupInterval><g:SystemCreationClassName>"
		 "CIM_ComputerSystem</g:SystemCreationClassName><g:SystemName>Intel(r) AMT"
		 "</g:SystemName><g:TimeoutInterval>60</g:TimeoutInterval>"
		 "</g:AMT_AgentPresenceWatchdog>", b64);
	return wt_send(&T, false, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", WD, NULL,
		       body);
}

static void test_watchdog_over_wsman(void **state)
{
	(void)state;
	char seq[96];
	assert_int_equal(create(AGENT_B64), 200);
	assert_string_equal(wt_text(&T, "Action"),
			    "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse");
	assert_string_equal(wt_text_n(&T, "Selector", 1), AGENT_B64); /* the EPR's DeviceID */
	uint8_t want[16];
	guid_parse(AGENT, want);
	assert_memory_equal(T.fw.st.presence.wd[0].guid, want, 16); /* bytes 00..0F */
	assert_int_equal(create(AGENT_B64), 400);
	assert_string_equal(wt_text(&T, "Subcode"), "c:AlreadyExists");
	assert_int_equal(create("AAAAAAAAAAAAAAAAAAAAAA=="), 400); /* the all-zero GUID */
	assert_int_equal(create("not-base64"), 400);

	/* the agent's calls come from the host; a remote caller is refused */
	assert_int_equal(wd_call(false, "RegisterAgent", NULL), 1400);
	assert_string_equal(wt_text(&T, "Subcode"), "c:AccessDenied");
	assert_int_equal(wd_call(true, "RegisterAgent", NULL), 0);
	assert_string_equal(wt_text(&T, "TimeoutInterval"), "60");
	uint32_t n = (uint32_t)strtoul(wt_text(&T, "SessionSequenceNumber"), NULL, 10);
	snprintf(seq, sizeof(seq), "<h:SequenceNumber>%u</h:SequenceNumber>", n + 1u);
	assert_int_equal(wd_call(true, "AssertPresence", seq), 0);
	assert_int_equal(wt_send(&T, false, WT_GET, WD, wd_selectors(AGENT_B64), NULL), 200);
	assert_string_equal(wt_text(&T, "CurrentState"), "4");
	assert_int_equal(T.fw.st.msglog.count, 1); /* the transition is in the event log */
	/* the same number again: ignored (MOF), or refused by the switch */
	assert_int_equal(wd_call(true, "AssertPresence", seq), 0);
	T.fw.st.alerts.bad_sequence = SIM_BAD_SEQ_REFUSE;
	assert_int_equal(wd_call(true, "AssertPresence", seq), 36);
	T.fw.st.alerts.presence_remote = true; /* the other reading of who may call */
	snprintf(seq, sizeof(seq), "<h:SequenceNumber>%u</h:SequenceNumber>", n + 2u);
	assert_int_equal(wd_call(false, "AssertShutdown", seq), 0);
	assert_int_equal(wt_send(&T, false, WT_GET, WD, wd_selectors(AGENT_B64), NULL), 200);
	assert_string_equal(wt_text(&T, "CurrentState"), "2");

	/* an action; missing arguments are a fault */
	assert_int_equal(wd_call(false, "AddAction", "<h:OldState>31</h:OldState><h:NewState>8"
				 "</h:NewState><h:EventOnTransition>true</h:EventOnTransition>"), 0);
	assert_int_equal(T.fw.st.presence.wd[0].naction, 1);
	assert_int_equal(wd_call(false, "AddAction", "<h:OldState>31</h:OldState>"), 1400);
	assert_int_equal(wd_call(false, "AddAction", "<h:OldState>64</h:OldState><h:NewState>8"
				 "</h:NewState><h:EventOnTransition>true</h:EventOnTransition>"), 36);
	/* a method needs the selectors of a watchdog that exists */
	assert_int_equal(wt_send(&T, true, WD "/RegisterAgent", WD,
				 wd_selectors("ERERERERERERERERERERERERERERERER"),
				 "<h:RegisterAgent_INPUT xmlns:h=\"" WD "\"/>"), 400);
	assert_string_equal(wt_text(&T, "Subcode"), "c:InvalidSelectors");
	/* Delete */
	assert_int_equal(wt_send(&T, false, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", WD,
				 wd_selectors(AGENT_B64), NULL), 200);
	assert_int_equal(sim_presence_count(&T.fw.st.presence), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_suspend),
		cmocka_unit_test(test_presence_ini_roundtrip),
		cmocka_unit_test_setup_teardown(test_watchdog_over_wsman, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
