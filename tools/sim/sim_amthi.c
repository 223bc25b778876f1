// SPDX-License-Identifier: Apache-2.0
/*
 * sim_amthi.c - the AMTHI firmware client of the simulated ME.
 *
 * Answers each request the way firmware does (protocol-facts.md sections 3
 * and 10): response code = request | 0x00800000, Length = 4 + body, exact
 * size variable lists, an error status for an unknown command or a wrong
 * request length (never silence), NOT_READY for the first N requests after
 * start when asked to, NOT_FOUND for a disabled local system account.
 * Bodies are built with the shared codec's encoders, so the simulator and
 * the agent agree byte for byte by construction and the codec's tests pin
 * the layout.
 * StartConfiguration(Ex)/StopConfiguration and Open/CloseUserInitiated-
 * Connection only check the preconditions here and hand over to
 * sim_hello.c / sim_cira.c, whose threads own the network side.
 * Must not: do I/O; replies go through sim_conn_reply().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "heci.h"
#include "sim_cira.h"
#include "sim_events.h"
#include "sim_fw.h"
#include "sim_hello.h"

#define SIM_AMTHI_BODY_MAX 4096

struct reply {
	amt_status_t status;
	uint8_t body[SIM_AMTHI_BODY_MAX];
	size_t len;
};

/* Expected request body length per command; -1 = not implemented by this
 * firmware (StartConfigurationEx arrived with AMT 6.0). */
static int request_len(const struct sim_state *st, uint32_t cmd)
{
	switch (cmd) {
	case AMTHI_START_CONFIGURATION_EX:
		return atoi(st->version) >= 6 ? 4 : -1;
	case AMTHI_GET_LAN_INTERFACE_SETTINGS:
	case AMTHI_GET_CERT_HASH_ENTRY:
		return 4;
	case AMTHI_GET_LOCAL_SYSTEM_ACCOUNT:
		return AMT_LOCAL_ACCOUNT_REQ_LEN;
	case AMTHI_GET_PROVISIONING_MODE:
	case AMTHI_GET_PROVISIONING_STATE:
	case AMTHI_GET_CODE_VERSIONS:
	case AMTHI_GET_SECURITY_PARAMETERS:
	case AMTHI_ENUMERATE_HASH_HANDLES:
	case AMTHI_GET_PKI_FQDN_SUFFIX:
	case AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS:
	case AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES:
	case AMTHI_GET_UUID:
	case AMTHI_GET_CONTROL_MODE:
	case AMTHI_START_CONFIGURATION:
	case AMTHI_STOP_CONFIGURATION:
	case AMTHI_OPEN_USER_INITIATED_CONNECTION:
	case AMTHI_CLOSE_USER_INITIATED_CONNECTION:
		return 0;
	default:
		return -1;
	}
}

static void code_versions(const struct sim_state *st, struct reply *r)
{
	struct amt_code_versions v;
	sim_state_code_versions(st, &v);
	amthi_encode_code_versions(r->body, sizeof(r->body), &v, &r->len);
}

static void lan(const struct sim_state *st, uint32_t index, struct reply *r)
{
	const struct sim_lan *l = index == AMT_LAN_WIRED ? &st->wired : &st->wireless;
	if (index > AMT_LAN_WIRELESS || (index == AMT_LAN_WIRELESS && !l->present)) {
		r->status = AMT_STATUS_INTERFACE_DOES_NOT_EXIST;
		return;
	}
	struct amt_lan_settings s = {
		.enabled = l->enabled,
		.ipv4 = l->ipv4,
		.dhcp_enabled = l->dhcp,
		.dhcp_ip_mode = l->dhcp ? 1 : 2,
		.link_status = l->link_up ? 1 : 0,
	};
	memcpy(s.mac, l->mac, 6);
	amthi_encode_lan_settings(r->body, sizeof(r->body), &s, &r->len);
}

static uint32_t trigger_on_wire(const struct sim_state *st)
{
	/* state uses LMS numbering; rpc-go's reading swaps 2 and 3 */
	if (st->trigger_numbering == SIM_NUM_RPCGO && (st->cira_trigger == 2 || st->cira_trigger == 3))
		return 5 - st->cira_trigger;
	return st->cira_trigger;
}

/* Where AMT is: with environment detection set ([environment] detection,
 * AMT_EnvironmentDetectionSettingData) the DNS suffix decides, inside (0)
 * or outside (2); without, [cira] network as given. */
