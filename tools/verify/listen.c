/*
 * listen.c - `amt-verify listen`: options, the store, one libevent loop with
 * any of the hello receiver, the MPS and the agent-report receiver, the
 * readiness line, and a clean stop on SIGTERM/SIGINT (listeners closed,
 * tunnels told DISCONNECT, answers being written let out, store closed,
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
#include "listen_rate.h"
#include "listen_verify.h"
#include "log.h"
#include "wsman.h"

struct listen_opts {
	const char *hello, *mps, *reports, *cert, *key, *user, *password_file, *db;
	const char *client_ca, *token_file;
	bool json;
	unsigned long max_tunnel_s;
	/* --max-connections sets all three; a receiver's own option wins. */
	unsigned long max_connections, max_hello, max_mps, max_reports;
	unsigned long hello_per_source, hello_per_uuid;
	/* relays and verify-on-connect (--mps) */
	const char *relay_bind, *device_user, *device_password_file, *device_ca_file;
	unsigned long relay_port_low, relay_port_high, max_channels, max_relays, open_timeout_s;
	int verify_on_connect; /* -1: default (on with --device-password-file) */
};

struct listen_run {
	struct listen_ctx ctx;
	struct sockaddr_storage hello_sa, mps_sa, reports_sa;
	socklen_t hello_salen, mps_salen, reports_salen;
	struct hello_server *hello;
	struct mps_server *mps;
	struct reports_server *reports;
	struct event *sigterm, *sigint;
	uint8_t *password, *token, *device_password;
	size_t password_len, token_len, device_password_len;
	struct sockaddr_storage relay_sa;
	socklen_t relay_salen;
	struct listen_verifier *verifier;
	bool wsman_init;
};

