// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_fleet_inventory.c - unit tests for the fleet inventory
 * (tools/verify/fleet_inventory.c): CSV with a header (quotes, CRLF,
 * comments, empty cells, column order), JSON lines, what is refused with
 * FILE:LINE (unknown columns and keys, bad hosts, ports and UUIDs, field
 * counts, unterminated quotes, over-long lines, read no further than the
 * cap), a UTF-8 byte order mark, rewinding, and the
 * expectation helpers.
 * Must not: touch anything but its own temporary files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet_inventory.h"

static char path[64];

static void write_file(const char *text, size_t len)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_inventory.%ld", (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static struct fleet_inventory *open_text(const char *text)
{
	struct fleet_inventory *inv = NULL;
	char err[512];

	write_file(text, strlen(text));
	if (fleet_inventory_open(path, &inv, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
	return inv;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void test_csv(void **state)
{
	struct fleet_inventory *inv = open_text(
		"# the lab\r\n"
		"HOST, Port ,uuid,group,control_mode,amt_version\r\n"
		"127.1.0.1,,03000200-0400-0500-0006-000700080009,g1,acm,\r\n"
		"\r\n"
		"\"amt-7.example.org\",16993,,,\"ccm\",\"16.1\"\"x\"\r\n");
	struct fleet_device d;
	char err[512];

	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "127.1.0.1");
	assert_int_equal(d.port, 0);
	assert_string_equal(d.uuid, "03000200-0400-0500-0006-000700080009");
	assert_string_equal(d.group, "g1");
	assert_int_equal(d.nexpect, 1); /* the empty amt_version cell expects nothing */
	assert_string_equal(fleet_device_expected(&d, "control_mode"), "acm");
	assert_null(fleet_device_expected(&d, "amt_version"));
	assert_int_equal(d.line, 3);
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "amt-7.example.org");
	assert_int_equal(d.port, 16993);
	assert_string_equal(fleet_device_expected(&d, "amt_version"), "16.1\"x");
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 0);
	/* rewind: the same rows again */
	assert_int_equal(fleet_inventory_rewind(inv, err, sizeof(err)), 0);
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "127.1.0.1");
	fleet_inventory_close(inv);
}

static void test_jsonl(void **state)
{
	struct fleet_inventory *inv = open_text(
		"{\"host\":\"127.1.0.2\",\"port\":16992,\"uuid\":\"0a000200-0400-0500-0006-00070008000a\","
		"\"group\":\"g0\",\"expect\":{\"provisioning_state\":\"post\"}}\n"
		"# a comment\n"
		"{\"host\":\"::1\"}\n");
	struct fleet_device d;
	char err[512];

	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "127.1.0.2");
	assert_int_equal(d.port, 16992);
	assert_string_equal(d.uuid, "0A000200-0400-0500-0006-00070008000A"); /* upper case */
	assert_string_equal(fleet_device_expected(&d, "provisioning_state"), "post");
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "::1");
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 0);
	fleet_inventory_close(inv);
}

/* Open text as an inventory and read it to the end: -1 with err when it is
 * refused. */
static int read_all(const char *text, char *err, size_t errlen)
{
	struct fleet_inventory *inv = NULL;
	struct fleet_device d;
	int r;

	write_file(text, strlen(text));
	r = fleet_inventory_open(path, &inv, err, errlen);
	if (r == 0) {
		while ((r = fleet_inventory_next(inv, &d, err, errlen)) == 1)
			;
		fleet_inventory_close(inv);
	}
	return r;
}

/* Reading text ends in a refusal "FILE:LINE: ..." naming want. */
static void refused(const char *text, unsigned line, const char *want)
{
	char err[512] = "", at[80];
	int r = read_all(text, err, sizeof(err));

	if (r != -1)
		fail_msg("accepted: %s", text);
	snprintf(at, sizeof(at), "%s:%u: ", path, line);
	if (!strstr(err, at) || !strstr(err, want))
		fail_msg("%s: expected \"%s%s\", got \"%s\"", text, at, want, err);
}