static uint32_t network_status(const struct sim_state *st)
{
	int inside = sim_env_inside(&st->alerts, st->dns_suffix);
	return inside < 0 ? st->cira_network : inside ? AMT_NET_DIRECT : AMT_NET_OUTSIDE;
}

static void remote_access(const struct sim_fw *fw, struct reply *r)
{
	const struct sim_state *st = &fw->st;
	struct amt_remote_access_status s = {
		.network_status = network_status(st),
		.cira_status = st->cira_status,
		.trigger = trigger_on_wire(st),
	};
	const struct sim_ra_rule *rule;
	const struct sim_ra_mps *mps;
	if (sim_cira_status(fw, &s.cira_status)) /* a live request owns the status */
		s.trigger = 0;                    /* user initiated in both numberings */
	/* the host name only, as firmware reports the MPS by name: the one a
	 * user-initiated tunnel goes to, else the first configured */
	sim_ra_user_route(&st->ra, &rule, &mps);
	for (int i = 0; !mps && i < SIM_RA_MAX_MPS; i++)
		if (st->ra.mps[i].used)
			mps = &st->ra.mps[i];
	snprintf(s.mps_hostname, sizeof(s.mps_hostname), "%s", mps ? mps->host : "");
	amthi_encode_remote_access_status(r->body, sizeof(r->body), &s, st->ansi_nul, &r->len);
}

/* Handles are sparse on purpose: clients must not assume 0..n-1. */
#define HANDLE_OF(i) (0x100u + 3u * (uint32_t)(i))

static void hash_handles(const struct sim_state *st, struct reply *r)
{
	struct amt_hash_handles h = {.count = st->hash_count};
	for (unsigned i = 0; i < st->hash_count; i++)
		h.handles[i] = HANDLE_OF(i);
	amthi_encode_hash_handles(r->body, sizeof(r->body), &h, &r->len);
}

static uint8_t hash_alg_id(const struct sim_state *st, int alg)
{
	switch (alg) {
	case SIM_HASH_SHA1:
		return 1;
	case SIM_HASH_SHA256:
		return 2;
	case SIM_HASH_SHA384:
		return 3;
	default: /* SHA512: 3 in intel/lms numbering, 5 in rpc-go's */
		return st->hash_numbering == SIM_NUM_LMS ? 3 : 5;
	}
}

static void cert_hash(const struct sim_state *st, uint32_t handle, struct reply *r)
{
	for (unsigned i = 0; i < st->hash_count; i++) {
		if (HANDLE_OF(i) != handle)
			continue;
		const struct sim_hash *h = &st->hashes[i];
		struct amt_cert_hash_entry e;
		memset(&e, 0, sizeof(e));
		e.is_default = h->is_default;
		e.is_active = h->active;
		memcpy(e.hash, h->bytes, h->len);
		e.hash_len = h->len;
		e.algorithm = hash_alg_id(st, h->alg);
		snprintf(e.name, sizeof(e.name), "%s", h->name);
		amthi_encode_cert_hash_entry(r->body, sizeof(r->body), &e, st->ansi_nul, &r->len);
		return;
	}
	r->status = AMT_STATUS_INVALID_HANDLE;
}

static void local_account(const struct sim_state *st, struct reply *r)
{
	if (!st->local_account_enabled) {
		r->status = AMT_STATUS_NOT_FOUND;
		return;
	}
	struct amt_local_account a;
	memset(&a, 0, sizeof(a));
	snprintf(a.username, sizeof(a.username), "%s", st->local_user);
	snprintf(a.password, sizeof(a.password), "%s", st->local_password);
	amthi_encode_local_account(r->body, sizeof(r->body), &a, st->local_account_pad, &r->len);
}

static void security_params(const struct sim_state *st, struct reply *r)
{
	struct amt_security_params p;
	memset(&p, 0, sizeof(p));
	p.words[AMT_SEC_ENTERPRISE_MODE] = st->prov_mode == 1;
	p.words[AMT_SEC_HW_CRYPTO] = 1;
	p.words[AMT_SEC_PROVISIONING_STATE] = st->prov_state;
	p.words[AMT_SEC_NETWORK_INTERFACE_ENABLED] = 1;
	p.words[AMT_SEC_SOL_ENABLED] = 1;
	p.words[AMT_SEC_IDER_ENABLED] = 1;
	p.words[AMT_SEC_FW_UPDATE_ENABLED] = 1;
	p.words[AMT_SEC_LINK_IS_UP] = st->wired.link_up;
	amthi_encode_security_params(r->body, sizeof(r->body), &p, &r->len);
}

