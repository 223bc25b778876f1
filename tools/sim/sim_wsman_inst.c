// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_inst.c - what a WS-Man class of the simulator sees of the SOAP
 * core: writing the properties of an instance or method output
 * (sim_wsman_prop*) and reading the parameters of a method call
 * (sim_wsman_arg*), declared in sim_wsman_int.h.
 *
 * It sits below both the core (sim_wsman_soap.c) and the classes (the
 * class-family files, sim_3pds*.c), so the core can call the classes and
 * the classes can build their answers without calling back into the core.
 * Must not: know the envelope, dispatch or any class.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_int.h"

/* ---------------- instances ---------------- */

const char *const sim_wsman_service_keys[] = {"CreationClassName", "Name",
					       "SystemCreationClassName", "SystemName", NULL};

void sim_wsman_prop(struct sim_wsman_inst *i, const char *name, const char *value)
{
	xmlNewTextChild(i->node, i->ns, BAD_CAST name, BAD_CAST(value ? value : ""));
}

void sim_wsman_prop_u32(struct sim_wsman_inst *i, const char *name, uint32_t value)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%u", (unsigned)value);
	sim_wsman_prop(i, name, buf);
}

void sim_wsman_prop_bool(struct sim_wsman_inst *i, const char *name, bool value)
{
	sim_wsman_prop(i, name, value ? "true" : "false");
}

void sim_wsman_prop_u64(struct sim_wsman_inst *i, const char *name, uint64_t value)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	sim_wsman_prop(i, name, buf);
}

void sim_wsman_prop_datetime(struct sim_wsman_inst *i, const char *name, const char *value)
{
	xmlNodePtr prop = xmlNewChild(i->node, i->ns, BAD_CAST name, NULL);
	if (!prop)
		return;
	xmlNsPtr common = i->common ? i->common
				    : xmlNewNs(prop, BAD_CAST SIM_WSMAN_NS_COMMON, BAD_CAST "h");
	xmlNewTextChild(prop, common, BAD_CAST "Datetime", BAD_CAST value);
}

void sim_wsman_prop_epr(struct sim_wsman_inst *i, const char *name, const char *resource_uri,
			const char *const *selectors)
{
	xmlNodePtr prop = xmlNewChild(i->node, i->ns, BAD_CAST name, NULL);
	if (!prop)
		return;
	/* the envelope's b: and c:, or declared here when there is none yet */
	xmlNsPtr a = i->wsa ? i->wsa : xmlNewNs(prop, BAD_CAST SIM_WSMAN_NS_WSA, BAD_CAST "b");
	xmlNsPtr w = i->wsman ? i->wsman : xmlNewNs(prop, BAD_CAST SIM_WSMAN_NS_WSMAN, BAD_CAST "c");
	xmlNewTextChild(prop, a, BAD_CAST "Address", BAD_CAST SIM_WSMAN_ANONYMOUS);
	xmlNodePtr rp = xmlNewChild(prop, a, BAD_CAST "ReferenceParameters", NULL);
	xmlNewTextChild(rp, w, BAD_CAST "ResourceURI", BAD_CAST resource_uri);
	xmlNodePtr set = xmlNewChild(rp, w, BAD_CAST "SelectorSet", NULL);
	for (; selectors && selectors[0] && selectors[1]; selectors += 2) {
		xmlNodePtr s = xmlNewTextChild(set, w, BAD_CAST "Selector", BAD_CAST selectors[1]);
		if (s)
			xmlNewProp(s, BAD_CAST "Name", BAD_CAST selectors[0]);
	}
}

void sim_wsman_prop_service_epr(struct sim_wsman_inst *i, const char *name, const char *schema,
				const char *class_name, const char *key_name,
				const char *key_value)
{
	char uri[256];
	snprintf(uri, sizeof(uri), "%s%s", schema, class_name);
	if (!strcmp(key_name, "Name")) {
		const char *const sel[] = {"CreationClassName", class_name, "Name", key_value,
					   "SystemCreationClassName", "CIM_ComputerSystem",
					   "SystemName", "Intel(r) AMT", NULL};
		sim_wsman_prop_epr(i, name, uri, sel);
	} else {
		const char *const sel[] = {key_name, key_value, NULL};
		sim_wsman_prop_epr(i, name, uri, sel);
	}
}

