// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_remote.c - the remote-access (CIRA) classes of the simulated
 * AMT (protocol-facts-2.md 2.4, 2.5): AMT_RemoteAccessService with
 * AddMpServer and AddRemoteAccessPolicyRule, AMT_ManagementPresenceRemoteSAP
 * (the MPS entries; Delete), AMT_RemoteAccessPolicyRule (Delete),
 * AMT_RemoteAccessPolicyAppliesToMPS (Put: MpsType, OrderOfAccess),
 * AMT_MPSUsernamePassword (Put: RemoteID, Secret) and
 * AMT_UserInitiatedConnectionService (RequestStateChange 32768..32771).
 *
 * Owns: the WS-Man view of the remote-access table (fw->st.ra,
 * sim_ra_nvm.h) and of [cira] os_interface / bios_interface: what these
 * classes change is what OpenUserInitiatedConnection and the CIRA client
 * use, and every change is saved at once (sim_state_persist, under the ME
 * lock the SOAP core holds). Shapes and values follow the go-wsman-messages
 * fixtures (wsmantesting/responses/amt/remoteaccess/..., managementpresence/,
 * mps/, userinitiatedconnection/), including AMT's "Inte(r) AMT:Remote
 * Access Policy" ElementName.
 * Return values where the sources are silent (choices, documented in the
 * README): a bad or inconsistent parameter, an MPS reference that does
 * not exist, mutual-TLS authentication (not simulated) -> INVALID_PARAMETER
 * (36); the same MPS address and port twice, or a second rule for a
 * trigger -> DUPLICATE (2058); a fifth MPS -> MAX_LIMIT_REACHED (23).
 * Deleting an MPS removes it from the rules that name it.
 * Must not: open tunnels (sim_cira.c does, on the AMTHI side's request),
 * log credentials, or know SOAP framing beyond the sim_wsman_inst helpers.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heci_error.h"
#include "sim_3pds_nvm.h"
#include "sim_ini.h"
#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define PT_DUPLICATE 0x80Au
#define MPS_NAME "Intel(r) AMT:Management Presence Server"
#define RAS_NAME "Intel(r) AMT Remote Access Service"
#define UIC_NAME "Intel(r) AMT User Initiated Connection Service"
/* CIM RequestStateChange return values */
#define RSC_INVALID_PARAMETER 5u
#define RSC_TIMEOUT_UNSUPPORTED 4098u

static const char *const rule_keys[] = {"CreationClassName", "PolicyRuleName",
					"SystemCreationClassName", "SystemName", NULL};
static const char *const applies_keys[] = {"ManagedElement", "PolicySet", NULL};
static const char *const instance_id_key[] = {"InstanceID", NULL};

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

static void service_props(struct sim_wsman_inst *o, const char *ccn, const char *name)
{
	sim_wsman_prop(o, "CreationClassName", ccn);
	sim_wsman_prop(o, "ElementName", name);
}

static void scope_props(struct sim_wsman_inst *o)
{
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

/* The n-th used slot of a table of `count` entries, -1 past the end. */
static int nth_mps(const struct sim_ra_nvm *n, unsigned k)
{
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (n->mps[i].used && k-- == 0)
			return i;
	return -1;
}

static int nth_rule(const struct sim_ra_nvm *n, unsigned k)
{
	for (int t = 0; t < SIM_RA_TRIGGERS; t++)
		if (n->rules[t].used && k-- == 0)
			return t;
	return -1;
}

static void rule_name(const struct sim_state *st, int t, char *out, size_t cap)
{
	if (st->rule_naming == SIM_RULE_NAME_HANDLE)
		snprintf(out, cap, "%s %u", sim_ra_trigger_name((uint32_t)t),
			 (unsigned)st->ra.rules[t].handle);
	else
		snprintf(out, cap, "%s", sim_ra_trigger_name((uint32_t)t));
}

static void mps_epr(struct sim_wsman_inst *o, const char *prop, int slot)
{
	char name[64];
	snprintf(name, sizeof(name), MPS_NAME " %d", slot);
	sim_wsman_prop_service_epr(o, prop, AMT, "AMT_ManagementPresenceRemoteSAP", "Name", name);
}

static void rule_epr(const struct sim_state *st, struct sim_wsman_inst *o, const char *prop, int t)
{
	char name[48];
	rule_name(st, t, name, sizeof(name));
	const char *const sel[] = {"CreationClassName", "AMT_RemoteAccessPolicyRule",
				   "PolicyRuleName", name,
				   "SystemCreationClassName", "CIM_ComputerSystem",
				   "SystemName", "Intel(r) AMT", NULL};
	sim_wsman_prop_epr(o, prop, AMT "AMT_RemoteAccessPolicyRule", sel);
}

/* ---- AMT_RemoteAccessService ---- */

static void ras_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)i;
	service_props(o, "AMT_RemoteAccessService", RAS_NAME);
	/* IsRemoteTunnelConnected (CSME 17+) is the live tunnel's, which the
	 * CIRA client keeps to itself: left out rather than guessed */
	sim_wsman_prop(o, "Name", RAS_NAME);
	if (atoi(st->version) >= 17) /* CSME 17+ (go-wsman-messages remoteaccess/types.go) */
		sim_wsman_prop_u32(o, "RemoteTunnelKeepAliveTimeout",
				   st->cira_keepalive_s ? st->cira_keepalive_s : 0xFFFFFFFFu);
	scope_props(o);
}

