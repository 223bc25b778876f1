// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_alerts.c - the alert classes of the simulated AMT
 * (protocol-facts-2.md 1.1, 1.3, 1.7, 2.3): CIM_FilterCollection (the
 * collections one subscribes to), CIM_ListenerDestinationWSManagement and
 * its base CIM_ListenerDestination (one per subscriber; Delete
 * unsubscribes), CIM_FilterCollectionSubscription (the association; Delete
 * unsubscribes), AMT_MessageLog (PositionToFirstRecord, GetRecords,
 * ClearLog, FreezeLog) and AMT_EnvironmentDetectionSettingData (Put:
 * DetectionStrings, which decide inside / outside the enterprise).
 *
 * Owns: the WS-Man view of fw->st.alerts and fw->st.msglog. Shapes follow
 * the go-wsman-messages fixtures (amt/messagelog/get.xml, getrecords.xml,
 * amt/environmentdetection/get.xml) and MeshCommander's subscription panel
 * (the Handler EPR's CreationClassName "CIM_ListenerDestinationWSMAN").
 * GetRecords hands out records newest first, as the fixture's timestamps
 * run; an IterationIdentifier is the 1-based position of the next record.
 * Must not: deliver events or parse Subscribe (sim_wsman_eventing.c,
 * sim_events.c).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amt_status.h"
#include "sim_wsman_int.h"

#define CIM SIM_WSMAN_CIM
#define AMT SIM_WSMAN_AMT
#define LISTENER_CCN "CIM_ListenerDestinationWSMAN" /* as MeshCommander sends it */
#define LOG_NAME "Intel(r) AMT:MessageLog 1"
#define ENV_NAME "Intel(r) AMT Environment Detection Settings"

const char *const sim_listener_keys[] = {"CreationClassName", "Name", "SystemCreationClassName",
					 "SystemName", NULL};
static const char *const instance_id_key[] = {"InstanceID", NULL};
static const char *const subscription_keys[] = {"Filter", "Handler", NULL};

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

static uint32_t persist(struct sim_wsman_call *c)
{
	sim_state_persist(&c->fw->st, c->fw->state_path);
	return AMT_STATUS_SUCCESS;
}

/* ---- CIM_FilterCollection ---- */

static unsigned filter_count(const struct sim_state *st)
{
	(void)st;
	return SIM_FILTER_COUNT;
}

static void filter_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	char id[64];
	(void)st;
	snprintf(id, sizeof(id), SIM_FILTER_PREFIX "%s", sim_filter_name(i));
	sim_wsman_prop(o, "CollectionName", id);
	sim_wsman_prop(o, "ElementName", id);
	sim_wsman_prop(o, "InstanceID", id);
}

/* ---- CIM_ListenerDestinationWSManagement: one per subscriber ---- */

static unsigned sub_count(const struct sim_state *st)
{
	return sim_sub_count(&st->alerts);
}

static void listener_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char name[48];
	int slot = sim_sub_nth(&st->alerts, k);
	if (slot < 0)
		return;
	const struct sim_subscription *s = &st->alerts.subs[slot];
	sim_sub_name(s, name, sizeof(name));
	sim_wsman_prop(o, "CreationClassName", LISTENER_CCN);
	sim_wsman_prop_u32(o, "DeliveryMode", s->mode);
	sim_wsman_prop(o, "Destination", s->url); /* the credentials are never shown */
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

static uint32_t unsubscribe(struct sim_wsman_call *c)
{
	struct sim_alert_nvm *n = &c->fw->st.alerts;
	int slot = sim_sub_nth(n, (unsigned)c->index);
	if (slot >= 0)
		memset(&n->subs[slot], 0, sizeof(n->subs[slot]));
	return persist(c);
}

/* ---- CIM_FilterCollectionSubscription: the association ---- */

