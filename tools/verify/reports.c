// SPDX-License-Identifier: Apache-2.0
/*
 * reports.c - `amt-verify reports`: the latest agent report of each device
 * from the store, one line each (text for people, JSON lines for scripts),
 * and with --check a comparison of each of those reports with what the
 * device itself says over WS-Management (device_read()).
 *
 * --check compares amt_version, provisioning_state, control_mode, uuid and
 * host_id (the last only where the device has 3PDS, AMT 3.0-11.x); the
 * device is reached through its CIRA tunnel when a listener relays one
 * (the store's tunnels table; said in the output), else at the report's
 * wired IPv4, else its wireless IPv4, else its host name. Exit 0 when every
 * device agrees, 1 when any
 * disagreement was found, 8 when none was found but a device could not be
 * read (the others are still checked).
 * Must not: write to the store (opened read-only); change anything on a
 * device beyond a 3PDS session; take the password from the command line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cliopt.h"
#include "device.h"
#include "fleet_engine.h"
#include "reportdoc.h"
#include "store.h"
#include "tunnel_target.h"
#include "wsman.h"

#define EXIT_DISAGREE 1

struct row {
	struct reportdoc doc;
	char *report_id, *source, *client_subject;
	char received[VERIFY_TIME_LEN];
	struct tunnel_info tun; /* --check: the device's open tunnel, if any */
	bool has_tun;
};

struct rows {
	struct row *v;
	size_t n, cap;
	unsigned long skipped;
};

struct reports_args {
	const char *db, *password_file;
	bool json, check;
	unsigned concurrency; /* devices checked at once */
	long timeout_ms;      /* per device */
	struct device_target t;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		reportdoc_free(&rs->v[i].doc);
		free(rs->v[i].report_id);
		free(rs->v[i].source);
		free(rs->v[i].client_subject);
		tunnel_info_clear(&rs->v[i].tun);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static int collect(void *arg, const struct store_report *r)
{
	struct rows *rs = arg;
	struct row *w;
	char err[256];

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct row *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -2;
		rs->v = v;
		rs->cap = cap;
	}
	w = &rs->v[rs->n];
	memset(w, 0, sizeof(*w));
	/* Validated when received; a hand-edited row is skipped, not trusted. */
	if (reportdoc_parse(r->report, strlen(r->report), &w->doc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s reports: stored report %s is not a valid report (%s) — skipped\n",
			VERIFY_PROG, r->report_id, err);
		rs->skipped++;
		return 0;
	}
	w->report_id = strdup(r->report_id);
	w->source = dup_or_null(r->source);
	w->client_subject = dup_or_null(r->client_subject);
	memcpy(w->received, r->received, sizeof(w->received));
	rs->n++;
	if (!w->report_id)
		return -2;
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int print_row(const struct row *w, bool json)
{
	const struct reportdoc *d = &w->doc;

	if (json) {
		json_t *o = json_object();
		int r = -1;
		if (o && !json_object_set_new(o, "schema", json_integer(1)) &&
		    !json_object_set_new(o, "uuid", json_string(d->uuid)) &&
		    !json_object_set_new(o, "host_name", str_or_null(d->host_name)) &&
		    !json_object_set_new(o, "time", json_string(d->time)) &&
		    !json_object_set_new(o, "received", json_string(w->received)) &&
		    !json_object_set_new(o, "report_id", json_string(w->report_id)) &&
		    !json_object_set_new(o, "amt_version", str_or_null(d->amt_version)) &&
		    !json_object_set_new(o, "provisioning_state", json_string(d->provisioning_state)) &&
		    !json_object_set_new(o, "control_mode", json_string(d->control_mode)) &&
		    !json_object_set_new(o, "host_id", str_or_null(d->host_id)) &&
		    !json_object_set_new(o, "cira_status", json_string(d->cira_status)) &&
		    !json_object_set_new(o, "wired_ipv4", str_or_null(d->wired_ipv4)) &&
		    !json_object_set_new(o, "wireless_ipv4", str_or_null(d->wireless_ipv4)) &&
		    !json_object_set_new(o, "source", str_or_null(w->source)) &&
		    !json_object_set_new(o, "client_subject", str_or_null(w->client_subject)) &&
		    json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0) {
			putchar('\n');
			r = 0;
		}
		json_decref(o);
		return r;
	}
	printf("%s %s %s AMT %s %s/%s host-id %s cira %s\n", d->uuid,
	       d->host_name && d->host_name[0] ? d->host_name : "-", d->time,
	       d->amt_version ? d->amt_version : "-", d->provisioning_state, d->control_mode,
	       d->host_id ? d->host_id : "(none)", d->cira_status);
	return 0;
}

/* ---- --check ---- */

/* A host name we would hand to the resolver: letters, digits, '-', '.'. */
static bool is_host_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static const char *address_of(const struct reportdoc *d)
{
	if (d->wired_ipv4)
		return d->wired_ipv4;
	if (d->wireless_ipv4)
		return d->wireless_ipv4;
	return is_host_name(d->host_name) ? d->host_name : NULL;
}

static void print_problem(bool json, const char *uuid, const char *addr, const char *field,
			  const char *in_report, const char *on_device, const char *error)
{
	if (json) {
		json_t *o = error ? json_pack("{s:i, s:s, s:o, s:s}", "schema", 1, "uuid", uuid,
					      "address", str_or_null(addr), "error", error)
				  : json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "schema", 1, "uuid",
					      uuid, "address", addr, "field", field, "report",
					      in_report, "device", on_device);
		if (o && json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) == 0)
			putchar('\n');
		json_decref(o);
		if (!error)
			return;
	} else if (!error) {
		printf("%s %s: %s: report says %s, device has %s\n", uuid, addr, field, in_report,
		       on_device);
		return;
	}
	fprintf(stderr, "%s reports: %s%s%s: cannot check: %s\n", VERIFY_PROG, uuid,
		addr ? " at " : "", addr ? addr : "", error);
}

