// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_presence.c - the Agent Presence classes of the simulated AMT
 * (protocol-facts-2.md section 3): AMT_AgentPresenceService,
 * AMT_AgentPresenceWatchdog (Create by a console with the agent GUID as
 * DeviceID, Delete; RegisterAgent, AssertPresence, AssertShutdown,
 * AddAction, DeleteAllActions) and AMT_AgentPresenceWatchdogAction
 * (GetActionEac).
 *
 * Owns: the WS-Man view of fw->st.presence and who may call what: the
 * agent's methods (RegisterAgent, AssertPresence, AssertShutdown) from the
 * host side only (LME or a loopback listener, as LMS relays), because
 * "Agent Presence Local" is a realm of its own and Intel's flow has the
 * local agent register; [events] presence_remote = true lets the network
 * interface call them too (UNVERIFIED in the sources). A refused caller
 * gets wsman:AccessDenied. The console's methods (Create, Delete,
 * AddAction, DeleteAllActions) come from either side.
 * DeviceID is the GUID's 16 wire bytes in base64 (AMT 6.0+; the AIRG's
 * example: 03020100-0504-0706-0809-0A0B0C0D0E0F <-> AAECAwQFBgcICQoLDA0ODw==);
 * the all-zero GUID is refused. Values where the sources are silent: more
 * than 16 watchdogs -> wsman:QuotaLimit, a GUID twice -> wsman:AlreadyExists,
 * a ninth action -> MAX_LIMIT_REACHED (23).
 * Must not: run timers or send events itself (sim_events.c does both; the
 * state machine is sim_presence.c's).
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amt_status.h"
#include "sim_3pds_nvm.h"
#include "sim_events.h"
#include "sim_ini.h"
#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define SERVICE_NAME "Intel(r) AMT Agent Presence Service"
#define ACTION_NAME "Intel(r) AMT:Agent Presence Watchdog Action"

static const char *const watchdog_keys[] = {"CreationClassName", "DeviceID",
					    "SystemCreationClassName", "SystemName", NULL};

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

static void scope(struct sim_wsman_inst *o)
{
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

/* ---- AMT_AgentPresenceService ---- */

static void service_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	sim_wsman_prop(o, "CreationClassName", "AMT_AgentPresenceService");
	sim_wsman_prop(o, "ElementName", SERVICE_NAME);
	sim_wsman_prop_u32(o, "EnabledState", 5); /* not applicable: always on */
	sim_wsman_prop(o, "Name", SERVICE_NAME);
	scope(o);
}

/* ---- AMT_AgentPresenceWatchdog ---- */

static unsigned wd_count(const struct sim_state *st)
{
	return sim_presence_count(&st->presence);
}

static void wd_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char id[32];
	int slot = sim_presence_nth(&st->presence, k);
	if (slot < 0)
		return;
	const struct sim_watchdog *w = &st->presence.wd[slot];
	EVP_EncodeBlock((unsigned char *)id, w->guid, 16);
	sim_wsman_prop(o, "CreationClassName", "AMT_AgentPresenceWatchdog");
	sim_wsman_prop_u32(o, "CurrentState", w->state);
	sim_wsman_prop(o, "DeviceID", id);
	if (w->description[0])
		sim_wsman_prop(o, "MonitoredEntityDescription", w->description);
	sim_wsman_prop_u32(o, "StartupInterval", w->startup_s);
	scope(o);
	sim_wsman_prop_u32(o, "TimeoutInterval", w->timeout_s);
}

static int guid_of(const char *b64, uint8_t out[16])
{
	uint8_t buf[20];
	if (!b64 || sim_3pds_b64_decode(b64, strlen(b64), buf, sizeof(buf)) != 16)
		return -1;
	memcpy(out, buf, 16);
	for (int i = 0; i < 16; i++)
		if (out[i])
			return 0;
	return -1; /* the all-zero GUID is not an agent */
}

static uint32_t persist(struct sim_wsman_call *c)
{
	sim_state_persist(&c->fw->st, c->fw->state_path);
	return AMT_STATUS_SUCCESS;
}

