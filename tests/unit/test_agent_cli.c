// SPDX-License-Identifier: Apache-2.0
/*
 * test_agent_cli.c - what a subcommand line needs, decided on the line as
 * the CLI's own option table parses it: every privileged verb and option in
 * every spelling getopt would take is either parsed as privileged or
 * refused as a usage error, never let through as an unprivileged command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
enum { ERROR = -1 }; /* expected: a usage error, nothing runs */

struct row {
	char **argv;
	int expect; /* AGENT_PRIV_* or ERROR */
};

static int classify(char **argv, char *errbuf, size_t cap)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct agent_call call;
	FILE *out = fopen("/dev/null", "w");
	FILE *err = fmemopen(errbuf, cap - 1, "w");
	memset(errbuf, 0, cap);
	assert_non_null(out);
	assert_non_null(err);
	int st = agent_getopt(argc, argv, &call, out, err);
	fclose(out);
	fclose(err);
	return st == CLIOPT_ERROR ? ERROR : (int)agent_call_privilege(&call);
}

static void check(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char err[512], line[256] = "";
		int got = classify(rows[i].argv, err, sizeof(err));
		for (char **a = rows[i].argv; *a; a++) {
			strncat(line, *a, sizeof(line) - strlen(line) - 2);
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
		}
		if (got != rows[i].expect)
			fail_msg("'%s': got %d, expected %d (%s)", line, got, rows[i].expect, err);
		if (got == ERROR && !strstr(err, "amt-agent"))
			fail_msg("'%s': error without the program name: %s", line, err);
	}
}

static void test_report_once_every_spelling(void **state)
{
	(void)state;
	const struct row rows[] = {
		{ARGV("report"), AGENT_PRIV_ANY},
		{ARGV("report", "--json"), AGENT_PRIV_ANY},
		{ARGV("report", "--once"), AGENT_PRIV_ADMIN},
		{ARGV("report", "--json", "--once"), AGENT_PRIV_ADMIN},
		{ARGV("report", "--once", "--json"), AGENT_PRIV_ADMIN},
		{ARGV("report", "--once", "--once"), AGENT_PRIV_ADMIN},
		/* getopt_long alone would take these as --once */
		{ARGV("report", "--o"), ERROR},
		{ARGV("report", "--on"), ERROR},
		{ARGV("report", "--onc"), ERROR},
		{ARGV("report", "--json", "--on"), ERROR},
		{ARGV("report", "--once="), ERROR},
		{ARGV("report", "--once=yes"), ERROR},
		{ARGV("report", "-o"), ERROR},
		{ARGV("report", "--", "--once"), ERROR},
		{ARGV("report", "once"), ERROR},
		{ARGV("report", "--js", "--once"), ERROR},
		/* --help prints and runs nothing */
		{ARGV("report", "--once", "--help"), AGENT_PRIV_ANY},
	};
	check(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_hostid_verbs_every_position(void **state)
{
	(void)state;
	const struct row rows[] = {
		{ARGV("hostid", "show"), AGENT_PRIV_ANY},
		{ARGV("hostid", "--json", "show"), AGENT_PRIV_ANY},
		{ARGV("hostid", "init"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "--json", "init"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "init", "--json"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "--", "init"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "set", "x"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "--json", "--", "set", "--json"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "set", "--json", "x"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "clear"), AGENT_PRIV_ADMIN},
		{ARGV("hostid", "--json", "clear"), AGENT_PRIV_ADMIN},
		{ARGV("hostid"), ERROR}, /* bare: the usage, not a silent "show" */
		{ARGV("hostid", "--json"), ERROR},
		{ARGV("hostid", "set", "a", "b"), ERROR},
	};
	check(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_commands(void **state)
{
	(void)state;
	const struct row rows[] = {
		{ARGV("info"), AGENT_PRIV_ANY},
		{ARGV("info", "--json", "--get", "uuid", "--get=wired.ipv4"), AGENT_PRIV_ANY},
		{ARGV("info", "-j"), AGENT_PRIV_ANY},
		{ARGV("info", "extra"), ERROR},
		{ARGV("call-for-help", "--wait", "5"), AGENT_PRIV_ANY},
		{ARGV("call-for-help", "--close"), AGENT_PRIV_ANY},
		{ARGV("call-for-help", "--wait"), ERROR},
		{ARGV("hello"), AGENT_PRIV_ADMIN},
		{ARGV("hello", "--stop"), AGENT_PRIV_ADMIN},
		{ARGV("hello", "--ipv6", "--json"), AGENT_PRIV_ADMIN},
		{ARGV("hello", "--help"), AGENT_PRIV_ANY},
		{ARGV("presence"), AGENT_PRIV_ANY},
		{ARGV("presence", "--json"), AGENT_PRIV_ANY},
		{ARGV("presence", "extra"), ERROR},
		{ARGV("run"), AGENT_PRIV_LOCAL},
		{ARGV("run", "--help"), AGENT_PRIV_LOCAL},
		{ARGV("inf"), ERROR}, /* no prefix matching of command names */
		{ARGV("--device"), ERROR},
		{ARGV("INFO"), ERROR},
	};
	check(rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_table_is_complete(void **state)
{
	(void)state;
	size_t n;
	const struct agent_cmd *const *cmds = agent_commands(&n);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(cmds[i]->run);
		assert_non_null(cmds[i]->summary);
		assert_string_equal(cmds[i]->cli.prog, "amt-agent");
		assert_ptr_equal(agent_find_command(cmds[i]->cli.name), cmds[i]);
		/* a command with a privileged option spells options out in full */
		bool privileged = false;
		for (int o = 0; cmds[i]->cli.opts && cmds[i]->cli.opts[o].name; o++)
			privileged |= (cmds[i]->cli.opts[o].flags & CLIOPT_PRIVILEGED) != 0;
		assert_int_equal(privileged, cliopt_exact(&cmds[i]->cli));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_once_every_spelling),
		cmocka_unit_test(test_hostid_verbs_every_position),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_table_is_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