/* One device being checked (a task of the fleet engine). */
struct check_job {
	struct fleet_task task; /* first: the engine hands this back */
	const struct row *w;
	const char *addr;
	struct device_target t;
	struct device_state s;
	int rc;
	char err[640];
	struct tunnel_route route; /* through a tunnel */
	char label[320];
};

struct check_run {
	const struct reports_args *a;
	const struct rows *rs;
	size_t next;
	unsigned long done, disagree, unread;
	bool progress;
};

/* 0 agrees or EXIT_DISAGREE, for a device that was read. */
static int compare(const struct reports_args *a, const struct check_job *j)
{
	static const char *const fields[] = {"amt_version", "provisioning_state", "control_mode",
					     "uuid", "host_id"};
	const struct reportdoc *d = &j->w->doc;
	const struct device_state *s = &j->s;
	int ex = VERIFY_EXIT_OK;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *f = fields[i], *mine, *theirs = device_field(s, f);
		bool same;

		if (!strcmp(f, "amt_version"))
			mine = d->amt_version ? d->amt_version : "(none)";
		else if (!strcmp(f, "provisioning_state"))
			mine = d->provisioning_state;
		else if (!strcmp(f, "control_mode"))
			mine = d->control_mode;
		else if (!strcmp(f, "uuid"))
			mine = d->uuid;
		else {
			/* AMT 12+ has no 3PDS: the host ID lives in the host's
			 * firmware, out of the network's reach. */
			if (s->host_id_state == DEVICE_HOSTID_NO_3PDS)
				continue;
			mine = d->host_id ? d->host_id : "(none)";
		}
		if (!strcmp(f, "amt_version") && !s->amt_version[0])
			theirs = "(none)";
		same = !strcmp(f, "uuid") ? strcasecmp(mine, theirs) == 0 : strcmp(mine, theirs) == 0;
		if (!same) {
			print_problem(a->json, d->uuid, j->addr, f, mine, theirs, NULL);
			ex = EXIT_DISAGREE;
		}
	}
	return ex;
}

