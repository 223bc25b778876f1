// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_resp.c - the response side of the simulated WS-Man SOAP core:
 * AMT's envelope (fixed prefixes a..f, payload namespaces g, h, ... in
 * order of use, xsi last; see sim_wsman_core.h), the addressing headers,
 * faults, class instances and their endpoint references, and the small
 * XML helpers every core file uses.
 *
 * It sits below the request side (sim_wsman_soap.c), enumeration
 * (sim_wsman_enum.c) and Identify (sim_wsman_identify.c), which all build
 * their answers with it.
 * Must not: parse requests or dispatch, or know any class's properties.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_core.h"

#define ACTION_WSA_FAULT WSC_NS_WSA "/fault"
#define ACTION_WSMAN_FAULT "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
#define DETAIL_BASE "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"

/* ---------------- XML helpers ---------------- */

bool wsc_is_el(xmlNodePtr n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, local) == 0;
}

xmlNodePtr wsc_child(xmlNodePtr parent, const char *ns, const char *local)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (wsc_is_el(n, ns, local))
			return n;
	return NULL;
}

xmlNodePtr wsc_first_element(xmlNodePtr parent)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

char *wsc_text(xmlNodePtr n, size_t max)
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

/* ---------------- response ---------------- */

int wsc_resp_init(struct wsc_resp *p)
{
	static const struct {
		const char *prefix, *href;
	} fixed[] = {
		{"a", WSC_NS_SOAP},
		{"b", WSC_NS_WSA},
		{"c", WSC_NS_WSMAN},
		{"d", "http://schemas.xmlsoap.org/ws/2005/02/trust"},
		{"e", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"},
		{"f", "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"},
	};
	memset(p, 0, sizeof(*p));
	p->status = 200;
	p->next_prefix = 'g';
	p->doc = xmlNewDoc(BAD_CAST "1.0");
	if (!p->doc)
		return -1;
	p->env = xmlNewDocNode(p->doc, NULL, BAD_CAST "Envelope", NULL);
	if (!p->env)
		return -1;
	xmlDocSetRootElement(p->doc, p->env);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!xmlNewNs(p->env, BAD_CAST fixed[i].href, BAD_CAST fixed[i].prefix))
			return -1;
	p->s = xmlSearchNsByHref(p->doc, p->env, BAD_CAST WSC_NS_SOAP);
	p->a = xmlSearchNsByHref(p->doc, p->env, BAD_CAST WSC_NS_WSA);
	p->w = xmlSearchNsByHref(p->doc, p->env, BAD_CAST WSC_NS_WSMAN);
	p->xsi = xmlNewNs(p->env, BAD_CAST WSC_NS_XSI, BAD_CAST "xsi");
	xmlSetNs(p->env, p->s);
	p->header = xmlNewChild(p->env, p->s, BAD_CAST "Header", NULL);
	p->body = xmlNewTextChild(p->env, p->s, BAD_CAST "Body", BAD_CAST ""); /* <a:Body></a:Body> when empty, as AMT */
	return (p->s && p->a && p->w && p->xsi && p->header && p->body) ? 0 : -1;
}

/* xsi is declared last, after every payload namespace */
void wsc_resp_finish(struct wsc_resp *p)
{
	xmlNsPtr *link = &p->env->nsDef;
	while (*link && *link != p->xsi)
		link = &(*link)->next;
	if (!*link || !p->xsi->next)
		return;
	*link = p->xsi->next;
	p->xsi->next = NULL;
	while (*link)
		link = &(*link)->next;
	*link = p->xsi;
}

xmlNsPtr wsc_ns(struct wsc_resp *p, const char *href)
{
	xmlNsPtr ns = xmlSearchNsByHref(p->doc, p->env, BAD_CAST href);
	char prefix[2] = {p->next_prefix, '\0'};
	if (ns || p->next_prefix > 'w') /* 'x' would clash with xsi's letters: never that many */
		return ns;
	p->next_prefix++;
	return xmlNewNs(p->env, BAD_CAST href, BAD_CAST prefix);
}

struct wsc_ns_mark wsc_ns_mark(const struct wsc_resp *p)
{
	struct wsc_ns_mark m = {NULL, p->next_prefix};
	for (xmlNsPtr n = p->env->nsDef; n; n = n->next)
		m.last = n;
	return m;
}

void wsc_ns_rollback(struct wsc_resp *p, struct wsc_ns_mark m)
{
	xmlNsPtr *link = m.last ? &m.last->next : &p->env->nsDef;
	xmlNsPtr keep = NULL, *keep_tail = &keep;
	while (*link) { /* drop what came after the mark, xsi excepted */
		xmlNsPtr n = *link;
		*link = n->next;
		n->next = NULL;
		if (n == p->xsi) {
			*keep_tail = n;
			keep_tail = &n->next;
		} else {
			xmlFreeNs(n);
		}
	}
	*link = keep;
	p->next_prefix = m.next_prefix;
}