/* StartConfiguration(Ex): hellos to the provisioning server (section 8.1).
 * No DHCP option 15 / DNS suffix and no configured server: NOT_READY. The
 * IPv6 flag of the Ex form is accepted and has no effect here. */
static amt_status_t start_configuration(struct sim_fw *fw)
{
	const struct sim_state *st = &fw->st;
	if (st->prov_state == AMT_PROVISIONING_POST)
		return AMT_STATUS_INVALID_AMT_MODE;
	if (st->hello_not_ready || (!st->prov_server[0] && !st->dns_suffix[0]))
		return AMT_STATUS_NOT_READY;
	return sim_hello_start(fw, false) == 0 ? AMT_STATUS_SUCCESS : AMT_STATUS_INTERNAL_ERROR;
}

static amt_status_t stop_configuration(struct sim_fw *fw)
{
	if (fw->st.prov_state == AMT_PROVISIONING_POST)
		return AMT_STATUS_INVALID_AMT_MODE;
	sim_hello_stop(fw);
	return AMT_STATUS_SUCCESS;
}

/* OpenUserInitiatedConnection (section 9; protocol-facts-2.md 2.1).
 * Inside the enterprise (Client-Initiated Local Access) AMT opens no
 * tunnel: it sends iAMT0036 to its subscribers, and refuses (NOT_PERMITTED,
 * a simulator choice) when nobody subscribed to a collection that carries
 * it or the OS interface is off; the status it answers is [events]
 * cila_open_status (UNVERIFIED: REMOTE_ACCESS_NOT_GRANTED or SUCCESS).
 * Outside: the tunnel is set up asynchronously by sim_cira.c (a second
 * Open while one is requested changes nothing) and the event goes out too. */
static amt_status_t open_ui_connection(struct sim_fw *fw)
{
	const struct sim_state *st = &fw->st;
	if (st->prov_state != AMT_PROVISIONING_POST)
		return AMT_STATUS_INVALID_AMT_MODE;
	if (network_status(st) == AMT_NET_DIRECT) {
		if (!st->os_interface || sim_sub_cila_count(&st->alerts) == 0)
			return AMT_STATUS_NOT_PERMITTED;
		sim_events_user_initiated(fw);
		return st->alerts.cila_status == SIM_CILA_SUCCESS ? AMT_STATUS_SUCCESS
								  : AMT_STATUS_REMOTE_ACCESS_NOT_GRANTED;
	}
	const struct sim_ra_rule *rule;
	const struct sim_ra_mps *mps;
	sim_ra_user_route(&st->ra, &rule, &mps);
	if (!st->os_interface || !rule)
		return AMT_STATUS_NOT_PERMITTED;
	if (!mps)
		return AMT_STATUS_DATA_MISSING;
	if (sim_cira_open(fw) != 0)
		return AMT_STATUS_INTERNAL_ERROR;
	sim_events_user_initiated(fw);
	return AMT_STATUS_SUCCESS;
}

static amt_status_t close_ui_connection(struct sim_fw *fw)
{
	if (fw->st.prov_state != AMT_PROVISIONING_POST)
		return AMT_STATUS_INVALID_AMT_MODE;
	sim_cira_close(fw);
	return AMT_STATUS_SUCCESS;
}

