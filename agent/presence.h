// SPDX-License-Identifier: Apache-2.0
/*
 * presence.h - the agent as an AMT Agent Presence agent (protocol-facts-2.md
 * section 3): its GUID, one presence call to AMT, and the daemon's
 * heartbeat schedule (daemon_presence.c).
 *
 * Owns: which GUID the agent is ([presence] agent_guid, or with "auto" a
 * random GUID made once and kept in STATE_DIR/presence_guid), and one call
 * (status, register, assert, shutdown) through the local WS-Man path
 * (wsman_local.h) and the network module, which is loaded only in the
 * process that makes the call (a daemon worker, or the CLI).
 * Must not: decide when to heartbeat (the daemon does) or print.
 */
#ifndef AGENT_PRESENCE_H
#define AGENT_PRESENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "net/net.h"

struct presence_id {
	uint8_t raw[16]; /* wire bytes */
	char text[37];
	bool is_auto;
};

/* The configured GUID. 1 and *id, 0 when presence is off ([presence]
 * agent_guid unset, or auto without a stored GUID and !create), -1 with a
 * reason in err (the state file cannot be read or made). create: make and
 * store the auto GUID when there is none. */
int presence_agent_id(const struct agent_config *c, bool create, struct presence_id *id,
		      char *err, size_t errcap);

/* One call. 0 with *res filled (res->status says what AMT answered), or an
 * exit code after one line on ctx->err (the ME, the local WS-Man path or
 * the network module failed). *transport: "lms" or "lme". */
int presence_call(struct agent_ctx *ctx, enum net_presence_action action,
		  const struct presence_id *id, uint32_t seq, struct net_presence_result *res,
		  const char **transport);

/* "running", "expired", ... for CurrentState. */
const char *presence_state_name(uint32_t state);

#endif
