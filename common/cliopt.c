// SPDX-License-Identifier: Apache-2.0
/*
 * cliopt.c - the subcommand option parser (see cliopt.h).
 *
 * getopt_long in RETURN_IN_ORDER mode ("-" first in the short-option
 * string): positional arguments come back one by one as they appear, argv is
 * never permuted, and the POSIXLY_CORRECT environment variable changes
 * nothing. opterr is 0 and ":" asks getopt to tell a missing value from an
 * unknown option, so every message is ours. Every long option's val is 256 +
 * its row, so an error names the row it is about.
 */
#include "cliopt.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define VAL_BASE 256
#define USAGE_WIDTH 79

static int count_rows(const struct clicmd *cmd)
{
	int n = 0;
	while (cmd->opts && cmd->opts[n].name)
		n++;
	return n;
}

bool cliopt_exact(const struct clicmd *cmd)
{
	for (int i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (cmd->opts[i].flags & CLIOPT_PRIVILEGED)
			return true;
	return false;
}

const char *cliopt_value(const struct cliopt_result *r, int opt)
{
	for (int i = r->nhits - 1; i >= 0; i--)
		if (r->hits[i].opt == opt)
			return r->hits[i].value;
	return NULL;
}

static int vfail(const struct clicmd *cmd, FILE *err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static int vfail(const struct clicmd *cmd, FILE *err, const char *fmt, va_list ap)
{
	fprintf(err, "%s %s: ", cmd->prog, cmd->name);
	vfprintf(err, fmt, ap);
	fprintf(err, " — run '%s %s --help' for the options\n", cmd->prog, cmd->name);
	fflush(err);
	return CLIOPT_ERROR;
}

int cliopt_fail(const struct clicmd *cmd, FILE *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(cmd, err, fmt, ap);
	va_end(ap);
	return rc;
}

int cliopt_ulong(const struct clicmd *cmd, FILE *err, int opt, const char *value,
		 unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n = 0;
	bool good = value[0] >= '0' && value[0] <= '9';
	if (good) {
		errno = 0;
		n = strtoul(value, &end, 10);
		good = errno == 0 && *end == '\0' && n >= min && n <= max;
	}
	if (!good)
		return cliopt_fail(cmd, err, "--%s \"%.64s\": expected %lu..%lu",
				   cmd->opts[opt].name, value, min, max);
	*out = n;
	return CLIOPT_OK;
}

/* ---- usage and help ---- */

struct line {
	FILE *f;
	size_t col, indent;
	bool wrap;
};

static void put_word(struct line *l, const char *w)
{
	size_t n = strlen(w);
	if (l->wrap && l->col > l->indent && l->col + 1 + n > USAGE_WIDTH) {
		fprintf(l->f, "\n%*s", (int)l->indent, "");
		l->col = l->indent;
	} else {
		fputc(' ', l->f);
		l->col++;
	}
	fputs(w, l->f);
	l->col += n;
}

static void usage_line(const struct clicmd *cmd, FILE *f, bool wrap)
{
	struct line l = {f, 0, 0, wrap};
	char word[160];
	l.col = (size_t)fprintf(f, "usage: %s %s", cmd->prog, cmd->name);
	l.indent = l.col + 1;
	if (cmd->args)
		put_word(&l, cmd->args);
	for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const struct cliopt *o = &cmd->opts[i];
		snprintf(word, sizeof(word), "[--%s%s%s]%s", o->name, o->value_name ? " " : "",
			 o->value_name ? o->value_name : "", (o->flags & CLIOPT_REPEAT) ? "..." : "");
		put_word(&l, word);
	}
}

void cliopt_usage(const struct clicmd *cmd, FILE *f)
{
	if (cmd->synopsis) {
		fputs(cmd->synopsis, f);
		return;
	}
	usage_line(cmd, f, true);
	fputc('\n', f);
}

#define HELP_COLUMN 30

/* "  -h, --help" or "      --name VALUE", then the help text from
 * HELP_COLUMN (on the next line when the left part is wider), wrapped. */
static void help_row(FILE *f, char short_name, const char *name, const char *value,
		     const char *help)
{
	char left[96], word[96];
	snprintf(left, sizeof(left), "%c%c%s--%s%s%s", short_name ? '-' : ' ',
		 short_name ? short_name : ' ', short_name ? ", " : "  ", name, value ? " " : "",
		 value ? value : "");
	size_t col = (size_t)fprintf(f, "  %s", left);
	if (col + 2 > HELP_COLUMN) {
		fputc('\n', f);
		col = 0;
	}
	fprintf(f, "%*s", (int)(HELP_COLUMN - col), "");
	col = HELP_COLUMN;
	for (const char *p = help ? help : ""; *p;) {
		size_t n = strcspn(p, " ");
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		if (col > HELP_COLUMN && col + 1 + strlen(word) > USAGE_WIDTH) {
			fprintf(f, "\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			fputc(' ', f);
			col++;
		}
		fputs(word, f);
		col += strlen(word);
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

void cliopt_help(const struct clicmd *cmd, FILE *f)
{
	cliopt_usage(cmd, f);
	if (cmd->description)
		fprintf(f, "\n%s", cmd->description);
	fputs("\nOptions:\n", f);
	for (int i = 0; cmd->opts && cmd->opts[i].name; i++) {
		const struct cliopt *o = &cmd->opts[i];
		help_row(f, o->short_name, o->name, o->value_name, o->help);
	}
	help_row(f, 'h', "help", NULL, "print this help and exit");
	if (cliopt_exact(cmd))
		fputs("Options are spelt out in full here (no abbreviations).\n", f);
	if (cmd->footer)
		fprintf(f, "\n%s", cmd->footer);
	fflush(f);
}

/* ---- parsing ---- */

/* A long option getopt matched: was it written out in full? */
static bool abbreviated(char *argv[], const struct option *o)
{
	const char *elem = argv[optind - 1];
	/* "--wait 30": the value is the element before optind */
	if (o->has_arg == required_argument && optarg == argv[optind - 1] && optind >= 2)
		elem = argv[optind - 2];
	if (strncmp(elem, "--", 2) != 0)
		return false;
	return strcspn(elem + 2, "=") != strlen(o->name);
}

static int getopt_error(const struct clicmd *cmd, FILE *err, int c, char *argv[], int nrows)
{
	int row = optopt - VAL_BASE;
	if (optopt >= VAL_BASE && row <= nrows) {
		const char *name = row < nrows ? cmd->opts[row].name : "help";
		if (c == ':' && row < nrows)
			return cliopt_fail(cmd, err, "--%s needs a value (%s)", name,
					   cmd->opts[row].value_name);
		return cliopt_fail(cmd, err, "--%s takes no value", name);
	}
	if (optopt > 0) {
		if (c == ':')
			return cliopt_fail(cmd, err, "-%c needs a value", optopt);
		return cliopt_fail(cmd, err, "unknown option -%c", optopt);
	}
	const char *elem = optind >= 1 ? argv[optind - 1] : "";
	return cliopt_fail(cmd, err, "unknown option \"%.*s\"", (int)strcspn(elem, "="), elem);
}

int cliopt_parse(const struct clicmd *cmd, int argc, char *argv[], struct cliopt_result *r,
		 FILE *out, FILE *err)
{
	struct option lo[CLIOPT_MAX_OPTS + 2];
	char shorts[4 + 2 * CLIOPT_MAX_OPTS + 2];
	int nrows = count_rows(cmd), k = 0, c;
	bool exact = cliopt_exact(cmd);

	memset(r, 0, sizeof(*r));
	if (nrows > CLIOPT_MAX_OPTS || argc < 1)
		return cliopt_fail(cmd, err, "internal error: bad option table");
	shorts[k++] = '-'; /* positional arguments in order, argv left alone */
	shorts[k++] = ':'; /* ':' for a missing value, '?' for the rest */
	for (int i = 0; i < nrows; i++) {
		const struct cliopt *o = &cmd->opts[i];
		lo[i] = (struct option){o->name, o->value_name ? required_argument : no_argument,
				       NULL, VAL_BASE + i};
		if (o->short_name) {
			shorts[k++] = o->short_name;
			if (o->value_name)
				shorts[k++] = ':';
		}
	}
	lo[nrows] = (struct option){"help", no_argument, NULL, VAL_BASE + nrows};
	lo[nrows + 1] = (struct option){NULL, 0, NULL, 0};
	shorts[k++] = 'h';
	shorts[k] = '\0';

	optind = 0; /* 0, not 1: glibc re-reads the mode from the short-option string */
	opterr = 0;
	for (;;) {
		int longindex = -1, row = -1;
		c = getopt_long(argc, argv, shorts, lo, &longindex);
		if (c == -1)
			break;
		if (c == 1) {
			if (r->nargs >= CLIOPT_MAX_ARGS)
				return cliopt_fail(cmd, err, "too many arguments");
			r->args[r->nargs++] = optarg;
			continue;
		}
		if (c == '?' || c == ':')
			return getopt_error(cmd, err, c, argv, nrows);
		if (longindex >= 0 && exact && abbreviated(argv, &lo[longindex]))
			return cliopt_fail(cmd, err,
					   "unknown option \"%.*s\" (options are not abbreviated "
					   "here: --%s?)",
					   (int)strcspn(argv[optind - 1], "="), argv[optind - 1],
					   lo[longindex].name);
		if (c >= VAL_BASE)
			row = c - VAL_BASE;
		else
			for (int i = 0; i < nrows && row < 0; i++)
				if (cmd->opts[i].short_name == c)
					row = i;
		if (row < 0 || c == 'h')
			row = nrows;
		if (row == nrows) {
			r->help = true;
			cliopt_help(cmd, out);
			return CLIOPT_HELP;
		}
		if (r->nhits >= CLIOPT_MAX_HITS)
			return cliopt_fail(cmd, err, "too many options");
		r->hits[r->nhits++] = (struct cliopt_hit){row, cmd->opts[row].value_name ? optarg : NULL};
		r->seen |= (uint64_t)1 << row;
	}
	for (; optind < argc; optind++) { /* after "--" */
		if (r->nargs >= CLIOPT_MAX_ARGS)
			return cliopt_fail(cmd, err, "too many arguments");
		r->args[r->nargs++] = argv[optind];
	}
	if (r->nargs > cmd->max_args)
		return cliopt_fail(cmd, err, "unexpected argument \"%.64s\"", r->args[cmd->max_args]);
	if (r->nargs < cmd->min_args) {
		if (cmd->synopsis) {
			return cliopt_fail(cmd, err, "missing %s", cmd->args ? cmd->args : "argument");
		}
		/* the usage on one line, or its short form when that would not fit */
		char line[1024] = "";
		FILE *m = fmemopen(line, sizeof(line) - 1, "w");
		if (m) {
			usage_line(cmd, m, false);
			fclose(m);
		}
		if (strlen(line) <= USAGE_WIDTH)
			fputs(line, err);
		else
			fprintf(err, "usage: %s %s %s [OPTIONS]", cmd->prog, cmd->name,
				cmd->args ? cmd->args : "");
		fprintf(err, " — run '%s %s --help' for details\n", cmd->prog, cmd->name);
		fflush(err);
		return CLIOPT_ERROR;
	}
	return CLIOPT_OK;
}