/* ---------------- method parameters ---------------- */

const char *sim_wsman_arg(const struct sim_wsman_call *c, const char *name)
{
	for (unsigned i = 0; i < c->nargs; i++)
		if (strcmp(c->args[i].name, name) == 0)
			return c->args[i].value;
	return NULL;
}

unsigned sim_wsman_arg_count(const struct sim_wsman_call *c, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->nargs; i++)
		n += strcmp(c->args[i].name, name) == 0;
	return n;
}

static xmlNodePtr find_el(xmlNodePtr n, const char *local)
{
	for (xmlNodePtr k = n ? n->children : NULL; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)k->name, local) == 0)
			return k;
		xmlNodePtr d = find_el(k, local);
		if (d)
			return d;
	}
	return NULL;
}

const char *sim_wsman_arg_epr_selector(struct sim_wsman_call *c, const char *name, unsigned n,
				       const char *sel)
{
	for (unsigned i = 0; i < c->nargs; i++) {
		if (strcmp(c->args[i].name, name) != 0 || n-- > 0)
			continue;
		xmlNodePtr set = find_el(c->args[i].node, "SelectorSet");
		for (xmlNodePtr s = set ? set->children : NULL; s; s = s->next) {
			if (s->type != XML_ELEMENT_NODE || strcmp((const char *)s->name, "Selector"))
				continue;
			xmlChar *nm = xmlGetProp(s, BAD_CAST "Name");
			bool match = nm && strcmp((const char *)nm, sel) == 0;
			xmlFree(nm);
			if (match && s->children && s->children->type == XML_TEXT_NODE &&
			    !s->children->next)
				return (const char *)s->children->content;
		}
		return NULL;
	}
	return NULL;
}

int sim_wsman_arg_u32_opt(struct sim_wsman_call *c, const char *name, uint32_t *out)
{
	for (unsigned i = 0; i < c->nargs; i++) {
		if (strcmp(c->args[i].name, name) != 0)
			continue;
		xmlChar *nil = xmlGetNsProp(c->args[i].node, BAD_CAST "nil",
					    BAD_CAST "http://www.w3.org/2001/XMLSchema-instance");
		bool is_nil = nil && (!xmlStrcmp(nil, BAD_CAST "true") || !xmlStrcmp(nil, BAD_CAST "1"));
		xmlFree(nil);
		if (is_nil)
			return 0;
		return sim_wsman_arg_u32(c, name, out) == 0 ? 1 : -1;
	}
	return 0;
}

const char *sim_wsman_arg_str(struct sim_wsman_call *c, const char *name)
{
	const char *v = sim_wsman_arg(c, name);
	if (!v && !c->fault[0]) /* the first problem is the one reported */
		snprintf(c->fault, sizeof(c->fault), "The parameter %s is missing.", name);
	return v;
}

int sim_wsman_arg_u32(struct sim_wsman_call *c, const char *name, uint32_t *out)
{
	const char *v = sim_wsman_arg_str(c, name);
	char *end;
	if (!v)
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || x > 0xFFFFFFFFull || strlen(v) > 10) {
		if (!c->fault[0])
			snprintf(c->fault, sizeof(c->fault), "The parameter %s is not a uint32.", name);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

int sim_wsman_arg_bool(struct sim_wsman_call *c, const char *name, bool *out)
{
	const char *v = sim_wsman_arg_str(c, name);
	if (!v)
		return -1;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else {
		if (!c->fault[0])
			snprintf(c->fault, sizeof(c->fault), "The parameter %s is not a boolean.", name);
		return -1;
	}
	return 0;
}
