/*
 * sim_wsman_soap.c - the SOAP core of the simulated WS-Man service: one
 * request envelope in, one response envelope out (protocol-facts.md 7.2).
 *
 * Owns: parsing the request with libxml2 (no network, no entity expansion,
 * no DTD), the addressing headers (Action, ResourceURI, MessageID,
 * SelectorSet), dispatch of Get / Enumerate / Pull / Release / method
 * invocation to the class table, the enumeration contexts (bounded, idle
 * expiry, MaxElements, EndOfSequence), faults, and the response headers
 * (RelatesTo = the request's MessageID, AMT-style uuid MessageID).
 * Must not: know HTTP or authentication (sim_wsman.c), or any class's
 * properties (sim_wsman_classes.c, sim_3pds.c).
 */
#include <libxml/parser.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_wsman_int.h"

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define NS_WSA SIM_WSMAN_NS_WSA
#define NS_WSMAN SIM_WSMAN_NS_WSMAN
#define NS_WSEN "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
#define NS_WXF "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define ANONYMOUS SIM_WSMAN_ANONYMOUS
#define ACTION_WSA_FAULT NS_WSA "/fault"
#define ACTION_WSMAN_FAULT "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
#define DETAIL_BASE "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"

#define REQ_MAX (1024 * 1024) /* the HTTP layer caps lower; this guards direct callers */
#define HDR_TEXT_MAX 1024     /* Action, ResourceURI, MessageID */
#define MAX_SELECTORS 8
#define SELECTOR_MAX 256
#define ENUM_SLOTS 16
#define ENUM_IDLE_MS (120 * 1000)
#define PULL_MAX_ELEMENTS 100

struct enum_ctx {
	char id[40]; /* "" = free */
	const struct sim_wsman_class *cls;
	unsigned next, count;
	int64_t last_ms;
};

struct sim_wsman_core {
	struct sim_fw *fw;
	struct sim_3pds_rt *pds;
	int64_t (*clock)(void *arg);
	void *clock_arg;
	uint32_t message_counter;
	struct enum_ctx enums[ENUM_SLOTS];
};

struct req {
	xmlDocPtr doc;
	char *action, *resource, *message_id; /* xmlChar strings, trimmed */
	unsigned nsel;
	struct {
		char *name, *value;
	} sel[MAX_SELECTORS];
	xmlNodePtr payload; /* first element in Body, or NULL */
};

struct resp {
	xmlDocPtr doc;
	xmlNodePtr env, header, body;
	xmlNsPtr s, a, w, en, cls;
	int status;
};

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
	if (!c->pds) {
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

static bool is_el(xmlNodePtr n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, local) == 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *ns, const char *local)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_el(n, ns, local))
			return n;
	return NULL;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* Trimmed text content, NULL when absent or longer than max. */
static char *text_of(xmlNodePtr n, size_t max)
{
	if (!n)
		return NULL;
	char *t = (char *)xmlNodeGetContent(n);
	if (!t)
		return NULL;
	char *s = t, *e;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	if (strlen(s) > max) {
		xmlFree(t);
		return NULL;
	}
	memmove(t, s, strlen(s) + 1);
	return t;
}

static void req_free(struct req *r)
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

