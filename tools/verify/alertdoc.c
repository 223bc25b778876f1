// SPDX-License-Identifier: Apache-2.0
/*
 * alertdoc.c - parse AMT's event envelope and build the receiver's answers
 * (see alertdoc.h).
 */
#include "alertdoc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"
#define NS_WSA "http://schemas.xmlsoap.org/ws/2004/08/addressing"
#define NS_WSMAN "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
#define NS_ALERT "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_AlertIndication"
#define ACTION_EVENT "http://schemas.dmtf.org/wbem/wsman/1/wsman/Event"
#define ACTION_ACK "http://schemas.dmtf.org/wbem/wsman/1/wsman/Ack"
#define ANONYMOUS NS_WSA "/role/anonymous"
#define X(s) ((const xmlChar *)(s))

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

static bool has_element_child(xmlNodePtr n)
{
	for (xmlNodePtr k = n->children; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* Trimmed text of a leaf into out: 0, -1 when it is not a leaf, is longer
 * than cap - 1 or holds anything but printable ASCII. */
static int leaf_text(xmlNodePtr n, char *out, size_t cap)
{
	if (!n || has_element_child(n))
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
	int rc = l < cap ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < l; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			rc = -1;
	if (rc == 0) {
		memcpy(out, s, l);
		out[l] = '\0';
	}
	xmlFree(t);
	return rc;
}

static int fail(char *why, size_t cap, const char *msg)
{
	snprintf(why, cap, "%s", msg);
	return -1;
}

/* An optional uint32 field: absent is fine, present must be a number. */
static int u32_field(xmlNodePtr ind, const char *name, bool *has, uint32_t *out)
{
	char t[16], *end;
	xmlNodePtr n = child(ind, NS_ALERT, name);
	*has = false;
	if (!n)
		return 0;
	if (leaf_text(n, t, sizeof(t)) != 0 || t[0] < '0' || t[0] > '9')
		return -1;
	unsigned long v = strtoul(t, &end, 10);
	if (*end || v > 0xFFFFFFFFul || strlen(t) > 10)
		return -1;
	*has = true;
	*out = (uint32_t)v;
	return 0;
}

static bool uuid_text_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static int parse_header(xmlNodePtr hdr, struct alertdoc *d, char *why, size_t cap)
{
	char action[128], resource[160];
	if (leaf_text(child(hdr, NS_WSA, "Action"), action, sizeof(action)) != 0 ||
	    strcmp(action, ACTION_EVENT) != 0)
		return fail(why, cap, "the Action is not " ACTION_EVENT);
	if (leaf_text(child(hdr, NS_WSA, "MessageID"), d->wsa_message_id,
		      sizeof(d->wsa_message_id)) != 0 || !d->wsa_message_id[0])
		return fail(why, cap, "no usable MessageID in the header");
	if (leaf_text(child(hdr, NS_WSMAN, "ResourceURI"), resource, sizeof(resource)) == 0 &&
	    strcmp(resource, NS_ALERT) != 0)
		return fail(why, cap, "the ResourceURI is not CIM_AlertIndication");
	d->ack_requested = child(hdr, NS_WSMAN, "AckRequested") != NULL;
	xmlNodePtr reply = child(hdr, NS_WSA, "ReplyTo");
	if (reply && leaf_text(child(reply, NS_WSA, "Address"), d->reply_to, sizeof(d->reply_to)) != 0)
		return fail(why, cap, "the ReplyTo address is not usable");
	xmlNodePtr ref = child(hdr, ALERTDOC_REF_NS, ALERTDOC_REF_NAME);
	if (ref) {
		if (leaf_text(ref, d->device, sizeof(d->device)) != 0 || !uuid_text_ok(d->device))
			return fail(why, cap, "the device reference parameter is not a UUID");
		for (char *p = d->device; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
	}
	return 0;
}

static int parse_body(xmlNodePtr body, struct alertdoc *d, char *why, size_t cap)
{
	xmlNodePtr ind = NULL;
	for (xmlNodePtr n = body->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			ind = n;
			break;
		}
	if (!is_el(ind, NS_ALERT, "CIM_AlertIndication"))
		return fail(why, cap, "the Body does not hold a CIM_AlertIndication");
	if (leaf_text(child(ind, NS_ALERT, "MessageID"), d->message_id, sizeof(d->message_id)) != 0 ||
	    !d->message_id[0])
		return fail(why, cap, "no MessageID in the indication (at most 15 characters)");
	for (xmlNodePtr n = ind->children; n; n = n->next) {
		if (!is_el(n, NS_ALERT, "MessageArguments"))
			continue;
		if (d->nargs >= ALERTDOC_MAX_ARGS)
			return fail(why, cap, "more than 8 MessageArguments");
		if (leaf_text(n, d->args[d->nargs], sizeof(d->args[0])) != 0)
			return fail(why, cap, "a MessageArguments value is not printable text of at "
					      "most 255 characters");
		d->nargs++;
	}
	xmlNodePtr t = child(ind, NS_ALERT, "IndicationTime");
	xmlNodePtr dt = NULL;
	for (xmlNodePtr k = t ? t->children : NULL; k; k = k->next)
		if (k->type == XML_ELEMENT_NODE && strcmp((const char *)k->name, "Datetime") == 0)
			dt = k;
	if (t && (!dt || leaf_text(dt, d->indication_time, sizeof(d->indication_time)) != 0))
		return fail(why, cap, "IndicationTime is not a Datetime");
	struct {
		const char *name;
		char *out;
		size_t cap;
	} opt[] = {{"Message", d->message, sizeof(d->message)},
		   {"IndicationIdentifier", d->indication_id, sizeof(d->indication_id)},
		   {"IndicationFilterName", d->filter, sizeof(d->filter)}};
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		xmlNodePtr n = child(ind, NS_ALERT, opt[i].name);
		if (n && leaf_text(n, opt[i].out, opt[i].cap) != 0)
			return fail(why, cap, "a text field of the indication is too long or not "
					      "printable");
	}
	if (u32_field(ind, "PerceivedSeverity", &d->has_severity, &d->severity) != 0 ||
	    u32_field(ind, "AlertType", &d->has_alert_type, &d->alert_type) != 0)
		return fail(why, cap, "PerceivedSeverity or AlertType is not a number");
	return 0;
}

int alertdoc_parse(const char *body, size_t len, struct alertdoc *d, char *why, size_t cap)
{
	int rc = -1;
	memset(d, 0, sizeof(*d));
	if (!body || len == 0 || len > ALERTDOC_MAX_BYTES)
		return fail(why, cap, "the body is empty or larger than 64 KiB");
	xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return fail(why, cap, "the body is not well-formed XML");
	if (doc->intSubset || doc->extSubset) {
		fail(why, cap, "a document type declaration is not allowed");
		goto out;
	}
	xmlNodePtr env = xmlDocGetRootElement(doc);
	xmlNodePtr hdr = is_el(env, NS_SOAP, "Envelope") ? child(env, NS_SOAP, "Header") : NULL;
	xmlNodePtr bdy = is_el(env, NS_SOAP, "Envelope") ? child(env, NS_SOAP, "Body") : NULL;
	if (!hdr || !bdy) {
		fail(why, cap, "not a SOAP 1.2 envelope with a Header and a Body");
		goto out;
	}
	if (parse_header(hdr, d, why, cap) == 0 && parse_body(bdy, d, why, cap) == 0)
		rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

const char *alertdoc_severity_name(uint32_t s)
{
	static const char *const names[] = {"unknown", "other", "information", "warning",
					    "minor", "major", "critical", "fatal"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *alertdoc_meaning(const char *id)
{
	static const struct {
		const char *id, *text;
	} known[] = {
		{"iAMT0002", "agent has not started"},
		{"iAMT0003", "agent has stopped"},
		{"iAMT0004", "agent is running"},
		{"iAMT0005", "agent has expired"},
		{"iAMT0006", "agent is suspended"},
		{"iAMT0036", "a user asked for help (user-initiated connection)"},
	};
	for (size_t i = 0; id && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(id, known[i].id) == 0)
			return known[i].text;
	return NULL;
}

json_t *alertdoc_detail(const struct alertdoc *d)
{
	json_t *args = json_array();
	for (unsigned i = 0; args && i < d->nargs; i++)
		json_array_append_new(args, json_string(d->args[i]));
	return json_pack("{s:s, s:s?, s:s, s:o, s:s?, s:s?, s:s?, s:o, s:o, s:s?, s:b}",
			 "message_id", d->message_id, "meaning", alertdoc_meaning(d->message_id),
			 "wsa_message_id", d->wsa_message_id, "arguments",
			 args ? args : json_array(), "message", d->message[0] ? d->message : NULL,
			 "indication_time", d->indication_time[0] ? d->indication_time : NULL,
			 "filter", d->filter[0] ? d->filter : NULL, "severity",
			 d->has_severity ? json_integer(d->severity) : json_null(), "alert_type",
			 d->has_alert_type ? json_integer(d->alert_type) : json_null(),
			 "indication_id", d->indication_id[0] ? d->indication_id : NULL,
			 "ack_requested", d->ack_requested);
}

static char *dump(xmlDocPtr doc, size_t *len)
{
	xmlChar *mem = NULL;
	int size = 0;
	char *out = NULL;
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem && size > 0 && (out = malloc((size_t)size + 1)) != NULL) {
		memcpy(out, mem, (size_t)size);
		out[size] = '\0';
		*len = (size_t)size;
	}
	xmlFree(mem);
	return out;
}

/* An envelope with Header and Body; the namespaces s and a. */
static xmlDocPtr envelope(xmlNodePtr *hdr, xmlNodePtr *body, xmlNsPtr *s, xmlNsPtr *a)
{
	xmlDocPtr doc = xmlNewDoc(X("1.0"));
	xmlNodePtr env = doc ? xmlNewDocNode(doc, NULL, X("Envelope"), NULL) : NULL;
	if (!env) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, env);
	*s = xmlNewNs(env, X(NS_SOAP), X("s"));
	*a = xmlNewNs(env, X(NS_WSA), X("a"));
	xmlSetNs(env, *s);
	*hdr = xmlNewChild(env, *s, X("Header"), NULL);
	*body = xmlNewChild(env, *s, X("Body"), NULL);
	if (!*s || !*a || !*hdr || !*body) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

char *alertdoc_ack(const struct alertdoc *d, size_t *len)
{
	xmlNodePtr hdr, body;
	xmlNsPtr s, a;
	char *out = NULL;
	xmlDocPtr doc = envelope(&hdr, &body, &s, &a);
	if (!doc)
		return NULL;
	if (xmlNewTextChild(hdr, a, X("To"), X(d->reply_to[0] ? d->reply_to : ANONYMOUS)) &&
	    xmlNewTextChild(hdr, a, X("Action"), X(ACTION_ACK)) &&
	    xmlNewTextChild(hdr, a, X("RelatesTo"), X(d->wsa_message_id)))
		out = dump(doc, len);
	xmlFreeDoc(doc);
	return out;
}

char *alertdoc_fault(const char *reason, size_t *len)
{
	xmlNodePtr hdr, body, f, code, rs;
	xmlNsPtr s, a;
	char *out = NULL;
	xmlDocPtr doc = envelope(&hdr, &body, &s, &a);
	if (!doc)
		return NULL;
	if (xmlNewTextChild(hdr, a, X("Action"), X(NS_WSA "/fault")) &&
	    (f = xmlNewChild(body, s, X("Fault"), NULL)) &&
	    (code = xmlNewChild(f, s, X("Code"), NULL)) &&
	    xmlNewTextChild(code, s, X("Value"), X("s:Sender")) &&
	    (rs = xmlNewChild(f, s, X("Reason"), NULL)) &&
	    xmlNewTextChild(rs, s, X("Text"), X(reason)))
		out = dump(doc, len);
	xmlFreeDoc(doc);
	return out;
}