static void test_refused(void **state)
{
	char longline[70000];

	refused("host,colour\n1.2.3.4,blue\n", 1, "unknown column \"colour\"");
	refused("port\n16992\n", 1, "no \"host\" column");
	refused("host,host\n1.2.3.4,1.2.3.4\n", 1, "twice");
	refused("host,port\n1.2.3.4,70000\n", 2, "port");
	refused("host,port\n1.2.3.4,-1\n", 2, "port");
	refused("host\n1.2.3.4 5\n", 2, "host");
	refused("host\n;rm -rf\n", 2, "host");
	refused("host,uuid\n1.2.3.4,not-a-uuid\n", 2, "uuid");
	refused("host,uuid\n1.2.3.4,03000200-0400-0500-0006-00070008000G\n", 2, "uuid");
	refused("host,group\n1.2.3.4,g 1\n", 2, "group");
	refused("host,port\n1.2.3.4\n", 2, "1 fields, the header names 2");
	refused("host\n\"1.2.3.4\n", 2, "quoted field does not end");
	refused("host\n\"1.2.3.4\"x\n", 2, "after a closing quote");
	refused("host\n1.2\"3.4\n", 2, "quote inside");
	refused("host,control_mode\n1.2.3.4,a\x01\n", 2, "printable");
	refused("{\"host\":\"1.2.3.4\",\"hots\":1}\n", 1, "unknown key \"hots\"");
	refused("{\"host\":\"1.2.3.4\",\"expect\":{\"colour\":\"blue\"}}\n", 1, "unknown device key");
	refused("{\"host\":\"1.2.3.4\",\"host\":\"5.6.7.8\"}\n", 1, "not a JSON object");
	refused("{\"host\":\"1.2.3.4\",\"port\":\"16992\"}\n", 1, "port");
	refused("{\"port\":16992}\n", 1, "no \"host\"");
	refused("{\"host\":\"1.2.3.4\"}\n[1]\n", 2, "not a JSON object");
	/* values are quoted with their control and non-ASCII bytes as '?':
	 * an escape sequence in the file cannot reach the terminal */
	refused("host,\x1b[2Jcolour\xc3\xa9\n1.2.3.4,blue\n", 1, "unknown column \"?[2jcolour??\"");
	refused("host\n\x1b]0;x\x07\n", 2, "host: \"?]0;x?\"");
	refused("{\"host\":\"1.2.3.4\",\"\\u001bkey\":1}\n", 1, "unknown key \"?key\"");
	/* jansson's own message quotes the input too */
	refused("{\"host\":\"a\",\"\xc2\x9b\":\"b\"\x1b[2J}\n", 1, "not a JSON object: ");
	{
		char err[512] = "";

		assert_int_equal(read_all("{\"host\":\"a\",\"\xc2\x9b\":\"b\"\x1b[2J}\n", err,
					  sizeof(err)),
				 -1);
		for (const char *c = err; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				fail_msg("a raw byte 0x%02x in: %s", (unsigned char)*c, err);
	}
	memset(longline, 'a', sizeof(longline) - 2);
	memcpy(longline, "host\n", 5);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	refused(longline, 2, "longer than");
}

/* Spreadsheets' "CSV UTF-8" starts the file with a byte order mark: not
 * part of the first column's name (nor of a JSON line). */
static void test_bom(void **state)
{
	struct fleet_inventory *inv = open_text("\xef\xbb\xbfhost,port\r\n1.2.3.4,16993\r\n");
	struct fleet_device d;
	char err[512];

	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "1.2.3.4");
	assert_int_equal(d.port, 16993);
	assert_int_equal(fleet_inventory_rewind(inv, err, sizeof(err)), 0);
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "1.2.3.4");
	fleet_inventory_close(inv);
	inv = open_text("\xef\xbb\xbf{\"host\":\"::1\"}\n{\"host\":\"::2\"}\n");
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "::1");
	assert_int_equal(d.line, 1);
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), 1);
	assert_string_equal(d.host, "::2");
	fleet_inventory_close(inv);
	/* only at the start of the file */
	refused("host\n\xef\xbb\xbf" "1.2.3.4\n", 2, "host");
}

/* The file offset of the descriptor open on path in this process, or -1. */
static long long offset_of_open(const char *file)
{
	char link[128], target[256], line[128];
	long long pos = -1;
	FILE *f;

	for (int fd = 3; fd < 1024 && pos < 0; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, file) != 0)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fdinfo/%d", fd);
		f = fopen(link, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "pos: %lld", &pos) == 1)
				break;
		fclose(f);
	}
	return pos;
}

/* An over-long line is refused without reading it whole: a 4 MiB line
 * stops the reader within the 64 KiB cap (plus stdio's buffer). */
static void test_long_line_bounded(void **state)
{
	size_t big = 4u << 20;
	char *text = malloc(big + 16);
	struct fleet_inventory *inv = NULL;
	struct fleet_device d;
	char err[512];
	long long pos;

	assert_non_null(text);
	memcpy(text, "host\n", 5);
	memset(text + 5, 'a', big);
	memcpy(text + 5 + big, "\n", 2);
	write_file(text, strlen(text));
	free(text);
	assert_int_equal(fleet_inventory_open(path, &inv, err, sizeof(err)), 0);
	assert_int_equal(fleet_inventory_next(inv, &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line longer than 65536 bytes"));
	pos = offset_of_open(path);
	fleet_inventory_close(inv);
	if (pos < 0 || pos > 256 * 1024)
		fail_msg("read %lld bytes of a 4 MiB file to refuse its over-long line", pos);
}

static void test_empty(void **state)
{
	struct fleet_inventory *inv = NULL;
	char err[512];

	write_file("# nothing\n\n", 11);
	assert_int_equal(fleet_inventory_open(path, &inv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no devices"));
	assert_int_equal(fleet_inventory_open("/nonexistent/inv.csv", &inv, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open the inventory"));
}

static void test_expect_helpers(void **state)
{
	struct fleet_device d = {0};

	assert_int_equal(fleet_device_expect(&d, "control_mode", "acm"), 0);
	assert_int_equal(fleet_device_expect(&d, "control_mode", "ccm"), 0); /* replaced */
	assert_int_equal(d.nexpect, 1);
	assert_string_equal(fleet_device_expected(&d, "control_mode"), "ccm");
	for (int i = 0; i < FLEET_MAX_EXPECT - 1; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(fleet_device_expect(&d, k, "v"), 0);
	}
	assert_int_equal(fleet_device_expect(&d, "one-too-many", "v"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_csv, teardown),
		cmocka_unit_test_teardown(test_jsonl, teardown),
		cmocka_unit_test_teardown(test_refused, teardown),
		cmocka_unit_test_teardown(test_bom, teardown),
		cmocka_unit_test_teardown(test_long_line_bounded, teardown),
		cmocka_unit_test_teardown(test_empty, teardown),
		cmocka_unit_test(test_expect_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
