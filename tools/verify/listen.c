// SPDX-License-Identifier: Apache-2.0
/*
 * listen.c - `amt-verify listen`: options, the store, one libevent loop with
 * any of the hello receiver, the MPS and the agent-report receiver, the
 * readiness line, and a clean stop on SIGTERM/SIGINT (listeners closed,
 * tunnels told DISCONNECT, answers being written let out, store closed,
 * exit 0).
 * Must not: parse protocols or handle connections (listen_hello.c,
 * listen_mps.c do); take secrets from the command line.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cliopt.h"
#include "event_engine.h"
#include "listen.h"
#include "listen_rate.h"
#include "listen_verify.h"
#include "log.h"
#include "wsman.h"

struct listen_opts {
	const char *hello, *mps, *reports, *cert, *key, *user, *password_file, *db;
	const char *client_ca, *token_file;
	const char *events, *notify_user, *notify_password_file;
	struct engine_rule rules[ENGINE_RULES_MAX];
	size_t nrules;
	unsigned long on_event_timeout, on_event_max;
	bool json;
	unsigned long max_tunnel_s;
	/* --max-connections sets all three; a receiver's own option wins. */
	unsigned long max_connections, max_hello, max_mps, max_reports;
	unsigned long hello_per_source, hello_per_uuid;
	bool proxy;
	/* relays and verify-on-connect (--mps) */
	const char *relay_bind, *device_user, *device_password_file, *device_ca_file;
	unsigned long relay_port_low, relay_port_high, max_channels, max_relays, open_timeout_s;
	int verify_on_connect; /* -1: default (on with --device-password-file) */
};

struct listen_run {
	struct listen_ctx ctx;
	struct sockaddr_storage hello_sa, mps_sa, reports_sa, events_sa;
	socklen_t hello_salen, mps_salen, reports_salen, events_salen;
	struct hello_server *hello;
	struct mps_server *mps;
	struct reports_server *reports;
	struct events_server *events;
	struct engine *engine;
	struct event *sigterm, *sigint;
	uint8_t *password, *token, *device_password, *notify_password;
	size_t password_len, token_len, device_password_len, notify_password_len;
	struct sockaddr_storage relay_sa;
	socklen_t relay_salen;
	struct listen_verifier *verifier;
	bool wsman_init;
};

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

enum { O_HELLO, O_MPS, O_REPORTS, O_CERT, O_KEY, O_USER, O_PWFILE, O_CLIENT_CA, O_TOKEN, O_DB,
       O_JSON, O_TUNNEL, O_MAXCONN, O_MAXHELLO, O_MAXMPS, O_MAXREPORTS, O_PERSOURCE, O_PERUUID,
       O_RELAY_BIND, O_RELAY_PORTS, O_MAXCHAN, O_MAXRELAYS, O_OPEN_TIMEOUT, O_DEV_USER,
       O_DEV_PWFILE, O_DEV_CA, O_VERIFY, O_NOVERIFY, O_EVENTS, O_NUSER, O_NPW, O_ONEVENT,
       O_ONTIMEOUT, O_ONMAX, O_PROXY };

