// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_xml.c - WS-Man request envelopes and response parsing (see wsman_xml.h).
 *
 * Owns: the libxml2 tree work for requests and responses and the rules a
 * response must satisfy before anyone reads a field from it.
 * Must not: do I/O, log, or keep state between calls. Peer text copied into
 * struct wsman_error is reduced to printable ASCII, since it ends up on
 * terminals and in logs.
 */
#include "wsman_xml.h"

#include "uuid.h"
#include "wsman_xml_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#define X(s) ((const xmlChar *)(s))

/* ---- errors ---- */

/* Copy at most cap-1 bytes, anything outside printable ASCII becomes '?'. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	if (cap == 0)
		return;
	for (; src && src[i] && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[i] = '\0';
}

__attribute__((format(printf, 3, 4)))
static int fail(struct wsman_error *err, int kind, const char *fmt, ...)
{
	char tmp[sizeof(err->curl_message)];
	va_list ap;

	if (!err)
		return kind;
	err->kind = (enum wsman_err_kind)kind;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	copy_printable(err->curl_message, sizeof(err->curl_message), tmp);
	return kind;
}

/* ---- request envelopes ---- */

int wsman_new_message_id(char out[WSMAN_MSGID_LEN])
{
	char id[UUID_TEXT_LEN];

	if (uuid_v4(id) != 0)
		return WSMAN_E_NOMEM;
	snprintf(out, WSMAN_MSGID_LEN, "uuid:%s", id);
	return WSMAN_OK;
}

