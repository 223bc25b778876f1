// SPDX-License-Identifier: Apache-2.0
/*
 * alertdoc.h - what a valid WS-Event from AMT is (protocol-facts-2.md 1.4):
 * a SOAP 1.2 envelope whose Action is .../wsman/Event, with a MessageID
 * and a CIM_AlertIndication body, as AMT posts it to a subscriber; and the
 * two answers the receiver gives: the DSP0226 Ack (PushWithAck) and a SOAP
 * fault for anything malformed.
 *
 * Owns: parsing with libxml2 (no network, no DTD, no entity expansion,
 * bounded size, every text field printable ASCII with a length cap), the
 * reference parameter amt-verify puts in its subscriptions
 * (<v:device xmlns:v="urn:amt-agent:amt-verify">UUID</v:device>, echoed
 * by AMT in every event's header), and the JSON detail of a stored event.
 * Must not: do I/O or keep state; pure functions over memory (a fuzz
 * target drives the parser).
 */
#ifndef VERIFY_ALERTDOC_H
#define VERIFY_ALERTDOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALERTDOC_MAX_BYTES (64u * 1024u)
#define ALERTDOC_MAX_ARGS 8
#define ALERTDOC_TEXT_MAX 256
#define ALERTDOC_REF_NS "urn:amt-agent:amt-verify"
#define ALERTDOC_REF_NAME "device"

struct alertdoc {
	char wsa_message_id[128];   /* the envelope's MessageID: an event resent keeps it */
	char message_id[16];        /* "iAMT0036" */
	unsigned nargs;
	char args[ALERTDOC_MAX_ARGS][ALERTDOC_TEXT_MAX];
	char message[ALERTDOC_TEXT_MAX];
	char indication_time[40];   /* as AMT sent it ("2017-01-31T15:40:09.000Z") */
	char indication_id[64];
	char filter[128];           /* IndicationFilterName */
	bool has_severity, has_alert_type;
	uint32_t severity;          /* PerceivedSeverity */
	uint32_t alert_type;
	bool ack_requested;         /* c:AckRequested: PushWithAck */
	char reply_to[256];         /* ReplyTo/Address, "" when absent */
	char device[40];            /* our reference parameter (a UUID, upper case), "" when absent */
};

/* 0, or -1 with a one-line reason (printable) in why. */
int alertdoc_parse(const char *body, size_t len, struct alertdoc *d, char *why, size_t cap);

/* PerceivedSeverity in words (CIM: 2 "information", 3 "warning", 4 minor,
 * 5 major, 6 critical, 7 fatal; else "unknown"). */
const char *alertdoc_severity_name(uint32_t severity);

/* What a MessageID means in words ("agent has expired"), or NULL for
 * those this program does not know (protocol-facts-2.md 1.5). */
const char *alertdoc_meaning(const char *message_id);

/* The stored detail object (new reference). */
json_t *alertdoc_detail(const struct alertdoc *d);

/* The Ack for d (Action .../wsman/Ack, RelatesTo = its MessageID, To = its
 * ReplyTo or anonymous), and a SOAP fault (Sender, reason): malloc'ed,
 * NULL when out of memory. */
char *alertdoc_ack(const struct alertdoc *d, size_t *len);
char *alertdoc_fault(const char *reason, size_t *len);

#endif
