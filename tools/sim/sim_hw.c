// SPDX-License-Identifier: Apache-2.0
/*
 * sim_hw.c - hardware inventory state and its INI form (see sim_hw.h).
 * Defaults describe a small-form-factor business PC (values of the shape
 * the go-wsman-messages CIM fixtures show; none is a real serial number).
 */
#include "sim_hw.h"

#include <string.h>

#include "sim_ini.h"

#define T(f) offsetof(struct sim_hw, f), sizeof(((struct sim_hw *)0)->f)
static const struct sim_ini_key hw_keys[] = {
	{"chassis_manufacturer", SIM_INI_STR, T(chassis_manufacturer), 0, 0, NULL, NULL},
	{"chassis_model", SIM_INI_STR, T(chassis_model), 0, 0, NULL, NULL},
	{"chassis_serial", SIM_INI_STR, T(chassis_serial), 0, 0, NULL, NULL},
	{"chassis_version", SIM_INI_STR, T(chassis_version), 0, 0, NULL, NULL},
	{"board_manufacturer", SIM_INI_STR, T(board_manufacturer), 0, 0, NULL, NULL},
	{"board_model", SIM_INI_STR, T(board_model), 0, 0, NULL, NULL},
	{"board_serial", SIM_INI_STR, T(board_serial), 0, 0, NULL, NULL},
	{"board_version", SIM_INI_STR, T(board_version), 0, 0, NULL, NULL},
	{"bios_vendor", SIM_INI_STR, T(bios_vendor), 0, 0, NULL, NULL},
	{"bios_release_date", SIM_INI_STR, T(bios_release_date), 0, 0, NULL, NULL},
};

#define C(f) offsetof(struct sim_hw_cpu, f), 0
static const struct sim_ini_key cpu_keys[] = {
	{"family", SIM_INI_U32, C(family), 1, 0xFFFF, NULL, NULL},
	{"max_speed_mhz", SIM_INI_U32, C(max_mhz), 0, 0xFFFF, NULL, NULL},
	{"current_speed_mhz", SIM_INI_U32, C(current_mhz), 0, 0xFFFF, NULL, NULL},
	{"bus_speed_mhz", SIM_INI_U32, C(bus_mhz), 0, 0xFFFF, NULL, NULL},
	{"stepping", SIM_INI_U32, C(stepping), 0, 0xFF, NULL, NULL},
	{"upgrade_method", SIM_INI_U32, C(upgrade_method), 1, 0xFF, NULL, NULL},
};

#define D(f) offsetof(struct sim_hw_dimm, f)
#define DS(f) D(f), sizeof(((struct sim_hw_dimm *)0)->f)
static const struct sim_ini_key dimm_keys[] = {
	{"bank", SIM_INI_STR, DS(bank), 0, 0, NULL, NULL},
	{"capacity_mb", SIM_INI_U32, D(capacity_mb), 0, 1, 4u * 1024u * 1024u, NULL, NULL},
	{"speed_mhz", SIM_INI_U32, D(speed_mhz), 0, 0, 0xFFFF, NULL, NULL},
	{"configured_speed_mhz", SIM_INI_U32, D(configured_mhz), 0, 0, 0xFFFF, NULL, NULL},
	{"type", SIM_INI_U32, D(type), 0, 0, 0xFFFF, NULL, NULL},
	{"form_factor", SIM_INI_U32, D(form_factor), 0, 0, 0xFFFF, NULL, NULL},
	{"manufacturer", SIM_INI_STR, DS(manufacturer), 0, 0, NULL, NULL},
	{"part_number", SIM_INI_STR, DS(part_number), 0, 0, NULL, NULL},
	{"serial", SIM_INI_STR, DS(serial), 0, 0, NULL, NULL},
	{"tag", SIM_INI_STR, DS(tag), 0, 0, NULL, NULL},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void default_cpu(struct sim_hw_cpu *c)
{
	*c = (struct sim_hw_cpu){.used = true, .family = 198, .max_mhz = 4700,
				 .current_mhz = 2100, .bus_mhz = 100, .stepping = 10,
				 .upgrade_method = 1};
}

static void default_dimm(struct sim_hw_dimm *d, unsigned i)
{
	memset(d, 0, sizeof(*d));
	d->used = true;
	snprintf(d->bank, sizeof(d->bank), "BANK %u", 2 * i);
	d->capacity_mb = 8192;
	d->speed_mhz = d->configured_mhz = 3200;
	d->type = 26;
	d->form_factor = 13;
	snprintf(d->manufacturer, sizeof(d->manufacturer), "SimMemory");
	snprintf(d->part_number, sizeof(d->part_number), "SIM8G3200SO");
	snprintf(d->serial, sizeof(d->serial), "5100%04X", 0xA0 + i);
	snprintf(d->tag, sizeof(d->tag), "SIM-DIMM-%u", i);
}

void sim_hw_defaults(struct sim_hw *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->chassis_manufacturer, SIM_HW_TEXT, "Simulated Systems Inc.");
	snprintf(h->chassis_model, SIM_HW_TEXT, "SIM-SFF-1");
	snprintf(h->chassis_serial, SIM_HW_TEXT, "SIMCH0001");
	snprintf(h->chassis_version, SIM_HW_TEXT, "1.0");
	snprintf(h->board_manufacturer, SIM_HW_TEXT, "Simulated Systems Inc.");
	snprintf(h->board_model, SIM_HW_TEXT, "SIM-BOARD-Q1");
	snprintf(h->board_serial, SIM_HW_TEXT, "SIMBB0001");
	snprintf(h->board_version, SIM_HW_TEXT, "A01");
	snprintf(h->bios_vendor, SIM_HW_TEXT, "Simulated Systems Inc.");
	snprintf(h->bios_release_date, sizeof(h->bios_release_date), "2024-03-15");
	default_cpu(&h->cpus[0]);
	default_dimm(&h->dimms[0], 0);
	default_dimm(&h->dimms[1], 1);
}

