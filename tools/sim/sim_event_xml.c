// SPDX-License-Identifier: Apache-2.0
/*
 * sim_event_xml.c - the event envelope AMT sends and the Subscribe request
 * it reads (see sim_event_xml.h).
 */
#include "sim_event_xml.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define NS_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define NS_ALERT "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AlertIndication"
#define NS_COMMON "http://schemas.dmtf.org/wbem/wscim/1/common"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define ANONYMOUS NS_WSA "/role/anonymous"
/* The AlertingManagedElement of the real event MeshCentral quotes (and
 * the second MessageArguments, without the quotes). */
#define MANAGED_ELEMENT \
	"Interop:CIM_ComputerSystem.CreationClassName=\"CIM_ComputerSystem\",Name=\"Intel(r) AMT\""
#define X(s) ((const xmlChar *)(s))

/* ---------------- the event ---------------- */

static xmlNodePtr text_child(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	/* "" gives <g:Message></g:Message>, as AMT writes empty fields */
	return xmlNewTextChild(parent, ns, X(name), X(text ? text : ""));
}

static int add_ref_params(xmlDocPtr doc, xmlNodePtr header, const char *xml)
{
	xmlNodePtr list = NULL;
	if (!xml || !*xml)
		return 0;
	if (xmlParseInNodeContext(header, xml, (int)strlen(xml),
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING,
				  &list) != XML_ERR_OK) {
		xmlFreeNodeList(list);
		return -1;
	}
	for (xmlNodePtr n = list, next; n; n = next) {
		next = n->next;
		xmlUnlinkNode(n);
		if (n->type == XML_ELEMENT_NODE) {
			xmlAddChild(header, n);
			xmlReconciliateNs(doc, n);
		} else {
			xmlFreeNode(n);
		}
	}
	return 0;
}