static void subscription_instance(const struct sim_state *st, unsigned k,
				  struct sim_wsman_inst *o)
{
	char name[48], id[64];
	int slot = sim_sub_nth(&st->alerts, k);
	if (slot < 0)
		return;
	const struct sim_subscription *s = &st->alerts.subs[slot];
	snprintf(id, sizeof(id), SIM_FILTER_PREFIX "%s", sim_filter_name(s->filter));
	sim_sub_name(s, name, sizeof(name));
	const char *const filter[] = {"InstanceID", id, NULL};
	const char *const handler[] = {"CreationClassName", LISTENER_CCN, "Name", name,
				       "SystemCreationClassName", "CIM_ComputerSystem",
				       "SystemName", "Intel(r) AMT", NULL};
	sim_wsman_prop_epr(o, "Filter", CIM "CIM_FilterCollection", filter);
	sim_wsman_prop_epr(o, "Handler", CIM "CIM_ListenerDestinationWSManagement", handler);
}

/* ---- AMT_MessageLog ---- */

static void log_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)i;
	static const uint32_t caps[] = {5, 6, 8, 7}; /* as the fixture lists them */
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
		sim_wsman_prop_u32(o, "Capabilities", caps[k]);
	sim_wsman_prop_u32(o, "CharacterSet", 10);
	sim_wsman_prop(o, "CreationClassName", "AMT_MessageLog");
	sim_wsman_prop_u32(o, "CurrentNumberOfRecords", st->msglog.count);
	sim_wsman_prop(o, "ElementName", LOG_NAME);
	sim_wsman_prop_u32(o, "EnabledDefault", 2);
	sim_wsman_prop_u32(o, "EnabledState", 2);
	sim_wsman_prop_u32(o, "HealthState", 5);
	sim_wsman_prop_bool(o, "IsFrozen", st->msglog.frozen);
	sim_wsman_prop_u32(o, "LastChange", 0);
	sim_wsman_prop_u32(o, "LogState", 4);
	sim_wsman_prop_u32(o, "MaxLogSize", 0);
	sim_wsman_prop_u32(o, "MaxNumberOfRecords", SIM_MSGLOG_MAX);
	sim_wsman_prop_u32(o, "MaxRecordSize", SIM_MSGLOG_RECORD);
	sim_wsman_prop(o, "Name", LOG_NAME);
	sim_wsman_prop_u32(o, "OperationalStatus", 2);
	sim_wsman_prop_u32(o, "OverwritePolicy", 2);
	sim_wsman_prop_u32(o, "PercentageNearFull", st->msglog.count * 100u / SIM_MSGLOG_MAX);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	sim_wsman_prop_u32(o, "SizeOfHeader", 0);
	sim_wsman_prop_u32(o, "SizeOfRecordHeader", 0);
	sim_wsman_prop(o, "Status", "OK");
}

/* GetRecords(IterationIdentifier, MaxReadRecords): the records from that
 * position on, newest first; NoMoreRecords when the end was reached. */
static uint32_t get_records(struct sim_wsman_call *c)
{
	const struct sim_msglog *l = &c->fw->st.msglog;
	uint32_t it, max;
	char b64[4 * ((SIM_MSGLOG_RECORD + 2) / 3) + 1];
	if (sim_wsman_arg_u32(c, "IterationIdentifier", &it) ||
	    sim_wsman_arg_u32(c, "MaxReadRecords", &max))
		return SIM_WSMAN_RV_FAULT;
	if (it == 0)
		return AMT_STATUS_INVALID_PARAMETER;
	if (max > SIM_MSGLOG_MAX)
		max = SIM_MSGLOG_MAX;
	uint64_t k = (uint64_t)it - 1, end = k + max;
	if (end > l->count)
		end = l->count;
	sim_wsman_prop_u32(&c->out, "IterationIdentifier", (uint32_t)(end > k ? end + 1 : it));
	sim_wsman_prop_bool(&c->out, "NoMoreRecords", end >= l->count);
	for (uint64_t j = k; j < end; j++) {
		EVP_EncodeBlock((unsigned char *)b64, sim_msglog_newest(l, (unsigned)j), SIM_MSGLOG_RECORD);
		sim_wsman_prop(&c->out, "RecordArray", b64);
	}
	return AMT_STATUS_SUCCESS;
}

