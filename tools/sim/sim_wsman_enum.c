// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_enum.c - WS-Enumeration in the simulated WS-Man service:
 * Enumerate, Pull, Release and the enumeration contexts (see
 * sim_wsman_core.h).
 *
 * Owns: the context table (16 at once, least recently used one dropped
 * when full, expired after 2 idle minutes), AMT's 36-character context
 * form (a counter's four bytes, little-endian, in hex, then
 * "-0000-0000-0000-000000000000": amtc copies exactly 36 characters after
 * <g:EnumerationContext>), MaxElements (default 1, at most 100),
 * EndOfSequence, and the DSP0226 8.7 enumeration modes: EnumerateEPR
 * (items are wsa:EndpointReference) and EnumerateObjectAndEPR (each item a
 * wsman:Item holding the instance and its EPR), which Intel's CIM
 * framework (intel/lms CimOpenWsmanClient EnumerateRef) asks AMT for.
 * Filters are refused (wsen:FilteringNotSupported); OptimizeEnumeration is
 * ignored as DSP0226 lets a service do (the client then pulls).
 * Must not: know any class's properties or HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_core.h"

#define ENUM_IDLE_MS (120 * 1000)
#define PULL_MAX_ELEMENTS 100

static struct wsc_enum_ctx *enum_find(struct sim_wsman_core *c, const char *id, int64_t now)
{
	for (int i = 0; i < WSC_ENUM_SLOTS; i++) {
		struct wsc_enum_ctx *e = &c->enums[i];
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

/* The mode named in the Enumerate element; -1 when it names another one. */
static int enum_mode(const struct wsc_req *r)
{
	char *m = wsc_text(wsc_child(r->payload, WSC_NS_WSMAN, "EnumerationMode"), 64);
	int mode = WSC_ENUM_OBJECT;
	if (m) {
		if (!strcmp(m, "EnumerateEPR"))
			mode = WSC_ENUM_EPR;
		else if (!strcmp(m, "EnumerateObjectAndEPR"))
			mode = WSC_ENUM_OBJECT_AND_EPR;
		else
			mode = -1;
		xmlFree(m);
	} else if (wsc_child(r->payload, WSC_NS_WSMAN, "EnumerationMode")) {
		mode = -1; /* present but empty or overlong */
	}
	return mode;
}

void wsc_enumerate(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		   const struct sim_wsman_class *cls, int64_t now)
{
	int slot = 0, mode;
	if (!r->payload || !wsc_is_el(r->payload, WSC_NS_WSEN, "Enumerate")) {
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "SchemaValidationError",
			  "The Body does not hold an Enumerate element.", NULL);
		return;
	}
	if (wsc_child(r->payload, WSC_NS_WSMAN, "Filter") ||
	    wsc_child(r->payload, WSC_NS_WSEN, "Filter")) {
		wsc_fault(p, c, r, false, WSC_NS_WSEN, "FilteringNotSupported",
			  "Filtered enumeration is not supported.", NULL);
		return;
	}
	if ((mode = enum_mode(r)) < 0) {
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "UnsupportedFeature",
			  "The requested enumeration mode is not supported.", "EnumerationMode");
		return;
	}
	enum_find(c, NULL, now); /* drop expired contexts */
	for (int i = 0; i < WSC_ENUM_SLOTS; i++) {
		if (!c->enums[i].id[0]) {
			slot = i;
			break;
		}
		if (c->enums[i].last_ms < c->enums[slot].last_ms)
			slot = i; /* full: the least recently used context goes */
	}
	struct wsc_enum_ctx *e = &c->enums[slot];
	uint32_t h = ++c->context_counter;
	snprintf(e->id, sizeof(e->id), "%02X%02X%02X%02X-0000-0000-0000-000000000000",
		 (unsigned)(h & 0xFF), (unsigned)(h >> 8 & 0xFF), (unsigned)(h >> 16 & 0xFF),
		 (unsigned)(h >> 24));
	e->cls = cls;
	e->next = 0;
	e->mode = mode;
	e->count = cls->count(&c->fw->st);
	e->last_ms = now;
	xmlNsPtr en = wsc_ns(p, WSC_NS_WSEN);
	wsc_headers(p, c, r, WSC_NS_WSEN "/EnumerateResponse", cls->uri);
	xmlNodePtr er = xmlNewChild(p->body, en, BAD_CAST "EnumerateResponse", NULL);
	xmlNewTextChild(er, en, BAD_CAST "EnumerationContext", BAD_CAST e->id);
}

