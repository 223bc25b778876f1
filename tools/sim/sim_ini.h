// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ini.h - value parsers every part of the simulator's state file shares
 * (the device keys in sim_state.c, the 3PDS sections in sim_3pds_nvm.c, the
 * remote-access, hardware and user sections, and whatever section a later
 * service adds).
 *
 * Owns: the spelling of state-file values that more than one section uses,
 * and a small keyword table (name, type, field offset) that parses a key on
 * load and writes it on save from the same row, for parts whose sections
 * are plain records.
 * Must not: know any section, key or struct of the state (it sits below
 * all of them, so they can all call it without calling each other).
 */
#ifndef SIM_INI_H
#define SIM_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* State-file booleans: true/yes/1 or false/no/0. Returns 0 or -1. */
int sim_parse_bool(const char *v, bool *out);

/* A text value the state file can hold and give back unchanged: printable
 * ASCII, no ';' (inih's comment character), no leading or trailing blank,
 * at most max characters. Empty is allowed. */
bool sim_ini_text_ok(const char *s, size_t max);

enum sim_ini_type {
	SIM_INI_STR,  /* char[size]; sim_ini_text_ok */
	SIM_INI_U32,  /* uint32_t in [min, max] */
	SIM_INI_BOOL, /* bool */
	SIM_INI_ENUM, /* uint32_t: names[i] <-> values[i] (values NULL: i) */
};

struct sim_ini_key {
	const char *name;
	enum sim_ini_type type;
	size_t off;  /* of the field in the record */
	size_t size; /* SIM_INI_STR: buffer size */
	uint32_t min, max;
	const char *const *names; /* SIM_INI_ENUM, NULL-terminated */
	const uint32_t *values;
};

/* Set the field of record base named by name. Returns 0, -1 (bad value)
 * or -2 (no such key in the table). */
int sim_ini_set(const struct sim_ini_key *keys, size_t nkeys, void *base, const char *name,
		const char *value);
/* Write "name = value" for every key of the table, in table order. */
void sim_ini_write(FILE *f, const struct sim_ini_key *keys, size_t nkeys, const void *base);
/* The name of an enum value (NULL when the table has none). */
const char *sim_ini_enum_name(const struct sim_ini_key *key, uint32_t value);
/* "PREFIX.N" with N a decimal number 0..max: N; otherwise -1. */
int sim_ini_section_index(const char *section, const char *prefix, unsigned max);

#endif