static void check_run_task(struct fleet_task *t)
{
	struct check_job *j = (struct check_job *)t;

	j->rc = device_read(&j->t, &j->s, j->err, sizeof(j->err));
}

/* The next device that can be reached: through its CIRA tunnel when a
 * listener relays one (said on stderr), else at its address; the others
 * are reported at once. */
static struct fleet_task *check_next(void *arg)
{
	struct check_run *run = arg;

	while (run->next < run->rs->n) {
		const struct row *w = &run->rs->v[run->next++];
		const char *addr = address_of(&w->doc);
		struct check_job *j = calloc(1, sizeof(*j));

		if (!j) {
			print_problem(run->a->json, w->doc.uuid, addr, NULL, NULL, NULL,
				      "out of memory");
			run->done++;
			run->unread++;
			continue;
		}
		j->w = w;
		j->t = run->a->t;
		if (w->has_tun && tunnel_route(&w->tun, &j->t, &j->route)) {
			/* the device is connected: its tunnel is the way in, and we say so */
			snprintf(j->label, sizeof(j->label), "%s (tunnel)", j->route.relay);
			addr = j->label;
			fprintf(stderr, "%s reports: %s is connected: checked through its CIRA "
					"tunnel (relay %s)\n", VERIFY_PROG, w->doc.uuid, j->route.relay);
		} else if (!addr) {
			print_problem(run->a->json, w->doc.uuid, NULL, NULL, NULL, NULL,
				      "the report has no IPv4 address and no usable host name");
			run->done++;
			run->unread++;
			free(j);
			continue;
		} else {
			j->t.host = addr;
		}
		j->addr = addr;
		j->t.perform = fleet_task_perform;
		j->t.perform_arg = &j->task;
		j->task.run = check_run_task;
		j->rc = VERIFY_EXIT_NETWORK;
		snprintf(j->err, sizeof(j->err), "%s: not started: out of memory", addr);
		return &j->task;
	}
	return NULL;
}

static void check_finished(void *arg, struct fleet_task *t)
{
	struct check_run *run = arg;
	struct check_job *j = (struct check_job *)t;

	if (run->progress)
		fprintf(stderr, "\r\033[K");
	if (j->rc != VERIFY_EXIT_OK) {
		print_problem(run->a->json, j->w->doc.uuid, j->addr, NULL, NULL, NULL, j->err);
		run->unread++;
	} else if (compare(run->a, j) == EXIT_DISAGREE) {
		run->disagree++;
	}
	run->done++;
	fflush(stdout);
	free(j);
}

static void check_tick(void *arg)
{
	struct check_run *run = arg;

	fprintf(stderr, "\rchecking: %lu/%zu done, %lu disagree, %lu could not be read \033[K",
		run->done, run->rs->n, run->disagree, run->unread);
	fflush(stderr);
}

/* Every device at once, as far as --concurrency allows (the fleet engine:
 * one event loop, no thread per device); lines come as devices finish. */
static int run_check(const struct reports_args *a, const struct rows *rs)
{
	struct check_run run = {.a = a, .rs = rs, .progress = isatty(STDERR_FILENO)};
	struct fleet_engine_cfg ec = {.concurrency = a->concurrency, .timeout_ms = a->timeout_ms,
				      .next = check_next, .finished = check_finished,
				      .tick = run.progress ? check_tick : NULL, .arg = &run};
	char err[256];
	int r;

	wsman_global_init();
	r = fleet_engine_run(&ec, err, sizeof(err));
	wsman_global_cleanup();
	if (run.progress)
		fprintf(stderr, "\r\033[K%zu device(s) checked: %lu disagree, %lu could not be read\n",
			rs->n, run.disagree, run.unread);
	if (r != 0) {
		fprintf(stderr, "%s reports: %s\n", VERIFY_PROG, err);
		return VERIFY_EXIT_NETWORK;
	}
	return run.disagree ? EXIT_DISAGREE : run.unread ? VERIFY_EXIT_NETWORK : VERIFY_EXIT_OK;
}

