// SPDX-License-Identifier: Apache-2.0
/*
 * test_cliopt.c - the subcommand option parser shared by amt-agent and
 * amt-verify: options and arguments in any order, "--", values, repeats,
 * --help, one-line errors naming the program and a hint, abbreviations
 * refused where a privileged option exists, argv never reordered, getopt
 * reset between parses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cliopt.h"

enum { O_FLAG, O_VALUE, O_MULTI, O_SHORT };

static const struct cliopt plain_opts[] = {
	[O_FLAG] = {"flag", 0, NULL, "a flag", 0},
	[O_VALUE] = {"value", 0, "N", "a value", 0},
	[O_MULTI] = {"multi", 0, "KEY", "repeatable", CLIOPT_REPEAT},
	[O_SHORT] = {"short", 's', NULL, "has -s", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd plain = {
	.prog = "prog", .name = "cmd", .args = "[ARG...]", .min_args = 0, .max_args = 3,
	.opts = plain_opts, .description = "Does things.\n",
};

enum { P_ONCE, P_JSON };
static const struct cliopt priv_opts[] = {
	[P_ONCE] = {"once", 0, NULL, "privileged", CLIOPT_PRIVILEGED},
	[P_JSON] = {"json", 0, NULL, "json", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd priv = {
	.prog = "prog", .name = "report", .opts = priv_opts,
};

static const struct clicmd needs_arg = {
	.prog = "prog", .name = "hostid", .args = "show|set ID", .min_args = 1, .max_args = 2,
	.opts = priv_opts + 1,
};

struct run {
	int rc;
	struct cliopt_result r;
	char out[4096], err[1024];
};

/* Parse a NULL-terminated word list (argv[0] included). */
static void parse(const struct clicmd *cmd, struct run *x, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	memset(x, 0, sizeof(*x));
	FILE *out = fmemopen(x->out, sizeof(x->out) - 1, "w");
	FILE *err = fmemopen(x->err, sizeof(x->err) - 1, "w");
	assert_non_null(out);
	assert_non_null(err);
	x->rc = cliopt_parse(cmd, argc, argv, &x->r, out, err);
	fclose(out);
	fclose(err);
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static void test_mixed_order_and_values(void **state)
{
	(void)state;
	struct run x;
	char **argv = ARGV("cmd", "a", "--flag", "b", "--value", "3", "--multi=k1", "-s", "--multi",
			   "k2", "c");
	char *copy[12];
	memcpy(copy, argv, 12 * sizeof(char *));
	parse(&plain, &x, argv);
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_int_equal(x.r.nargs, 3);
	assert_string_equal(x.r.args[0], "a");
	assert_string_equal(x.r.args[1], "b");
	assert_string_equal(x.r.args[2], "c");
	assert_true(cliopt_seen(&x.r, O_FLAG));
	assert_true(cliopt_seen(&x.r, O_SHORT));
	assert_string_equal(cliopt_value(&x.r, O_VALUE), "3");
	assert_string_equal(cliopt_value(&x.r, O_MULTI), "k2"); /* the last one */
	int multi = 0;
	for (int i = 0; i < x.r.nhits; i++)
		if (x.r.hits[i].opt == O_MULTI)
			assert_string_equal(x.r.hits[i].value, multi++ ? "k2" : "k1");
	assert_int_equal(multi, 2);
	/* argv left as it came: a daemon forwards or logs it unchanged */
	assert_memory_equal(copy, argv, 12 * sizeof(char *));
	assert_string_equal(x.err, "");
}

static void test_double_dash(void **state)
{
	(void)state;
	struct run x;
	parse(&plain, &x, ARGV("cmd", "--flag", "--", "--value", "-s"));
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_int_equal(x.r.nargs, 2);
	assert_string_equal(x.r.args[0], "--value");
	assert_string_equal(x.r.args[1], "-s");
	assert_false(cliopt_seen(&x.r, O_VALUE));
}

static void test_posixly_correct_changes_nothing(void **state)
{
	(void)state;
	struct run x;
	setenv("POSIXLY_CORRECT", "1", 1);
	parse(&plain, &x, ARGV("cmd", "a", "--flag"));
	unsetenv("POSIXLY_CORRECT");
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_true(cliopt_seen(&x.r, O_FLAG));
	assert_int_equal(x.r.nargs, 1);
}

struct bad {
	const struct clicmd *cmd;
	char **argv;
	const char *message;
};

static void test_errors_are_one_line_with_a_hint(void **state)
{
	(void)state;
	const struct bad cases[] = {
		{&plain, ARGV("cmd", "--bogus"), "prog cmd: unknown option \"--bogus\" — run 'prog cmd --help' for the options\n"},
		{&plain, ARGV("cmd", "--bogus=3"), "prog cmd: unknown option \"--bogus\" — run"},
		{&plain, ARGV("cmd", "-x"), "prog cmd: unknown option -x — run"},
		{&plain, ARGV("cmd", "--value"), "prog cmd: --value needs a value (N) — run"},
		{&plain, ARGV("cmd", "--flag=1"), "prog cmd: --flag takes no value — run"},
		{&plain, ARGV("cmd", "--help=1"), "prog cmd: --help takes no value — run"},
		{&plain, ARGV("cmd", "a", "b", "c", "d"), "prog cmd: unexpected argument \"d\" — run"},
		{&priv, ARGV("report", "x"), "prog report: unexpected argument \"x\""},
		{&priv, ARGV("report", "--", "--once"), "prog report: unexpected argument \"--once\""},
		{&needs_arg, ARGV("hostid", "--json"),
		 "usage: prog hostid show|set ID [--json] — run 'prog hostid --help' for details\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run x;
		parse(cases[i].cmd, &x, cases[i].argv);
		if (x.rc != CLIOPT_ERROR || strncmp(x.err, cases[i].message, strlen(cases[i].message)))
			fail_msg("case %zu: rc %d, err '%s', expected '%s'", i, x.rc, x.err,
				 cases[i].message);
		assert_int_equal(strchr(x.err, '\n') - x.err, (long)strlen(x.err) - 1); /* one line */
		assert_string_equal(x.out, "");
	}
}

static void test_abbreviations(void **state)
{
	(void)state;
	struct run x;
	/* no privileged option: getopt's unambiguous abbreviations stay */
	parse(&plain, &x, ARGV("cmd", "--fl", "--val", "2"));
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_true(cliopt_seen(&x.r, O_FLAG));
	assert_string_equal(cliopt_value(&x.r, O_VALUE), "2");
	/* a privileged option: every long option is spelt out in full */
	static const char *const spellings[] = {"--o", "--on", "--onc", "--once=", "--once=1",
						"-o", "--j", "--js", "--h", "--hel"};
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		char *argv[] = {"report", (char *)spellings[i], NULL};
		parse(&priv, &x, argv);
		if (x.rc != CLIOPT_ERROR || x.r.nhits != 0)
			fail_msg("%s: rc %d, %d options", spellings[i], x.rc, x.r.nhits);
		assert_non_null(strstr(x.err, "prog report: "));
	}
	parse(&priv, &x, ARGV("report", "--on"));
	assert_non_null(strstr(x.err, "not abbreviated here: --once?"));
	parse(&priv, &x, ARGV("report", "--json", "--once"));
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_true(cliopt_seen(&x.r, P_ONCE));
	assert_true(cliopt_exact(&priv));
	assert_false(cliopt_exact(&plain));
}

static void test_help(void **state)
{
	(void)state;
	struct run x;
	parse(&plain, &x, ARGV("cmd", "a", "--help", "--bogus"));
	assert_int_equal(x.rc, CLIOPT_HELP);
	assert_true(x.r.help);
	assert_string_equal(x.err, "");
	assert_non_null(strstr(x.out, "usage: prog cmd [ARG...] [--flag] [--value N] [--multi KEY]... [--short]\n"));
	assert_non_null(strstr(x.out, "Does things."));
	assert_non_null(strstr(x.out, "  --value N"));
	assert_non_null(strstr(x.out, "  -s, --short"));
	assert_non_null(strstr(x.out, "  -h, --help"));
	parse(&priv, &x, ARGV("report", "-h"));
	assert_int_equal(x.rc, CLIOPT_HELP);
	assert_non_null(strstr(x.out, "no abbreviations"));
}

static void test_reset_between_parses(void **state)
{
	(void)state;
	struct run x;
	parse(&plain, &x, ARGV("cmd", "--flag", "x", "-s"));
	assert_int_equal(x.rc, CLIOPT_OK);
	parse(&plain, &x, ARGV("cmd", "-s"));
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_int_equal(x.r.nargs, 0);
	assert_false(cliopt_seen(&x.r, O_FLAG));
	assert_true(cliopt_seen(&x.r, O_SHORT));
	/* an error half-way through a cluster leaves nothing behind either */
	parse(&plain, &x, ARGV("cmd", "-sx"));
	assert_int_equal(x.rc, CLIOPT_ERROR);
	parse(&plain, &x, ARGV("cmd", "a"));
	assert_int_equal(x.rc, CLIOPT_OK);
	assert_int_equal(x.r.nhits, 0);
}

static void test_caps(void **state)
{
	(void)state;
	struct run x;
	char *argv[CLIOPT_MAX_HITS + 3];
	argv[0] = "cmd";
	for (int i = 1; i <= CLIOPT_MAX_HITS + 1; i++)
		argv[i] = "--flag";
	argv[CLIOPT_MAX_HITS + 2] = NULL;
	parse(&plain, &x, argv);
	assert_int_equal(x.rc, CLIOPT_ERROR);
	assert_non_null(strstr(x.err, "too many options"));
}

static void test_ulong(void **state)
{
	(void)state;
	unsigned long n = 0;
	char buf[2048] = "";
	FILE *err = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_int_equal(cliopt_ulong(&plain, err, O_VALUE, "3600", 1, 3600, &n), CLIOPT_OK);
	assert_int_equal(n, 3600);
	static const char *const bad[] = {"", "0", "3601", "-1", "+5", " 5", "5s", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cliopt_ulong(&plain, err, O_VALUE, bad[i], 1, 3600, &n), CLIOPT_ERROR);
	fclose(err);
	assert_non_null(strstr(buf, "prog cmd: --value \"3601\": expected 1..3600"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mixed_order_and_values),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_posixly_correct_changes_nothing),
		cmocka_unit_test(test_errors_are_one_line_with_a_hint),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_reset_between_parses),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_ulong),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
