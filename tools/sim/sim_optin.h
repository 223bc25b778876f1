// SPDX-License-Identifier: Apache-2.0
/*
 * sim_optin.h - user consent (IPS_OptInService): before a console on the
 * network may redirect the host's console or change how it boots, the
 * person at the machine reads a six-digit code off its screen to the
 * technician, who sends it to AMT.
 *
 * Owns: when consent is needed, the OptInState machine (0 not started,
 * 1 requested, 2 displayed, 3 received, 4 in session), the code, its
 * timeouts and the methods' return values. The reading chosen (AMT SDK
 * "user consent"; go-wsman-messages ips/optin; device-management-toolkit
 * mps statusMapper.ts for the return values):
 * - Needed for requests from the network only (the host side, LMS, never
 *   asks itself), when [redirection] consent = policy (the default) and
 *   OptInRequired is "all": always in client control mode, in admin
 *   control mode when [optin] required = all. With the defaults (ACM,
 *   required = kvm) nothing but KVM would need it, and KVM is not
 *   simulated. [redirection] consent = none never asks (a test switch).
 * - Needed for: starting a SOL session, ChangeBootOrder with a source,
 *   SetBootConfigRole (0x821 USER_CONSENT_REQUIRED); power requests are not.
 * - StartOptIn: a new random code, shown at once (state 2): written to the
 *   simulator's log and, while the host is on, to its console. Valid for
 *   [optin] display_timeout_s (firmware seconds). Again while a code is
 *   out or consent held: 2 (NOT_READY).
 * - SendOptInCode: the right code gives consent (state 3) for [optin]
 *   code_timeout_s to start a session; a wrong one 0x812 (2066,
 *   UNSUPPORTED), and the third wrong one withdraws the code (state 0);
 *   no code out, or consent already held: 2.
 * - A SOL session started with consent is state 4 until the last session
 *   ends (then 0). CancelOptIn: 0 from states 1..3, 2 in a session or with
 *   nothing to cancel.
 * OptInState and the code are runtime (fw->st.host_rt), never saved.
 * Must not: know WS-Man or sockets. Callers hold the ME lock.
 */
#ifndef SIM_OPTIN_H
#define SIM_OPTIN_H

#include <stdbool.h>
#include <stdint.h>

struct sim_fw;
struct sim_state;

enum sim_optin_state {
	SIM_OPTIN_NOT_STARTED = 0,
	SIM_OPTIN_REQUESTED = 1,
	SIM_OPTIN_DISPLAYED = 2,
	SIM_OPTIN_RECEIVED = 3,
	SIM_OPTIN_IN_SESSION = 4,
};

#define SIM_OPTIN_RV_OK 0u
#define SIM_OPTIN_RV_NOT_READY 2u        /* PT_STATUS_NOT_READY */
#define SIM_OPTIN_RV_WRONG_CODE 0x812u   /* PT_STATUS_UNSUPPORTED */
#define SIM_OPTIN_RV_CONSENT_REQUIRED 0x821u /* PT_STATUS_USER_CONSENT_REQUIRED */
#define SIM_OPTIN_MAX_TRIES 3u

/* OptInRequired as AMT reports it: 0, 1 (KVM) or 0xFFFFFFFF (all). */
uint32_t sim_optin_required_value(const struct sim_state *st);
/* Does a request from the network need consent it does not have now?
 * (local requests never do) */
bool sim_optin_blocks(struct sim_fw *fw, bool local, uint64_t now);
/* OptInState now (expired codes and consent count as 0); the second form
 * only reads (the IPS_OptInService instance). */
uint32_t sim_optin_state(struct sim_fw *fw, uint64_t now);
uint32_t sim_optin_state_of(const struct sim_state *st, uint64_t now);

uint32_t sim_optin_start(struct sim_fw *fw, uint64_t now);
uint32_t sim_optin_send(struct sim_fw *fw, uint32_t code, uint64_t now);
uint32_t sim_optin_cancel(struct sim_fw *fw, uint64_t now);
/* A redirection session starts (with consent where needed) or ends. */
void sim_optin_session(struct sim_fw *fw, bool started, uint64_t now);

#endif
