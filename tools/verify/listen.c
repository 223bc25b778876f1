/*
 * listen.c - `amt-verify listen`: options, the store, one libevent loop with
 * the hello receiver and/or the MPS, the readiness line, and a clean stop on
 * SIGTERM/SIGINT (listeners closed, tunnels told DISCONNECT, store closed,
 * exit 0).
 * Must not: parse protocols or handle connections (listen_hello.c,
 * listen_mps.c do); take secrets from the command line.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "listen.h"
#include "log.h"

struct listen_opts {
	const char *hello, *mps, *cert, *key, *user, *password_file, *db;
	bool json;
	unsigned long max_tunnel_s, max_connections;
};

struct listen_run {
	struct listen_ctx ctx;
	struct sockaddr_storage hello_sa, mps_sa;
	socklen_t hello_salen, mps_salen;
	struct hello_server *hello;
	struct mps_server *mps;
	struct event *sigterm, *sigint;
	uint8_t *password;
	size_t password_len;
};

static void listen_usage(FILE *f)
{
	fprintf(f,
		"usage: amt-verify listen [--hello ADDR[:PORT]] [--mps ADDR[:PORT]]\n"
		"                         [--tls-cert FILE --tls-key FILE]\n"
		"                         [--mps-user NAME --mps-password-file FILE]\n"
		"                         [--db PATH] [--json] [--max-tunnel-seconds N]\n"
		"                         [--max-connections N]\n\n"
		"Receive provisioning hello packets (plain TCP) and user-initiated CIRA\n"
		"connections (an MPS over TLS), record each as an event in the store, and\n"
		"print it. Runs until SIGTERM or SIGINT.\n\n"
		"  --hello ADDR[:PORT]        hello receiver (default port %u)\n"
		"  --mps ADDR[:PORT]          MPS for CIRA tunnels (default port %u); needs\n"
		"                             the four options below\n"
		"  --tls-cert FILE            PEM certificate chain of the MPS\n"
		"  --tls-key FILE             its PEM private key\n"
		"  --mps-user NAME            the user name devices must present\n"
		"  --mps-password-file FILE   their password (first line; the file must not\n"
		"                             be readable by other users)\n"
		"  --db PATH                  event store (default %s)\n"
		"  --json                     one JSON object per event on stdout\n"
		"  --max-tunnel-seconds N     disconnect tunnels after N s (default 0: never)\n"
		"  --max-connections N        open connections at once (default %u)\n\n"
		"ADDR is an IP address (0.0.0.0 or empty: all IPv4 interfaces; [::] for IPv6);\n"
		"PORT 0 picks a free port. The line \"amt-verify: ready: ...\" (stdout, or\n"
		"stderr with --json) names the bound addresses once connections are accepted.\n",
		LISTEN_DEFAULT_HELLO_PORT, LISTEN_DEFAULT_MPS_PORT, STORE_DEFAULT_PATH,
		LISTEN_DEFAULT_MAX_CONNECTIONS);
}

/* 0, 1 (--help printed), or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct listen_opts *o)
{
	enum { O_HELLO = 256, O_MPS, O_CERT, O_KEY, O_USER, O_PWFILE, O_DB, O_JSON, O_TUNNEL,
	       O_MAXCONN, O_HELP };
	static const struct option opts[] = {
		{"hello", required_argument, NULL, O_HELLO},
		{"mps", required_argument, NULL, O_MPS},
		{"tls-cert", required_argument, NULL, O_CERT},
		{"tls-key", required_argument, NULL, O_KEY},
		{"mps-user", required_argument, NULL, O_USER},
		{"mps-password-file", required_argument, NULL, O_PWFILE},
		{"db", required_argument, NULL, O_DB},
		{"json", no_argument, NULL, O_JSON},
		{"max-tunnel-seconds", required_argument, NULL, O_TUNNEL},
		{"max-connections", required_argument, NULL, O_MAXCONN},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0}};
	const char *missing[4];
	size_t nmissing = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_HELLO: o->hello = optarg; break;
		case O_MPS: o->mps = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_USER: o->user = optarg; break;
		case O_PWFILE: o->password_file = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_JSON: o->json = true; break;
		case O_TUNNEL:
			if (verify_parse_ulong(optarg, 0, 31536000, &o->max_tunnel_s) != 0) {
				fprintf(stderr, "%s listen: --max-tunnel-seconds \"%s\": expected "
						"0..31536000 seconds\n", VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_MAXCONN:
			if (verify_parse_ulong(optarg, 1, 65536, &o->max_connections) != 0) {
				fprintf(stderr, "%s listen: --max-connections \"%s\": expected 1..65536\n",
					VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_HELP:
			listen_usage(stdout);
			return 1;
		default:
			fprintf(stderr, "%s listen: run 'amt-verify listen --help' for the options\n",
				VERIFY_PROG);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s listen: unexpected argument \"%s\" — run 'amt-verify listen "
				"--help'\n", VERIFY_PROG, argv[optind]);
		return -1;
	}
	if (!o->hello && !o->mps) {
		fprintf(stderr, "%s listen: nothing to listen on — pass --hello ADDR[:PORT] and/or "
				"--mps ADDR[:PORT]\n", VERIFY_PROG);
		return -1;
	}
	if (o->mps) {
		if (!o->cert)
			missing[nmissing++] = "--tls-cert";
		if (!o->key)
			missing[nmissing++] = "--tls-key";
		if (!o->user)
			missing[nmissing++] = "--mps-user";
		if (!o->password_file)
			missing[nmissing++] = "--mps-password-file";
		if (nmissing) {
			fprintf(stderr, "%s listen: --mps needs", VERIFY_PROG);
			for (size_t i = 0; i < nmissing; i++)
				fprintf(stderr, "%s %s", i ? "," : "", missing[i]);
			fprintf(stderr, " — the MPS presents a certificate and checks the device's "
					"user and password\n");
			return -1;
		}
	} else if (o->cert || o->key || o->user || o->password_file) {
		fprintf(stderr, "%s listen: --tls-cert, --tls-key, --mps-user and "
				"--mps-password-file only apply with --mps\n", VERIFY_PROG);
		return -1;
	}
	return 0;
}

static void stop(struct listen_run *run, int sig)
{
	struct listen_ctx *ctx = &run->ctx;
	struct listen_conn *c, *next;

	if (ctx->stopping) {
		log_warn("second signal %d: closing now", sig);
		event_base_loopbreak(ctx->base);
		return;
	}
	log_info("signal %d: stopping (%u connection(s) open)", sig, ctx->active);
	ctx->stopping = true;
	/* Stop accepting; the servers themselves live until their connections
	 * are gone (after the loop). */
	hello_server_stop(run->hello);
	mps_server_stop(run->mps);
	for (c = ctx->conns; c; c = next) {
		next = c->next;
		c->shutdown(c);
	}
	if (ctx->active == 0)
		event_base_loopbreak(ctx->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	stop(arg, (int)sig);
}

