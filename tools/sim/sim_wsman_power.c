// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_power.c - the remote-repair class family, power and boot
 * (protocol-facts-2.md sections 4 and 5): CIM_PowerManagementService
 * (RequestPowerStateChange), CIM_AssociatedPowerManagementService (also
 * served, as AMT does, as the items of CIM_ServiceAvailableToElement),
 * AMT_BootCapabilities, AMT_BootSettingData (Put), CIM_BootConfigSetting
 * (ChangeBootOrder), CIM_BootSourceSetting and CIM_BootService
 * (SetBootConfigRole).
 *
 * Owns: these classes' view of [host], [boot] and the host's runtime state
 * (power state, what is offered, the boot options) and the mapping of
 * method parameters to the rules in sim_host.c, sim_boot.c and
 * sim_optin.c, which decide. Shapes and fixed values follow the
 * go-wsman-messages response fixtures (cim/power/managementservice,
 * cim/service/availabletoelement, amt/boot/capabilities,
 * amt/boot/settingdata, cim/boot/configsetting, cim/boot/sourcesetting,
 * cim/boot/service). Choices: Time and TimeoutPeriod of
 * RequestPowerStateChange must be absent or nil (4098 otherwise, "timeout
 * parameter not supported"); a Put of AMT_BootSettingData takes the
 * writable properties it names, keeps the others and ignores the
 * read-only ones (MeshCommander leaves them out, go-wsman-messages sends
 * them); a boot source or boot configuration that does not exist is 5
 * (invalid parameter, as DMTF asks for ChangeBootOrder).
 * Must not: know SOAP framing beyond the sim_wsman_inst helpers.
 */
#include <stdio.h>
#include <string.h>

#include "sim_boot.h"
#include "sim_host.h"
#include "sim_net.h"
#include "sim_optin.h"
#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define CIM SIM_WSMAN_CIM
#define PMS_NAME "Intel(r) AMT Power Management Service"
#define BOOT_SERVICE_NAME "Intel(r) AMT Boot Service"
#define BOOT_CONFIG_ID "Intel(r) AMT: Boot Configuration 0"
#define RV_INVALID_PARAMETER 5u
#define RV_TIMEOUT_UNSUPPORTED 4098u

static const char *const instance_id_key[] = {"InstanceID", NULL};
static const char *const assoc_keys[] = {"ServiceProvided", "UserOfService", NULL};
static const char *const system_ref[] = {"CreationClassName", "CIM_ComputerSystem", "Name",
					 "ManagedSystem", NULL};

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

static void scoped_service(struct sim_wsman_inst *o, const char *ccn, const char *name,
			   uint32_t enabled)
{
	sim_wsman_prop(o, "CreationClassName", ccn);
	sim_wsman_prop(o, "ElementName", name);
	sim_wsman_prop_u32(o, "EnabledState", enabled);
	sim_wsman_prop(o, "Name", name);
}

static void scope(struct sim_wsman_inst *o)
{
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

/* ---- CIM_PowerManagementService ---- */

static void pms_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	scoped_service(o, "CIM_PowerManagementService", PMS_NAME, 5);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	scope(o);
}

/* Time / TimeoutPeriod: absent or nil is fine, a value is not supported. */
static bool has_value(const struct sim_wsman_call *c, const char *name)
{
	const char *v = sim_wsman_arg(c, name);
	return v && *v;
}

static uint32_t pms_invoke(struct sim_wsman_call *c)
{
	uint32_t ps;
	if (strcmp(c->method, "RequestPowerStateChange") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	if (sim_wsman_arg_u32(c, "PowerState", &ps))
		return SIM_WSMAN_RV_FAULT;
	if (has_value(c, "Time") || has_value(c, "TimeoutPeriod"))
		return RV_TIMEOUT_UNSUPPORTED;
	return sim_host_request(c->fw, ps);
}

/* ---- CIM_AssociatedPowerManagementService ---- */

static void assoc_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	uint32_t avail[SIM_PS_MAX_AVAILABLE];
	struct sim_power_view v = {.power = st->host.power, .os_running = st->host_rt.os_running};
	(void)i;
	size_t n = sim_host_available(&v, avail);
	for (size_t k = 0; k < n; k++)
		sim_wsman_prop_u32(o, "AvailableRequestedPowerStates", avail[k]);
	sim_wsman_prop_u32(o, "PowerState", sim_host_power_state(st->host.power));
	sim_wsman_prop_service_epr(o, "ServiceProvided", CIM, "CIM_PowerManagementService", "Name",
				   PMS_NAME);
	sim_wsman_prop_epr(o, "UserOfService", CIM "CIM_ComputerSystem", system_ref);
}

/* ---- AMT_BootCapabilities ---- */

static void capabilities(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const struct {
		const char *name;
		bool value;
	} caps[] = {
		{"BIOSPause", true}, /* the console models it (fixture: false) */
		{"BIOSReflash", true},
		{"BIOSSecureBoot", true},
		{"BIOSSetup", true},
		{"ConfigurationDataReset", false},
	};
	static const struct {
		const char *name;
		bool value;
	} caps2[] = {
		{"ForceCDorDVDBoot", true},
		{"ForceDiagnosticBoot", false},
		{"ForceHardDriveBoot", true},
		{"ForceHardDriveSafeModeBoot", false},
		{"ForcePXEBoot", true},
		{"ForcedProgressEvents", true},
	};
	(void)i;
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++)
		sim_wsman_prop_bool(o, caps[k].name, caps[k].value);
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT: Boot Capabilities");
	for (size_t k = 0; k < sizeof(caps2) / sizeof(caps2[0]); k++)
		sim_wsman_prop_bool(o, caps2[k].name, caps2[k].value);
	sim_wsman_prop_bool(o, "IDER", st->ider_boot); /* [platform] ider_boot */
	sim_wsman_prop(o, "InstanceID", "Intel(r) AMT:BootCapabilities 0");
	sim_wsman_prop_bool(o, "KeyboardLock", true);
	sim_wsman_prop_bool(o, "PowerButtonLock", false);
	sim_wsman_prop_bool(o, "ResetButtonLock", false);
	sim_wsman_prop_bool(o, "SOL", true);
	sim_wsman_prop_bool(o, "SecureErase", false);
	sim_wsman_prop_bool(o, "SleepButtonLock", false);
	sim_wsman_prop_bool(o, "UserPasswordBypass", true);
	sim_wsman_prop_bool(o, "VerbosityQuiet", false);
	sim_wsman_prop_bool(o, "VerbosityScreenBlank", false);
	sim_wsman_prop_bool(o, "VerbosityVerbose", false);
}

