// SPDX-License-Identifier: Apache-2.0
/*
 * sim_boot.c - AMT's one-time boot control (see sim_boot.h).
 * Boot source InstanceIDs and structured strings: go-wsman-messages'
 * CIM_BootSourceSetting fixture and MeshCommander (protocol-facts-2.md 5.1).
 */
#include "sim_boot.h"

#include <string.h>

static const struct {
	const char *id, *structured;
} sources[SIM_BOOT_SRC_COUNT] = {
	[SIM_BOOT_SRC_PXE] = {"Intel(r) AMT: Force PXE Boot", "CIM:Network:1"},
	[SIM_BOOT_SRC_HDD] = {"Intel(r) AMT: Force Hard-drive Boot", "CIM:Hard-Disk:1"},
	[SIM_BOOT_SRC_CD] = {"Intel(r) AMT: Force CD/DVD Boot", "CIM:CD/DVD:1"},
	[SIM_BOOT_SRC_DIAG] = {"Intel(r) AMT: Force Diagnostic Boot", "Intel(r)AMT:Diagnostic:1"},
};

const char *sim_boot_source_id(uint32_t source)
{
	return source < SIM_BOOT_SRC_COUNT ? sources[source].id : NULL;
}

const char *sim_boot_source_string(uint32_t source)
{
	return source < SIM_BOOT_SRC_COUNT ? sources[source].structured : NULL;
}

int sim_boot_source_find(const char *instance_id, uint32_t *source)
{
	for (uint32_t i = 1; i < SIM_BOOT_SRC_COUNT; i++)
		if (!strcmp(sources[i].id, instance_id)) {
			*source = i;
			return 0;
		}
	return -1;
}

uint32_t sim_boot_put(struct sim_host_nvm *n, const struct sim_boot_settings *s)
{
	if (s->firmware_verbosity > 3 || s->ider_boot_device > 1 || s->boot_media_index > 2)
		return 36; /* PT_STATUS_INVALID_PARAMETER */
	n->boot = *s;
	n->options_cleared = false;
	return 0;
}

void sim_boot_change_order(struct sim_host_nvm *n, uint32_t source)
{
	n->boot_source = source < SIM_BOOT_SRC_COUNT ? source : SIM_BOOT_SRC_NONE;
	if (n->boot_source != SIM_BOOT_SRC_NONE)
		n->options_cleared = false;
}

uint32_t sim_boot_set_role(struct sim_host_nvm *n, uint32_t role)
{
	if (role > SIM_BOOT_ROLE_IS_DEFAULT)
		return 5;
	n->boot_next = true;
	n->options_cleared = false;
	return 0;
}

static uint32_t target_of(uint32_t source)
{
	switch (source) {
	case SIM_BOOT_SRC_PXE: return SIM_BOOT_PXE;
	case SIM_BOOT_SRC_HDD: return SIM_BOOT_HDD;
	case SIM_BOOT_SRC_CD: return SIM_BOOT_CD;
	case SIM_BOOT_SRC_DIAG: return SIM_BOOT_DIAG;
	default: return SIM_BOOT_NORMAL;
	}
}

void sim_boot_take(struct sim_host_nvm *n, struct sim_boot_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	if (n->boot_next) {
		plan->target = n->boot.bios_setup ? SIM_BOOT_BIOS_SETUP
			       : n->boot.use_ider ? SIM_BOOT_IDER
						  : target_of(n->boot_source);
		plan->ider_cd = n->boot.ider_boot_device == 1;
		plan->bios_pause = n->boot.bios_pause;
	}
	memset(&n->boot, 0, sizeof(n->boot));
	n->boot_source = SIM_BOOT_SRC_NONE;
	n->boot_next = false;
	n->options_cleared = true;
}
