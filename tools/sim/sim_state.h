// SPDX-License-Identifier: Apache-2.0
/*
 * sim_state.h - the simulated device's state: what real firmware keeps in
 * NVM and what it reports, plus the simulator's fault switches.
 *
 * Owns: struct sim_state, its defaults, loading it from an INI file through
 * one keyword table (unknown key or bad value -> error with file:line), and
 * writing it back atomically (temp file, fsync, rename, fsync directory), so
 * state survives a simulator restart the way NVM survives a reboot; and
 * the values several interfaces report from the same keys (the code-version
 * table AMTHI and WS-Man both give), so they agree by construction.
 * Must not: answer protocol messages (sim_amthi.c etc. read this struct) or
 * call any of the simulator's clients or services: they all call down here.
 */
#ifndef SIM_STATE_H
#define SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_3pds_nvm.h"
#include "sim_alert_nvm.h"
#include "sim_hw.h"
#include "sim_msglog.h"
#include "sim_presence.h"
#include "sim_ra_nvm.h"
#include "sim_users.h"
#include "sim_host_nvm.h"

struct amt_code_versions;

#define SIM_MAX_HASHES 32
#define SIM_STR 256

enum sim_disabled_style { SIM_DISABLED_ABSENT = 0, SIM_DISABLED_EMPTY = 1 };
enum sim_numbering { SIM_NUM_LMS = 0, SIM_NUM_RPCGO = 1 };
enum sim_qop { SIM_QOP_AUTH = 0, SIM_QOP_AUTH_INT_AUTH = 1 };
enum sim_hash_alg { SIM_HASH_SHA1 = 1, SIM_HASH_SHA256 = 2, SIM_HASH_SHA384 = 3, SIM_HASH_SHA512 = 4 };
enum sim_optin { SIM_OPTIN_NONE = 0, SIM_OPTIN_KVM = 1, SIM_OPTIN_ALL = 2 };
enum sim_consent { SIM_CONSENT_POLICY = 0, SIM_CONSENT_NONE = 1 };
/* [sim] redirection_plain: is 16994 (no TLS) served on the network? */
enum sim_plain { SIM_PLAIN_AUTO = 0, SIM_PLAIN_ON = 1, SIM_PLAIN_OFF = 2 };
enum sim_vendor { SIM_VENDOR_CORPORATION = 0, SIM_VENDOR_REGISTERED = 1 };
enum sim_rule_naming { SIM_RULE_NAME_TRIGGER = 0, SIM_RULE_NAME_HANDLE = 1 };

struct sim_hash {
	int alg; /* enum sim_hash_alg */
	uint8_t len;
	uint8_t bytes[64];
	char name[64];
	bool is_default;
	bool active;
};

/* [me] fw_status: the host firmware status registers the MEI device shows
 * (FWSTS1..6 in PCI config space; sysfs fw_status, one line each). count 0:
 * not in the file, derived from the rest of the state (sim_sysfs.c). */
#define SIM_FW_STATUS_MAX 6
struct sim_fw_status {
	unsigned count;
	uint32_t regs[SIM_FW_STATUS_MAX];
};

/* A u32 the state file may give or leave to a default derived elsewhere. */
struct sim_opt_u32 {
	bool set;
	uint32_t v;
};

struct sim_lan {
	bool present; /* wireless only */
	bool enabled;
	uint8_t mac[6];
	uint32_t ipv4; /* MSB = first octet */
	bool dhcp;
	bool link_up;
};

