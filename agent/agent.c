/*
 * agent.c - shared plumbing of the subcommands (see agent.h).
 */
#include "agent.h"

#include <stdio.h>

#include "exitcode.h"

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

void agent_amthi_opts(const struct agent_ctx *ctx, struct amthi_opts *o)
{
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
