// SPDX-License-Identifier: Apache-2.0
/*
 * report.c - build, spool and send reports (see report.h).
 *
 * Order of work in a cycle: read the ME, write the report to the spool
 * (atomically, before any network I/O), then POST every spooled report in
 * name order (libcurl, in the network module net.h): 2xx -> removed; 4xx -> moved to rejected/ with
 * the server's answer, never retried; anything else (server down, 5xx,
 * timeout) -> stop and keep the rest for the next attempt, so reports
 * arrive in order and exactly what was acknowledged is gone.
 */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "exitcode.h"
#include "hostid.h"
#include "hostid_format.h"
#include "info.h"
#include "log.h"
#include "net/net.h"
#include "spool.h"
#include "state.h"
#include "uuid.h"


/* The agent's copy of the host ID (hostid.c owns it), or NULL. */
static char *read_host_id(const struct agent_config *c)
{
	char id[HOSTID_MAX + 2];
	return hostid_local_copy(c, id, sizeof(id)) == 0 ? strdup(id) : NULL;
}

static const char *jget(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);
	if (path2)
		v = json_object_get(v, path2);
	return json_is_string(v) ? json_string_value(v) : "-";
}

/* What counts as "the AMT state changed" for an unscheduled report. */
static void fingerprint(json_t *r, char *out, size_t cap)
{
	snprintf(out, cap, "%s|%s|%s|%s|%s|%s\n", jget(r, "provisioning_state", NULL),
		 jget(r, "control_mode", NULL), jget(r, "wired", "ipv4"),
		 jget(r, "wireless", "ipv4"), jget(r, "cira", "status"), jget(r, "host_id", NULL));
}

static bool fingerprint_changed(const struct agent_config *c, const char *fp)
{
	char path[STATE_PATH_MAX], old[512] = "";
	if (state_path(c, STATE_LAST_STATE, path, sizeof(path)) != 0)
		return true;
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(old, 1, sizeof(old) - 1, f);
		old[n] = '\0';
		fclose(f);
	}
	return strcmp(old, fp) != 0;
}

/* Build the report document; NULL when the ME could not be read. */
static json_t *build_report(struct agent_ctx *ctx, unsigned dropped,
			    struct report_result *res)
{
	struct heci *h = agent_heci_new(ctx);
	struct amt_info *in = calloc(1, sizeof(*in));
	struct info_failure why;
	json_t *r = NULL;
	char host[256] = "", ts[32], *host_id;
	time_t now = time(NULL);
	struct tm tm;

	if (!h || !in) {
		snprintf(res->error, sizeof(res->error), "out of memory");
		res->local_failure = true;
		goto out;
	}
	int urc = uuid_v4(res->report_id);
	if (urc != 0) {
		snprintf(res->error, sizeof(res->error),
			 "cannot make a report ID: the kernel gave no randomness (getrandom: %s)",
			 strerror(-urc));
		res->local_failure = true;
		goto out;
	}
	res->collect_rc = info_collect(ctx, h, in, &why);
	if (res->collect_rc != 0) {
		snprintf(res->error, sizeof(res->error), "cannot read the AMT state: %s%s%s",
			 heci_err_message(res->collect_rc),
			 res->collect_rc == HECI_E_FW_STATUS ? " " : "",
			 res->collect_rc == HECI_E_FW_STATUS ? amt_status_name(why.status) : "");
		goto out;
	}
	r = info_to_json(in, ctx->cfg.trigger_numbering);
	gethostname(host, sizeof(host) - 1);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	host_id = read_host_id(&ctx->cfg);
	json_object_set_new(r, "type", json_string("amt-agent-report"));
	json_object_set_new(r, "report_id", json_string(res->report_id));
	json_object_set_new(r, "timestamp", json_string(ts));
	json_object_set_new(r, "host_name", json_string(host));
	json_object_set_new(r, "agent_version", json_string(AMT_VERSION));
	json_object_set_new(r, "host_id", host_id ? json_string(host_id) : json_null());
	json_object_set_new(r, "dropped_reports", json_integer(dropped));
	free(host_id);
out:
	if (!r)
		res->report_id[0] = '\0'; /* no report was made */
	free(in);
	heci_free(h);
	return r;
}

/* Every spooled report is still pending (nothing could be sent). */
static void count_pending(const struct spool *sp, struct report_result *res)
{
	char (*names)[SPOOL_NAME_MAX];
	size_t count;
	if (spool_list(sp, &names, &count) == 0) {
		res->pending = (unsigned)count;
		spool_names_free(names);
	}
}

