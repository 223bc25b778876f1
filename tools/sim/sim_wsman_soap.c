// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_soap.c - the SOAP core of the simulated WS-Man service: one
 * request envelope in, one response envelope out, shaped as AMT shapes
 * them (protocol-facts.md 7.2, protocol-facts-2.md "Real AMT response
 * envelope shape"; see sim_wsman_core.h for the prefix rules).
 *
 * Owns: parsing the request with libxml2 (no network, no entity expansion,
 * no DTD), the addressing headers (Action, ResourceURI, MessageID,
 * SelectorSet, EPR-valued selectors), the control headers AMT checks
 * (OptionSet mustUnderstand, MaxEnvelopeSize), Identify (DSP0226 11),
 * dispatch to the class table of WS-Transfer Get / Put / Create / Delete
 * and method invocation (enumeration is sim_wsman_enum.c's, WS-Eventing
 * sim_wsman_eventing.c's, instance selection sim_wsman_select.c's),
 * faults, and the response
 * headers (RelatesTo = the request's MessageID, AMT's uuid MessageIDs).
 * The answers are built with sim_wsman_resp.c; enumeration is in
 * sim_wsman_enum.c, Identify in sim_wsman_identify.c.
 * Must not: know HTTP or authentication (sim_wsman.c), or any class's
 * properties (the class files).
 */
#include <libxml/parser.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_wsman_core.h"

#define REQ_MAX (1024 * 1024) /* the HTTP layer caps lower; this guards direct callers */
#define MIN_ENVELOPE 50000     /* AMT: MaxEnvelopeSize below this is refused */

int64_t sim_wsman_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sim_wsman_core *sim_wsman_core_new(struct sim_fw *fw)
{
	struct sim_wsman_core *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fw = fw;
	c->pds = sim_3pds_rt_new();
	/* contexts count up like AMT's, from a random start, so that one from
	 * before a restart is not valid by chance */
	if (!c->pds || RAND_bytes((unsigned char *)&c->context_counter,
				  sizeof(c->context_counter)) != 1) {
		sim_3pds_rt_free(c->pds);
		free(c);
		return NULL;
	}
	return c;
}

void sim_wsman_core_free(struct sim_wsman_core *c)
{
	if (!c)
		return;
	sim_3pds_rt_free(c->pds);
	free(c);
}

void sim_wsman_core_set_clock(struct sim_wsman_core *c, int64_t (*now_ms)(void *arg), void *arg)
{
	c->clock = now_ms;
	c->clock_arg = arg;
}

static int64_t core_now(const struct sim_wsman_core *c)
{
	return c->clock ? c->clock(c->clock_arg) : sim_wsman_now_ms();
}

void sim_wsman_reply_free(struct sim_wsman_reply *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* ---------------- request ---------------- */

static void req_free(struct wsc_req *r)
{
	xmlFree(r->action);
	xmlFree(r->resource);
	xmlFree(r->message_id);
	for (unsigned i = 0; i < r->nsel; i++) {
		xmlFree(r->sel[i].name);
		xmlFree(r->sel[i].value);
	}
	if (r->doc)
		xmlFreeDoc(r->doc);
	memset(r, 0, sizeof(*r));
}

static xmlDocPtr read_doc(const char *body, size_t len)
{
	if (len == 0 || len > REQ_MAX)
		return NULL;
	xmlDocPtr d = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (d && (d->intSubset || d->extSubset)) {
		xmlFreeDoc(d);
		return NULL;
	}
	return d;
}

/* 0, or -1 with *why naming the problem for the fault reason */
static int req_parse(struct wsc_req *r, const char *body, size_t len, const char **why)
{
	memset(r, 0, sizeof(*r));
	*why = "The message is not a SOAP 1.2 envelope (document type declarations are refused).";
	if (!(r->doc = read_doc(body, len)))
		return -1;
	xmlNodePtr env = xmlDocGetRootElement(r->doc);
	if (!wsc_is_el(env, WSC_NS_SOAP, "Envelope"))
		return -1;
	xmlNodePtr hdr = wsc_child(env, WSC_NS_SOAP, "Header"), bdy = wsc_child(env, WSC_NS_SOAP, "Body");
	if (!hdr || !bdy)
		return -1;
	r->header = hdr;
	r->payload = wsc_first_element(bdy);
	*why = "A WS-Addressing header is too long.";
	xmlNodePtr n;
	if ((n = wsc_child(hdr, WSC_NS_WSA, "Action")) && !(r->action = wsc_text(n, WSC_HDR_TEXT_MAX)))
		return -1;
	if ((n = wsc_child(hdr, WSC_NS_WSMAN, "ResourceURI")) &&
	    !(r->resource = wsc_text(n, WSC_HDR_TEXT_MAX)))
		return -1;
	if ((n = wsc_child(hdr, WSC_NS_WSA, "MessageID")) &&
	    !(r->message_id = wsc_text(n, WSC_HDR_TEXT_MAX)))
		return -1;
	*why = "The selectors are not valid.";
	for (n = wsc_child(wsc_child(hdr, WSC_NS_WSMAN, "SelectorSet"), WSC_NS_WSMAN, "Selector"); n;
	     n = n->next) {
		if (!wsc_is_el(n, WSC_NS_WSMAN, "Selector"))
			continue;
		if (r->nsel >= WSC_MAX_SELECTORS)
			return -1;
		char *name = (char *)xmlGetProp(n, BAD_CAST "Name");
		char *value = wsc_value_of(n, 256);
		r->sel[r->nsel].name = name;
		r->sel[r->nsel].value = value;
		r->nsel++;
		if (!name || !value || strlen(name) > 64)
			return -1;
	}
	return 0;
}

static void fault_unreachable(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r)
{
	wsc_fault(p, c, r, false, WSC_NS_WSA, "DestinationUnreachable",
		  "No route can be determined to reach the destination role defined by the "
		  "WS-Addressing To.",
		  "InvalidResourceURI");
}

static void fault_action(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r)
{
	wsc_fault(p, c, r, false, WSC_NS_WSA, "ActionNotSupported",
		  "The action is not supported by the service.", NULL);
}

static void op_get(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		   const struct sim_wsman_class *cls)
{
	unsigned index;
	xmlNodePtr inst = wsc_select_instance(p, c, r, cls, NULL, &index);
	if (!inst)
		return;
	wsc_headers(p, c, r, WSC_NS_WXF "/GetResponse", cls->uri);
	xmlAddChild(p->body, inst);
}

/* ---------------- methods, Put, Delete ---------------- */

static void call_free(struct sim_wsman_call *call)
{
	for (unsigned i = 0; i < call->nargs; i++) {
		xmlFree(call->args[i].name);
		xmlFree(call->args[i].value);
	}
}

/* The element children of el as named arguments; EPR-valued ones carry the
 * EPR's canonical form as text. 0, or -1 with call->fault set. */
static int collect_args(struct sim_wsman_call *call, xmlNodePtr el)
{
	for (xmlNodePtr n = el ? el->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (call->nargs >= SIM_WSMAN_MAX_ARGS) {
			snprintf(call->fault, sizeof(call->fault), "Too many parameters.");
			return -1;
		}
		call->args[call->nargs].name = (char *)xmlStrdup(n->name);
		call->args[call->nargs].value = wsc_first_element(n) ? wsc_epr_canon(n)
								  : (char *)xmlNodeGetContent(n);
		call->args[call->nargs].node = n;
		if (!call->args[call->nargs].value)
			call->args[call->nargs].value = (char *)xmlStrdup(BAD_CAST "");
		call->nargs++;
	}
	return 0;
}

static void call_init(struct sim_wsman_call *call, struct sim_wsman_core *c, const char *method,
		      int64_t now, bool local)
{
	memset(call, 0, sizeof(*call));
	call->fw = c->fw;
	call->pds = c->pds;
	call->rt = &c->rt;
	call->local = local;
	call->now_ms = now;
	call->method = method;
	call->index = -1;
}

/* The fault a class's special return value stands for. */
static void call_fault(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		       uint32_t rv, const char *why)
{
	switch (rv) {
	case SIM_WSMAN_RV_NO_METHOD:
		fault_action(p, c, r);
		break;
	case SIM_WSMAN_RV_ACCESS_DENIED:
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "AccessDenied",
			  why && *why ? why : "The sender was not authorized to access the resource.",
			  NULL);
		break;
	case SIM_WSMAN_RV_EXISTS:
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "AlreadyExists",
			  why && *why ? why : "The sender attempted to create a resource which "
					      "already exists.", NULL);
		break;
	case SIM_WSMAN_RV_QUOTA:
		wsc_fault(p, c, r, true, WSC_NS_WSMAN, "QuotaLimit",
			  why && *why ? why : "The service is at the limit of such resources.", NULL);
		break;
	default:
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "InvalidParameter",
			  why && *why ? why : "A parameter is not valid.", NULL);
		break;
	}
}