/* 0, or -1 with *why naming the problem for the fault reason */
static int req_parse(struct req *r, const char *body, size_t len, const char **why)
{
	memset(r, 0, sizeof(*r));
	*why = "The message is not a SOAP 1.2 envelope.";
	if (len == 0 || len > REQ_MAX)
		return -1;
	r->doc = xmlReadMemory(body, (int)len, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r->doc)
		return -1;
	if (r->doc->intSubset || r->doc->extSubset) {
		*why = "Document type declarations are not accepted.";
		return -1;
	}
	xmlNodePtr env = xmlDocGetRootElement(r->doc);
	if (!is_el(env, NS_SOAP, "Envelope"))
		return -1;
	xmlNodePtr hdr = child(env, NS_SOAP, "Header"), bdy = child(env, NS_SOAP, "Body");
	if (!hdr || !bdy)
		return -1;
	r->payload = first_element(bdy);
	*why = "A WS-Addressing header is too long.";
	xmlNodePtr n;
	if ((n = child(hdr, NS_WSA, "Action")) && !(r->action = text_of(n, HDR_TEXT_MAX)))
		return -1;
	if ((n = child(hdr, NS_WSMAN, "ResourceURI")) && !(r->resource = text_of(n, HDR_TEXT_MAX)))
		return -1;
	if ((n = child(hdr, NS_WSA, "MessageID")) && !(r->message_id = text_of(n, HDR_TEXT_MAX)))
		return -1;
	*why = "The selectors are not valid.";
	for (n = child(child(hdr, NS_WSMAN, "SelectorSet"), NS_WSMAN, "Selector"); n; n = n->next) {
		if (!is_el(n, NS_WSMAN, "Selector"))
			continue;
		if (r->nsel >= MAX_SELECTORS)
			return -1;
		char *name = (char *)xmlGetProp(n, BAD_CAST "Name");
		char *value = text_of(n, SELECTOR_MAX);
		r->sel[r->nsel].name = name;
		r->sel[r->nsel].value = value;
		r->nsel++;
		if (!name || !value || strlen(name) > 64)
			return -1;
	}
	return 0;
}

/* ---------------- response ---------------- */

static int resp_init(struct resp *p)
{
	memset(p, 0, sizeof(*p));
	p->status = 200;
	p->doc = xmlNewDoc(BAD_CAST "1.0");
	if (!p->doc)
		return -1;
	p->env = xmlNewDocNode(p->doc, NULL, BAD_CAST "Envelope", NULL);
	if (!p->env)
		return -1;
	xmlDocSetRootElement(p->doc, p->env);
	p->s = xmlNewNs(p->env, BAD_CAST NS_SOAP, BAD_CAST "a");
	p->a = xmlNewNs(p->env, BAD_CAST NS_WSA, BAD_CAST "b");
	p->w = xmlNewNs(p->env, BAD_CAST NS_WSMAN, BAD_CAST "c");
	xmlSetNs(p->env, p->s);
	p->header = xmlNewChild(p->env, p->s, BAD_CAST "Header", NULL);
	p->body = xmlNewChild(p->env, p->s, BAD_CAST "Body", NULL);
	return (p->s && p->a && p->w && p->header && p->body) ? 0 : -1;
}

static void resp_headers(struct resp *p, struct sim_wsman_core *c, const struct req *r,
			 const char *action, const char *resource)
{
	char id[64];
	xmlNewTextChild(p->header, p->a, BAD_CAST "To", BAD_CAST ANONYMOUS);
	if (r && r->message_id)
		xmlNewTextChild(p->header, p->a, BAD_CAST "RelatesTo", BAD_CAST r->message_id);
	xmlNodePtr a = xmlNewTextChild(p->header, p->a, BAD_CAST "Action", BAD_CAST action);
	if (a)
		xmlNewNsProp(a, p->s, BAD_CAST "mustUnderstand", BAD_CAST "true");
	snprintf(id, sizeof(id), "uuid:00000000-8086-8086-8086-%012X", (unsigned)++c->message_counter);
	xmlNewTextChild(p->header, p->a, BAD_CAST "MessageID", BAD_CAST id);
	if (resource)
		xmlNewTextChild(p->header, p->w, BAD_CAST "ResourceURI", BAD_CAST resource);
}

static xmlNsPtr resp_ns(struct resp *p, const char *href, const char *prefix)
{
	xmlNsPtr ns = xmlSearchNsByHref(p->doc, p->env, BAD_CAST href);
	return ns ? ns : xmlNewNs(p->env, BAD_CAST href, BAD_CAST prefix);
}

