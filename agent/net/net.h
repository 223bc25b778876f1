// SPDX-License-Identifier: Apache-2.0
/*
 * net.h - the agent's network module (amt-agent-net.so), loaded on demand.
 *
 * libcurl, libxml2 and OpenSSL with their dependency trees cost about 8 ms
 * of start-up per process and most of the daemon's memory, yet only
 * `hostid` (WS-Management) and report sending need them. They live in a
 * module the agent loads with dlopen() when one of those runs, so `info`,
 * `hello`, `call-for-help` and the idle daemon never map them.
 * Owns: the ABI between amt-agent and the module: plain structs in, plain
 * structs out, no library types. Failures come back as an error class that
 * the agent's exitcode.c maps to an exit code, and a one-line message.
 * Must not: grow beyond what crosses the boundary, or carry policy: the
 * module reads, writes and clears a host ID (hostid.c decides when), makes
 * one agent presence call (the daemon decides when), and counts AMT's
 * subscribers (call_for_help.c says what that means).
 */
#ifndef AGENT_NET_H
#define AGENT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostid_format.h"

#define AGENT_NET_ABI 3
#define AGENT_NET_SYMBOL "amt_agent_net_v3" /* also in net.map, its only export */
#define AGENT_NET_FILE "amt-agent-net.so"
#define NET_BODY_MAX (64u * 1024u) /* a server's answer kept at most */

/* Why a module call failed; exitcode.c turns it into an exit code. */
enum net_error_class {
	NET_ERR_NONE = 0,
	NET_ERR_REFUSED,  /* AMT refused: SOAP fault, ReturnValue, 3PDS registration */
	NET_ERR_PROTOCOL, /* an answer could not be understood */
	NET_ERR_INVALID,  /* the request itself was not acceptable (e.g. the ID) */
	NET_ERR_AUTH,     /* the credentials were refused */
	NET_ERR_TIMEOUT,  /* no answer at all (connection or time-out) */
	NET_ERR_NETWORK,  /* network or server error with an answer */
	NET_ERR_LOCAL,    /* the module could not work (memory, libcurl set-up) */
};

struct net_post {
	const char *url, *ca_file, *client_cert, *client_key, *token_file;
	unsigned timeout_ms;
	const char *text;
	size_t len;
};

struct net_post_result {
	long status;          /* HTTP status; 0 when none was received */
	char *body;           /* the server's answer (NUL-terminated, may be NULL) */
	size_t body_len;
	bool body_truncated;  /* longer than NET_BODY_MAX: the rest was not kept */
	char error[256];      /* transport failure, when status is 0 */
};

enum net_hostid_action { NET_HOSTID_READ, NET_HOSTID_WRITE, NET_HOSTID_CLEAR };

struct net_hostid_req {
	const char *url, *user, *password;
	int (*open_socket)(void *arg); /* APF tunnel, or NULL for TCP to url */
	void *open_socket_arg;
	const char *vendor, *application, *enterprise, *block_name;
	const uint8_t *uuid; /* 16 raw bytes: the caller UUID */
	enum net_hostid_action action;
	const char *id; /* WRITE */
};

enum net_hostid_status {
	NET_HOSTID_OK = 0,
	NET_HOSTID_NONE = 1,    /* storage works, nothing stored (or nothing to clear) */
	NET_HOSTID_ABSENT = 2,  /* the firmware has no 3PDS */
	NET_HOSTID_FAILED = -1, /* error_class and message say why */
};

struct net_hostid_result {
	enum net_hostid_status status;
	char id[HOSTID_MAX + 2]; /* READ */
	enum net_error_class error_class;
	char message[640];
};

/* Where AMT's WS-Man service is and who we are to it (wsman_local.h). */
struct net_wsman_target {
	const char *url, *user, *password;
	int (*open_socket)(void *arg); /* APF tunnel, or NULL for TCP to url */
	void *open_socket_arg;
};

/* Agent presence (AMT_AgentPresenceWatchdog), one call:
 *   STATUS    Get the watchdog for guid
 *   REGISTER  RegisterAgent, then AssertPresence(number + 1) and Get
 *   ASSERT    AssertPresence(seq), then Get (the state AMT now reports)
 *   SHUTDOWN  AssertShutdown(seq) */
enum net_presence_action {
	NET_PRESENCE_STATUS,
	NET_PRESENCE_REGISTER,
	NET_PRESENCE_ASSERT,
	NET_PRESENCE_SHUTDOWN,
};

struct net_presence_req {
	struct net_wsman_target t;
	enum net_presence_action action;
	const uint8_t *guid; /* the agent's 16 wire bytes (DeviceID decoded) */
	uint32_t seq;        /* ASSERT, SHUTDOWN: the number to send */
};

enum net_presence_status {
	NET_PRESENCE_OK = 0,
	NET_PRESENCE_NO_WATCHDOG = 1, /* AMT has no watchdog for this GUID */
	NET_PRESENCE_REFUSED = 2,     /* a ReturnValue other than 0 (return_value) */
	NET_PRESENCE_FAILED = -1,     /* error_class and message say why */
};

struct net_presence_result {
	enum net_presence_status status;
	uint32_t return_value;
	uint32_t seq;       /* REGISTER: the last number sent (registered + 1) */
	uint32_t state;     /* CurrentState after the call (1, 2, 4, 8, 16); 0 unknown */
	uint32_t timeout_s, startup_s;
	enum net_error_class error_class;
	char message[640];
};

/* How many subscribers a call for help inside the enterprise reaches: the
 * CIM_FilterCollectionSubscription instances on "Intel(r) AMT:All" or
 * "...:Features" (what Intel LMS checks before it asks for one). */
struct net_cila_result {
	int status; /* 0, or -1 with error_class and message */
	unsigned subscribers;
	enum net_error_class error_class;
	char message[640];
};

struct agent_net {
	int abi;
	void (*set_log_level)(int level);
	void (*post)(const struct net_post *p, struct net_post_result *r);
	void (*post_result_free)(struct net_post_result *r);
	void (*hostid_3pds)(const struct net_hostid_req *req, struct net_hostid_result *res);
	void (*presence)(const struct net_presence_req *req, struct net_presence_result *res);
	void (*cila_subscribers)(const struct net_wsman_target *t, struct net_cila_result *res);
};

/* Load the module (once per process): next to the running binary first,
 * then in BINDIR/../lib/amt-agent, then AMT_AGENT_LIBDIR (net_load.c).
 * NULL with a one-line reason in err. */
const struct agent_net *agent_net_load(int log_level, char *err, size_t errcap);

#endif
