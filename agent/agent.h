/*
 * agent.h - what every amt-agent subcommand shares: the context (config,
 * output mode, program name) and opening the firmware with the configured
 * device, timeouts and retry policy.
 * Must not: hold global state; everything hangs off struct agent_ctx.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "amthi.h"
#include "config.h"

struct agent_ctx {
	struct agent_config cfg;
	const char *prog;
	bool json;
	/* Where a command writes: the terminal for the CLI, memory buffers when
	 * the daemon runs a command for a socket client, so the output and the
	 * exit code are the same either way. */
	FILE *out, *err;
	bool err_is_tty; /* progress lines only for people */
	int txn_lock_fd; /* >= 0 in daemon workers: flock()ed around each AMTHI transaction */
};

struct agent_cmd {
	const char *name;
	int (*run)(struct agent_ctx *ctx, int argc, char **argv);
	const char *summary;
	const char *usage;
};

/* The subcommand table (exact names, no prefix matching). */
const struct agent_cmd *agent_commands(size_t *count);
const struct agent_cmd *agent_find_command(const char *name);

/* New transport handle from the configuration; NULL on ENOMEM. */
struct heci *agent_heci_new(const struct agent_ctx *ctx);
/* AMTHI session options from the configuration. */
void agent_amthi_opts(const struct agent_ctx *ctx, struct amthi_opts *o);

/* Report a failed firmware operation on ctx->err (one line) and return its
 * exit code. When no device was configured and none was found, the message
 * lists every node probed. */
int agent_fail(struct agent_ctx *ctx, struct heci *h, const char *what, int err,
	       amt_status_t status, const char *cmd_name);

/* Print a JSON document on stdout (indented, key order kept) and free it. */
void agent_print_json(struct agent_ctx *ctx, json_t *doc);

/* Subcommand entry points. */
int cmd_info(struct agent_ctx *ctx, int argc, char **argv);
int cmd_hello(struct agent_ctx *ctx, int argc, char **argv);
int cmd_call_for_help(struct agent_ctx *ctx, int argc, char **argv);
int cmd_run(struct agent_ctx *ctx, int argc, char **argv);
int cmd_hostid(struct agent_ctx *ctx, int argc, char **argv);

#endif