int sim_alert_envelope(const struct sim_alert *a, char **out, size_t *len)
{
	static const struct {
		const char *prefix, *href;
	} ns[] = {
		{"a", NS_SOAP}, {"b", NS_WSA}, {"c", NS_WSMAN}, {"d", SIM_EVT_NS_TRUST},
		{"e", SIM_EVT_NS_WSSE}, {"f", "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"},
		{"g", NS_ALERT}, {"h", NS_COMMON}, {"xsi", NS_XSI},
	};
	xmlNsPtr n[sizeof(ns) / sizeof(ns[0])];
	xmlChar *mem = NULL;
	int size = 0, rc = -1;
	char num[16];

	*out = NULL;
	*len = 0;
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr env = doc ? xmlNewDocNode(doc, NULL, X("Envelope"), NULL) : NULL;
	if (!env)
		goto done;
	xmlDocSetRootElement(doc, env);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (!(n[i] = xmlNewNs(env, X(ns[i].href), X(ns[i].prefix))))
			goto done;
	xmlNsPtr s = n[0], b = n[1], c = n[2], g = n[6], h = n[7];
	xmlSetNs(env, s);
	xmlNodePtr hdr = xmlNewChild(env, s, X("Header"), NULL);
	if (!hdr)
		goto done;
	text_child(hdr, b, "To", ANONYMOUS);
	xmlNodePtr reply = xmlNewChild(hdr, b, X("ReplyTo"), NULL);
	text_child(reply, b, "Address", ANONYMOUS);
	if (a->ack_requested)
		text_child(hdr, c, "AckRequested", "");
	xmlNodePtr action = text_child(hdr, b, "Action", SIM_EVT_ACTION_EVENT);
	if (!action || !xmlNewNsProp(action, s, X("mustUnderstand"), X("true")))
		goto done;
	text_child(hdr, b, "MessageID", a->wsa_message_id);
	text_child(hdr, c, "ResourceURI", NS_ALERT);
	if (add_ref_params(doc, hdr, a->ref_params) != 0)
		goto done;

	xmlNodePtr body = xmlNewChild(env, s, X("Body"), NULL);
	xmlNodePtr ind = body ? xmlNewChild(body, g, X("CIM_AlertIndication"), NULL) : NULL;
	if (!ind)
		goto done;
	snprintf(num, sizeof(num), "%u", (unsigned)a->alert_type);
	text_child(ind, g, "AlertType", num);
	text_child(ind, g, "AlertingElementFormat", "2"); /* CIMObjectPath */
	text_child(ind, g, "AlertingManagedElement", MANAGED_ELEMENT);
	text_child(ind, g, "IndicationFilterName", a->filter_name);
	text_child(ind, g, "IndicationIdentifier", a->indication_id);
	xmlNodePtr t = xmlNewChild(ind, g, X("IndicationTime"), NULL);
	text_child(t, h, "Datetime", a->time);
	text_child(ind, g, "Message", "");
	for (unsigned i = 0; i < a->nargs && i < SIM_ALERT_ARGS; i++)
		text_child(ind, g, "MessageArguments", a->args[i]);
	text_child(ind, g, "MessageID", a->message_id);
	text_child(ind, g, "OtherAlertingElementFormat", "");
	text_child(ind, g, "OtherSeverity", "");
	text_child(ind, g, "OwningEntity", "Intel(r) AMT");
	snprintf(num, sizeof(num), "%u", (unsigned)a->severity);
	text_child(ind, g, "PerceivedSeverity", num);
	text_child(ind, g, "ProbableCause", "0");
	if (!text_child(ind, g, "SystemName", "Intel(r) AMT"))
		goto done;
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (!mem || size <= 0 || !(*out = malloc((size_t)size + 1)))
		goto done;
	memcpy(*out, mem, (size_t)size);
	(*out)[size] = '\0';
	*len = (size_t)size;
	rc = 0;
done:
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

/* ---------------- helpers over parsed nodes ---------------- */

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

/* Trimmed text of n into out (cap bytes); -1 when absent or longer. */
static int text_of(xmlNodePtr n, char *out, size_t cap)
{
	if (!n)
		return -1;
	xmlChar *t = xmlNodeGetContent(n);
	if (!t)
		return -1;
	const char *s = (const char *)t, *e;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	size_t l = (size_t)(e - s);
	int rc = -1;
	if (l < cap) {
		memcpy(out, s, l);
		out[l] = '\0';
		rc = 0;
	}
	xmlFree(t);
	return rc;
}

bool sim_alert_is_ack(const char *body, size_t len, const char *wsa_message_id)
{
	char action[128], relates[64];
	bool ok = false;
	if (!body || len == 0 || len > 64 * 1024)
		return false;
	xmlDocPtr d = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!d)
		return false;
	xmlNodePtr env = xmlDocGetRootElement(d);
	xmlNodePtr hdr = is_el(env, NS_SOAP, "Envelope") && !d->intSubset ? child(env, NS_SOAP, "Header")
									   : NULL;
	if (hdr && text_of(child(hdr, NS_WSA, "Action"), action, sizeof(action)) == 0 &&
	    text_of(child(hdr, NS_WSA, "RelatesTo"), relates, sizeof(relates)) == 0)
		ok = strcmp(action, SIM_EVT_ACTION_ACK) == 0 && strcmp(relates, wsa_message_id) == 0;
	xmlFreeDoc(d);
	return ok;
}

/* ---------------- Subscribe ---------------- */

/* The element children of rp as XML text, each carrying the namespace
 * declarations it uses, into out (cap bytes); *too_long when they do not
 * fit. -1 on out of memory or non-element content. */
static int serialize_children(xmlNodePtr rp, char *out, size_t cap, bool *too_long)
{
	xmlBufferPtr buf = xmlBufferCreate();
	int rc = -1;
	out[0] = '\0';
	if (!buf)
		return -1;
	for (xmlNodePtr k = rp->children; k; k = k->next) {
		if (k->type == XML_TEXT_NODE && xmlIsBlankNode(k))
			continue;
		if (k->type != XML_ELEMENT_NODE)
			goto out;
		xmlDocPtr tmp = xmlNewDoc(X("1.0"));
		xmlNodePtr copy = tmp ? xmlDocCopyNode(k, tmp, 1) : NULL;
		if (!copy) {
			xmlFreeDoc(tmp);
			goto out;
		}
		xmlDocSetRootElement(tmp, copy);
		xmlReconciliateNs(tmp, copy);
		int n = xmlNodeDump(buf, tmp, copy, 0, 0);
		xmlFreeDoc(tmp);
		if (n < 0)
			goto out;
	}
	size_t l = (size_t)xmlBufferLength(buf);
	if (l >= cap) {
		*too_long = true;
		l = 0;
	}
	memcpy(out, xmlBufferContent(buf), l);
	out[l] = '\0';
	rc = 0;
out:
	xmlBufferFree(buf);
	return rc;
}

