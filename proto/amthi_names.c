// SPDX-License-Identifier: Apache-2.0
/*
 * amthi_names.c - names of AMTHI commands and of the values their bodies
 * carry (see amthi_codec.h), and the text formats of addresses.
 *
 * Owns: the strings the agent prints and the simulator logs for a command
 * code, a provisioning state, a control mode, a CIRA status or trigger
 * (both UNVERIFIED numberings), and IPv4/MAC text.
 * Must not: parse or build a message.
 */
#include "amthi_codec.h"

#include <stdio.h>

/* ---- command names ---- */

static const struct {
	uint32_t cmd;
	const char *name;
} cmd_names[] = {
	{AMTHI_GET_PROVISIONING_MODE, "GetProvisioningMode"},
	{AMTHI_GET_PROVISIONING_STATE, "GetProvisioningState"},
	{AMTHI_GET_CODE_VERSIONS, "GetCodeVersions"},
	{AMTHI_GET_SECURITY_PARAMETERS, "GetSecurityParameters"},
	{AMTHI_START_CONFIGURATION, "StartConfiguration"},
	{AMTHI_ENUMERATE_HASH_HANDLES, "EnumerateHashHandles"},
	{AMTHI_GET_CERT_HASH_ENTRY, "GetCertHashEntry"},
	{AMTHI_GET_PKI_FQDN_SUFFIX, "GetPkiFQDNSuffix"},
	{AMTHI_OPEN_USER_INITIATED_CONNECTION, "OpenUserInitiatedConnection"},
	{AMTHI_CLOSE_USER_INITIATED_CONNECTION, "CloseUserInitiatedConnection"},
	{AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS, "GetRemoteAccessConnectionStatus"},
	{AMTHI_GET_LAN_INTERFACE_SETTINGS, "GetLanInterfaceSettings"},
	{AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES, "GetUserInitiatedEnabledInterfaces"},
	{AMTHI_GET_UUID, "GetUUID"},
	{AMTHI_STOP_CONFIGURATION, "StopConfiguration"},
	{AMTHI_START_CONFIGURATION_EX, "StartConfigurationEx"},
	{AMTHI_GET_LOCAL_SYSTEM_ACCOUNT, "GetLocalSystemAccount"},
	{AMTHI_GET_CONTROL_MODE, "GetControlMode"},
};

const char *amthi_cmd_name(uint32_t cmd)
{
	for (size_t i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (cmd_names[i].cmd == cmd)
			return cmd_names[i].name;
	return "Unknown";
}

/* ---- names ---- */

static const char *name_of(const char *const *names, size_t count, uint32_t v)
{
	return v < count ? names[v] : "unknown";
}
#define NAME_OF(table, v) name_of(table, sizeof(table) / sizeof(table[0]), v)

const char *amt_provisioning_state_name(uint32_t st)
{
	static const char *const names[] = {"pre", "in", "post"};
	return NAME_OF(names, st);
}

const char *amt_control_mode_name(uint32_t mode)
{
	static const char *const names[] = {"none", "ccm", "acm", "remote_assistance"};
	return NAME_OF(names, mode);
}

const char *amt_cira_status_name(uint32_t st)
{
	static const char *const names[] = {"not_connected", "connecting", "connected"};
	return NAME_OF(names, st);
}

const char *amt_network_status_name(uint32_t st)
{
	static const char *const names[] = {"inside_enterprise", "vpn", "outside_enterprise"};
	return NAME_OF(names, st);
}

const char *amt_cira_trigger_name(uint32_t trigger, enum amt_trigger_numbering numbering)
{
	static const char *const lms[] = {"user_initiated", "alert", "provisioning", "periodic"};
	static const char *const rpcgo[] = {"user_initiated", "alert", "periodic", "provisioning"};
	return numbering == AMT_TRIGGERS_RPCGO ? NAME_OF(rpcgo, trigger) : NAME_OF(lms, trigger);
}

void amt_ipv4_format(uint32_t v, char out[16])
{
	if (!out)
		return;
	snprintf(out, 16, "%u.%u.%u.%u", (unsigned)((v >> 24) & 0xFFu),
		 (unsigned)((v >> 16) & 0xFFu), (unsigned)((v >> 8) & 0xFFu),
		 (unsigned)(v & 0xFFu));
}

void amt_mac_format(const uint8_t mac[6], char out[18])
{
	if (!out)
		return;
	if (!mac) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}