enum { O_DB, O_JSON, O_CHECK, O_USER, O_PWFILE, O_TLS, O_PORT, O_CA, O_PIN, O_INSECURE, O_TLS10,
       O_VENDOR, O_APP, O_ENT, O_BLOCK, O_CONC, O_TIMEOUT };

static const struct cliopt reports_opts[] = {
	[O_DB] = {"db", 0, "PATH",
		  "the store amt-verify listen --reports writes (default " STORE_DEFAULT_PATH ")", 0},
	[O_JSON] = {"json", 0, NULL, "one JSON object per line", 0},
	[O_CHECK] = {"check", 0, NULL, "compare each report with its device", 0},
	[O_USER] = {"user", 0, "U", "WS-Man user (default admin)", 0},
	[O_PWFILE] = {"password-file", 0, "F",
		      "its password (the file must not be readable by others)", 0},
	[O_TLS] = {"tls", 0, NULL, "HTTPS on 16993 (default HTTP on 16992)", 0},
	[O_PORT] = {"port", 0, "N", "another port", 0},
	[O_CA] = {"ca-file", 0, "F", "trust this CA for the devices' TLS certificates", 0},
	[O_PIN] = {"pin", 0, "SHA256", "or accept a certificate with this SHA-256 fingerprint", 0},
	[O_INSECURE] = {"insecure", 0, NULL, "or do not verify TLS at all (says so)", 0},
	[O_TLS10] = {"allow-tls10", 0, NULL, "accept TLS 1.0/1.1 (AMT 7-11)", 0},
	[O_VENDOR] = {"vendor", 0, "V", "3PDS vendor name of the host ID block (default: amt-agent "
				      "project)", 0},
	[O_APP] = {"application", 0, "A", "3PDS application name (default: amt-agent)", 0},
	[O_ENT] = {"enterprise", 0, "E", "3PDS enterprise name (default: amt-agent)", 0},
	[O_BLOCK] = {"block-name", 0, "B", "3PDS block name (default: amt-agent-hostid)", 0},
	[O_CONC] = {"concurrency", 0, "N", "devices checked at once (default 256; one event loop)", 0},
	[O_TIMEOUT] = {"timeout-ms", 0, "T", "per device, all its requests (default 30000)", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd reports_cli = {
	.prog = VERIFY_PROG,
	.name = "reports",
	.opts = reports_opts,
	.synopsis =
		"usage: amt-verify reports [--db PATH] [--json]\n"
		"       amt-verify reports --check [--db PATH] [--json] [--user U]\n"
		"                  --password-file F [--tls] [--port N]\n"
		"                  [--ca-file F | --pin SHA256 | --insecure] [--allow-tls10]\n"
		"                  [--vendor V] [--application A] [--enterprise E] [--block-name B]\n"
		"                  [--concurrency N] [--timeout-ms T]\n",
	.description =
		"List the latest agent report of each device (by device UUID): UUID, host\n"
		"name, report time, AMT version, provisioning state, control mode, host ID,\n"
		"CIRA status. With --check, read each device over WS-Management (through\n"
		"its CIRA tunnel when a listener relays one, else at the report's wired\n"
		"IPv4, else wireless IPv4, else host name) and print one line per field\n"
		"where report and device disagree (amt_version, provisioning_state,\n"
		"control_mode, uuid, host_id).\n",
	.footer = "Exit: 0 every device agrees (or listing done), 1 a disagreement, 8 a device\n"
		  "could not be read (no disagreement found elsewhere), 2 usage or store error.\n",
};

/* 0, 1 (--help printed), or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct reports_args *a)
{
	struct cliopt_result r;
	bool device_opt = false;
	unsigned long n;
	int st = cliopt_parse(&reports_cli, argc, argv, &r, stdout, stderr);

	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? 1 : -1;
	for (int i = 0; i < r.nhits; i++) {
		const char *v = r.hits[i].value;
		device_opt |= r.hits[i].opt >= O_USER && r.hits[i].opt <= O_TIMEOUT;
		switch (r.hits[i].opt) {
		case O_DB: a->db = v; break;
		case O_JSON: a->json = true; break;
		case O_CHECK: a->check = true; break;
		case O_USER: a->t.user = v; break;
		case O_PWFILE: a->password_file = v; break;
		case O_TLS: a->t.tls = true; break;
		case O_PORT:
			if (cliopt_ulong(&reports_cli, stderr, O_PORT, v, 1, 65535, &n) != 0)
				return -1;
			a->t.port = (unsigned)n;
			break;
		case O_CA: a->t.ca_file = v; break;
		case O_PIN: a->t.pin = v; break;
		case O_INSECURE: a->t.insecure = true; break;
		case O_TLS10: a->t.allow_tls10 = true; break;
		case O_VENDOR: a->t.names.vendor = v; break;
		case O_APP: a->t.names.application = v; break;
		case O_ENT: a->t.names.enterprise = v; break;
		case O_BLOCK: a->t.names.block_name = v; break;
		case O_CONC:
			if (cliopt_ulong(&reports_cli, stderr, O_CONC, v, 1, 65536, &n) != 0)
				return -1;
			a->concurrency = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (cliopt_ulong(&reports_cli, stderr, O_TIMEOUT, v, 100, 3600000, &n) != 0)
				return -1;
			a->timeout_ms = (long)n;
			break;
		}
	}
	if (device_opt && !a->check)
		return cliopt_fail(&reports_cli, stderr, "device options apply only with --check");
	if (a->check && !a->password_file)
		return cliopt_fail(&reports_cli, stderr,
				   "--check needs --password-file (passwords never go on the "
				   "command line)");
	return 0;
}

int cmd_reports(int argc, char **argv)
{
	struct reports_args a = {.db = STORE_DEFAULT_PATH, .concurrency = 256, .timeout_ms = 30000,
				 .t = {.user = "admin",
				       .names = {"amt-agent project", "amt-agent", "amt-agent",
						 "amt-agent-hostid"}}};
	struct rows rs = {0};
	struct store *st = NULL;
	uint8_t *password = NULL;
	size_t plen = 0;
	char err[640];
	int ex = VERIFY_EXIT_USAGE, r;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	if (a.check) {
		if (verify_read_secret(a.password_file, &password, &plen, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s reports: --password-file: %s\n", VERIFY_PROG, err);
			goto out;
		}
		a.t.password = password;
		a.t.password_len = plen;
		a.t.host = "127.0.0.1"; /* nominal: the options alone are checked here */
		if (device_target_check(&a.t, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s reports: %s\n", VERIFY_PROG, err);
			goto out;
		}
		if (a.t.insecure)
			fprintf(stderr, "%s reports: WARNING: --insecure: the devices' TLS "
					"certificates are NOT verified\n", VERIFY_PROG);
	}
	if (store_open(a.db, STORE_READONLY, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s reports: %s\n", VERIFY_PROG, err);
		goto out;
	}
	/* Read everything first: no read transaction stays open while devices
	 * are queried. */
	r = store_latest_reports(st, collect, &rs, err, sizeof(err));
	for (size_t i = 0; r == 0 && a.check && i < rs.n; i++) {
		int f = tunnel_find(st, rs.v[i].doc.uuid, &rs.v[i].tun, err, sizeof(err));
		if (f < 0)
			r = -1;
		rs.v[i].has_tun = f == 1;
	}
	store_close(st);
	st = NULL;
	if (r != 0) {
		fprintf(stderr, "%s reports: %s\n", VERIFY_PROG, r == -2 ? "out of memory" : err);
		goto out;
	}
	if (a.check) {
		ex = run_check(&a, &rs);
		goto out;
	}
	for (size_t i = 0; i < rs.n; i++) {
		if (print_row(&rs.v[i], a.json) != 0) {
			fprintf(stderr, "%s reports: cannot write to stdout\n", VERIFY_PROG);
			goto out;
		}
	}
	ex = fflush(stdout) == 0 ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
out:
	rows_free(&rs);
	store_close(st);
	verify_secret_free(password, VERIFY_SECRET_MAX + 1);
	return ex;
}
