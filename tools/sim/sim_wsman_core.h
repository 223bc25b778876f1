// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_core.h - what the two files of the simulated WS-Man SOAP core
 * share: the request as parsed, the response under construction with AMT's
 * namespace prefixes, faults, and the instance builder. Layers, top down:
 * sim_wsman_soap.c (parsing, dispatch, Get/Put/Create/Delete/methods), then
 * sim_wsman_enum.c (Enumerate/Pull/Release, contexts),
 * sim_wsman_eventing.c (Subscribe/Unsubscribe) and
 * sim_wsman_identify.c, then sim_wsman_resp.c (envelope, headers, faults,
 * instances), which every other one uses.
 * Must not: be included outside those two files (classes see
 * sim_wsman_int.h only).
 *
 * AMT's envelope shape (protocol-facts-2.md "Real AMT response envelope
 * shape", every go-wsman-messages response fixture): a = SOAP, b =
 * addressing, c = wsman.xsd, d = ws-trust, e = wss-secext, f = cimbinding,
 * declared on the Envelope in that order on every answer; then g, h, i ...
 * for the payload namespaces in order of use (Get: g = class, h = wscim
 * common when the class has datetimes; Enumerate: g = enumeration; Pull:
 * g = enumeration, h = class of the items, i = common; method: g =
 * class); xsi last.
 */
#ifndef SIM_WSMAN_CORE_H
#define SIM_WSMAN_CORE_H

#include <libxml/tree.h>

#include "sim_wsman_int.h"

#define WSC_NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define WSC_NS_WSA SIM_WSMAN_NS_WSA
#define WSC_NS_WSMAN SIM_WSMAN_NS_WSMAN
#define WSC_NS_WSEN "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define WSC_NS_WXF "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define WSC_NS_WSE "http://schemas.xmlsoap.org/ws/2004/08/eventing"
#define WSC_NS_XSI "http://www.w3.org/2001/XMLSchema-instance"

#define WSC_HDR_TEXT_MAX 1024 /* Action, ResourceURI, MessageID */
#define WSC_MAX_SELECTORS 8
#define WSC_SELECTOR_MAX 1024 /* an EPR-valued selector's canonical form fits */
#define WSC_ENUM_SLOTS 16

struct wsc_enum_ctx {
	char id[40]; /* "" = free */
	const struct sim_wsman_class *cls;
	unsigned next, count;
	int mode; /* enum wsc_enum_mode */
	int64_t last_ms;
};

enum wsc_enum_mode { WSC_ENUM_OBJECT = 0, WSC_ENUM_EPR = 1, WSC_ENUM_OBJECT_AND_EPR = 2 };

struct sim_wsman_core {
	struct sim_fw *fw;
	struct sim_3pds_rt *pds;
	struct sim_wsman_rt rt;
	int64_t (*clock)(void *arg);
	void *clock_arg;
	uint32_t message_counter;
	uint32_t context_counter; /* EnumerationContext handles, from a random start */
	struct wsc_enum_ctx enums[WSC_ENUM_SLOTS];
};

struct wsc_req {
	xmlDocPtr doc;
	char *action, *resource, *message_id; /* xmlChar strings, trimmed */
	unsigned nsel;
	struct {
		char *name, *value; /* value: text, or an EPR's canonical form */
	} sel[WSC_MAX_SELECTORS];
	xmlNodePtr header;
	xmlNodePtr payload; /* first element in Body, or NULL */
};

struct wsc_resp {
	xmlDocPtr doc;
	xmlNodePtr env, header, body;
	xmlNsPtr s, a, w, xsi;
	char next_prefix; /* 'g' first */
	int status;
};

