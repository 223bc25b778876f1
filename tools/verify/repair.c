// SPDX-License-Identifier: Apache-2.0
/*
 * repair.c - what the remote-repair commands share (see repair.h): the
 * target and its options, the WS-Man client, exit codes, and the words for
 * AMT's answers (power states: protocol-facts-2.md 4.2; RequestPowerStateChange
 * ReturnValues: go-wsman-messages cim/power; PT_STATUS: 3.6).
 */
#include "repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel_target.h"

void repair_target_init(struct repair_target *t, const char *cmd)
{
	memset(t, 0, sizeof(*t));
	t->cmd = cmd;
	t->user = "admin";
}

int repair_option(struct repair_target *t, const struct clicmd *cmd, int opt, const char *value)
{
	unsigned long n;
	switch (opt) {
	case REPAIR_O_TLS: t->tls = true; return 1;
	case REPAIR_O_USER: t->user = value; return 1;
	case REPAIR_O_PWFILE: t->password_file = value; return 1;
	case REPAIR_O_CA: t->ca_file = value; return 1;
	case REPAIR_O_PIN: t->pin = value; return 1;
	case REPAIR_O_INSECURE: t->insecure = true; return 1;
	case REPAIR_O_TLS10: t->allow_tls10 = true; return 1;
	case REPAIR_O_VIA_TUNNEL: t->via_tunnel = value; return 1;
	case REPAIR_O_DB: t->db = value; return 1;
	case REPAIR_O_PORT:
		if (cliopt_ulong(cmd, stderr, opt, value, 1, 65535, &n) != 0)
			return -1;
		t->port = (unsigned)n;
		return 1;
	default:
		return 0;
	}
}

int repair_target_finish(struct repair_target *t, const struct clicmd *cmd,
			 const struct cliopt_result *r, int *next)
{
	char err[512];
	*next = 0;
	if (!t->via_tunnel) {
		if (r->nargs < 1) {
			cliopt_fail(cmd, stderr, "which device? give HOST or --via-tunnel UUID");
			return VERIFY_EXIT_USAGE;
		}
		t->host = r->args[(*next)++];
	}
	if (t->db && !t->via_tunnel) {
		cliopt_fail(cmd, stderr, "--db applies only with --via-tunnel");
		return VERIFY_EXIT_USAGE;
	}
	if (t->via_tunnel && t->port) {
		cliopt_fail(cmd, stderr, "--port applies to HOST; a tunnel's relay is looked up");
		return VERIFY_EXIT_USAGE;
	}
	if ((t->ca_file != NULL) + (t->pin != NULL) + t->insecure > 1) {
		cliopt_fail(cmd, stderr, "--ca-file, --pin and --insecure exclude each other");
		return VERIFY_EXIT_USAGE;
	}
	if (!t->password_file) {
		cliopt_fail(cmd, stderr,
			    "--password-file is required (passwords never go on the command line)");
		return VERIFY_EXIT_USAGE;
	}
	if (verify_read_secret(t->password_file, &t->password, &t->password_len, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "%s %s: %s\n", VERIFY_PROG, t->cmd, err);
		return VERIFY_EXIT_USAGE;
	}
	if (t->insecure)
		fprintf(stderr, "%s %s: WARNING: --insecure: AMT's TLS certificate is NOT verified; "
				"anyone on the path can impersonate it\n",
			VERIFY_PROG, t->cmd);
	return VERIFY_EXIT_OK;
}

void repair_target_free(struct repair_target *t)
{
	verify_secret_free(t->password, t->password_len);
	t->password = NULL;
}

const char *repair_name(const struct repair_target *t)
{
	static char name[64];
	if (t->host)
		return t->host;
	snprintf(name, sizeof(name), "device %s", t->via_tunnel);
	return name;
}

int repair_resolve(struct repair_target *t, unsigned amt_port, char *host, size_t hostcap,
		   unsigned *port, char *name, size_t namecap)
{
	struct target_spec spec = {.host = t->host, .via_tunnel = t->via_tunnel, .db = t->db,
				   .port = t->port};
	struct target_addr ta;
	char err[640];
	int ex = target_resolve(&spec, amt_port, &ta, err, sizeof(err));
	if (ex != VERIFY_EXIT_OK) {
		fprintf(stderr, "%s %s: %s\n", VERIFY_PROG, t->cmd, err);
		return ex;
	}
	if (ta.via_tunnel && !t->json)
		fprintf(stderr, "%s %s: %s through its tunnel (relay %s for port %u)\n", VERIFY_PROG,
			t->cmd, t->via_tunnel, ta.relay, amt_port);
	snprintf(host, hostcap, "%s", ta.connect_host);
	snprintf(name, namecap, "%s", ta.name);
	*port = ta.connect_port;
	return VERIFY_EXIT_OK;
}

