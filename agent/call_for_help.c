// SPDX-License-Identifier: Apache-2.0
/*
 * call_for_help.c - amt-agent call-for-help: raise (or close) a
 * user-initiated CIRA connection ("Fast Call for Help").
 *
 * Checks what the host can read first (provisioned; OS interface enabled in
 * GetUserInitiatedEnabledInterfaces bit 1; not already connected), sends
 * OpenUserInitiatedConnection or CloseUserInitiatedConnection, then with
 * --wait polls GetRemoteAccessConnectionStatus every 500 ms until the
 * tunnel is up or the time runs out, showing progress on a terminal.
 * Inside the enterprise (GetRemoteAccessConnectionStatus says AMT is on
 * the enterprise network) there is no tunnel: AMT alerts its event
 * subscribers (iAMT0036, Client-Initiated Local Access). The agent first
 * counts them over the local WS-Man path, as Intel LMS does, and says so
 * when nobody would hear; the count needs the network module, loaded only
 * for this path. Open's answer inside is SUCCESS or REMOTE_ACCESS_NOT_GRANTED
 * (the sources leave it open); both mean the alert went out.
 * Must not: wait unboundedly; every loop has a deadline.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "heci_time.h"
#include "exitcode.h"
#include "log.h"
#include "net/net.h"
#include "wsman_local.h"

#define POLL_INTERVAL_MS 500
#define MAX_WAIT_S 3600

struct cfh_args {
	bool close;
	unsigned wait_s;
};

/* Which way a call for help went: a CIRA tunnel (outside the enterprise) or
 * an alert to AMT's subscribers (inside); subscribers < 0: not counted. */
struct cfh_path {
	const char *path; /* "tunnel" | "alert" */
	long subscribers;
};

static void emit_path(struct agent_ctx *ctx, const struct cfh_args *a, const char *result,
		      const struct amt_remote_access_status *ra, const char *text,
		      const struct cfh_path *p)
{
	if (ctx->json) {
		json_t *o = json_object(), *c = json_object();
		json_object_set_new(c, "status", json_string(amt_cira_status_name(ra->cira_status)));
		json_object_set_new(c, "network",
				    json_string(amt_network_status_name(ra->network_status)));
		json_object_set_new(c, "trigger", json_string(amt_cira_trigger_name(
							 ra->trigger, ctx->cfg.trigger_numbering)));
		json_object_set_new(c, "mps", ra->mps_hostname[0] ? json_string(ra->mps_hostname)
								  : json_null());
		json_object_set_new(o, "schema", json_integer(1));
		json_object_set_new(o, "action", json_string(a->close ? "close" : "open"));
		json_object_set_new(o, "result", json_string(result));
		json_object_set_new(o, "path", json_string(p->path));
		if (!strcmp(p->path, "alert"))
			json_object_set_new(o, "subscribers", p->subscribers >= 0
								      ? json_integer(p->subscribers)
								      : json_null());
		json_object_set_new(o, "cira", c);
		agent_print_json(ctx, o);
	} else {
		fprintf(ctx->out, "%s\n", text);
	}
	log_audit("call-for-help %s: %s", a->close ? "close" : "open", text);
}

static void emit(struct agent_ctx *ctx, const struct cfh_args *a, const char *result,
		 const struct amt_remote_access_status *ra, const char *text)
{
	const struct cfh_path tunnel = {"tunnel", -1};
	emit_path(ctx, a, result, ra, text, &tunnel);
}

/* How many subscribers an alert reaches: >= 0, or -1 when they could not
 * be counted (the reason is logged; the call for help goes on). */
