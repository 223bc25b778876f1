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
#include "fwcaps.h"
#include "mkhi_codec.h"

#define INFO_JSON_SCHEMA 1

struct amt_info {
	bool amt_known; /* the AMTHI fields below were read (false: AMT absent) */
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
	bool caps_known; /* the FWCAPS rules were read */
	struct fwcaps caps;
	char device[256];
	unsigned transactions;      /* AMTHI request/response pairs used */
	unsigned mkhi_transactions; /* MKHI request/response pairs used */
};

/* What failed, for the one-line error. */
struct info_failure {
	const char *cmd_name;
	amt_status_t status;
};

/* Read everything over one AMTHI connection, then the ME firmware version
 * and the FWCAPS rules over one MKHI connection (their absence is not an
 * error). Returns 0 or a heci_err. When AMT's interface is absent
 * (HECI_E_CLIENT_NOT_FOUND, HECI_E_EMPTY) the MKHI part is still read, so
 * out says what the ME knows (amt_known false). */
int info_collect(struct agent_ctx *ctx, struct heci *h, struct amt_info *out,
		 struct info_failure *why);

json_t *info_to_json(const struct amt_info *in, int trigger_numbering);
void info_print_text(FILE *f, const struct amt_info *in, int trigger_numbering);

#endif