static bool host_matches_format(const char *host, uint32_t format)
{
	uint32_t f = sim_ra_format_of(host);
	return format == SIM_RA_FQDN ? f == SIM_RA_FQDN && strchr(host, '.') != NULL
				     : f == format;
}

static uint32_t add_mp_server(struct sim_wsman_call *c)
{
	struct sim_ra_nvm *n = &c->fw->st.ra;
	uint32_t format, port, auth;
	const char *host = sim_wsman_arg_str(c, "AccessInfo");
	if (!host || sim_wsman_arg_u32(c, "InfoFormat", &format) ||
	    sim_wsman_arg_u32(c, "Port", &port) || sim_wsman_arg_u32(c, "AuthMethod", &auth))
		return SIM_WSMAN_RV_FAULT;
	const char *user = sim_wsman_arg(c, "Username"), *pass = sim_wsman_arg(c, "Password");
	const char *cn = sim_wsman_arg(c, "CN");
	if (!*host || !sim_ini_text_ok(host, SIM_RA_HOST_MAX) ||
	    (format != SIM_RA_IPV4 && format != SIM_RA_IPV6 && format != SIM_RA_FQDN) ||
	    !host_matches_format(host, format) || port == 0 || port > 65535 ||
	    auth != SIM_RA_AUTH_PASSWORD || /* mutual TLS: the CIRA client has no certificate */
	    !user || !pass || !*user || !*pass || !sim_ini_text_ok(user, SIM_RA_CRED_MAX) ||
	    !sim_ini_text_ok(pass, SIM_RA_CRED_MAX) ||
	    (cn && !sim_ini_text_ok(cn, SIM_RA_HOST_MAX)))
		return AMT_STATUS_INVALID_PARAMETER;
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (n->mps[i].used && !strcmp(n->mps[i].host, host) && n->mps[i].port == port)
			return PT_DUPLICATE;
	int slot = sim_ra_mps_free_slot(n);
	if (slot < 0)
		return AMT_STATUS_MAX_LIMIT_REACHED;
	struct sim_ra_mps *m = &n->mps[slot];
	memset(m, 0, sizeof(*m));
	m->used = true;
	snprintf(m->host, sizeof(m->host), "%s", host);
	m->port = port;
	m->format = format;
	snprintf(m->cn, sizeof(m->cn), "%s", cn && *cn ? cn : host);
	m->auth = auth;
	snprintf(m->username, sizeof(m->username), "%s", user);
	snprintf(m->password, sizeof(m->password), "%s", pass);
	mps_epr(&c->out, "MpServer", slot);
	return persist(c);
}