/* ---- AMT_BootSettingData ---- */

#define BOOL_PROP(n, f) {n, offsetof(struct sim_boot_settings, f), false}
#define U32_PROP(n, f) {n, offsetof(struct sim_boot_settings, f), true}
static const struct {
	const char *name;
	size_t off;
	bool u32;
} writable[] = {
	BOOL_PROP("BIOSPause", bios_pause),
	BOOL_PROP("BIOSSetup", bios_setup),
	U32_PROP("BootMediaIndex", boot_media_index),
	BOOL_PROP("ConfigurationDataReset", configuration_data_reset),
	BOOL_PROP("EnforceSecureBoot", enforce_secure_boot),
	U32_PROP("FirmwareVerbosity", firmware_verbosity),
	BOOL_PROP("ForcedProgressEvents", forced_progress_events),
	U32_PROP("IDERBootDevice", ider_boot_device),
	BOOL_PROP("LockKeyboard", lock_keyboard),
	BOOL_PROP("LockPowerButton", lock_power_button),
	BOOL_PROP("LockResetButton", lock_reset_button),
	BOOL_PROP("LockSleepButton", lock_sleep_button),
	BOOL_PROP("ReflashBIOS", reflash_bios),
	BOOL_PROP("SecureErase", secure_erase),
	BOOL_PROP("UseIDER", use_ider),
	BOOL_PROP("UseSOL", use_sol),
	BOOL_PROP("UseSafeMode", use_safe_mode),
	BOOL_PROP("UserPasswordBypass", user_password_bypass),
};
#define NWRITABLE (sizeof(writable) / sizeof(writable[0]))

