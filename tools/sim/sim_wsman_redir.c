// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_redir.c - the remote-repair class family, redirection and
 * consent: AMT_RedirectionService (RequestStateChange of the SOL and IDE-R
 * switches, Put of ListenerEnabled: what the redirection service accepts)
 * and IPS_OptInService (StartOptIn, SendOptInCode, CancelOptIn; the rules
 * are sim_optin.c's).
 *
 * Owns: these classes' view of [redirection] and [optin] and of the
 * consent state (runtime, fw->st.host_rt). Shapes follow the
 * go-wsman-messages fixtures amt/redirectionservice and ips/optin.
 * RequestStateChange: 32768 both off, 32769 IDE-R, 32770 SOL, 32771 both
 * (go-wsman-messages amt/redirection decoder); another value is 5 (invalid
 * parameter), a TimeoutPeriod 4098, as the other RequestStateChange
 * methods here. Turning SOL off does not end a running session (the
 * switch gates new ones).
 * Must not: know SOAP framing beyond the sim_wsman_inst helpers.
 */
#include <stdio.h>
#include <string.h>

#include "sim_net.h"
#include "sim_optin.h"
#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define IPS SIM_WSMAN_IPS

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

static void named(struct sim_wsman_inst *o, const char *ccn, const char *name)
{
	sim_wsman_prop(o, "CreationClassName", ccn);
	sim_wsman_prop(o, "ElementName", name);
}

static void scoped(struct sim_wsman_inst *o)
{
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

static uint32_t persist(struct sim_wsman_call *c)
{
	sim_state_persist(&c->fw->st, c->fw->state_path);
	return 0;
}

/* ---- AMT_RedirectionService ---- */

static void redirection(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const char name[] = "Intel(r) AMT Redirection Service";
	(void)i;
	named(o, "AMT_RedirectionService", name);
	/* 32768 + 1 (IDER enabled) + 2 (SOL enabled) */
	sim_wsman_prop_u32(o, "EnabledState",
			   32768u + (st->redir_ider ? 1u : 0u) + (st->redir_sol ? 2u : 0u));
	sim_wsman_prop_bool(o, "ListenerEnabled", st->redir_listener);
	sim_wsman_prop(o, "Name", name);
	scoped(o);
}

static uint32_t redirection_invoke(struct sim_wsman_call *c)
{
	uint32_t want;
	if (strcmp(c->method, "RequestStateChange") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	if (sim_wsman_arg_u32(c, "RequestedState", &want))
		return SIM_WSMAN_RV_FAULT;
	const char *timeout = sim_wsman_arg(c, "TimeoutPeriod");
	if (timeout && *timeout)
		return 4098;
	if (want < 32768u || want > 32771u)
		return 5;
	c->fw->st.redir_ider = want & 1u;
	c->fw->st.redir_sol = (want & 2u) != 0;
	return persist(c);
}

/* Put: ListenerEnabled is the only writable property (the others are
 * the service's keys and its state, which RequestStateChange sets). */
static uint32_t redirection_put(struct sim_wsman_call *c)
{
	bool on;
	if (sim_wsman_arg_bool(c, "ListenerEnabled", &on))
		return SIM_WSMAN_RV_FAULT;
	c->fw->st.redir_listener = on;
	return persist(c);
}

/* ---- IPS_OptInService ---- */

static void optin(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const char name[] = "Intel(r) AMT OptIn Service";
	(void)i;
	/* client control mode: the policy cannot be changed (AMT SDK, user consent) */
	sim_wsman_prop_u32(o, "CanModifyOptInPolicy", st->control_mode == 1 ? 0 : 1);
	named(o, "IPS_OptInService", name);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop_u32(o, "OptInCodeTimeout", st->optin_code_timeout_s);
	sim_wsman_prop_u32(o, "OptInDisplayTimeout", st->optin_display_timeout_s);
	sim_wsman_prop_u32(o, "OptInRequired", sim_optin_required_value(st));
	sim_wsman_prop_u32(o, "OptInState", sim_optin_state_of(st, sim_net_now_ms()));
	scoped(o);
}

static uint32_t optin_invoke(struct sim_wsman_call *c)
{
	uint64_t now = sim_net_now_ms();
	if (!strcmp(c->method, "StartOptIn"))
		return sim_optin_start(c->fw, now);
	if (!strcmp(c->method, "CancelOptIn"))
		return sim_optin_cancel(c->fw, now);
	if (strcmp(c->method, "SendOptInCode") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	uint32_t code;
	if (sim_wsman_arg_u32(c, "OptInCode", &code))
		return SIM_WSMAN_RV_FAULT;
	return sim_optin_send(c->fw, code, now);
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_redirection_class = {
	.name = "AMT_RedirectionService",
	.uri = AMT "AMT_RedirectionService",
	.count = one,
	.instance = redirection,
	.invoke = redirection_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
	.put = redirection_put,
};
const struct sim_wsman_class sim_optin_class = {
	.name = "IPS_OptInService",
	.uri = IPS "IPS_OptInService",
	.count = one,
	.instance = optin,
	.invoke = optin_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