/* The MPS slots an array parameter names (by the Name selector of each
 * EPR), at most SIM_RA_RULE_MPS; -1 when one does not exist. */
static int mps_refs(struct sim_wsman_call *c, const char *param, int out[SIM_RA_RULE_MPS])
{
	unsigned count = sim_wsman_arg_count(c, param);
	for (int i = 0; i < SIM_RA_RULE_MPS; i++)
		out[i] = -1;
	if (count > SIM_RA_RULE_MPS)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		int slot = sim_ra_mps_by_name(&c->fw->st.ra,
					      sim_wsman_arg_epr_selector(c, param, i, "Name"));
		if (slot < 0)
			return -1;
		for (unsigned j = 0; j < i; j++)
			if (out[j] == slot)
				return -1;
		out[i] = slot;
	}
	return (int)count;
}

static uint32_t add_policy_rule(struct sim_wsman_call *c)
{
	struct sim_ra_nvm *n = &c->fw->st.ra;
	uint32_t trigger, lifetime;
	uint8_t ext[SIM_RA_EXT_MAX];
	long ext_len = 0;
	int external[SIM_RA_RULE_MPS], internal[SIM_RA_RULE_MPS];
	if (sim_wsman_arg_u32(c, "Trigger", &trigger) ||
	    sim_wsman_arg_u32(c, "TunnelLifeTime", &lifetime))
		return SIM_WSMAN_RV_FAULT;
	const char *b64 = sim_wsman_arg(c, "ExtendedData");
	if (b64 && (ext_len = sim_3pds_b64_decode(b64, strlen(b64), ext, sizeof(ext))) < 0)
		return AMT_STATUS_INVALID_PARAMETER;
	if (trigger >= SIM_RA_TRIGGERS || !sim_ra_ext_ok(trigger, ext, (size_t)ext_len) ||
	    mps_refs(c, "MpServer", external) < 1 || mps_refs(c, "InternalMpServer", internal) < 0)
		return AMT_STATUS_INVALID_PARAMETER;
	struct sim_ra_rule *r = &n->rules[trigger];
	if (r->used)
		return PT_DUPLICATE;
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->handle = n->next_rule_handle++;
	r->lifetime_s = lifetime;
	r->ext_len = (uint32_t)ext_len;
	memcpy(r->ext, ext, (size_t)ext_len);
	memcpy(r->external, external, sizeof(external));
	memcpy(r->internal, internal, sizeof(internal));
	rule_epr(&c->fw->st, &c->out, "PolicyRule", (int)trigger);
	return persist(c);
}

static uint32_t ras_invoke(struct sim_wsman_call *c)
{
	if (!strcmp(c->method, "AddMpServer"))
		return add_mp_server(c);
	if (!strcmp(c->method, "AddRemoteAccessPolicyRule"))
		return add_policy_rule(c);
	return SIM_WSMAN_RV_NO_METHOD;
}

/* ---- AMT_ManagementPresenceRemoteSAP: one per MPS ---- */

static unsigned mps_count(const struct sim_state *st)
{
	unsigned n = 0;
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		n += st->ra.mps[i].used;
	return n;
}

static void mps_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char name[64];
	int slot = nth_mps(&st->ra, k);
	if (slot < 0)
		return;
	const struct sim_ra_mps *m = &st->ra.mps[slot];
	snprintf(name, sizeof(name), MPS_NAME " %d", slot);
	sim_wsman_prop(o, "AccessInfo", m->host);
	sim_wsman_prop(o, "CN", m->cn);
	service_props(o, "AMT_ManagementPresenceRemoteSAP", MPS_NAME);
	sim_wsman_prop_u32(o, "InfoFormat", m->format);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop_u32(o, "Port", m->port);
	scope_props(o);
}