/* Shared helpers and the response (sim_wsman_resp.c). */
bool wsc_is_el(xmlNodePtr n, const char *ns, const char *local);
xmlNodePtr wsc_child(xmlNodePtr parent, const char *ns, const char *local);
xmlNodePtr wsc_first_element(xmlNodePtr parent);
/* The element child of inst named name (a property), or NULL. */
xmlNodePtr wsc_prop_of(xmlNodePtr inst, const char *name);
/* A new response envelope (0) and its last touch before it is written
 * (xsi moved behind the payload namespaces). */
int wsc_resp_init(struct wsc_resp *p);
void wsc_resp_finish(struct wsc_resp *p);
/* Trimmed text content, NULL when absent or longer than max (xmlFree). */
char *wsc_text(xmlNodePtr n, size_t max);
/* The payload namespace href on the envelope, declared with the next
 * letter when first used. */
xmlNsPtr wsc_ns(struct wsc_resp *p, const char *href);
/* The payload namespaces declared so far, and going back to them (a
 * Delete looks its instance up but answers without its namespace). */
struct wsc_ns_mark {
	xmlNsPtr last;
	char next_prefix;
};
struct wsc_ns_mark wsc_ns_mark(const struct wsc_resp *p);
void wsc_ns_rollback(struct wsc_resp *p, struct wsc_ns_mark m);
void wsc_headers(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		 const char *action, const char *resource);
/* A SOAP fault; sub_ns/sub the subcode (WSC_NS_WSA "DestinationUnreachable"),
 * detail the last segment of a wsman FaultDetail URI or NULL. */
void wsc_fault(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
	       bool receiver, const char *sub_ns, const char *sub, const char *reason,
	       const char *detail);
/* Instance index of cls in the state, built into an element of the
 * response's document (not yet linked); its namespace declared on the
 * envelope as the next payload prefix. */
xmlNodePtr wsc_instance(struct wsc_resp *p, const struct sim_wsman_class *cls,
			const struct sim_state *st, unsigned index);
/* The EPR of an instance element built by wsc_instance: a
 * wsa:EndpointReference (or, with element NULL, the children of one
 * appended to parent) with the class's key properties as selectors. */
void wsc_epr_of(struct wsc_resp *p, const struct sim_wsman_class *cls, xmlNodePtr inst,
		xmlNodePtr parent, const char *element);

/* Selection (sim_wsman_select.c). An EPR below n as one comparable text,
 * "RESOURCE-URI?name=value&..." with selectors in name order (NULL when n
 * holds no ResourceURI or the text would pass WSC_SELECTOR_MAX); a
 * selector's or property's value: its text, or that form of the EPR it
 * holds. Both xmlFree. */
char *wsc_epr_canon(xmlNodePtr n);
char *wsc_value_of(xmlNodePtr n, size_t max);
/* The instance the request's selectors name (see sim_wsman_select.c), or
 * NULL with a fault written; put_body: a Put's instance, else NULL. */
xmlNodePtr wsc_select_instance(struct wsc_resp *p, struct sim_wsman_core *c,
			       const struct wsc_req *r, const struct sim_wsman_class *cls,
			       xmlNodePtr put_body, unsigned *index);

/* WS-Eventing (sim_wsman_eventing.c): Subscribe on CIM_FilterCollection,
 * Unsubscribe on CIM_FilterCollectionSubscription or on the subscription
 * manager (CIM_ListenerDestinationWSManagement). */
void wsc_subscribe(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		   const struct sim_wsman_class *cls, bool local);
void wsc_unsubscribe(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		     const struct sim_wsman_class *cls);

/* Identify (sim_wsman_identify.c): is payload a wsmid:Identify; AMT's
 * answer for this state (NULL when out of memory). */
bool wsc_is_identify(xmlNodePtr payload);
xmlDocPtr wsc_identify_response(const struct sim_state *st);

/* Enumeration (sim_wsman_enum.c). */
void wsc_enumerate(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		   const struct sim_wsman_class *cls, int64_t now);
void wsc_pull(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
	      const struct sim_wsman_class *cls, int64_t now);
void wsc_release(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		 const struct sim_wsman_class *cls, int64_t now);

#endif
