// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_fixture.h - compare a WS-Man response with a recorded fixture
 * (tests/data/wsman/NAME.xml) structurally: the namespace declarations of
 * every element (prefix and URI, in order), element prefixes, names and
 * namespaces, attributes, and the text of leaf elements, in document
 * order. Comments and whitespace between elements are ignored. A fixture
 * leaf may hold a placeholder instead of a value:
 *   {uuid}     an AMT MessageID, uuid:00000000-8086-8086-8086-XXXXXXXXXXXX
 *   {context}  AMT's 36-character EnumerationContext, XXXXXXXX-0000-0000-0000-000000000000
 *   {number}   decimal digits (times, which change)
 *   {base64}   non-empty base64 (certificates, nonces checked elsewhere)
 * Fixtures live in tests/data/wsman beside the build tree's source: the
 * directory above $BUILD_DIR (tests/run.sh sets it), else ./tests/data/wsman.
 * Must not: normalise anything else; a test that needs a value ignored
 * says so with a placeholder in the fixture.
 */
#ifndef TESTS_WSMAN_FIXTURE_H
#define TESTS_WSMAN_FIXTURE_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline const char *wf_path(const char *name)
{
	static char path[1024];
	const char *build = getenv("BUILD_DIR");
	if (build && *build) {
		snprintf(path, sizeof(path), "%s/../tests/data/wsman/%s.xml", build, name);
		FILE *f = fopen(path, "r");
		if (f) {
			fclose(f);
			return path;
		}
	}
	snprintf(path, sizeof(path), "tests/data/wsman/%s.xml", name);
	return path;
}

static inline bool wf_all(const char *s, const char *set, size_t min)
{
	return strlen(s) >= min && strspn(s, set) == strlen(s);
}

static inline bool wf_value_ok(const char *want, const char *got)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!strcmp(want, "{uuid}"))
		return strlen(got) == 41 && !strncmp(got, "uuid:00000000-8086-8086-8086-", 29) &&
		       wf_all(got + 29, hex, 12);
	if (!strcmp(want, "{context}"))
		return strlen(got) == 36 && strspn(got, hex) == 8 &&
		       !strcmp(got + 8, "-0000-0000-0000-000000000000");
	if (!strcmp(want, "{number}"))
		return wf_all(got, "0123456789", 1);
	if (!strcmp(want, "{base64}"))
		return wf_all(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", 4);
	return !strcmp(want, got);
}

static inline xmlNodePtr wf_next_el(xmlNodePtr n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static inline char *wf_trim(char *t)
{
	char *s = t, *e;
	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

/* First difference below (want, got) into why; false when they differ. */
static inline bool wf_node(xmlNodePtr want, xmlNodePtr got, const char *path, char *why, size_t cap)
{
	char here[1024];
	snprintf(here, sizeof(here), "%s/%s%s%s", path, want->ns && want->ns->prefix ? (const char *)want->ns->prefix : "",
		 want->ns && want->ns->prefix ? ":" : "", (const char *)want->name);
	const char *wp = want->ns && want->ns->prefix ? (const char *)want->ns->prefix : "";
	const char *gp = got->ns && got->ns->prefix ? (const char *)got->ns->prefix : "";
	const char *wh = want->ns ? (const char *)want->ns->href : "";
	const char *gh = got->ns ? (const char *)got->ns->href : "";
	if (strcmp(wp, gp) || strcmp(wh, gh) || xmlStrcmp(want->name, got->name)) {
		snprintf(why, cap, "%s: got %s:%s in %s", here, gp, (const char *)got->name, gh);
		return false;
	}
	xmlNsPtr wn = want->nsDef, gn = got->nsDef;
	for (; wn || gn; wn = wn ? wn->next : NULL, gn = gn ? gn->next : NULL) {
		if (!wn || !gn || xmlStrcmp(wn->prefix, gn->prefix) || xmlStrcmp(wn->href, gn->href)) {
			snprintf(why, cap, "%s: namespace declaration %s=%s, got %s=%s", here,
				 wn ? (const char *)wn->prefix : "(none)", wn ? (const char *)wn->href : "",
				 gn ? (const char *)gn->prefix : "(none)", gn ? (const char *)gn->href : "");
			return false;
		}
	}
	xmlAttrPtr wa = want->properties, ga = got->properties;
	for (; wa || ga; wa = wa ? wa->next : NULL, ga = ga ? ga->next : NULL) {
		xmlChar *wv = wa ? xmlNodeGetContent((xmlNodePtr)wa) : NULL;
		xmlChar *gv = ga ? xmlNodeGetContent((xmlNodePtr)ga) : NULL;
		bool same = wa && ga && !xmlStrcmp(wa->name, ga->name) && !xmlStrcmp(wv, gv) &&
			    (wa->ns == NULL) == (ga->ns == NULL) &&
			    (!wa->ns || !xmlStrcmp(wa->ns->prefix, ga->ns->prefix));
		if (!same)
			snprintf(why, cap, "%s: attribute %s=\"%s\", got %s=\"%s\"", here,
				 wa ? (const char *)wa->name : "(none)", wv ? (const char *)wv : "",
				 ga ? (const char *)ga->name : "(none)", gv ? (const char *)gv : "");
		xmlFree(wv);
		xmlFree(gv);
		if (!same)
			return false;
	}
	xmlNodePtr wc = wf_next_el(want->children), gc = wf_next_el(got->children);
	if (!wc && !gc) { /* leaves: the text */
		char *wt = (char *)xmlNodeGetContent(want), *gt = (char *)xmlNodeGetContent(got);
		bool ok = wt && gt && wf_value_ok(wf_trim(wt), wf_trim(gt));
		if (!ok)
			snprintf(why, cap, "%s: \"%s\", got \"%s\"", here, wt ? wf_trim(wt) : "",
				 gt ? wf_trim(gt) : "");
		xmlFree(wt);
		xmlFree(gt);
		return ok;
	}
	for (; wc || gc; wc = wf_next_el(wc ? wc->next : NULL), gc = wf_next_el(gc ? gc->next : NULL)) {
		if (!wc || !gc) {
			snprintf(why, cap, "%s: %s element %s", here, wc ? "missing" : "extra",
				 (const char *)(wc ? wc->name : gc->name));
			return false;
		}
		if (!wf_node(wc, gc, here, why, cap))
			return false;
	}
	return true;
}

/* NULL when reply matches fixture NAME, else what differs first. */
static inline const char *wf_compare(const char *reply, size_t len, const char *name)
{
	static char why[2048];
	xmlDocPtr want = xmlReadFile(wf_path(name), NULL, XML_PARSE_NONET);
	xmlDocPtr got = reply ? xmlReadMemory(reply, (int)len, NULL, NULL, XML_PARSE_NONET) : NULL;
	if (!want)
		snprintf(why, sizeof(why), "fixture %s cannot be read", wf_path(name));
	else if (!got)
		snprintf(why, sizeof(why), "the reply is not XML");
	bool ok = want && got &&
		  wf_node(xmlDocGetRootElement(want), xmlDocGetRootElement(got), "", why, sizeof(why));
	xmlFreeDoc(want);
	xmlFreeDoc(got);
	return ok ? NULL : why;
}

#endif