static uint32_t mps_delete(struct sim_wsman_call *c)
{
	sim_ra_mps_remove(&c->fw->st.ra, nth_mps(&c->fw->st.ra, (unsigned)c->index));
	return persist(c);
}

/* ---- AMT_RemoteAccessPolicyRule: one per trigger ---- */

static unsigned rule_count(const struct sim_state *st)
{
	unsigned n = 0;
	for (int t = 0; t < SIM_RA_TRIGGERS; t++)
		n += st->ra.rules[t].used;
	return n;
}

static void rule_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char name[48], b64[4 * ((SIM_RA_EXT_MAX + 2) / 3) + 1];
	int t = nth_rule(&st->ra, k);
	if (t < 0)
		return;
	const struct sim_ra_rule *r = &st->ra.rules[t];
	rule_name(st, t, name, sizeof(name));
	sim_wsman_prop(o, "CreationClassName", "AMT_RemoteAccessPolicyRule");
	sim_wsman_prop(o, "ElementName", "Inte(r) AMT:Remote Access Policy"); /* sic, as AMT */
	if (r->ext_len) {
		EVP_EncodeBlock((unsigned char *)b64, r->ext, (int)r->ext_len);
		sim_wsman_prop(o, "ExtendedData", b64);
	}
	sim_wsman_prop(o, "PolicyRuleName", name);
	scope_props(o);
	sim_wsman_prop_u32(o, "Trigger", (uint32_t)t);
	sim_wsman_prop_u32(o, "TunnelLifeTime", r->lifetime_s);
}

static uint32_t rule_delete(struct sim_wsman_call *c)
{
	int t = nth_rule(&c->fw->st.ra, (unsigned)c->index);
	if (t >= 0) {
		memset(&c->fw->st.ra.rules[t], 0, sizeof(c->fw->st.ra.rules[t]));
		for (int i = 0; i < SIM_RA_RULE_MPS; i++)
			c->fw->st.ra.rules[t].external[i] = c->fw->st.ra.rules[t].internal[i] = -1;
	}
	return persist(c);
}

/* ---- AMT_RemoteAccessPolicyAppliesToMPS: one per (rule, MPS) ---- */

static int list_pos(const int *list, int slot)
{
	for (int i = 0; i < SIM_RA_RULE_MPS; i++)
		if (list[i] == slot)
			return i;
	return -1;
}

/* The k-th association: rule trigger t, MPS slot, in rule order, each
 * rule's outside MPS first, then inside-only ones. */
static bool applies_nth(const struct sim_ra_nvm *n, unsigned k, int *t, int *slot)
{
	for (int r = 0; r < SIM_RA_TRIGGERS; r++) {
		const struct sim_ra_rule *rule = &n->rules[r];
		if (!rule->used)
			continue;
		for (int i = 0; i < 2 * SIM_RA_RULE_MPS; i++) {
			int s = i < SIM_RA_RULE_MPS ? rule->external[i] : rule->internal[i - SIM_RA_RULE_MPS];
			if (s < 0 || (i >= SIM_RA_RULE_MPS && list_pos(rule->external, s) >= 0))
				continue;
			if (k-- == 0) {
				*t = r;
				*slot = s;
				return true;
			}
		}
	}
	return false;
}

static unsigned applies_count(const struct sim_state *st)
{
	unsigned n = 0;
	int t, s;
	while (applies_nth(&st->ra, n, &t, &s))
		n++;
	return n;
}

