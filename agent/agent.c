/*
 * agent.c - shared plumbing of the subcommands (see agent.h).
 */
#include "agent.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <string.h>

#include "exitcode.h"
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

static void txn_lock(void *arg, bool acquire)
{
	int fd = (int)(intptr_t)arg;
	while (flock(fd, acquire ? LOCK_EX : LOCK_UN) != 0 && errno == EINTR)
		;
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
	const char *device = heci_device_path(h);
	if (err == HECI_E_NO_DEVICE && !ctx->cfg.device)
		device = NULL; /* probed: name the whole list */
	return agent_report_error(ctx->err, ctx->prog, what, err, status, device, cmd_name);
}

static const struct agent_cmd commands[] = {
	{"info", cmd_info, "read and print the AMT state from the ME", "info [--json]"},
	{"hello", cmd_hello, "restart (or --stop) the provisioning hello packets",
	 "hello [--ipv6] [--stop] [--json]"},
	{"call-for-help", cmd_call_for_help, "open (or --close) a user-initiated CIRA connection",
	 "call-for-help [--close] [--wait SECONDS] [--json]"},
	{"hostid", cmd_hostid, "show, init, set or clear the persistent host ID in AMT",
	 "hostid show|init|set ID|clear [--json]"},
	{"report", cmd_report, "print a report, or --once: spool and send one to the server",
	 "report [--once] [--json]"},
	{"run", cmd_run, "run the service (daemon): local socket and scheduled reports", "run"},
};

const struct agent_cmd *agent_commands(size_t *count)
{
	*count = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct agent_cmd *agent_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}
