// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ini.c - shared state-file value parsers and the keyword table (see
 * sim_ini.h).
 */
#include "sim_ini.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sim_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

bool sim_ini_text_ok(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len > max)
		return false;
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || c == ';')
			return false;
	}
	return true;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	if (*v < '0' || *v > '9' || strlen(v) > 10)
		return -1;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

const char *sim_ini_enum_name(const struct sim_ini_key *key, uint32_t value)
{
	for (uint32_t i = 0; key->names[i]; i++)
		if ((key->values ? key->values[i] : i) == value)
			return key->names[i];
	return NULL;
}

int sim_ini_set(const struct sim_ini_key *keys, size_t nkeys, void *base, const char *name,
		const char *value)
{
	for (size_t i = 0; i < nkeys; i++) {
		const struct sim_ini_key *k = &keys[i];
		void *f = (char *)base + k->off;
		if (strcmp(k->name, name) != 0)
			continue;
		switch (k->type) {
		case SIM_INI_STR:
			if (!sim_ini_text_ok(value, k->size - 1))
				return -1;
			memcpy(f, value, strlen(value) + 1);
			return 0;
		case SIM_INI_U32:
			return parse_u32(value, k->min, k->max, f);
		case SIM_INI_BOOL:
			return sim_parse_bool(value, f);
		case SIM_INI_ENUM:
			for (uint32_t j = 0; k->names[j]; j++)
				if (strcmp(k->names[j], value) == 0) {
					*(uint32_t *)f = k->values ? k->values[j] : j;
					return 0;
				}
			return -1;
		}
		return -1;
	}
	return -2;
}

void sim_ini_write(FILE *f, const struct sim_ini_key *keys, size_t nkeys, const void *base)
{
	for (size_t i = 0; i < nkeys; i++) {
		const struct sim_ini_key *k = &keys[i];
		const void *p = (const char *)base + k->off;
		const char *name;
		fprintf(f, "%s = ", k->name);
		switch (k->type) {
		case SIM_INI_STR:
			fputs((const char *)p, f);
			break;
		case SIM_INI_U32:
			fprintf(f, "%u", (unsigned)*(const uint32_t *)p);
			break;
		case SIM_INI_BOOL:
			fputs(*(const bool *)p ? "true" : "false", f);
			break;
		case SIM_INI_ENUM:
			name = sim_ini_enum_name(k, *(const uint32_t *)p);
			fputs(name ? name : "", f);
			break;
		}
		fputc('\n', f);
	}
}

int sim_ini_section_index(const char *section, const char *prefix, unsigned max)
{
	size_t plen = strlen(prefix);
	uint32_t n;
	if (strncmp(section, prefix, plen) != 0)
		return -1;
	const char *num = section + plen;
	if (num[0] == '0' && num[1] != '\0') /* one spelling per number */
		return -1;
	if (parse_u32(num, 0, max, &n) != 0)
		return -1;
	return (int)n;
}
