// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_inventory.c - asset inventory over WS-Man, what a help desk
 * reads through a call-for-help tunnel: CIM_Chassis, CIM_Card (base board),
 * CIM_BIOSElement, CIM_Processor (one per socket), CIM_PhysicalMemory (one
 * per module) and CIM_ComputerSystemPackage. (CIM_ServiceAvailableToElement,
 * AMT's power service to the system, is the power family's:
 * sim_wsman_power.c.)
 *
 * Owns: the CIM view of the [hardware] sections (sim_hw.h) plus [platform]
 * bios (the BIOS version GetCodeVersions reports) and uuid (PlatformGUID).
 * Property names, order and the fixed values (ElementName "Managed System
 * Chassis", Tag "CIM_Chassis", PackageType 3 / 9, SystemName
 * "ManagedSystem", TargetOperatingSystem 66, ...) follow the
 * go-wsman-messages fixtures cim/chassis, cim/card, cim/bios/element,
 * cim/physical/processor, cim/physical/memory and cim/computer/systempackage.
 * Must not: change state, or know SOAP framing beyond the sim_wsman_inst
 * helpers.
 */
#include <stdio.h>
#include <string.h>

#include "sim_wsman_int.h"

#define CIM SIM_WSMAN_CIM

static const char *const tag_keys[] = {"CreationClassName", "Tag", NULL};
static const char *const bios_keys[] = {"Name", "SoftwareElementID", "SoftwareElementState",
					"TargetOperatingSystem", "Version", NULL};
static const char *const device_keys[] = {"CreationClassName", "DeviceID",
					  "SystemCreationClassName", "SystemName", NULL};
static const char *const package_keys[] = {"Antecedent", "Dependent", NULL};
static const char *const chassis_ref[] = {"CreationClassName", "CIM_Chassis", "Tag",
					  "CIM_Chassis", NULL};
static const char *const system_ref[] = {"CreationClassName", "CIM_ComputerSystem", "Name",
					 "ManagedSystem", NULL};

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

/* ---- CIM_Chassis and CIM_Card: the physical packages ---- */

static void chassis(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	const struct sim_hw *h = &st->hw;
	(void)i;
	sim_wsman_prop_u32(o, "ChassisPackageType", 0);
	sim_wsman_prop(o, "CreationClassName", "CIM_Chassis");
	sim_wsman_prop(o, "ElementName", "Managed System Chassis");
	sim_wsman_prop(o, "Manufacturer", h->chassis_manufacturer);
	sim_wsman_prop(o, "Model", h->chassis_model);
	sim_wsman_prop_u32(o, "OperationalStatus", 0);
	sim_wsman_prop_u32(o, "PackageType", 3); /* chassis */
	sim_wsman_prop(o, "SerialNumber", h->chassis_serial);
	sim_wsman_prop(o, "Tag", "CIM_Chassis");
	sim_wsman_prop(o, "Version", h->chassis_version);
}

static void card(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	const struct sim_hw *h = &st->hw;
	(void)i;
	sim_wsman_prop_bool(o, "CanBeFRUed", true);
	sim_wsman_prop(o, "CreationClassName", "CIM_Card");
	sim_wsman_prop(o, "ElementName", "Managed System Base Board");
	sim_wsman_prop(o, "Manufacturer", h->board_manufacturer);
	sim_wsman_prop(o, "Model", h->board_model);
	sim_wsman_prop_u32(o, "OperationalStatus", 0);
	sim_wsman_prop_u32(o, "PackageType", 9); /* cross connect / backplane: the base board */
	sim_wsman_prop(o, "SerialNumber", h->board_serial);
	sim_wsman_prop(o, "Tag", "CIM_Card");
	sim_wsman_prop(o, "Version", h->board_version);
}

/* ---- CIM_BIOSElement ---- */

static void bios(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	char date[32];
	(void)i;
	snprintf(date, sizeof(date), "%sT00:00:00Z", st->hw.bios_release_date);
	sim_wsman_prop(o, "ElementName", "Primary BIOS");
	sim_wsman_prop(o, "Manufacturer", st->hw.bios_vendor);
	sim_wsman_prop(o, "Name", "Primary BIOS");
	sim_wsman_prop_u32(o, "OperationalStatus", 0);
	sim_wsman_prop_bool(o, "PrimaryBIOS", true);
	sim_wsman_prop_datetime(o, "ReleaseDate", date);
	sim_wsman_prop(o, "SoftwareElementID", st->bios);
	sim_wsman_prop_u32(o, "SoftwareElementState", 2); /* executable */
	sim_wsman_prop_u32(o, "TargetOperatingSystem", 66); /* MS Windows (generic) in the fixture */
	sim_wsman_prop(o, "Version", st->bios);
}

/* ---- CIM_Processor: one per [hardware.cpu.N] ---- */

static unsigned cpu_count(const struct sim_state *st)
{
	unsigned n = 0;
	while (sim_hw_cpu_nth(&st->hw, n) >= 0)
		n++;
	return n;
}

