// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_error.c - WS-Man error kinds and their one-line description (see
 * wsman_error.h).
 */
#include "wsman_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "amt_status.h"

const char *wsman_err_kind_name(enum wsman_err_kind k)
{
	static const char *const names[] = {
		"ok",    "network", "tls",   "auth",    "http",     "fault",
		"return_value", "parse", "nomem", "invalid", "not_found",
	};
	int i = -(int)k;

	return (i >= 0 && i < (int)(sizeof(names) / sizeof(names[0]))) ? names[i] : "unknown";
}

void wsman_error_clear(struct wsman_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

void wsman_error_format(const struct wsman_error *e, char *out, size_t cap)
{
	const char *m, *hint = "";
	char http[32] = "";

	if (!out || cap == 0)
		return;
	if (!e) {
		snprintf(out, cap, "no error");
		return;
	}
	m = e->curl_message;
	if (e->http_status)
		snprintf(http, sizeof(http), " (HTTP %ld)", e->http_status);
	switch (e->kind) {
	case WSMAN_OK:
		snprintf(out, cap, "success");
		return;
	case WSMAN_E_NETWORK:
		hint = " - check the address, that AMT is enabled and provisioned, and that "
		       "port 16992/16993 is reachable";
		snprintf(out, cap, "network error: %s%s", m, hint);
		return;
	case WSMAN_E_TLS:
		if (contains(m, "pinned fingerprint"))
			hint = " - the device presented another certificate (replaced, or not the "
			       "device); check the new fingerprint out of band before changing the pin";
		else if (contains(m, "certificate") || contains(m, "verify") || contains(m, "SHA-256"))
			hint = " - to trust a self-signed AMT certificate use --ca-file FILE, or "
			       "check the fingerprint out of band and pin it with --pin SHA256";
		else if (contains(m, "version") || contains(m, "protocol") || contains(m, "legacy"))
			hint = " - AMT 7-11 firmware speaks only TLS 1.0; allow it explicitly with "
			       "--allow-tls10";
		snprintf(out, cap, "TLS error: %s%s", m, hint);
		return;
	case WSMAN_E_AUTH:
		snprintf(out, cap, "authentication failed%s: AMT rejected the digest credentials - "
				   "check the AMT user name and password",
			 http);
		return;
	case WSMAN_E_HTTP:
		snprintf(out, cap, "unexpected HTTP status %ld from the WS-Man service%s%s",
			 e->http_status, m[0] ? ": " : "", m);
		return;
	case WSMAN_E_FAULT:
		if (strcmp(e->fault_subcode, "wsa:DestinationUnreachable") == 0)
			hint = " - the firmware does not offer this class (e.g. Third Party Data "
			       "Storage is absent on AMT 12 and later)";
		else if (strcmp(e->fault_subcode, "wsa:ActionNotSupported") == 0)
			hint = " - the firmware does not support this method";
		snprintf(out, cap, "WS-Man fault %s%s%s%s: %s%s", e->fault_code,
			 e->fault_subcode[0] ? "/" : "", e->fault_subcode, http,
			 e->fault_reason[0] ? e->fault_reason : "no reason given", hint);
		return;
	case WSMAN_E_RETURN:
		snprintf(out, cap, "AMT method failed: ReturnValue %u (%s)%s%s", e->return_value,
			 amt_status_name(e->return_value),
			 amt_status_message(e->return_value)[0] ? ": " : "",
			 amt_status_message(e->return_value));
		return;
	case WSMAN_E_PARSE:
		snprintf(out, cap, "unexpected WS-Man response%s: %s", http, m);
		return;
	case WSMAN_E_NOMEM:
		snprintf(out, cap, "out of memory");
		return;
	case WSMAN_E_INVALID:
		snprintf(out, cap, "invalid WS-Man request: %s", m);
		return;
	case WSMAN_E_NOT_FOUND:
		snprintf(out, cap, "element not found: %s", m);
		return;
	}
	snprintf(out, cap, "unknown WS-Man error %d", (int)e->kind);
}