static void applies_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	int t, slot;
	if (!applies_nth(&st->ra, k, &t, &slot))
		return;
	const struct sim_ra_rule *r = &st->ra.rules[t];
	int ext = list_pos(r->external, slot), in = list_pos(r->internal, slot);
	mps_epr(o, "ManagedElement", slot);
	/* MpsType: 0 outside the enterprise, 1 inside, 2 both */
	sim_wsman_prop_u32(o, "MpsType", ext >= 0 ? (in >= 0 ? 2 : 0) : 1);
	sim_wsman_prop_u32(o, "OrderOfAccess", (uint32_t)(ext >= 0 ? ext : in));
	rule_epr(st, o, "PolicySet", t);
}

static void list_remove(int *list, int slot)
{
	int pos = list_pos(list, slot);
	if (pos < 0)
		return;
	memmove(&list[pos], &list[pos + 1], (size_t)(SIM_RA_RULE_MPS - pos - 1) * sizeof(int));
	list[SIM_RA_RULE_MPS - 1] = -1;
}

static int list_insert(int *list, int slot, uint32_t pos)
{
	int len = 0;
	while (len < SIM_RA_RULE_MPS && list[len] >= 0)
		len++;
	if (len >= SIM_RA_RULE_MPS)
		return -1;
	if (pos > (uint32_t)len)
		pos = (uint32_t)len;
	memmove(&list[pos + 1], &list[pos], (size_t)(len - (int)pos) * sizeof(int));
	list[pos] = slot;
	return 0;
}

static uint32_t applies_put(struct sim_wsman_call *c)
{
	struct sim_ra_nvm *n = &c->fw->st.ra;
	uint32_t type, order;
	int t, slot;
	if (sim_wsman_arg_u32(c, "MpsType", &type) || sim_wsman_arg_u32(c, "OrderOfAccess", &order))
		return SIM_WSMAN_RV_FAULT;
	if (type > 2 || order >= SIM_RA_RULE_MPS || !applies_nth(n, (unsigned)c->index, &t, &slot)) {
		snprintf(c->fault, sizeof(c->fault), "MpsType must be 0..2 and OrderOfAccess 0..%d.",
			 SIM_RA_RULE_MPS - 1);
		return SIM_WSMAN_RV_FAULT;
	}
	struct sim_ra_rule copy = n->rules[t];
	list_remove(copy.external, slot); /* out of both lists, then back in */
	list_remove(copy.internal, slot);
	if ((type != 1 && list_insert(copy.external, slot, order) != 0) ||
	    (type != 0 && list_insert(copy.internal, slot, order) != 0)) {
		snprintf(c->fault, sizeof(c->fault), "The rule already names %d MPS for that network.",
			 SIM_RA_RULE_MPS);
		return SIM_WSMAN_RV_FAULT;
	}
	n->rules[t] = copy;
	return persist(c);
}

/* ---- AMT_MPSUsernamePassword: one per MPS with password authentication ---- */

static int nth_credential(const struct sim_ra_nvm *n, unsigned k)
{
	for (int i = 0; i < SIM_RA_MAX_MPS; i++)
		if (n->mps[i].used && n->mps[i].auth == SIM_RA_AUTH_PASSWORD && k-- == 0)
			return i;
	return -1;
}

static unsigned credential_count(const struct sim_state *st)
{
	unsigned n = 0;
	while (nth_credential(&st->ra, n) >= 0)
		n++;
	return n;
}

static void credential_instance(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char id[64];
	int slot = nth_credential(&st->ra, k);
	if (slot < 0)
		return;
	snprintf(id, sizeof(id), "Intel(r) AMT:MPS Username Password %d", slot);
	sim_wsman_prop(o, "InstanceID", id);
	sim_wsman_prop(o, "RemoteID", st->ra.mps[slot].username); /* the Secret is never shown */
}

