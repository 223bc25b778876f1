// SPDX-License-Identifier: Apache-2.0
/*
 * sockproto.h - the agent service's local socket protocol, version 1 (in common/:
 * the daemon, the CLI and the desktop app amt-help all speak it).
 *
 * One request and one response per connection, each one JSON object on one
 * line (at most SOCKPROTO_MAX_LINE bytes):
 *   request   {"v":1,"argv":["info","--json"]}
 *   response  {"v":1,"exit":0,"stdout":"...","stderr":"..."}
 * argv is a subcommand line as the CLI would take it (no global options).
 * The daemon runs it with its own configuration and returns exactly what the
 * CLI would have printed and its exit code.
 * Owns: encoding, decoding and validating these messages.
 * Must not: do I/O, interpret argv (the daemon parses it with the CLI's own
 * option table, agent_getopt, and decides privileges on the result) or look
 * at credentials.
 */
#ifndef AGENT_SOCKPROTO_H
#define AGENT_SOCKPROTO_H

#include <stddef.h>

#define SOCKPROTO_VERSION 1
#define SOCKPROTO_MAX_LINE 16384u   /* a request line, newline included */
#define SOCKPROTO_MAX_RESPONSE (1u << 20)
#define SOCKPROTO_MAX_ARGS 16
#define SOCKPROTO_MAX_ARG 512

struct sock_request {
	int argc;
	char *argv[SOCKPROTO_MAX_ARGS + 1]; /* NULL-terminated */
};

/* Parse one request line (without or with its trailing newline). On error
 * returns -1 with a reason in err; *out is left empty. */
int sockproto_parse_request(const char *line, size_t len, struct sock_request *out, char *err,
			    size_t errcap);
void sockproto_request_free(struct sock_request *r);

/* malloc'd lines ending in '\n'; NULL on ENOMEM or invalid UTF-8 input. */
char *sockproto_encode_request(int argc, char *const argv[]);
char *sockproto_encode_response(int exit_code, const char *out, size_t outlen, const char *err,
				size_t errlen);
/* Parse a response; *out and *err are malloc'd. Returns 0 or -1. */
int sockproto_parse_response(const char *line, size_t len, int *exit_code, char **out,
			     char **err);

#endif
