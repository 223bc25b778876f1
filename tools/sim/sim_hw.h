// SPDX-License-Identifier: Apache-2.0
/*
 * sim_hw.h - the simulated platform's hardware as AMT reports it for asset
 * inventory (SMBIOS data the BIOS hands the ME): chassis, base board,
 * BIOS, processors and memory modules.
 *
 * Owns: struct sim_hw (embedded in struct sim_state), its defaults and its
 * INI form: [hardware] keys, one [hardware.cpu.N] section per processor
 * socket and one [hardware.memory.N] per memory module (the first such
 * section replaces the default list). The BIOS version is [platform] bios,
 * the one GetCodeVersions reports.
 * Must not: know WS-Management (sim_wsman_inventory.c turns it into CIM
 * classes) or do file I/O beyond writing its lines to the FILE given.
 */
#ifndef SIM_HW_H
#define SIM_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_HW_MAX_CPUS 4
#define SIM_HW_MAX_DIMMS 8
#define SIM_HW_TEXT 64

struct sim_hw_cpu {
	bool used;
	uint32_t family;         /* CIM_Processor.Family (SMBIOS processor family) */
	uint32_t max_mhz;        /* MaxClockSpeed */
	uint32_t current_mhz;    /* CurrentClockSpeed */
	uint32_t bus_mhz;        /* ExternalBusClockSpeed */
	uint32_t stepping;
	uint32_t upgrade_method; /* SMBIOS processor upgrade (socket) */
};

struct sim_hw_dimm {
	bool used;
	char bank[SIM_HW_TEXT];
	uint32_t capacity_mb;
	uint32_t speed_mhz;            /* MaxMemorySpeed */
	uint32_t configured_mhz;       /* ConfiguredMemoryClockSpeed */
	uint32_t type;                 /* MemoryType (26 = DDR4) */
	uint32_t form_factor;          /* FormFactor (13 = SODIMM, 8 = DIMM) */
	char manufacturer[SIM_HW_TEXT];
	char part_number[SIM_HW_TEXT];
	char serial[SIM_HW_TEXT];
	char tag[SIM_HW_TEXT];
};

struct sim_hw {
	char chassis_manufacturer[SIM_HW_TEXT], chassis_model[SIM_HW_TEXT];
	char chassis_serial[SIM_HW_TEXT], chassis_version[SIM_HW_TEXT];
	char board_manufacturer[SIM_HW_TEXT], board_model[SIM_HW_TEXT];
	char board_serial[SIM_HW_TEXT], board_version[SIM_HW_TEXT];
	char bios_vendor[SIM_HW_TEXT];
	char bios_release_date[16]; /* YYYY-MM-DD */
	struct sim_hw_cpu cpus[SIM_HW_MAX_CPUS];
	struct sim_hw_dimm dimms[SIM_HW_MAX_DIMMS];
	bool cpus_from_file, dimms_from_file; /* while loading */
};

void sim_hw_defaults(struct sim_hw *h);
/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_hw_ini(struct sim_hw *h, const char *section, const char *name, const char *value,
	       char *why, size_t whycap);
/* After the whole file: 0, or -1 with why filled. */
int sim_hw_finish(struct sim_hw *h, char *why, size_t whycap);
void sim_hw_write(FILE *f, const struct sim_hw *h);
/* Used entries in slot order: the index of the n-th, -1 past the end. */
int sim_hw_cpu_nth(const struct sim_hw *h, unsigned n);
int sim_hw_dimm_nth(const struct sim_hw *h, unsigned n);

#endif