static void prop_of(const struct sim_boot_settings *b, size_t k, struct sim_wsman_inst *o)
{
	const void *p = (const char *)b + writable[k].off;
	if (writable[k].u32)
		sim_wsman_prop_u32(o, writable[k].name, *(const uint32_t *)p);
	else
		sim_wsman_prop_bool(o, writable[k].name, *(const bool *)p);
}

/* In AMT's (alphabetical) order, the read-only ones where they fall. */
static void setting_data(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	const struct sim_boot_settings *b = &st->host.boot;
	(void)i;
	sim_wsman_prop_u32(o, "BIOSLastStatus", 2); /* general: not updated */
	sim_wsman_prop_u32(o, "BIOSLastStatus", 0);
	prop_of(b, 0, o); /* BIOSPause */
	prop_of(b, 1, o); /* BIOSSetup */
	prop_of(b, 2, o); /* BootMediaIndex */
	sim_wsman_prop_u32(o, "BootguardStatus", 127);
	prop_of(b, 3, o); /* ConfigurationDataReset */
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT Boot Configuration Settings");
	for (size_t k = 4; k <= 7; k++) /* EnforceSecureBoot .. IDERBootDevice */
		prop_of(b, k, o);
	sim_wsman_prop(o, "InstanceID", "Intel(r) AMT:BootSettingData 0");
	for (size_t k = 8; k <= 11; k++) /* Lock* */
		prop_of(b, k, o);
	sim_wsman_prop_bool(o, "OptionsCleared", st->host.options_cleared);
	sim_wsman_prop(o, "OwningEntity", "Intel(r) AMT");
	sim_wsman_prop_bool(o, "PlatformErase", false);
	sim_wsman_prop_bool(o, "RPEEnabled", true);
	sim_wsman_prop(o, "RSEPassword", "");
	prop_of(b, 12, o); /* ReflashBIOS */
	sim_wsman_prop_bool(o, "SecureBootControlEnabled", true);
	prop_of(b, 13, o); /* SecureErase */
	sim_wsman_prop_bool(o, "UEFIHTTPSBootEnabled", true);
	sim_wsman_prop_bool(o, "UEFILocalPBABootEnabled", true);
	sim_wsman_prop_u32(o, "UefiBootNumberOfParams", 0);
	for (size_t k = 14; k < NWRITABLE; k++) /* UseIDER .. UserPasswordBypass */
		prop_of(b, k, o);
	sim_wsman_prop_bool(o, "WinREBootEnabled", true);
}

static uint32_t setting_put(struct sim_wsman_call *c)
{
	struct sim_boot_settings b = c->fw->st.host.boot;
	for (size_t k = 0; k < NWRITABLE; k++) {
		void *p = (char *)&b + writable[k].off;
		if (!sim_wsman_arg(c, writable[k].name))
			continue; /* not named: kept */
		if (writable[k].u32 ? sim_wsman_arg_u32(c, writable[k].name, p)
				    : sim_wsman_arg_bool(c, writable[k].name, p))
			return SIM_WSMAN_RV_FAULT;
	}
	if (sim_boot_put(&c->fw->st.host, &b) != 0) {
		snprintf(c->fault, sizeof(c->fault),
			 "BootMediaIndex 0..2, FirmwareVerbosity 0..3, IDERBootDevice 0..1.");
		return SIM_WSMAN_RV_FAULT;
	}
	sim_state_persist(&c->fw->st, c->fw->state_path);
	return 0;
}

/* ---- CIM_BootConfigSetting ---- */

static void config_setting(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT: Boot Configuration");
	sim_wsman_prop(o, "InstanceID", BOOT_CONFIG_ID);
}

