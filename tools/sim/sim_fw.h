// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fw.h - the simulated firmware: the context its parts share, and the
 * table that assembles it from those parts.
 *
 * Owns: struct sim_fw, which every part (ME client, firmware service)
 * receives as its context, and the assembly: sim_fw_start() registers the
 * parts in the order of the table in sim_fw.c, sim_fw_shutdown() shuts them
 * down in reverse. All fields are guarded by the ME lock (handlers already
 * hold it; other threads use sim_me_lock()).
 * Must not: know FUSE or the command line, or do a part's work. Each part
 * (its own files) decides from fw->st whether it exists on this firmware,
 * registers what it serves, and saves NVM with sim_state_persist(); no part
 * calls into sim_fw.c (scripts/sim-deps.sh fails on any call loop).
 *
 * A part is two functions: sim_X_register(fw, err, errcap), which returns
 * 0, or negative with a one-line reason in err (left empty: strerror(-rc)),
 * and sim_X_shutdown(fw), which runs without the ME lock, stops the part's
 * threads, closes what it opened, saves what it still holds, and does
 * nothing when the part never started. Adding a service (event delivery,
 * host power, redirection): its own files, a handle below if it keeps one,
 * and one row in the table.
 */
#ifndef SIM_FW_H
#define SIM_FW_H

#include <stddef.h>

#include "sim_me.h"
#include "sim_state.h"

struct sim_hello;
struct sim_cira;
struct sim_wsman;
struct sim_lme;
struct sim_console;
struct sim_redir;
struct sim_events;

struct sim_fw {
	struct sim_me *me;
	struct sim_state st;
	const char *state_path;  /* NULL: never saved (tests) */
	const char *listen_addr; /* --listen: where network services also bind; NULL = none */
	/* one handle per part that keeps state of its own: set by its
	 * register (or first use), cleared by its shutdown */
	struct sim_wsman *wsman; /* WS-Man service (sim_wsman.c) */
	struct sim_lme *lme;     /* LME/APF client (sim_lme.c); NULL while AMT is disabled */
	struct sim_hello *hello; /* hello sender (sim_hello.c), NULL until first used */
	struct sim_cira *cira;   /* CIRA client (sim_cira.c), NULL until first used */
	struct sim_console *console; /* the host's serial console (sim_host.c creates it) */
	struct sim_redir *redir; /* redirection (SOL) service (sim_redir.c) */
	unsigned redir_open;     /* redirection sessions open now (kept by sim_redir.c) */
	struct sim_events *events; /* event delivery and watchdog timers (sim_events.c) */
	unsigned not_ready_left; /* AMTHI: NOT_READY answers still to give after start */
};

/* Push the [sim] fault switches of fw->st, and whether the host is powered
 * ([host] power), into the ME (at start and after a reload of the state
 * file). */
void sim_fw_apply_faults(struct sim_fw *fw);
/* Apply the faults, then register every part in table order. On failure
 * the parts already started are shut down again and err says which part
 * failed and why ("the WS-Man service: ..."). Returns 0 or -1. */
int sim_fw_start(struct sim_fw *fw, char *err, size_t errcap);
/* Shut every part down, in reverse table order (the WS-Man service last:
 * the LME relay connects to it). Call without the ME lock, after the host
 * side stopped, before sim_me_free(). Safe to call twice. */
void sim_fw_shutdown(struct sim_fw *fw);

/* The ME clients whose files have no header of their own. */
int sim_amthi_register(struct sim_fw *fw, char *err, size_t errcap);
int sim_mkhi_register(struct sim_fw *fw, char *err, size_t errcap);
/* The features the firmware reports enabled (MKHI FWCAPS rule 32): which
 * services a platform has (MKHI_FEATURE_* bits; sim_ports.c reads it). */
uint32_t sim_mkhi_features_enabled(const struct sim_state *st);
/* Whether AMT's host interfaces (the AMTHI and LME clients) exist: AMT
 * enabled ([amt] enabled) and among the enabled features (rule 32 bit 2,
 * which a consumer sku or an explicit [amt] fw_features_enabled clears). */
bool sim_amt_host_interface(const struct sim_state *st);
/* The platform type (MKHI FWCAPS rule 29; image type in bits 8-11). */
uint32_t sim_mkhi_platform_type(const struct sim_state *st);
/* The blocks GET_FW_VERSION answers ([sim] mkhi_version_blocks of them):
 * also what the kernel shows in sysfs fw_ver (sim_sysfs.c), so the two
 * agree by construction. */
struct mkhi_fw_version;
void sim_mkhi_fw_version(const struct sim_state *st, struct mkhi_fw_version *v);

#endif
