// SPDX-License-Identifier: Apache-2.0
/*
 * listen_verify.h - verify-on-connect for `amt-verify listen --mps`: once a
 * tunnel is up, read AMT_GeneralSettings and CIM_SoftwareIdentity through
 * its relay port, the way a technician's tool would, and record
 * "cira_verified" (AMT version and host name as read through the tunnel)
 * or "cira_verify_failed" (the reason): proof from the network side that
 * the help path works end to end.
 *
 * Owns: one worker thread (libcurl is blocking; the relay it talks to runs
 * on the listener's loop), its queue of jobs, and handing results back to
 * the loop through a pipe, where they are recorded (events, and the
 * tunnel's host name in the store).
 * Must not: touch the store or the loop from the worker thread; log the
 * device password.
 */
#ifndef VERIFY_LISTEN_VERIFY_H
#define VERIFY_LISTEN_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "listen.h"
#include "verify.h"

#define LISTEN_VERIFY_QUEUE_MAX 1024u /* tunnels waiting; more are not verified (logged) */

struct listen_verifier_cfg {
	const char *user;
	const uint8_t *password; /* borrowed; outlives the verifier */
	size_t password_len;
	const char *ca_file;     /* trust for AMT's TLS certificate (16993); NULL: system store */
	long timeout_ms;         /* per request */
};

struct listen_verify_job {
	int64_t tunnel_id;                 /* the store row to complete with the host name */
	char uuid[VERIFY_UUID_STR_LEN];
	char source[64];                   /* the device */
	char relay[64];                    /* "127.0.0.1:41234": a relay port */
	unsigned amt_port;                 /* 16992 (HTTP) or 16993 (TLS) */
	char tls_name[80];                 /* 16993: the name AMT's certificate must carry */
};

/* Start the worker (wsman_global_init() must have run). NULL with a
 * one-line reason in err. */
struct listen_verifier *listen_verifier_new(struct listen_ctx *ctx,
					    const struct listen_verifier_cfg *cfg, char *err,
					    size_t errlen);
void listen_verifier_submit(struct listen_verifier *v, const struct listen_verify_job *job);
/* Join the worker; jobs not started are dropped. NULL-safe. */
void listen_verifier_free(struct listen_verifier *v);

#endif
