// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_xml_ops.c - the WS-Transfer Create / Delete and WS-Eventing
 * Subscribe / Unsubscribe parts of a WS-Man request, and selectors whose
 * value is an endpoint reference (see wsman_xml_int.h).
 *
 * Shapes: Create's Body is the new instance, <h:CLASS xmlns:h="URI"> with
 * its properties (MeshCommander's ExecCreate); Subscribe's is
 * <e:Subscribe><e:Delivery Mode=..><e:NotifyTo><a:Address>..
 * [<a:ReferenceParameters>..]</e:NotifyTo>[<w:Auth Profile=digest/>]
 * </e:Delivery></e:Subscribe> with the subscriber's credentials as
 * wst:IssuedTokens in the Header (protocol-facts-2.md 1.2: MeshCommander's
 * ExecSubscribe and the AIRG's "Digest Authorization" page); Unsubscribe's
 * is <e:Unsubscribe/>, Delete's is empty.
 * Must not: do I/O, or put a password anywhere but the request it builds.
 */
#include <stdio.h>
#include <string.h>

#include "wsman_xml_int.h"

#define X(s) ((const xmlChar *)(s))
#define NS_TRUST "http://schemas.xmlsoap.org/ws/2005/02/trust"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define TOKEN_TYPE \
	"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#UsernameToken"
#define DIGEST_PROFILE "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/digest"

static const char *check_text_selectors(const struct wsman_selector *sel, size_t n)
{
	if (n && !sel)
		return "selectors missing";
	for (size_t i = 0; i < n; i++)
		if (!sel[i].name || !*sel[i].name || !wsman_xml_text_ok(sel[i].name) ||
		    !wsman_xml_text_ok(sel[i].value))
			return "a selector has no name or invalid text";
	return NULL;
}

const char *wsman_xml_check_epr_selectors(const struct wsman_request *r)
{
	if (r->nepr_sel && !r->epr_sel)
		return "selectors missing";
	for (size_t i = 0; i < r->nepr_sel; i++) {
		const struct wsman_epr_selector *s = &r->epr_sel[i];
		if (!s->name || !*s->name || !wsman_xml_text_ok(s->name) || !s->epr.resource_uri ||
		    !wsman_xml_text_ok(s->epr.resource_uri))
			return "an endpoint reference selector has no name or resource URI";
		const char *why = check_text_selectors(s->epr.sel, s->epr.nsel);
		if (why)
			return why;
	}
	return NULL;
}

static bool opt_text_ok(const char *s)
{
	return !s || wsman_xml_text_ok(s);
}

const char *wsman_xml_check_ops(const struct wsman_request *r)
{
	const struct wsman_subscribe *sub = r->sub;
	switch (r->op) {
	case WSMAN_OP_CREATE:
		if (!r->nprops || !r->props)
			return "Create needs the properties of the new instance";
		for (size_t i = 0; i < r->nprops; i++)
			if (!wsman_xml_ncname_ok(r->props[i].name) ||
			    !wsman_xml_text_ok(r->props[i].value))
				return "a property has an invalid name or text";
		return NULL;
	case WSMAN_OP_DELETE:
	case WSMAN_OP_UNSUBSCRIBE:
		return NULL;
	case WSMAN_OP_SUBSCRIBE:
		if (!sub || !sub->notify_to || !*sub->notify_to || !wsman_xml_text_ok(sub->notify_to))
			return "Subscribe needs a NotifyTo address";
		if (sub->ref_name && (!wsman_xml_ncname_ok(sub->ref_name) || !sub->ref_ns ||
				      !*sub->ref_ns || !wsman_xml_text_ok(sub->ref_ns) ||
				      !opt_text_ok(sub->ref_value)))
			return "the reference parameter needs a name, a namespace and valid text";
		if ((sub->user == NULL) != (sub->password == NULL) || !opt_text_ok(sub->user) ||
		    !opt_text_ok(sub->password) || (sub->user && (!*sub->user || !*sub->password)))
			return "the subscriber's user and password go together";
		return NULL;
	default:
		return "unknown operation";
	}
}

static int text_selector(xmlNodePtr set, xmlNsPtr w, const struct wsman_selector *s)
{
	xmlNodePtr el = xmlNewTextChild(set, w, X("Selector"), X(s->value));
	return el && xmlNewProp(el, X("Name"), X(s->name)) ? WSMAN_OK : WSMAN_E_NOMEM;
}

int wsman_xml_epr_selectors(xmlNodePtr set, xmlNsPtr a, xmlNsPtr w, const struct wsman_request *r)
{
	for (size_t i = 0; i < r->nepr_sel; i++) {
		const struct wsman_epr_selector *s = &r->epr_sel[i];
		xmlNodePtr el = xmlNewChild(set, w, X("Selector"), NULL), epr, rp, inner;
		if (!el || !xmlNewProp(el, X("Name"), X(s->name)) ||
		    !(epr = xmlNewChild(el, a, X("EndpointReference"), NULL)) ||
		    !xmlNewTextChild(epr, a, X("Address"), X(WSMAN_ADDR_ANONYMOUS)) ||
		    !(rp = xmlNewChild(epr, a, X("ReferenceParameters"), NULL)) ||
		    !xmlNewTextChild(rp, w, X("ResourceURI"), X(s->epr.resource_uri)) ||
		    !(inner = xmlNewChild(rp, w, X("SelectorSet"), NULL)))
			return WSMAN_E_NOMEM;
		for (size_t j = 0; j < s->epr.nsel; j++)
			if (text_selector(inner, w, &s->epr.sel[j]) != WSMAN_OK)
				return WSMAN_E_NOMEM;
	}
	return WSMAN_OK;
}

int wsman_xml_ops_header(const struct wsman_request *r, xmlNodePtr hdr, xmlNsPtr s)
{
	const struct wsman_subscribe *sub = r->sub;
	if (r->op != WSMAN_OP_SUBSCRIBE || !sub->user)
		return WSMAN_OK;
	xmlNsPtr t = xmlNewNs(hdr, X(NS_TRUST), X("t"));
	xmlNsPtr se = xmlNewNs(hdr, X(NS_WSSE), X("se"));
	xmlNodePtr it = t && se ? xmlNewChild(hdr, t, X("IssuedTokens"), NULL) : NULL;
	xmlNodePtr rstr = it ? xmlNewChild(it, t, X("RequestSecurityTokenResponse"), NULL) : NULL;
	xmlNodePtr rst = rstr && xmlNewTextChild(rstr, t, X("TokenType"), X(TOKEN_TYPE))
				 ? xmlNewChild(rstr, t, X("RequestedSecurityToken"), NULL)
				 : NULL;
	xmlNodePtr ut = rst ? xmlNewChild(rst, se, X("UsernameToken"), NULL) : NULL;
	xmlNodePtr pw = ut && xmlNewTextChild(ut, se, X("Username"), X(sub->user))
				? xmlNewTextChild(ut, se, X("Password"), X(sub->password))
				: NULL;
	if (!pw || !xmlNewProp(pw, X("Type"), X(NS_WSSE "#PasswordText")) ||
	    !xmlNewNsProp(it, s, X("mustUnderstand"), X("true")))
		return WSMAN_E_NOMEM;
	return WSMAN_OK;
}

int wsman_xml_ops_body(const struct wsman_request *r, xmlNodePtr env, xmlNodePtr body, xmlNsPtr a,
		       xmlNsPtr w)
{
	const struct wsman_subscribe *sub = r->sub;
	xmlNsPtr e, h;
	xmlNodePtr el, del, to;
	switch (r->op) {
	case WSMAN_OP_DELETE:
		return WSMAN_OK;
	case WSMAN_OP_UNSUBSCRIBE:
		e = xmlNewNs(env, X(WSMAN_NS_EVENTING), X("e"));
		return e && xmlNewChild(body, e, X("Unsubscribe"), NULL) ? WSMAN_OK : WSMAN_E_NOMEM;
	case WSMAN_OP_CREATE:
		if (!wsman_xml_ncname_ok(wsman_xml_class_of(r->resource_uri)))
			return WSMAN_E_INVALID;
		el = xmlNewChild(body, NULL, X(wsman_xml_class_of(r->resource_uri)), NULL);
		h = el ? xmlNewNs(el, X(r->resource_uri), X("h")) : NULL;
		if (!h)
			return WSMAN_E_NOMEM;
		xmlSetNs(el, h);
		for (size_t i = 0; i < r->nprops; i++)
			if (!xmlNewTextChild(el, h, X(r->props[i].name), X(r->props[i].value)))
				return WSMAN_E_NOMEM;
		return WSMAN_OK;
	case WSMAN_OP_SUBSCRIBE:
		e = xmlNewNs(env, X(WSMAN_NS_EVENTING), X("e"));
		el = e ? xmlNewChild(body, e, X("Subscribe"), NULL) : NULL;
		del = el ? xmlNewChild(el, e, X("Delivery"), NULL) : NULL;
		if (!del || !xmlNewProp(del, X("Mode"), X(sub->push_with_ack ? WSMAN_MODE_PUSH_WITH_ACK
									     : WSMAN_MODE_PUSH)))
			return WSMAN_E_NOMEM;
		to = xmlNewChild(del, e, X("NotifyTo"), NULL);
		if (!to || !xmlNewTextChild(to, a, X("Address"), X(sub->notify_to)))
			return WSMAN_E_NOMEM;
		if (sub->ref_name) {
			xmlNodePtr rp = xmlNewChild(to, a, X("ReferenceParameters"), NULL);
			xmlNodePtr arg = rp ? xmlNewTextChild(rp, NULL, X(sub->ref_name),
							     X(sub->ref_value ? sub->ref_value : ""))
					    : NULL;
			xmlNsPtr m = arg ? xmlNewNs(arg, X(sub->ref_ns), X("m")) : NULL;
			if (!m)
				return WSMAN_E_NOMEM;
			xmlSetNs(arg, m);
		}
		if (sub->user) {
			xmlNodePtr auth = xmlNewChild(del, w, X("Auth"), NULL);
			if (!auth || !xmlNewProp(auth, X("Profile"), X(DIGEST_PROFILE)))
				return WSMAN_E_NOMEM;
		}
		return WSMAN_OK;
	default:
		return WSMAN_E_INVALID;
	}
}