static void listen_usage(FILE *f)
{
	fprintf(f,
		"usage: amt-verify listen [--hello ADDR[:PORT]] [--mps ADDR[:PORT]]\n"
		"                         [--reports ADDR[:PORT]]\n"
		"                         [--tls-cert FILE --tls-key FILE]\n"
		"                         [--mps-user NAME --mps-password-file FILE]\n"
		"                         [--client-ca FILE] [--token-file FILE]\n"
		"                         [--db PATH] [--json] [--max-tunnel-seconds N]\n"
		"                         [--max-connections N] [--max-hello-connections N]\n"
		"                         [--max-mps-connections N]\n"
		"                         [--max-reports-connections N]\n"
		"                         [--hello-per-source N] [--hello-per-uuid N]\n"
		"                         [--relay-bind ADDR] [--relay-ports LOW-HIGH]\n"
		"                         [--max-channels-per-tunnel N]\n"
		"                         [--max-relay-connections N] [--channel-open-timeout S]\n"
		"                         [--device-user U] [--device-password-file F]\n"
		"                         [--device-ca-file F]\n"
		"                         [--verify-on-connect | --no-verify-on-connect]\n\n"
		"Receive provisioning hello packets (plain TCP), user-initiated CIRA\n"
		"connections (an MPS over TLS) and agent reports (HTTPS POST), record each\n"
		"as an event in the store, and print it. Runs until SIGTERM or SIGINT.\n\n"
		"  --hello ADDR[:PORT]        hello receiver (default port %u)\n"
		"  --mps ADDR[:PORT]          MPS for CIRA tunnels (default port %u); needs\n"
		"                             --tls-cert, --tls-key, --mps-user and\n"
		"                             --mps-password-file\n"
		"  --reports ADDR[:PORT]      HTTPS receiver of agent reports (default port\n"
		"                             %u; POST to / or /reports); needs --tls-cert\n"
		"                             and --tls-key\n"
		"  --tls-cert FILE            PEM certificate chain of the MPS and the report\n"
		"                             receiver\n"
		"  --tls-key FILE             its PEM private key\n"
		"  --mps-user NAME            the user name devices must present\n"
		"  --mps-password-file FILE   their password (first line; the file must not\n"
		"                             be readable by other users)\n"
		"  --client-ca FILE           reports: require a client certificate signed\n"
		"                             by this CA (PEM)\n"
		"  --token-file FILE          reports: require \"Authorization: Bearer\" with\n"
		"                             this token (same file rules as the password)\n"
		"  --db PATH                  event store (default %s)\n"
		"  --json                     one JSON object per event on stdout\n"
		"  --max-tunnel-seconds N     disconnect tunnels after N s (default 0: never)\n"
		"  --max-connections N        set the three limits below at once\n"
		"  --max-hello-connections N  hello connections open at once (default %u)\n"
		"  --max-mps-connections N    MPS connections and tunnels open at once\n"
		"                             (default %u)\n"
		"  --max-reports-connections N\n"
		"                             report connections open at once (default %u)\n"
		"Each receiver has its own limit, so a flood on one leaves the others\n"
		"working.\n"
		"  --hello-per-source N       hello connections a minute from one address\n"
		"                             (an IPv6 /64), more are closed (default %u;\n"
		"                             0: no limit)\n"
		"  --hello-per-uuid N         hellos stored a minute from one device UUID,\n"
		"                             more are dropped (default %u; 0: no limit)\n"
		"Relays (with --mps): every port a connected device forwarded is relayed\n"
		"on a local port, one APF channel per accepted connection; 'amt-verify\n"
		"tunnels' lists them.\n"
		"  --relay-bind ADDR          address of the relay ports (default 127.0.0.1)\n"
		"  --relay-ports LOW-HIGH     take relay ports from this range (default: any\n"
		"                             free port)\n"
		"  --max-channels-per-tunnel N\n"
		"                             relayed connections at once per tunnel\n"
		"                             (default %u)\n"
		"  --max-relay-connections N  relayed connections at once, all tunnels\n"
		"                             (default %u)\n"
		"  --channel-open-timeout S   a device that leaves a CHANNEL_OPEN unanswered\n"
		"                             this long is disconnected (default 20)\n"
		"  --device-user U            AMT user for verify-on-connect (default admin)\n"
		"  --device-password-file F   its password; turns verify-on-connect on\n"
		"  --device-ca-file F         trust for AMT's certificate when only 16993 is\n"
		"                             forwarded\n"
		"  --verify-on-connect        read AMT_GeneralSettings and\n"
		"                             CIM_SoftwareIdentity through each new tunnel\n"
		"                             (cira_verified / cira_verify_failed); the\n"
		"                             default when --device-password-file is given\n"
		"  --no-verify-on-connect     do not\n\n"
		"ADDR is an IP address (0.0.0.0 or empty: all IPv4 interfaces; [::] for IPv6);\n"
		"PORT 0 picks a free port. The line \"amt-verify: ready: ...\" (stdout, or\n"
		"stderr with --json) names the bound addresses once connections are accepted.\n",
		LISTEN_DEFAULT_HELLO_PORT, LISTEN_DEFAULT_MPS_PORT, LISTEN_DEFAULT_REPORTS_PORT,
		STORE_DEFAULT_PATH, LISTEN_DEFAULT_MAX_HELLO, LISTEN_DEFAULT_MAX_MPS,
		LISTEN_DEFAULT_MAX_REPORTS, LISTEN_DEFAULT_HELLO_PER_SOURCE,
		LISTEN_DEFAULT_HELLO_PER_UUID, LISTEN_DEFAULT_MAX_CHANNELS,
		LISTEN_DEFAULT_MAX_RELAYS);
}

