// SPDX-License-Identifier: Apache-2.0
/*
 * sim_presence.h - AMT's Agent Presence watchdogs (protocol-facts-2.md
 * section 3): what a console configures (NVM) and the state machine each
 * watchdog runs while the host agent heartbeats.
 *
 * Owns: struct sim_presence (embedded in struct sim_state): the watchdogs
 * and their actions as NVM ([presence.N] sections), and per watchdog the
 * runtime a reboot clears (CurrentState, the agent's session and sequence
 * number, the running timer), which a reload of the state file keeps
 * (sim_state_keep_runtime). The state machine is pure: every operation
 * takes the time and returns the transitions it made; the caller raises
 * the events (sim_events.c) and runs the timer thread.
 *
 * The model (sources in protocol-facts-2.md 3.1-3.3; choices marked):
 *   created, simulator start (a boot), ME reset -> NotStarted (1), the
 *       StartupInterval timer armed (an ME reset restarts the firmware and
 *       ends agent sessions: simulator choice);
 *   RegisterAgent -> a random SessionSequenceNumber; the state does not
 *       change (UNVERIFIED in the sources);
 *   AssertPresence(previous + 1) -> Running (4), TimeoutInterval re-armed;
 *   a timer elapses -> Expired (8);
 *   AssertShutdown(previous + 1) -> Stopped (2), no timer; the session ends
 *       until the next RegisterAgent;
 *   a wrong sequence number or no session: ignored as the MOF says
 *       (ReturnValue 0, nothing changes) or refused (INVALID_PARAMETER),
 *       by [events] bad_sequence; the expected number does not move;
 *   the host leaves S0 ([host] power, sim_host.c) -> Suspended (16), no
 *       timer, sessions end ("timers run only in S0"; the state is our
 *       reading, UNVERIFIED); back in S0 -> NotStarted with the startup
 *       timer, as after a boot.
 * Numbers wrap at 2^32 (RegisterAgent's number + 1 may be 0).
 * Must not: know WS-Management, threads or the clock source.
 */
#ifndef SIM_PRESENCE_H
#define SIM_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_PRESENCE_MAX 16     /* watchdogs (the posture attribute lists up to 16 agents) */
#define SIM_PRESENCE_ACTIONS 8  /* actions per watchdog (a simulator choice) */
#define SIM_PRESENCE_DESC_MAX 64

/* CurrentState bit values (LMS MOF, MeshCommander, AIRG: three sources) */
enum sim_wd_state {
	SIM_WD_NOT_STARTED = 1,
	SIM_WD_STOPPED = 2,
	SIM_WD_RUNNING = 4,
	SIM_WD_EXPIRED = 8,
	SIM_WD_SUSPENDED = 16,
	SIM_WD_ALL_STATES = 31
};

struct sim_wd_action {
	uint32_t handle;          /* "Intel(r) AMT:Agent Presence Watchdog Action N" */
	uint16_t old_state, new_state; /* OR of state bits */
	bool event;               /* EventOnTransition */
	bool has_sd, has_eac;
	uint32_t sd;              /* ActionSd: 0 activate, 1 deactivate the policy (recorded only) */
	bool eac;                 /* ActionEac (recorded only) */
};

struct sim_watchdog {
	bool used;
	uint8_t guid[16];   /* the agent's GUID, wire (mixed-endian) bytes = DeviceID decoded */
	uint32_t timeout_s; /* TimeoutInterval, seconds (the AIRG example) */
	uint32_t startup_s; /* StartupInterval, seconds */
	char description[SIM_PRESENCE_DESC_MAX + 1];
	unsigned naction;
	struct sim_wd_action actions[SIM_PRESENCE_ACTIONS];
	/* runtime (not saved) */
	uint16_t state;       /* enum sim_wd_state */
	bool session;         /* RegisterAgent gave a number not yet shut down */
	uint32_t expect_seq;  /* the number the next call must carry */
	uint64_t deadline_ms; /* the running timer, monotonic ms; 0 = none */
};

