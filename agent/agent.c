// SPDX-License-Identifier: Apache-2.0
/*
 * agent.c - shared plumbing of the subcommands (see agent.h).
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "fwcaps.h"
#include "log.h"
#include "report.h"

struct heci *agent_heci_new(const struct agent_ctx *ctx)
{
	struct heci_opts o = {
		.backend = NULL,
		.device = ctx->cfg.device,
		.busy_retries = ctx->cfg.busy_retries,
		.busy_retry_ms = 500,
	};
	return heci_new(&o);
}

/* A daemon worker told to stop (its client went away, or the service is
 * stopping) leaves between transactions, never inside one: the ME is not
 * left holding half an exchange and the lock is free for the next worker. */
static volatile sig_atomic_t in_transaction, stop_pending;

static void on_stop_signal(int sig)
{
	if (!in_transaction)
		_exit(128 + sig);
	stop_pending = 1;
}

void agent_stop_between_transactions(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
}

static void txn_lock(void *arg, bool acquire)
{
	int fd = (int)(intptr_t)arg;
	if (acquire) {
		in_transaction = 1;
		if (stop_pending)
			_exit(128 + SIGTERM);
	}
	while (flock(fd, acquire ? LOCK_EX : LOCK_UN) != 0 && errno == EINTR)
		if (stop_pending && acquire)
			_exit(128 + SIGTERM);
	if (!acquire) {
		in_transaction = 0;
		if (stop_pending)
			_exit(128 + SIGTERM);
	}
}

void agent_amthi_opts(const struct agent_ctx *ctx, struct amthi_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (ctx->txn_lock_fd >= 0) {
		o->txn_lock = txn_lock;
		o->txn_lock_arg = (void *)(intptr_t)ctx->txn_lock_fd;
	}
	o->write_timeout_ms = (int)ctx->cfg.timeout_ms;
	o->read_timeout_ms = (int)ctx->cfg.timeout_ms;
	o->not_ready_retries = ctx->cfg.not_ready_retries;
	o->not_ready_wait_ms = ctx->cfg.not_ready_wait_ms;
	o->reset_retries = 1;
}

void agent_print_json(struct agent_ctx *ctx, json_t *doc)
{
	if (!doc)
		return;
	json_dumpf(doc, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', ctx->out);
	fflush(ctx->out);
	json_decref(doc);
}

int agent_fail(struct agent_ctx *ctx, struct heci *h, const char *what, int err,
	       amt_status_t status, const char *cmd_name)
{
	if (err == HECI_E_CLIENT_NOT_FOUND || err == HECI_E_EMPTY) {
		/* Why is AMT's interface absent? The ME's MKHI client says, when
		 * it answers: one connection, each reply bounded by timeout_ms. */
		struct heci *own = h ? NULL : agent_heci_new(ctx);
		struct fwcaps caps;
		int rc = HECI_E_NOMEM;
		if (h || own)
			rc = fwcaps_read(h ? h : own, (int)ctx->cfg.timeout_ms, &caps);
		if (rc != 0)
			log_info("the ME's FWCAPS rules are unavailable over MKHI: %s",
				 heci_err_message(rc));
		heci_free(own);
		return agent_fail_absent(ctx, what, err, rc == 0 ? &caps : NULL);
	}
	const char *device = heci_device_path(h);
	if (err == HECI_E_NO_DEVICE && !ctx->cfg.device)
		device = NULL; /* probed: name the whole list */
	return agent_report_error(ctx->err, ctx->prog, what, err, status, device, cmd_name);
}

int agent_fail_absent(struct agent_ctx *ctx, const char *what, int err,
		      const struct fwcaps *caps)
{
	return agent_report_amt_absent(ctx->err, ctx->prog, what, err, caps);
}

static const struct agent_cmd *const commands[] = {
	&agent_cmd_info,   &agent_cmd_hello,  &agent_cmd_call_for_help,
	&agent_cmd_hostid, &agent_cmd_report, &agent_cmd_presence, &agent_cmd_run,
};

const struct agent_cmd *const *agent_commands(size_t *count)
{
	*count = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct agent_cmd *agent_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i]->cli.name, name) == 0)
			return commands[i];
	return NULL;
}

int agent_getopt(int argc, char *argv[], struct agent_call *call, FILE *out, FILE *err)
{
	memset(call, 0, sizeof(*call));
	if (argc < 1 || !(call->cmd = agent_find_command(argv[0]))) {
		fprintf(err, "%s: unknown command \"%.64s\" — run '%s --help' for the list\n",
			AGENT_PROG, argc >= 1 ? argv[0] : "", AGENT_PROG);
		fflush(err);
		return CLIOPT_ERROR;
	}
	return cliopt_parse(&call->cmd->cli, argc, argv, &call->opt, out, err);
}

static bool is_admin_verb(const struct agent_cmd *cmd, const char *arg)
{
	for (const char *const *v = cmd->admin_verbs; v && *v; v++)
		if (strcmp(*v, arg) == 0)
			return true;
	return false;
}

enum agent_privilege agent_call_privilege(const struct agent_call *call)
{
	const struct agent_cmd *cmd = call->cmd;
	if (!cmd || cmd->priv == AGENT_PRIV_LOCAL)
		return AGENT_PRIV_LOCAL;
	if (call->opt.help) /* prints the help, runs nothing */
		return AGENT_PRIV_ANY;
	enum agent_privilege p = cmd->priv;
	for (int i = 0; i < call->opt.nhits; i++)
		if (cmd->cli.opts[call->opt.hits[i].opt].flags & CLIOPT_PRIVILEGED)
			p = AGENT_PRIV_ADMIN;
	if (call->opt.nargs > 0 && is_admin_verb(cmd, call->opt.args[0]))
		p = AGENT_PRIV_ADMIN;
	return p;
}

int agent_run(struct agent_ctx *ctx, const struct agent_call *call)
{
	const struct cliopt *o = call->cmd->cli.opts;
	for (int i = 0; o && o[i].name; i++)
		if (strcmp(o[i].name, "json") == 0 && cliopt_seen(&call->opt, i))
			ctx->json = true;
	return call->cmd->run(ctx, call);
}
