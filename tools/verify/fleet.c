// SPDX-License-Identifier: Apache-2.0
/*
 * fleet.c - `amt-verify fleet`: read every device of an inventory over
 * WS-Management, thousands in parallel from one event loop (fleet_engine.c),
 * and check each against what is expected of it: --expect KEY=VALUE for
 * all, the inventory's own columns per device, and with
 * --expect-from-reports the device's latest agent report in the store.
 *
 * One result line per device as it finishes (text, --json or --csv on
 * stdout), a progress line on a terminal (stderr), a summary (stderr).
 * Exit 0 every device read and as expected, 1 at least one mismatch, 8 no
 * mismatch but at least one device could not be read, 2 usage errors
 * (options, inventory, credentials, store).
 * Precedence of expectations: the inventory over --expect over the report.
 * --via-tunnels reaches each device through the relay port of its CIRA
 * tunnel (found by the inventory's uuid among this machine's open tunnels,
 * loaded once from --db); a device without one is unreachable.
 * The inventory is read twice (validated and counted first, then streamed),
 * never held; the host ID (3PDS, several more requests) is read only from
 * devices something expects it of.
 * Must not: take a password from the command line or the inventory; change
 * anything on a device beyond a 3PDS session.
 */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cliopt.h"
#include "device.h"
#include "fleet_engine.h"
#include "fleet_inventory.h"
#include "fleet_output.h"
#include "reportdoc.h"
#include "store.h"
#include "tunnel_target.h"
#include "wsman.h"

#define DEFAULT_CONCURRENCY_N 256
#define DEFAULT_TIMEOUT_MS_N 30000
#define DEFAULT_CONCURRENCY ((unsigned)DEFAULT_CONCURRENCY_N)
#define DEFAULT_TIMEOUT_MS ((long)DEFAULT_TIMEOUT_MS_N)
#define MAX_GROUPS 64

struct cred {
	char name[FLEET_GROUP_MAX + 1]; /* "" = the default (--user/--password-file) */
	char user[64];
	char password_file[512];
	uint8_t *password;
	size_t password_len;
};

struct fleet_args {
	const char *inventory, *credentials, *password_file, *db;
	const char *user;
	enum fleet_format fmt;
	bool from_reports, via_tunnels;
	unsigned concurrency;
	long timeout_ms;
	unsigned port;
	struct device_target t; /* TLS options and 3PDS names for all */
	struct fleet_expect expect[FLEET_MAX_EXPECT];
	size_t nexpect;
};

/* The open tunnels of this machine, by device UUID (--via-tunnels). */
struct tunnel_map {
	struct tunnel_info *v;
	size_t n, cap;
	bool nomem;
};

struct fleet_run {
	struct fleet_args *a;
	struct tunnel_map tunnels;
	struct cred creds[MAX_GROUPS];
	size_t ncreds;
	struct fleet_inventory *inv;
	struct store *store;
	struct fleet_stats stats;
	bool progress, inventory_failed, output_failed, warned_uuid;
	char inventory_err[512];
};

/* One device in flight. */
struct fleet_job {
	struct fleet_task task; /* first: the engine hands this back */
	struct fleet_run *run;
	struct fleet_device dev;
	bool from_report[FLEET_MAX_EXPECT]; /* expect[i] came from the report */
	const char *no_report;              /* --expect-from-reports found none: why */
	const char *not_started;            /* why the device is not even tried */
	struct tunnel_route route;          /* --via-tunnels */
	struct device_target t;
	struct device_state s;
	int rc;
	char err[640];
};

/* ---- options ---- */

static int add_global_expect(struct fleet_args *a, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : 0;
	bool known = false;

	if (!eq || klen == 0 || klen >= sizeof(a->expect[0].key) || a->nexpect >= FLEET_MAX_EXPECT ||
	    strlen(eq + 1) > FLEET_VALUE_MAX)
		return -1;
	snprintf(a->expect[a->nexpect].key, sizeof(a->expect[0].key), "%.*s", (int)klen, kv);
	for (int i = 0; device_keys[i]; i++)
		known |= strcmp(device_keys[i], a->expect[a->nexpect].key) == 0;
	if (!known)
		return -1;
	snprintf(a->expect[a->nexpect].value, sizeof(a->expect[0].value), "%s", eq + 1);
	a->nexpect++;
	return 0;
}

