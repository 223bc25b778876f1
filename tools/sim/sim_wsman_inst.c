/*
 * sim_wsman_inst.c - what a WS-Man class of the simulator sees of the SOAP
 * core: writing the properties of an instance or method output
 * (sim_wsman_prop*) and reading the parameters of a method call
 * (sim_wsman_arg*), declared in sim_wsman_int.h.
 *
 * It sits below both the core (sim_wsman_soap.c) and the classes
 * (sim_wsman_classes.c, sim_3pds*.c), so the core can call the classes and
 * the classes can build their answers without calling back into the core.
 * Must not: know the envelope, dispatch or any class.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_int.h"

/* ---------------- instances ---------------- */

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

void sim_wsman_prop_epr(struct sim_wsman_inst *i, const char *name, const char *resource_uri,
			const char *const *selectors)
{
	xmlNodePtr prop = xmlNewChild(i->node, i->ns, BAD_CAST name, NULL);
	if (!prop)
		return;
	/* declared here: the instance may not be in the envelope yet */
	xmlNsPtr a = xmlNewNs(prop, BAD_CAST SIM_WSMAN_NS_WSA, BAD_CAST "b");
	xmlNsPtr w = xmlNewNs(prop, BAD_CAST SIM_WSMAN_NS_WSMAN, BAD_CAST "c");
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

/* ---------------- method parameters ---------------- */

const char *sim_wsman_arg(const struct sim_wsman_call *c, const char *name)
{
	for (unsigned i = 0; i < c->nargs; i++)
		if (strcmp(c->args[i].name, name) == 0)
			return c->args[i].value;
	return NULL;
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
