// SPDX-License-Identifier: Apache-2.0
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
#include "client.h"
#include "exitcode.h"
#include "log.h"


static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [--device PATH] [--config PATH] [--state-dir DIR] [--via-daemon] [-v] COMMAND [ARGS]\n"
		"       %s --version | --help\n\n"
		"Commands:\n",
		prog, prog);
	size_t n;
	const struct agent_cmd *const *cmds = agent_commands(&n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-16s %s\n", cmds[i]->cli.name, cmds[i]->summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  --device PATH    MEI device node (default: probe /dev/mei0../dev/mei3, /dev/mei)\n"
		"  --config PATH    configuration file (default %s)\n"
		"  --state-dir DIR  agent state directory (default %s)\n"
		"  -v, --verbose    more detail on stderr (repeat for debug)\n"
		"  --via-daemon     run the command through the amt-agent service\n\n"
		"Run '%s COMMAND --help' for a command's options and exit codes; man amt-agent for\n"
		"all of it.\n",
		AGENT_DEFAULT_CONFIG, AGENT_DEFAULT_STATE_DIR, prog);
}

/* One line for a bad global option, with the hint. */
static void global_option_error(const char *prog, int c, char **argv)
{
	const char *elem = optind >= 1 ? argv[optind - 1] : "";
	if (c == ':')
		fprintf(stderr, "%s: %.*s needs a value", prog, (int)strcspn(elem, "="), elem);
	else if (optopt && strncmp(elem, "--", 2) != 0)
		fprintf(stderr, "%s: unknown option -%c", prog, optopt);
	else if (optopt)
		fprintf(stderr, "%s: %.*s takes no value", prog, (int)strcspn(elem, "="), elem);
	else
		fprintf(stderr, "%s: unknown option \"%.*s\"", prog, (int)strcspn(elem, "="), elem);
	fprintf(stderr, " — run '%s --help'; a command's own options go after it\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},
		{"state-dir", required_argument, NULL, 's'}, {"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
		{"via-daemon", no_argument, NULL, 'D'},   {NULL, 0, NULL, 0}};
	struct agent_ctx ctx = {.prog = "amt-agent", .out = stdout, .err = stderr, .txn_lock_fd = -1};
	const char *config_path = NULL, *device = NULL, *state_dir = NULL;
	int verbose = 0, c, ex;
	bool via_daemon = false;
	char err[512];

	config_init(&ctx.cfg);
	ctx.err_is_tty = isatty(STDERR_FILENO);
	/* '+': stop at the subcommand; its options are its own. ':': a missing
	 * value is told apart; opterr 0: the one-line error below is ours. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
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
		case 'D':
			via_daemon = true;
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
			global_option_error(ctx.prog, c, argv);
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
	ctx.opt_device = device;
	ctx.opt_state_dir = state_dir;
	ctx.verbose = verbose;
	int level = ctx.cfg.log_level + verbose;
	log_init(ctx.prog, LOG_SINK_STDERR, level > LOG_LVL_TRACE ? LOG_LVL_TRACE : level);

	if (optind >= argc) {
		usage(stderr, ctx.prog);
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	/* The subcommand's own table parses its line here, and again in the
	 * service for a request that goes there: usage errors and --help never
	 * need the service. */
	struct agent_call call;
	int first = optind; /* agent_getopt resets getopt */
	int st = agent_getopt(argc - first, argv + first, &call, stdout, stderr);
	if (st != CLIOPT_OK) {
		ex = st == CLIOPT_HELP ? EXIT_AMT_OK : EXIT_AMT_USAGE;
		goto out;
	}
	/* Unprivileged users go through the service, which owns /dev/mei0;
	 * root opens the device directly unless told otherwise. */
	if (call.cmd->priv != AGENT_PRIV_LOCAL && !device && (via_daemon || geteuid() != 0)) {
		ex = client_run_via_daemon(&ctx, argc - first, argv + first, via_daemon);
		if (ex >= 0)
			goto out;
	}
	/* Running here: this process is about to read the secret files. */
	if (config_check_secret_files(&ctx.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: configuration refused: %s\n", ctx.prog, err);
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	ex = agent_run(&ctx, &call);
out:
	config_free(&ctx.cfg);
	return ex;
}