static void op_invoke(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		      const struct sim_wsman_class *cls, const char *method, int64_t now, bool local)
{
	struct sim_wsman_call call;
	char el[96];
	call_init(&call, c, method, now, local);
	if (cls->methods_on_instance) {
		unsigned index;
		struct wsc_ns_mark mark = wsc_ns_mark(p);
		xmlNodePtr inst = wsc_select_instance(p, c, r, cls, NULL, &index);
		if (!inst)
			return;
		xmlFreeNode(inst);
		wsc_ns_rollback(p, mark);
		call.index = (int)index;
	}
	snprintf(el, sizeof(el), "%s_INPUT", method);
	if (r->payload) {
		if (strcmp((const char *)r->payload->name, el) != 0) {
			wsc_fault(p, c, r, false, WSC_NS_WSMAN, "InvalidParameter",
				  "The Body does not hold the method's input element.", NULL);
			return;
		}
		collect_args(&call, r->payload);
	}
	snprintf(el, sizeof(el), "%s_OUTPUT", method);
	xmlNsPtr ns = wsc_ns(p, cls->uri);
	call.out = (struct sim_wsman_inst){xmlNewDocNode(p->doc, ns, BAD_CAST el, NULL), ns, p->a,
					   p->w, NULL};
	uint32_t rv = call.fault[0] ? SIM_WSMAN_RV_FAULT : cls->invoke(&call);
	if (rv >= SIM_WSMAN_RV_QUOTA) {
		call_fault(p, c, r, rv, call.fault);
		xmlFreeNode(call.out.node);
	} else if (!call.out.node) {
		wsc_fault(p, c, r, true, WSC_NS_WSMAN, "InternalError", "Out of memory.", NULL);
	} else {
		char action[WSC_HDR_TEXT_MAX + 128];
		snprintf(action, sizeof(action), "%s/%sResponse", cls->uri, method);
		wsc_headers(p, c, r, action, cls->uri);
		sim_wsman_prop_u32(&call.out, "ReturnValue", rv);
		xmlAddChild(p->body, call.out.node);
	}
	call_free(&call);
}

