// SPDX-License-Identifier: Apache-2.0
/*
 * sim_host.h - the simulated host's power (protocol-facts-2.md section 4):
 * which DMTF power states AMT offers in each host state, what
 * CIM_PowerManagementService.RequestPowerStateChange does with each value,
 * and the host those requests act on.
 *
 * Owns: the power rules (sim_host_decide, a pure function the unit tests
 * run for every DMTF value from every state), applying a decision to the
 * device (the [host] power key, the host's presence on the device file,
 * the one-time boot options, the simulated console), and the "host" part of
 * the firmware, which creates the console (fw->console) at start.
 * Must not: know WS-Man (the power classes call sim_host_request) or the
 * redirection protocol (it reads fw->redir_open, which the redirection
 * service keeps); hold the ME lock itself (callers hold it).
 *
 * Rules (choices where the sources are silent are marked):
 * - PowerState reported: 2 on, 4 asleep, 7 hibernated, 8 off.
 * - Offered (AvailableRequestedPowerStates): on with the OS running: 10, 8,
 *   5, 11, 4, 7, 14, 12 (the go-wsman-messages fixture, in its order); on
 *   while the OS is not up (POST, BIOS setup, PXE): 10, 8, 5, 11 (sleep,
 *   hibernate and the graceful requests need the OS: choice); asleep: 2,
 *   10, 8, 5 (choice); hibernated or off: 2.
 * - A value 1..16 not offered: 4097 (invalid state transition; the
 *   reference's choice, UNVERIFIED). Outside 1..16: 5 (invalid parameter).
 * - While a redirection session is open, power off and power cycle (5, 6,
 *   8, 9, 12, 13, 15, 16) are refused (AMT SDK, functionality overview) with
 *   [sim] redirection_power_refusal (4097 or 2: the value is UNVERIFIED);
 *   a reset (10, 14) is not, as consoles reset to BIOS with SOL open.
 */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_fw;

/* DMTF CIM_PowerManagementService.RequestPowerStateChange values. */
enum sim_ps {
	SIM_PS_ON = 2,
	SIM_PS_SLEEP_LIGHT = 3,
	SIM_PS_SLEEP_DEEP = 4,
	SIM_PS_CYCLE_SOFT = 5,
	SIM_PS_OFF_HARD = 6,
	SIM_PS_HIBERNATE = 7,
	SIM_PS_OFF_SOFT = 8,
	SIM_PS_CYCLE_HARD = 9,
	SIM_PS_RESET = 10,
	SIM_PS_NMI = 11,
	SIM_PS_OFF_SOFT_GRACEFUL = 12,
	SIM_PS_OFF_HARD_GRACEFUL = 13,
	SIM_PS_RESET_GRACEFUL = 14,
	SIM_PS_CYCLE_SOFT_GRACEFUL = 15,
	SIM_PS_CYCLE_HARD_GRACEFUL = 16,
};

/* RequestPowerStateChange ReturnValues used here. */
#define SIM_PS_RV_OK 0u
#define SIM_PS_RV_INVALID_PARAMETER 5u
#define SIM_PS_RV_INVALID_TRANSITION 4097u
#define SIM_PS_MAX_AVAILABLE 16

/* What the rules look at. */
struct sim_power_view {
	uint32_t power;   /* enum sim_power */
	bool os_running;  /* the simulated OS is up (login prompt) */
	bool redirection; /* a redirection session is open */
};

enum sim_power_action {
	SIM_PA_NONE = 0,
	SIM_PA_BOOT,   /* power on from off or hibernation */
	SIM_PA_WAKE,   /* from sleep */
	SIM_PA_SLEEP,
	SIM_PA_HIBERNATE,
	SIM_PA_OFF,
	SIM_PA_CYCLE,  /* off, then on: a boot */
	SIM_PA_RESET,  /* a boot */
	SIM_PA_NMI,
	SIM_PA_GRACEFUL_OFF,   /* the OS shuts down, then off */
	SIM_PA_GRACEFUL_RESET, /* the OS reboots */
};

struct sim_power_decision {
	uint32_t rv; /* the ReturnValue */
	enum sim_power_action action; /* SIM_PA_NONE unless rv is 0 */
};

/* PowerState of CIM_AssociatedPowerManagementService for a host state. */
uint32_t sim_host_power_state(uint32_t power);
/* AvailableRequestedPowerStates, in the order AMT lists them; returns n. */
size_t sim_host_available(const struct sim_power_view *v, uint32_t out[SIM_PS_MAX_AVAILABLE]);
/* The rules: what a request does in state v. refusal_rv is what a power
 * off or cycle gets while a redirection session is open. */
void sim_host_decide(const struct sim_power_view *v, uint32_t requested, uint32_t refusal_rv,
		     struct sim_power_decision *d);

/* The view of fw's host now (caller holds the ME lock). */
void sim_host_view(const struct sim_fw *fw, struct sim_power_view *v);
/* RequestPowerStateChange(requested): decide, and apply what was decided
 * (state saved). Caller holds the ME lock. Returns the ReturnValue. */
uint32_t sim_host_request(struct sim_fw *fw, uint32_t requested);

/* The console, driven by the redirection service (keys from the SOL
 * console, the scripts' timers), with fw->st.host_rt.os_running kept in
 * step so the power classes read it. Caller holds the ME lock; no-op
 * without a console. */
void sim_host_console_input(struct sim_fw *fw, const uint8_t *p, size_t n, uint64_t now);
void sim_host_console_tick(struct sim_fw *fw, uint64_t now);

/* The firmware part: create the console and put it in the state [host]
 * power says (0, or -ENOMEM with err set); free it at shutdown. */
int sim_host_register(struct sim_fw *fw, char *err, size_t errcap);
void sim_host_shutdown(struct sim_fw *fw);

#endif
