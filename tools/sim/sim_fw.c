// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fw.c - assembly of the simulated firmware from its parts (see
 * sim_fw.h): one table row per part, nothing else.
 */
#include "sim_fw.h"

#include <stdio.h>
#include <string.h>

#include "sim_cira.h"
#include "sim_events.h"
#include "sim_hello.h"
#include "sim_host.h"
#include "sim_lme.h"
#include "sim_redir.h"
#include "sim_wsman.h"

struct sim_fw_part {
	const char *name; /* for "cannot start NAME: why" */
	int (*start)(struct sim_fw *fw, char *err, size_t errcap); /* NULL: started on first use */
	void (*shutdown)(struct sim_fw *fw);                       /* NULL: nothing of its own */
};

/* Started top to bottom, shut down bottom to top. The WS-Man service comes
 * first so that a bad --listen or TLS file fails before any part acts (the
 * hello sender resumes at start), and goes last because the LME relay
 * connects to it. */
static const struct sim_fw_part parts[] = {
	{"the WS-Man service", sim_wsman_register, sim_wsman_shutdown},
	{"the AMTHI client", sim_amthi_register, NULL},
	{"the MKHI client", sim_mkhi_register, NULL},
	{"the host", sim_host_register, sim_host_shutdown},
	{"the redirection service", sim_redir_register, sim_redir_shutdown},
	{"the event sender", sim_events_register, sim_events_shutdown},
	{"the hello sender", sim_hello_register, sim_hello_shutdown},
	{"the CIRA client", NULL, sim_cira_shutdown},
	{"the LME client", sim_lme_register, sim_lme_shutdown},
};

#define PART_COUNT (sizeof(parts) / sizeof(parts[0]))

void sim_fw_apply_faults(struct sim_fw *fw)
{
	struct sim_faults f = {
		.latency_ms = fw->st.latency_ms,
		.busy_connects = fw->st.busy_connects,
		.reset_on_request = fw->st.reset_on_request,
		.reset_count = fw->st.reset_count ? fw->st.reset_count : 1,
		.truncate_cmd = fw->st.truncate_reply,
		.oversize_cmd = fw->st.oversize_reply,
		.tx_queue_limit = fw->st.tx_queue_limit,
	};
	sim_me_set_faults(fw->me, &f);
	sim_me_set_host_present(fw->me, fw->st.host.power == SIM_POWER_ON);
}

static void shutdown_from(struct sim_fw *fw, size_t count)
{
	while (count-- > 0)
		if (parts[count].shutdown)
			parts[count].shutdown(fw);
}

int sim_fw_start(struct sim_fw *fw, char *err, size_t errcap)
{
	char why[256];
	sim_fw_apply_faults(fw);
	for (size_t i = 0; i < PART_COUNT; i++) {
		if (!parts[i].start)
			continue;
		why[0] = '\0';
		int rc = parts[i].start(fw, why, sizeof(why));
		if (rc == 0)
			continue;
		snprintf(err, errcap, "%s: %s", parts[i].name, why[0] ? why : strerror(-rc));
		shutdown_from(fw, i + 1); /* the failed part too: it may have half-started */
		return -1;
	}
	return 0;
}

void sim_fw_shutdown(struct sim_fw *fw)
{
	shutdown_from(fw, PART_COUNT);
}
