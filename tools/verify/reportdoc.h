// SPDX-License-Identifier: Apache-2.0
/*
 * reportdoc.h - what amt-verify accepts as an agent report: the checks on the
 * JSON document `amt-agent` POSTs (agent/report.c: the `info --json` object
 * plus type, report_id, timestamp, host_name, agent_version, host_id,
 * dropped_reports), and the fields the receiver, the store and the listing
 * take from it.
 *
 * Owns: the validation rules (required keys and their types, UUID and time
 * syntax, size caps) and the "report" event detail built from a valid
 * document.
 * Must not: touch the network, the store or stdout; it is a pure function
 * of the bytes it is given (jansson does the parsing).
 */
#ifndef VERIFY_REPORTDOC_H
#define VERIFY_REPORTDOC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "verify.h"

#define REPORTDOC_TYPE "amt-agent-report"
#define REPORTDOC_SCHEMA 1
#define REPORTDOC_MAX_BYTES (1024u * 1024u) /* one report, as the agent's spool caps it */
#define REPORTDOC_MAX_TEXT 255u              /* any one string field we take */

enum reportdoc_err {
	REPORTDOC_OK = 0,
	REPORTDOC_E_TOO_LARGE = -1, /* more than REPORTDOC_MAX_BYTES */
	REPORTDOC_E_JSON = -2,      /* not JSON, or not an object */
	REPORTDOC_E_FIELD = -3,     /* a key is missing, has the wrong type or value */
	REPORTDOC_E_NOMEM = -4,
};

/*
 * A validated report. Strings point into root (or into the arrays here)
 * and live until reportdoc_free(); optional ones are NULL when the report
 * has null there.
 */
struct reportdoc {
	json_t *root;
	char report_id[VERIFY_UUID_STR_LEN]; /* lower-case canonical */
	char uuid[VERIFY_UUID_STR_LEN];      /* the device's, upper-case canonical */
	char time[VERIFY_TIME_LEN];          /* the agent's timestamp, normalised UTC */
	int64_t time_ms;
	const char *host_name;
	const char *amt_version;
	const char *provisioning_state; /* pre | in | post */
	const char *control_mode;       /* none | ccm | acm | remote_assistance */
	const char *host_id;            /* NULL: the agent has none */
	const char *cira_status;        /* not_connected | connecting | connected */
	const char *wired_ipv4;         /* NULL: no wired IPv4 */
	const char *wireless_ipv4;      /* NULL: no wireless interface or no IPv4 */
	const char *agent_version;      /* NULL when absent (older agents) */
};

/*
 * Parse and check len bytes (no NUL needed). REPORTDOC_OK and *out filled
 * (release with reportdoc_free), or a negative reportdoc_err with a short
 * reason for the sender in err ("report_id: expected a UUID").
 */
int reportdoc_parse(const char *body, size_t len, struct reportdoc *out, char *err,
		    size_t errlen);
/* The same checks on an already parsed object; takes a new reference. */
int reportdoc_from_json(json_t *root, struct reportdoc *out, char *err, size_t errlen);
void reportdoc_free(struct reportdoc *d);

/*
 * Detail object of the "report" event: report_id, timestamp, host_name,
 * amt_version, provisioning_state, control_mode, host_id, cira_status and
 * client_subject (NULL -> null). New reference, or NULL on allocation
 * failure.
 */
json_t *reportdoc_event_detail(const struct reportdoc *d, const char *client_subject);

/* A canonical 8-4-4-4-12 hex UUID? true/false (any case). */
bool reportdoc_is_uuid(const char *s);

#endif
