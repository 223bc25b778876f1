// SPDX-License-Identifier: Apache-2.0
/*
 * repair.h - what the remote-repair commands of amt-verify (power, boot,
 * console, consent) share: the target (HOST, or a device behind a CIRA
 * tunnel), the credential and TLS options `device` takes, a WS-Man client
 * for the target, the exit codes, and the words for AMT's answers. The
 * alert commands (subscribe, unsubscribe, subscriptions, presence) reach
 * their device with the same target.
 *
 * Owns: the common option table and its parsing, reading the password file
 * (never from argv), mapping a WS-Man failure to the project's exit codes
 * (0 ok, 1 AMT refused, 2 usage, 4 credentials, 7 timeout, 8 network,
 * 10 protocol), and the names of power states and ReturnValues.
 * Must not: do a command's work; print on stdout.
 */
#ifndef VERIFY_REPAIR_H
#define VERIFY_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cliopt.h"
#include "verify.h"
#include "wsman.h"

#define REPAIR_EXIT_REFUSED 1
#define REPAIR_EXIT_AUTH 4
#define REPAIR_EXIT_TIMEOUT 7

struct repair_target {
	const char *cmd;        /* "power", for messages */
	const char *host;       /* IP literal or name; NULL with via_tunnel */
	const char *via_tunnel; /* a device UUID whose CIRA tunnel carries the traffic */
	const char *db;         /* the listener's store where tunnels are found (--db) */
	unsigned port;          /* 0: the service's default */
	bool tls, insecure, allow_tls10, json;
	const char *ca_file, *pin, *user, *password_file;
	uint8_t *password;      /* read from password_file, wiped on free */
	size_t password_len;
	long timeout_ms;        /* per WS-Man request */
	char connect_to[600];   /* a tunnel's relay for TLS WS-Man: "NAME:16993:RELAY" */
};

/* The common option rows (cliopt.h), first in every repair command's
 * table; a command's own rows follow from REPAIR_O_COUNT. */
enum {
	REPAIR_O_TLS, REPAIR_O_PORT, REPAIR_O_USER, REPAIR_O_PWFILE, REPAIR_O_CA, REPAIR_O_PIN,
	REPAIR_O_INSECURE, REPAIR_O_TLS10, REPAIR_O_VIA_TUNNEL, REPAIR_O_DB, REPAIR_O_COUNT
};
#define REPAIR_CLIOPTS                                                                         \
	[REPAIR_O_TLS] = {"tls", 0, NULL, "TLS: WS-Man on 16993, SOL on 16995", 0},            \
	[REPAIR_O_PORT] = {"port", 0, "N", "another port (HOST only)", 0},                     \
	[REPAIR_O_USER] = {"user", 0, "U", "AMT user (default admin)", 0},                     \
	[REPAIR_O_PWFILE] = {"password-file", 0, "F",                                          \
			     "its password (required; the file must not be readable by others)", \
			     0},                                                                   \
	[REPAIR_O_CA] = {"ca-file", 0, "F", "trust this CA for AMT's TLS certificate", 0},     \
	[REPAIR_O_PIN] = {"pin", 0, "SHA256",                                                  \
			  "or accept a certificate with this SHA-256 fingerprint", 0},         \
	[REPAIR_O_INSECURE] = {"insecure", 0, NULL, "or do not verify TLS at all (says so)", 0}, \
	[REPAIR_O_TLS10] = {"allow-tls10", 0, NULL, "accept TLS 1.0/1.1 (AMT 7-11)", 0},       \
	[REPAIR_O_VIA_TUNNEL] = {"via-tunnel", 0, "UUID",                                      \
				 "instead of HOST: through the relay port 'amt-verify listen "  \
				 "--mps' keeps for that device's CIRA tunnel",                  \
				 0},                                                            \
	[REPAIR_O_DB] = {"db", 0, "PATH", "with --via-tunnel: the listener's store", 0}

void repair_target_init(struct repair_target *t, const char *cmd);
/* Handle one common option row: 1 taken, 0 not a common row, -1 a bad
 * value (the one-line error printed). */
int repair_option(struct repair_target *t, const struct clicmd *cmd, int opt, const char *value);
/* After parsing: the HOST argument (the first, unless --via-tunnel), the
 * password file, and the option rules. 0, or VERIFY_EXIT_USAGE with the
 * message printed. *next is the index in r->args of the command's own
 * arguments (an action), which follow HOST. */
int repair_target_finish(struct repair_target *t, const struct clicmd *cmd,
			 const struct cliopt_result *r, int *next);
void repair_target_free(struct repair_target *t);
/* "192.0.2.7" or "device 03000200-..." for messages. */
const char *repair_name(const struct repair_target *t);

/* Where to connect for AMT port amt_port (16992..16995): HOST, or the
 * relay of the device's tunnel. name is what TLS checks the certificate
 * against. 0, or an exit code with the message printed. */
int repair_resolve(struct repair_target *t, unsigned amt_port, char *host, size_t hostcap,
		   unsigned *port, char *name, size_t namecap);
/* A WS-Man client for the target (wsman_global_init() has run). 0, or an
 * exit code with the message printed. */
int repair_wsman(struct repair_target *t, struct wsman_client **out);
/* The exit code of a WS-Man failure, and its one line on stderr. */
int repair_wsman_fail(const struct repair_target *t, const char *what, int rc,
		      const struct wsman_error *e);

/* Words for AMT's answers. */
const char *repair_power_state_name(uint32_t ps);   /* "on", "off", "asleep", ... */
const char *repair_power_request_name(uint32_t ps); /* "reset", "graceful-off", ... */
const char *repair_power_return_text(uint32_t rv);  /* RequestPowerStateChange */
const char *repair_pt_status_text(uint32_t rv);     /* PT_STATUS (AMT_* and IPS_* methods) */

#endif
