// SPDX-License-Identifier: Apache-2.0
/*
 * console_tty.c - raw mode, the escape filter and script text (see
 * console_tty.h). The saved settings live in one static slot because a
 * signal handler must reach them; only the console command uses it.
 */
#include "console_tty.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t saved_fd = -1;
static const int fatal_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT};

void console_tty_restore(void)
{
	int fd = saved_fd;
	if (fd >= 0) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		saved_fd = -1;
	}
}

static void on_fatal(int sig)
{
	console_tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	console_tty_restore();
}

int console_tty_raw(int fd)
{
	struct termios raw;
	static bool hooked;
	if (tcgetattr(fd, &saved) != 0)
		return -errno;
	if (!hooked) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal;
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
			sigaction(fatal_signals[i], &sa, NULL);
		atexit(at_exit);
		hooked = true;
	}
	raw = saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	saved_fd = fd;
	if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
		int e = errno;
		saved_fd = -1;
		return -e;
	}
	return 0;
}

void console_esc_init(struct console_esc *e)
{
	e->line_start = true;
	e->tilde = false;
}

bool console_esc_filter(struct console_esc *e, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];
		if (e->tilde) {
			e->tilde = false;
			if (b == '.') {
				*out_len = o;
				return true;
			}
			out[o++] = '~';
			if (b == '~') { /* ~~ is one ~ */
				e->line_start = false;
				continue;
			}
		} else if (e->line_start && b == '~') {
			e->tilde = true;
			continue;
		}
		out[o++] = b;
		e->line_start = b == '\r' || b == '\n';
	}
	*out_len = o;
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int console_unescape(const char *text, char *out, size_t cap, size_t *len)
{
	size_t o = 0;
	for (const char *p = text; *p; p++) {
		char c = *p;
		if (c == '\\') {
			switch (*++p) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'e': c = 0x1b; break;
			case '\\': c = '\\'; break;
			case 'x': {
				int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
				if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
					return -1;
				c = (char)(hi << 4 | lo);
				p += 2;
				break;
			}
			default: return -1; /* including a lone trailing backslash */
			}
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	*len = o;
	return 0;
}