enum { O_INV, O_CONC, O_TIMEOUT, O_USER, O_PWFILE, O_CREDS, O_TLS, O_PORT, O_CA, O_PIN,
       O_INSECURE, O_TLS10, O_EXPECT, O_FROM_REPORTS, O_VIA_TUNNELS, O_DB, O_JSON, O_CSV };

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct cliopt fleet_opts[] = {
	[O_INV] = {"inventory", 0, "FILE",
		   "CSV with a header row (host, port, uuid, group, and device keys as expected "
		   "values) or JSON lines ({\"host\":..,\"port\":..,\"uuid\":..,\"group\":..,"
		   "\"expect\":{..}})",
		   0},
	[O_CONC] = {"concurrency", 0, "N",
		    "devices in flight at once (default " STR(DEFAULT_CONCURRENCY_N) ")", 0},
	[O_TIMEOUT] = {"timeout-ms", 0, "T",
		       "per device, all its requests (default " STR(DEFAULT_TIMEOUT_MS_N) ")", 0},
	[O_USER] = {"user", 0, "U", "WS-Man user of the default credentials (default admin)", 0},
	[O_PWFILE] = {"password-file", 0, "F",
		      "its password (the file must not be readable by others)", 0},
	[O_CREDS] = {"credentials", 0, "FILE",
		     "credentials per inventory group: INI sections [GROUP] with user = U and "
		     "password_file = F",
		     0},
	[O_TLS] = {"tls", 0, NULL, "HTTPS on 16993 (default HTTP on 16992)", 0},
	[O_PORT] = {"port", 0, "N", "another port, for devices whose row names none", 0},
	[O_CA] = {"ca-file", 0, "F", "trust this CA for the devices' TLS certificates", 0},
	[O_PIN] = {"pin", 0, "SHA256", "or accept certificates with this SHA-256 fingerprint", 0},
	[O_INSECURE] = {"insecure", 0, NULL, "or do not verify TLS at all (says so)", 0},
	[O_TLS10] = {"allow-tls10", 0, NULL, "accept TLS 1.0/1.1 (AMT 7-11)", 0},
	[O_EXPECT] = {"expect", 0, "KEY=VALUE",
		      "expected of every device (KEY: amt_version, provisioning_state, "
		      "control_mode, uuid, mac, ipv4, dhcp, link_up, host_id); the inventory's "
		      "columns win",
		      CLIOPT_REPEAT},
	[O_FROM_REPORTS] = {"expect-from-reports", 0, NULL,
			    "also expect what each device's latest agent report says (found by "
			    "the inventory's uuid) in --db",
			    0},
	[O_VIA_TUNNELS] = {"via-tunnels", 0, NULL,
			   "reach each device through the relay port of its CIRA tunnel "
			   "(amt-verify listen --mps on this machine; found by the inventory's "
			   "uuid in --db)",
			   0},
	[O_DB] = {"db", 0, "PATH|URL", "the store of amt-verify listen (default " STORE_DEFAULT_PATH ")",
		  0},
	[O_JSON] = {"json", 0, NULL, "one JSON object per device", 0},
	[O_CSV] = {"csv", 0, NULL, "one CSV row per device, after a header", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd fleet_cli = {
	.prog = VERIFY_PROG,
	.name = "fleet",
	.opts = fleet_opts,
	.synopsis =
		"usage: amt-verify fleet --inventory FILE [--concurrency N] [--timeout-ms T]\n"
		"                        [--user U --password-file F] [--credentials FILE]\n"
		"                        [--tls] [--port N] [--ca-file F | --pin SHA256 | --insecure]\n"
		"                        [--allow-tls10] [--expect KEY=VALUE]...\n"
		"                        [--expect-from-reports] [--via-tunnels] [--db PATH|URL]\n"
		"                        [--json | --csv]\n",
	.description =
		"Read every device of the inventory over WS-Management, many at once from one\n"
		"event loop, and compare each with what is expected of it. One line per device\n"
		"on stdout as it finishes, a summary on stderr (and progress on a terminal).\n",
	.footer = "Exit: 0 every device read and as expected, 1 a mismatch, 8 no mismatch but a\n"
		  "device could not be read, 2 usage, inventory, credentials or store error.\n",
};

/* 0, 1 (--help printed), or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct fleet_args *a)
{
	struct cliopt_result r;
	unsigned long n;
	bool db_given = false;
	int st = cliopt_parse(&fleet_cli, argc, argv, &r, stdout, stderr);

	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? 1 : -1;
	for (int i = 0; i < r.nhits; i++) {
		const char *v = r.hits[i].value;
		int opt = r.hits[i].opt;
		switch (opt) {
		case O_INV: a->inventory = v; break;
		case O_CONC:
			if (cliopt_ulong(&fleet_cli, stderr, opt, v, 1, 65536, &n) != 0)
				return -1;
			a->concurrency = (unsigned)n;
			break;
		case O_TIMEOUT:
			if (cliopt_ulong(&fleet_cli, stderr, opt, v, 100, 3600000, &n) != 0)
				return -1;
			a->timeout_ms = (long)n;
			break;
		case O_USER: a->user = v; break;
		case O_PWFILE: a->password_file = v; break;
		case O_CREDS: a->credentials = v; break;
		case O_TLS: a->t.tls = true; break;
		case O_PORT:
			if (cliopt_ulong(&fleet_cli, stderr, opt, v, 1, 65535, &n) != 0)
				return -1;
			a->port = (unsigned)n;
			break;
		case O_CA: a->t.ca_file = v; break;
		case O_PIN: a->t.pin = v; break;
		case O_INSECURE: a->t.insecure = true; break;
		case O_TLS10: a->t.allow_tls10 = true; break;
		case O_EXPECT:
			if (add_global_expect(a, v) != 0)
				return cliopt_fail(&fleet_cli, stderr,
						   "--expect \"%.64s\": expected KEY=VALUE with KEY one "
						   "of amt_version, provisioning_state, control_mode, "
						   "uuid, mac, ipv4, dhcp, link_up, host_id (at most %d)",
						   v, FLEET_MAX_EXPECT);
			break;
		case O_FROM_REPORTS: a->from_reports = true; break;
		case O_VIA_TUNNELS: a->via_tunnels = true; break;
		case O_DB: a->db = v; db_given = true; break;
		case O_JSON: a->fmt = FLEET_JSON; break;
		case O_CSV: a->fmt = FLEET_CSV; break;
		}
	}
	if (!a->inventory)
		return cliopt_fail(&fleet_cli, stderr,
				   "--inventory FILE is required (CSV or JSON lines: host, port, "
				   "uuid, group, expected values)");
	if (db_given && !a->from_reports && !a->via_tunnels)
		return cliopt_fail(&fleet_cli, stderr,
				   "--db applies only with --expect-from-reports or --via-tunnels");
	if (a->via_tunnels && a->port)
		return cliopt_fail(&fleet_cli, stderr,
				   "--port does not apply with --via-tunnels (each device's relay "
				   "port is used)");
	return 0;
}

/* ---- credentials ---- */

static struct cred *cred_find(struct fleet_run *run, const char *name)
{
	for (size_t i = 0; i < run->ncreds; i++)
		if (strcmp(run->creds[i].name, name) == 0)
			return &run->creds[i];
	return NULL;
}

static int on_credentials(void *user, const char *section, const char *name, const char *value)
{
	struct fleet_run *run = user;
	struct cred *c;

	if (!name)
		return 1;
	if (!*section || strlen(section) > FLEET_GROUP_MAX)
		return 0;
	c = cred_find(run, section);
	if (!c) {
		if (run->ncreds >= MAX_GROUPS)
			return 0;
		c = &run->creds[run->ncreds++];
		snprintf(c->name, sizeof(c->name), "%s", section);
		snprintf(c->user, sizeof(c->user), "admin");
	}
	if (!strcmp(name, "user") && strlen(value) < sizeof(c->user))
		snprintf(c->user, sizeof(c->user), "%s", value);
	else if (!strcmp(name, "password_file") && strlen(value) < sizeof(c->password_file))
		snprintf(c->password_file, sizeof(c->password_file), "%s", value);
	else
		return 0;
	return 1;
}

static int load_credentials(struct fleet_run *run, char *err, size_t errlen)
{
	struct fleet_args *a = run->a;
	char why[512];

	if (a->password_file) {
		struct cred *c = &run->creds[run->ncreds++];
		snprintf(c->user, sizeof(c->user), "%s", a->user ? a->user : "admin");
		snprintf(c->password_file, sizeof(c->password_file), "%s", a->password_file);
	}
	if (a->credentials) {
		int line = ini_parse(a->credentials, on_credentials, run);
		if (line != 0) {
			snprintf(err, errlen, "--credentials %s%s%d: %s", a->credentials,
				 line > 0 ? ":" : "", line > 0 ? line : 0,
				 line < 0 ? "cannot read it" : "expected [GROUP] sections (at most 64) "
							       "with user = U and password_file = F");
			return -1;
		}
	}
	for (size_t i = 0; i < run->ncreds; i++) {
		struct cred *c = &run->creds[i];
		if (!c->password_file[0]) {
			snprintf(err, errlen, "--credentials %s: [%s] has no password_file",
				 a->credentials, c->name);
			return -1;
		}
		if (verify_read_secret(c->password_file, &c->password, &c->password_len, why,
				       sizeof(why)) != 0) {
			snprintf(err, errlen, "%s%s%s: %s", c->name[0] ? "[" : "--password-file",
				 c->name, c->name[0] ? "] password_file" : "", why);
			return -1;
		}
	}
	return 0;
}

/* ---- the inventory's first pass: every row valid, every group known ---- */

static int validate(struct fleet_run *run, char *err, size_t errlen)
{
	struct fleet_device d;
	unsigned long n = 0;
	int r;

	while ((r = fleet_inventory_next(run->inv, &d, err, errlen)) > 0) {
		if (!cred_find(run, d.group)) {
			if (d.group[0])
				snprintf(err, errlen, "%s:%lu: group \"%s\" has no credentials — add a "
						      "[%s] section to --credentials",
					 run->a->inventory, d.line, d.group, d.group);
			else
				snprintf(err, errlen, "%s:%lu: %s has no group and there are no default "
						      "credentials — pass --password-file",
					 run->a->inventory, d.line, d.host);
			return -1;
		}
		if ((run->a->from_reports || run->a->via_tunnels) && !d.uuid[0] && !run->warned_uuid) {
			run->warned_uuid = true;
			fprintf(stderr, "%s fleet: warning: %s:%lu: no uuid: the reports and "
					"tunnels of such devices cannot be found\n",
				VERIFY_PROG, run->a->inventory, d.line);
		}
		n++;
	}
	if (r < 0)
		return -1;
	run->stats.total = n;
	return fleet_inventory_rewind(run->inv, err, errlen);
}

/* ---- tunnels (--via-tunnels): loaded once, looked up per device ---- */

static int by_uuid(const void *a, const void *b)
{
	return strcasecmp(((const struct tunnel_info *)a)->uuid, ((const struct tunnel_info *)b)->uuid);
}

static int on_tunnel(void *arg, const struct store_tunnel *t)
{
	struct tunnel_map *m = arg;
	struct tunnel_info *ti;
	json_t *ports = json_loads(t->ports, 0, NULL);

	if (!json_is_object(ports)) {
		json_decref(ports);
		return 0;
	}
	/* oldest first: a device's later tunnel replaces an earlier one */
	for (size_t i = 0; i < m->n; i++) {
		if (!strcasecmp(m->v[i].uuid, t->uuid)) {
			tunnel_info_clear(&m->v[i]);
			ti = &m->v[i];
			goto fill;
		}
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		void *v = realloc(m->v, cap * sizeof(*m->v));
		if (!v) {
			json_decref(ports);
			m->nomem = true;
			return 1;
		}
		m->v = v;
		m->cap = cap;
	}
	ti = &m->v[m->n++];
fill:
	memset(ti, 0, sizeof(*ti));
	snprintf(ti->uuid, sizeof(ti->uuid), "%s", t->uuid);
	snprintf(ti->host_name, sizeof(ti->host_name), "%s", t->host_name ? t->host_name : "");
	snprintf(ti->since, sizeof(ti->since), "%s", t->since);
	ti->ports = ports;
	return 0;
}

static int load_tunnels(struct fleet_run *run, char *err, size_t errlen)
{
	struct tunnel_map *m = &run->tunnels;

	if (store_tunnels_list(run->store, on_tunnel, m, err, errlen) < 0 || m->nomem) {
		if (m->nomem)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), by_uuid);
	return 0;
}

static void tunnels_free(struct tunnel_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		tunnel_info_clear(&m->v[i]);
	free(m->v);
}

/* Aim the job at its device's tunnel, or say why it cannot be reached. */
static void route_via_tunnel(struct fleet_run *run, struct fleet_job *j)
{
	struct tunnel_info key = {0};
	const struct tunnel_info *ti;

	if (!j->dev.uuid[0]) {
		j->not_started = "no uuid in the inventory to find its CIRA tunnel";
		return;
	}
	snprintf(key.uuid, sizeof(key.uuid), "%s", j->dev.uuid);
	ti = run->tunnels.n ? bsearch(&key, run->tunnels.v, run->tunnels.n, sizeof(key), by_uuid)
			    : NULL;
	if (!ti)
		j->not_started = "no CIRA tunnel open from this device on this machine "
				 "(amt-verify tunnels lists them)";
	else if (!tunnel_route(ti, &j->t, &j->route))
		j->not_started = j->t.tls ? "its CIRA tunnel does not carry port 16993 (TLS)"
					  : "its CIRA tunnel does not carry port 16992";
}

/* ---- expectations from the agent's report ---- */

static int on_report(void *arg, const struct store_report *r)
{
	struct fleet_job *j = arg;
	struct reportdoc doc;
	char err[256];
	struct {
		const char *key, *value;
	} kv[4];

	memset(&doc, 0, sizeof(doc));
	if (reportdoc_parse(r->report, strlen(r->report), &doc, err, sizeof(err)) != 0) {
		j->no_report = "the stored report is not valid";
		return 0;
	}
	kv[0].key = "amt_version", kv[0].value = doc.amt_version ? doc.amt_version : "(none)";
	kv[1].key = "provisioning_state", kv[1].value = doc.provisioning_state;
	kv[2].key = "control_mode", kv[2].value = doc.control_mode;
	kv[3].key = "host_id", kv[3].value = doc.host_id ? doc.host_id : "(none)";
	for (size_t i = 0; i < 4; i++) {
		if (fleet_device_expect(&j->dev, kv[i].key, kv[i].value) == 0)
			j->from_report[j->dev.nexpect - 1] = true;
	}
	j->no_report = NULL;
	reportdoc_free(&doc);
	return 0;
}

/* The device's expectations: report, then --expect, then its own row. */
static void merge_expectations(struct fleet_run *run, struct fleet_job *j)
{
	struct fleet_expect own[FLEET_MAX_EXPECT];
	size_t nown = j->dev.nexpect;
	char err[512];

	memcpy(own, j->dev.expect, sizeof(own));
	j->dev.nexpect = 0;
	if (run->a->from_reports) {
		j->no_report = j->dev.uuid[0] ? "no report stored for this UUID"
					      : "no uuid in the inventory to find its report";
		if (j->dev.uuid[0] &&
		    store_report_of(run->store, j->dev.uuid, on_report, j, err, sizeof(err)) < 0)
			j->no_report = "the store could not be read";
	}
	for (size_t i = 0; i < run->a->nexpect; i++) {
		fleet_device_expect(&j->dev, run->a->expect[i].key, run->a->expect[i].value);
		for (size_t k = 0; k < j->dev.nexpect; k++)
			if (!strcmp(j->dev.expect[k].key, run->a->expect[i].key))
				j->from_report[k] = false;
	}
	for (size_t i = 0; i < nown; i++) {
		fleet_device_expect(&j->dev, own[i].key, own[i].value);
		for (size_t k = 0; k < j->dev.nexpect; k++)
			if (!strcmp(j->dev.expect[k].key, own[i].key))
				j->from_report[k] = false;
	}
	if (j->dev.uuid[0] && !fleet_device_expected(&j->dev, "uuid"))
		fleet_device_expect(&j->dev, "uuid", j->dev.uuid);
}

/* ---- the engine's callbacks ---- */

static void job_run(struct fleet_task *t)
{
	struct fleet_job *j = (struct fleet_job *)t;

	if (j->not_started) {
		snprintf(j->err, sizeof(j->err), "%s: %s", j->dev.host, j->not_started);
		j->s.error_kind = WSMAN_E_NETWORK;
		j->rc = VERIFY_EXIT_NETWORK;
		return;
	}
	j->rc = device_read(&j->t, &j->s, j->err, sizeof(j->err));
}

static struct fleet_task *next_job(void *arg)
{
	struct fleet_run *run = arg;
	struct fleet_job *j = calloc(1, sizeof(*j));
	struct cred *c;
	int r;

	if (!j) {
		snprintf(run->inventory_err, sizeof(run->inventory_err), "out of memory");
		run->inventory_failed = true;
		return NULL;
	}
	r = fleet_inventory_next(run->inv, &j->dev, run->inventory_err,
				 sizeof(run->inventory_err));
	if (r <= 0) {
		run->inventory_failed = r < 0; /* changed since it was checked */
		free(j);
		return NULL;
	}
	merge_expectations(run, j);
	c = cred_find(run, j->dev.group);
	j->run = run;
	j->t = run->a->t;
	j->t.host = j->dev.host;
	j->t.port = j->dev.port ? j->dev.port : run->a->port;
	j->t.user = c ? c->user : "admin";
	j->t.password = c ? c->password : NULL;
	j->t.password_len = c ? c->password_len : 0;
	j->t.timeout_ms = run->a->timeout_ms;
	j->t.skip_host_id = !fleet_device_expected(&j->dev, "host_id");
	j->t.perform = fleet_task_perform;
	j->t.perform_arg = &j->task;
	if (run->a->via_tunnels)
		route_via_tunnel(run, j);
	j->task.run = job_run;
	j->rc = VERIFY_EXIT_NETWORK;
	snprintf(j->err, sizeof(j->err), "not started: out of memory");
	j->s.error_kind = WSMAN_E_NOMEM;
	return &j->task;
}

static enum fleet_status failure_status(int kind)
{
	switch (kind) {
	case WSMAN_E_AUTH: return FLEET_AUTH;
	case WSMAN_E_TLS: return FLEET_TLS;
	case WSMAN_E_NETWORK: return FLEET_UNREACHABLE;
	default: return FLEET_ERROR;
	}
}

static void add_mismatch(struct fleet_result *r, const char *field, const char *expected,
			 const char *actual)
{
	struct fleet_mismatch *m;

	if (r->nmm >= sizeof(r->mm) / sizeof(r->mm[0]))
		return;
	m = &r->mm[r->nmm++];
	snprintf(m->field, sizeof(m->field), "%s", field);
	snprintf(m->expected, sizeof(m->expected), "%s", expected);
	snprintf(m->actual, sizeof(m->actual), "%s", actual);
}

static void compare(struct fleet_job *j, struct fleet_result *r)
{
	const struct device_state *s = &j->s;

	if (j->no_report)
		add_mismatch(r, "report", "a stored report", j->no_report);
	for (size_t i = 0; i < j->dev.nexpect; i++) {
		const char *key = j->dev.expect[i].key, *want = j->dev.expect[i].value;
		const char *have = device_field(s, key);
		bool same;

		if (!strcmp(key, "host_id") && s->host_id_state == DEVICE_HOSTID_NO_3PDS) {
			/* AMT 12+: the host ID lives in the host's firmware, out of the
			 * network's reach; a report's value cannot be checked. */
			if (j->from_report[i])
				continue;
			have = "(no 3PDS: AMT 12 or later)";
		}
		if (!strcmp(key, "amt_version") && !s->amt_version[0])
			have = "(none)";
		same = !strcmp(key, "uuid") || !strcmp(key, "mac") ? strcasecmp(want, have) == 0
								   : strcmp(want, have) == 0;
		if (!same)
			add_mismatch(r, key, want, have);
	}
	r->status = r->nmm ? FLEET_MISMATCH : FLEET_OK;
}

static void job_finished(void *arg, struct fleet_task *t)
{
	struct fleet_run *run = arg;
	struct fleet_job *j = (struct fleet_job *)t;
	struct fleet_result r;

	memset(&r, 0, sizeof(r));
	r.dev = &j->dev;
	r.port = j->dev.port ? j->dev.port : run->a->port ? run->a->port : j->t.tls ? 16993 : 16992;
	r.via = j->route.relay[0] ? j->route.relay : NULL;
	r.ms = fleet_task_elapsed_ms(t);
	if (j->rc == VERIFY_EXIT_OK) {
		r.state = &j->s;
		compare(j, &r);
	} else {
		r.status = failure_status(j->s.error_kind);
		r.error = j->err;
	}
	fleet_stats_add(&run->stats, &r);
	if (run->progress)
		fleet_progress_clear(stderr, &run->stats);
	if (fleet_print_result(stdout, run->a->fmt, &r) != 0)
		run->output_failed = true;
	free(j);
}

static void tick(void *arg)
{
	struct fleet_run *run = arg;

	fflush(stdout);
	fleet_progress(stderr, &run->stats);
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet_args a = {.db = STORE_DEFAULT_PATH, .concurrency = DEFAULT_CONCURRENCY,
			       .timeout_ms = DEFAULT_TIMEOUT_MS,
			       .t = {.names = {"amt-agent project", "amt-agent", "amt-agent",
					       "amt-agent-hostid"}}};
	struct fleet_run run = {.a = &a};
	struct fleet_engine_cfg ec = {0};
	char err[640];
	int ex = VERIFY_EXIT_USAGE, r;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	a.t.host = "127.0.0.1"; /* nominal: the options alone are checked here */
	a.t.user = "admin";
	a.t.port = a.port;
	if (device_target_check(&a.t, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s fleet: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (load_credentials(&run, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s fleet: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (fleet_stats_init(&run.stats, 0) != 0 ||
	    fleet_inventory_open(a.inventory, &run.inv, err, sizeof(err)) != 0 ||
	    validate(&run, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s fleet: %s\n", VERIFY_PROG, run.stats.hist ? err : "out of memory");
		goto out;
	}
	if ((a.from_reports || a.via_tunnels) &&
	    store_open(a.db, STORE_READONLY, &run.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s fleet: %s: %s\n", VERIFY_PROG,
			a.from_reports ? "--expect-from-reports" : "--via-tunnels", err);
		goto out;
	}
	if (a.via_tunnels && load_tunnels(&run, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s fleet: --via-tunnels: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (a.t.insecure)
		fprintf(stderr, "%s fleet: WARNING: --insecure: the devices' TLS certificates are "
				"NOT verified\n", VERIFY_PROG);
	run.progress = isatty(STDERR_FILENO);
	fleet_print_header(stdout, a.fmt);
	ec.concurrency = a.concurrency;
	ec.timeout_ms = a.timeout_ms;
	ec.next = next_job;
	ec.finished = job_finished;
	ec.tick = run.progress ? tick : NULL;
	ec.arg = &run;
	wsman_global_init();
	run.stats.start_ms = verify_mono_ms();
	r = fleet_engine_run(&ec, err, sizeof(err));
	wsman_global_cleanup();
	if (run.progress)
		fleet_progress_clear(stderr, &run.stats);
	if (fflush(stdout) != 0 || run.output_failed) {
		fprintf(stderr, "%s fleet: cannot write to stdout\n", VERIFY_PROG);
		goto out;
	}
	fleet_summary(stderr, VERIFY_PROG " fleet: ", &run.stats);
	if (run.inventory_failed) {
		fprintf(stderr, "%s fleet: %s\n", VERIFY_PROG, run.inventory_err);
		goto out;
	}
	if (r != 0) {
		fprintf(stderr, "%s fleet: %s\n", VERIFY_PROG, err);
		ex = VERIFY_EXIT_NETWORK;
		goto out;
	}
	ex = run.stats.count[FLEET_MISMATCH] ? DEVICE_EXIT_MISMATCH
	     : run.stats.done != run.stats.count[FLEET_OK] ? VERIFY_EXIT_NETWORK
							   : VERIFY_EXIT_OK;
out:
	store_close(run.store);
	tunnels_free(&run.tunnels);
	fleet_inventory_close(run.inv);
	fleet_stats_free(&run.stats);
	for (size_t i = 0; i < run.ncreds; i++)
		verify_secret_free(run.creds[i].password, run.creds[i].password_len);
	return ex;
}