/* WS-Transfer Put (the new instance in the Body) and Delete: the class
 * changes instance `index`; AMT answers with an empty Body. */
static void op_change(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		      const struct sim_wsman_class *cls, bool put, int64_t now, bool local)
{
	struct sim_wsman_call call;
	unsigned index;
	uint32_t (*fn)(struct sim_wsman_call *) = put ? cls->put : cls->remove;
	const char *el = cls->item_name ? cls->item_name : cls->name;
	if (!fn) {
		fault_action(p, c, r);
		return;
	}
	if (put && (!r->payload || strcmp((const char *)r->payload->name, el) != 0)) {
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "SchemaValidationError",
			  "The Body does not hold the instance.", NULL);
		return;
	}
	struct wsc_ns_mark mark = wsc_ns_mark(p);
	xmlNodePtr inst = wsc_select_instance(p, c, r, cls, put ? r->payload : NULL, &index);
	if (!inst)
		return;
	xmlFreeNode(inst);
	if (!put) /* AMT declares the class namespace for a Put, not for a Delete */
		wsc_ns_rollback(p, mark);
	call_init(&call, c, put ? "Put" : "Delete", now, local);
	call.index = (int)index;
	uint32_t rv = (put && collect_args(&call, r->payload) != 0) ? SIM_WSMAN_RV_FAULT : fn(&call);
	if (rv != 0) {
		call_fault(p, c, r, rv, call.fault[0] ? call.fault : "A property is not valid.");
	} else {
		wsc_headers(p, c, r, put ? WSC_NS_WXF "/PutResponse" : WSC_NS_WXF "/DeleteResponse",
			    cls->uri);
	}
	call_free(&call);
}

