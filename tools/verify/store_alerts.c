// SPDX-License-Identifier: Apache-2.0
/*
 * store_alerts.c - the alerts table of the store (see store.h): a WS-Event
 * from AMT together with its "alert" event, once per (device, MessageID,
 * IndicationTime, IndicationIdentifier), so an event a device resends (it
 * saw no answer, or no Ack) is stored once. The front of the two backends'
 * alert statements (store_sqlite.c, store_pg.c): the checks and the dedupe
 * key here, the one transaction there.
 * Must not: parse events (alertdoc.c does), print or log; speak SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

int store_add_alert(struct store *st, struct store_alert *a, const json_t *detail,
		    struct store_event *ev, char *err, size_t errlen)
{
	int64_t now = verify_now_ms(), event_id = 0;
	char *key = NULL, *text = NULL;
	size_t klen;
	bool is_uuid;
	int rc = -1;

	if (st->mode == STORE_READONLY) {
		snprintf(err, errlen, "%s: opened read-only", st->name);
		return -1;
	}
	if (st->version < 4) {
		snprintf(err, errlen, "%s: the store has no alerts table", st->name);
		return -1;
	}
	if (!a->device || !a->message_id || !a->wsa_message_id || !a->arguments) {
		snprintf(err, errlen, "an alert needs a device, its MessageIDs and arguments");
		return -1;
	}
	if (detail && !json_is_object(detail)) {
		snprintf(err, errlen, "event detail is not a JSON object");
		return -1;
	}
	klen = strlen(a->device) + strlen(a->wsa_message_id) +
	       (a->indication_time ? strlen(a->indication_time) : 0) +
	       (a->indication_id ? strlen(a->indication_id) : 0) + 4;
	key = malloc(klen);
	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII) : strdup("{}");
	if (!key || !text) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(key, klen, "%s|%s|%s|%s", a->device, a->wsa_message_id,
		 a->indication_time ? a->indication_time : "", a->indication_id ? a->indication_id : "");
	verify_time_iso(now, a->received);
	/* the device's UUID when our reference parameter carried it */
	is_uuid = strlen(a->device) == 36 && a->device[8] == '-';
	rc = st->ops->add_alert(st, a, key, is_uuid ? a->device : NULL, text, &event_id, err, errlen);
	if (rc == STORE_ADDED && ev) {
		ev->id = event_id;
		memcpy(ev->time, a->received, sizeof(ev->time));
		ev->type = "alert";
		ev->uuid = is_uuid ? a->device : NULL;
		ev->source = a->source;
		ev->detail = (json_t *)detail;
	}
out:
	free(key);
	free(text);
	return rc;
}