static long count_subscribers(struct agent_ctx *ctx, struct heci *h)
{
	struct wsman_local w = {0};
	struct net_cila_result res;
	char err[256];
	long n = -1;
	const struct agent_net *net = agent_net_load(ctx->cfg.log_level, err, sizeof(err));
	if (!net) {
		log_warn("call for help: cannot count AMT's subscribers (network module: %s)", err);
		return -1;
	}
	/* failures to reach the WS-Man service are said on ctx->err by
	 * wsman_local; here they only mean "not counted" */
	FILE *quiet = fopen("/dev/null", "w"), *saved = ctx->err;
	if (quiet)
		ctx->err = quiet;
	int ex = wsman_local_credentials(ctx, h, &w, "count AMT's subscribers");
	if (ex == 0)
		ex = wsman_local_transport(ctx, h, &w);
	ctx->err = saved;
	if (quiet)
		fclose(quiet);
	if (ex == 0) {
		struct net_wsman_target t = {.url = w.url, .user = w.user, .password = w.password,
					     .open_socket = w.open_socket,
					     .open_socket_arg = w.open_socket_arg};
		net->cila_subscribers(&t, &res);
		if (res.status == 0)
			n = (long)res.subscribers;
		else
			log_warn("call for help: %s", res.message);
	} else {
		log_warn("call for help: cannot reach AMT's WS-Management service to count its "
			 "subscribers (exit %d)", ex);
	}
	wsman_local_close(&w);
	return n;
}

/* Inside the enterprise: an alert, not a tunnel (the AMTHI session is
 * closed; h is free). */
static int call_inside(struct agent_ctx *ctx, const struct cfh_args *a, struct heci *h,
		       struct amt_remote_access_status *ra)
{
	struct amthi s;
	struct amthi_opts o;
	struct cfh_path p = {"alert", count_subscribers(ctx, h)};
	const char *what = "call for help";
	char text[256];
	int ex;

	if (p.subscribers == 0) {
		fprintf(ctx->err,
			"%s: cannot %s: AMT is on the enterprise network, where a call for help is an "
			"alert to the help desk's event subscription, and nobody has subscribed to "
			"this machine's events — ask your help desk to subscribe (amt-verify "
			"subscribe), or call them\n",
			ctx->prog, what);
		log_audit("call-for-help open refused: inside the enterprise, no subscribers");
		return EXIT_AMT_REFUSED;
	}
	agent_amthi_opts(ctx, &o);
	int rc = amthi_open(&s, h, &o);
	if (rc == 0)
		rc = amthi_open_user_initiated_connection(&s);
	if (rc == HECI_E_FW_STATUS && s.last_status == AMT_STATUS_REMOTE_ACCESS_NOT_GRANTED)
		rc = 0; /* no tunnel: that is the point inside */
	if (rc == HECI_E_FW_STATUS && s.last_status == AMT_STATUS_NOT_PERMITTED) {
		fprintf(ctx->err,
			"%s: cannot %s: AMT refused to alert its subscribers (NOT_PERMITTED): nobody "
			"subscribed to its events, or its policy disables the call — ask your AMT "
			"administrator\n", ctx->prog, what);
		log_audit("call-for-help open refused inside: NOT_PERMITTED");
		ex = EXIT_AMT_REFUSED;
		goto out;
	}
	if (rc != 0) {
		ex = agent_fail(ctx, h, what, rc, s.last_status,
				s.last_cmd ? amthi_cmd_name(s.last_cmd) : NULL);
		goto out;
	}
	if (p.subscribers > 0)
		snprintf(text, sizeof(text), "your help desk has been alerted (AMT sent the alert to "
					     "%ld subscriber%s)", p.subscribers,
			 p.subscribers == 1 ? "" : "s");
	else
		snprintf(text, sizeof(text), "your help desk has been alerted (AMT sent the alert to "
					     "its subscribers)");
	(void)a;
	emit_path(ctx, a, "alerted", ra, text, &p);
	ex = EXIT_AMT_OK;
out:
	amthi_close(&s);
	return ex;
}

/* Refusals of Open/Close explained in words (exit 1). */
static const char *refusal_reason(amt_status_t st)
{
	switch (st) {
	case AMT_STATUS_NOT_PERMITTED:
		return "AMT does not permit a user-initiated connection: no user-initiated remote "
		       "access policy, or the OS interface is disabled — ask your AMT administrator";
	case AMT_STATUS_DATA_MISSING:
		return "no management presence server (MPS) or remote access policy is configured "
		       "in AMT — ask your AMT administrator";
	case AMT_STATUS_INVALID_AMT_MODE:
		return "AMT is not in a mode that allows it (not provisioned?)";
	default:
		return NULL;
	}
}