/* WS-Transfer Create: the new instance in the Body; AMT answers with its
 * EPR in ResourceCreated. */
static void op_create(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		      const struct sim_wsman_class *cls, int64_t now, bool local)
{
	struct sim_wsman_call call;
	const char *el = cls->item_name ? cls->item_name : cls->name;
	if (!cls->create) {
		fault_action(p, c, r);
		return;
	}
	if (!r->payload || strcmp((const char *)r->payload->name, el) != 0) {
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "SchemaValidationError",
			  "The Body does not hold the instance.", NULL);
		return;
	}
	call_init(&call, c, "Create", now, local);
	uint32_t rv = collect_args(&call, r->payload) != 0 ? SIM_WSMAN_RV_FAULT : cls->create(&call);
	if (rv == 0 && call.index >= 0) {
		struct wsc_ns_mark mark = wsc_ns_mark(p);
		xmlNodePtr inst = wsc_instance(p, cls, &c->fw->st, (unsigned)call.index);
		wsc_ns_rollback(p, mark); /* the EPR uses b: and c: only */
		xmlNsPtr wxf = wsc_ns(p, WSC_NS_WXF);
		wsc_headers(p, c, r, WSC_NS_WXF "/CreateResponse", cls->uri);
		xmlNodePtr rc = xmlNewChild(p->body, wxf, BAD_CAST "ResourceCreated", NULL);
		if (inst && rc)
			wsc_epr_of(p, cls, inst, rc, NULL);
		xmlFreeNode(inst);
	} else {
		call_fault(p, c, r, rv, call.fault);
	}
	call_free(&call);
}

/* Method name of action "<uri>/<Method>", or NULL. */
static const char *method_of(const char *action, const struct sim_wsman_class *cls)
{
	size_t ulen = strlen(cls->uri);
	if (!cls->invoke || strncmp(action, cls->uri, ulen) != 0 || action[ulen] != '/')
		return NULL;
	const char *m = action + ulen + 1;
	size_t mlen = strlen(m);
	if (mlen == 0 || mlen > 64)
		return NULL;
	for (size_t i = 0; i < mlen; i++)
		if (!((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= 'A' && m[i] <= 'Z') ||
		      (m[i] >= '0' && m[i] <= '9') || m[i] == '_'))
			return NULL;
	return m;
}

/* The control headers AMT checks (its DSP0226 compliance page): an
 * OptionSet that must be understood, and MaxEnvelopeSize under 50000.
 * True when a fault was written. */
static bool control_headers(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r)
{
	xmlNodePtr n = wsc_child(r->header, WSC_NS_WSMAN, "OptionSet");
	if (n) {
		char *mu = (char *)xmlGetNsProp(n, BAD_CAST "mustUnderstand", BAD_CAST WSC_NS_SOAP);
		bool must = mu && (!strcmp(mu, "true") || !strcmp(mu, "1"));
		xmlFree(mu);
		if (must) {
			wsc_fault(p, c, r, false, NULL, NULL,
				  "The WS-Management OptionSet header is not supported.", NULL);
			return true;
		}
	}
	char *size = wsc_text(wsc_child(r->header, WSC_NS_WSMAN, "MaxEnvelopeSize"), 12);
	if (size) {
		long v = strtol(size, NULL, 10);
		xmlFree(size);
		if (v < MIN_ENVELOPE) {
			wsc_fault(p, c, r, false, WSC_NS_WSMAN, "EncodingLimit",
				  "MaxEnvelopeSize is below the service's minimum of 50000.",
				  "MaxEnvelopeSize");
			return true;
		}
	}
	return false;
}

