// SPDX-License-Identifier: Apache-2.0
/*
 * hostid.h - the persistent host ID (amt-agent hostid) as other parts of
 * the agent see it: the agent's own copy, kept beside the firmware's.
 * Must not: reach the firmware; only `hostid` does that.
 */
#ifndef AGENT_HOSTID_H
#define AGENT_HOSTID_H

#include <stddef.h>

#include "config.h"

/* The agent's copy of the host ID (STATE_DIR/hostid) into out: 0, or -1
 * when there is none or it does not hold a valid ID. */
int hostid_local_copy(const struct agent_config *c, char *out, size_t cap);

#endif