int report_send_spool(const struct agent_net *net, const struct agent_config *c,
		      const struct spool *sp, struct report_result *res)
{
	char (*names)[SPOOL_NAME_MAX];
	size_t count, i;
	if (spool_list(sp, &names, &count) != 0) {
		snprintf(res->error, sizeof(res->error), "cannot read the spool %.200s", sp->dir);
		return REPORT_EXIT_ERROR;
	}
	for (i = 0; i < count; i++) {
		char *text;
		size_t len;
		struct net_post_result b;
		if (spool_read(sp, names[i], &text, &len) != 0)
			continue; /* vanished or unreadable: nothing to send */
		struct net_post p = {c->report_url, c->report_ca_file, c->report_client_cert,
				     c->report_client_key, c->report_token_file, c->report_timeout_ms,
				     text, len};
		net->post(&p, &b);
		free(text);
		long st = b.status;
		if (!st)
			snprintf(res->error, sizeof(res->error), "%s", b.error);
		res->last_http_status = st;
		if (st >= 200 && st < 300) {
			spool_delivered(sp, names[i]);
			res->sent++;
		} else if (st >= 400 && st < 500) {
			spool_reject(sp, names[i], st, b.body ? b.body : "", b.body_len);
			log_warn("report %s rejected by the server (HTTP %ld); kept in %s/rejected%s",
				 names[i], st, sp->dir,
				 b.body_truncated ? " (its answer was cut at 64 KiB)" : "");
			snprintf(res->error, sizeof(res->error), "server rejected a report (HTTP %ld)", st);
			res->rejected++;
		} else {
			if (st)
				snprintf(res->error, sizeof(res->error), "server answered HTTP %ld", st);
			net->post_result_free(&b);
			break;
		}
		net->post_result_free(&b);
	}
	res->pending = (unsigned)(count - i);
	spool_names_free(names);
	return res->pending ? REPORT_EXIT_PENDING : REPORT_EXIT_DONE;
}

/* Send the spool in order; stop at the first transient failure. */
static int flush(const struct agent_config *c, const struct spool *sp, struct report_result *res)
{
	const struct agent_net *net = agent_net_load(c->log_level, res->error, sizeof(res->error));
	if (!net) {
		count_pending(sp, res);
		return REPORT_EXIT_ERROR;
	}
	return report_send_spool(net, c, sp, res);
}

/* Spool the report r, carrying the drops since the last delivered report.
 * 0, or -errno with res->error saying what failed (nothing spooled). */
static int spool_report(struct spool *sp, json_t *r, struct report_result *res)
{
	unsigned carry = 0;
	unsigned long mark = 0;
	char *text = NULL;
	int rc = spool_reserve(sp, &carry, &mark);
	if (rc == 0) {
		json_object_set_new(r, "dropped_reports", json_integer(carry));
		text = json_dumps(r, JSON_COMPACT);
		rc = text ? spool_add(sp, res->report_id, mark, text, strlen(text)) : -ENOMEM;
	}
	free(text);
	if (rc != 0)
		snprintf(res->error, sizeof(res->error), "cannot write the spool %.200s: %s", sp->dir,
			 strerror(-rc));
	return rc;
}

int report_cycle(struct agent_ctx *ctx, enum report_mode mode, struct report_result *result)
{
	struct report_result local;
	struct report_result *res = result ? result : &local;
	struct spool sp;
	char dir[sizeof(sp.dir)];
	int ex = REPORT_EXIT_DONE;

	memset(res, 0, sizeof(*res));
	if (state_spool_dir(&ctx->cfg, dir, sizeof(dir)) != 0 ||
	    spool_open(&sp, dir, ctx->cfg.report_spool_max) != 0) {
		snprintf(res->error, sizeof(res->error), "cannot create the spool %.200s", dir);
		res->spool_failed = true;
		log_error("%s", res->error);
		return REPORT_EXIT_ERROR;
	}
	if (mode != REPORT_FLUSH_ONLY) {
		json_t *r = build_report(ctx, 0, res);
		if (!r) {
			log_warn("no report made: %s", res->error);
			ex = REPORT_EXIT_ERROR;
		} else {
			char fp[512];
			fingerprint(r, fp, sizeof(fp));
			if (mode == REPORT_FORCE || fingerprint_changed(&ctx->cfg, fp)) {
				if (spool_report(&sp, r, res) != 0) {
					/* never called spooled, and not overwritten by the send below */
					/* the journal always; the CLI prints its own one line */
					log_audit("report %s not made: %s", res->report_id, res->error);
					res->report_id[0] = '\0';
					res->spool_failed = true;
					ex = REPORT_EXIT_ERROR;
				} else {
					char path[STATE_PATH_MAX];
					if (state_path(&ctx->cfg, STATE_LAST_STATE, path, sizeof(path)) == 0)
						atomic_file_write_buf(path, fp, strlen(fp), 0600);
					log_info("report %s spooled", res->report_id);
				}
			} else {
				res->report_id[0] = '\0';
			}
			json_decref(r);
		}
	}
	if (!ctx->cfg.report_url)
		return ex;
	char spool_error[sizeof(res->error)];
	snprintf(spool_error, sizeof(spool_error), "%s", res->error);
	int fx = flush(&ctx->cfg, &sp, res);
	if (fx == REPORT_EXIT_PENDING)
		log_info("%u report(s) wait for the server: %s", res->pending, res->error);
	if (res->spool_failed)
		snprintf(res->error, sizeof(res->error), "%s", spool_error);
	return fx != REPORT_EXIT_DONE ? fx : ex;
}