/* Text we put in a document must be UTF-8 made of XML 1.0 characters. */
bool wsman_xml_text_ok(const char *s)
{
	if (!s || xmlCheckUTF8(X(s)) == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	return true;
}

bool wsman_xml_ncname_ok(const char *s)
{
	return s && *s && xmlValidateNCName(X(s), 0) == 0;
}

#define xml_text_ok wsman_xml_text_ok
#define ncname_ok wsman_xml_ncname_ok
#define class_of wsman_xml_class_of

const char *wsman_xml_class_of(const char *uri)
{
	const char *slash = strrchr(uri, '/');
	return slash ? slash + 1 : uri;
}

static bool epr_ok(const struct wsman_epr *e)
{
	if (!e->resource_uri || !*e->resource_uri || !xml_text_ok(e->resource_uri) ||
	    (e->nsel && !e->sel))
		return false;
	for (size_t i = 0; i < e->nsel; i++)
		if (!e->sel[i].name || !*e->sel[i].name || !xml_text_ok(e->sel[i].name) ||
		    !xml_text_ok(e->sel[i].value))
			return false;
	return true;
}

static int check_request(const struct wsman_request *r, struct wsman_error *err)
{
	if (!r->resource_uri || !*r->resource_uri || !xml_text_ok(r->resource_uri))
		return fail(err, WSMAN_E_INVALID, "missing or invalid resource URI");
	if (!r->message_id || !xml_text_ok(r->message_id))
		return fail(err, WSMAN_E_INVALID, "missing or invalid MessageID");
	if (r->nsel && !r->sel)
		return fail(err, WSMAN_E_INVALID, "selectors missing");
	for (size_t i = 0; i < r->nsel; i++)
		if (!r->sel[i].name || !*r->sel[i].name || !xml_text_ok(r->sel[i].name) ||
		    !xml_text_ok(r->sel[i].value))
			return fail(err, WSMAN_E_INVALID, "selector %zu has no name or invalid text", i);
	const char *epr_why = wsman_xml_check_epr_selectors(r);
	if (epr_why)
		return fail(err, WSMAN_E_INVALID, "%s", epr_why);
	switch (r->op) {
	case WSMAN_OP_GET:
	case WSMAN_OP_ENUMERATE:
		break;
	case WSMAN_OP_PULL:
	case WSMAN_OP_RELEASE:
		if (!r->enum_context || !*r->enum_context || !xml_text_ok(r->enum_context))
			return fail(err, WSMAN_E_INVALID, "missing or invalid enumeration context");
		break;
	case WSMAN_OP_INVOKE:
	case WSMAN_OP_PUT:
		if (r->op == WSMAN_OP_INVOKE && !ncname_ok(r->method))
			return fail(err, WSMAN_E_INVALID, "missing or invalid method name");
		if (r->op == WSMAN_OP_PUT && !ncname_ok(class_of(r->resource_uri)))
			return fail(err, WSMAN_E_INVALID, "the resource URI names no class");
		if (r->nin && !r->in)
			return fail(err, WSMAN_E_INVALID, "parameters missing");
		for (size_t i = 0; i < r->nin; i++)
			if (!ncname_ok(r->in[i].name) || !xml_text_ok(r->in[i].value))
				return fail(err, WSMAN_E_INVALID,
					    "parameter %zu has an invalid name or text", i);
		if ((r->nepr && (!r->epr_in || r->op != WSMAN_OP_INVOKE)))
			return fail(err, WSMAN_E_INVALID, "reference parameters missing");
		for (size_t i = 0; i < r->nepr; i++)
			if (!ncname_ok(r->epr_in[i].name) || !epr_ok(&r->epr_in[i].epr))
				return fail(err, WSMAN_E_INVALID,
					    "reference parameter %zu is not valid", i);
		break;
	case WSMAN_OP_CREATE:
	case WSMAN_OP_DELETE:
	case WSMAN_OP_SUBSCRIBE:
	case WSMAN_OP_UNSUBSCRIBE: {
		const char *why = wsman_xml_check_ops(r);
		if (why)
			return fail(err, WSMAN_E_INVALID, "%s", why);
		break;
	}
	default:
		return fail(err, WSMAN_E_INVALID, "unknown operation %d", (int)r->op);
	}
	return WSMAN_OK;
}

/* Header element with s:mustUnderstand="true". */
static xmlNodePtr add_mu(xmlNodePtr hdr, xmlNsPtr ns, xmlNsPtr s, const char *name, const char *text)
{
	xmlNodePtr n = xmlNewTextChild(hdr, ns, X(name), X(text));
	if (n && !xmlNewNsProp(n, s, X("mustUnderstand"), X("true")))
		return NULL;
	return n;
}

/* <name> holding an EPR: wsa Address and ReferenceParameters with the
 * ResourceURI and SelectorSet, as go-wsman-messages and amtc send them. */
static bool add_epr(xmlNodePtr parent, xmlNsPtr h, const char *name, const struct wsman_epr *e,
		    xmlNodePtr env)
{
	xmlNsPtr a = xmlSearchNsByHref(env->doc, env, X(WSMAN_NS_ADDRESSING));
	xmlNsPtr w = xmlSearchNsByHref(env->doc, env, X(WSMAN_NS_WSMAN));
	xmlNodePtr p = xmlNewChild(parent, h, X(name), NULL);
	xmlNodePtr rp = p && xmlNewTextChild(p, a, X("Address"), X(WSMAN_ADDR_ANONYMOUS))
			    ? xmlNewChild(p, a, X("ReferenceParameters"), NULL)
			    : NULL;
	xmlNodePtr set = rp && xmlNewTextChild(rp, w, X("ResourceURI"), X(e->resource_uri))
			     ? xmlNewChild(rp, w, X("SelectorSet"), NULL)
			     : NULL;
	if (!set)
		return false;
	for (size_t i = 0; i < e->nsel; i++) {
		xmlNodePtr el = xmlNewTextChild(set, w, X("Selector"), X(e->sel[i].value));
		if (!el || !xmlNewProp(el, X("Name"), X(e->sel[i].name)))
			return false;
	}
	return true;
}

static int build_body(const struct wsman_request *r, xmlNodePtr env, xmlNodePtr body, xmlNsPtr a,
		      xmlNsPtr w)
{
	char num[16], name[160];
	xmlNsPtr n, h;
	xmlNodePtr el;
	int len;

	switch (r->op) {
	case WSMAN_OP_GET:
		return WSMAN_OK;
	case WSMAN_OP_ENUMERATE:
		n = xmlNewNs(env, X(WSMAN_NS_ENUMERATION), X("n"));
		return (n && xmlNewChild(body, n, X("Enumerate"), NULL)) ? WSMAN_OK : WSMAN_E_NOMEM;
	case WSMAN_OP_PULL:
	case WSMAN_OP_RELEASE:
		n = xmlNewNs(env, X(WSMAN_NS_ENUMERATION), X("n"));
		el = n ? xmlNewChild(body, n, X(r->op == WSMAN_OP_PULL ? "Pull" : "Release"), NULL)
		       : NULL;
		if (!el || !xmlNewTextChild(el, n, X("EnumerationContext"), X(r->enum_context)))
			return WSMAN_E_NOMEM;
		if (r->op == WSMAN_OP_RELEASE)
			return WSMAN_OK;
		snprintf(num, sizeof(num), "%u",
			 r->max_elements ? r->max_elements : WSMAN_PULL_MAX_ELEMENTS);
		if (!xmlNewTextChild(el, n, X("MaxElements"), X(num)))
			return WSMAN_E_NOMEM;
		snprintf(num, sizeof(num), "%u", WSMAN_PULL_MAX_CHARACTERS);
		return xmlNewTextChild(el, n, X("MaxCharacters"), X(num)) ? WSMAN_OK : WSMAN_E_NOMEM;
	case WSMAN_OP_INVOKE:
	case WSMAN_OP_PUT:
		if (r->op == WSMAN_OP_PUT)
			len = snprintf(name, sizeof(name), "%s", class_of(r->resource_uri));
		else
			len = snprintf(name, sizeof(name), "%s_INPUT", r->method);
		if (len < 0 || (size_t)len >= sizeof(name))
			return WSMAN_E_INVALID;
		el = xmlNewChild(body, NULL, X(name), NULL);
		h = el ? xmlNewNs(el, X(r->resource_uri), X("h")) : NULL;
		if (!h)
			return WSMAN_E_NOMEM;
		xmlSetNs(el, h);
		for (size_t i = 0; i < r->nin; i++)
			if (!xmlNewTextChild(el, h, X(r->in[i].name), X(r->in[i].value)))
				return WSMAN_E_NOMEM;
		for (size_t i = 0; i < r->nepr; i++)
			if (!add_epr(el, h, r->epr_in[i].name, &r->epr_in[i].epr, env))
				return WSMAN_E_NOMEM;
		return WSMAN_OK;
	case WSMAN_OP_CREATE:
	case WSMAN_OP_DELETE:
	case WSMAN_OP_SUBSCRIBE:
	case WSMAN_OP_UNSUBSCRIBE:
		return wsman_xml_ops_body(r, env, body, a, w);
	}
	return WSMAN_E_INVALID;
}

static const char *action_uri(const struct wsman_request *r, char **owned)
{
	size_t n;

	*owned = NULL;
	switch (r->op) {
	case WSMAN_OP_GET:
		return WSMAN_NS_TRANSFER "/Get";
	case WSMAN_OP_ENUMERATE:
		return WSMAN_NS_ENUMERATION "/Enumerate";
	case WSMAN_OP_PULL:
		return WSMAN_NS_ENUMERATION "/Pull";
	case WSMAN_OP_RELEASE:
		return WSMAN_NS_ENUMERATION "/Release";
	case WSMAN_OP_PUT:
		return WSMAN_NS_TRANSFER "/Put";
	case WSMAN_OP_CREATE:
		return WSMAN_NS_TRANSFER "/Create";
	case WSMAN_OP_DELETE:
		return WSMAN_NS_TRANSFER "/Delete";
	case WSMAN_OP_SUBSCRIBE:
		return WSMAN_NS_EVENTING "/Subscribe";
	case WSMAN_OP_UNSUBSCRIBE:
		return WSMAN_NS_EVENTING "/Unsubscribe";
	case WSMAN_OP_INVOKE:
		n = strlen(r->resource_uri) + 1 + strlen(r->method) + 1;
		*owned = malloc(n);
		if (*owned)
			snprintf(*owned, n, "%s/%s", r->resource_uri, r->method);
		return *owned;
	}
	return NULL;
}

int wsman_build_request(const struct wsman_request *r, xmlChar **out, size_t *outlen,
			struct wsman_error *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr env, hdr, body, el, set;
	xmlNsPtr s, a, w;
	xmlChar *buf = NULL;
	char *owned = NULL;
	const char *action;
	int rc, len = 0;

	wsman_error_clear(err);
	if (!r || !out || !outlen) {
		rc = fail(err, WSMAN_E_INVALID, "missing argument");
		goto out;
	}
	*out = NULL;
	*outlen = 0;
	rc = check_request(r, err);
	if (rc != WSMAN_OK)
		goto out;
	rc = WSMAN_E_NOMEM;
	action = action_uri(r, &owned);
	if (!action)
		goto nomem;
	doc = xmlNewDoc(X("1.0"));
	env = doc ? xmlNewDocNode(doc, NULL, X("Envelope"), NULL) : NULL;
	if (!env)
		goto nomem;
	xmlDocSetRootElement(doc, env);
	s = xmlNewNs(env, X(WSMAN_NS_SOAP), X("s"));
	a = xmlNewNs(env, X(WSMAN_NS_ADDRESSING), X("a"));
	w = xmlNewNs(env, X(WSMAN_NS_WSMAN), X("w"));
	if (!s || !a || !w)
		goto nomem;
	xmlSetNs(env, s);
	hdr = xmlNewChild(env, s, X("Header"), NULL);
	if (!hdr || !add_mu(hdr, a, s, "Action", action) || !add_mu(hdr, a, s, "To", "/wsman") ||
	    !add_mu(hdr, w, s, "ResourceURI", r->resource_uri) ||
	    !add_mu(hdr, a, s, "MessageID", r->message_id))
		goto nomem;
	el = xmlNewChild(hdr, a, X("ReplyTo"), NULL);
	if (!el || !xmlNewTextChild(el, a, X("Address"), X(WSMAN_ADDR_ANONYMOUS)) ||
	    !xmlNewTextChild(hdr, w, X("OperationTimeout"), X("PT60S")))
		goto nomem;
	if (r->nsel || r->nepr_sel) {
		set = xmlNewChild(hdr, w, X("SelectorSet"), NULL);
		if (!set)
			goto nomem;
		for (size_t i = 0; i < r->nsel; i++) {
			el = xmlNewTextChild(set, w, X("Selector"), X(r->sel[i].value));
			if (!el || !xmlNewProp(el, X("Name"), X(r->sel[i].name)))
				goto nomem;
		}
		if (wsman_xml_epr_selectors(set, a, w, r) != WSMAN_OK)
			goto nomem;
	}
	if (wsman_xml_ops_header(r, hdr, s) != WSMAN_OK)
		goto nomem;
	body = xmlNewChild(env, s, X("Body"), NULL);
	if (!body)
		goto nomem;
	rc = build_body(r, env, body, a, w);
	if (rc == WSMAN_E_INVALID) {
		rc = fail(err, rc, "method or class name too long or invalid");
		goto out;
	}
	if (rc != WSMAN_OK)
		goto nomem;
	xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
	if (!buf || len <= 0)
		goto nomem;
	*out = buf;
	*outlen = (size_t)len;
	buf = NULL;
	rc = WSMAN_OK;
	goto out;
nomem:
	rc = fail(err, WSMAN_E_NOMEM, "out of memory building the request");
out:
	xmlFree(buf);
	xmlFreeDoc(doc);
	free(owned);
	return rc;
}

/* ---- node helpers ---- */

static bool is_el(xmlNodePtr n, const char *local);

const char *wsman_epr_selector(xmlNodePtr epr, const char *name)
{
	xmlNodePtr rp = wsman_child(epr, "ReferenceParameters");
	xmlNodePtr set = wsman_child(rp, "SelectorSet");
	for (xmlNodePtr s = set ? set->children : NULL; s; s = s->next) {
		if (!is_el(s, "Selector"))
			continue;
		xmlChar *n = xmlGetProp(s, X("Name"));
		bool match = n && strcmp((const char *)n, name) == 0;
		xmlFree(n);
		if (match)
			return wsman_text(s);
	}
	return NULL;
}

static bool is_el(xmlNodePtr n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, local) == 0;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
	for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr wsman_child(xmlNodePtr parent, const char *local_name)
{
	if (!parent || !local_name || parent->type != XML_ELEMENT_NODE)
		return NULL;
	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (is_el(c, local_name))
			return c;
	return NULL;
}

xmlNodePtr wsman_next_same(xmlNodePtr el)
{
	if (!el || el->type != XML_ELEMENT_NODE)
		return NULL;
	for (xmlNodePtr c = el->next; c; c = c->next)
		if (is_el(c, (const char *)el->name))
			return c;
	return NULL;
}

const char *wsman_text(xmlNodePtr el)
{
	if (!el || el->type != XML_ELEMENT_NODE || first_element(el))
		return NULL;
	if (!el->children)
		return "";
	if (el->children->next || el->children->type != XML_TEXT_NODE)
		return NULL; /* not normalised by wsman_parse_response */
	return el->children->content ? (const char *)el->children->content : "";
}

const char *wsman_child_text(xmlNodePtr parent, const char *local_name)
{
	return wsman_text(wsman_child(parent, local_name));
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (!s)
		return WSMAN_E_NOT_FOUND;
	for (; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return WSMAN_E_PARSE;
		v = v * 10u + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || v > UINT32_MAX)
		return WSMAN_E_PARSE;
	*out = (uint32_t)v;
	return WSMAN_OK;
}

int wsman_child_u32(xmlNodePtr parent, const char *local_name, uint32_t *out)
{
	xmlNodePtr el = wsman_child(parent, local_name);

	if (!el)
		return WSMAN_E_NOT_FOUND;
	if (!wsman_text(el))
		return WSMAN_E_PARSE; /* not a leaf */
	return parse_u32(wsman_text(el), out);
}

int wsman_child_bool(xmlNodePtr parent, const char *local_name, bool *out)
{
	xmlNodePtr el = wsman_child(parent, local_name);
	const char *t = wsman_text(el);

	if (!el)
		return WSMAN_E_NOT_FOUND;
	if (t && (strcmp(t, "true") == 0 || strcmp(t, "1") == 0))
		*out = true;
	else if (t && (strcmp(t, "false") == 0 || strcmp(t, "0") == 0))
		*out = false;
	else
		return WSMAN_E_PARSE;
	return WSMAN_OK;
}

int wsman_children_foreach(xmlNodePtr parent, const char *local_name,
			   int (*cb)(void *arg, xmlNodePtr el), void *arg)
{
	for (xmlNodePtr el = wsman_child(parent, local_name); el; el = wsman_next_same(el)) {
		int rc = cb(arg, el);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int wsman_children_u32(xmlNodePtr parent, const char *local_name, uint32_t *out, size_t cap,
		       size_t *n)
{
	size_t count = 0;

	*n = 0;
	for (xmlNodePtr el = wsman_child(parent, local_name); el; el = wsman_next_same(el)) {
		const char *t = wsman_text(el);
		if (count >= cap || parse_u32(t ? t : "x", &out[count]) != WSMAN_OK)
			return WSMAN_E_PARSE;
		count++;
	}
	*n = count;
	return WSMAN_OK;
}

/* ---- response parsing ---- */

static bool is_space(xmlChar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Make a leaf element's content one trimmed text node (or nothing). */
static int normalize_leaf(xmlNodePtr el)
{
	xmlChar *all;
	size_t b = 0, e;
	xmlNodePtr list, t = NULL;
	int rc = WSMAN_OK;

	if (!el->children)
		return WSMAN_OK;
	all = xmlNodeGetContent(el);
	if (!all)
		return WSMAN_E_NOMEM;
	e = strlen((const char *)all);
	while (b < e && is_space(all[b]))
		b++;
	while (e > b && is_space(all[e - 1]))
		e--;
	if (el->children->type == XML_TEXT_NODE && !el->children->next && b == 0 &&
	    all[e] == '\0' && e > 0)
		goto out; /* already a single trimmed text node */
	list = el->children;
	el->children = NULL;
	el->last = NULL;
	xmlFreeNodeList(list);
	if (e > b) {
		t = xmlNewDocTextLen(el->doc, all + b, (int)(e - b));
		if (!t || !xmlAddChild(el, t)) {
			xmlFreeNode(t);
			rc = WSMAN_E_NOMEM;
		}
	}
out:
	xmlFree(all);
	return rc;
}

/* Walk the tree without recursion and normalise every leaf element. */
static int normalize_tree(xmlNodePtr root)
{
	xmlNodePtr n = root;

	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			if (first_element(n)) {
				n = n->children;
				continue;
			}
			if (normalize_leaf(n) != WSMAN_OK)
				return WSMAN_E_NOMEM;
		}
		while (n != root && !n->next)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return WSMAN_OK;
}

/* A QName value ("b:DestinationUnreachable") with its prefix replaced by the
 * conventional one for its namespace. */
static void qname_conventional(xmlNodePtr el, char *dst, size_t cap)
{
	static const struct {
		const char *ns, *prefix;
	} known[] = {
		{WSMAN_NS_SOAP, "s"},          {WSMAN_NS_ADDRESSING, "wsa"},
		{WSMAN_NS_WSMAN, "wsman"},     {WSMAN_NS_ENUMERATION, "wsen"},
		{WSMAN_NS_TRANSFER, "wxf"},
	};
	const char *t = wsman_text(el), *colon, *local;
	char prefix[64], tmp[256];
	xmlNsPtr ns;

	if (!t)
		return;
	colon = strchr(t, ':');
	local = colon ? colon + 1 : t;
	if (colon && (size_t)(colon - t) >= sizeof(prefix)) {
		copy_printable(dst, cap, t);
		return;
	}
	if (colon) {
		memcpy(prefix, t, (size_t)(colon - t));
		prefix[colon - t] = '\0';
	}
	ns = xmlSearchNs(el->doc, el, colon ? X(prefix) : NULL);
	for (size_t i = 0; ns && ns->href && i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp((const char *)ns->href, known[i].ns) == 0) {
			snprintf(tmp, sizeof(tmp), "%s:%s", known[i].prefix, local);
			copy_printable(dst, cap, tmp);
			return;
		}
	}
	copy_printable(dst, cap, t);
}

static void parse_fault(xmlNodePtr fault, struct wsman_error *err)
{
	xmlNodePtr code = wsman_child(fault, "Code");
	xmlNodePtr sub = wsman_child(code, "Subcode");
	const char *reason = wsman_child_text(wsman_child(fault, "Reason"), "Text");

	if (!err)
		return;
	qname_conventional(wsman_child(code, "Value"), err->fault_code, sizeof(err->fault_code));
	qname_conventional(wsman_child(sub, "Value"), err->fault_subcode,
			   sizeof(err->fault_subcode));
	if (!reason || !*reason)
		reason = wsman_child_text(wsman_child(fault, "Detail"), "FaultDetail");
	copy_printable(err->fault_reason, sizeof(err->fault_reason), reason);
	copy_printable(err->curl_message, sizeof(err->curl_message), "SOAP fault");
}

struct dtd_guard {
	bool seen;
};

/* SAX hook: the parser reached <!DOCTYPE: stop before any declaration. */
static void reject_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct dtd_guard *g = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	g->seen = true;
	xmlStopParser(ctxt);
}

static int read_doc(const char *data, size_t len, xmlDocPtr *out, struct wsman_error *err)
{
	struct dtd_guard guard = {false};
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	const xmlError *xe;
	char msg[200];
	int rc = WSMAN_OK;

	*out = NULL;
	if (!ctxt || !ctxt->sax)
		return fail(err, WSMAN_E_NOMEM, "out of memory parsing the response");
	ctxt->_private = &guard;
	ctxt->sax->internalSubset = reject_dtd;
	ctxt->sax->externalSubset = NULL;
	/* No XML_PARSE_NOENT/DTDLOAD/DTDATTR/HUGE: entities are never loaded. */
	*out = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
				 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (guard.seen || (*out && ((*out)->intSubset || (*out)->extSubset))) {
		rc = fail(err, WSMAN_E_PARSE, "response has a DTD, which SOAP forbids");
	} else if (!*out) {
		xe = &ctxt->lastError;
		copy_printable(msg, sizeof(msg), xe->message ? xe->message : "unknown error");
		for (size_t n = strlen(msg); n > 0 && msg[n - 1] == '?'; n--)
			msg[n - 1] = '\0'; /* the trailing newline */
		rc = fail(err, WSMAN_E_PARSE, "malformed XML at line %d: %s", xe->line, msg);
	}
	if (rc != WSMAN_OK) {
		xmlFreeDoc(*out);
		*out = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return rc;
}

int wsman_parse_response(const char *data, size_t len, const char *expect_msgid, xmlDocPtr *pdoc,
			 xmlNodePtr *pbody, struct wsman_error *err)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr env, body, first;
	const char *relates;
	bool is_fault;
	int rc;

	wsman_error_clear(err);
	*pdoc = NULL;
	*pbody = NULL;
	if (!data || len == 0) {
		rc = fail(err, WSMAN_E_PARSE, "empty response body");
		goto out;
	}
	if (len > WSMAN_MAX_RESPONSE) {
		rc = fail(err, WSMAN_E_PARSE, "response larger than %u bytes", WSMAN_MAX_RESPONSE);
		goto out;
	}
	rc = read_doc(data, len, &doc, err);
	if (rc != WSMAN_OK)
		goto out;
	env = xmlDocGetRootElement(doc);
	if (!is_el(env, "Envelope")) {
		rc = fail(err, WSMAN_E_PARSE, "response is not a SOAP envelope");
		goto out;
	}
	if (normalize_tree(env) != WSMAN_OK) {
		rc = fail(err, WSMAN_E_NOMEM, "out of memory parsing the response");
		goto out;
	}
	body = wsman_child(env, "Body");
	if (!body) {
		rc = fail(err, WSMAN_E_PARSE, "SOAP envelope has no Body");
		goto out;
	}
	first = first_element(body);
	is_fault = is_el(first, "Fault");
	relates = wsman_child_text(wsman_child(env, "Header"), "RelatesTo");
	if (expect_msgid && relates && strcmp(relates, expect_msgid) != 0) {
		rc = fail(err, WSMAN_E_PARSE, "response RelatesTo does not match our MessageID");
		goto out;
	}
	if (expect_msgid && !relates && !is_fault) {
		rc = fail(err, WSMAN_E_PARSE, "response has no RelatesTo header");
		goto out;
	}
	if (is_fault) {
		if (err)
			err->kind = WSMAN_E_FAULT;
		parse_fault(first, err);
		rc = WSMAN_E_FAULT;
	}
	*pdoc = doc;
	*pbody = body;
	doc = NULL;
out:
	xmlFreeDoc(doc);
	return rc;
}

int wsman_response_instance(xmlNodePtr body, const char *resource_uri, xmlNodePtr *instance,
			    struct wsman_error *err)
{
	const char *cls = resource_uri ? strrchr(resource_uri, '/') : NULL;
	xmlNodePtr el = first_element(body);

	*instance = NULL;
	if (!cls || !cls[1])
		return fail(err, WSMAN_E_INVALID, "resource URI has no class name");
	if (!is_el(el, cls + 1))
		return fail(err, WSMAN_E_PARSE, "Get response does not hold a %.100s instance",
			    cls + 1);
	*instance = el;
	return WSMAN_OK;
}

int wsman_response_enum_context(xmlNodePtr body, const char **context, struct wsman_error *err)
{
	xmlNodePtr er = wsman_child(body, "EnumerateResponse");
	const char *t = wsman_child_text(er, "EnumerationContext");

	*context = NULL;
	if (!er)
		return fail(err, WSMAN_E_PARSE, "no EnumerateResponse in the response");
	if (!t || !*t)
		return fail(err, WSMAN_E_PARSE, "EnumerateResponse has no EnumerationContext");
	*context = t;
	return WSMAN_OK;
}

int wsman_response_pull(xmlNodePtr body, xmlNodePtr *items, const char **context, bool *end,
			struct wsman_error *err)
{
	xmlNodePtr pr = wsman_child(body, "PullResponse");
	const char *t = wsman_child_text(pr, "EnumerationContext");

	*items = NULL;
	*context = NULL;
	*end = false;
	if (!pr)
		return fail(err, WSMAN_E_PARSE, "no PullResponse in the response");
	*items = wsman_child(pr, "Items");
	*end = wsman_child(pr, "EndOfSequence") != NULL;
	*context = (t && *t) ? t : NULL;
	if (!*end && !*context)
		return fail(err, WSMAN_E_PARSE, "PullResponse has neither EnumerationContext nor "
						"EndOfSequence");
	return WSMAN_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a > b && memcmp(s + a - b, suffix, b) == 0;
}

int wsman_response_output(xmlNodePtr body, const char *method, xmlNodePtr *output,
			  struct wsman_error *err)
{
	char name[160];
	xmlNodePtr out = NULL;
	uint32_t rv = 0;
	int len;

	*output = NULL;
	if (method) {
		len = snprintf(name, sizeof(name), "%s_OUTPUT", method);
		if (len < 0 || (size_t)len >= sizeof(name))
			return fail(err, WSMAN_E_INVALID, "method name too long");
		out = wsman_child(body, name);
	} else {
		for (out = first_element(body); out; out = out->next)
			if (out->type == XML_ELEMENT_NODE && ends_with((const char *)out->name, "_OUTPUT"))
				break;
	}
	if (!out)
		return fail(err, WSMAN_E_PARSE, "no %.100s element in the response",
			    method ? name : "*_OUTPUT");
	if (wsman_child_u32(out, "ReturnValue", &rv) != WSMAN_OK)
		return fail(err, WSMAN_E_PARSE, "method output has no valid ReturnValue");
	*output = out;
	if (rv != 0) {
		if (err)
			err->return_value = rv;
		return fail(err, WSMAN_E_RETURN, "method returned %u", rv);
	}
	return WSMAN_OK;
}