struct sim_state {
	/* [amt] */
	bool amt_enabled;
	char version[21]; /* firmware version strings hold 20 bytes */
	char build[21];
	char sku[21];
	char me_fw_version[48]; /* empty = version.build */
	/* MKHI FWCAPS rules (sim_mkhi.c); unset = derived from sku and enabled */
	struct sim_opt_u32 fw_features;         /* rule 0: features capable */
	struct sim_opt_u32 fw_features_enabled; /* rule 32 (and 39, available) */
	struct sim_opt_u32 platform_type;       /* rule 29 */
	struct sim_opt_u32 fw_update_state;     /* rule 7: 0 off, 1 on, 2 password protected */
	char admin_user[33];    /* WS-Man digest user (AMT admin account) */
	char admin_password[33];
	char digest_realm[65];  /* empty = "Digest:" + hex of the UUID bytes */
	char host_name[64];     /* AMT_GeneralSettings.HostName */
	char tls_cert[SIM_STR]; /* PEM files for WS-Man on port 16993; empty = no TLS */
	char tls_key[SIM_STR];
	int clock_offset_s;     /* AMT's clock minus the host's (SetHighAccuracyTimeSynch) */
	/* [me]: the MEI device's registers as the driver shows them in sysfs */
	struct sim_fw_status fw_status;
	uint32_t trc; /* the TRC register (sysfs trc) */
	/* [platform] */
	uint8_t uuid[16]; /* raw mixed-endian bytes */
	char bios[66];
	/* [provisioning] */
	uint32_t prov_state;   /* 0 pre, 1 in, 2 post */
	uint32_t control_mode; /* 0 none, 1 ccm, 2 acm */
	uint32_t prov_mode;    /* 0 none, 1 enterprise, 2 small business, 3 RA */
	unsigned hash_count;
	struct sim_hash hashes[SIM_MAX_HASHES];
	char prov_server[SIM_STR];   /* host[:port]; empty = ProvisionServer.<dns_suffix> */
	unsigned hello_interval_s;   /* firmware seconds between hello attempts */
	unsigned hello_window_s;     /* firmware seconds hellos are sent after a start */
	bool hello_active;           /* hello sender running (saved: a restart resumes) */
	unsigned hello_retry_count;  /* retry counter of the next hello, 0..14 */
	/* [network] */
	char dns_suffix[224];
	/* [wired] [wireless] */
	struct sim_lan wired, wireless;
	/* [cira] */
	uint32_t cira_status;  /* 0 not connected, 1 connecting, 2 connected; a live
				* tunnel's status is sim_cira.c's, never stored here */
	uint32_t cira_network; /* 0 inside, 1 vpn, 2 outside, 3 unknown */
	uint32_t cira_trigger; /* 0 user, 1 alert, 2 provisioning, 3 periodic (LMS numbering) */
	bool os_interface;           /* user-initiated interfaces (AMT_UserInitiated- */
	bool bios_interface;         /* ConnectionService.EnabledState 32768..32771) */
	char cira_ca[1024];          /* CA file for the MPS certificate; empty = system store */
	unsigned cira_keepalive_s;   /* 0 = no keepalives from AMT */
	unsigned cira_request_window_s; /* an unanswered Open gives up after this */
	/* [cira.mps.N] [cira.policy.T] (and the [cira] mps ... shorthand): where
	 * tunnels go and when; the tunnel's MPS, credentials and lifetime come
	 * from sim_ra_user_route(&st->ra, ...) */
	struct sim_ra_nvm ra;
	/* [redirection]: AMT_RedirectionService (state only) */
	bool redir_sol, redir_ider, redir_listener;
	uint32_t redir_consent; /* enum sim_consent: ask the user as OptInRequired says, or never */
	/* [optin]: IPS_OptInService (state only) */
	uint32_t optin_required; /* enum sim_optin */
	unsigned optin_code_timeout_s, optin_display_timeout_s;
	/* [hardware] [hardware.cpu.N] [hardware.memory.N]: asset inventory */
	struct sim_hw hw;
	/* [events] [environment] [event.sub.N]: WS-Eventing subscriptions,
	 * environment detection, delivery switches (sim_alert_nvm.h) */
	struct sim_alert_nvm alerts;
	/* [messagelog]: AMT_MessageLog records (sim_msglog.h) */
	struct sim_msglog msglog;
	/* [presence] [presence.N]: Agent Presence watchdogs and their runtime
	 * (sim_presence.h) */
	struct sim_presence presence;
	/* [user.N]: the ACL's digest users besides the admin account */
	struct sim_users users;
	/* [local_account] */
	bool local_account_enabled;
	char local_user[34];
	char local_password[34];
	/* [sim] */
	unsigned latency_ms;
	unsigned not_ready_count;
	int busy_connects;
	unsigned reset_on_request;
	unsigned reset_count;
	uint32_t truncate_reply; /* AMTHI request code */
	uint32_t oversize_reply;
	int disabled_style;
	bool ansi_nul;
	bool local_account_pad;
	int hash_numbering;
	int trigger_numbering;
	bool apf_window_stall; /* LME: no WINDOW_ADJUST after a channel's first window */
	unsigned cira_window;  /* AMT's receive window per CIRA channel (UNVERIFIED; 4096) */
	unsigned mkhi_platform;
	unsigned mkhi_version_blocks; /* GET_FW_VERSION blocks: 3 (code, NFTP, FITC) or 2 (old firmware) */
	unsigned tx_queue_limit;      /* driver TX queue per connection (30..255, kernel default 50) */
	unsigned amthi_mtu;
	unsigned amthi_max_connections;
	unsigned device_mode; /* permissions of the device file */
	unsigned time_scale;  /* firmware seconds per simulated second (>= 1) */
	bool hello_not_ready; /* StartConfiguration(Ex) answers NOT_READY */
	uint32_t digest_qop;  /* enum sim_qop: the qop list of the WS-Man 401 */
	bool tls_legacy;      /* WS-Man HTTPS speaks TLS 1.0 only, as AMT 7-11 */
	bool tpds_permanent_interface_lock; /* 3PDS identity bound to its first interface for ever */
	bool identify_auth;     /* WS-Man Identify needs digest credentials (DSP0226 leaves it open) */
	uint32_t identify_vendor; /* enum sim_vendor: IdentifyResponse ProductVendor reading */
	uint32_t rule_naming;   /* enum sim_rule_naming: PolicyRuleName "Periodic" or "Periodic 3" */
	unsigned redirection_power_refusal; /* RequestPowerStateChange's answer to off/cycle
					     * while a redirection session is open: 4097 or 2 */
	uint32_t redirection_plain; /* enum sim_plain: auto = not from AMT 16 on (one source) */
	unsigned ider_boot_wait_s;  /* firmware s the BIOS waits for an IDE-R drive (0: for ever) */
	bool ider_read_image;       /* the recovery environment reads the whole medium once */
	bool ider_boot;             /* [platform] ider_boot: AMT_BootCapabilities.IDER */
	/* [storage] [storage.app.N] [storage.block.N]: 3PDS contents. A part
	 * whose NVM is more than a few keys (tables of entries) does the same:
	 * a struct and file of its own with defaults / ini / finish / write
	 * (see sim_3pds_nvm.h), embedded here and called from sim_state.c;
	 * single keys are one row each in sim_state.c's key table. */
	struct sim_3pds_nvm storage;
	/* [host] [boot]: the host's power and AMT's boot control (sim_host_nvm.h) */
	struct sim_host_nvm host;
	struct sim_host_rt host_rt; /* runtime beside it: never saved */
};

