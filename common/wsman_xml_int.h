// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_xml_int.h - what wsman_xml.c (envelopes, parsing) and
 * wsman_xml_ops.c (the Create, Delete, Subscribe and Unsubscribe parts of
 * a request, endpoint-reference selectors) share. Not for other modules.
 */
#ifndef COMMON_WSMAN_XML_INT_H
#define COMMON_WSMAN_XML_INT_H

#include <stdbool.h>

#include "wsman_xml.h"

/* Text we may put in a document: UTF-8 of XML 1.0 characters. */
bool wsman_xml_text_ok(const char *s);
/* An XML NCName (element and parameter names). */
bool wsman_xml_ncname_ok(const char *s);
/* The class name: the resource URI's last path segment. */
const char *wsman_xml_class_of(const char *uri);

/* Checks of the parts wsman_xml_ops.c builds: NULL when fine, else what is
 * wrong (static text). */
const char *wsman_xml_check_epr_selectors(const struct wsman_request *r);
const char *wsman_xml_check_ops(const struct wsman_request *r);
/* The EPR-valued selectors of r under set. 0 or WSMAN_E_NOMEM. */
int wsman_xml_epr_selectors(xmlNodePtr set, xmlNsPtr a, xmlNsPtr w, const struct wsman_request *r);
/* Header parts (Subscribe's IssuedTokens) and the Body of the four
 * operations. 0, WSMAN_E_INVALID or WSMAN_E_NOMEM. */
int wsman_xml_ops_header(const struct wsman_request *r, xmlNodePtr hdr, xmlNsPtr s);
int wsman_xml_ops_body(const struct wsman_request *r, xmlNodePtr env, xmlNodePtr body, xmlNsPtr a,
		       xmlNsPtr w);

#endif
