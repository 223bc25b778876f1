// SPDX-License-Identifier: Apache-2.0
/*
 * cliopt.h - one option parser for the subcommands of amt-agent and
 * amt-verify, driven by a table per subcommand.
 *
 * Owns: resetting getopt for each subcommand, the implicit -h/--help, the
 * usage and help text built from the table, option errors (getopt's own
 * messages are off: one line naming the program, the subcommand and a hint,
 * written where the caller says, so a daemon can send it to its client),
 * counting positional arguments, and refusing abbreviated long options in
 * subcommands that have a privileged option (getopt_long would otherwise
 * take --o for --once).
 * Options and arguments may be mixed; "--" ends the options. argv is never
 * reordered, so a request parsed here can still be forwarded as it came.
 * Must not: depend on agent/ or tools/, decide privileges, or exit.
 */
#ifndef COMMON_CLIOPT_H
#define COMMON_CLIOPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CLIOPT_MAX_OPTS 63  /* rows of one table (plus the implicit --help) */
#define CLIOPT_MAX_HITS 64  /* options on one command line */
#define CLIOPT_MAX_ARGS 16  /* positional arguments on one command line */

/* Row flags. */
#define CLIOPT_PRIVILEGED 1u /* needs more rights than the command: no abbreviations */
#define CLIOPT_REPEAT 2u     /* may be given more than once ("..." in the usage) */

struct cliopt {
	const char *name;       /* long name without the dashes */
	char short_name;        /* 0 = none */
	const char *value_name; /* NULL: a flag; else it takes a value ("SECONDS") */
	const char *help;       /* one line for --help */
	unsigned flags;
};

struct clicmd {
	const char *prog;        /* "amt-agent" */
	const char *name;        /* "call-for-help" */
	const char *args;        /* positional synopsis ("HOST"), NULL for none */
	int min_args, max_args;  /* positional arguments accepted */
	const struct cliopt *opts; /* terminated by a row with name NULL */
	const char *synopsis;    /* NULL: built from args and opts; else whole usage lines */
	const char *description; /* paragraph after the usage line */
	const char *footer;      /* text after the option list, or NULL */
};

struct cliopt_hit {
	int opt;           /* row index in the table */
	const char *value; /* its value, or NULL for a flag */
};

struct cliopt_result {
	bool help;                 /* --help was given: help printed, run nothing */
	uint64_t seen;             /* bit i: row i given at least once */
	int nhits;                 /* options in command-line order */
	struct cliopt_hit hits[CLIOPT_MAX_HITS];
	int nargs;                 /* positional arguments in order */
	const char *args[CLIOPT_MAX_ARGS];
};

enum { CLIOPT_ERROR = -1, CLIOPT_OK = 0, CLIOPT_HELP = 1 };

/* Parse argv[1..argc-1] (argv[0] is the subcommand's name). Returns
 * CLIOPT_OK, CLIOPT_HELP (the help went to out), or CLIOPT_ERROR (one line
 * went to err). Values point into argv. */
int cliopt_parse(const struct clicmd *cmd, int argc, char *argv[], struct cliopt_result *r,
		 FILE *out, FILE *err);

static inline bool cliopt_seen(const struct cliopt_result *r, int opt)
{
	return (r->seen >> opt) & 1u;
}
/* The last value given for row opt, or NULL. */
const char *cliopt_value(const struct cliopt_result *r, int opt);
/* Whether the table has a row flagged CLIOPT_PRIVILEGED (then long options
 * must be spelt out in full). */
bool cliopt_exact(const struct clicmd *cmd);

/* The usage line(s) and the full --help text. */
void cliopt_usage(const struct clicmd *cmd, FILE *f);
void cliopt_help(const struct clicmd *cmd, FILE *f);

/* Print "PROG NAME: MESSAGE — run 'PROG NAME --help' for the options" on
 * err and return CLIOPT_ERROR, for value checks done by the command. */
int cliopt_fail(const struct clicmd *cmd, FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A whole decimal number in [min, max] for option row opt; on failure the
 * error line is printed and CLIOPT_ERROR returned. */
int cliopt_ulong(const struct clicmd *cmd, FILE *err, int opt, const char *value,
		 unsigned long min, unsigned long max, unsigned long *out);

#endif
