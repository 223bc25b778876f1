// SPDX-License-Identifier: Apache-2.0
/*
 * console_tty.h - the terminal side of `amt-verify console`: raw mode that
 * is restored on every way out, the `~.` escape, and the text escapes of
 * --send / --expect.
 *
 * Owns: saving the terminal's settings, switching it to raw mode and
 * restoring it (from the normal exit path, atexit, and the signals that
 * end the process: each is caught, the terminal restored, and the signal
 * raised again with its default action); the input filter, which passes
 * keys through except `~.` at the start of a line (quit, as ssh) and `~~`
 * (one `~`); and "\r\n\t\e\\\xHH" in script text.
 * Must not: know the redirection protocol or the network.
 */
#ifndef VERIFY_CONSOLE_TTY_H
#define VERIFY_CONSOLE_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Put fd (a terminal) in raw mode, remembering how it was. 0 or -errno. */
int console_tty_raw(int fd);
/* Put it back (safe to call again, and from a signal handler). */
void console_tty_restore(void);

/* The escape filter: after a newline (CR or LF, or at the start), `~` is
 * held; `.` then quits, `~` sends one `~`, anything else sends both. */
struct console_esc {
	bool line_start; /* the next key starts a line */
	bool tilde;      /* a `~` at a line start is held */
};
void console_esc_init(struct console_esc *e);
/* Filter n keys from in to out (room for 2n bytes); *out_len what to send.
 * Returns true when `~.` was typed (keys after it are dropped). */
bool console_esc_filter(struct console_esc *e, const uint8_t *in, size_t n, uint8_t *out,
			size_t *out_len);

/* Decode script text ("login:\r", "\x1b[21~", "\e0"): 0 and the bytes in
 * out (NUL-terminated, *len without it), or -1 for a bad escape or when it
 * does not fit cap - 1. A NUL byte (\x00) is refused. */
int console_unescape(const char *text, char *out, size_t cap, size_t *len);

#endif
