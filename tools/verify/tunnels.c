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
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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

static void tunnels_usage(FILE *f)
{
	fprintf(f,
		"usage: amt-verify tunnels [--db PATH] [--json]\n\n"
		"List the CIRA tunnels open now on 'amt-verify listen --mps' (the listeners\n"
		"writing to --db, default %s): device UUID, AMT host name, MPS user,\n"
		"connected since, and for each port the device forwarded the local relay\n"
		"port a technician's tool connects to. --json: one object per line.\n"
		"Exit 0 (also when none is open), 2 usage or store error.\n",
		STORE_DEFAULT_PATH);
}

int cmd_tunnels(int argc, char **argv)
{
	static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct tunnels_out o = {0};
	const char *db = STORE_DEFAULT_PATH;
	struct store *st = NULL;
	char err[512];
	int c;

	optind = 0; /* 0: glibc rescans afresh (main stopped at the command with "+") */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'j': o.json = true; break;
		case 'h': tunnels_usage(stdout); return VERIFY_EXIT_OK;
		default:
			fprintf(stderr, "%s tunnels: run 'amt-verify tunnels --help' for the options\n",
				VERIFY_PROG);
			return VERIFY_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s tunnels: unexpected argument \"%s\"\n", VERIFY_PROG, argv[optind]);
		return VERIFY_EXIT_USAGE;
	}
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