/* A SOAP fault. sub_ns/sub is the subcode (e.g. NS_WSA, "DestinationUnreachable"). */
static void resp_fault(struct resp *p, struct sim_wsman_core *c, const struct req *r,
		       bool receiver, const char *sub_ns, const char *sub, const char *reason,
		       const char *detail)
{
	char qname[96];
	bool wsman = strcmp(sub_ns, NS_WSMAN) == 0;
	xmlNsPtr sns = wsman ? p->w : strcmp(sub_ns, NS_WSA) == 0 ? p->a : resp_ns(p, sub_ns, "g");
	resp_headers(p, c, r, wsman ? ACTION_WSMAN_FAULT : ACTION_WSA_FAULT, NULL);
	p->status = receiver ? 500 : 400;
	xmlNodePtr f = xmlNewChild(p->body, p->s, BAD_CAST "Fault", NULL);
	xmlNodePtr code = xmlNewChild(f, p->s, BAD_CAST "Code", NULL);
	xmlNewTextChild(code, p->s, BAD_CAST "Value", BAD_CAST(receiver ? "a:Receiver" : "a:Sender"));
	xmlNodePtr subcode = xmlNewChild(code, p->s, BAD_CAST "Subcode", NULL);
	snprintf(qname, sizeof(qname), "%s:%s", sns && sns->prefix ? (const char *)sns->prefix : "",
		 sub);
	xmlNewTextChild(subcode, p->s, BAD_CAST "Value", BAD_CAST qname);
	xmlNodePtr rs = xmlNewChild(f, p->s, BAD_CAST "Reason", NULL);
	xmlNodePtr text = xmlNewTextChild(rs, p->s, BAD_CAST "Text", BAD_CAST reason);
	xmlNsPtr xml = xmlSearchNsByHref(p->doc, p->env, XML_XML_NAMESPACE);
	if (text && xml)
		xmlNewNsProp(text, xml, BAD_CAST "lang", BAD_CAST "en-US");
	if (detail) {
		char uri[160];
		snprintf(uri, sizeof(uri), DETAIL_BASE "%s", detail);
		xmlNodePtr d = xmlNewChild(f, p->s, BAD_CAST "Detail", NULL);
		xmlNewTextChild(d, p->w, BAD_CAST "FaultDetail", BAD_CAST uri);
	}
}

static void fault_unreachable(struct resp *p, struct sim_wsman_core *c, const struct req *r)
{
	resp_fault(p, c, r, false, NS_WSA, "DestinationUnreachable",
		   "No route can be determined to reach the destination role defined by the "
		   "WS-Addressing To.",
		   "InvalidResourceURI");
}

static void fault_action(struct resp *p, struct sim_wsman_core *c, const struct req *r)
{
	resp_fault(p, c, r, false, NS_WSA, "ActionNotSupported",
		   "The action is not supported by the service.", NULL);
}

static void fault_selectors(struct resp *p, struct sim_wsman_core *c, const struct req *r,
			    const char *detail)
{
	resp_fault(p, c, r, false, NS_WSMAN, "InvalidSelectors",
		   "The Selectors for the resource were not valid.", detail);
}

/* ---------------- instances ---------------- */

static xmlNodePtr build_instance(struct resp *p, const struct sim_wsman_class *cls,
				 const struct sim_state *st, unsigned index)
{
	struct sim_wsman_inst inst = {xmlNewDocNode(p->doc, p->cls, BAD_CAST cls->name, NULL),
				      p->cls};
	if (inst.node)
		cls->instance(st, index, &inst);
	return inst.node;
}

