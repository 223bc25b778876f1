/*
 * report.c - build, spool and send reports (see report.h).
 *
 * Order of work in a cycle: read the ME, write the report to the spool
 * (atomically, before any network I/O), then POST every spooled report in
 * name order with libcurl: 2xx -> removed; 4xx -> moved to rejected/ with
 * the server's answer, never retried; anything else (server down, 5xx,
 * timeout) -> stop and keep the rest for the next attempt, so reports
 * arrive in order and exactly what was acknowledged is gone.
 */
#include "report.h"

#include <curl/curl.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "info.h"
#include "log.h"
#include "spool.h"

#define RESPONSE_CAP 4096
#define TOKEN_MAX 4096

static void uuid_v4(char out[37])
{
	uint8_t b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rand();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static void spool_dir_of(const struct agent_config *c, char *out, size_t cap)
{
	if (c->report_spool_dir)
		snprintf(out, cap, "%s", c->report_spool_dir);
	else
		snprintf(out, cap, "%s/spool", c->state_dir);
}

/* The local copy of the host ID (hostid command), or NULL. */
static char *read_host_id(const struct agent_config *c)
{
	char path[600], buf[160];
	snprintf(path, sizeof(path), "%s/hostid", c->state_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *line = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!line)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? strdup(buf) : NULL;
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
	char path[600], old[512] = "";
	snprintf(path, sizeof(path), "%s/last_state", c->state_dir);
	FILE *f = fopen(path, "r");
	if (f) {
		size_t n = fread(old, 1, sizeof(old) - 1, f);
		old[n] = '\0';
		fclose(f);
	}
	return strcmp(old, fp) != 0;
}

/* Build the report document; NULL when the ME could not be read. */
static json_t *build_report(struct agent_ctx *ctx, const struct spool *sp,
			    struct report_result *res)
{
	struct heci *h = agent_heci_new(ctx);
	struct amt_info *in = calloc(1, sizeof(*in));
	struct info_failure why;
	json_t *r = NULL;
	char host[256] = "", ts[32], *host_id;
	time_t now = time(NULL);
	struct tm tm;

	if (!h || !in)
		goto out;
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
	uuid_v4(res->report_id);
	host_id = read_host_id(&ctx->cfg);
	json_object_set_new(r, "type", json_string("amt-agent-report"));
	json_object_set_new(r, "report_id", json_string(res->report_id));
	json_object_set_new(r, "timestamp", json_string(ts));
	json_object_set_new(r, "host_name", json_string(host));
	json_object_set_new(r, "agent_version", json_string(AMT_VERSION));
	json_object_set_new(r, "host_id", host_id ? json_string(host_id) : json_null());
	json_object_set_new(r, "dropped_reports", json_integer(spool_peek_dropped(sp)));
	free(host_id);
out:
	free(in);
	heci_free(h);
	return r;
}

struct body {
	char buf[RESPONSE_CAP];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t take = size * n;
	size_t room = sizeof(b->buf) - 1 - b->len;
	memcpy(b->buf + b->len, p, take < room ? take : room);
	b->len += take < room ? take : room;
	b->buf[b->len] = '\0';
	return size * n;
}

/* Read the bearer token; a trailing newline is not part of it. */
static char *read_token(const char *path, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	char *t = calloc(1, TOKEN_MAX);
	if (!f || !t) {
		snprintf(err, cap, "cannot read the token file %s", path);
		if (f)
			fclose(f);
		free(t);
		return NULL;
	}
	size_t n = fread(t, 1, TOKEN_MAX - 1, f);
	fclose(f);
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
		t[--n] = '\0';
	return t;
}

/* POST one report. Returns the HTTP status, or 0 with err set on a
 * transport failure (connect, TLS, timeout). */
static long post(const struct agent_config *c, const char *text, size_t len, struct body *b,
		 char *err, size_t errcap)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char *token = NULL, *auth = NULL, ebuf[CURL_ERROR_SIZE] = "";
	long status = 0;

	b->len = 0;
	b->buf[0] = '\0';
	if (!curl) {
		snprintf(err, errcap, "cannot initialise libcurl");
		return 0;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (c->report_token_file) {
		token = read_token(c->report_token_file, err, errcap);
		if (!token)
			goto out;
		size_t alen = strlen(token) + 32;
		auth = malloc(alen);
		if (auth) {
			snprintf(auth, alen, "Authorization: Bearer %s", token);
			hdr = curl_slist_append(hdr, auth);
		}
	}
	curl_easy_setopt(curl, CURLOPT_URL, c->report_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)c->report_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->report_ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->report_ca_file);
	if (c->report_client_cert)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->report_client_cert);
	if (c->report_client_key)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->report_client_key);
	CURLcode rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errcap, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
out:
	if (token)
		OPENSSL_cleanse(token, TOKEN_MAX);
	if (auth)
		OPENSSL_cleanse(auth, strlen(auth));
	free(token);
	free(auth);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	return status;
}

