// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_general.c - the general WS-Man classes of the simulated AMT
 * (protocol-facts.md 7.3): AMT_GeneralSettings,
 * AMT_SetupAndConfigurationService, CIM_SoftwareIdentity and
 * AMT_EthernetPortSettings, all read-only.
 *
 * Every value comes from the device state (struct sim_state), so what the
 * host reads over AMTHI and what a remote verifier reads over WS-Man agree
 * by construction. Properties are written in alphabetical order, as AMT
 * does. Which properties exist follows the AMT SDK class pages and the
 * device-management-toolkit response fixtures; values the state file does
 * not model are fixed and documented here.
 * Must not: change state, or know SOAP framing beyond the sim_wsman_inst
 * helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "sim_wsman_int.h"

#define AMT_SCHEMA SIM_WSMAN_AMT
#define CIM_SCHEMA SIM_WSMAN_CIM

static const char *const instance_id_key[] = {"InstanceID", NULL};

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

/* ---- AMT_GeneralSettings ---- */

static void general_settings(const struct sim_state *st, unsigned index, struct sim_wsman_inst *o)
{
	char realm[80];
	(void)index;
	sim_digest_realm(st, realm, sizeof(realm));
	sim_wsman_prop_u32(o, "AMTNetworkEnabled", 1);
	sim_wsman_prop_u32(o, "DDNSPeriodicUpdateInterval", 1440);
	sim_wsman_prop_u32(o, "DDNSTTL", 900);
	sim_wsman_prop_bool(o, "DDNSUpdateByDHCPServerEnabled", true);
	sim_wsman_prop_bool(o, "DDNSUpdateEnabled", false);
	sim_wsman_prop_u32(o, "DHCPv6ConfigurationTimeout", 0);
	sim_wsman_prop(o, "DigestRealm", realm);
	sim_wsman_prop(o, "DomainName", st->dns_suffix);
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT: General Settings");
	sim_wsman_prop(o, "HostName", st->host_name);
	sim_wsman_prop(o, "HostOSFQDN", "");
	sim_wsman_prop_u32(o, "IdleWakeTimeout", 65535);
	sim_wsman_prop(o, "InstanceID", "Intel(r) AMT: General Settings");
	sim_wsman_prop_bool(o, "NetworkInterfaceEnabled", true);
	sim_wsman_prop_bool(o, "PingResponseEnabled", true);
	sim_wsman_prop_u32(o, "PowerSource", 0);
	sim_wsman_prop_u32(o, "PreferredAddressFamily", 0);
	sim_wsman_prop_u32(o, "PresenceNotificationInterval", 0);
	sim_wsman_prop_u32(o, "PrivacyLevel", 0);
	sim_wsman_prop_bool(o, "RmcpPingResponseEnabled", true);
	sim_wsman_prop_bool(o, "SharedFQDN", true);
	sim_wsman_prop_bool(o, "WsmanOnlyMode", false);
}

/* ---- AMT_SetupAndConfigurationService ---- */

/* WS-Man numbering: 1 = admin control mode, 4 = client control mode (PTHI
 * says 2 and 1). Before activation there is no mode; AMT reports 1 then,
 * so read ProvisioningState first. */
static uint32_t provisioning_mode(const struct sim_state *st)
{
	return st->control_mode == 1 ? 4 : 1;
}

/* The server that configured AMT: the host part of [provisioning] server
 * once provisioned, empty before. */
static void config_server(const struct sim_state *st, char *out, size_t cap)
{
	out[0] = '\0';
	if (st->prov_state != 2 || !st->prov_server[0])
		return;
	snprintf(out, cap, "%s", st->prov_server);
	char *colon = strrchr(out, ':');
	if (colon && !strchr(out, ']') && colon == strchr(out, ':'))
		*colon = '\0'; /* host:port, not an IPv6 literal */
	else if (out[0] == '[' && (colon = strstr(out, "]:")) != NULL)
		colon[1] = '\0';
}

