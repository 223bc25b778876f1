// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - amt-verify command line: global options and the subcommand table
 * (exact names, no prefix matching; add a row to add a command).
 * Must not: do a subcommand's work or parse its options.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "verify.h"

struct verify_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct verify_cmd commands[] = {
	{"listen", cmd_listen, "receive hello packets, CIRA tunnels and agent reports; record them"},
	{"events", cmd_events, "list the recorded events"},
	{"reports", cmd_reports, "list each device's latest agent report; --check it against the device"},
	{"device", cmd_device, "read a device's AMT state over WS-Management and check it"},
	{"tunnels", cmd_tunnels, "list the CIRA tunnels open now and their relay ports"},
	{"power", cmd_power, "read the host's power state, or power it on, off, reset, ..."},
	{"boot", cmd_boot, "boot the host once into BIOS setup, the network, a disk or a CD"},
	{"console", cmd_console, "the host's serial console over Serial-over-LAN"},
	{"consent", cmd_consent, "user consent: start, send the user's code, cancel, status"},
	{"subscribe", cmd_subscribe, "subscribe an address to a device's events (WS-Eventing)"},
	{"unsubscribe", cmd_unsubscribe, "remove a device's event subscriptions"},
	{"subscriptions", cmd_subscriptions, "list a device's event subscriptions"},
	{"presence", cmd_presence, "create, delete or show a device's agent presence watchdogs"},
	{"ider", cmd_ider, "boot the host from a CD or floppy image served over IDE-R"},
	{"fleet", cmd_fleet, "check every device of an inventory, thousands in parallel"},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-v] COMMAND [ARGS]\n"
		"       %s --version | --help\n\n"
		"Commands:\n",
		VERIFY_PROG, VERIFY_PROG);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  -v, --verbose    more detail on stderr (-v info, -vv debug)\n\n"
		"Run '%s COMMAND --help' for a command's options. Exit codes: 0 success,\n"
		"1 a mismatch (device, fleet, reports --check) or AMT refused (power, boot,\n"
		"console, consent, ider, subscribe, ...), 2 usage or configuration error,\n"
		"4 credentials refused, 7 timed out (console --expect), 8 network or server\n"
		"error, 9 nothing to do (unsubscribe, presence delete), 10 protocol error.\n",
		VERIFY_PROG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"verbose", no_argument, NULL, 'v'},
					     {"version", no_argument, NULL, 'V'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c, verbose = 0, level;

	/* '+': stop at the subcommand; its options are its own (cliopt.h).
	 * opterr 0: the one-line error below is ours. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("%s %s\n", VERIFY_PROG, AMT_VERSION);
			return VERIFY_EXIT_OK;
		case 'h':
			usage(stdout);
			return VERIFY_EXIT_OK;
		default: {
			const char *elem = optind >= 1 ? argv[optind - 1] : "";
			if (optopt && strncmp(elem, "--", 2) != 0)
				fprintf(stderr, "%s: unknown option -%c", VERIFY_PROG, optopt);
			else if (optopt)
				fprintf(stderr, "%s: %.*s takes no value", VERIFY_PROG,
					(int)strcspn(elem, "="), elem);
			else
				fprintf(stderr, "%s: unknown option \"%.*s\"", VERIFY_PROG,
					(int)strcspn(elem, "="), elem);
			fprintf(stderr, " — run '%s --help'; a command's own options go after it\n",
				VERIFY_PROG);
			return VERIFY_EXIT_USAGE;
		}
		}
	}
	level = LOG_LVL_WARN + verbose;
	log_init(VERIFY_PROG, LOG_SINK_STDERR, level > LOG_LVL_TRACE ? LOG_LVL_TRACE : level);
	if (optind >= argc) {
		usage(stderr);
		return VERIFY_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[optind]) == 0)
			return commands[i].run(argc - optind, argv + optind);
	}
	fprintf(stderr, "%s: unknown command \"%s\" — run '%s --help' for the list\n", VERIFY_PROG,
		argv[optind], VERIFY_PROG);
	return VERIFY_EXIT_USAGE;
}
