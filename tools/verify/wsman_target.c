/*
 * wsman_target.c - reaching one device over WS-Management for the alert
 * and presence commands (see wsman_target.h).
 */
#include "wsman_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tunnel_target.h"

void wsman_target_init(struct wsman_target *tg)
{
	memset(tg, 0, sizeof(*tg));
	tg->t.user = "admin";
}

int wsman_target_option(struct wsman_target *tg, const struct clicmd *cli, int opt,
			const char *v, FILE *err)
{
	unsigned long n;
	switch (opt) {
	case WT_TLS: tg->t.tls = true; return 0;
	case WT_PORT:
		if (cliopt_ulong(cli, err, WT_PORT, v, 1, 65535, &n) != 0)
			return -1;
		tg->t.port = (unsigned)n;
		return 0;
	case WT_USER: tg->t.user = v; return 0;
	case WT_PWFILE: tg->password_file = v; return 0;
	case WT_CA: tg->t.ca_file = v; return 0;
	case WT_PIN: tg->t.pin = v; return 0;
	case WT_INSECURE: tg->t.insecure = true; return 0;
	case WT_TLS10: tg->t.allow_tls10 = true; return 0;
	case WT_VIA: tg->via_tunnel = v; return 0;
	case WT_DB: tg->db = v; return 0;
	default: return 1;
	}
}

int wsman_target_connect(struct wsman_target *tg, const char *host, struct wsman_client **out,
			 char *err, size_t errlen)
{
	struct wsman_opts o;
	struct target_addr ta;
	char url[600], why[512];
	int ex;
	*out = NULL;
	if (!host == !tg->via_tunnel) {
		snprintf(err, errlen, "name the device: HOST or --via-tunnel UUID (one of them)");
		return VERIFY_EXIT_USAGE;
	}
	if (tg->db && !tg->via_tunnel) {
		snprintf(err, errlen, "--db applies only with --via-tunnel");
		return VERIFY_EXIT_USAGE;
	}
	if (!tg->password_file) {
		snprintf(err, errlen, "--password-file is required (the WS-Man user's password)");
		return VERIFY_EXIT_USAGE;
	}
	/* HOST, or the relay of the device's tunnel (tunnel_target.c) */
	struct target_spec spec = {.host = host, .via_tunnel = tg->via_tunnel, .db = tg->db,
				   .port = tg->t.port};
	ex = target_resolve(&spec, tg->t.tls ? 16993 : 16992, &ta, err, errlen);
	if (ex != VERIFY_EXIT_OK)
		return ex;
	snprintf(tg->name, sizeof(tg->name), "%s", host ? host : tg->via_tunnel);
	if (verify_read_secret(tg->password_file, &tg->password, &tg->password_len, why,
			       sizeof(why)) != 0) {
		snprintf(err, errlen, "--password-file: %s", why);
		return VERIFY_EXIT_USAGE;
	}
	tg->t.password = tg->password;
	tg->t.password_len = tg->password_len;
	snprintf(tg->connect_host, sizeof(tg->connect_host), "%s", ta.connect_host);
	tg->t.host = tg->connect_host;
	tg->t.port = ta.connect_port;
	tg->t.connect_to = NULL;
	if (ta.via_tunnel && tg->t.tls) {
		/* The URL names AMT, whose certificate is checked against that
		 * name; the connection goes to the relay (libcurl CONNECT_TO). */
		bool v6 = strchr(ta.name, ':') != NULL;
		snprintf(tg->connect_to, sizeof(tg->connect_to), "%s%s%s:16993:%s", v6 ? "[" : "",
			 ta.name, v6 ? "]" : "", ta.relay);
		snprintf(tg->connect_host, sizeof(tg->connect_host), "%s", ta.name);
		tg->t.port = 16993;
		tg->t.connect_to = tg->connect_to;
	}
	if (ta.via_tunnel)
		fprintf(stderr, "%s: %s through its CIRA tunnel (relay %s)\n", VERIFY_PROG,
			tg->via_tunnel, ta.relay);
	bool v6 = strchr(tg->t.host, ':') != NULL;
	snprintf(url, sizeof(url), "%s://%s%s%s:%u/wsman", tg->t.tls ? "https" : "http",
		 v6 ? "[" : "", tg->t.host, v6 ? "]" : "", tg->t.port);
	o = (struct wsman_opts){.url = url, .user = tg->t.user, .password = (const char *)tg->password,
				.ca_file = tg->t.ca_file, .pin_sha256 = tg->t.pin,
				.insecure = tg->t.insecure, .allow_tls10 = tg->t.allow_tls10,
				.timeout_ms = 15000, .connect_to = tg->t.connect_to};
	if (wsman_opts_validate(&o, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", tg->name, why);
		return VERIFY_EXIT_USAGE;
	}
	if (tg->t.insecure)
		log_warn("%s: TLS is not verified (--insecure)", tg->name);
	*out = wsman_client_new(&o);
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return VERIFY_EXIT_NETWORK;
	}
	return 0;
}

void wsman_target_fini(struct wsman_target *tg)
{
	verify_secret_free(tg->password, tg->password_len);
	tg->password = NULL;
}

int wsman_target_fail(const struct wsman_target *tg, const char *what, int rc,
		      const struct wsman_error *e, char *err, size_t errlen)
{
	char why[512];
	wsman_error_format(e, why, sizeof(why));
	snprintf(err, errlen, "%s: %s: %s", tg->name, what, why);
	return rc == WSMAN_E_AUTH	? DEVICE_EXIT_AUTH
	       : rc == WSMAN_E_PARSE	? VERIFY_EXIT_PROTOCOL
	       : rc == WSMAN_E_FAULT || rc == WSMAN_E_RETURN ? DEVICE_EXIT_MISMATCH
	       : rc == WSMAN_E_INVALID	? VERIFY_EXIT_USAGE
					: VERIFY_EXIT_NETWORK;
}