static void dispatch(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r, bool local)
{
	int64_t now = core_now(c);
	const struct sim_wsman_class *cls = r->resource ? sim_wsman_class_find(r->resource) : NULL;
	if (!r->action) {
		wsc_fault(p, c, r, false, WSC_NS_WSA, "MessageInformationHeaderRequired",
			  "A required header representing a Message Addressing Property is not "
			  "present.",
			  NULL);
		return;
	}
	if (control_headers(p, c, r))
		return;
	if (!cls || (cls->present && !cls->present(&c->fw->st))) {
		fault_unreachable(p, c, r);
		return;
	}
	const char *method;
	if (strcmp(r->action, WSC_NS_WXF "/Get") == 0)
		op_get(p, c, r, cls);
	else if (strcmp(r->action, WSC_NS_WXF "/Put") == 0)
		op_change(p, c, r, cls, true, now, local);
	else if (strcmp(r->action, WSC_NS_WXF "/Delete") == 0)
		op_change(p, c, r, cls, false, now, local);
	else if (strcmp(r->action, WSC_NS_WXF "/Create") == 0)
		op_create(p, c, r, cls, now, local);
	else if (strcmp(r->action, WSC_NS_WSE "/Subscribe") == 0)
		wsc_subscribe(p, c, r, cls, local);
	else if (strcmp(r->action, WSC_NS_WSE "/Unsubscribe") == 0)
		wsc_unsubscribe(p, c, r, cls);
	else if (strcmp(r->action, WSC_NS_WSEN "/Enumerate") == 0)
		wsc_enumerate(p, c, r, cls, now);
	else if (strcmp(r->action, WSC_NS_WSEN "/Pull") == 0)
		wsc_pull(p, c, r, cls, now);
	else if (strcmp(r->action, WSC_NS_WSEN "/Release") == 0)
		wsc_release(p, c, r, cls, now);
	else if ((method = method_of(r->action, cls)) != NULL)
		op_invoke(p, c, r, cls, method, now, local);
	else
		fault_action(p, c, r);
}

/* ---------------- Identify (sim_wsman_identify.c) ---------------- */

bool sim_wsman_is_identify(const char *body, size_t len)
{
	struct wsc_req r;
	const char *why;
	bool yes = req_parse(&r, body, len, &why) == 0 && !r.action &&
		   wsc_is_identify(r.payload);
	req_free(&r);
	return yes;
}

/* ---------------- entry ---------------- */

static int dump(xmlDocPtr doc, int status, struct sim_wsman_reply *out)
{
	xmlChar *mem = NULL;
	int size = 0, rc = -1;
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem && size > 0 && (out->body = malloc((size_t)size + 1)) != NULL) {
		memcpy(out->body, mem, (size_t)size);
		out->body[size] = '\0';
		out->len = (size_t)size;
		out->status = status;
		rc = 0;
	}
	xmlFree(mem);
	return rc;
}

int sim_wsman_handle(struct sim_wsman_core *c, const char *body, size_t len, bool is_local,
		     struct sim_wsman_reply *out)
{
	struct wsc_req r;
	struct wsc_resp p;
	const char *why;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (wsc_resp_init(&p) != 0)
		goto done;
	if (req_parse(&r, body, len, &why) != 0) {
		wsc_fault(&p, c, r.message_id ? &r : NULL, false, WSC_NS_WSMAN,
			  "SchemaValidationError", why, NULL);
	} else if (wsc_is_identify(r.payload) && !r.action) {
		if (c->fw->me)
			sim_me_lock(c->fw->me);
		xmlDocPtr d = wsc_identify_response(&c->fw->st);
		if (c->fw->me)
			sim_me_unlock(c->fw->me);
		rc = d ? dump(d, 200, out) : -1;
		xmlFreeDoc(d);
		req_free(&r);
		goto done;
	} else {
		if (c->fw->me)
			sim_me_lock(c->fw->me);
		dispatch(&p, c, &r, is_local);
		if (c->fw->me)
			sim_me_unlock(c->fw->me);
	}
	req_free(&r);
	wsc_resp_finish(&p);
	rc = dump(p.doc, p.status, out);
done:
	if (p.doc)
		xmlFreeDoc(p.doc);
	return rc;
}
