/*
 * sim_fw.h - the simulated firmware: device state plus the protocol
 * handlers registered on the simulated ME (AMTHI, MKHI, and later LME).
 *
 * Owns: struct sim_fw, which every client handler receives as its context.
 * All fields are guarded by the ME lock (handlers already hold it; other
 * threads use sim_me_lock()).
 * Must not: know about FUSE or the command line.
 */
#ifndef SIM_FW_H
#define SIM_FW_H

#include "sim_me.h"
#include "sim_state.h"

struct sim_hello;
struct sim_cira;

struct sim_wsman;
struct sim_lme;

struct sim_fw {
	struct sim_me *me;
	struct sim_state st;
	const char *state_path; /* NULL: never saved (tests) */
	struct sim_wsman *wsman; /* WS-Man service (sim_wsman.c); NULL when not started */
	struct sim_lme *lme;     /* LME/APF client (sim_lme.c), set by sim_lme_register */
	unsigned not_ready_left; /* NOT_READY answers still to give after start */
	struct sim_hello *hello; /* hello sender (sim_hello.c), NULL until first used */
	struct sim_cira *cira;   /* CIRA client (sim_cira.c), NULL until first used */
};

/* Register the firmware clients the state calls for (AMTHI is absent when
 * AMT is disabled with amt_disabled_style = absent). */
int sim_fw_register(struct sim_fw *fw);
/* Push the [sim] fault switches of fw->st into the ME. */
void sim_fw_apply_faults(struct sim_fw *fw);
/* Stop and join the firmware's own threads (hello sender, CIRA client) and
 * save what they changed. Call without the ME lock, before sim_me_free(). */
void sim_fw_shutdown(struct sim_fw *fw);

/* Per-protocol registration, called by sim_fw_register. */
int sim_amthi_register(struct sim_fw *fw);
int sim_mkhi_register(struct sim_fw *fw);

#endif