void sim_state_defaults(struct sim_state *s);
/* Load path over the defaults. On error returns -1, err = "FILE:LINE: ..." */
int sim_state_load(struct sim_state *s, const char *path, char *err, size_t errcap);
/* The firmware's code-version table (AMTHI GetCodeVersions, and one WS-Man
 * CIM_SoftwareIdentity instance per entry), made from [amt] version, build,
 * sku and [platform] bios, so both interfaces report the same versions. */
void sim_state_code_versions(const struct sim_state *st, struct amt_code_versions *v);
/* A reload (SIGHUP) replaces the state with the file's: keep what is not
 * in the file but runtime (the host's power, agent presence sessions and
 * timers) from before. */
void sim_state_keep_runtime(struct sim_state *now, const struct sim_state *before);
/* [sim] redirection_plain resolved: true when the plain redirection port
 * (16994) accepts network connections (auto: AMT below 16). */
bool sim_state_redir_plain(const struct sim_state *st);
/* Atomic rewrite of path with every key. Returns 0 or -errno. */
int sim_state_save(const struct sim_state *s, const char *path);
/* What a part of the simulated firmware calls after it changed NVM (3PDS
 * contents, the hello sender's keys): sim_state_save() to path, or nothing
 * when path is NULL (tests that keep the state in memory). A failure is
 * logged; the state in memory stays changed. The caller holds the ME lock,
 * which guards s. Returns 0 or -errno. */
int sim_state_persist(const struct sim_state *s, const char *path);

#endif
