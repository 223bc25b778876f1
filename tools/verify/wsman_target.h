/*
 * wsman_target.h - the device an amt-verify WS-Man command talks to, and
 * how: HOST or --via-tunnel UUID, TLS and its trust, the user and the
 * password file; shared by subscribe, unsubscribe, subscriptions and
 * presence (device and reports --check keep their own, older code).
 *
 * Owns: the option rows every such command starts its table with
 * (WSMAN_TARGET_OPTS, rows 0..WT_COUNT-1), taking their values, reading the
 * password file, making the WS-Man client (through the tunnel's relay with
 * --via-tunnel: tunnel_target.c finds it), and turning a WS-Man failure
 * into one line and an exit code (credentials refused 4, network 8,
 * protocol 10, AMT refused or faulted 1).
 * Must not: know what a command does with the device.
 */
#ifndef VERIFY_WSMAN_TARGET_H
#define VERIFY_WSMAN_TARGET_H

#include <stdio.h>

#include "cliopt.h"
#include "device.h"
#include "wsman.h"

enum {
	WT_TLS,
	WT_PORT,
	WT_USER,
	WT_PWFILE,
	WT_CA,
	WT_PIN,
	WT_INSECURE,
	WT_TLS10,
	WT_VIA,
	WT_DB,
	WT_COUNT
};

#define WSMAN_TARGET_OPTS                                                                          \
	[WT_TLS] = {"tls", 0, NULL, "HTTPS on 16993 (default HTTP on 16992)", 0},                  \
	[WT_PORT] = {"port", 0, "N", "another port", 0},                                           \
	[WT_USER] = {"user", 0, "U", "WS-Man user (default admin)", 0},                            \
	[WT_PWFILE] = {"password-file", 0, "F",                                                    \
		       "its password (required; the file must not be readable by others)", 0},     \
	[WT_CA] = {"ca-file", 0, "F", "trust this CA for the device's TLS certificate", 0},        \
	[WT_PIN] = {"pin", 0, "SHA256", "or accept a certificate with this SHA-256 fingerprint", 0}, \
	[WT_INSECURE] = {"insecure", 0, NULL, "or do not verify TLS at all (says so)", 0},         \
	[WT_TLS10] = {"allow-tls10", 0, NULL, "accept TLS 1.0/1.1 (AMT 7-11)", 0},                 \
	[WT_VIA] = {"via-tunnel", 0, "UUID",                                                       \
		    "reach the device through its CIRA tunnel (a listener's relay) instead of HOST", 0}, \
	[WT_DB] = {"db", 0, "PATH", "the listener's store, with --via-tunnel", 0}

struct wsman_target {
	const char *via_tunnel, *db, *password_file;
	struct device_target t;
	uint8_t *password;
	size_t password_len;
	char name[256]; /* the device for messages: HOST or the tunnel's UUID */
	char connect_host[256]; /* the URL's host: HOST, the relay, or AMT's name (TLS) */
	char connect_to[600];   /* with --via-tunnel --tls: "NAME:16993:RELAY" */
};

void wsman_target_init(struct wsman_target *tg);
/* A parsed option: 1 when opt is not a target row, 0 taken, -1 bad value
 * (the line went to err). */
int wsman_target_option(struct wsman_target *tg, const struct clicmd *cli, int opt,
			const char *value, FILE *err);
/* Connect to host (NULL with --via-tunnel). 0 with *out, or an exit code
 * with a one-line reason in err. */
int wsman_target_connect(struct wsman_target *tg, const char *host, struct wsman_client **out,
			 char *err, size_t errlen);
void wsman_target_fini(struct wsman_target *tg);
/* One line for a failed WS-Man call on the device ("HOST: what: why") and
 * its exit code. */
int wsman_target_fail(const struct wsman_target *tg, const char *what, int rc,
		      const struct wsman_error *e, char *err, size_t errlen);

#endif
