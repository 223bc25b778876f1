// SPDX-License-Identifier: Apache-2.0
/*
 * hello.c - amt-agent hello: restart (or stop) the provisioning "hello"
 * packets, as Intel's RCT tool did for machines that missed their window.
 *
 * Reads the provisioning state first (already provisioned -> exit 9), then
 * sends StartConfigurationEx (StartConfiguration on firmware older than
 * 6.0, which lacks the Ex form) or StopConfiguration. Safe to run again and
 * again from a delivery job: every run leaves one line in syslog/journal.
 * Must not: retry beyond the session's bounded NOT_READY policy.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "exitcode.h"
#include "log.h"

struct hello_args {
	bool ipv6, stop;
};

/* "6.2.10" -> 6; 0 when unknown. */
static int major_of(const char *v)
{
	return v ? atoi(v) : 0;
}

static void emit(struct agent_ctx *ctx, const char *result, const char *state,
		 const char *command, const struct hello_args *a, const char *text)
{
	if (ctx->json) {
		json_t *o = json_object();
		json_object_set_new(o, "schema", json_integer(1));
		json_object_set_new(o, "action", json_string(a->stop ? "stop" : "start"));
		json_object_set_new(o, "result", json_string(result));
		json_object_set_new(o, "provisioning_state", json_string(state));
		json_object_set_new(o, "command", command ? json_string(command) : json_null());
		json_object_set_new(o, "ipv6", json_boolean(a->ipv6));
		agent_print_json(ctx, o);
	} else {
		fprintf(ctx->out, "%s\n", text);
	}
	log_audit("hello %s: %s", a->stop ? "stop" : "start", text);
}

static int run_hello(struct agent_ctx *ctx, const struct hello_args *a)
{
	struct heci *h = agent_heci_new(ctx);
	struct amthi s;
	struct amthi_opts o;
	struct amt_code_versions *v = calloc(1, sizeof(*v));
	uint32_t state = 0;
	int rc, ex;
	const char *what = a->stop ? "stop the provisioning hello packets"
				   : "start the provisioning hello packets";

	if (!h || !v) {
		fprintf(ctx->err, "%s: out of memory\n", ctx->prog);
		ex = EXIT_AMT_TIMEOUT;
		goto out;
	}
	agent_amthi_opts(ctx, &o);
	rc = amthi_open(&s, h, &o);
	if (rc == 0)
		rc = amthi_get_provisioning_state(&s, &state);
	if (rc != 0)
		goto fail;
	const char *state_name = amt_provisioning_state_name(state);
	if (state == AMT_PROVISIONING_POST) {
		emit(ctx, "already_provisioned", state_name, NULL, a,
		     "AMT is already provisioned: hello packets are not needed (nothing to do)");
		ex = EXIT_AMT_NOTHING;
		goto close;
	}
	const char *cmd_name;
	if (a->stop) {
		cmd_name = "StopConfiguration";
		rc = amthi_stop_configuration(&s);
	} else {
		rc = amthi_get_code_versions(&s, v);
		if (rc != 0)
			goto fail;
		if (major_of(amt_code_versions_get(v, "AMT")) >= 6) {
			cmd_name = "StartConfigurationEx";
			rc = amthi_start_configuration_ex(&s, a->ipv6);
		} else {
			cmd_name = "StartConfiguration";
			rc = amthi_start_configuration(&s);
		}
	}
	if (rc == HECI_E_FW_STATUS && s.last_status == AMT_STATUS_NOT_READY && !a->stop) {
		fprintf(ctx->err,
			"%s: cannot %s: the firmware answered NOT_READY — most likely no DHCP server "
			"answered or DHCP gave no DNS suffix (option 15), or the certificate/RNG is not "
			"ready; fix the network and retry\n",
			ctx->prog, what);
		log_audit("hello start refused: NOT_READY");
		ex = EXIT_AMT_TIMEOUT;
		goto close;
	}
	if (rc != 0)
		goto fail;
	if (a->stop)
		emit(ctx, "stopped", state_name, cmd_name, a,
		     "provisioning hello packets stopped (StopConfiguration accepted)");
	else
		emit(ctx, "started", state_name, cmd_name, a,
		     a->ipv6 ? "provisioning hello packets started (IPv6 allowed); AMT will contact "
			       "its provisioning server"
			     : "provisioning hello packets started; AMT will contact its provisioning "
			       "server");
	ex = EXIT_AMT_OK;
	goto close;

fail:
	ex = agent_fail(ctx, h, what, rc, s.last_status, s.last_cmd ? amthi_cmd_name(s.last_cmd) : NULL);
	log_audit("hello %s failed: %s%s%s", a->stop ? "stop" : "start", heci_err_name(rc),
		  rc == HECI_E_FW_STATUS ? " " : "",
		  rc == HECI_E_FW_STATUS ? amt_status_name(s.last_status) : "");
close:
	amthi_close(&s);
out:
	free(v);
	heci_free(h);
	return ex;
}

enum { HELLO_OPT_IPV6, HELLO_OPT_STOP, HELLO_OPT_JSON };

static const struct cliopt hello_opts[] = {
	[HELLO_OPT_IPV6] = {"ipv6", 0, NULL, "let AMT contact its provisioning server over IPv6 too", 0},
	[HELLO_OPT_STOP] = {"stop", 0, NULL, "stop the hello packets instead (StopConfiguration)", 0},
	[HELLO_OPT_JSON] = {"json", 0, NULL, "print the result as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};

static int cmd_hello(struct agent_ctx *ctx, const struct agent_call *call)
{
	struct hello_args a = {cliopt_seen(&call->opt, HELLO_OPT_IPV6),
			       cliopt_seen(&call->opt, HELLO_OPT_STOP)};
	if (a.stop && a.ipv6) {
		cliopt_fail(&call->cmd->cli, ctx->err, "--ipv6 applies to starting only");
		return EXIT_AMT_USAGE;
	}
	return run_hello(ctx, &a);
}

const struct agent_cmd agent_cmd_hello = {
	.cli = {.prog = AGENT_PROG,
		.name = "hello",
		.opts = hello_opts,
		.description = "Restart the provisioning hello packets (StartConfigurationEx;\n"
			       "StartConfiguration before AMT 6.0), or stop them with --stop.\n"
			       "Exit 9 when AMT is already provisioned. Needs root (or the service's\n"
			       "admin group) through the service.\n",
		.footer = "Exit codes: 0 hello packets restarted (or stopped), 1 AMT refused, 2 usage or\n"
			  "configuration, 3 no ME device, 4 permission denied (not root or admin),\n"
			  "5 AMT not available, 6 busy (retry), 7 timed out or NOT_READY (no DHCP or\n"
			  "DNS suffix yet), 8 the service could not be reached, 9 already provisioned,\n"
			  "10 a reply not understood.\n"},
	.summary = "restart (or --stop) the provisioning hello packets",
	.priv = AGENT_PRIV_ADMIN,
	.stop_on_hangup = true,
	.run = cmd_hello,
};
