// SPDX-License-Identifier: Apache-2.0
/*
 * device.h - reading one device's AMT state over WS-Management from the
 * network side, shared by `amt-verify device` and `amt-verify reports
 * --check`.
 *
 * Owns: the target description (address, port, TLS trust, credentials,
 * 3PDS names), the state read (AMT version, provisioning state and control
 * mode, UUID, wired port, host ID), the text of each field, and the exit
 * code a failed read means.
 * Must not: change anything on the device beyond a 3PDS session; decide
 * what to compare (callers do).
 */
#ifndef VERIFY_DEVICE_H
#define VERIFY_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostid_3pds.h"
#include "verify.h"

#define DEVICE_EXIT_MISMATCH 1 /* a value differs, or AMT refused */
#define DEVICE_EXIT_AUTH 4     /* the device refused the credentials */

struct device_target {
	const char *host;       /* IP literal or host name */
	unsigned port;          /* 0: 16992, or 16993 with tls */
	bool tls, insecure, allow_tls10;
	const char *ca_file;    /* trust for a self-signed AMT certificate */
	const char *pin;        /* or a pinned SHA-256 of its certificate */
	const char *user;
	const uint8_t *password; /* borrowed, never logged */
	size_t password_len;
	struct hostid_names names;
	long timeout_ms;        /* per request; 0 = 15000 */
	/* "HOST:PORT:ADDR:PORT": connect there instead (a tunnel's relay port)
	 * while TLS checks host's name; NULL: connect to host:port */
	const char *connect_to;
	bool skip_host_id;      /* do not read the host ID (3PDS): host_id_state NOT_READ */
	/* Run each HTTP exchange through this (wsman_opts.perform): the fleet
	 * engine's fibers; NULL = blocking. */
	int (*perform)(void *arg, void *curl_easy);
	void *perform_arg;
};

enum device_host_id {
	DEVICE_HOSTID_SET = 0,  /* the 3PDS block holds an ID */
	DEVICE_HOSTID_NONE,     /* 3PDS works, no ID stored */
	DEVICE_HOSTID_NO_3PDS,  /* AMT 12+: no 3PDS, the ID cannot be read over the network */
	DEVICE_HOSTID_NOT_READ, /* skip_host_id */
};

struct device_state {
	char amt_version[32], provisioning_state[8], control_mode[8], uuid[VERIFY_UUID_STR_LEN];
	char mac[18], ipv4[46], dhcp[8], link_up[8];
	char host_id[HOSTID_MAX + 2];
	enum device_host_id host_id_state;
	uint8_t uuid_raw[16];
	int error_kind; /* a failed read: its wsman_err_kind or hostid_status (0 when read) */
};

/* Keys device_field() knows, NULL-terminated. */
extern const char *const device_keys[];

/*
 * Check t without any network I/O (URL, TLS options). 0, or
 * VERIFY_EXIT_USAGE with a reason in err.
 */
int device_target_check(const struct device_target *t, char *err, size_t errlen);
/*
 * Read the device (wsman_global_init() must have run). 0, or an exit code
 * (DEVICE_EXIT_AUTH, VERIFY_EXIT_NETWORK, VERIFY_EXIT_PROTOCOL,
 * DEVICE_EXIT_MISMATCH when AMT refused a request, VERIFY_EXIT_USAGE) with
 * a one-line reason naming the host in err.
 */
int device_read(const struct device_target *t, struct device_state *s, char *err,
		size_t errlen);
/* The text of one field ("" for an unknown key; host_id "(none)" when unset). */
const char *device_field(const struct device_state *s, const char *key);

#endif
