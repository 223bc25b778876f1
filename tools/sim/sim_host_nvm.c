// SPDX-License-Identifier: Apache-2.0
/*
 * sim_host_nvm.c - the [host] and [boot] sections of the state file (see
 * sim_host_nvm.h). One row per key parses it on load and writes it on
 * save, so the two cannot disagree.
 */
#include "sim_host_nvm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ini.h"

enum kind { K_BOOL, K_U32, K_POWER, K_SOURCE };

struct key {
	const char *section, *name;
	enum kind kind;
	size_t off;
	uint32_t max; /* K_U32 */
};

#define O(f) offsetof(struct sim_host_nvm, f)

static const struct key keys[] = {
	{"host", "power", K_POWER, O(power), 0},
	{"boot", "bios_setup", K_BOOL, O(boot.bios_setup), 0},
	{"boot", "bios_pause", K_BOOL, O(boot.bios_pause), 0},
	{"boot", "use_sol", K_BOOL, O(boot.use_sol), 0},
	{"boot", "use_ider", K_BOOL, O(boot.use_ider), 0},
	{"boot", "use_safe_mode", K_BOOL, O(boot.use_safe_mode), 0},
	{"boot", "reflash_bios", K_BOOL, O(boot.reflash_bios), 0},
	{"boot", "lock_power_button", K_BOOL, O(boot.lock_power_button), 0},
	{"boot", "lock_reset_button", K_BOOL, O(boot.lock_reset_button), 0},
	{"boot", "lock_keyboard", K_BOOL, O(boot.lock_keyboard), 0},
	{"boot", "lock_sleep_button", K_BOOL, O(boot.lock_sleep_button), 0},
	{"boot", "user_password_bypass", K_BOOL, O(boot.user_password_bypass), 0},
	{"boot", "forced_progress_events", K_BOOL, O(boot.forced_progress_events), 0},
	{"boot", "configuration_data_reset", K_BOOL, O(boot.configuration_data_reset), 0},
	{"boot", "secure_erase", K_BOOL, O(boot.secure_erase), 0},
	{"boot", "enforce_secure_boot", K_BOOL, O(boot.enforce_secure_boot), 0},
	{"boot", "firmware_verbosity", K_U32, O(boot.firmware_verbosity), 3},
	{"boot", "ider_boot_device", K_U32, O(boot.ider_boot_device), 1},
	{"boot", "boot_media_index", K_U32, O(boot.boot_media_index), 2},
	{"boot", "source", K_SOURCE, O(boot_source), 0},
	{"boot", "next", K_BOOL, O(boot_next), 0},
	{"boot", "options_cleared", K_BOOL, O(options_cleared), 0},
};

static const char *const power_names[] = {"on", "sleep", "hibernate", "off", NULL};
static const char *const source_names[] = {"none", "pxe", "hdd", "cd", "diagnostic", NULL};

const char *sim_power_name(uint32_t power)
{
	return power <= SIM_POWER_OFF ? power_names[power] : NULL;
}

const char *sim_boot_source_name(uint32_t source)
{
	return source < SIM_BOOT_SRC_COUNT ? source_names[source] : NULL;
}

void sim_host_nvm_defaults(struct sim_host_nvm *n)
{
	memset(n, 0, sizeof(*n));
	n->power = SIM_POWER_ON;
	n->options_cleared = true;
}

static int set_enum(const char *const *names, const char *v, uint32_t *out)
{
	for (uint32_t i = 0; names[i]; i++)
		if (!strcmp(names[i], v)) {
			*out = i;
			return 0;
		}
	return -1;
}

static int set_key(struct sim_host_nvm *n, const struct key *k, const char *v)
{
	void *f = (char *)n + k->off;
	switch (k->kind) {
	case K_BOOL:
		return sim_parse_bool(v, f);
	case K_POWER:
		return set_enum(power_names, v, f);
	case K_SOURCE:
		return set_enum(source_names, v, f);
	case K_U32: {
		char *end;
		errno = 0;
		unsigned long x = strtoul(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || errno || x > k->max)
			return -1;
		*(uint32_t *)f = (uint32_t)x;
		return 0;
	}
	}
	return -1;
}

int sim_host_nvm_ini(struct sim_host_nvm *n, const char *section, const char *name,
		     const char *value, char *why, size_t whycap)
{
	if (strcmp(section, "host") != 0 && strcmp(section, "boot") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section) || strcmp(keys[i].name, name))
			continue;
		if (set_key(n, &keys[i], value) == 0)
			return 1;
		snprintf(why, whycap, "[%s] %s: bad value \"%.64s\"", section, name, value);
		return 0;
	}
	snprintf(why, whycap, "[%s] %s: unknown key", section, name);
	return 0;
}

void sim_host_nvm_write(FILE *f, const struct sim_host_nvm *n)
{
	const char *section = "";
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		const void *p = (const char *)n + k->off;
		if (strcmp(section, k->section)) {
			section = k->section;
			fprintf(f, "\n[%s]\n", section);
		}
		switch (k->kind) {
		case K_BOOL:
			fprintf(f, "%s = %s\n", k->name, *(const bool *)p ? "true" : "false");
			break;
		case K_U32:
			fprintf(f, "%s = %u\n", k->name, (unsigned)*(const uint32_t *)p);
			break;
		case K_POWER:
			fprintf(f, "%s = %s\n", k->name, sim_power_name(*(const uint32_t *)p));
			break;
		case K_SOURCE:
			fprintf(f, "%s = %s\n", k->name, sim_boot_source_name(*(const uint32_t *)p));
			break;
		}
	}
}