static void processor(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	char id[16];
	int slot = sim_hw_cpu_nth(&st->hw, k);
	if (slot < 0)
		return;
	const struct sim_hw_cpu *c = &st->hw.cpus[slot];
	snprintf(id, sizeof(id), "CPU %u", k);
	sim_wsman_prop_u32(o, "CPUStatus", 1); /* enabled */
	sim_wsman_prop(o, "CreationClassName", "CIM_Processor");
	sim_wsman_prop_u32(o, "CurrentClockSpeed", c->current_mhz);
	sim_wsman_prop(o, "DeviceID", id);
	sim_wsman_prop(o, "ElementName", "Managed System CPU");
	sim_wsman_prop_u32(o, "EnabledState", 2);
	sim_wsman_prop_u32(o, "ExternalBusClockSpeed", c->bus_mhz);
	sim_wsman_prop_u32(o, "Family", c->family);
	sim_wsman_prop_u32(o, "HealthState", 0);
	sim_wsman_prop_u32(o, "MaxClockSpeed", c->max_mhz);
	sim_wsman_prop_u32(o, "OperationalStatus", 0);
	sim_wsman_prop(o, "OtherFamilyDescription", "");
	sim_wsman_prop_u32(o, "RequestedState", 12);
	sim_wsman_prop(o, "Role", "Central");
	sim_wsman_prop_u32(o, "Stepping", c->stepping);
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "ManagedSystem");
	sim_wsman_prop_u32(o, "UpgradeMethod", c->upgrade_method);
}

/* ---- CIM_PhysicalMemory: one per [hardware.memory.N] ---- */

static unsigned dimm_count(const struct sim_state *st)
{
	unsigned n = 0;
	while (sim_hw_dimm_nth(&st->hw, n) >= 0)
		n++;
	return n;
}

static void memory(const struct sim_state *st, unsigned k, struct sim_wsman_inst *o)
{
	int slot = sim_hw_dimm_nth(&st->hw, k);
	if (slot < 0)
		return;
	const struct sim_hw_dimm *d = &st->hw.dimms[slot];
	sim_wsman_prop(o, "BankLabel", d->bank);
	sim_wsman_prop_u64(o, "Capacity", (uint64_t)d->capacity_mb * 1024u * 1024u);
	sim_wsman_prop_u32(o, "ConfiguredMemoryClockSpeed", d->configured_mhz);
	sim_wsman_prop(o, "CreationClassName", "CIM_PhysicalMemory");
	sim_wsman_prop(o, "ElementName", "Managed System Memory Chip");
	sim_wsman_prop_u32(o, "FormFactor", d->form_factor);
	sim_wsman_prop_bool(o, "IsSpeedInMhz", true);
	sim_wsman_prop(o, "Manufacturer", d->manufacturer);
	sim_wsman_prop_u32(o, "MaxMemorySpeed", d->speed_mhz);
	sim_wsman_prop_u32(o, "MemoryType", d->type);
	sim_wsman_prop(o, "PartNumber", d->part_number);
	sim_wsman_prop(o, "SerialNumber", d->serial);
	sim_wsman_prop_u32(o, "Speed", 0); /* ns: not given when IsSpeedInMhz */
	sim_wsman_prop(o, "Tag", d->tag);
}

/* ---- CIM_ComputerSystemPackage: the chassis packages the system ---- */

static void system_package(const struct sim_state *st, unsigned index, struct sim_wsman_inst *o)
{
	char guid[33];
	(void)index;
	/* the raw SMBIOS bytes, as GetUUID sends them (mixed-endian) */
	for (int i = 0; i < 16; i++)
		snprintf(guid + 2 * i, 3, "%02X", st->uuid[i]);
	sim_wsman_prop_epr(o, "Antecedent", CIM "CIM_Chassis", chassis_ref);
	sim_wsman_prop_epr(o, "Dependent", CIM "CIM_ComputerSystem", system_ref);
	sim_wsman_prop(o, "PlatformGUID", guid);
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_chassis_class = {
	.name = "CIM_Chassis",
	.uri = CIM "CIM_Chassis",
	.count = one,
	.instance = chassis,
	.keys = tag_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_card_class = {
	.name = "CIM_Card",
	.uri = CIM "CIM_Card",
	.count = one,
	.instance = card,
	.keys = tag_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_bios_class = {
	.name = "CIM_BIOSElement",
	.uri = CIM "CIM_BIOSElement",
	.count = one,
	.instance = bios,
	.keys = bios_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_processor_class = {
	.name = "CIM_Processor",
	.uri = CIM "CIM_Processor",
	.count = cpu_count,
	.instance = processor,
	.keys = device_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_memory_class = {
	.name = "CIM_PhysicalMemory",
	.uri = CIM "CIM_PhysicalMemory",
	.count = dimm_count,
	.instance = memory,
	.keys = tag_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_system_package_class = {
	.name = "CIM_ComputerSystemPackage",
	.uri = CIM "CIM_ComputerSystemPackage",
	.count = one,
	.instance = system_package,
	.keys = package_keys,
};
