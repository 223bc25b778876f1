// SPDX-License-Identifier: Apache-2.0
/*
 * sim_users.h - AMT's user access control list (ACL): the digest users an
 * administrator added besides the admin account, each with an interface
 * permission and a list of realms (AMT_AuthorizationService).
 *
 * Owns: struct sim_users (embedded in struct sim_state) and its INI form,
 * one [user.N] section per entry (N = the ACL handle, 1..16): name,
 * password, access (local, network, any), realms = R[,R...] (realm numbers,
 * AMT_AuthorizationService RealmValues).
 * The WS-Man service (sim_wsman.c) accepts these users' digest answers
 * where their access permission allows; sim_wsman_setup.c lists them.
 * Must not: know HTTP or WS-Management.
 */
#ifndef SIM_USERS_H
#define SIM_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_USERS_MAX 16       /* handles 1..16 */
#define SIM_USER_NAME_MAX 16   /* AMT: 7-bit ASCII, at most 16 characters */
#define SIM_USER_PASSWORD_MAX 32
#define SIM_USER_REALMS 24

/* AccessPermission */
enum sim_user_access { SIM_ACCESS_LOCAL = 0, SIM_ACCESS_NETWORK = 1, SIM_ACCESS_ANY = 2 };

struct sim_user {
	bool used;
	char name[SIM_USER_NAME_MAX + 1];
	char password[SIM_USER_PASSWORD_MAX + 1];
	uint32_t access;
	unsigned nrealms;
	uint32_t realms[SIM_USER_REALMS];
};

struct sim_users {
	struct sim_user u[SIM_USERS_MAX]; /* u[i] has handle i + 1 */
};

void sim_users_defaults(struct sim_users *s);
/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_users_ini(struct sim_users *s, const char *section, const char *name, const char *value,
		  char *why, size_t whycap);
/* After the whole file: names present and unique. 0 or -1 with why. */
int sim_users_finish(struct sim_users *s, const char *admin_user, char *why, size_t whycap);
void sim_users_write(FILE *f, const struct sim_users *s);
/* The entry with this name, or NULL. */
const struct sim_user *sim_users_find(const struct sim_users *s, const char *name);
/* Whether access permission a admits a request from the host (local) or
 * the network. */
bool sim_user_access_ok(uint32_t access, bool local);

#endif
