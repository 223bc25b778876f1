// SPDX-License-Identifier: Apache-2.0
/*
 * report.h - reports to the management server: build (info JSON plus host
 * ID, host name, agent version, report ID, timestamp), spool, send.
 * Must not: schedule; the daemon decides when a cycle runs.
 */
#ifndef AGENT_REPORT_H
#define AGENT_REPORT_H

#include <stdbool.h>

#include "agent.h"

enum report_mode {
	REPORT_FORCE,      /* make a report now */
	REPORT_IF_CHANGED, /* make one only when the AMT state changed */
	REPORT_FLUSH_ONLY, /* only send what is spooled */
};

/* report_cycle() exit codes (also worker exit statuses) */
#define REPORT_EXIT_DONE 0     /* spool empty */
#define REPORT_EXIT_PENDING 75 /* reports wait for the server (EX_TEMPFAIL) */
#define REPORT_EXIT_ERROR 1    /* could not read the ME or write the spool */

struct report_result {
	char report_id[37]; /* empty when no report was made */
	unsigned sent, pending, rejected;
	long last_http_status;
	char error[256]; /* why the last send or the collection failed */
	int collect_rc;  /* heci error of the collection, 0 if fine */
	bool spool_failed; /* the report could not be written: error says why */
	bool local_failure; /* no report made for a local reason (memory, randomness) */
};

/* One cycle: maybe make a report (mode), then send the spool in order.
 * result may be NULL. */
int report_cycle(struct agent_ctx *ctx, enum report_mode mode, struct report_result *result);

/* Send the spool in order through net (see report.c): 2xx -> delivered,
 * 4xx -> rejected/, anything else stops the run. Exposed for tests. */
struct agent_net;
struct spool;
int report_send_spool(const struct agent_net *net, const struct agent_config *c,
		      const struct spool *sp, struct report_result *res);

#endif