static uint32_t wd_create(struct sim_wsman_call *c)
{
	struct sim_state *st = &c->fw->st;
	uint8_t guid[16];
	uint32_t timeout, startup;
	if (sim_wsman_arg_u32(c, "TimeoutInterval", &timeout) ||
	    sim_wsman_arg_u32(c, "StartupInterval", &startup))
		return SIM_WSMAN_RV_FAULT;
	if (guid_of(sim_wsman_arg(c, "DeviceID"), guid) != 0) {
		snprintf(c->fault, sizeof(c->fault),
			 "DeviceID must be the agent's GUID: 16 bytes in base64, not all zero.");
		return SIM_WSMAN_RV_FAULT;
	}
	if (timeout == 0 || startup == 0 || startup > 0xFFFF) {
		snprintf(c->fault, sizeof(c->fault),
			 "TimeoutInterval must be 1.. and StartupInterval 1..65535 seconds.");
		return SIM_WSMAN_RV_FAULT;
	}
	const char *desc = sim_wsman_arg(c, "MonitoredEntityDescription");
	char text[SIM_PRESENCE_DESC_MAX + 1] = "";
	if (desc && sim_ini_text_ok(desc, SIM_PRESENCE_DESC_MAX))
		snprintf(text, sizeof(text), "%s", desc);
	int slot = sim_presence_create(&st->presence, guid, timeout, startup, text,
				       (uint64_t)c->now_ms, st->time_scale);
	if (slot == -2)
		return SIM_WSMAN_RV_EXISTS;
	if (slot < 0)
		return SIM_WSMAN_RV_QUOTA;
	/* its index among the instances */
	c->index = 0;
	for (int i = 0; i < slot; i++)
		c->index += st->presence.wd[i].used;
	sim_events_timers_changed(c->fw);
	return persist(c);
}

static uint32_t wd_delete(struct sim_wsman_call *c)
{
	struct sim_state *st = &c->fw->st;
	sim_presence_delete(&st->presence, sim_presence_nth(&st->presence, (unsigned)c->index));
	sim_events_timers_changed(c->fw);
	return persist(c);
}

static bool agent_side(const struct sim_wsman_call *c)
{
	return c->local || c->fw->st.alerts.presence_remote;
}

static uint32_t wd_invoke(struct sim_wsman_call *c)
{
	struct sim_state *st = &c->fw->st;
	int slot = c->index >= 0 ? sim_presence_nth(&st->presence, (unsigned)c->index) : -1;
	struct sim_wd_transition t;
	bool changed = false, shutdown = !strcmp(c->method, "AssertShutdown");
	uint32_t seq, rv;

	if (!strcmp(c->method, "RegisterAgent") || !strcmp(c->method, "AssertPresence") || shutdown) {
		if (!agent_side(c)) {
			snprintf(c->fault, sizeof(c->fault), "Agent presence calls are accepted from "
							     "the host only (Agent Presence Local).");
			return SIM_WSMAN_RV_ACCESS_DENIED;
		}
		if (slot < 0)
			return AMT_STATUS_NOT_FOUND;
		if (!strcmp(c->method, "RegisterAgent")) {
			uint32_t first;
			if (RAND_bytes((unsigned char *)&first, sizeof(first)) != 1)
				return AMT_STATUS_INTERNAL_ERROR;
			sim_presence_register(&st->presence, slot, first);
			sim_wsman_prop_u32(&c->out, "SessionSequenceNumber", first);
			sim_wsman_prop_u32(&c->out, "TimeoutInterval", st->presence.wd[slot].timeout_s);
			return AMT_STATUS_SUCCESS;
		}
		if (sim_wsman_arg_u32(c, "SequenceNumber", &seq))
			return SIM_WSMAN_RV_FAULT;
		rv = sim_presence_assert(&st->presence, slot, seq, shutdown,
					 st->alerts.bad_sequence == SIM_BAD_SEQ_REFUSE,
					 (uint64_t)c->now_ms, st->time_scale, &t, &changed);
		if (changed)
			sim_events_presence(c->fw, &t, 1);
		sim_events_timers_changed(c->fw);
		return rv;
	}
	if (!strcmp(c->method, "AddAction")) {
		struct sim_wd_action a = {0};
		uint32_t old_state, new_state, sd;
		bool event;
		if (sim_wsman_arg_u32(c, "OldState", &old_state) ||
		    sim_wsman_arg_u32(c, "NewState", &new_state) ||
		    sim_wsman_arg_bool(c, "EventOnTransition", &event))
			return SIM_WSMAN_RV_FAULT;
		int has_sd = sim_wsman_arg_u32_opt(c, "ActionSd", &sd);
		if (has_sd < 0)
			return SIM_WSMAN_RV_FAULT;
		if (slot < 0)
			return AMT_STATUS_NOT_FOUND;
		if (!old_state || !new_state || old_state > SIM_WD_ALL_STATES ||
		    new_state > SIM_WD_ALL_STATES || (has_sd && sd > 1))
			return AMT_STATUS_INVALID_PARAMETER;
		a.old_state = (uint16_t)old_state;
		a.new_state = (uint16_t)new_state;
		a.event = event;
		a.has_sd = has_sd > 0;
		a.sd = has_sd > 0 ? sd : 0;
		if (sim_wsman_arg(c, "ActionEac")) {
			if (sim_wsman_arg_bool(c, "ActionEac", &a.eac))
				return SIM_WSMAN_RV_FAULT;
			a.has_eac = true;
		}
		if (sim_presence_add_action(&st->presence, slot, &a) == 0)
			return AMT_STATUS_MAX_LIMIT_REACHED;
		return persist(c);
	}
	if (!strcmp(c->method, "DeleteAllActions")) {
		if (slot < 0)
			return AMT_STATUS_NOT_FOUND;
		st->presence.wd[slot].naction = 0;
		return persist(c);
	}
	return SIM_WSMAN_RV_NO_METHOD;
}