static int credentials(xmlNodePtr header, struct sim_subscribe_req *out)
{
	xmlNodePtr tok = child(header, SIM_EVT_NS_TRUST, "IssuedTokens");
	if (!tok)
		return 0;
	xmlNodePtr rstr = child(tok, SIM_EVT_NS_TRUST, "RequestSecurityTokenResponse");
	xmlNodePtr rst = child(rstr, SIM_EVT_NS_TRUST, "RequestedSecurityToken");
	xmlNodePtr ut = child(rst, SIM_EVT_NS_WSSE, "UsernameToken");
	if (text_of(child(ut, SIM_EVT_NS_WSSE, "Username"), out->user, sizeof(out->user)) != 0 ||
	    text_of(child(ut, SIM_EVT_NS_WSSE, "Password"), out->password, sizeof(out->password)) != 0 ||
	    !out->user[0] || !out->password[0])
		return -1;
	out->has_credentials = true;
	return 0;
}

enum sim_subscribe_problem sim_subscribe_parse(xmlNodePtr header, xmlNodePtr payload,
					       struct sim_subscribe_req *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	out->mode = SIM_DELIVERY_PUSH;
	*why = "The Body does not hold a Subscribe with a Delivery and a NotifyTo address.";
	if (!is_el(payload, SIM_EVT_NS_EVENTING, "Subscribe"))
		return SIM_SUB_MALFORMED;
	if (child(payload, SIM_EVT_NS_EVENTING, "Filter") || child(payload, NS_WSMAN, "Filter")) {
		*why = "Filtering is not supported: subscribe to a CIM_FilterCollection.";
		return SIM_SUB_FILTER;
	}
	if (child(payload, SIM_EVT_NS_EVENTING, "Expires")) {
		*why = "Subscriptions do not expire on this service: leave Expires out.";
		return SIM_SUB_EXPIRES;
	}
	xmlNodePtr delivery = child(payload, SIM_EVT_NS_EVENTING, "Delivery");
	if (!delivery)
		return SIM_SUB_MALFORMED;
	xmlChar *mode = xmlGetProp(delivery, X("Mode"));
	if (mode) {
		bool push = strcmp((const char *)mode, SIM_EVT_MODE_PUSH) == 0;
		bool ack = strcmp((const char *)mode, SIM_EVT_MODE_PUSH_WITH_ACK) == 0;
		xmlFree(mode);
		if (!push && !ack) {
			*why = "The delivery mode is not supported (Push and PushWithAck are).";
			return SIM_SUB_MODE_UNAVAILABLE;
		}
		out->mode = ack ? SIM_DELIVERY_PUSH_WITH_ACK : SIM_DELIVERY_PUSH;
	}
	xmlNodePtr notify = child(delivery, SIM_EVT_NS_EVENTING, "NotifyTo");
	xmlNodePtr addr = child(notify, NS_WSA, "Address");
	if (!addr)
		return SIM_SUB_MALFORMED;
	if (text_of(addr, out->url, sizeof(out->url)) != 0) {
		out->url_too_long = true;
		out->url[0] = '\0';
	} else if (strlen(out->url) > SIM_SUB_URL_MAX) {
		out->url_too_long = true;
	}
	xmlNodePtr rp = child(notify, NS_WSA, "ReferenceParameters");
	if (rp && serialize_children(rp, out->ref_params, sizeof(out->ref_params),
				     &out->ref_params_too_long) != 0)
		return SIM_SUB_MALFORMED;
	if (strlen(out->ref_params) > SIM_SUB_REFPARAMS_MAX)
		out->ref_params_too_long = true;
	if (credentials(header, out) != 0) {
		*why = "The IssuedTokens header does not hold a user name and password of 1 to 32 "
		       "characters.";
		return SIM_SUB_MALFORMED;
	}
	*why = "";
	return SIM_SUB_OK;
}