int repair_wsman(struct repair_target *t, struct wsman_client **out)
{
	char host[256], name[256], url[600], why[640];
	unsigned port;
	*out = NULL;
	int ex = repair_resolve(t, t->tls ? 16993 : 16992, host, sizeof(host), &port, name,
				sizeof(name));
	if (ex != VERIFY_EXIT_OK)
		return ex;
	/* over a tunnel with TLS the URL names AMT (its certificate is checked
	 * against that name) and the connection goes to the relay */
	bool named = t->via_tunnel && t->tls;
	const char *url_host = named ? name : host;
	unsigned url_port = named ? 16993 : port;
	bool v6 = strchr(url_host, ':') != NULL;
	snprintf(url, sizeof(url), "%s://%s%s%s:%u/wsman", t->tls ? "https" : "http", v6 ? "[" : "",
		 url_host, v6 ? "]" : "", url_port);
	if (named) {
		bool rv6 = strchr(host, ':') != NULL;
		snprintf(t->connect_to, sizeof(t->connect_to), "%s%s%s:16993:%s%s%s:%u", v6 ? "[" : "",
			 name, v6 ? "]" : "", rv6 ? "[" : "", host, rv6 ? "]" : "", port);
	}
	struct wsman_opts o = {.url = url, .user = t->user, .password = (const char *)t->password,
			       .ca_file = t->ca_file, .pin_sha256 = t->pin, .insecure = t->insecure,
			       .allow_tls10 = t->allow_tls10,
			       .timeout_ms = t->timeout_ms ? t->timeout_ms : 15000,
			       .connect_to = named ? t->connect_to : NULL};
	if (wsman_opts_validate(&o, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s %s: %s\n", VERIFY_PROG, t->cmd, why);
		return VERIFY_EXIT_USAGE;
	}
	*out = wsman_client_new(&o);
	if (!*out) {
		fprintf(stderr, "%s %s: out of memory\n", VERIFY_PROG, t->cmd);
		return VERIFY_EXIT_NETWORK;
	}
	return VERIFY_EXIT_OK;
}

int repair_wsman_fail(const struct repair_target *t, const char *what, int rc,
		      const struct wsman_error *e)
{
	char line[512];
	wsman_error_format(e, line, sizeof(line));
	fprintf(stderr, "%s %s: %s: %s: %s\n", VERIFY_PROG, t->cmd, repair_name(t), what, line);
	switch (rc) {
	case WSMAN_E_AUTH: return REPAIR_EXIT_AUTH;
	case WSMAN_E_PARSE: return VERIFY_EXIT_PROTOCOL;
	case WSMAN_E_FAULT:
	case WSMAN_E_RETURN: return REPAIR_EXIT_REFUSED;
	case WSMAN_E_INVALID: return VERIFY_EXIT_USAGE;
	default: return VERIFY_EXIT_NETWORK;
	}
}

/* ---- words ---- */

const char *repair_power_state_name(uint32_t ps)
{
	switch (ps) {
	case 2: return "on";
	case 3: return "asleep (light)";
	case 4: return "asleep";
	case 6: return "off (hard)";
	case 7: return "hibernated";
	case 8: return "off";
	default: return "in an unknown state";
	}
}

const char *repair_power_request_name(uint32_t ps)
{
	static const char *const names[17] = {
		[2] = "on", [3] = "sleep-light", [4] = "sleep", [5] = "cycle", [6] = "hard-off",
		[7] = "hibernate", [8] = "off", [9] = "hard-cycle", [10] = "reset", [11] = "nmi",
		[12] = "graceful-off", [13] = "graceful-hard-off", [14] = "graceful-reset",
		[15] = "graceful-cycle", [16] = "graceful-hard-cycle"};
	return ps < 17 && names[ps] ? names[ps] : "unknown";
}

const char *repair_power_return_text(uint32_t rv)
{
	switch (rv) {
	case 0: return "completed";
	case 1: return "not supported";
	case 2: return "unknown or unspecified error (AMT refuses power off and power cycle while "
		       "a redirection session is open)";
	case 3: return "cannot complete within the timeout";
	case 4: return "failed";
	case 5: return "invalid parameter";
	case 6: return "in use";
	case 4096: return "job started";
	case 4097: return "invalid state transition (not offered in the host's power state; AMT "
			  "also refuses power off and power cycle while a redirection session is "
			  "open)";
	case 4098: return "timeout parameter not supported";
	case 4099: return "busy";
	default: return "unknown return value";
	}
}

const char *repair_pt_status_text(uint32_t rv)
{
	switch (rv) {
	case 0: return "success";
	case 1: return "internal error";
	case 2: return "not ready (a code is already shown or consent already given, or no "
		       "code to check)";
	case 5: return "invalid parameter";
	case 0x10: return "not permitted";
	case 0x24: return "invalid parameter";
	case 0x812: return "unsupported (for a consent code: wrong code)";
	case 0x821: return "user consent required: run 'amt-verify consent ... start' and have the "
			   "user read you the code";
	default: return "refused";
	}
}
