// SPDX-License-Identifier: Apache-2.0
/*
 * sim_event_xml.h - the WS-Eventing XML of the simulated AMT: the event
 * envelope it POSTs to subscribers (CIM_AlertIndication, protocol-facts-2.md
 * 1.4) and the parts of a Subscribe request it reads (1.2).
 *
 * Owns: AMT's exact envelope shape, taken from the real firmware events
 * quoted by MeshCentral (amtevents.js) and Intel LMS (SoapHandler.cpp):
 * prefixes a..h and xsi, header order To, ReplyTo, AckRequested (push
 * with ack), Action, MessageID, ResourceURI, then the subscriber's
 * reference parameters; body fields in alphabetical order with the
 * datetime in the wscim common namespace. And the Subscribe parser:
 * delivery mode, NotifyTo address, reference parameters (kept as XML text,
 * each element with its own namespace declarations, to be echoed), the
 * subscriber's digest credentials from wst:IssuedTokens, and what AMT does
 * not support (a filter, an expiry, other delivery modes). Both are pure
 * functions over memory / parsed nodes (a fuzz target drives the parser).
 * Must not: keep state, do I/O, or decide limits beyond the field sizes
 * (sim_wsman_eventing.c checks AMT's limits).
 */
#ifndef SIM_EVENT_XML_H
#define SIM_EVENT_XML_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_alert_nvm.h"

#define SIM_ALERT_ARGS 4
#define SIM_ALERT_ARG_MAX 160

#define SIM_EVT_NS_EVENTING "http://schemas.xmlsoap.org/ws/2004/08/eventing"
#define SIM_EVT_NS_TRUST "http://schemas.xmlsoap.org/ws/2005/02/trust"
#define SIM_EVT_NS_WSSE \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define SIM_EVT_MODE_PUSH SIM_EVT_NS_EVENTING "/DeliveryModes/Push"
#define SIM_EVT_MODE_PUSH_WITH_ACK "http://schemas.dmtf.org/wbem/wsman/1/wsman/PushWithAck"
#define SIM_EVT_ACTION_EVENT "http://schemas.dmtf.org/wbem/wsman/1/wsman/Event"
#define SIM_EVT_ACTION_ACK "http://schemas.dmtf.org/wbem/wsman/1/wsman/Ack"

/* One CIM_AlertIndication as AMT sends it. */
struct sim_alert {
	char message_id[12];       /* "iAMT0036" */
	unsigned nargs;
	char args[SIM_ALERT_ARGS][SIM_ALERT_ARG_MAX];
	uint32_t alert_type;       /* AlertType */
	uint32_t severity;         /* PerceivedSeverity */
	char filter_name[64];      /* IndicationFilterName */
	char indication_id[32];    /* IndicationIdentifier "Intel(r):NNNN" */
	char time[32];             /* IndicationTime "2017-01-31T15:40:09.000Z" */
	char wsa_message_id[48];   /* "uuid:00000000-8086-8086-8086-XXXXXXXXXXXX" */
	bool ack_requested;        /* the subscription is PushWithAck */
	const char *ref_params;    /* XML text echoed after ResourceURI, or NULL */
};

/* The envelope as UTF-8 with an XML declaration (*out malloc'ed, NUL-
 * terminated). 0, or -1 (out of memory, or ref_params not well-formed). */
int sim_alert_envelope(const struct sim_alert *a, char **out, size_t *len);

/* True when body is the Ack DSP0226 defines for the event with this
 * MessageID (Action .../wsman/Ack, RelatesTo = the MessageID). */
bool sim_alert_is_ack(const char *body, size_t len, const char *wsa_message_id);

/* What a Subscribe asks for. */
struct sim_subscribe_req {
	uint32_t mode; /* enum sim_delivery */
	char url[SIM_SUB_URL_MAX + 2];           /* one more than allowed: "too long" is told apart */
	char ref_params[SIM_SUB_REFPARAMS_MAX + 2];
	bool url_too_long, ref_params_too_long;
	char user[SIM_SUB_CRED_MAX + 1];
	char password[SIM_SUB_CRED_MAX + 1];
	bool has_credentials;
};

enum sim_subscribe_problem {
	SIM_SUB_OK = 0,
	SIM_SUB_MALFORMED,          /* no Subscribe/Delivery/NotifyTo/Address, bad credentials */
	SIM_SUB_MODE_UNAVAILABLE,   /* a delivery mode other than Push and PushWithAck */
	SIM_SUB_FILTER,             /* a wse:Filter (AMT filters by collection only) */
	SIM_SUB_EXPIRES,            /* wse:Expires: subscriptions do not expire on AMT */
};

/* Read a Subscribe from the request header and its Body's first element.
 * Returns a problem code with *why a one-line reason (static text). */
enum sim_subscribe_problem sim_subscribe_parse(xmlNodePtr header, xmlNodePtr payload,
					       struct sim_subscribe_req *out, const char **why);

#endif
