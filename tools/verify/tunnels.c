// SPDX-License-Identifier: Apache-2.0
/*
 * tunnels.c - `amt-verify tunnels`: the CIRA tunnels open now on the
 * listeners writing to the store, and the local relay port of each port
 * the device forwarded (one line each, or one JSON object per line).
 *
 *   UUID HOST user USER since TIME 16992=127.0.0.1:41234 623=127.0.0.1:41235
 *   {"schema":1,"uuid":…,"host_name":…,"mps_user":…,"since":…,"source":…,
 *    "ports":{"16992":"127.0.0.1:41234",…}}
 *
 * Must not: write to the store (opened read-only).
 */
#include <stdio.h>
#include <string.h>

#include "cliopt.h"
#include "store.h"
#include "verify.h"

struct tunnels_out {
	bool json;
	unsigned long n;
	bool failed;
};

static int print_tunnel(void *arg, const struct store_tunnel *t)
{
	struct tunnels_out *o = arg;
	json_t *ports = json_loads(t->ports, 0, NULL);
	const char *key;
	json_t *v;

	if (!json_is_object(ports)) {
		json_decref(ports);
		ports = json_object();
	}
	o->n++;
	if (o->json) {
		json_t *obj = json_pack("{s:i, s:s, s:s?, s:s?, s:s, s:s?, s:O}", "schema", 1, "uuid",
					t->uuid, "host_name", t->host_name, "mps_user", t->mps_user,
					"since", t->since, "source", t->source, "ports", ports);
		if (!obj || json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0)
			o->failed = true;
		putchar('\n');
		json_decref(obj);
	} else {
		printf("%s %s user %s since %s", t->uuid,
		       t->host_name && t->host_name[0] ? t->host_name : "-",
		       t->mps_user && t->mps_user[0] ? t->mps_user : "-", t->since);
		json_object_foreach(ports, key, v)
			printf(" %s=%s", key, json_string_value(v) ? json_string_value(v) : "?");
		putchar('\n');
	}
	json_decref(ports);
	return 0;
}

enum { O_DB, O_JSON };

static const struct cliopt tunnels_opts[] = {
	[O_DB] = {"db", 0, "PATH",
		  "the store the listeners write to (default " STORE_DEFAULT_PATH ")", 0},
	[O_JSON] = {"json", 0, NULL, "one JSON object per line", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd tunnels_cli = {
	.prog = VERIFY_PROG,
	.name = "tunnels",
	.opts = tunnels_opts,
	.description = "List the CIRA tunnels open now on 'amt-verify listen --mps' (the listeners\n"
		       "writing to --db): device UUID, AMT host name, MPS user, connected since,\n"
		       "and for each port the device forwarded the local relay port a\n"
		       "technician's tool connects to.\n",
	.footer = "Exit 0 (also when none is open), 2 usage or store error.\n",
};

int cmd_tunnels(int argc, char **argv)
{
	struct tunnels_out o = {0};
	const char *db = STORE_DEFAULT_PATH;
	struct store *st = NULL;
	struct cliopt_result r;
	char err[512];

	int ps = cliopt_parse(&tunnels_cli, argc, argv, &r, stdout, stderr);
	if (ps != CLIOPT_OK)
		return ps == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	if (cliopt_seen(&r, O_DB))
		db = cliopt_value(&r, O_DB);
	o.json = cliopt_seen(&r, O_JSON);
	if (store_open(db, STORE_READONLY, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s tunnels: %s\n", VERIFY_PROG, err);
		return VERIFY_EXIT_USAGE;
	}
	if (store_tunnels_list(st, print_tunnel, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s tunnels: %s\n", VERIFY_PROG, err);
		store_close(st);
		return VERIFY_EXIT_USAGE;
	}
	store_close(st);
	if (fflush(stdout) != 0 || o.failed) {
		fprintf(stderr, "%s tunnels: cannot write to stdout\n", VERIFY_PROG);
		return VERIFY_EXIT_USAGE;
	}
	return VERIFY_EXIT_OK;
}