/* 0, 1 (--help printed), or -1 (usage error printed). */
static int parse_args(int argc, char **argv, struct listen_opts *o)
{
	char hello[64], mps[64], reports[80], db[64], maxhello[64], maxmps[80], maxreports[64],
		persource[128], peruuid[96], maxchan[64], maxrelays[80], events[96], ontimeout[64],
		onmax[64];
	snprintf(events, sizeof(events),
		 "receiver of AMT's WS-Events (default port %u): HTTP, HTTPS with --tls-cert",
		 LISTEN_DEFAULT_EVENTS_PORT);
	snprintf(ontimeout, sizeof(ontimeout), "a program's time limit (default %u)",
		 ENGINE_DEFAULT_TIMEOUT_S);
	snprintf(onmax, sizeof(onmax), "programs running at once (default %u)",
		 ENGINE_DEFAULT_MAX_RUNNING);
	snprintf(hello, sizeof(hello), "hello receiver (default port %u)", LISTEN_DEFAULT_HELLO_PORT);
	snprintf(mps, sizeof(mps), "MPS for CIRA tunnels (default port %u)",
		 LISTEN_DEFAULT_MPS_PORT);
	snprintf(reports, sizeof(reports),
		 "HTTPS receiver of agent reports (default port %u; POST to / or /reports)",
		 LISTEN_DEFAULT_REPORTS_PORT);
	snprintf(db, sizeof(db), "event store (default %s)", STORE_DEFAULT_PATH);
	snprintf(maxhello, sizeof(maxhello), "hello connections open at once (default %u)",
		 LISTEN_DEFAULT_MAX_HELLO);
	snprintf(maxmps, sizeof(maxmps), "MPS connections and tunnels open at once (default %u)",
		 LISTEN_DEFAULT_MAX_MPS);
	snprintf(maxreports, sizeof(maxreports), "report connections open at once (default %u)",
		 LISTEN_DEFAULT_MAX_REPORTS);
	snprintf(persource, sizeof(persource),
		 "hello connections a minute from one address (an IPv6 /64), more are closed "
		 "(default %u; 0: no limit)",
		 LISTEN_DEFAULT_HELLO_PER_SOURCE);
	snprintf(peruuid, sizeof(peruuid),
		 "hellos stored a minute from one device UUID, more are dropped (default %u; 0: no "
		 "limit)",
		 LISTEN_DEFAULT_HELLO_PER_UUID);
	snprintf(maxchan, sizeof(maxchan), "relayed connections at once per tunnel (default %u)",
		 LISTEN_DEFAULT_MAX_CHANNELS);
	snprintf(maxrelays, sizeof(maxrelays),
		 "relayed connections at once, all tunnels (default %u)", LISTEN_DEFAULT_MAX_RELAYS);
	const struct cliopt opts[] = {
		[O_HELLO] = {"hello", 0, "ADDR[:PORT]", hello, 0},
		[O_MPS] = {"mps", 0, "ADDR[:PORT]", mps, 0},
		[O_REPORTS] = {"reports", 0, "ADDR[:PORT]", reports, 0},
		[O_CERT] = {"tls-cert", 0, "FILE",
			    "PEM certificate chain of the MPS and the report receiver", 0},
		[O_KEY] = {"tls-key", 0, "FILE", "its PEM private key", 0},
		[O_USER] = {"mps-user", 0, "NAME", "the user name devices must present", 0},
		[O_PWFILE] = {"mps-password-file", 0, "FILE",
			      "their password (first line; the file must not be readable by other "
			      "users)",
			      0},
		[O_CLIENT_CA] = {"client-ca", 0, "FILE",
				 "reports: require a client certificate signed by this CA (PEM)", 0},
		[O_TOKEN] = {"token-file", 0, "FILE",
			     "reports: require \"Authorization: Bearer\" with this token (same "
			     "file rules as the password)",
			     0},
		[O_DB] = {"db", 0, "PATH", db, 0},
		[O_JSON] = {"json", 0, NULL, "one JSON object per event on stdout", 0},
		[O_TUNNEL] = {"max-tunnel-seconds", 0, "N",
			      "disconnect tunnels after N s (default 0: never)", 0},
		[O_MAXCONN] = {"max-connections", 0, "N", "set the three limits below at once", 0},
		[O_MAXHELLO] = {"max-hello-connections", 0, "N", maxhello, 0},
		[O_MAXMPS] = {"max-mps-connections", 0, "N", maxmps, 0},
		[O_MAXREPORTS] = {"max-reports-connections", 0, "N", maxreports, 0},
		[O_PERSOURCE] = {"hello-per-source", 0, "N", persource, 0},
		[O_PERUUID] = {"hello-per-uuid", 0, "N", peruuid, 0},
		[O_RELAY_BIND] = {"relay-bind", 0, "ADDR",
				  "address of the relay ports (default 127.0.0.1)", 0},
		[O_RELAY_PORTS] = {"relay-ports", 0, "LOW-HIGH",
				   "take relay ports from this range (default: any free port)", 0},
		[O_MAXCHAN] = {"max-channels-per-tunnel", 0, "N", maxchan, 0},
		[O_MAXRELAYS] = {"max-relay-connections", 0, "N", maxrelays, 0},
		[O_OPEN_TIMEOUT] = {"channel-open-timeout", 0, "S",
				    "a device that leaves a CHANNEL_OPEN unanswered this long is "
				    "disconnected (default 20)",
				    0},
		[O_DEV_USER] = {"device-user", 0, "U", "AMT user for verify-on-connect (default admin)",
				0},
		[O_DEV_PWFILE] = {"device-password-file", 0, "F",
				  "its password; turns verify-on-connect on", 0},
		[O_DEV_CA] = {"device-ca-file", 0, "F",
			      "trust for AMT's certificate when only 16993 is forwarded", 0},
		[O_VERIFY] = {"verify-on-connect", 0, NULL,
			      "read AMT_GeneralSettings and CIM_SoftwareIdentity through each new "
			      "tunnel (cira_verified / cira_verify_failed); the default when "
			      "--device-password-file is given",
			      0},
		[O_NOVERIFY] = {"no-verify-on-connect", 0, NULL, "do not", 0},
		[O_EVENTS] = {"events", 0, "ADDR[:PORT]", events, 0},
		[O_NUSER] = {"notify-user", 0, "U",
			     "events: require this digest user (the one 'amt-verify subscribe' gave "
			     "the devices)",
			     0},
		[O_NPW] = {"notify-password-file", 0, "F", "events: and its password", 0},
		[O_ONEVENT] = {"on-event", 0, "MATCH=PROGRAM",
			       "run PROGRAM (no shell) for each new event whose MessageID matches the "
			       "glob MATCH (MATCH@UUID: one device); the event's JSON on stdin, "
			       "AMT_EVENT_* variables",
			       CLIOPT_REPEAT},
		[O_ONTIMEOUT] = {"on-event-timeout", 0, "S", ontimeout, 0},
		[O_ONMAX] = {"on-event-max", 0, "N", onmax, 0},
		[O_PROXY] = {"proxy-protocol", 0, NULL,
			     "behind a TCP load balancer (HAProxy send-proxy or send-proxy-v2): "
			     "every connection starts with a PROXY header naming the client; one "
			     "without is closed. Only the balancer may reach the ports",
			     0},
		{NULL, 0, NULL, NULL, 0},
	};
	const struct clicmd cli = {
		.prog = VERIFY_PROG,
		.name = "listen",
		.opts = opts,
		.description =
			"Receive provisioning hello packets (plain TCP), user-initiated CIRA\n"
			"connections (an MPS over TLS) and agent reports (HTTPS POST), record each\n"
			"as an event in the store, and print it. Runs until SIGTERM or SIGINT.\n"
			"--mps needs --tls-cert, --tls-key, --mps-user and --mps-password-file;\n"
			"--reports needs --tls-cert and --tls-key; --events takes them for HTTPS.\n"
			"Events are stored once and acked when asked (PushWithAck). Each receiver\n"
			"has its own connection limit, so a flood on one leaves the others working.\n"
			"Relays (with --mps): every port a connected device forwarded is relayed\n"
			"on a local port, one APF channel per accepted connection; 'amt-verify\n"
			"tunnels' lists them.\n",
		.footer = "ADDR is an IP address (0.0.0.0 or empty: all IPv4 interfaces; [::] for IPv6);\n"
			  "PORT 0 picks a free port. The line \"amt-verify: ready: ...\" (stdout, or\n"
			  "stderr with --json) names the bound addresses once connections are accepted.\n"
			  "Exit codes: 0 stopped by SIGTERM or SIGINT, 2 usage or configuration\n"
			  "(options, certificate, key, password or token file, store), 8 a receiver\n"
			  "could not listen (the port is in use).\n",
	};
	struct cliopt_result r;
	const char *missing[4];
	size_t nmissing = 0;
	int st = cliopt_parse(&cli, argc, argv, &r, stdout, stderr);

	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? 1 : -1;
	for (int i = 0; i < r.nhits; i++) {
		const char *v = r.hits[i].value;
		int opt = r.hits[i].opt;
		switch (opt) {
		case O_HELLO: o->hello = v; break;
		case O_MPS: o->mps = v; break;
		case O_REPORTS: o->reports = v; break;
		case O_CLIENT_CA: o->client_ca = v; break;
		case O_TOKEN: o->token_file = v; break;
		case O_CERT: o->cert = v; break;
		case O_KEY: o->key = v; break;
		case O_USER: o->user = v; break;
		case O_PWFILE: o->password_file = v; break;
		case O_DB: o->db = v; break;
		case O_PROXY: o->proxy = true; break;
		case O_JSON: o->json = true; break;
		case O_TUNNEL:
			if (cliopt_ulong(&cli, stderr, opt, v, 0, 31536000, &o->max_tunnel_s))
				return -1;
			break;
		case O_MAXCONN:
		case O_MAXHELLO:
		case O_MAXMPS:
		case O_MAXREPORTS:
			if (cliopt_ulong(&cli, stderr, opt, v, 1, 65536,
					 opt == O_MAXCONN    ? &o->max_connections
					 : opt == O_MAXHELLO ? &o->max_hello
					 : opt == O_MAXMPS   ? &o->max_mps
							     : &o->max_reports))
				return -1;
			break;
		case O_PERSOURCE:
		case O_PERUUID:
			if (cliopt_ulong(&cli, stderr, opt, v, 0, LISTEN_RATE_MAX_PER_MINUTE,
					 opt == O_PERSOURCE ? &o->hello_per_source
							    : &o->hello_per_uuid))
				return -1;
			break;
		case O_RELAY_BIND: o->relay_bind = v; break;
		case O_RELAY_PORTS:
			if (parse_range(v, &o->relay_port_low, &o->relay_port_high) != 0)
				return cliopt_fail(&cli, stderr,
						   "--relay-ports \"%.64s\": expected LOW-HIGH, 1 <= LOW "
						   "<= HIGH <= 65535",
						   v);
			break;
		case O_MAXCHAN:
			if (cliopt_ulong(&cli, stderr, opt, v, 1, 1024, &o->max_channels))
				return -1;
			break;
		case O_MAXRELAYS:
			if (cliopt_ulong(&cli, stderr, opt, v, 1, 65536, &o->max_relays))
				return -1;
			break;
		case O_OPEN_TIMEOUT:
			if (cliopt_ulong(&cli, stderr, opt, v, 1, 600, &o->open_timeout_s))
				return -1;
			break;
		case O_DEV_USER: o->device_user = v; break;
		case O_DEV_PWFILE: o->device_password_file = v; break;
		case O_DEV_CA: o->device_ca_file = v; break;
		case O_VERIFY: o->verify_on_connect = 1; break;
		case O_NOVERIFY: o->verify_on_connect = 0; break;
		case O_EVENTS: o->events = v; break;
		case O_NUSER: o->notify_user = v; break;
		case O_NPW: o->notify_password_file = v; break;
		case O_ONEVENT: {
			char why[512];
			if (o->nrules >= ENGINE_RULES_MAX) {
				cliopt_fail(&cli, stderr, "at most %d --on-event rules", ENGINE_RULES_MAX);
				return -1;
			}
			if (engine_parse_rule(v, &o->rules[o->nrules], why, sizeof(why)) != 0) {
				fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, why);
				return -1;
			}
			o->nrules++;
			break;
		}
		case O_ONTIMEOUT:
		case O_ONMAX:
			if (cliopt_ulong(&cli, stderr, opt, v, 1, opt == O_ONTIMEOUT ? 86400 : 256,
					 opt == O_ONTIMEOUT ? &o->on_event_timeout : &o->on_event_max))
				return -1;
			break;
		}
	}
	if (!o->hello && !o->mps && !o->reports && !o->events) {
		fprintf(stderr, "%s listen: nothing to listen on — pass --hello, --mps, --reports "
				"and/or --events ADDR[:PORT]\n", VERIFY_PROG);
		return -1;
	}
	if (!o->events && (o->notify_user || o->notify_password_file || o->nrules ||
			   o->on_event_timeout || o->on_event_max)) {
		fprintf(stderr, "%s listen: --notify-user, --notify-password-file and --on-event* "
				"only apply with --events\n", VERIFY_PROG);
		return -1;
	}
	if (!o->notify_user != !o->notify_password_file) {
		fprintf(stderr, "%s listen: --notify-user and --notify-password-file go together\n",
			VERIFY_PROG);
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
	if (!o->mps && !o->reports && !o->events && (o->cert || o->key)) {
		fprintf(stderr, "%s listen: --tls-cert and --tls-key only apply with --mps, "
				"--reports or --events\n", VERIFY_PROG);
		return -1;
	}
	if (o->events && !o->cert != !o->key) {
		fprintf(stderr, "%s listen: --events over HTTPS needs both --tls-cert and "
				"--tls-key\n", VERIFY_PROG);
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
	events_server_stop(run->events);
	engine_stop(run->engine);
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
	listen_maybe_done(ctx);
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
	if (o->events) {
		struct events_server_cfg cfg = {.cert_file = o->cert, .key_file = o->key,
						.user = o->notify_user,
						.password = run->notify_password,
						.password_len = run->notify_password_len};
		if (events_server_new(&run->ctx, (struct sockaddr *)&run->events_sa,
				      run->events_salen, &cfg, &run->events, bound, sizeof(bound), err,
				      sizeof(err), &ex) != 0) {
			fprintf(stderr, "%s listen: %s\n", VERIFY_PROG, err);
			return ex;
		}
		if (n < cap)
			n += (size_t)snprintf(ready + n, cap - n, "%sevents (%s) on %s",
					      n ? ", " : "", o->cert ? "HTTPS" : "HTTP", bound);
		if (!o->notify_user)
			log_warn("events: accepted from anyone who can connect — subscribe with "
				 "--notify-user and listen with the same credentials");
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
	run.ctx.proxy = o.proxy;
	if (o.proxy && listen_proxy_setup() != 0) {
		fprintf(stderr, "%s listen: --proxy-protocol: out of memory\n", VERIFY_PROG);
		goto out;
	}
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
	if (o.events && verify_parse_listen_addr(o.events, LISTEN_DEFAULT_EVENTS_PORT,
						 &run.events_sa, &run.events_salen, err,
						 sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --events %s\n", VERIFY_PROG, err);
		goto out;
	}
	if (o.notify_password_file &&
	    verify_read_secret(o.notify_password_file, &run.notify_password,
			       &run.notify_password_len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: --notify-password-file: %s\n", VERIFY_PROG, err);
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
	/* With --proxy-protocol, hello and MPS each also hold up to their cap of
	 * connections waiting for a header (listen_admit.c), not yet counted as
	 * open; reports count theirs from accept. */
	listen_fit_fd_limit((o.events ? run.ctx.lim.max_reports : 0) +
			    (o.hello ? run.ctx.lim.max_hello * (o.proxy ? 2u : 1u) : 0) +
			    (o.mps ? run.ctx.lim.max_mps * (o.proxy ? 2u : 1u) +
					     run.ctx.lim.max_relays
				   : 0) +
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
	/* Writes from the loop: never blocking it on PostgreSQL. */
	if (store_attach(run.ctx.store, run.ctx.base, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s listen: cannot use the event store: %s\n", VERIFY_PROG, err);
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	if (o.events && o.nrules) {
		run.engine = engine_new(run.ctx.base, run.ctx.store, o.rules, o.nrules,
					(unsigned)o.on_event_timeout, (unsigned)o.on_event_max, o.json);
		if (!run.engine) {
			fprintf(stderr, "%s listen: cannot set up the event engine\n", VERIFY_PROG);
			ex = VERIFY_EXIT_NETWORK;
			goto out;
		}
		events_server_set_engine(run.events, run.engine);
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
	reports_server_stop(run.reports);
	events_server_stop(run.events);
	/* The store's loop writes first: those still running complete (a report
	 * is answered 503, an event printed) while their requests and
	 * connections exist; what the connections write as they go (tunnel
	 * rows, cira_close) runs in place. */
	store_detach(run.ctx.store);
	while (run.ctx.conns)
		run.ctx.conns->destroy(run.ctx.conns);
	hello_server_free(run.hello);
	mps_server_free(run.mps);
	reports_server_free(run.reports);
	listen_verifier_free(run.verifier); /* its events are on the loop's base */
	if (run.wsman_init)
		wsman_global_cleanup();
	events_server_free(run.events);
	engine_free(run.engine); /* programs still running are killed, not recorded */
	store_close(run.ctx.store);
	if (run.sigterm)
		event_free(run.sigterm);
	if (run.sigint)
		event_free(run.sigint);
	if (run.ctx.base)
		event_base_free(run.ctx.base);
	verify_secret_free(run.password, run.password_len);
	verify_secret_free(run.token, VERIFY_SECRET_MAX + 1);
	verify_secret_free(run.device_password, run.device_password_len);
	verify_secret_free(run.notify_password, run.notify_password_len);
	return ex;
}