/* True when every selector names a property of inst with that value. */
static bool selectors_match(const struct req *r, xmlNodePtr inst, bool *unknown_name)
{
	for (unsigned s = 0; s < r->nsel; s++) {
		xmlNodePtr prop = NULL;
		for (xmlNodePtr n = inst->children; n && !prop; n = n->next)
			if (n->type == XML_ELEMENT_NODE &&
			    strcmp((const char *)n->name, r->sel[s].name) == 0)
				prop = n;
		if (!prop) {
			*unknown_name = true;
			return false;
		}
		char *v = (char *)xmlNodeGetContent(prop);
		bool eq = v && strcmp(v, r->sel[s].value) == 0;
		xmlFree(v);
		if (!eq)
			return false;
	}
	return true;
}

static void op_get(struct resp *p, struct sim_wsman_core *c, const struct req *r,
		   const struct sim_wsman_class *cls)
{
	const struct sim_state *st = &c->fw->st;
	unsigned n = cls->count(st);
	bool unknown_name = false;
	if (r->nsel == 0 && n != 1) {
		fault_selectors(p, c, r, "InsufficientSelectors");
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		xmlNodePtr inst = build_instance(p, cls, st, i);
		if (inst && selectors_match(r, inst, &unknown_name)) {
			resp_headers(p, c, r, NS_WXF "/GetResponse", cls->uri);
			xmlAddChild(p->body, inst);
			return;
		}
		xmlFreeNode(inst);
	}
	fault_selectors(p, c, r, unknown_name ? "UnexpectedSelectors" : "InvalidValue");
}

/* ---------------- enumeration ---------------- */

