/*
 * sim_wsman_classes.c - the read-only WS-Man classes of the simulated AMT
 * (protocol-facts.md 7.3) and the table of every class the service knows
 * (these and the ones in files of their own), which maps resource URIs to
 * classes: a new class is its code plus one row.
 *
 * Every value comes from the device state (struct sim_state), so what the
 * host reads over AMTHI and what a remote verifier reads over WS-Man agree
 * by construction. Properties are written in alphabetical order, as AMT
 * does. Which properties exist follows the AMT SDK class pages and the
 * device-management-toolkit response fixtures; values the state file does
 * not model are fixed and documented here.
 * Must not: change state (the 3PDS classes in sim_3pds.c do that) or know
 * SOAP framing beyond the sim_wsman_inst helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"
#include "sim_wsman_int.h"

#define AMT_SCHEMA "http://intel.com/wbem/wscim/1/amt-schema/1/"
#define CIM_SCHEMA "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"

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

/* ---- CIM_ComputerSystemPackage ---- */

static void system_package(const struct sim_state *st, unsigned index, struct sim_wsman_inst *o)
{
	static const char *const chassis[] = {"CreationClassName", "CIM_Chassis", "Tag",
					      "CIM_Chassis", NULL};
	static const char *const system[] = {"CreationClassName", "CIM_ComputerSystem", "Name",
					     "ManagedSystem", NULL};
	char guid[33];
	(void)index;
	/* the raw SMBIOS bytes, as GetUUID sends them (mixed-endian) */
	for (int i = 0; i < 16; i++)
		snprintf(guid + 2 * i, 3, "%02X", st->uuid[i]);
	sim_wsman_prop_epr(o, "Antecedent", CIM_SCHEMA "CIM_Chassis", chassis);
	sim_wsman_prop_epr(o, "Dependent", CIM_SCHEMA "CIM_ComputerSystem", system);
	sim_wsman_prop(o, "PlatformGUID", guid);
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

static const struct sim_wsman_class general_settings_class = {
	"AMT_GeneralSettings", AMT_SCHEMA "AMT_GeneralSettings", NULL, one, general_settings, NULL,
};
static const struct sim_wsman_class setup_service_class = {
	"AMT_SetupAndConfigurationService", AMT_SCHEMA "AMT_SetupAndConfigurationService", NULL,
	one, setup_service, NULL,
};
static const struct sim_wsman_class software_identity_class = {
	"CIM_SoftwareIdentity", CIM_SCHEMA "CIM_SoftwareIdentity", NULL, software_count,
	software_identity, NULL,
};
static const struct sim_wsman_class system_package_class = {
	"CIM_ComputerSystemPackage", CIM_SCHEMA "CIM_ComputerSystemPackage", NULL, one,
	system_package, NULL,
};
static const struct sim_wsman_class port_settings_class = {
	"AMT_EthernetPortSettings", AMT_SCHEMA "AMT_EthernetPortSettings", NULL, ports_count,
	port_settings, NULL,
};

/* Every class the service knows, one row each; a class with its own file
 * (3PDS) exports its struct through sim_wsman_int.h. */
static const struct sim_wsman_class *const classes[] = {
	&general_settings_class,
	&setup_service_class,
	&software_identity_class,
	&system_package_class,
	&port_settings_class,
	&sim_3pds_service_class,
	&sim_3pds_admin_class,
};

const struct sim_wsman_class *sim_wsman_class_find(const char *uri)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(classes[i]->uri, uri) == 0)
			return classes[i];
	return NULL;
}