static struct wsc_enum_ctx *context_of(struct wsc_resp *p, struct sim_wsman_core *c,
				       const struct wsc_req *r, const struct sim_wsman_class *cls,
				       const char *element, int64_t now)
{
	if (!r->payload || !wsc_is_el(r->payload, WSC_NS_WSEN, element)) {
		wsc_fault(p, c, r, false, WSC_NS_WSMAN, "SchemaValidationError",
			  "The Body does not hold the enumeration element.", NULL);
		return NULL;
	}
	char *id = wsc_text(wsc_child(r->payload, WSC_NS_WSEN, "EnumerationContext"), 64);
	struct wsc_enum_ctx *e = id ? enum_find(c, id, now) : NULL;
	xmlFree(id);
	if (!e || e->cls != cls) {
		wsc_fault(p, c, r, true, WSC_NS_WSEN, "InvalidEnumerationContext",
			  "The supplied enumeration context is invalid.", NULL);
		return NULL;
	}
	return e;
}

/* One item of a Pull in the context's mode. */
static void add_item(struct wsc_resp *p, const struct wsc_enum_ctx *e, const struct sim_state *st,
		     unsigned index, xmlNodePtr items)
{
	if (e->mode == WSC_ENUM_OBJECT) {
		xmlAddChild(items, wsc_instance(p, e->cls, st, index));
		return;
	}
	xmlNodePtr inst = wsc_instance(p, e->cls, st, index);
	if (!inst)
		return;
	if (e->mode == WSC_ENUM_EPR) {
		wsc_epr_of(p, e->cls, inst, items, "EndpointReference");
		xmlFreeNode(inst);
		return;
	}
	xmlNodePtr item = xmlNewChild(items, p->w, BAD_CAST "Item", NULL);
	if (!item) {
		xmlFreeNode(inst);
		return;
	}
	xmlAddChild(item, inst);
	wsc_epr_of(p, e->cls, inst, item, "EndpointReference");
}

void wsc_pull(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
	      const struct sim_wsman_class *cls, int64_t now)
{
	const struct sim_state *st = &c->fw->st;
	struct wsc_enum_ctx *e = context_of(p, c, r, cls, "Pull", now);
	if (!e)
		return;
	unsigned max = 1; /* WS-Enumeration default */
	char *m = wsc_text(wsc_child(r->payload, WSC_NS_WSEN, "MaxElements"), 10);
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
	xmlNsPtr en = wsc_ns(p, WSC_NS_WSEN);
	wsc_headers(p, c, r, WSC_NS_WSEN "/PullResponse", cls->uri);
	xmlNodePtr pr = xmlNewChild(p->body, en, BAD_CAST "PullResponse", NULL);
	unsigned end = e->next + max < count ? e->next + max : count;
	bool done = end >= count;
	if (!done)
		xmlNewTextChild(pr, en, BAD_CAST "EnumerationContext", BAD_CAST e->id);
	xmlNodePtr items = xmlNewChild(pr, en, BAD_CAST "Items", NULL);
	for (unsigned i = e->next; items && i < end; i++)
		add_item(p, e, st, i, items);
	if (done) {
		xmlNewTextChild(pr, en, BAD_CAST "EndOfSequence", BAD_CAST ""); /* AMT: <g:EndOfSequence></g:EndOfSequence> */
		e->id[0] = '\0';
	} else {
		e->next = end;
		e->last_ms = now;
	}
}

void wsc_release(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		 const struct sim_wsman_class *cls, int64_t now)
{
	struct wsc_enum_ctx *e = context_of(p, c, r, cls, "Release", now);
	if (!e)
		return;
	e->id[0] = '\0';
	wsc_headers(p, c, r, WSC_NS_WSEN "/ReleaseResponse", cls->uri);
}
