// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sim_eventing.c - libFuzzer target for the simulated AMT's
 * WS-Eventing parser: a Subscribe request's header and body, as
 * sim_subscribe_parse() reads them (delivery mode, NotifyTo, reference
 * parameters re-serialised for echoing, the subscriber's credentials), and
 * the event envelope built with whatever reference parameters it accepted.
 *
 * Input: a whole SOAP envelope (exact-size heap copy), parsed with libxml2
 * as the SOAP core parses requests (no network, no DTD). Promises checked
 * (abort() when broken): accepted strings are NUL-terminated within their
 * arrays, a URL or reference parameter over AMT's limit is flagged, and
 * the envelope with the accepted reference parameters builds.
 * Must not: open sockets or files.
 */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/sim_event_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_SOAP "http://www.w3.org/2003/05/soap-envelope"

static xmlNodePtr child(xmlNodePtr p, const char *local)
{
	for (xmlNodePtr n = p ? p->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns &&
		    !strcmp((const char *)n->ns->href, NS_SOAP) && !strcmp((const char *)n->name, local))
			return n;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_subscribe_req req;
	const char *why;
	if (size > 256 * 1024)
		return 0;
	char *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	xmlDocPtr doc = xmlReadMemory(copy, (int)size, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc && !doc->intSubset) {
		xmlNodePtr env = xmlDocGetRootElement(doc), body = child(env, "Body"), payload = NULL;
		for (xmlNodePtr n = body ? body->children : NULL; n && !payload; n = n->next)
			if (n->type == XML_ELEMENT_NODE)
				payload = n;
		if (sim_subscribe_parse(child(env, "Header"), payload, &req, &why) == SIM_SUB_OK) {
			if (strnlen(req.url, sizeof(req.url)) == sizeof(req.url) ||
			    strnlen(req.ref_params, sizeof(req.ref_params)) == sizeof(req.ref_params) ||
			    strnlen(req.user, sizeof(req.user)) == sizeof(req.user) ||
			    (strlen(req.url) > SIM_SUB_URL_MAX && !req.url_too_long))
				abort();
			if (!req.ref_params_too_long) {
				struct sim_alert a = {.message_id = "iAMT0036", .nargs = 1};
				char *xml;
				size_t len;
				a.ref_params = req.ref_params;
				if (sim_alert_envelope(&a, &xml, &len) != 0)
					abort(); /* what Subscribe kept must echo */
				free(xml);
			}
		}
	}
	xmlFreeDoc(doc);
	free(copy);
	return 0;
}