static uint32_t log_invoke(struct sim_wsman_call *c)
{
	struct sim_msglog *l = &c->fw->st.msglog;
	bool freeze;
	if (!strcmp(c->method, "PositionToFirstRecord")) {
		sim_wsman_prop_u32(&c->out, "IterationIdentifier", 1);
		return AMT_STATUS_SUCCESS;
	}
	if (!strcmp(c->method, "GetRecords"))
		return get_records(c);
	if (!strcmp(c->method, "ClearLog")) {
		sim_msglog_clear(l);
		return persist(c);
	}
	if (!strcmp(c->method, "FreezeLog")) {
		if (sim_wsman_arg_bool(c, "Freeze", &freeze))
			return SIM_WSMAN_RV_FAULT;
		l->frozen = freeze;
		return persist(c);
	}
	return SIM_WSMAN_RV_NO_METHOD;
}

/* ---- AMT_EnvironmentDetectionSettingData ---- */

static void env_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)i;
	sim_wsman_prop_u32(o, "DetectionAlgorithm", 0); /* local domains, the only kind AMT has */
	for (unsigned k = 0; k < st->alerts.detection_count; k++)
		sim_wsman_prop(o, "DetectionStrings", st->alerts.detection[k]);
	sim_wsman_prop(o, "ElementName", ENV_NAME);
	sim_wsman_prop(o, "InstanceID", ENV_NAME);
}

/* Put of the whole instance (go-wsman-messages settingdata.go): the
 * DetectionStrings given replace the list; none clears it. */
static uint32_t env_put(struct sim_wsman_call *c)
{
	struct sim_alert_nvm *n = &c->fw->st.alerts;
	uint32_t alg;
	if (sim_wsman_arg_u32(c, "DetectionAlgorithm", &alg))
		return SIM_WSMAN_RV_FAULT;
	if (alg != 0) {
		snprintf(c->fault, sizeof(c->fault), "DetectionAlgorithm: only 0 (local domains).");
		return SIM_WSMAN_RV_FAULT;
	}
	unsigned count = 0;
	char list[SIM_ENV_MAX][SIM_ENV_STRING_MAX + 1];
	for (unsigned i = 0; i < c->nargs; i++) {
		if (strcmp(c->args[i].name, "DetectionStrings") != 0)
			continue;
		if (count >= SIM_ENV_MAX || !sim_env_string_ok(c->args[i].value)) {
			snprintf(c->fault, sizeof(c->fault),
				 "DetectionStrings: at most %d DNS suffixes of 1..%d characters.",
				 SIM_ENV_MAX, SIM_ENV_STRING_MAX);
			return SIM_WSMAN_RV_FAULT;
		}
		snprintf(list[count++], sizeof(list[0]), "%s", c->args[i].value);
	}
	n->detection_count = count;
	memcpy(n->detection, list, sizeof(list));
	return persist(c);
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_filter_collection_class = {
	.name = "CIM_FilterCollection",
	.uri = CIM "CIM_FilterCollection",
	.count = filter_count,
	.instance = filter_instance,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_listener_class = {
	.name = "CIM_ListenerDestinationWSManagement",
	.uri = CIM "CIM_ListenerDestinationWSManagement",
	.count = sub_count,
	.instance = listener_instance,
	.keys = sim_listener_keys,
	.remove = unsubscribe,
};
/* The base class: enumerating it gives the subscribers as instances of
 * the subclass (MeshCommander pulls CIM_ListenerDestination). */
const struct sim_wsman_class sim_listener_base_class = {
	.name = "CIM_ListenerDestination",
	.uri = CIM "CIM_ListenerDestination",
	.count = sub_count,
	.instance = listener_instance,
	.keys = sim_listener_keys,
	.item_name = "CIM_ListenerDestinationWSManagement",
	.item_uri = CIM "CIM_ListenerDestinationWSManagement",
};
const struct sim_wsman_class sim_subscription_class = {
	.name = "CIM_FilterCollectionSubscription",
	.uri = CIM "CIM_FilterCollectionSubscription",
	.count = sub_count,
	.instance = subscription_instance,
	.keys = subscription_keys,
	.remove = unsubscribe,
};
const struct sim_wsman_class sim_message_log_class = {
	.name = "AMT_MessageLog",
	.uri = AMT "AMT_MessageLog",
	.count = one,
	.instance = log_instance,
	.invoke = log_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_environment_class = {
	.name = "AMT_EnvironmentDetectionSettingData",
	.uri = AMT "AMT_EnvironmentDetectionSettingData",
	.count = one,
	.instance = env_instance,
	.keys = instance_id_key,
	.put = env_put,
};
