// SPDX-License-Identifier: Apache-2.0
/*
 * client.h - the CLI side of the daemon's socket: send a subcommand line,
 * print exactly what the daemon's worker printed, return its exit code.
 * Must not: interpret the command; the daemon decides what is allowed.
 */
#ifndef AGENT_CLIENT_H
#define AGENT_CLIENT_H

#include <stdbool.h>

#include "agent.h"

/* Returns the command's exit code, or -1 when the daemon is not there
 * (socket missing or refusing) so the caller may run the command directly. */
int client_run_via_daemon(struct agent_ctx *ctx, int argc, char **argv, bool required);

#endif
