/*
 * repair.h - what the remote-repair commands of amt-verify (power, boot,
 * console, consent) share: the target (HOST, or a device behind a CIRA
 * tunnel), the credential and TLS options `device` takes, a WS-Man client
 * for the target, the exit codes, and the words for AMT's answers.
 *
 * Owns: the common option table and its parsing, reading the password file
 * (never from argv), mapping a WS-Man failure to the project's exit codes
 * (0 ok, 1 AMT refused, 2 usage, 4 credentials, 7 timeout, 8 network,
 * 10 protocol), and the names of power states and ReturnValues.
 * Must not: do a command's work; print on stdout.
 */
#ifndef VERIFY_REPAIR_H
#define VERIFY_REPAIR_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* getopt_long codes of the common options (beyond any single letter). */
enum {
	REPAIR_OPT_TLS = 0x100, REPAIR_OPT_PORT, REPAIR_OPT_USER, REPAIR_OPT_PASSWORD_FILE,
	REPAIR_OPT_CA_FILE, REPAIR_OPT_PIN, REPAIR_OPT_INSECURE, REPAIR_OPT_ALLOW_TLS10,
	REPAIR_OPT_VIA_TUNNEL, REPAIR_OPT_DB, REPAIR_OPT_JSON, REPAIR_OPT_HELP,
	REPAIR_OPT_FIRST_OWN = 0x200 /* a command's own options start here */
};
/* The common rows, to copy at the head of a command's option table. */
#define REPAIR_LONG_OPTIONS                                                                 \
	{"tls", no_argument, NULL, REPAIR_OPT_TLS},                                          \
	{"port", required_argument, NULL, REPAIR_OPT_PORT},                                  \
	{"user", required_argument, NULL, REPAIR_OPT_USER},                                  \
	{"password-file", required_argument, NULL, REPAIR_OPT_PASSWORD_FILE},                \
	{"ca-file", required_argument, NULL, REPAIR_OPT_CA_FILE},                            \
	{"pin", required_argument, NULL, REPAIR_OPT_PIN},                                    \
	{"insecure", no_argument, NULL, REPAIR_OPT_INSECURE},                                \
	{"allow-tls10", no_argument, NULL, REPAIR_OPT_ALLOW_TLS10},                          \
	{"via-tunnel", required_argument, NULL, REPAIR_OPT_VIA_TUNNEL},                      \
	{"db", required_argument, NULL, REPAIR_OPT_DB},                                      \
	{"json", no_argument, NULL, REPAIR_OPT_JSON},                                        \
	{"help", no_argument, NULL, REPAIR_OPT_HELP}
#define REPAIR_USAGE_OPTIONS                                                                   \
	"  HOST | --via-tunnel UUID [--db PATH]   the device, or its CIRA tunnel through the\n" \
	"                       relay 'amt-verify listen --mps' keeps (found in --db)\n"       \
	"  --user U --password-file F   AMT credentials (default user admin; F: the\n"         \
	"                       password, mode 0600; never on the command line)\n"            \
	"  --tls [--port N] [--ca-file F | --pin SHA256 | --insecure] [--allow-tls10]\n"      \
	"                       TLS and its trust, as `amt-verify device`\n"

void repair_target_init(struct repair_target *t, const char *cmd);
/* Handle one common option: 1 taken, 0 not a common option, -1 a bad value
 * (message printed). */
int repair_option(struct repair_target *t, int code, const char *arg);
/* After getopt: the HOST operand (exactly one, unless --via-tunnel),
 * the password file, and the option rules. 0, or VERIFY_EXIT_USAGE with
 * the message printed. argv[*next..] holds the operands; the command's
 * own operands (an action) follow HOST and are left for it. */
int repair_target_finish(struct repair_target *t, int argc, char **argv, int *next);
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