void wsc_headers(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		 const char *action, const char *resource)
{
	char id[64];
	xmlNewTextChild(p->header, p->a, BAD_CAST "To", BAD_CAST SIM_WSMAN_ANONYMOUS);
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

void wsc_fault(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
	       bool receiver, const char *sub_ns, const char *sub, const char *reason,
	       const char *detail)
{
	char qname[96];
	bool wsman = sub_ns && strcmp(sub_ns, WSC_NS_WSMAN) == 0;
	xmlNsPtr sns = !sub_ns ? NULL : wsman ? p->w : strcmp(sub_ns, WSC_NS_WSA) == 0 ? p->a
										 : wsc_ns(p, sub_ns);
	wsc_headers(p, c, r, wsman ? ACTION_WSMAN_FAULT : ACTION_WSA_FAULT, NULL);
	p->status = receiver ? 500 : 400;
	xmlNodePtr f = xmlNewChild(p->body, p->s, BAD_CAST "Fault", NULL);
	xmlNodePtr code = xmlNewChild(f, p->s, BAD_CAST "Code", NULL);
	xmlNewTextChild(code, p->s, BAD_CAST "Value",
			BAD_CAST(!sub_ns ? "a:MustUnderstand" : receiver ? "a:Receiver" : "a:Sender"));
	if (sub_ns) {
		xmlNodePtr subcode = xmlNewChild(code, p->s, BAD_CAST "Subcode", NULL);
		snprintf(qname, sizeof(qname), "%s:%s",
			 sns && sns->prefix ? (const char *)sns->prefix : "", sub);
		xmlNewTextChild(subcode, p->s, BAD_CAST "Value", BAD_CAST qname);
	}
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

/* ---------------- instances ---------------- */

xmlNodePtr wsc_instance(struct wsc_resp *p, const struct sim_wsman_class *cls,
			const struct sim_state *st, unsigned index)
{
	xmlNsPtr ns = wsc_ns(p, cls->item_uri ? cls->item_uri : cls->uri);
	struct sim_wsman_inst inst = {
		.ns = ns, .wsa = p->a, .wsman = p->w,
		.common = cls->datetime ? wsc_ns(p, SIM_WSMAN_NS_COMMON) : NULL,
	};
	inst.node = xmlNewDocNode(p->doc, ns, BAD_CAST(cls->item_name ? cls->item_name : cls->name),
				  NULL);
	if (inst.node)
		cls->instance(st, index, &inst);
	return inst.node;
}

xmlNodePtr wsc_prop_of(xmlNodePtr inst, const char *name)
{
	for (xmlNodePtr n = inst ? inst->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* The EPR elements of src again under dst, in the envelope's b: and c:
 * (a copy would carry namespace declarations of its own). */
static void copy_epr(struct wsc_resp *p, xmlNodePtr src, xmlNodePtr dst)
{
	for (xmlNodePtr k = src->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		xmlNsPtr ns = k->ns && k->ns->href && !strcmp((const char *)k->ns->href, WSC_NS_WSMAN)
				      ? p->w
				      : p->a;
		xmlNodePtr n;
		if (wsc_first_element(k)) {
			n = xmlNewChild(dst, ns, k->name, NULL);
			if (n)
				copy_epr(p, k, n);
		} else {
			xmlChar *text = xmlNodeGetContent(k);
			n = xmlNewTextChild(dst, ns, k->name, text ? text : BAD_CAST "");
			xmlFree(text);
		}
		xmlChar *name = xmlGetProp(k, BAD_CAST "Name");
		if (n && name)
			xmlNewProp(n, BAD_CAST "Name", name);
		xmlFree(name);
	}
}

void wsc_epr_of(struct wsc_resp *p, const struct sim_wsman_class *cls, xmlNodePtr inst,
		xmlNodePtr parent, const char *element)
{
	xmlNodePtr epr = element ? xmlNewChild(parent, p->a, BAD_CAST element, NULL) : parent;
	if (!epr)
		return;
	xmlNewTextChild(epr, p->a, BAD_CAST "Address", BAD_CAST SIM_WSMAN_ANONYMOUS);
	xmlNodePtr rp = xmlNewChild(epr, p->a, BAD_CAST "ReferenceParameters", NULL);
	xmlNewTextChild(rp, p->w, BAD_CAST "ResourceURI",
			BAD_CAST(cls->item_uri ? cls->item_uri : cls->uri));
	xmlNodePtr set = xmlNewChild(rp, p->w, BAD_CAST "SelectorSet", NULL);
	for (const char *const *k = cls->keys; k && *k; k++) {
		xmlNodePtr prop = wsc_prop_of(inst, *k), sel;
		if (!prop)
			continue;
		if (wsc_first_element(prop)) { /* an EPR-valued key: the EPR itself */
			sel = xmlNewChild(set, p->w, BAD_CAST "Selector", NULL);
			xmlNodePtr inner = sel ? xmlNewChild(sel, p->a, BAD_CAST "EndpointReference", NULL)
					       : NULL;
			if (inner)
				copy_epr(p, prop, inner);
		} else {
			char *v = (char *)xmlNodeGetContent(prop);
			sel = xmlNewTextChild(set, p->w, BAD_CAST "Selector", BAD_CAST(v ? v : ""));
			xmlFree(v);
		}
		if (sel)
			xmlNewProp(sel, BAD_CAST "Name", BAD_CAST * k);
	}
}