enum { REPORT_OPT_ONCE, REPORT_OPT_JSON };

static const struct cliopt report_opts[] = {
	[REPORT_OPT_ONCE] = {"once", 0, NULL,
			     "make a report now, spool it and send the spool (needs root)",
			     CLIOPT_PRIVILEGED},
	[REPORT_OPT_JSON] = {"json", 0, NULL, "with --once: print the outcome as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};

static int cmd_report(struct agent_ctx *ctx, const struct agent_call *call)
{
	bool once = cliopt_seen(&call->opt, REPORT_OPT_ONCE);
	if (!once) {
		/* a preview reads the spool's drop count but creates nothing */
		struct spool sp = {.max = 1};
		struct report_result res;
		memset(&res, 0, sizeof(res));
		state_spool_dir(&ctx->cfg, sp.dir, sizeof(sp.dir));
		json_t *r = build_report(ctx, spool_peek_dropped(&sp), &res);
		if (!r) {
			fprintf(ctx->err, "%s: cannot build a report: %s\n", ctx->prog, res.error);
			return res.local_failure ? EXIT_AMT_TIMEOUT
						 : agent_exit_code(res.collect_rc, AMT_STATUS_SUCCESS);
		}
		agent_print_json(ctx, r);
		return EXIT_AMT_OK;
	}
	if (!ctx->cfg.report_url) {
		fprintf(ctx->err,
			"%s: report: no server configured — set [report] url in %s\n", ctx->prog,
			ctx->cfg.source ? ctx->cfg.source : AGENT_DEFAULT_CONFIG);
		return EXIT_AMT_USAGE;
	}
	struct report_result res;
	int rc = report_cycle(ctx, REPORT_FORCE, &res);
	if (res.local_failure) {
		fprintf(ctx->err, "%s: report: %s — retry later\n", ctx->prog, res.error);
		return EXIT_AMT_TIMEOUT;
	}
	if (res.spool_failed) {
		fprintf(ctx->err,
			"%s: report: %s — the report was not saved; free space on that file "
			"system and run again\n",
			ctx->prog, res.error);
		return EXIT_AMT_NETWORK;
	}
	if (ctx->json) {
		json_t *o = json_pack("{s:i, s:o, s:i, s:i, s:i}", "schema", 1, "report_id",
				      res.report_id[0] ? json_string(res.report_id) : json_null(),
				      "sent", res.sent, "pending", res.pending, "rejected",
				      res.rejected);
		agent_print_json(ctx, o);
	} else if (res.report_id[0]) {
		fprintf(ctx->out, "report %s spooled; sent %u, pending %u, rejected %u\n",
			res.report_id, res.sent, res.pending, res.rejected);
	}
	if (rc == REPORT_EXIT_DONE && !res.rejected)
		return EXIT_AMT_OK;
	if (!res.report_id[0] && res.collect_rc)
		return agent_fail(ctx, NULL, "make a report", res.collect_rc, AMT_STATUS_SUCCESS, NULL);
	fprintf(ctx->err, "%s: report: %s — %s\n", ctx->prog,
		res.error[0] ? res.error : "not every report was delivered",
		res.rejected ? "see the rejected folder of the spool"
			     : "the spool keeps them and the service retries");
	return EXIT_AMT_NETWORK;
}

const struct agent_cmd agent_cmd_report = {
	.cli = {.prog = AGENT_PROG,
		.name = "report",
		.opts = report_opts,
		.description = "Without --once: print the report the agent would send (nothing is sent).\n"
			       "With --once: make a report now, spool it, and send the spool to\n"
			       "[report] url.\n",
		.footer = "Exit codes: 0 printed (with --once: spooled and every report delivered),\n"
			  "1 AMT refused, 2 usage or configuration (--once without [report] url),\n"
			  "3 no ME device, 4 permission denied (--once: not root or admin), 5 AMT not\n"
			  "available, 6 busy, 7 timed out or a local failure (retry), 8 not every\n"
			  "report delivered (the spool keeps them) or the spool not writable,\n"
			  "10 a reply not understood.\n"},
	.summary = "print a report, or --once: spool and send one to the server",
	.priv = AGENT_PRIV_ANY,
	.run = cmd_report,
};
