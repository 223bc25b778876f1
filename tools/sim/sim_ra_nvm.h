// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ra_nvm.h - what AMT keeps in NVM for remote access (CIRA): the
 * Management Presence Servers (MPS) it may tunnel to and the remote-access
 * policy rules that say when and to which of them (protocol-facts-2.md 2.5).
 *
 * Owns: struct sim_ra_nvm (embedded in struct sim_state), its INI form
 * ([cira.mps.N] and [cira.policy.N] sections, plus the older single keys
 * [cira] mps / username / password / policy_user_initiated /
 * tunnel_lifetime_s read as shorthand for MPS 0 and its user-initiated
 * rule), the plain operations on it, and the one question both sides of
 * the firmware ask: where does a user-initiated tunnel go
 * (sim_ra_user_route). The WS-Man classes (sim_wsman_remote.c) change it;
 * the AMTHI client (sim_amthi.c) and the CIRA client (sim_cira.c) read it;
 * so what a provisioning service configures over WS-Man is what
 * call-for-help uses.
 * Must not: know WS-Management, APF or AMTHI, or do file I/O beyond writing
 * its lines to the FILE sim_state.c gives it.
 */
#ifndef SIM_RA_NVM_H
#define SIM_RA_NVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_RA_MAX_MPS 4     /* MPS entries (a simulator choice: the limit is not public) */
#define SIM_RA_RULE_MPS 2    /* MpServer[] and InternalMpServer[] hold at most 2 each */
#define SIM_RA_HOST_MAX 190  /* AccessInfo and CN: "host = " must fit inih's 200-byte line */
#define SIM_RA_CRED_MAX 64   /* username / password (MOF text: 64; go-wsman says 16) */
#define SIM_RA_EXT_MAX 32    /* ExtendedData bytes */

/* AMT_ManagementPresenceRemoteSAP.InfoFormat / AddMpServer InfoFormat */
enum sim_ra_format { SIM_RA_IPV4 = 3, SIM_RA_IPV6 = 4, SIM_RA_FQDN = 201 };
/* AddMpServer AuthMethod */
enum sim_ra_auth { SIM_RA_AUTH_MUTUAL = 1, SIM_RA_AUTH_PASSWORD = 2 };
/* AMT_RemoteAccessPolicyRule.Trigger (one rule per trigger) */
enum sim_ra_trigger {
	SIM_RA_USER_INITIATED = 0,
	SIM_RA_ALERT = 1,
	SIM_RA_PERIODIC = 2,
	SIM_RA_HOME_PROVISIONING = 3,
	SIM_RA_TRIGGERS = 4
};

struct sim_ra_mps {
	bool used; /* slot N is "Intel(r) AMT:Management Presence Server N" */
	char host[SIM_RA_HOST_MAX + 1];
	uint32_t port;
	uint32_t format; /* enum sim_ra_format */
	char cn[SIM_RA_HOST_MAX + 1];
	uint32_t auth; /* enum sim_ra_auth */
	char username[SIM_RA_CRED_MAX + 1];
	char password[SIM_RA_CRED_MAX + 1];
};

struct sim_ra_rule {
	bool used;       /* slot = trigger */
	uint32_t handle; /* the "%s %d" naming uses it; never reused */
	uint32_t lifetime_s; /* TunnelLifeTime, 0 = until closed */
	uint32_t ext_len;
	uint8_t ext[SIM_RA_EXT_MAX]; /* ExtendedData */
	/* MPS slots in order of access, -1 = none: outside the enterprise
	 * (MpServer) and inside (InternalMpServer) */
	int external[SIM_RA_RULE_MPS];
	int internal[SIM_RA_RULE_MPS];
};

struct sim_ra_nvm {
	struct sim_ra_mps mps[SIM_RA_MAX_MPS];
	struct sim_ra_rule rules[SIM_RA_TRIGGERS];
	uint32_t next_rule_handle;
	/* the older single keys, kept while the file loads */
	struct {
		bool given;
		char mps[SIM_RA_HOST_MAX + 8]; /* host[:port] */
		char username[SIM_RA_CRED_MAX + 1];
		char password[SIM_RA_CRED_MAX + 1];
		bool user_initiated;
		uint32_t lifetime_s;
	} shorthand;
};

void sim_ra_nvm_defaults(struct sim_ra_nvm *n);
/* inih callback part: 1 taken, 0 bad value (why filled), -1 not ours. */
int sim_ra_nvm_ini(struct sim_ra_nvm *n, const char *section, const char *name,
		   const char *value, char *why, size_t whycap);
/* After the whole file: the shorthand keys become MPS 0 and its
 * user-initiated rule (refused next to sections), rules point at MPS
 * entries that exist. 0 or -1 with why filled. */
int sim_ra_nvm_finish(struct sim_ra_nvm *n, char *why, size_t whycap);
/* Write the [cira.mps.N] and [cira.policy.N] sections. */
void sim_ra_nvm_write(FILE *f, const struct sim_ra_nvm *n);

/* What the shorthand keys do, for tests and the loader: MPS 0 from
 * "host[:port]" (port 4433) with password credentials (empty mps: no MPS),
 * and, when user_initiated, a user-initiated rule through it. Replaces the
 * whole table. 0 or -1 (bad host or port). */
int sim_ra_configure(struct sim_ra_nvm *n, const char *mps, const char *username,
		     const char *password, bool user_initiated, uint32_t lifetime_s);

/* ---- operations (no policy beyond table limits: callers validate) ---- */
/* InfoFormat a host string has: IPv4 or IPv6 literal, else FQDN. */
uint32_t sim_ra_format_of(const char *host);
/* The slot a new MPS would take, -1 when full. */
int sim_ra_mps_free_slot(const struct sim_ra_nvm *n);
/* Slot of "Intel(r) AMT:Management Presence Server N", -1 when none. */
int sim_ra_mps_by_name(const struct sim_ra_nvm *n, const char *name);
/* Removes the MPS and every rule's reference to it. */
void sim_ra_mps_remove(struct sim_ra_nvm *n, int slot);
/* Name of trigger t ("User Initiated", "Alert", "Periodic", "Home Provisioning"). */
const char *sim_ra_trigger_name(uint32_t t);
/* The rule with this PolicyRuleName (either naming), or NULL. */
struct sim_ra_rule *sim_ra_rule_by_name(struct sim_ra_nvm *n, const char *name);
/* Periodic ExtendedData: type 0 (UINT32 0 + interval s) or type 1
 * (UINT32 1 + hour + minute), big-endian; other triggers: empty. */
bool sim_ra_ext_ok(uint32_t trigger, const uint8_t *ext, size_t len);

/* Where a user-initiated tunnel goes: the user-initiated rule (NULL: no
 * such policy) and its first MPS for outside the enterprise (NULL: the
 * rule names none). Both NULL-safe to read. */
void sim_ra_user_route(const struct sim_ra_nvm *n, const struct sim_ra_rule **rule,
		       const struct sim_ra_mps **mps);

#endif