static uint32_t arg_u32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void dispatch(struct sim_fw *fw, uint32_t cmd, const uint8_t *body, struct reply *r)
{
	const struct sim_state *st = &fw->st;
	switch (cmd) {
	case AMTHI_START_CONFIGURATION:
	case AMTHI_START_CONFIGURATION_EX:
		r->status = start_configuration(fw);
		break;
	case AMTHI_STOP_CONFIGURATION:
		r->status = stop_configuration(fw);
		break;
	case AMTHI_OPEN_USER_INITIATED_CONNECTION:
		r->status = open_ui_connection(fw);
		break;
	case AMTHI_CLOSE_USER_INITIATED_CONNECTION:
		r->status = close_ui_connection(fw);
		break;
	case AMTHI_GET_CODE_VERSIONS:
		code_versions(st, r);
		break;
	case AMTHI_GET_PROVISIONING_STATE:
		amthi_encode_u32(r->body, sizeof(r->body), st->prov_state, &r->len);
		break;
	case AMTHI_GET_PROVISIONING_MODE: {
		struct amt_provisioning_mode m = {.mode = st->prov_mode, .legacy = false};
		amthi_encode_provisioning_mode(r->body, sizeof(r->body), &m, &r->len);
		break;
	}
	case AMTHI_GET_CONTROL_MODE:
		amthi_encode_u32(r->body, sizeof(r->body), st->control_mode, &r->len);
		break;
	case AMTHI_GET_UUID:
		amthi_encode_uuid(r->body, sizeof(r->body), st->uuid, &r->len);
		break;
	case AMTHI_GET_PKI_FQDN_SUFFIX:
		amthi_encode_ansi(r->body, sizeof(r->body), st->dns_suffix, st->ansi_nul, &r->len);
		break;
	case AMTHI_GET_LAN_INTERFACE_SETTINGS:
		lan(st, arg_u32(body), r);
		break;
	case AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS:
		remote_access(fw, r);
		break;
	case AMTHI_ENUMERATE_HASH_HANDLES:
		hash_handles(st, r);
		break;
	case AMTHI_GET_CERT_HASH_ENTRY:
		cert_hash(st, arg_u32(body), r);
		break;
	case AMTHI_GET_LOCAL_SYSTEM_ACCOUNT:
		local_account(st, r);
		break;
	case AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES:
		amthi_encode_u32(r->body, sizeof(r->body),
				 (st->bios_interface ? AMT_UI_IF_BIOS : 0) |
					 (st->os_interface ? AMT_UI_IF_OS : 0),
				 &r->len);
		break;
	case AMTHI_GET_SECURITY_PARAMETERS:
		security_params(st, r);
		break;
	default:
		r->status = AMT_STATUS_INVALID_COMMAND;
		break;
	}
}

static void on_message(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	struct sim_fw *fw = ctx;
	static struct reply r; /* handlers run under the ME lock: one at a time */
	uint8_t out[AMTHI_HDR_LEN + 4 + SIM_AMTHI_BODY_MAX];
	uint32_t cmd;
	const uint8_t *body;
	size_t blen, olen;

	if (!sim_amt_host_interface(&fw->st)) {
		/* AMT disabled, "empty" reading: the client answers nothing useful */
		sim_conn_reply(c, NULL, 0);
		return;
	}
	memset(&r, 0, sizeof(r));
	cmd = len >= 8 ? arg_u32(msg + 4) : 0; /* known even when Length is wrong */
	int rc = amthi_decode_request(msg, len, &cmd, &body, &blen);
	if (rc == HECI_E_SHORT || rc == HECI_E_BAD_VERSION || rc == HECI_E_BAD_RESERVED) {
		/* not even a header we can answer to: firmware drops it */
		return;
	}
	if (rc != 0) {
		r.status = AMT_STATUS_INVALID_MESSAGE_LENGTH;
	} else if (fw->not_ready_left > 0) {
		fw->not_ready_left--;
		r.status = AMT_STATUS_NOT_READY;
	} else {
		int want = request_len(&fw->st, cmd);
		if (want < 0)
			r.status = AMT_STATUS_INVALID_COMMAND;
		else if ((size_t)want != blen)
			r.status = AMT_STATUS_INVALID_MESSAGE_LENGTH;
		else
			dispatch(fw, cmd, body, &r);
	}
	if (r.status != AMT_STATUS_SUCCESS)
		r.len = 0;
	if (amthi_encode_response(out, sizeof(out), cmd, r.status, r.body, r.len, &olen) == 0)
		sim_conn_reply(c, out, olen);
}

int sim_amthi_register(struct sim_fw *fw, char *err, size_t errcap)
{
	fw->not_ready_left = fw->st.not_ready_count;
	/* AMT disabled or not in the firmware (no AMT among the enabled
	 * features): absent (ENOTTY on connect), or with amt_disabled_style =
	 * empty present and answering empty messages */
	if (!sim_amt_host_interface(&fw->st) && fw->st.disabled_style != SIM_DISABLED_EMPTY)
		return 0;
	struct sim_client_def def = {
		.name = "AMTHI",
		.mtu = fw->st.amthi_mtu,
		.proto_ver = 1,
		.max_conns = fw->st.amthi_max_connections,
		.on_message = on_message,
		.ctx = fw,
	};
	memcpy(def.guid, HECI_GUID_AMTHI.b, 16);
	return sim_me_add_client(fw->me, &def);
}
