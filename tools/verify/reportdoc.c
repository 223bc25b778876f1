// SPDX-License-Identifier: Apache-2.0
/*
 * reportdoc.c - validation of agent reports and the "report" event detail
 * (see reportdoc.h).
 *
 * Rules: the document is a JSON object (jansson, duplicate keys refused) of
 * at most REPORTDOC_MAX_BYTES; type is "amt-agent-report"; schema is the
 * integer 1; report_id and uuid are 8-4-4-4-12 hex UUIDs; timestamp is an
 * ISO-8601 date and time; host_name, provisioning_state, control_mode are
 * strings, amt_version and host_id strings or null, cira an object with a
 * status string; wired and wireless, when present, objects (or null) whose
 * ipv4 is an IPv4 address or null. Every string taken is printable ASCII
 * (what the agent sends; it keeps listings safe on a terminal) of at most
 * REPORTDOC_MAX_TEXT bytes. Unknown keys are kept and ignored, so a newer
 * agent's additions do not make its reports malformed.
 * Must not: log, print or touch the store.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "reportdoc.h"

bool reportdoc_is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static void canon_uuid(const char *s, bool upper, char out[VERIFY_UUID_STR_LEN])
{
	for (size_t i = 0; i < 36; i++)
		out[i] = (char)(upper ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
	out[36] = '\0';
}

/* A short lower-case word such as "post" or "not_connected". */
static bool is_word(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

enum want { W_STR, W_STR_OR_NULL, W_WORD };

/*
 * The string at obj[key] (key_path names it in errors). W_STR_OR_NULL gives
 * NULL for null. -1 with a reason in err when it is missing or wrong.
 */
static int take_str(json_t *obj, const char *key, const char *key_path, enum want w,
		    const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	*out = NULL;
	if (!v) {
		snprintf(err, errlen, "%s: missing", key_path);
		return -1;
	}
	if (w == W_STR_OR_NULL && json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: expected a string%s", key_path,
			 w == W_STR_OR_NULL ? " or null" : "");
		return -1;
	}
	s = json_string_value(v);
	if (json_string_length(v) != strlen(s) || strlen(s) > REPORTDOC_MAX_TEXT) {
		snprintf(err, errlen, "%s: longer than %u bytes", key_path, REPORTDOC_MAX_TEXT);
		return -1;
	}
	for (const char *p = s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			snprintf(err, errlen, "%s: expected printable ASCII", key_path);
			return -1;
		}
	}
	if (w == W_WORD && !is_word(s)) {
		snprintf(err, errlen, "%s: expected a lower-case word such as \"post\"", key_path);
		return -1;
	}
	*out = s;
	return 0;
}

/* wired / wireless: absent, null, or an object whose ipv4 is an address or null. */
static int take_lan(json_t *root, const char *key, const char **ipv4, char *err, size_t errlen)
{
	json_t *lan = json_object_get(root, key);
	struct in_addr a;
	char path[32];

	*ipv4 = NULL;
	if (!lan || json_is_null(lan))
		return 0;
	if (!json_is_object(lan)) {
		snprintf(err, errlen, "%s: expected an object or null", key);
		return -1;
	}
	if (!json_object_get(lan, "ipv4"))
		return 0;
	snprintf(path, sizeof(path), "%s.ipv4", key);
	if (take_str(lan, "ipv4", path, W_STR_OR_NULL, ipv4, err, errlen) != 0)
		return -1;
	if (*ipv4 && inet_pton(AF_INET, *ipv4, &a) != 1) {
		snprintf(err, errlen, "%s: expected an IPv4 address or null", path);
		*ipv4 = NULL;
		return -1;
	}
	return 0;
}