/* ---- AMT_AgentPresenceWatchdogAction: one per AddAction ---- */

static unsigned action_count(const struct sim_state *st)
{
	return sim_presence_action_count(&st->presence);
}

static void action_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char name[64];
	const struct sim_wd_action *a = sim_presence_action_nth(&st->presence, k, NULL);
	if (!a)
		return;
	snprintf(name, sizeof(name), ACTION_NAME " %u", (unsigned)a->handle);
	if (a->has_sd)
		sim_wsman_prop_u32(o, "ActionSd", a->sd);
	sim_wsman_prop(o, "CreationClassName", "AMT_AgentPresenceWatchdogAction");
	sim_wsman_prop(o, "ElementName", name);
	sim_wsman_prop_bool(o, "EventOnTransition", a->event);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop_u32(o, "NewState", a->new_state);
	sim_wsman_prop_u32(o, "OldState", a->old_state);
	scope(o);
}

static uint32_t action_invoke(struct sim_wsman_call *c)
{
	if (strcmp(c->method, "GetActionEac") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	const struct sim_wd_action *a =
		c->index >= 0 ? sim_presence_action_nth(&c->fw->st.presence, (unsigned)c->index, NULL)
			      : NULL;
	if (!a)
		return AMT_STATUS_NOT_FOUND;
	sim_wsman_prop_bool(&c->out, "ActionEac", a->has_eac && a->eac);
	return AMT_STATUS_SUCCESS;
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_presence_service_class = {
	.name = "AMT_AgentPresenceService",
	.uri = AMT "AMT_AgentPresenceService",
	.count = one,
	.instance = service_instance,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_watchdog_class = {
	.name = "AMT_AgentPresenceWatchdog",
	.uri = AMT "AMT_AgentPresenceWatchdog",
	.count = wd_count,
	.instance = wd_instance,
	.invoke = wd_invoke,
	.keys = watchdog_keys,
	.datetime = true,
	.remove = wd_delete,
	.create = wd_create,
	.methods_on_instance = true,
};
const struct sim_wsman_class sim_watchdog_action_class = {
	.name = "AMT_AgentPresenceWatchdogAction",
	.uri = AMT "AMT_AgentPresenceWatchdogAction",
	.count = action_count,
	.instance = action_instance,
	.invoke = action_invoke,
	.keys = sim_wsman_service_keys,
	.methods_on_instance = true,
};
