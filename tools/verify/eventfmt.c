// SPDX-License-Identifier: Apache-2.0
/*
 * eventfmt.c - JSON lines and one-line text summaries of events (see
 * eventfmt.h). Unknown event types print their detail as compact JSON, so a
 * newer receiver's events still show up in an older listing.
 * Must not: touch the store or the network.
 */
#include <stdlib.h>
#include <string.h>

#include "eventfmt.h"

#include "alertdoc.h"

static const char *dstr(const struct store_event *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev->detail, key));
	return s ? s : "?";
}

static json_int_t dint(const struct store_event *ev, const char *key)
{
	return json_integer_value(json_object_get(ev->detail, key));
}

/* "16992,623" from a JSON array of integers. */
static void int_list(const json_t *a, char *out, size_t cap)
{
	size_t i, n = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(a, i, v) {
		int w = snprintf(out + n, cap - n, "%s%lld", i ? "," : "",
				 (long long)json_integer_value(v));
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

/* Who ended a tunnel, in words: a device closing it is the normal end of a
 * call for help and must not read like a failure. */
static const char *close_words(const struct store_event *ev, char *buf, size_t cap)
{
	const char *reason = dstr(ev, "reason");
	json_int_t code = dint(ev, "disconnect_reason");

	if (strcmp(reason, "disconnect") == 0) {
		snprintf(buf, cap, "closed by the device (DISCONNECT %lld%s)", (long long)code,
			 code == 11 ? ", by application" : "");
		return buf;
	}
	if (strcmp(reason, "device_closed") == 0)
		return "closed by the device (connection ended)";
	if (strcmp(reason, "timeout") == 0)
		return "ended by the listener: time limit";
	if (strcmp(reason, "shutdown") == 0)
		return "ended by the listener: stopping";
	if (strcmp(reason, "error") == 0) {
		const char *why = json_string_value(json_object_get(ev->detail, "error"));
		if (!why)
			return "ended by an error (see the listener's log)";
		snprintf(buf, cap, "ended by an error: %s", why);
		return buf;
	}
	snprintf(buf, cap, "ended: %s", reason);
	return buf;
}

static void summary(FILE *f, const struct store_event *ev)
{
	const char *type = ev->type;
	char list[320];

	fprintf(f, "%s %-16s %s from %s", ev->time, type, ev->uuid ? ev->uuid : "-",
		ev->source ? ev->source : "-");
	if (strcmp(type, "hello") == 0) {
		fprintf(f, " version %lld retry %lld admin %s hashes %zu",
			(long long)dint(ev, "interface_version"), (long long)dint(ev, "retry_count"),
			json_is_true(json_object_get(ev->detail, "admin_set")) ? "set" : "unset",
			json_array_size(json_object_get(ev->detail, "hashes")));
	} else if (strcmp(type, "cira_open") == 0) {
		int_list(json_object_get(ev->detail, "ports"), list, sizeof(list));
		fprintf(f, " trigger %s user %s ports %s", dstr(ev, "trigger"), dstr(ev, "user"),
			list);
	} else if (strcmp(type, "cira_auth_failed") == 0) {
		fprintf(f, " user %s: %s", dstr(ev, "user"), dstr(ev, "reason"));
	} else if (strcmp(type, "cira_close") == 0) {
		fprintf(f, " %s after %.3f s", close_words(ev, list, sizeof(list)),
			(double)dint(ev, "duration_ms") / 1000.0);
	} else if (strcmp(type, "cira_verified") == 0) {
		fprintf(f, " through the tunnel (relay %s of %lld): AMT %s host %s",
			dstr(ev, "relay"), (long long)dint(ev, "port"), dstr(ev, "amt_version"),
			dstr(ev, "host_name"));
	} else if (strcmp(type, "cira_verify_failed") == 0) {
		fprintf(f, " through the tunnel: %s", dstr(ev, "reason"));
	} else if (strcmp(type, "report") == 0) {
		fprintf(f, " host %s AMT %s %s/%s cira %s report %s", dstr(ev, "host_name"),
			dstr(ev, "amt_version"), dstr(ev, "provisioning_state"),
			dstr(ev, "control_mode"), dstr(ev, "cira_status"), dstr(ev, "report_id"));
	} else if (strcmp(type, "alert") == 0) {
		json_t *sev = json_object_get(ev->detail, "severity");
		char *args = json_dumps(json_object_get(ev->detail, "arguments"),
					JSON_COMPACT | JSON_ENSURE_ASCII);
		fprintf(f, " %s%s%s%s severity %s arguments %s", dstr(ev, "message_id"),
			json_object_get(ev->detail, "meaning") ? " (" : "", dstr(ev, "meaning"),
			json_object_get(ev->detail, "meaning") ? ")" : "",
			json_is_integer(sev) ? alertdoc_severity_name((uint32_t)json_integer_value(sev))
					     : "-",
			args ? args : "[]");
		free(args);
	} else if (strcmp(type, "action") == 0) {
		fprintf(f, " %s for alert %lld (%s): %s after %lld ms", dstr(ev, "program"),
			(long long)dint(ev, "alert_event_id"), dstr(ev, "message_id"),
			dstr(ev, "outcome"), (long long)dint(ev, "duration_ms"));
	} else if (json_object_size(ev->detail) > 0) {
		char *d = json_dumps(ev->detail, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (d)
			fprintf(f, " %s", d);
		free(d);
	}
	fputc('\n', f);
}

int event_print(FILE *f, const struct store_event *ev, bool json)
{
	if (json) {
		json_t *o = store_event_json(ev);
		int r;
		if (!o)
			return -1;
		r = json_dumpf(o, f, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(o);
		if (r != 0)
			return -1;
		fputc('\n', f);
	} else {
		summary(f, ev);
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