static void progress(FILE *f, bool tty, uint32_t *last, const struct amt_remote_access_status *ra)
{
	if (!tty || *last == ra->cira_status)
		return;
	*last = ra->cira_status;
	if (ra->cira_status == AMT_CIRA_CONNECTED)
		fprintf(f, "  → connected to %s\n", ra->mps_hostname[0] ? ra->mps_hostname : "the MPS");
	else
		fprintf(f, "  → %s\n", ra->cira_status == AMT_CIRA_CONNECTING ? "connecting…" : "not connected");
}

static int run_cfh(struct agent_ctx *ctx, const struct cfh_args *a)
{
	struct heci *h = agent_heci_new(ctx);
	struct amthi s;
	struct amthi_opts o;
	struct amt_remote_access_status ra;
	uint32_t state = 0, ifs = 0;
	int rc, ex;
	const char *what = a->close ? "close the call for help" : "call for help";
	char text[512];

	memset(&ra, 0, sizeof(ra));
	if (!h) {
		fprintf(ctx->err, "%s: out of memory\n", ctx->prog);
		return EXIT_AMT_TIMEOUT;
	}
	agent_amthi_opts(ctx, &o);
	rc = amthi_open(&s, h, &o);
	if (rc == 0)
		rc = amthi_get_provisioning_state(&s, &state);
	if (rc == 0)
		rc = amthi_get_remote_access_status(&s, &ra);
	if (rc != 0)
		goto fail;

	if (a->close) {
		if (ra.cira_status == AMT_CIRA_NOT_CONNECTED) {
			emit(ctx, a, "not_connected", &ra, "no user-initiated connection is open (nothing to do)");
			ex = EXIT_AMT_NOTHING;
			goto close;
		}
		rc = amthi_close_user_initiated_connection(&s);
		if (rc != 0)
			goto refused;
		if (amthi_get_remote_access_status(&s, &ra) != 0)
			memset(&ra, 0, sizeof(ra));
		emit(ctx, a, "closed", &ra, "call for help closed");
		ex = EXIT_AMT_OK;
		goto close;
	}

	if (state != AMT_PROVISIONING_POST) {
		fprintf(ctx->err,
			"%s: cannot %s: AMT is not provisioned (state %s); a call for help needs a "
			"provisioned machine with a remote access policy — ask your AMT administrator\n",
			ctx->prog, what, amt_provisioning_state_name(state));
		ex = EXIT_AMT_REFUSED;
		goto close;
	}
	rc = amthi_get_user_initiated_interfaces(&s, &ifs);
	if (rc != 0)
		goto fail;
	if (!(ifs & AMT_UI_IF_OS)) {
		fprintf(ctx->err,
			"%s: cannot %s: AMT's policy disables user-initiated connections from the "
			"operating system (only %s) — ask your AMT administrator to enable the OS "
			"interface\n",
			ctx->prog, what, (ifs & AMT_UI_IF_BIOS) ? "the BIOS/MEBx path is enabled" : "no interface is enabled");
		ex = EXIT_AMT_REFUSED;
		goto close;
	}
	if (ra.network_status == AMT_NET_DIRECT) {
		amthi_close(&s);
		ex = call_inside(ctx, a, h, &ra);
		heci_free(h);
		return ex;
	}
	if (ra.cira_status == AMT_CIRA_CONNECTED) {
		snprintf(text, sizeof(text), "already connected to %s (nothing to do)",
			 ra.mps_hostname[0] ? ra.mps_hostname : "the MPS");
		emit(ctx, a, "already_connected", &ra, text);
		ex = EXIT_AMT_NOTHING;
		goto close;
	}
	rc = amthi_open_user_initiated_connection(&s);
	if (rc != 0)
		goto refused;
	if (a->wait_s == 0) {
		emit(ctx, a, "requested", &ra,
		     "call for help requested; AMT is connecting to its management server");
		ex = EXIT_AMT_OK;
		goto close;
	}

	bool tty = ctx->err_is_tty && !ctx->json;
	uint32_t last = 0xFFFFFFFFu;
	int64_t deadline = heci_mono_ms() + (int64_t)a->wait_s * 1000;
	for (;;) {
		rc = amthi_get_remote_access_status(&s, &ra);
		if (rc != 0)
			goto fail;
		progress(ctx->err, tty, &last, &ra);
		if (ra.cira_status == AMT_CIRA_CONNECTED)
			break;
		if (heci_mono_ms() >= deadline) {
			fprintf(ctx->err,
				"%s: cannot %s: not connected after %u s (status %s) — the management "
				"server may be unreachable; retry later\n",
				ctx->prog, what, a->wait_s, amt_cira_status_name(ra.cira_status));
			log_audit("call-for-help open: timed out after %u s (%s)", a->wait_s,
				  amt_cira_status_name(ra.cira_status));
			ex = EXIT_AMT_TIMEOUT;
			goto close;
		}
		usleep(POLL_INTERVAL_MS * 1000);
	}
	snprintf(text, sizeof(text), "connected to %s: a technician can now reach this machine",
		 ra.mps_hostname[0] ? ra.mps_hostname : "the MPS");
	emit(ctx, a, "connected", &ra, text);
	ex = EXIT_AMT_OK;
	goto close;

refused:
	if (rc == HECI_E_FW_STATUS && refusal_reason(s.last_status)) {
		fprintf(ctx->err, "%s: cannot %s: %s: %s\n", ctx->prog, what,
			amt_status_name(s.last_status), refusal_reason(s.last_status));
		log_audit("call-for-help %s refused: %s", a->close ? "close" : "open",
			  amt_status_name(s.last_status));
		ex = EXIT_AMT_REFUSED;
		goto close;
	}
fail:
	ex = agent_fail(ctx, h, what, rc, s.last_status, s.last_cmd ? amthi_cmd_name(s.last_cmd) : NULL);
close:
	amthi_close(&s);
	heci_free(h);
	return ex;
}

