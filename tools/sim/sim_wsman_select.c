// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_select.c - which instance a WS-Man request names: selectors by
 * value or, for association keys, by endpoint reference (compared in one
 * canonical form), and a Put without selectors by the key properties in
 * its body (see sim_wsman_core.h).
 *
 * It sits below the request side (sim_wsman_soap.c) and WS-Eventing
 * (sim_wsman_eventing.c), which both look instances up, and above
 * sim_wsman_resp.c, whose instances it builds to compare.
 * Must not: dispatch, answer anything but an InvalidSelectors fault, or
 * know any class's properties.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_core.h"

static xmlNodePtr descendant(xmlNodePtr n, const char *ns, const char *local)
{
	for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next) {
		if (wsc_is_el(k, ns, local))
			return k;
		xmlNodePtr d = descendant(k, ns, local);
		if (d)
			return d;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An endpoint reference below n in one comparable form:
 * "RESOURCE-URI?name=value&..." with selectors in name order; NULL when n
 * holds no ResourceURI or the form is over WSC_SELECTOR_MAX (xmlFree). */
char *wsc_epr_canon(xmlNodePtr n)
{
	char *parts[WSC_MAX_SELECTORS], *out = NULL, *uri = wsc_text(descendant(n, WSC_NS_WSMAN, "ResourceURI"), 512);
	unsigned np = 0;
	size_t len;
	if (!uri)
		return NULL;
	xmlNodePtr set = descendant(n, WSC_NS_WSMAN, "SelectorSet");
	for (xmlNodePtr s = set ? set->children : NULL; s; s = s->next) {
		if (!wsc_is_el(s, WSC_NS_WSMAN, "Selector"))
			continue;
		char *name = (char *)xmlGetProp(s, BAD_CAST "Name"), *value = wsc_text(s, 256);
		if (!name || !value || np >= WSC_MAX_SELECTORS) {
			xmlFree(name);
			xmlFree(value);
			goto out;
		}
		size_t l = strlen(name) + strlen(value) + 2;
		parts[np] = malloc(l);
		if (parts[np])
			snprintf(parts[np++], l, "%s=%s", name, value);
		xmlFree(name);
		xmlFree(value);
	}
	qsort(parts, np, sizeof(parts[0]), cmp_str);
	len = strlen(uri) + 1;
	for (unsigned i = 0; i < np; i++)
		len += strlen(parts[i]) + 1;
	if (len <= WSC_SELECTOR_MAX && (out = (char *)xmlMalloc(len)) != NULL) {
		size_t off = (size_t)snprintf(out, len, "%s", uri);
		for (unsigned i = 0; i < np; i++)
			off += (size_t)snprintf(out + off, len - off, "%c%s", i ? '&' : '?', parts[i]);
	}
out:
	for (unsigned i = 0; i < np; i++)
		free(parts[i]);
	xmlFree(uri);
	return out;
}

/* A selector's or property's value: its text, or the canonical form of
 * the EPR it holds. */
char *wsc_value_of(xmlNodePtr n, size_t max)
{
	return wsc_first_element(n) ? wsc_epr_canon(n) : wsc_text(n, max);
}

static void fault_selectors(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
			    const char *detail)
{
	wsc_fault(p, c, r, false, WSC_NS_WSMAN, "InvalidSelectors",
		  "The Selectors for the resource were not valid.", detail);
}

/* True when every selector names a property of inst with that value. */
static bool selectors_match(const struct wsc_req *r, xmlNodePtr inst, bool *unknown_name)
{
	for (unsigned s = 0; s < r->nsel; s++) {
		xmlNodePtr prop = wsc_prop_of(inst, r->sel[s].name);
		if (!prop) {
			*unknown_name = true;
			return false;
		}
		char *v = wsc_value_of(prop, WSC_SELECTOR_MAX);
		bool eq = v && strcmp(v, r->sel[s].value) == 0;
		xmlFree(v);
		if (!eq)
			return false;
	}
	return true;
}

/* True when every key property of cls in the Put body equals inst's. */
static bool body_keys_match(const struct sim_wsman_class *cls, xmlNodePtr body, xmlNodePtr inst)
{
	unsigned seen = 0;
	for (const char *const *k = cls->keys; k && *k; k++) {
		xmlNodePtr want = wsc_prop_of(body, *k), have = wsc_prop_of(inst, *k);
		if (!want)
			continue;
		char *a = wsc_value_of(want, WSC_SELECTOR_MAX), *b = have ? wsc_value_of(have, WSC_SELECTOR_MAX) : NULL;
		bool eq = a && b && strcmp(a, b) == 0;
		xmlFree(a);
		xmlFree(b);
		if (!eq)
			return false;
		seen++;
	}
	return seen > 0;
}

/* The instance the selectors name (any instance when the class has one and
 * no selector is given). A Put without selectors names its instance by the
 * key properties in its body, as RPS's message builder sends it
 * (@device-management-toolkit/wsman-messages protectedPut) and AMT takes
 * it. Its element and index, or NULL with a fault. */
xmlNodePtr wsc_select_instance(struct wsc_resp *p, struct sim_wsman_core *c,
				  const struct wsc_req *r, const struct sim_wsman_class *cls,
				  xmlNodePtr put_body, unsigned *index)
{
	const struct sim_state *st = &c->fw->st;
	unsigned n = cls->count(st);
	bool unknown_name = false, by_body = r->nsel == 0 && n != 1 && put_body;
	if (r->nsel == 0 && n != 1 && !put_body) {
		fault_selectors(p, c, r, "InsufficientSelectors");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		xmlNodePtr inst = wsc_instance(p, cls, st, i);
		if (inst && (by_body ? body_keys_match(cls, put_body, inst)
				     : selectors_match(r, inst, &unknown_name))) {
			*index = i;
			return inst;
		}
		xmlFreeNode(inst);
	}
	fault_selectors(p, c, r,
			by_body ? "InsufficientSelectors"
				: unknown_name ? "UnexpectedSelectors" : "InvalidValue");
	return NULL;
}