static struct enum_ctx *enum_find(struct sim_wsman_core *c, const char *id, int64_t now)
{
	for (int i = 0; i < ENUM_SLOTS; i++) {
		struct enum_ctx *e = &c->enums[i];
		if (!e->id[0])
			continue;
		if (now - e->last_ms > ENUM_IDLE_MS) {
			e->id[0] = '\0'; /* expired */
			continue;
		}
		if (id && strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

static void op_enumerate(struct resp *p, struct sim_wsman_core *c, const struct req *r,
			 const struct sim_wsman_class *cls, int64_t now)
{
	unsigned char rnd[8];
	int slot = 0;
	if (!r->payload || !is_el(r->payload, NS_WSEN, "Enumerate")) {
		resp_fault(p, c, r, false, NS_WSMAN, "SchemaValidationError",
			   "The Body does not hold an Enumerate element.", NULL);
		return;
	}
	enum_find(c, NULL, now); /* drop expired contexts */
	for (int i = 0; i < ENUM_SLOTS; i++) {
		if (!c->enums[i].id[0]) {
			slot = i;
			break;
		}
		if (c->enums[i].last_ms < c->enums[slot].last_ms)
			slot = i; /* full: the least recently used context goes */
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		resp_fault(p, c, r, true, NS_WSMAN, "InternalError", "No randomness.", NULL);
		return;
	}
	struct enum_ctx *e = &c->enums[slot];
	snprintf(e->id, sizeof(e->id), "%02X%02X%02X%02X-%02X%02X-%02X%02X-0000-000000000000", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	e->cls = cls;
	e->next = 0;
	e->count = cls->count(&c->fw->st);
	e->last_ms = now;
	p->en = resp_ns(p, NS_WSEN, "g");
	resp_headers(p, c, r, NS_WSEN "/EnumerateResponse", cls->uri);
	xmlNodePtr er = xmlNewChild(p->body, p->en, BAD_CAST "EnumerateResponse", NULL);
	xmlNewTextChild(er, p->en, BAD_CAST "EnumerationContext", BAD_CAST e->id);
}

static struct enum_ctx *pull_context(struct resp *p, struct sim_wsman_core *c, const struct req *r,
				     const struct sim_wsman_class *cls, const char *element,
				     int64_t now)
{
	if (!r->payload || !is_el(r->payload, NS_WSEN, element)) {
		resp_fault(p, c, r, false, NS_WSMAN, "SchemaValidationError",
			   "The Body does not hold the enumeration element.", NULL);
		return NULL;
	}
	char *id = text_of(child(r->payload, NS_WSEN, "EnumerationContext"), 64);
	struct enum_ctx *e = id ? enum_find(c, id, now) : NULL;
	xmlFree(id);
	if (!e || e->cls != cls) {
		resp_fault(p, c, r, true, NS_WSEN, "InvalidEnumerationContext",
			   "The supplied enumeration context is invalid.", NULL);
		return NULL;
	}
	return e;
}

static void op_pull(struct resp *p, struct sim_wsman_core *c, const struct req *r,
		    const struct sim_wsman_class *cls, int64_t now)
{
	const struct sim_state *st = &c->fw->st;
	struct enum_ctx *e = pull_context(p, c, r, cls, "Pull", now);
	if (!e)
		return;
	unsigned max = 1; /* WS-Enumeration default */
	char *m = text_of(child(r->payload, NS_WSEN, "MaxElements"), 10);
	if (m) {
		char *end;
		unsigned long v = strtoul(m, &end, 10);
		if (*m >= '1' && *m <= '9' && !*end)
			max = v > PULL_MAX_ELEMENTS ? PULL_MAX_ELEMENTS : (unsigned)v;
		xmlFree(m);
	}
	unsigned count = cls->count(st);
	if (count > e->count)
		count = e->count; /* items that appeared since Enumerate are not in it */
	p->en = resp_ns(p, NS_WSEN, "g");
	resp_headers(p, c, r, NS_WSEN "/PullResponse", cls->uri);
	xmlNodePtr pr = xmlNewChild(p->body, p->en, BAD_CAST "PullResponse", NULL);
	unsigned end = e->next + max < count ? e->next + max : count;
	bool done = end >= count;
	if (!done)
		xmlNewTextChild(pr, p->en, BAD_CAST "EnumerationContext", BAD_CAST e->id);
	xmlNodePtr items = xmlNewChild(pr, p->en, BAD_CAST "Items", NULL);
	for (unsigned i = e->next; i < end; i++)
		xmlAddChild(items, build_instance(p, cls, st, i));
	if (done) {
		xmlNewChild(pr, p->en, BAD_CAST "EndOfSequence", NULL);
		e->id[0] = '\0';
	} else {
		e->next = end;
		e->last_ms = now;
	}
}

static void op_release(struct resp *p, struct sim_wsman_core *c, const struct req *r,
		       const struct sim_wsman_class *cls, int64_t now)
{
	struct enum_ctx *e = pull_context(p, c, r, cls, "Release", now);
	if (!e)
		return;
	e->id[0] = '\0';
	resp_headers(p, c, r, NS_WSEN "/ReleaseResponse", cls->uri);
}

/* ---------------- methods ---------------- */

static void op_invoke(struct resp *p, struct sim_wsman_core *c, const struct req *r,
		      const struct sim_wsman_class *cls, const char *method, int64_t now, bool local)
{
	struct sim_wsman_call call;
	char el[96];
	memset(&call, 0, sizeof(call));
	call.fw = c->fw;
	call.pds = c->pds;
	call.local = local;
	call.now_ms = now;
	call.method = method;
	snprintf(el, sizeof(el), "%s_INPUT", method);
	if (r->payload) {
		if (strcmp((const char *)r->payload->name, el) != 0) {
			resp_fault(p, c, r, false, NS_WSMAN, "InvalidParameter",
				   "The Body does not hold the method's input element.", NULL);
			return;
		}
		for (xmlNodePtr n = r->payload->children; n; n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			if (call.nargs >= SIM_WSMAN_MAX_ARGS) {
				snprintf(call.fault, sizeof(call.fault), "Too many parameters.");
				break;
			}
			call.args[call.nargs].name = (char *)xmlStrdup(n->name);
			call.args[call.nargs].value = (char *)xmlNodeGetContent(n);
			call.nargs++;
		}
	}
	snprintf(el, sizeof(el), "%s_OUTPUT", method);
	call.out.node = xmlNewDocNode(p->doc, p->cls, BAD_CAST el, NULL);
	call.out.ns = p->cls;
	uint32_t rv = call.fault[0] ? SIM_WSMAN_RV_FAULT : cls->invoke(&call);
	if (rv == SIM_WSMAN_RV_NO_METHOD) {
		fault_action(p, c, r);
		xmlFreeNode(call.out.node);
	} else if (rv == SIM_WSMAN_RV_FAULT) {
		resp_fault(p, c, r, false, NS_WSMAN, "InvalidParameter",
			   call.fault[0] ? call.fault : "A parameter is not valid.", NULL);
		xmlFreeNode(call.out.node);
	} else if (!call.out.node) {
		resp_fault(p, c, r, true, NS_WSMAN, "InternalError", "Out of memory.", NULL);
	} else {
		char action[HDR_TEXT_MAX + 128];
		snprintf(action, sizeof(action), "%s/%sResponse", cls->uri, method);
		resp_headers(p, c, r, action, cls->uri);
		sim_wsman_prop_u32(&call.out, "ReturnValue", rv);
		xmlAddChild(p->body, call.out.node);
	}
	for (unsigned i = 0; i < call.nargs; i++) {
		xmlFree(call.args[i].name);
		xmlFree(call.args[i].value);
	}
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

static void dispatch(struct resp *p, struct sim_wsman_core *c, const struct req *r, bool local)
{
	int64_t now = core_now(c);
	const struct sim_wsman_class *cls = r->resource ? sim_wsman_class_find(r->resource) : NULL;
	if (!r->action) {
		resp_fault(p, c, r, false, NS_WSA, "MessageInformationHeaderRequired",
			   "A required header representing a Message Addressing Property is not "
			   "present.",
			   NULL);
		return;
	}
	if (!cls || (cls->present && !cls->present(&c->fw->st))) {
		fault_unreachable(p, c, r);
		return;
	}
	p->cls = xmlNewNs(p->env, BAD_CAST cls->uri, BAD_CAST "h");
	const char *method;
	if (strcmp(r->action, NS_WXF "/Get") == 0)
		op_get(p, c, r, cls);
	else if (strcmp(r->action, NS_WSEN "/Enumerate") == 0)
		op_enumerate(p, c, r, cls, now);
	else if (strcmp(r->action, NS_WSEN "/Pull") == 0)
		op_pull(p, c, r, cls, now);
	else if (strcmp(r->action, NS_WSEN "/Release") == 0)
		op_release(p, c, r, cls, now);
	else if ((method = method_of(r->action, cls)) != NULL)
		op_invoke(p, c, r, cls, method, now, local);
	else
		fault_action(p, c, r);
}

int sim_wsman_handle(struct sim_wsman_core *c, const char *body, size_t len, bool is_local,
		     struct sim_wsman_reply *out)
{
	struct req r;
	struct resp p;
	const char *why;
	xmlChar *mem = NULL;
	int size = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (resp_init(&p) != 0)
		goto done;
	if (req_parse(&r, body, len, &why) != 0) {
		resp_fault(&p, c, r.message_id ? &r : NULL, false, NS_WSMAN, "SchemaValidationError",
			   why, NULL);
	} else {
		if (c->fw->me)
			sim_me_lock(c->fw->me);
		dispatch(&p, c, &r, is_local);
		if (c->fw->me)
			sim_me_unlock(c->fw->me);
	}
	req_free(&r);
	xmlDocDumpMemoryEnc(p.doc, &mem, &size, "UTF-8");
	if (mem && size > 0 && (out->body = malloc((size_t)size + 1)) != NULL) {
		memcpy(out->body, mem, (size_t)size);
		out->body[size] = '\0';
		out->len = (size_t)size;
		out->status = p.status;
		rc = 0;
	}
	xmlFree(mem);
done:
	if (p.doc)
		xmlFreeDoc(p.doc);
	return rc;
}
