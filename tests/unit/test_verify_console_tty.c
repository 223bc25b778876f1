// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_console_tty.c - the input side of `amt-verify console`
 * (tools/verify/console_tty.c): the `~.` escape only at the start of a
 * line (also split across reads), `~~` as one `~`, a lone `~` passed on,
 * and the script text escapes with their refusals; plus raw mode on a real
 * pseudo-terminal, restored by console_tty_restore().
 * Must not: touch the test runner's own terminal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include "tools/verify/console_tty.h"

static bool filter(struct console_esc *e, const char *in, char *out)
{
	size_t n = 0;
	bool quit = console_esc_filter(e, (const uint8_t *)in, strlen(in), (uint8_t *)out, &n);
	out[n] = '\0';
	return quit;
}

static void t_escape(void **state)
{
	struct console_esc e;
	char out[64];
	(void)state;
	console_esc_init(&e);
	assert_true(filter(&e, "~.", out)); /* at the very start */
	assert_string_equal(out, "");
	console_esc_init(&e);
	assert_false(filter(&e, "ls ~.", out)); /* mid-line: typed as is */
	assert_string_equal(out, "ls ~.");
	assert_true(filter(&e, "\r~.junk", out)); /* after Enter */
	assert_string_equal(out, "\r");
	console_esc_init(&e);
	assert_false(filter(&e, "a\n~~b", out));
	assert_string_equal(out, "a\n~b");
	assert_false(filter(&e, "\r~x", out));
	assert_string_equal(out, "\r~x");
	/* split: the ~ is held until the next read decides */
	assert_false(filter(&e, "\r~", out));
	assert_string_equal(out, "\r");
	assert_true(filter(&e, ".", out));
	console_esc_init(&e);
	assert_false(filter(&e, "\n~", out));
	assert_false(filter(&e, "?", out));
	assert_string_equal(out, "~?");
	/* after ~~ the line does not start again */
	console_esc_init(&e);
	assert_false(filter(&e, "~~.", out));
	assert_string_equal(out, "~.");
}

static void t_unescape(void **state)
{
	char out[16];
	size_t n = 99;
	(void)state;
	assert_int_equal(console_unescape("a\\r\\n\\t\\\\", out, sizeof(out), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\r\n\t\\", 5);
	assert_int_equal(console_unescape("\\e[21~", out, sizeof(out), &n), 0);
	assert_memory_equal(out, "\x1b[21~", 5);
	assert_int_equal(console_unescape("\\x1B0", out, sizeof(out), &n), 0);
	assert_memory_equal(out, "\x1b" "0", 2);
	assert_int_equal(console_unescape("", out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
	static const char *const bad[] = {"\\q", "\\x0", "\\x00", "\\xg1", "end\\", NULL};
	for (int i = 0; bad[i]; i++)
		assert_int_equal(console_unescape(bad[i], out, sizeof(out), &n), -1);
	assert_int_equal(console_unescape("0123456789abcdef", out, sizeof(out), &n), -1); /* 16+NUL */
	assert_int_equal(console_unescape("0123456789abcde", out, sizeof(out), &n), 0);
}

static void t_raw_mode_restored(void **state)
{
	int master, slave;
	struct termios before, during, after;
	(void)state;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_int_equal(tcgetattr(slave, &before), 0);
	assert_true(before.c_lflag & ICANON);
	assert_int_equal(console_tty_raw(slave), 0);
	assert_int_equal(tcgetattr(slave, &during), 0);
	assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
	console_tty_restore();
	console_tty_restore(); /* twice is harmless */
	assert_int_equal(tcgetattr(slave, &after), 0);
	assert_int_equal(after.c_lflag, before.c_lflag);
	assert_int_equal(after.c_iflag, before.c_iflag);
	assert_int_equal(after.c_oflag, before.c_oflag);
	/* not a terminal */
	int fd = open("/dev/null", O_RDONLY);
	assert_true(console_tty_raw(fd) < 0);
	close(fd);
	close(master);
	close(slave);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_escape),
		cmocka_unit_test(t_unescape),
		cmocka_unit_test(t_raw_mode_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
