// SPDX-License-Identifier: Apache-2.0
/*
 * info.h - the AMT state the agent reads from the ME (amt-agent info), and
 * its JSON and text forms. Reports (daemon) reuse the same JSON.
 * Must not: print errors; callers report through exitcode.h.
 */
#ifndef AGENT_INFO_H
#define AGENT_INFO_H

#include <jansson.h>
#include <stdio.h>

#include "agent.h"
#include "mkhi_codec.h"

#define INFO_JSON_SCHEMA 1

struct amt_info {
	struct amt_code_versions versions;
	uint32_t provisioning_state;
	uint32_t control_mode;
	uint8_t uuid[16];
	char dns_suffix[AMT_MAX_ANSI_LEN + 1];
	struct amt_lan_settings wired;
	bool wireless_present;
	struct amt_lan_settings wireless;
	struct amt_remote_access_status cira;
	bool ui_interfaces_known; /* false: the firmware refused the question */
	uint32_t ui_interfaces;   /* GetUserInitiatedEnabledInterfaces: AMT_UI_IF_* */
	unsigned hash_count;
	struct amt_cert_hash_entry hashes[AMT_MAX_HASH_HANDLES];
	bool me_fw_known;
	struct mkhi_fw_version me_fw;
	char device[256];
	unsigned transactions; /* AMTHI request/response pairs used */
};

/* What failed, for the one-line error. */
struct info_failure {
	const char *cmd_name;
	amt_status_t status;
};

/* Read everything over one AMTHI connection (plus one MKHI connection for
 * the ME firmware version). Returns 0 or a heci_err. */
int info_collect(struct agent_ctx *ctx, struct heci *h, struct amt_info *out,
		 struct info_failure *why);

json_t *info_to_json(const struct amt_info *in, int trigger_numbering);
void info_print_text(FILE *f, const struct amt_info *in, int trigger_numbering);

#endif