static uint32_t config_invoke(struct sim_wsman_call *c)
{
	uint32_t source = SIM_BOOT_SRC_NONE;
	if (strcmp(c->method, "ChangeBootOrder") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	if (sim_wsman_arg_count(c, "Source") > 1)
		return RV_INVALID_PARAMETER; /* AMT takes one forced source */
	if (sim_wsman_arg_count(c, "Source") == 1) {
		const char *id = sim_wsman_arg_epr_selector(c, "Source", 0, "InstanceID");
		if (!id || sim_boot_source_find(id, &source) != 0 || source == SIM_BOOT_SRC_DIAG)
			return RV_INVALID_PARAMETER;
		if (sim_optin_blocks(c->fw, c->local, sim_net_now_ms()))
			return SIM_OPTIN_RV_CONSENT_REQUIRED;
	}
	sim_boot_change_order(&c->fw->st.host, source);
	sim_state_persist(&c->fw->st, c->fw->state_path);
	return 0;
}

/* ---- CIM_BootSourceSetting: the fixture's three, in its order ---- */

static const uint32_t listed_sources[] = {SIM_BOOT_SRC_HDD, SIM_BOOT_SRC_PXE, SIM_BOOT_SRC_CD};

static unsigned source_count(const struct sim_state *st)
{
	(void)st;
	return sizeof(listed_sources) / sizeof(listed_sources[0]);
}

static void source_setting(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	if (i >= source_count(st))
		return;
	sim_wsman_prop(o, "ElementName", "Intel(r) AMT: Boot Source");
	sim_wsman_prop_u32(o, "FailThroughSupported", 2);
	sim_wsman_prop(o, "InstanceID", sim_boot_source_id(listed_sources[i]));
	sim_wsman_prop(o, "StructuredBootString", sim_boot_source_string(listed_sources[i]));
}

/* ---- CIM_BootService ---- */

static void boot_service(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	scoped_service(o, "CIM_BootService", BOOT_SERVICE_NAME, 2);
	sim_wsman_prop_u32(o, "OperationalStatus", 0);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	scope(o);
}

static uint32_t boot_service_invoke(struct sim_wsman_call *c)
{
	uint32_t role;
	if (strcmp(c->method, "SetBootConfigRole") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	if (sim_wsman_arg_u32(c, "Role", &role))
		return SIM_WSMAN_RV_FAULT;
	const char *id = sim_wsman_arg_epr_selector(c, "BootConfigSetting", 0, "InstanceID");
	if (!id || strcmp(id, BOOT_CONFIG_ID) != 0)
		return RV_INVALID_PARAMETER;
	if (sim_optin_blocks(c->fw, c->local, sim_net_now_ms()))
		return SIM_OPTIN_RV_CONSENT_REQUIRED;
	uint32_t rv = sim_boot_set_role(&c->fw->st.host, role);
	if (rv == 0)
		sim_state_persist(&c->fw->st, c->fw->state_path);
	return rv;
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_power_service_class = {
	.name = "CIM_PowerManagementService",
	.uri = CIM "CIM_PowerManagementService",
	.count = one,
	.instance = pms_instance,
	.invoke = pms_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_power_assoc_class = {
	.name = "CIM_AssociatedPowerManagementService",
	.uri = CIM "CIM_AssociatedPowerManagementService",
	.count = one,
	.instance = assoc_instance,
	.keys = assoc_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_service_available_class = {
	.name = "CIM_ServiceAvailableToElement",
	.uri = CIM "CIM_ServiceAvailableToElement",
	.count = one,
	.instance = assoc_instance,
	.keys = assoc_keys,
	.datetime = true,
	.item_name = "CIM_AssociatedPowerManagementService",
	.item_uri = CIM "CIM_AssociatedPowerManagementService",
};
const struct sim_wsman_class sim_boot_capabilities_class = {
	.name = "AMT_BootCapabilities",
	.uri = AMT "AMT_BootCapabilities",
	.count = one,
	.instance = capabilities,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_boot_setting_class = {
	.name = "AMT_BootSettingData",
	.uri = AMT "AMT_BootSettingData",
	.count = one,
	.instance = setting_data,
	.keys = instance_id_key,
	.put = setting_put,
};
const struct sim_wsman_class sim_boot_config_class = {
	.name = "CIM_BootConfigSetting",
	.uri = CIM "CIM_BootConfigSetting",
	.count = one,
	.instance = config_setting,
	.invoke = config_invoke,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_boot_source_class = {
	.name = "CIM_BootSourceSetting",
	.uri = CIM "CIM_BootSourceSetting",
	.count = source_count,
	.instance = source_setting,
	.keys = instance_id_key,
};
const struct sim_wsman_class sim_boot_service_class = {
	.name = "CIM_BootService",
	.uri = CIM "CIM_BootService",
	.count = one,
	.instance = boot_service,
	.invoke = boot_service_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
