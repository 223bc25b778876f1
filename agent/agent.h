// SPDX-License-Identifier: Apache-2.0
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
#include "cliopt.h"
#include "config.h"

#define AGENT_PROG "amt-agent"

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
	/* Command-line settings the service re-applies over a reloaded file. */
	const char *opt_device, *opt_state_dir;
	int verbose;
};

/* Who may run a parsed subcommand through the service's socket. */
enum agent_privilege {
	AGENT_PRIV_ANY = 0,   /* any local user */
	AGENT_PRIV_ADMIN = 1, /* root, the service's own user, or [agent] admin_group */
	AGENT_PRIV_LOCAL = 2, /* never through the socket (run) */
};

struct agent_call;

/* One row of the subcommand table: its options and arguments (the same
 * table parses the command line, the daemon's requests and prints --help),
 * and what it needs. */
struct agent_cmd {
	struct clicmd cli;
	const char *summary; /* one line for 'amt-agent --help' */
	enum agent_privilege priv;
	/* first arguments that need AGENT_PRIV_ADMIN ("hostid set"); NULL-terminated */
	const char *const *admin_verbs;
	/* through the service: a client that goes away stops the worker between
	 * AMTHI transactions (else the command finishes; it is bounded) */
	bool stop_on_hangup;
	int (*run)(struct agent_ctx *ctx, const struct agent_call *call);
};

/* A subcommand line parsed with its command's table. */
struct agent_call {
	const struct agent_cmd *cmd;
	struct cliopt_result opt;
};

/* The subcommand table (exact names, no prefix matching). */
const struct agent_cmd *const *agent_commands(size_t *count);
const struct agent_cmd *agent_find_command(const char *name);

/* Parse a subcommand line, argv[0] being its name: CLIOPT_OK, CLIOPT_HELP
 * (the help went to out) or CLIOPT_ERROR (one line on err, also for an
 * unknown command). Values point into argv. */
int agent_getopt(int argc, char *argv[], struct agent_call *call, FILE *out, FILE *err);
/* What a parsed call needs: decided on the parsed options and arguments,
 * never on the raw strings. */
enum agent_privilege agent_call_privilege(const struct agent_call *call);
/* Run a parsed call (--json sets ctx->json). */
int agent_run(struct agent_ctx *ctx, const struct agent_call *call);

/* New transport handle from the configuration; NULL on ENOMEM. */
struct heci *agent_heci_new(const struct agent_ctx *ctx);
/* In a daemon worker: SIGTERM ends the process at once between AMTHI
 * transactions, or as soon as the current one is over. */
void agent_stop_between_transactions(void);
/* AMTHI session options from the configuration. */
void agent_amthi_opts(const struct agent_ctx *ctx, struct amthi_opts *o);

/* Report a failed firmware operation on ctx->err (one line) and return its
 * exit code. When no device was configured and none was found, the message
 * lists every node probed. When AMT's interface is absent it first asks the
 * ME's FWCAPS rules over MKHI (on h, or a new handle when h is NULL) to say
 * whether the firmware has no AMT or AMT is disabled. */
int agent_fail(struct agent_ctx *ctx, struct heci *h, const char *what, int err,
	       amt_status_t status, const char *cmd_name);
/* The same for AMT's interface absent when the caller already asked the
 * rules (caps NULL: MKHI did not answer). Returns 5. */
struct fwcaps;
int agent_fail_absent(struct agent_ctx *ctx, const char *what, int err,
		      const struct fwcaps *caps);

/* Print a JSON document on stdout (indented, key order kept) and free it. */
void agent_print_json(struct agent_ctx *ctx, json_t *doc);

/* The subcommands, each defined beside its code. */
extern const struct agent_cmd agent_cmd_info, agent_cmd_hello, agent_cmd_call_for_help,
	agent_cmd_presence,
	agent_cmd_hostid, agent_cmd_report, agent_cmd_run;

#endif