static void setup_service(const struct sim_state *st, unsigned index, struct sim_wsman_inst *o)
{
	char server[SIM_STR];
	(void)index;
	config_server(st, server, sizeof(server));
	sim_wsman_prop(o, "ConfigurationServerFQDN", server);
	sim_wsman_prop(o, "CreationClassName", "AMT_SetupAndConfigurationService");
	sim_wsman_prop(o, "DhcpDNSSuffix", st->dns_suffix);
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT Setup and Configuration Service");
	sim_wsman_prop_u32(o, "EnabledState", 5);
	sim_wsman_prop(o, "Name", "Intel(r) AMT Setup and Configuration Service");
	sim_wsman_prop_u32(o, "PasswordModel", 1);
	sim_wsman_prop_u32(o, "ProvisioningMode", provisioning_mode(st));
	sim_wsman_prop_u32(o, "ProvisioningState", st->prov_state);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
	sim_wsman_prop(o, "TrustedDNSSuffix", st->dns_suffix);
	sim_wsman_prop_bool(o, "ZeroTouchConfigurationEnabled", st->hash_count > 0);
}

/* ---- CIM_SoftwareIdentity: one instance per code-version entry ---- */

static unsigned software_count(const struct sim_state *st)
{
	struct amt_code_versions v;
	sim_state_code_versions(st, &v);
	return v.count;
}

static void software_identity(const struct sim_state *st, unsigned index,
			      struct sim_wsman_inst *o)
{
	struct amt_code_versions v;
	sim_state_code_versions(st, &v);
	if (index >= v.count)
		return;
	sim_wsman_prop(o, "InstanceID", v.entries[index].description);
	sim_wsman_prop_bool(o, "IsEntity", true);
	sim_wsman_prop(o, "VersionString", v.entries[index].version);
}

/* ---- AMT_EthernetPortSettings: 0 wired, 1 wireless when present ---- */

static unsigned ports_count(const struct sim_state *st)
{
	return st->wireless.present ? 2 : 1;
}

static void port_settings(const struct sim_state *st, unsigned index, struct sim_wsman_inst *o)
{
	const struct sim_lan *l = index == 0 ? &st->wired : &st->wireless;
	char buf[48];
	sim_wsman_prop_bool(o, "DHCPEnabled", l->dhcp);
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT Ethernet Port Settings");
	if (l->ipv4) {
		amt_ipv4_format(l->ipv4, buf);
		sim_wsman_prop(o, "IPAddress", buf);
	}
	snprintf(buf, sizeof(buf), "Intel(r) AMT Ethernet Port Settings %u", index);
	sim_wsman_prop(o, "InstanceID", buf);
	sim_wsman_prop_bool(o, "IpSyncEnabled", index == 0);
	sim_wsman_prop_bool(o, "LinkIsUp", l->link_up);
	if (index == 0) {
		sim_wsman_prop_u32(o, "LinkPolicy", 1);
		sim_wsman_prop_u32(o, "LinkPolicy", 14);
	}
	snprintf(buf, sizeof(buf), "%02x-%02x-%02x-%02x-%02x-%02x", l->mac[0], l->mac[1], l->mac[2],
		 l->mac[3], l->mac[4], l->mac[5]);
	sim_wsman_prop(o, "MACAddress", buf);
	sim_wsman_prop_u32(o, "PhysicalConnectionType", index == 0 ? 0 : 3);
	sim_wsman_prop_bool(o, "SharedDynamicIP", true);
	sim_wsman_prop_bool(o, "SharedMAC", true);
	sim_wsman_prop_bool(o, "SharedStaticIp", false);
	if (index == 1)
		sim_wsman_prop_u32(o, "WLANLinkProtectionLevel", 1);
}

const struct sim_wsman_class sim_general_settings_class = {
	.name = "AMT_GeneralSettings",
	.uri = AMT_SCHEMA "AMT_GeneralSettings",
	.count = one,
	.instance = general_settings,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_setup_service_class = {
	.name = "AMT_SetupAndConfigurationService",
	.uri = AMT_SCHEMA "AMT_SetupAndConfigurationService",
	.count = one,
	.instance = setup_service,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_software_identity_class = {
	.name = "CIM_SoftwareIdentity",
	.uri = CIM_SCHEMA "CIM_SoftwareIdentity",
	.count = software_count,
	.instance = software_identity,
	.keys = instance_id_key,
	.datetime = true,
};
const struct sim_wsman_class sim_port_settings_class = {
	.name = "AMT_EthernetPortSettings",
	.uri = AMT_SCHEMA "AMT_EthernetPortSettings",
	.count = ports_count,
	.instance = port_settings,
	.keys = instance_id_key,
};
