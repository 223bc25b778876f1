// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_local.h - the agent's local way to AMT's WS-Management service, the
 * one hostid, call-for-help (inside the enterprise) and agent presence use:
 * Intel LMS on [hostid] lms_url (127.0.0.1:16992) when it answers and root
 * owns its listener (sockowner.h; anyone else there is ignored, see the
 * README), else the agent's own APF tunnel over the ME's LME client (never
 * both: LME is LMS's while it runs); and the credentials, [hostid] user and
 * password_file when set, else the local system account
 * (GetLocalSystemAccount, valid from the host side only).
 * Owns: that choice and the lme_bridge it may open.
 * Must not: load the network module (callers hand the result to it), or
 * print a password (it is wiped in wsman_local_close).
 */
#ifndef AGENT_WSMAN_LOCAL_H
#define AGENT_WSMAN_LOCAL_H

#include "agent.h"

struct lme_bridge;

struct wsman_local {
	const char *transport; /* "lms" | "lme"; NULL before wsman_local_transport */
	const char *url;
	int (*open_socket)(void *arg); /* LME: the bridge's; LMS: NULL */
	void *open_socket_arg;
	struct lme_bridge *bridge;
	char user[64];
	char password[128];
};

/* Choose LMS or LME on h (h must outlive w). 0, or an exit code after one
 * line on ctx->err. */
int wsman_local_transport(struct agent_ctx *ctx, struct heci *h, struct wsman_local *w);
/* The credentials: the configured user and password file, else the local
 * system account read over AMTHI on h. 0, or an exit code after one line on
 * ctx->err naming what (e.g. "call for help"). */
int wsman_local_credentials(struct agent_ctx *ctx, struct heci *h, struct wsman_local *w,
			    const char *what);
/* Close the bridge, wipe the password. NULL-safe, idempotent. */
void wsman_local_close(struct wsman_local *w);

#endif