/* Send the spool in order; stop at the first transient failure. */
static int flush(const struct agent_config *c, const struct spool *sp, struct report_result *res)
{
	char (*names)[SPOOL_NAME_MAX];
	size_t count;
	struct body *b = malloc(sizeof(*b));
	int rc = spool_list(sp, &names, &count);
	if (rc != 0 || !b) {
		snprintf(res->error, sizeof(res->error), "cannot read the spool %.200s", sp->dir);
		free(b);
		return REPORT_EXIT_ERROR;
	}
	size_t i;
	for (i = 0; i < count; i++) {
		char *text;
		size_t len;
		if (spool_read(sp, names[i], &text, &len) != 0)
			continue; /* vanished or unreadable: nothing to send */
		long st = post(c, text, len, b, res->error, sizeof(res->error));
		free(text);
		res->last_http_status = st;
		if (st >= 200 && st < 300) {
			spool_remove(sp, names[i]);
			res->sent++;
		} else if (st >= 400 && st < 500) {
			spool_reject(sp, names[i], st, b->buf, b->len);
			log_warn("report %s rejected by the server (HTTP %ld); kept in %s/rejected",
				 names[i], st, sp->dir);
			snprintf(res->error, sizeof(res->error), "server rejected a report (HTTP %ld)", st);
			res->rejected++;
		} else {
			if (st)
				snprintf(res->error, sizeof(res->error), "server answered HTTP %ld", st);
			break;
		}
	}
	res->pending = (unsigned)(count - i);
	spool_names_free(names);
	free(b);
	return res->pending ? REPORT_EXIT_PENDING : REPORT_EXIT_DONE;
}

int report_cycle(struct agent_ctx *ctx, enum report_mode mode, struct report_result *result)
{
	struct report_result local;
	struct report_result *res = result ? result : &local;
	struct spool sp;
	char dir[512];
	int ex = REPORT_EXIT_DONE;

	memset(res, 0, sizeof(*res));
	spool_dir_of(&ctx->cfg, dir, sizeof(dir));
	if (spool_open(&sp, dir, ctx->cfg.report_spool_max) != 0) {
		snprintf(res->error, sizeof(res->error), "cannot create the spool %.200s", dir);
		log_error("%s", res->error);
		return REPORT_EXIT_ERROR;
	}
	if (mode != REPORT_FLUSH_ONLY) {
		json_t *r = build_report(ctx, &sp, res);
		if (!r) {
			log_warn("no report made: %s", res->error);
			ex = REPORT_EXIT_ERROR;
		} else {
			char fp[512];
			fingerprint(r, fp, sizeof(fp));
			if (mode == REPORT_FORCE || fingerprint_changed(&ctx->cfg, fp)) {
				char *text = json_dumps(r, JSON_COMPACT);
				if (!text || spool_add(&sp, res->report_id, text, strlen(text)) != 0) {
					snprintf(res->error, sizeof(res->error),
						 "cannot write the report to %.200s", dir);
					ex = REPORT_EXIT_ERROR;
				} else {
					char path[600];
					spool_take_dropped(&sp);
					snprintf(path, sizeof(path), "%s/last_state", ctx->cfg.state_dir);
					write_file_atomic(path, fp, strlen(fp), 0600);
					log_info("report %s spooled", res->report_id);
				}
				free(text);
			} else {
				res->report_id[0] = '\0';
			}
			json_decref(r);
		}
	}
	if (!ctx->cfg.report_url)
		return ex;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int fx = flush(&ctx->cfg, &sp, res);
	curl_global_cleanup();
	if (fx == REPORT_EXIT_PENDING)
		log_info("%u report(s) wait for the server: %s", res->pending, res->error);
	return fx != REPORT_EXIT_DONE ? fx : ex;
}

int cmd_report(struct agent_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool once = false;
	int c;
	optind = 0; /* 0, not 1: glibc then forgets main()'s "+" (stop at the subcommand) mode */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			once = true;
			break;
		case 'j':
			ctx->json = true;
			break;
		case 'h':
			fprintf(ctx->out,
				"usage: %s report [--once] [--json]\n"
				"Without --once: print the report the agent would send (nothing is sent).\n"
				"With --once: make a report now, spool it, and send the spool to [report] url.\n",
				ctx->prog);
			return EXIT_AMT_OK;
		default:
			return EXIT_AMT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(ctx->err, "%s: report: unexpected argument — see %s report --help\n",
			ctx->prog, ctx->prog);
		return EXIT_AMT_USAGE;
	}
	if (!once) {
		struct spool sp = {.max = 1};
		struct report_result res;
		memset(&res, 0, sizeof(res));
		snprintf(sp.dir, sizeof(sp.dir), "/nonexistent");
		json_t *r = build_report(ctx, &sp, &res);
		if (!r) {
			fprintf(ctx->err, "%s: cannot build a report: %s\n", ctx->prog, res.error);
			return agent_exit_code(res.collect_rc, AMT_STATUS_SUCCESS);
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
