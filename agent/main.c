/*
 * main.c - amt-agent command line: global options, configuration, and the
 * subcommand table (exact names, no prefix matching).
 * Must not: talk to the firmware; subcommands do.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "exitcode.h"
#include "log.h"

static const struct agent_cmd commands[] = {
	{"info", cmd_info, "read and print the AMT state from the ME", "info [--json]"},
	{"hello", cmd_hello, "restart (or --stop) the provisioning hello packets",
	 "hello [--ipv6] [--stop] [--json]"},
	{"call-for-help", cmd_call_for_help, "open (or --close) a user-initiated CIRA connection",
	 "call-for-help [--close] [--wait SECONDS] [--json]"},
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--device PATH] [--config PATH] [--state-dir DIR] [-v] COMMAND [ARGS]\n"
		"       %s --version | --help\n\n"
		"Commands:\n",
		prog, prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  --device PATH    MEI device node (default: probe /dev/mei0../dev/mei3, /dev/mei)\n"
		"  --config PATH    configuration file (default %s)\n"
		"  --state-dir DIR  agent state directory (default %s)\n"
		"  -v, --verbose    more detail on stderr (repeat for debug)\n\n"
		"Run '%s COMMAND --help' for a command's options. Exit codes are listed in the README.\n",
		AGENT_DEFAULT_CONFIG, AGENT_DEFAULT_STATE_DIR, prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},
		{"state-dir", required_argument, NULL, 's'}, {"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct agent_ctx ctx = {.prog = "amt-agent", .out = stdout, .err = stderr};
	const char *config_path = NULL, *device = NULL, *state_dir = NULL;
	int verbose = 0, c, ex;
	char err[512];

	config_init(&ctx.cfg);
	ctx.err_is_tty = isatty(STDERR_FILENO);
	/* '+': stop at the subcommand; its options are its own. */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 's':
			state_dir = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("amt-agent %s\n", AMT_VERSION);
			ex = EXIT_AMT_OK;
			goto out;
		case 'h':
			usage(stdout, ctx.prog);
			ex = EXIT_AMT_OK;
			goto out;
		default:
			usage(stderr, ctx.prog);
			ex = EXIT_AMT_USAGE;
			goto out;
		}
	}

	if (config_load_file(&ctx.cfg, config_path ? config_path : AGENT_DEFAULT_CONFIG,
			     config_path != NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: configuration error: %s — fix the file or pass --config\n",
			ctx.prog, err);
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	if (config_check_secret_permissions(&ctx.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: configuration refused: %s\n", ctx.prog, err);
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	/* Command-line options go through the same setters as the file. */
	struct {
		const char *key, *value, *flag;
	} cli[] = {{"device", device, "--device"}, {"state_dir", state_dir, "--state-dir"}};
	for (size_t i = 0; i < sizeof(cli) / sizeof(cli[0]); i++) {
		if (cli[i].value &&
		    config_set(&ctx.cfg, "agent", cli[i].key, cli[i].value, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s: %s\n", ctx.prog, cli[i].flag, err);
			ex = EXIT_AMT_USAGE;
			goto out;
		}
	}
	int level = ctx.cfg.log_level + verbose;
	log_init(ctx.prog, LOG_SINK_STDERR, level > LOG_LVL_TRACE ? LOG_LVL_TRACE : level);

	if (optind >= argc) {
		usage(stderr, ctx.prog);
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			ex = commands[i].run(&ctx, argc - optind, argv + optind);
			goto out;
		}
	}
	fprintf(stderr, "%s: unknown command \"%s\" — run '%s --help' for the list\n", ctx.prog,
		name, ctx.prog);
	ex = EXIT_AMT_USAGE;
out:
	config_free(&ctx.cfg);
	return ex;
}