/* "LOW-HIGH", 1 <= LOW <= HIGH <= 65535. */
static int parse_range(const char *s, unsigned long *lo, unsigned long *hi)
{
	char a[8];
	const char *dash = strchr(s, '-');

	if (!dash || (size_t)(dash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (verify_parse_ulong(a, 1, 65535, lo) != 0 || verify_parse_ulong(dash + 1, 1, 65535, hi) != 0)
		return -1;
	return *lo <= *hi ? 0 : -1;
}

/* 0, 1 (--help printed), or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct listen_opts *o)
{
	enum { O_HELLO = 256, O_MPS, O_REPORTS, O_CERT, O_KEY, O_USER, O_PWFILE, O_CLIENT_CA,
	       O_TOKEN, O_DB, O_JSON, O_TUNNEL, O_MAXCONN, O_MAXHELLO, O_MAXMPS, O_MAXREPORTS,
	       O_PERSOURCE, O_PERUUID, O_RELAY_BIND, O_RELAY_PORTS, O_MAXCHAN, O_MAXRELAYS,
	       O_DEV_USER, O_DEV_PWFILE, O_DEV_CA, O_VERIFY, O_NOVERIFY, O_OPEN_TIMEOUT, O_HELP };
	static const struct option opts[] = {
		{"hello", required_argument, NULL, O_HELLO},
		{"mps", required_argument, NULL, O_MPS},
		{"reports", required_argument, NULL, O_REPORTS},
		{"client-ca", required_argument, NULL, O_CLIENT_CA},
		{"token-file", required_argument, NULL, O_TOKEN},
		{"tls-cert", required_argument, NULL, O_CERT},
		{"tls-key", required_argument, NULL, O_KEY},
		{"mps-user", required_argument, NULL, O_USER},
		{"mps-password-file", required_argument, NULL, O_PWFILE},
		{"db", required_argument, NULL, O_DB},
		{"json", no_argument, NULL, O_JSON},
		{"max-tunnel-seconds", required_argument, NULL, O_TUNNEL},
		{"max-connections", required_argument, NULL, O_MAXCONN},
		{"max-hello-connections", required_argument, NULL, O_MAXHELLO},
		{"max-mps-connections", required_argument, NULL, O_MAXMPS},
		{"max-reports-connections", required_argument, NULL, O_MAXREPORTS},
		{"hello-per-source", required_argument, NULL, O_PERSOURCE},
		{"hello-per-uuid", required_argument, NULL, O_PERUUID},
		{"relay-bind", required_argument, NULL, O_RELAY_BIND},
		{"relay-ports", required_argument, NULL, O_RELAY_PORTS},
		{"max-channels-per-tunnel", required_argument, NULL, O_MAXCHAN},
		{"max-relay-connections", required_argument, NULL, O_MAXRELAYS},
		{"channel-open-timeout", required_argument, NULL, O_OPEN_TIMEOUT},
		{"device-user", required_argument, NULL, O_DEV_USER},
		{"device-password-file", required_argument, NULL, O_DEV_PWFILE},
		{"device-ca-file", required_argument, NULL, O_DEV_CA},
		{"verify-on-connect", no_argument, NULL, O_VERIFY},
		{"no-verify-on-connect", no_argument, NULL, O_NOVERIFY},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0}};
	const char *missing[4];
	size_t nmissing = 0;
	int c;

	optind = 0; /* 0: glibc rescans afresh (main stopped at the command with "+") */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_HELLO: o->hello = optarg; break;
		case O_MPS: o->mps = optarg; break;
		case O_REPORTS: o->reports = optarg; break;
		case O_CLIENT_CA: o->client_ca = optarg; break;
		case O_TOKEN: o->token_file = optarg; break;
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
		case O_MAXHELLO:
		case O_MAXMPS:
		case O_MAXREPORTS: {
			unsigned long *v = c == O_MAXCONN    ? &o->max_connections
					   : c == O_MAXHELLO ? &o->max_hello
					   : c == O_MAXMPS   ? &o->max_mps
							     : &o->max_reports;
			const char *name = c == O_MAXCONN    ? "connections"
					   : c == O_MAXHELLO ? "hello-connections"
					   : c == O_MAXMPS   ? "mps-connections"
							     : "reports-connections";
			if (verify_parse_ulong(optarg, 1, 65536, v) != 0) {
				fprintf(stderr, "%s listen: --max-%s \"%s\": expected 1..65536\n",
					VERIFY_PROG, name, optarg);
				return -1;
			}
			break;
		}
		case O_PERSOURCE:
		case O_PERUUID:
			if (verify_parse_ulong(optarg, 0, LISTEN_RATE_MAX_PER_MINUTE,
					       c == O_PERSOURCE ? &o->hello_per_source
								: &o->hello_per_uuid) != 0) {
				fprintf(stderr, "%s listen: --hello-per-%s \"%s\": expected 0..%u a "
						"minute (0: no limit)\n",
					VERIFY_PROG, c == O_PERSOURCE ? "source" : "uuid", optarg,
					LISTEN_RATE_MAX_PER_MINUTE);
				return -1;
			}
			break;
		case O_RELAY_BIND: o->relay_bind = optarg; break;
		case O_RELAY_PORTS:
			if (parse_range(optarg, &o->relay_port_low, &o->relay_port_high) != 0) {
				fprintf(stderr, "%s listen: --relay-ports \"%s\": expected LOW-HIGH, "
						"1 <= LOW <= HIGH <= 65535\n", VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_MAXCHAN:
			if (verify_parse_ulong(optarg, 1, 1024, &o->max_channels) != 0) {
				fprintf(stderr, "%s listen: --max-channels-per-tunnel \"%s\": expected "
						"1..1024\n", VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_MAXRELAYS:
			if (verify_parse_ulong(optarg, 1, 65536, &o->max_relays) != 0) {
				fprintf(stderr, "%s listen: --max-relay-connections \"%s\": expected "
						"1..65536\n", VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_OPEN_TIMEOUT:
			if (verify_parse_ulong(optarg, 1, 600, &o->open_timeout_s) != 0) {
				fprintf(stderr, "%s listen: --channel-open-timeout \"%s\": expected "
						"1..600 seconds\n", VERIFY_PROG, optarg);
				return -1;
			}
			break;
		case O_DEV_USER: o->device_user = optarg; break;
		case O_DEV_PWFILE: o->device_password_file = optarg; break;
		case O_DEV_CA: o->device_ca_file = optarg; break;
		case O_VERIFY: o->verify_on_connect = 1; break;
		case O_NOVERIFY: o->verify_on_connect = 0; break;
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
	if (!o->hello && !o->mps && !o->reports) {
		fprintf(stderr, "%s listen: nothing to listen on — pass --hello, --mps and/or "
				"--reports ADDR[:PORT]\n", VERIFY_PROG);
		return -1;
	}
	if (o->mps || o->reports) {
		if (!o->cert)
			missing[nmissing++] = "--tls-cert";
		if (!o->key)
			missing[nmissing++] = "--tls-key";
	}
	if (o->mps) {
		if (!o->user)
			missing[nmissing++] = "--mps-user";
		if (!o->password_file)
			missing[nmissing++] = "--mps-password-file";
	}
	if (nmissing) {
		fprintf(stderr, "%s listen: %s needs", VERIFY_PROG,
			o->mps ? "--mps" : "--reports");
		for (size_t i = 0; i < nmissing; i++)
			fprintf(stderr, "%s %s", i ? "," : "", missing[i]);
		fprintf(stderr, " — %s\n",
			o->mps ? "the MPS presents a certificate and checks the device's user and "
				 "password"
			       : "the report receiver presents a certificate (HTTPS)");
		return -1;
	}
	if (!o->mps && !o->reports && (o->cert || o->key)) {
		fprintf(stderr, "%s listen: --tls-cert and --tls-key only apply with --mps or "
				"--reports\n", VERIFY_PROG);
		return -1;
	}
	if (!o->mps && (o->user || o->password_file)) {
		fprintf(stderr, "%s listen: --mps-user and --mps-password-file only apply with "
				"--mps\n", VERIFY_PROG);
		return -1;
	}
	if (!o->mps && (o->relay_bind || o->relay_port_low || o->max_channels || o->max_relays ||
			o->open_timeout_s ||
			o->device_user || o->device_password_file || o->device_ca_file ||
			o->verify_on_connect >= 0)) {
		fprintf(stderr, "%s listen: the relay and --device-* options only apply with "
				"--mps\n", VERIFY_PROG);
		return -1;
	}
	if (o->verify_on_connect < 0)
		o->verify_on_connect = o->device_password_file != NULL;
	if (o->verify_on_connect && !o->device_password_file) {
		fprintf(stderr, "%s listen: --verify-on-connect needs --device-password-file (the "
				"AMT password; passwords never go on the command line)\n", VERIFY_PROG);
		return -1;
	}
	if (!o->reports && (o->client_ca || o->token_file)) {
		fprintf(stderr, "%s listen: --client-ca and --token-file only apply with "
				"--reports\n", VERIFY_PROG);
		return -1;
	}
	return 0;
}

static void stop(struct listen_run *run, int sig)
{
	struct listen_ctx *ctx = &run->ctx;
	struct listen_conn *c;

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
	reports_server_stop(run->reports);
	/* One at a time from the head: a shutdown may free other connections
	 * (a tunnel its relayed ones), so no pointer is kept across it. */
	for (;;) {
		for (c = ctx->conns; c && c->shutting; c = c->next)
			;
		if (!c)
			break;
		c->shutting = true;
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
					     .password_len = run->password_len,
					     .relay_sa = (const struct sockaddr *)&run->relay_sa,
					     .relay_salen = run->relay_salen,
					     .relay_port_low = (unsigned)o->relay_port_low,
					     .relay_port_high = (unsigned)o->relay_port_high,
					     .verifier = run->verifier};
		if (mps_server_new(&run->ctx, (struct sockaddr *)&run->mps_sa, run->mps_salen, &cfg,
				   &run->mps, bound, sizeof(bound), err, sizeof(err), &ex) != 0) {
			fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, err);
			return ex;
		}
		if (n < cap)
			n += (size_t)snprintf(ready + n, cap - n, "%smps (TLS) on %s",
					      n ? ", " : "", bound);
	}
	if (o->reports) {
		struct reports_server_cfg cfg = {.cert_file = o->cert, .key_file = o->key,
						 .client_ca = o->client_ca, .token = run->token,
						 .token_len = run->token_len};
		if (reports_server_new(&run->ctx, (struct sockaddr *)&run->reports_sa,
				       run->reports_salen, &cfg, &run->reports, bound, sizeof(bound),
				       err, sizeof(err), &ex) != 0) {
			fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, err);
			return ex;
		}
		if (n < cap)
			n += (size_t)snprintf(ready + n, cap - n, "%sreports (HTTPS) on %s",
					      n ? ", " : "", bound);
		if (!o->client_ca && !o->token_file)
			log_warn("reports: accepted from anyone who can connect — add --client-ca "
				 "and/or --token-file");
	}
	return VERIFY_EXIT_OK;
}

int cmd_listen(int argc, char **argv)
{
	struct listen_opts o = {.db = STORE_DEFAULT_PATH,
				.hello_per_source = LISTEN_DEFAULT_HELLO_PER_SOURCE,
				.hello_per_uuid = LISTEN_DEFAULT_HELLO_PER_UUID,
				.verify_on_connect = -1};
	struct listen_run run = {0};
	char err[512], ready[256] = "";
	int ex = VERIFY_EXIT_USAGE, r;

	r = parse_args(argc, argv, &o);
	if (r != 0)
		return r > 0 ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	run.ctx.json = o.json;
	run.ctx.lim = LISTEN_LIMITS_DEFAULT;
	if (o.max_connections)
		run.ctx.lim.max_hello = run.ctx.lim.max_mps = run.ctx.lim.max_reports =
			(unsigned)o.max_connections;
	if (o.max_hello)
		run.ctx.lim.max_hello = (unsigned)o.max_hello;
	if (o.max_mps)
		run.ctx.lim.max_mps = (unsigned)o.max_mps;
	if (o.max_reports)
		run.ctx.lim.max_reports = (unsigned)o.max_reports;
	run.ctx.lim.hello_per_source = (unsigned)o.hello_per_source;
	run.ctx.lim.hello_per_uuid = (unsigned)o.hello_per_uuid;
	run.ctx.lim.max_tunnel_s = (unsigned)o.max_tunnel_s;
	if (o.max_channels)
		run.ctx.lim.max_channels = (unsigned)o.max_channels;
	if (o.max_relays)
		run.ctx.lim.max_relays = (unsigned)o.max_relays;
	if (o.open_timeout_s)
		run.ctx.lim.open_timeout_s = (unsigned)o.open_timeout_s;
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
	if (o.reports && verify_parse_listen_addr(o.reports, LISTEN_DEFAULT_REPORTS_PORT,
						  &run.reports_sa, &run.reports_salen, err,
						  sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --reports %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.mps) {
		const char *rb = o.relay_bind ? o.relay_bind : "127.0.0.1";
		if (verify_parse_listen_addr(rb, 0, &run.relay_sa, &run.relay_salen, err,
					     sizeof(err)) != 0) {
			fprintf(stderr, "%s listen: --relay-bind %s\n", VERIFY_PROG, err);
			goto out;
		}
	}
	if (o.device_password_file &&
	    verify_read_secret(o.device_password_file, &run.device_password,
			       &run.device_password_len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --device-password-file: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.password_file &&
	    verify_read_secret(o.password_file, &run.password, &run.password_len, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --mps-password-file: %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.token_file) {
		if (verify_read_secret(o.token_file, &run.token, &run.token_len, err,
				       sizeof(err)) != 0) {
			fprintf(stderr, "%s listen: --token-file: %s\n", VERIFY_PROG, err);
			goto out;
		}
		/* The agent sends the file's first line without trailing blanks. */
		while (run.token_len && (run.token[run.token_len - 1] == ' ' ||
					 run.token[run.token_len - 1] == '\t' ||
					 run.token[run.token_len - 1] == '\r' ||
					 run.token[run.token_len - 1] == '\n'))
			run.token[--run.token_len] = '\0';
		if (run.token_len == 0) {
			fprintf(stderr, "%s listen: --token-file %s holds only blanks\n",
				VERIFY_PROG, o.token_file);
			goto out;
		}
	}
	listen_fit_fd_limit((o.hello ? run.ctx.lim.max_hello : 0) +
			    (o.mps ? run.ctx.lim.max_mps + run.ctx.lim.max_relays : 0) +
			    (o.reports ? run.ctx.lim.max_reports : 0));
	run.ctx.base = event_base_new();
	if (!run.ctx.base) {
		fprintf(stderr, "%s listen: cannot create the event loop — out of memory?\n",
			VERIFY_PROG);
		ex = VERIFY_EXIT_NETWORK;
		goto out;
	}
	if (o.verify_on_connect) {
		struct listen_verifier_cfg vc = {.user = o.device_user ? o.device_user : "admin",
						 .password = run.device_password,
						 .password_len = run.device_password_len,
						 .ca_file = o.device_ca_file,
						 .timeout_ms = 15000};
		wsman_global_init();
		run.wsman_init = true;
		run.verifier = listen_verifier_new(&run.ctx, &vc, err, sizeof(err));
		if (!run.verifier) {
			fprintf(stderr, "%s listen: verify-on-connect: %s\n", VERIFY_PROG, err);
			ex = VERIFY_EXIT_NETWORK;
			goto out;
		}
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
	/* rows a listener left behind when it died are not tunnels any more */
	r = store_tunnels_prune(run.ctx.store, err, sizeof(err));
	if (r < 0)
		log_warn("cannot clean up tunnels of stopped listeners: %s", err);
	else if (r > 0)
		log_info("%d tunnel(s) of a stopped listener removed from the store", r);
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
	reports_server_stop(run.reports);
	while (run.ctx.conns)
		run.ctx.conns->destroy(run.ctx.conns);
	hello_server_free(run.hello);
	mps_server_free(run.mps);
	reports_server_free(run.reports); /* before the store: no request runs now */
	listen_verifier_free(run.verifier); /* its events are on the loop's base */
	if (run.wsman_init)
		wsman_global_cleanup();
	if (run.sigterm)
		event_free(run.sigterm);
	if (run.sigint)
		event_free(run.sigint);
	if (run.ctx.base)
		event_base_free(run.ctx.base);
	store_close(run.ctx.store);
	verify_secret_free(run.password, run.password_len);
	verify_secret_free(run.token, VERIFY_SECRET_MAX + 1);
	verify_secret_free(run.device_password, run.device_password_len);
	return ex;
}
