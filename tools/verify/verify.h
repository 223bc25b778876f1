// SPDX-License-Identifier: Apache-2.0
/*
 * verify.h - amt-verify's subcommand entry points, exit codes and small
 * helpers shared by its receivers (text forms of times, addresses, UUIDs,
 * hex, secret files, option values).
 *
 * Owns: the exit-code contract of amt-verify (the project's numbering:
 * 0 success, 2 usage/config, 8 network/server, 10 protocol) and the
 * helpers implemented in verify_util.c.
 * Must not: hold state; every helper is a pure function or a single
 * bounded read of a file.
 */
#ifndef VERIFY_VERIFY_H
#define VERIFY_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum verify_exit {
	VERIFY_EXIT_OK = 0,
	VERIFY_EXIT_USAGE = 2,     /* usage or configuration error */
	VERIFY_EXIT_NETWORK = 8,   /* network or server error (e.g. cannot bind) */
	VERIFY_EXIT_PROTOCOL = 10, /* a peer's reply could not be understood */
};

#define VERIFY_PROG "amt-verify"

/* Subcommands: argv[0] is the subcommand name; return an exit code. */
int cmd_listen(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_device(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_tunnels(int argc, char **argv);
int cmd_power(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_ider(int argc, char **argv);
int cmd_consent(int argc, char **argv);
int cmd_subscribe(int argc, char **argv);
int cmd_unsubscribe(int argc, char **argv);
int cmd_subscriptions(int argc, char **argv);
int cmd_presence(int argc, char **argv);
int cmd_fleet(int argc, char **argv);

/* ---- time ---- */
#define VERIFY_TIME_LEN 32 /* "2026-11-22T10:00:00.123Z" + NUL, with room */
int64_t verify_now_ms(void);  /* wall clock, ms since the epoch */
int64_t verify_mono_ms(void); /* monotonic, ms */
/* ms since the epoch -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void verify_time_iso(int64_t ms, char out[VERIFY_TIME_LEN]);
/*
 * --since values: an ISO-8601 time "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]"
 * (no zone = UTC), or a duration before now_ms: "N" followed by s, m, h or d.
 * 0 and *out_ms, or -1 when s is neither.
 */
int verify_parse_time(const char *s, int64_t now_ms, int64_t *out_ms);

/* ---- numbers, addresses ---- */
/* Decimal in [min, max]; 0 or -1. */
int verify_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
/*
 * "ADDR[:PORT]" where ADDR is an IPv4 literal, "[IPv6]", a bare IPv6 literal
 * (no port), or empty / "*" for all IPv4 interfaces. default_port is used
 * when no port is given; ":0" asks the kernel for a free port.
 * 0, or -1 with a reason in err.
 */
int verify_parse_listen_addr(const char *s, uint16_t default_port, struct sockaddr_storage *ss,
			     socklen_t *sslen, char *err, size_t errlen);
/* "1.2.3.4:5" or "[::1]:5"; "?" for unknown families. */
void verify_sockaddr_str(const struct sockaddr *sa, char *out, size_t cap);

/* ---- text ---- */
#define VERIFY_UUID_STR_LEN 37
/* Canonical upper-case text of a 16-byte mixed-endian (GUID) UUID. */
void verify_uuid_str(const uint8_t raw[16], char out[VERIFY_UUID_STR_LEN]);
/* Lower-case hex of n bytes; out must hold 2n+1. */
void verify_hex(const uint8_t *p, size_t n, char *out, size_t cap);
/* Peer-supplied bytes made safe for logs and JSON: printable ASCII kept,
 * anything else becomes '?'; truncated to cap-1. */
void verify_printable(const char *p, size_t n, char *out, size_t cap);

/* ---- secrets ---- */
#define VERIFY_SECRET_MAX 1024u
/*
 * Read a secret file: a regular file, not readable by "other", at most
 * VERIFY_SECRET_MAX bytes, not empty after one trailing "\n" or "\r\n" is
 * stripped. *out is malloc'ed and NUL-terminated after *len bytes; release
 * it with verify_secret_free().
 * 0, or -1 with a one-line reason (never the content) in err.
 */
int verify_read_secret(const char *path, uint8_t **out, size_t *len, char *err, size_t errlen);
void verify_secret_free(uint8_t *p, size_t len);

#endif