static int start(struct listen_run *run, const struct listen_opts *o, char *ready, size_t cap)
{
	char bound[80], err[512];
	int ex = VERIFY_EXIT_OK;
	size_t n = 0;

	if (o->hello) {
		if (hello_server_new(&run->ctx, (struct sockaddr *)&run->hello_sa, run->hello_salen,
				     &run->hello, bound, sizeof(bound), err, sizeof(err), &ex) != 0) {
			fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, err);
			return ex;
		}
		n += (size_t)snprintf(ready + n, cap - n, "hello on %s", bound);
	}
	if (o->mps) {
		struct mps_server_cfg cfg = {.cert_file = o->cert, .key_file = o->key,
					     .user = o->user, .password = run->password,
					     .password_len = run->password_len};
		if (mps_server_new(&run->ctx, (struct sockaddr *)&run->mps_sa, run->mps_salen, &cfg,
				   &run->mps, bound, sizeof(bound), err, sizeof(err), &ex) != 0) {
			fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, err);
			return ex;
		}
		if (n < cap)
			n += (size_t)snprintf(ready + n, cap - n, "%smps (TLS) on %s",
					      n ? ", " : "", bound);
	}
	return VERIFY_EXIT_OK;
}

int cmd_listen(int argc, char **argv)
{
	struct listen_opts o = {.db = STORE_DEFAULT_PATH,
				.max_connections = LISTEN_DEFAULT_MAX_CONNECTIONS};
	struct listen_run run = {0};
	char err[512], ready[256] = "";
	int ex = VERIFY_EXIT_USAGE, r;

	r = parse_args(argc, argv, &o);
	if (r != 0)
		return r > 0 ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	run.ctx.json = o.json;
	run.ctx.lim = LISTEN_LIMITS_DEFAULT;
	run.ctx.lim.max_connections = (unsigned)o.max_connections;
	run.ctx.lim.max_tunnel_s = (unsigned)o.max_tunnel_s;
	signal(SIGPIPE, SIG_IGN);

	/* Every usage error before anything touches the disk or the network. */
	if (o.hello && verify_parse_listen_addr(o.hello, LISTEN_DEFAULT_HELLO_PORT, &run.hello_sa,
						&run.hello_salen, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --hello %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.mps && verify_parse_listen_addr(o.mps, LISTEN_DEFAULT_MPS_PORT, &run.mps_sa,
					      &run.mps_salen, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --mps %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.password_file &&
	    verify_read_secret(o.password_file, &run.password, &run.password_len, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --mps-password-file: %s\n", VERIFY_PROG, err);
		goto out;
	}
	run.ctx.base = event_base_new();
	if (!run.ctx.base) {
		fprintf(stderr, "%s listen: cannot create the event loop — out of memory?\n",
			VERIFY_PROG);
		ex = VERIFY_EXIT_NETWORK;
		goto out;
	}
	/* Bind first (nothing is accepted before the loop runs), so a busy port
	 * or a bad certificate leaves no store file behind. */
	ex = start(&run, &o, ready, sizeof(ready));
	if (ex != VERIFY_EXIT_OK)
		goto out;
	if (store_open(o.db, STORE_CREATE, &run.ctx.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: cannot open the event store: %s\n", VERIFY_PROG, err);
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	run.sigterm = evsignal_new(run.ctx.base, SIGTERM, on_signal, &run);
	run.sigint = evsignal_new(run.ctx.base, SIGINT, on_signal, &run);
	if (!run.sigterm || !run.sigint || evsignal_add(run.sigterm, NULL) != 0 ||
	    evsignal_add(run.sigint, NULL) != 0) {
		fprintf(stderr, "%s listen: cannot install signal handlers\n", VERIFY_PROG);
		ex = VERIFY_EXIT_NETWORK;
		goto out;
	}
	fprintf(o.json ? stderr : stdout, "%s: ready: %s; events in %s\n", VERIFY_PROG, ready,
		o.db);
	fflush(o.json ? stderr : stdout);

	if (event_base_dispatch(run.ctx.base) < 0) {
		fprintf(stderr, "%s listen: the event loop failed\n", VERIFY_PROG);
		ex = VERIFY_EXIT_NETWORK;
		goto out;
	}
	log_info("stopped");
	ex = VERIFY_EXIT_OK;
out:
	run.ctx.stopping = true;
	hello_server_stop(run.hello);
	mps_server_stop(run.mps);
	while (run.ctx.conns)
		run.ctx.conns->destroy(run.ctx.conns);
	hello_server_free(run.hello);
	mps_server_free(run.mps);
	if (run.sigterm)
		event_free(run.sigterm);
	if (run.sigint)
		event_free(run.sigint);
	if (run.ctx.base)
		event_base_free(run.ctx.base);
	store_close(run.ctx.store);
	verify_secret_free(run.password, run.password_len);
	return ex;
}