enum { CFH_OPT_CLOSE, CFH_OPT_WAIT, CFH_OPT_JSON };

static const struct cliopt cfh_opts[] = {
	[CFH_OPT_CLOSE] = {"close", 0, NULL, "end the user-initiated connection", 0},
	[CFH_OPT_WAIT] = {"wait", 0, "SECONDS",
			  "poll every 500 ms until connected, at most SECONDS (1..3600; default: do "
			  "not wait)", 0},
	[CFH_OPT_JSON] = {"json", 0, NULL, "print the result as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};

static int cmd_call_for_help(struct agent_ctx *ctx, const struct agent_call *call)
{
	struct cfh_args a = {cliopt_seen(&call->opt, CFH_OPT_CLOSE), 0};
	const char *wait = cliopt_value(&call->opt, CFH_OPT_WAIT);
	unsigned long n;
	if (wait) {
		if (cliopt_ulong(&call->cmd->cli, ctx->err, CFH_OPT_WAIT, wait, 1, MAX_WAIT_S, &n) != 0)
			return EXIT_AMT_USAGE;
		a.wait_s = (unsigned)n;
	}
	if (a.close && a.wait_s) {
		cliopt_fail(&call->cmd->cli, ctx->err, "--wait applies to opening only");
		return EXIT_AMT_USAGE;
	}
	return run_cfh(ctx, &a);
}

const struct agent_cmd agent_cmd_call_for_help = {
	.cli = {.prog = AGENT_PROG,
		.name = "call-for-help",
		.opts = cfh_opts,
		.description = "Ask AMT to open a user-initiated connection to its management server\n"
			       "(Fast Call for Help); --wait polls until connected; --close ends it.\n"
			       "Inside the enterprise network AMT alerts the help desk's event\n"
			       "subscribers instead (no tunnel; --wait has nothing to wait for).\n"
			       "Through the service, a request whose client goes away stops waiting;\n"
			       "the connection AMT is making stays (end it with --close).\n",
		.footer = "Exit codes: 0 requested (connected, with --wait; closed, with --close),\n"
			  "1 refused (not provisioned, not allowed by AMT's policy, no server),\n"
			  "2 usage or configuration, 3 no ME device, 4 permission denied, 5 AMT not\n"
			  "available, 6 busy (retry), 7 not connected within --wait, or timed out,\n"
			  "8 the service could not be reached, 9 already connected (or, --close,\n"
			  "nothing open), 10 a reply not understood.\n"},
	.summary = "open (or --close) a user-initiated CIRA connection",
	.priv = AGENT_PRIV_ANY,
	.stop_on_hangup = true,
	.run = cmd_call_for_help,
};