struct sim_presence {
	struct sim_watchdog wd[SIM_PRESENCE_MAX];
	uint32_t next_action; /* action handles are never reused */
};

/* One state change, for the caller to raise its event. */
struct sim_wd_transition {
	uint8_t guid[16];
	uint16_t from, to;
	bool event; /* an action with EventOnTransition matches it */
};

/* Status of an agent call: the PT_STATUS ReturnValue. */
#define SIM_WD_OK 0u
#define SIM_WD_INVALID_PARAMETER 0x24u
#define SIM_WD_NOT_PERMITTED 0x10u

void sim_presence_defaults(struct sim_presence *p);
/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_presence_ini(struct sim_presence *p, const char *section, const char *name,
		     const char *value, char *why, size_t whycap);
int sim_presence_finish(struct sim_presence *p, char *why, size_t whycap);
void sim_presence_write(FILE *f, const struct sim_presence *p);
/* A reload keeps the runtime of watchdogs that still exist (by GUID). */
void sim_presence_keep_runtime(struct sim_presence *now, const struct sim_presence *before);

/* ---- table ---- */
unsigned sim_presence_count(const struct sim_presence *p);
int sim_presence_nth(const struct sim_presence *p, unsigned k);
/* Slot of the watchdog for this GUID, -1 when none. */
int sim_presence_find(const struct sim_presence *p, const uint8_t guid[16]);
/* A new watchdog (NotStarted, the startup timer armed from now_ms):
 * slot, or -1 when full / -2 when the GUID exists. */
int sim_presence_create(struct sim_presence *p, const uint8_t guid[16], uint32_t timeout_s,
			uint32_t startup_s, const char *description, uint64_t now_ms,
			unsigned scale);
void sim_presence_delete(struct sim_presence *p, int slot);
/* The k-th action over all watchdogs (watchdog order), with its slot. */
const struct sim_wd_action *sim_presence_action_nth(const struct sim_presence *p, unsigned k,
						    int *slot);
unsigned sim_presence_action_count(const struct sim_presence *p);

/* ---- the state machine (times: monotonic ms; scale: [sim] time_scale) ---- */
/* Every watchdog back to NotStarted with the startup timer (boot, ME
 * reset); sessions end. Transitions of those that changed go to out (at
 * most cap); returns how many. */
unsigned sim_presence_restart(struct sim_presence *p, uint64_t now_ms, unsigned scale,
			      struct sim_wd_transition *out, unsigned cap);
/* The host left S0: every watchdog Suspended, its timer stopped, sessions
 * ended ("timers run only in S0"; the state for it is our reading).
 * sim_presence_restart when it is back. Transitions as restart's. */
unsigned sim_presence_suspend(struct sim_presence *p, struct sim_wd_transition *out,
			      unsigned cap);
/* RegisterAgent: a new session with first_seq (the caller's random
 * number); *expect = first_seq, the number to add one to. */
uint32_t sim_presence_register(struct sim_presence *p, int slot, uint32_t first_seq);
/* AssertPresence / AssertShutdown with seq. A transition, when one
 * happened, goes to *t (*changed true). refuse: answer a wrong number with
 * INVALID_PARAMETER instead of ignoring it. */
uint32_t sim_presence_assert(struct sim_presence *p, int slot, uint32_t seq, bool shutdown,
			     bool refuse, uint64_t now_ms, unsigned scale,
			     struct sim_wd_transition *t, bool *changed);
/* Expire the watchdogs whose timer elapsed by now_ms (transitions to out,
 * at most cap) and give the next deadline (0: none). */
unsigned sim_presence_tick(struct sim_presence *p, uint64_t now_ms, struct sim_wd_transition *out,
			   unsigned cap, uint64_t *next_deadline_ms);
/* Add an action (AddAction): its handle, or 0 when the watchdog holds
 * SIM_PRESENCE_ACTIONS already. */
uint32_t sim_presence_add_action(struct sim_presence *p, int slot, const struct sim_wd_action *a);
/* "iAMT0002".."iAMT0006" for a new state. */
const char *sim_presence_message_id(uint16_t state);

#endif
