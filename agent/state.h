// SPDX-License-Identifier: Apache-2.0
/*
 * state.h - every path under [agent] state_dir, and the one checked way to
 * join a directory and a file name.
 *
 * Owns: the names of the agent's state files (the host ID copy, the last
 * reported AMT state, the default report spool), making the directory, and
 * refusing a path that would not fit instead of truncating it.
 * Must not: read or write the files' content; their owners do (hostid.c the
 * host ID copy, report.c the last state, spool.c the spool).
 */
#ifndef AGENT_STATE_H
#define AGENT_STATE_H

#include <stddef.h>

#include "config.h"

/* Longest path the agent builds for its state files (PATH_MAX is 4096;
 * state paths are configured, short, and must not be silently cut). */
#define STATE_PATH_MAX 1024

enum state_file {
	STATE_HOSTID_COPY, /* STATE_DIR/hostid: the agent's copy of the host ID */
	STATE_LAST_STATE,  /* STATE_DIR/last_state: fingerprint of the last report */
	STATE_PRESENCE_GUID, /* STATE_DIR/presence_guid: the agent's GUID ([presence] agent_guid = auto) */
};

/* "DIR/NAME" into out. 0, or -ENAMETOOLONG when it does not fit (out is
 * then an empty string, never a truncated path). */
int path_join(char *out, size_t cap, const char *dir, const char *name);
/* The path of one state file. 0 or -ENAMETOOLONG. */
int state_path(const struct agent_config *c, enum state_file f, char *out, size_t cap);
/* The report spool: [report] spool_dir, else STATE_DIR/spool. 0 or -ENAMETOOLONG. */
int state_spool_dir(const struct agent_config *c, char *out, size_t cap);
/* Create STATE_DIR (0755) if missing. 0 or -errno. */
int state_dir_ensure(const struct agent_config *c);

#endif
