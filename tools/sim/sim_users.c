// SPDX-License-Identifier: Apache-2.0
/*
 * sim_users.c - the ACL's digest users and their INI form (see sim_users.h).
 */
#include "sim_users.h"

#include <stdlib.h>
#include <string.h>

#include "sim_ini.h"

static const char *const access_names[] = {"local", "network", "any", NULL};

static const struct sim_ini_key user_keys[] = {
	{"name", SIM_INI_STR, offsetof(struct sim_user, name), SIM_USER_NAME_MAX + 1, 0, 0, NULL,
	 NULL},
	{"password", SIM_INI_STR, offsetof(struct sim_user, password), SIM_USER_PASSWORD_MAX + 1, 0,
	 0, NULL, NULL},
	{"access", SIM_INI_ENUM, offsetof(struct sim_user, access), 0, 0, 0, access_names, NULL},
};
#define NKEYS (sizeof(user_keys) / sizeof(user_keys[0]))

void sim_users_defaults(struct sim_users *s)
{
	memset(s, 0, sizeof(*s));
}

static bool realm_ok(unsigned long r)
{
	/* RealmValues: 2..21 and 24 (0 invalid, 1, 22, 23 reserved) */
	return (r >= 2 && r <= 21) || r == 24;
}

static int parse_realms(struct sim_user *u, const char *v)
{
	u->nrealms = 0;
	while (*v) {
		char *end;
		while (*v == ' ')
			v++;
		unsigned long r = strtoul(v, &end, 10);
		if (end == v || !realm_ok(r) || u->nrealms >= SIM_USER_REALMS)
			return -1;
		for (unsigned i = 0; i < u->nrealms; i++)
			if (u->realms[i] == r)
				return -1;
		u->realms[u->nrealms++] = (uint32_t)r;
		while (*end == ' ')
			end++;
		if (*end == '\0')
			break;
		if (*end != ',')
			return -1;
		v = end + 1;
	}
	return 0;
}

int sim_users_ini(struct sim_users *s, const char *section, const char *name, const char *value,
		  char *why, size_t whycap)
{
	int idx = sim_ini_section_index(section, "user.", SIM_USERS_MAX);
	int rc;
	if (idx < 1) {
		if (!strncmp(section, "user.", 5)) {
			snprintf(why, whycap, "[%.64s]: unknown section (user 1..%d)", section,
				 SIM_USERS_MAX);
			return 0;
		}
		return -1;
	}
	struct sim_user *u = &s->u[idx - 1];
	if (!u->used) {
		memset(u, 0, sizeof(*u));
		u->used = true;
		u->access = SIM_ACCESS_ANY;
	}
	if (!strcmp(name, "realms"))
		rc = parse_realms(u, value);
	else
		rc = sim_ini_set(user_keys, NKEYS, u, name, value);
	if (rc == -2)
		snprintf(why, whycap, "[%.64s] %.32s: unknown key", section, name);
	else if (rc != 0)
		snprintf(why, whycap, "[%.64s] %.32s: bad value", section, name); /* may be a secret */
	return rc == 0 ? 1 : 0;
}

int sim_users_finish(struct sim_users *s, const char *admin_user, char *why, size_t whycap)
{
	for (int i = 0; i < SIM_USERS_MAX; i++) {
		if (!s->u[i].used)
			continue;
		if (!s->u[i].name[0] || !s->u[i].password[0]) {
			snprintf(why, whycap, "[user.%d]: name and password are required", i + 1);
			return -1;
		}
		if (!strcmp(s->u[i].name, admin_user)) {
			snprintf(why, whycap, "[user.%d]: %s is the admin account ([amt] admin_user)",
				 i + 1, s->u[i].name);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (s->u[j].used && !strcmp(s->u[j].name, s->u[i].name)) {
				snprintf(why, whycap, "[user.%d]: name also used by [user.%d]", i + 1,
					 j + 1);
				return -1;
			}
	}
	return 0;
}

void sim_users_write(FILE *f, const struct sim_users *s)
{
	for (int i = 0; i < SIM_USERS_MAX; i++) {
		const struct sim_user *u = &s->u[i];
		if (!u->used)
			continue;
		fprintf(f, "\n[user.%d]\n", i + 1);
		sim_ini_write(f, user_keys, NKEYS, u);
		fputs("realms = ", f);
		for (unsigned j = 0; j < u->nrealms; j++)
			fprintf(f, "%s%u", j ? "," : "", (unsigned)u->realms[j]);
		fputc('\n', f);
	}
}

const struct sim_user *sim_users_find(const struct sim_users *s, const char *name)
{
	for (int i = 0; i < SIM_USERS_MAX; i++)
		if (s->u[i].used && !strcmp(s->u[i].name, name))
			return &s->u[i];
	return NULL;
}

bool sim_user_access_ok(uint32_t access, bool local)
{
	return access == SIM_ACCESS_ANY || (local ? access == SIM_ACCESS_LOCAL
						  : access == SIM_ACCESS_NETWORK);
}
