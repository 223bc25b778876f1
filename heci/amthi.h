// SPDX-License-Identifier: Apache-2.0
/*
 * amthi.h - typed AMTHI calls over one firmware connection.
 *
 * Owns: the request/response transaction (write one message, read one
 * message with a timeout, validate), the bounded retry policy (NOT_READY
 * after boot, one resend after an ME reset), and counting transactions so
 * callers and benchmarks can see what a job cost.
 * Must not: print, decide exit codes, or open more than one connection.
 *
 * Every call returns 0, HECI_E_FW_STATUS (firmware refused: *last_status in
 * the session names why), or another negative heci_err.
 */
#ifndef HECI_AMTHI_H
#define HECI_AMTHI_H

#include "amthi_codec.h"
#include "heci.h"

struct amthi_opts {
	int write_timeout_ms;       /* default 5000 (intel/lms) */
	int read_timeout_ms;        /* default 15000 (intel/lms); agent uses less */
	unsigned not_ready_retries; /* extra attempts on NOT_READY, default 0 */
	unsigned not_ready_wait_ms; /* wait between them, default 500 */
	unsigned reset_retries;     /* resends after an ME reset, default 1 */
	/* Optional: called around every request/response pair, so several
	 * processes sharing one ME serialise their transactions (the daemon's
	 * workers do). acquire=true before, false after. */
	void (*txn_lock)(void *arg, bool acquire);
	void *txn_lock_arg;
};

struct amthi {
	struct heci *h;
	struct amthi_opts o;
	uint8_t *buf; /* max_msg_len bytes */
	size_t cap;
	amt_status_t last_status;
	uint32_t last_cmd;
	unsigned transactions; /* request/response pairs completed */
	unsigned resets_seen;
};

/* Connect h to the AMTHI client (if not yet) and prepare a session. */
int amthi_open(struct amthi *s, struct heci *h, const struct amthi_opts *opts);
void amthi_close(struct amthi *s);

/* Raw transaction: body in, validated response body out (borrowed from the
 * session buffer until the next call). */
int amthi_call(struct amthi *s, uint32_t cmd, const uint8_t *body, size_t blen,
	       const uint8_t **resp, size_t *rlen);

int amthi_get_code_versions(struct amthi *s, struct amt_code_versions *out);
int amthi_get_provisioning_state(struct amthi *s, uint32_t *state);
int amthi_get_provisioning_mode(struct amthi *s, struct amt_provisioning_mode *out);
int amthi_get_control_mode(struct amthi *s, uint32_t *mode);
int amthi_get_uuid(struct amthi *s, uint8_t uuid[16]);
int amthi_get_dns_suffix(struct amthi *s, char *out, size_t cap);
int amthi_get_lan_settings(struct amthi *s, uint32_t index, struct amt_lan_settings *out);
int amthi_get_remote_access_status(struct amthi *s, struct amt_remote_access_status *out);
int amthi_enumerate_hash_handles(struct amthi *s, struct amt_hash_handles *out);
int amthi_get_cert_hash_entry(struct amthi *s, uint32_t handle, struct amt_cert_hash_entry *out);
int amthi_get_local_system_account(struct amthi *s, struct amt_local_account *out);
int amthi_get_user_initiated_interfaces(struct amthi *s, uint32_t *bits);
int amthi_get_security_parameters(struct amthi *s, struct amt_security_params *out);
int amthi_start_configuration(struct amthi *s);
int amthi_start_configuration_ex(struct amthi *s, bool ipv6);
int amthi_stop_configuration(struct amthi *s);
int amthi_open_user_initiated_connection(struct amthi *s);
int amthi_close_user_initiated_connection(struct amthi *s);

#endif