static bool date_ok(const char *v)
{
	unsigned y, m, d;
	char tail;
	return strlen(v) == 10 && sscanf(v, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 &&
	       v[4] == '-' && v[7] == '-' && y >= 1980 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int sim_hw_ini(struct sim_hw *h, const char *section, const char *name, const char *value,
	       char *why, size_t whycap)
{
	int rc, idx;
	if (!strcmp(section, "hardware")) {
		rc = sim_ini_set(hw_keys, N(hw_keys), h, name, value);
		if (rc == 0 && !strcmp(name, "bios_release_date") && !date_ok(value))
			rc = -1;
	} else if ((idx = sim_ini_section_index(section, "hardware.cpu.", SIM_HW_MAX_CPUS - 1)) >=
		   0) {
		if (!h->cpus_from_file) {
			memset(h->cpus, 0, sizeof(h->cpus));
			h->cpus_from_file = true;
		}
		if (!h->cpus[idx].used)
			default_cpu(&h->cpus[idx]);
		rc = sim_ini_set(cpu_keys, N(cpu_keys), &h->cpus[idx], name, value);
	} else if ((idx = sim_ini_section_index(section, "hardware.memory.",
						SIM_HW_MAX_DIMMS - 1)) >= 0) {
		if (!h->dimms_from_file) {
			memset(h->dimms, 0, sizeof(h->dimms));
			h->dimms_from_file = true;
		}
		if (!h->dimms[idx].used)
			default_dimm(&h->dimms[idx], (unsigned)idx);
		rc = sim_ini_set(dimm_keys, N(dimm_keys), &h->dimms[idx], name, value);
	} else if (!strncmp(section, "hardware.", 9)) {
		snprintf(why, whycap, "[%.64s]: unknown section (cpu 0..%d, memory 0..%d)", section,
			 SIM_HW_MAX_CPUS - 1, SIM_HW_MAX_DIMMS - 1);
		return 0;
	} else {
		return -1;
	}
	if (rc == -2)
		snprintf(why, whycap, "[%.64s] %.32s: unknown key", section, name);
	else if (rc != 0)
		snprintf(why, whycap, "[%.64s] %.32s: bad value \"%.64s\"", section, name, value);
	return rc == 0 ? 1 : 0;
}

int sim_hw_finish(struct sim_hw *h, char *why, size_t whycap)
{
	h->cpus_from_file = h->dimms_from_file = false;
	for (int i = 0; i < SIM_HW_MAX_DIMMS; i++)
		if (h->dimms[i].used && !h->dimms[i].tag[0]) {
			snprintf(why, whycap, "[hardware.memory.%d]: tag is required (the CIM key)", i);
			return -1;
		}
	return 0;
}

void sim_hw_write(FILE *f, const struct sim_hw *h)
{
	fputs("\n[hardware]\n", f);
	sim_ini_write(f, hw_keys, N(hw_keys), h);
	for (int i = 0; i < SIM_HW_MAX_CPUS; i++) {
		if (!h->cpus[i].used)
			continue;
		fprintf(f, "\n[hardware.cpu.%d]\n", i);
		sim_ini_write(f, cpu_keys, N(cpu_keys), &h->cpus[i]);
	}
	for (int i = 0; i < SIM_HW_MAX_DIMMS; i++) {
		if (!h->dimms[i].used)
			continue;
		fprintf(f, "\n[hardware.memory.%d]\n", i);
		sim_ini_write(f, dimm_keys, N(dimm_keys), &h->dimms[i]);
	}
}

int sim_hw_cpu_nth(const struct sim_hw *h, unsigned n)
{
	for (int i = 0; i < SIM_HW_MAX_CPUS; i++)
		if (h->cpus[i].used && n-- == 0)
			return i;
	return -1;
}

int sim_hw_dimm_nth(const struct sim_hw *h, unsigned n)
{
	for (int i = 0; i < SIM_HW_MAX_DIMMS; i++)
		if (h->dimms[i].used && n-- == 0)
			return i;
	return -1;
}
