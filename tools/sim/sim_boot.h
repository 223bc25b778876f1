// SPDX-License-Identifier: Apache-2.0
/*
 * sim_boot.h - AMT's one-time boot control (protocol-facts-2.md section 5):
 * the rules behind AMT_BootSettingData Put, CIM_BootConfigSetting
 * ChangeBootOrder and CIM_BootService SetBootConfigRole, and what the next
 * boot does with them.
 *
 * Owns: the single-use rule. A console writes the settings and the source,
 * then SetBootConfigRole(IsNextSingleUse) makes them the next boot's; the
 * next boot (power on, reset, cycle) takes them and clears them all
 * (settings back to false/0, no source, OptionsCleared = true), as the BIOS
 * does on real AMT. A boot without SetBootConfigRole since the last boot
 * is a normal boot, and clears the settings too. BIOSSetup wins over
 * UseIDER, which wins over a boot source (AMT refuses a source with UseIDER
 * set, per the SDK; the simulator does not: it ranks them).
 * Must not: know WS-Man or the console's screens; save the state (callers
 * hold the ME lock and persist).
 */
#ifndef SIM_BOOT_H
#define SIM_BOOT_H

#include <stdint.h>

#include "sim_console.h"
#include "sim_host_nvm.h"

/* CIM_BootService.SetBootConfigRole roles. */
enum sim_boot_role { SIM_BOOT_ROLE_IS_NEXT = 0, SIM_BOOT_ROLE_IS_NEXT_SINGLE_USE = 1,
		     SIM_BOOT_ROLE_IS_DEFAULT = 2 };

/* The InstanceID of a CIM_BootSourceSetting ("Intel(r) AMT: Force PXE Boot"),
 * or NULL for SIM_BOOT_SRC_NONE / out of range. */
const char *sim_boot_source_id(uint32_t source);
/* The reverse: 0 and *source, or -1 for an unknown InstanceID. */
int sim_boot_source_find(const char *instance_id, uint32_t *source);
/* CIM_BootSourceSetting.StructuredBootString ("CIM:Network:1"). */
const char *sim_boot_source_string(uint32_t source);

/* Put: the new settings (checked by the caller's parser); the options are
 * pending again. Returns 0, or 36 (PT_STATUS INVALID_PARAMETER) for a value
 * out of range. */
uint32_t sim_boot_put(struct sim_host_nvm *n, const struct sim_boot_settings *s);
/* ChangeBootOrder with one source, or none (clears it). */
void sim_boot_change_order(struct sim_host_nvm *n, uint32_t source);
/* SetBootConfigRole: 0 done; 5 (invalid parameter) for an unknown role.
 * IsDefault is taken like IsNext (the simulator keeps no default order). */
uint32_t sim_boot_set_role(struct sim_host_nvm *n, uint32_t role);

/* The next boot happens: its plan, and every option cleared. */
void sim_boot_take(struct sim_host_nvm *n, struct sim_boot_plan *plan);

#endif
