/*
 * net.h - the agent's network module (amt-agent-net.so), loaded on demand.
 *
 * libcurl, libxml2 and OpenSSL with their dependency trees cost about 8 ms
 * of start-up per process and most of the daemon's memory, yet only
 * `hostid` (WS-Management) and report sending need them. They live in a
 * module the agent loads with dlopen() when one of those runs, so `info`,
 * `hello`, `call-for-help` and the idle daemon never map them.
 * Owns: the ABI between amt-agent and the module: plain structs in, plain
 * structs out, no library types.
 * Must not: grow beyond what crosses the boundary.
 */
#ifndef AGENT_NET_H
#define AGENT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostid_format.h"

#define AGENT_NET_ABI 1
#define AGENT_NET_SYMBOL "amt_agent_net_v1"
#define AGENT_NET_FILE "amt-agent-net.so"

struct net_post {
	const char *url, *ca_file, *client_cert, *client_key, *token_file;
	unsigned timeout_ms;
	const char *text;
	size_t len;
};

struct net_post_result {
	long status; /* HTTP status; 0 when none was received */
	char body[4096];
	size_t body_len;
	char error[256]; /* transport failure, when status is 0 */
};

enum net_hostid_action { NET_HOSTID_SHOW, NET_HOSTID_INIT, NET_HOSTID_SET, NET_HOSTID_CLEAR };

struct net_hostid_req {
	const char *url, *user, *password;
	int (*open_socket)(void *arg); /* APF tunnel, or NULL for TCP to url */
	void *open_socket_arg;
	const char *vendor, *application, *enterprise, *block_name;
	const uint8_t *uuid; /* 16 raw bytes: the caller UUID */
	enum net_hostid_action action;
	const char *new_id;      /* SET */
	const char *restore_id;  /* INIT: what to store when the firmware holds none */
};

enum net_hostid_status {
	NET_HOSTID_OK = 0,
	NET_HOSTID_NONE = 1,    /* storage works, nothing stored (or nothing to clear) */
	NET_HOSTID_ABSENT = 2,  /* the firmware has no 3PDS */
	NET_HOSTID_FAILED = -1, /* message and exit_code say why */
};

struct net_hostid_result {
	enum net_hostid_status status;
	char id[HOSTID_MAX + 2];
	bool created;
	int exit_code; /* for NET_HOSTID_FAILED */
	char message[640];
};

struct agent_net {
	int abi;
	void (*set_log_level)(int level);
	void (*post)(const struct net_post *p, struct net_post_result *r);
	void (*hostid_3pds)(const struct net_hostid_req *req, struct net_hostid_result *res);
};

/* Load the module (once per process): next to the running binary first,
 * then AMT_AGENT_LIBDIR. NULL with a one-line reason in err. */
const struct agent_net *agent_net_load(int log_level, char *err, size_t errcap);

#endif
