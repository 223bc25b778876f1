// SPDX-License-Identifier: Apache-2.0
/*
 * sim_host_nvm.h - what the simulated platform keeps across a restart for
 * remote repair: the host's power state ([host] power) and AMT's boot
 * control ([boot]: the AMT_BootSettingData fields a console Puts, the
 * source ChangeBootOrder chose, whether SetBootConfigRole made them the
 * next boot, and OptionsCleared).
 *
 * Owns: struct sim_host_nvm (embedded in struct sim_state, so it is loaded,
 * copied and saved with the rest of the device state), its defaults and its
 * INI form, one table row per key.
 * Must not: decide transitions (sim_host.c, sim_boot.c), know WS-Man, or
 * do file I/O beyond the lines it writes to the FILE sim_state.c gives it.
 */
#ifndef SIM_HOST_NVM_H
#define SIM_HOST_NVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The host's power state as the platform knows it (ACPI S0, S3, S4, S5). */
enum sim_power { SIM_POWER_ON = 0, SIM_POWER_SLEEP = 1, SIM_POWER_HIBERNATE = 2, SIM_POWER_OFF = 3 };

/* The boot source CIM_BootConfigSetting.ChangeBootOrder chose. */
enum sim_boot_source {
	SIM_BOOT_SRC_NONE = 0, /* the BIOS's own order */
	SIM_BOOT_SRC_PXE,      /* "Intel(r) AMT: Force PXE Boot" */
	SIM_BOOT_SRC_HDD,      /* "Intel(r) AMT: Force Hard-drive Boot" */
	SIM_BOOT_SRC_CD,       /* "Intel(r) AMT: Force CD/DVD Boot" */
	SIM_BOOT_SRC_DIAG,     /* "Intel(r) AMT: Force Diagnostic Boot" */
	SIM_BOOT_SRC_COUNT
};

/* AMT_BootSettingData, the part a console writes (protocol-facts-2.md 5.2). */
struct sim_boot_settings {
	bool bios_setup, bios_pause, use_sol, use_ider, use_safe_mode, reflash_bios;
	bool lock_power_button, lock_reset_button, lock_keyboard, lock_sleep_button;
	bool user_password_bypass, forced_progress_events, configuration_data_reset;
	bool secure_erase, enforce_secure_boot;
	uint32_t firmware_verbosity; /* 0 system default .. 3 */
	uint32_t ider_boot_device;   /* 0 floppy, 1 CD */
	uint32_t boot_media_index;   /* 0 default, 1 primary, 2 secondary */
};

struct sim_host_nvm {
	uint32_t power; /* enum sim_power */
	struct sim_boot_settings boot;
	uint32_t boot_source; /* enum sim_boot_source */
	bool boot_next;       /* SetBootConfigRole(IsNextSingleUse) since the last boot */
	bool options_cleared; /* the last boot consumed (or found none of) the options */
};

/* What the WS-Man classes report that is not NVM: kept in struct
 * sim_state beside the NVM so a class sees it, never saved, and carried
 * over a reload of the state file (main.c). Written under the ME lock. */
struct sim_host_rt {
	bool os_running;    /* the simulated OS is up (mirrors the console) */
	uint32_t optin_state;  /* IPS_OptInService.OptInState, 0..4 */
	uint32_t optin_code;   /* the code on the host's screen (state 1..2) */
	uint64_t optin_until;  /* CLOCK_MONOTONIC ms: the code or the consent expires */
	unsigned optin_tries;  /* wrong codes sent for this code */
};

void sim_host_nvm_defaults(struct sim_host_nvm *n);
/* inih callback part: 1 when the line was taken, 0 on a bad value (why
 * filled), -1 when section is not [host] or [boot]. */
int sim_host_nvm_ini(struct sim_host_nvm *n, const char *section, const char *name,
		     const char *value, char *why, size_t whycap);
/* Write the [host] and [boot] sections. */
void sim_host_nvm_write(FILE *f, const struct sim_host_nvm *n);

/* "on", "sleep", "hibernate", "off" (NULL for other values). */
const char *sim_power_name(uint32_t power);
/* "none", "pxe", "hdd", "cd", "diagnostic" (NULL for other values). */
const char *sim_boot_source_name(uint32_t source);

#endif
