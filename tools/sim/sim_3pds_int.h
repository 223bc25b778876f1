// SPDX-License-Identifier: Apache-2.0
/*
 * sim_3pds_int.h - what the two 3PDS service files share: the runtime
 * sessions and locks, one method call's context, the method table type and
 * the helpers both use. sim_3pds.c owns the storage service, sessions and
 * locks; sim_3pds_admin.c the administration service.
 * Must not: be included outside those two files.
 */
#ifndef SIM_3PDS_INT_H
#define SIM_3PDS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_wsman_int.h"

#define SIM_3PDS_MAX_SESSIONS 16 /* SDK: MaxAslEntries */

struct sim_3pds_session {
	char handle[17]; /* 16 hex digits; "" = free */
	uint32_t app;
	int64_t last_ms;
	bool local; /* opened through the host (LME/LMS) rather than the network */
};

struct sim_3pds_lock {
	uint32_t block; /* 0 = free */
	int session;    /* index into sessions[] */
	int64_t last_ms;
};

struct sim_3pds_rt {
	struct sim_3pds_session sessions[SIM_3PDS_MAX_SESSIONS];
	struct sim_3pds_lock locks[SIM_3PDS_MAX_BLOCKS];
};

/* one method call */
struct sim_3pds_op {
	struct sim_wsman_call *c;
	struct sim_3pds_rt *rt;
	struct sim_3pds_nvm *n;
	int session; /* index, -1 for methods without a session */
	struct sim_3pds_app *app;
};

struct sim_3pds_method {
	const char *name;
	bool session; /* needs SessionHandle */
	uint32_t (*fn)(struct sim_3pds_op *o);
};

/* Look the method up, end idle sessions and locks, check the session when
 * the method needs one, then run it (SIM_WSMAN_RV_* or a PT_STATUS). */
uint32_t sim_3pds_invoke(struct sim_wsman_call *c, const struct sim_3pds_method *table);
/* Persist the NVM half now (the caller changed it). */
void sim_3pds_save(struct sim_3pds_op *o);
/* Remove an application, its blocks, its sessions and their locks; saves. */
void sim_3pds_remove_app(struct sim_3pds_op *o, uint32_t app);
/* A vendor, application or enterprise name: 1..64 storable characters. */
bool sim_3pds_reg_name_ok(const char *s, bool allow_comma);
uint32_t sim_3pds_unsupported(struct sim_3pds_op *o);
/* Class helpers: one instance, and the CIM_Service keys of a service. */
unsigned sim_3pds_one(const struct sim_state *st);
void sim_3pds_service_props(struct sim_wsman_inst *o, const char *ccn, const char *name);

#endif