static int check(struct reportdoc *d, char *err, size_t errlen)
{
	json_t *root = d->root, *v, *cira;
	const char *s;

	if (!json_is_object(root)) {
		snprintf(err, errlen, "expected a JSON object");
		return REPORTDOC_E_JSON;
	}
	if (take_str(root, "type", "type", W_STR, &s, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	if (strcmp(s, REPORTDOC_TYPE) != 0) {
		snprintf(err, errlen, "type: expected \"%s\"", REPORTDOC_TYPE);
		return REPORTDOC_E_FIELD;
	}
	v = json_object_get(root, "schema");
	if (!v) {
		snprintf(err, errlen, "schema: missing");
		return REPORTDOC_E_FIELD;
	}
	if (!json_is_integer(v) || json_integer_value(v) != REPORTDOC_SCHEMA) {
		snprintf(err, errlen, "schema: expected %d (this receiver knows report schema %d)",
			 REPORTDOC_SCHEMA, REPORTDOC_SCHEMA);
		return REPORTDOC_E_FIELD;
	}
	if (take_str(root, "report_id", "report_id", W_STR, &s, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	if (!reportdoc_is_uuid(s)) {
		snprintf(err, errlen, "report_id: expected a UUID (8-4-4-4-12 hex digits)");
		return REPORTDOC_E_FIELD;
	}
	canon_uuid(s, false, d->report_id);
	if (take_str(root, "timestamp", "timestamp", W_STR, &s, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	/* A date and a time: verify_parse_time alone would take "10m" too. */
	if (strlen(s) < 16 || (s[10] != 'T' && s[10] != 't') ||
	    verify_parse_time(s, 0, &d->time_ms) != 0) {
		snprintf(err, errlen, "timestamp: expected an ISO-8601 UTC time such as "
				      "2026-11-22T10:00:00Z");
		return REPORTDOC_E_FIELD;
	}
	verify_time_iso(d->time_ms, d->time);
	if (take_str(root, "uuid", "uuid", W_STR, &s, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	if (!reportdoc_is_uuid(s)) {
		snprintf(err, errlen, "uuid: expected the device UUID (8-4-4-4-12 hex digits)");
		return REPORTDOC_E_FIELD;
	}
	canon_uuid(s, true, d->uuid);
	if (take_str(root, "host_name", "host_name", W_STR, &d->host_name, err, errlen) != 0 ||
	    take_str(root, "amt_version", "amt_version", W_STR_OR_NULL, &d->amt_version, err,
		     errlen) != 0 ||
	    take_str(root, "provisioning_state", "provisioning_state", W_WORD,
		     &d->provisioning_state, err, errlen) != 0 ||
	    take_str(root, "control_mode", "control_mode", W_WORD, &d->control_mode, err,
		     errlen) != 0 ||
	    take_str(root, "host_id", "host_id", W_STR_OR_NULL, &d->host_id, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	cira = json_object_get(root, "cira");
	if (!json_is_object(cira)) {
		snprintf(err, errlen, cira ? "cira: expected an object" : "cira: missing");
		return REPORTDOC_E_FIELD;
	}
	if (take_str(cira, "status", "cira.status", W_WORD, &d->cira_status, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	if (take_lan(root, "wired", &d->wired_ipv4, err, errlen) != 0 ||
	    take_lan(root, "wireless", &d->wireless_ipv4, err, errlen) != 0)
		return REPORTDOC_E_FIELD;
	if (json_object_get(root, "agent_version") &&
	    take_str(root, "agent_version", "agent_version", W_STR, &d->agent_version, err,
		     errlen) != 0)
		return REPORTDOC_E_FIELD;
	v = json_object_get(root, "dropped_reports");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		snprintf(err, errlen, "dropped_reports: expected a non-negative integer");
		return REPORTDOC_E_FIELD;
	}
	return REPORTDOC_OK;
}

int reportdoc_from_json(json_t *root, struct reportdoc *out, char *err, size_t errlen)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->root = json_incref(root);
	rc = check(out, err, errlen);
	if (rc != REPORTDOC_OK)
		reportdoc_free(out);
	return rc;
}

int reportdoc_parse(const char *body, size_t len, struct reportdoc *out, char *err,
		    size_t errlen)
{
	json_error_t je;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > REPORTDOC_MAX_BYTES) {
		snprintf(err, errlen, "report larger than %u bytes", REPORTDOC_MAX_BYTES);
		return REPORTDOC_E_TOO_LARGE;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "not JSON: %.120s (at byte %d)", je.text, je.position);
		return REPORTDOC_E_JSON;
	}
	rc = reportdoc_from_json(root, out, err, errlen);
	json_decref(root);
	return rc;
}

void reportdoc_free(struct reportdoc *d)
{
	if (!d)
		return;
	json_decref(d->root);
	memset(d, 0, sizeof(*d));
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *reportdoc_event_detail(const struct reportdoc *d, const char *client_subject)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "report_id", json_string(d->report_id)) ||
	    json_object_set_new(o, "timestamp", json_string(d->time)) ||
	    json_object_set_new(o, "host_name", str_or_null(d->host_name)) ||
	    json_object_set_new(o, "amt_version", str_or_null(d->amt_version)) ||
	    json_object_set_new(o, "provisioning_state", str_or_null(d->provisioning_state)) ||
	    json_object_set_new(o, "control_mode", str_or_null(d->control_mode)) ||
	    json_object_set_new(o, "host_id", str_or_null(d->host_id)) ||
	    json_object_set_new(o, "cira_status", str_or_null(d->cira_status)) ||
	    json_object_set_new(o, "client_subject", str_or_null(client_subject))) {
		json_decref(o);
		return NULL;
	}
	return o;
}