static uint32_t credential_put(struct sim_wsman_call *c)
{
	int slot = nth_credential(&c->fw->st.ra, (unsigned)c->index);
	const char *user = sim_wsman_arg_str(c, "RemoteID"), *secret = sim_wsman_arg(c, "Secret");
	if (!user)
		return SIM_WSMAN_RV_FAULT;
	if (slot < 0 || !*user || !sim_ini_text_ok(user, SIM_RA_CRED_MAX) ||
	    (secret && (!*secret || !sim_ini_text_ok(secret, SIM_RA_CRED_MAX)))) {
		snprintf(c->fault, sizeof(c->fault),
			 "RemoteID and Secret: 1..%d printable characters, no ';'.", SIM_RA_CRED_MAX);
		return SIM_WSMAN_RV_FAULT;
	}
	struct sim_ra_mps *m = &c->fw->st.ra.mps[slot];
	snprintf(m->username, sizeof(m->username), "%s", user);
	if (secret)
		snprintf(m->password, sizeof(m->password), "%s", secret);
	return persist(c);
}

/* ---- AMT_UserInitiatedConnectionService ---- */

static uint32_t ui_state(const struct sim_state *st)
{
	return 32768u + (st->bios_interface ? 1u : 0u) + (st->os_interface ? 2u : 0u);
}

static void ui_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)i;
	service_props(o, "AMT_UserInitiatedConnectionService", UIC_NAME);
	sim_wsman_prop_u32(o, "EnabledState", ui_state(st));
	sim_wsman_prop(o, "Name", UIC_NAME);
	scope_props(o);
}

/* RequestStateChange(RequestedState, TimeoutPeriod): 32768 all interfaces
 * disabled, 32769 BIOS, 32770 OS, 32771 both; the AMTHI side reports the
 * same bits (GetUserInitiatedEnabledInterfaces). */
static uint32_t ui_invoke(struct sim_wsman_call *c)
{
	uint32_t want;
	if (strcmp(c->method, "RequestStateChange") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	if (sim_wsman_arg_u32(c, "RequestedState", &want))
		return SIM_WSMAN_RV_FAULT;
	const char *timeout = sim_wsman_arg(c, "TimeoutPeriod");
	if (timeout && *timeout)
		return RSC_TIMEOUT_UNSUPPORTED;
	if (want < 32768u || want > 32771u)
		return RSC_INVALID_PARAMETER;
	c->fw->st.bios_interface = want & 1u;
	c->fw->st.os_interface = (want & 2u) != 0;
	return persist(c);
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_remote_access_service_class = {
	.name = "AMT_RemoteAccessService",
	.uri = AMT "AMT_RemoteAccessService",
	.count = one,
	.instance = ras_instance,
	.invoke = ras_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_mps_sap_class = {
	.name = "AMT_ManagementPresenceRemoteSAP",
	.uri = AMT "AMT_ManagementPresenceRemoteSAP",
	.count = mps_count,
	.instance = mps_instance,
	.keys = sim_wsman_service_keys,
	.datetime = true,
	.remove = mps_delete,
};
const struct sim_wsman_class sim_policy_rule_class = {
	.name = "AMT_RemoteAccessPolicyRule",
	.uri = AMT "AMT_RemoteAccessPolicyRule",
	.count = rule_count,
	.instance = rule_instance,
	.keys = rule_keys,
	.remove = rule_delete,
};
const struct sim_wsman_class sim_policy_applies_class = {
	.name = "AMT_RemoteAccessPolicyAppliesToMPS",
	.uri = AMT "AMT_RemoteAccessPolicyAppliesToMPS",
	.count = applies_count,
	.instance = applies_instance,
	.keys = applies_keys,
	.put = applies_put,
};
const struct sim_wsman_class sim_mps_credential_class = {
	.name = "AMT_MPSUsernamePassword",
	.uri = AMT "AMT_MPSUsernamePassword",
	.count = credential_count,
	.instance = credential_instance,
	.keys = instance_id_key,
	.datetime = true,
	.put = credential_put,
};
const struct sim_wsman_class sim_user_initiated_class = {
	.name = "AMT_UserInitiatedConnectionService",
	.uri = AMT "AMT_UserInitiatedConnectionService",
	.count = one,
	.instance = ui_instance,
	.invoke = ui_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
