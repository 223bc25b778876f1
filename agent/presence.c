// SPDX-License-Identifier: Apache-2.0
/*
 * presence.c - the agent's presence identity and calls, and `amt-agent
 * presence [--json]`, which shows the agent's watchdog as AMT sees it
 * (see presence.h).
 */
#include "presence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "exitcode.h"
#include "guid.h"
#include "log.h"
#include "state.h"
#include "uuid.h"
#include "wsman_local.h"

const char *presence_state_name(uint32_t s)
{
	switch (s) {
	case 1: return "not_started";
	case 2: return "stopped";
	case 4: return "running";
	case 8: return "expired";
	case 16: return "suspended";
	default: return "unknown";
	}
}

int presence_agent_id(const struct agent_config *c, bool create, struct presence_id *id,
		      char *err, size_t errcap)
{
	char path[STATE_PATH_MAX], text[64] = "";
	memset(id, 0, sizeof(*id));
	if (!c->presence_guid)
		return 0;
	if (strcmp(c->presence_guid, "auto") != 0) {
		if (guid_parse(c->presence_guid, id->raw) != 0) {
			snprintf(err, errcap, "[presence] agent_guid is not a GUID");
			return -1;
		}
		guid_format(id->raw, id->text);
		return 1;
	}
	id->is_auto = true;
	if (state_path(c, STATE_PRESENCE_GUID, path, sizeof(path)) != 0) {
		snprintf(err, errcap, "the state directory path is too long");
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (f) {
		bool ok = fgets(text, sizeof(text), f) != NULL;
		fclose(f);
		text[strcspn(text, "\r\n")] = '\0';
		if (ok && guid_parse(text, id->raw) == 0) {
			guid_format(id->raw, id->text);
			return 1;
		}
		snprintf(err, errcap, "%s does not hold a GUID — remove it to make a new one", path);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (!create)
		return 0;
	/* A random GUID, made once: the watchdog a console creates names it. */
	int rc = uuid_v4(text);
	if (rc == 0)
		rc = guid_parse(text, id->raw);
	if (rc != 0) {
		snprintf(err, errcap, "cannot make a GUID: no randomness from the kernel");
		return -1;
	}
	guid_format(id->raw, id->text);
	char line[40];
	int n = snprintf(line, sizeof(line), "%s\n", id->text);
	state_dir_ensure(c);
	rc = atomic_file_write_buf(path, line, (size_t)n, 0644);
	if (rc != 0) {
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(-rc));
		return -1;
	}
	log_notice("agent presence: this agent's GUID is %s (kept in %s)", id->text, path);
	return 1;
}

int presence_call(struct agent_ctx *ctx, enum net_presence_action action,
		  const struct presence_id *id, uint32_t seq, struct net_presence_result *res,
		  const char **transport)
{
	struct wsman_local w = {0};
	char err[256];
	int ex;
	memset(res, 0, sizeof(*res));
	const struct agent_net *net = agent_net_load(ctx->cfg.log_level, err, sizeof(err));
	if (!net) {
		fprintf(ctx->err, "%s: agent presence: cannot load the network module: %s — "
				  "reinstall amt-agent\n", ctx->prog, err);
		return EXIT_AMT_USAGE;
	}
	struct heci *h = agent_heci_new(ctx);
	if (!h) {
		fprintf(ctx->err, "%s: agent presence: out of memory\n", ctx->prog);
		return EXIT_AMT_TIMEOUT;
	}
	ex = wsman_local_credentials(ctx, h, &w, "agent presence");
	if (ex == 0)
		ex = wsman_local_transport(ctx, h, &w);
	if (ex == 0) {
		struct net_presence_req q = {
			.t = {.url = w.url, .user = w.user, .password = w.password,
			      .open_socket = w.open_socket, .open_socket_arg = w.open_socket_arg},
			.action = action, .guid = id->raw, .seq = seq};
		net->presence(&q, res);
		if (transport)
			*transport = w.transport;
	}
	wsman_local_close(&w);
	heci_free(h);
	return ex;
}

/* ---- amt-agent presence ---- */

enum { PR_OPT_JSON };

static const struct cliopt presence_opts[] = {
	[PR_OPT_JSON] = {"json", 0, NULL, "print the watchdog as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};

static int cmd_presence(struct agent_ctx *ctx, const struct agent_call *call)
{
	struct presence_id id;
	struct net_presence_result res;
	const char *transport = NULL;
	char err[512];
	(void)call;
	int have = presence_agent_id(&ctx->cfg, false, &id, err, sizeof(err));
	if (have < 0) {
		fprintf(ctx->err, "%s: presence: %s\n", ctx->prog, err);
		return EXIT_AMT_USAGE;
	}
	if (have == 0) {
		fprintf(ctx->err, "%s: presence: this agent has no agent GUID — set [presence] "
				  "agent_guid (a GUID, or auto) in the configuration\n", ctx->prog);
		return EXIT_AMT_USAGE;
	}
	int ex = presence_call(ctx, NET_PRESENCE_STATUS, &id, 0, &res, &transport);
	if (ex != 0)
		return ex;
	if (res.status == NET_PRESENCE_FAILED) {
		fprintf(ctx->err, "%s: presence: %s\n", ctx->prog, res.message);
		return agent_exit_for_net(res.error_class);
	}
	bool exists = res.status == NET_PRESENCE_OK;
	if (ctx->json) {
		json_t *o = json_object();
		json_object_set_new(o, "schema", json_integer(1));
		json_object_set_new(o, "agent_guid", json_string(id.text));
		json_object_set_new(o, "guid_source", json_string(id.is_auto ? "auto" : "config"));
		json_object_set_new(o, "watchdog", json_boolean(exists));
		json_object_set_new(o, "state", exists ? json_string(presence_state_name(res.state))
						       : json_null());
		json_object_set_new(o, "current_state", exists ? json_integer(res.state) : json_null());
		json_object_set_new(o, "timeout_s", exists ? json_integer(res.timeout_s) : json_null());
		json_object_set_new(o, "startup_s", exists ? json_integer(res.startup_s) : json_null());
		json_object_set_new(o, "transport", transport ? json_string(transport) : json_null());
		agent_print_json(ctx, o);
	} else if (exists) {
		fprintf(ctx->out, "agent %s: AMT's watchdog says %s (heartbeats at most %u s apart, "
				  "%u s to start)\n", id.text, presence_state_name(res.state),
			(unsigned)res.timeout_s, (unsigned)res.startup_s);
	} else {
		fprintf(ctx->out, "agent %s: AMT has no watchdog for this agent (a console creates "
				  "one: amt-verify presence HOST create --agent %s --timeout S)\n",
			id.text, id.text);
	}
	return EXIT_AMT_OK;
}

const struct agent_cmd agent_cmd_presence = {
	.cli = {.prog = AGENT_PROG,
		.name = "presence",
		.opts = presence_opts,
		.description = "Show this agent's Agent Presence watchdog as AMT sees it: whether one\n"
			       "exists for [presence] agent_guid, its state and its intervals.\n",
		.footer = "Exit codes: 0 shown (also when AMT has no watchdog for it), 2 usage or\n"
			  "configuration (no [presence] agent_guid), 3 no ME device, 4 permission\n"
			  "denied, 5 AMT not available, 6 busy (retry), 7 timed out (retry), 8 network\n"
			  "error (WS-Management, Intel LMS), 10 a reply not understood.\n"},
	.summary = "show AMT's agent presence watchdog for this agent",
	.priv = AGENT_PRIV_ANY,
	.run = cmd_presence,
};
