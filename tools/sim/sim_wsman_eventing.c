// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_eventing.c - WS-Eventing in the simulated WS-Man service
 * (protocol-facts-2.md 1.2, 1.3; see sim_wsman_core.h).
 *
 * Owns: Subscribe on CIM_FilterCollection (its InstanceID selector names
 * the collection) and Unsubscribe, on CIM_FilterCollectionSubscription by
 * its Filter and Handler EPRs (MeshCommander, the AIRG) or on the
 * subscription manager the SubscribeResponse named (the listener, by its
 * keys). AMT's limits and the faults for them, where the sources are
 * silent a simulator choice (README "WS-Man service"):
 *   more than SIM_SUB_MAX subscriptions      wsman:QuotaLimit
 *   NotifyTo over 253 characters, not http(s)://, https before AMT 11,
 *   reference parameters over 256 characters wse:EventSourceUnableToProcess
 *   the same collection and address again    wsman:AlreadyExists
 *   a delivery mode other than Push, PushWithAck wse:DeliveryModeRequestedUnavailable
 *   a filter                                 wse:FilteringNotSupported
 *   an expiry                                wsman:UnsupportedFeature (ExpirationTime)
 *   anything malformed                       wsman:InvalidParameter
 * The SubscribeResponse (UNVERIFIED: no recorded one) holds the
 * SubscriptionManager EPR of the new CIM_ListenerDestinationWSManagement,
 * as the AIRG's example returns that reference. Every change is saved.
 * Must not: send events (sim_events.c) or parse the XML fields itself
 * (sim_event_xml.c).
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim_event_xml.h"
#include "sim_wsman_core.h"

static void fault(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		  const char *ns, const char *sub, const char *why, const char *detail)
{
	wsc_fault(p, c, r, false, ns, sub, why, detail);
}

/* The collection the InstanceID selector names, -1 with a fault. */
static int filter_of(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r)
{
	const char *id = NULL;
	for (unsigned i = 0; i < r->nsel; i++) {
		if (strcmp(r->sel[i].name, "InstanceID") != 0) {
			fault(p, c, r, WSC_NS_WSMAN, "InvalidSelectors",
			      "The Selectors for the resource were not valid.", "UnexpectedSelectors");
			return -1;
		}
		id = r->sel[i].value;
	}
	int f = sim_filter_by_id(id);
	if (f < 0)
		fault(p, c, r, WSC_NS_WSMAN, "InvalidSelectors",
		      "The Selectors for the resource were not valid.",
		      id ? "InvalidValue" : "InsufficientSelectors");
	return f;
}

static bool url_ok(const struct sim_state *st, const char *u)
{
	if (strncmp(u, "http://", 7) == 0)
		return u[7] != '\0';
	/* https subscribers from AMT 11 (the AIRG's Subscribe page) */
	return strncmp(u, "https://", 8) == 0 && u[8] != '\0' && atoi(st->version) >= 11;
}

void wsc_subscribe(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		   const struct sim_wsman_class *cls, bool local)
{
	struct sim_state *st = &c->fw->st;
	struct sim_alert_nvm *n = &st->alerts;
	struct sim_subscribe_req req;
	const char *why;
	char name[48];

	if (cls != &sim_filter_collection_class) {
		fault(p, c, r, WSC_NS_WSA, "ActionNotSupported",
		      "The action is not supported by the service.", NULL);
		return;
	}
	int filter = filter_of(p, c, r);
	if (filter < 0)
		return;
	switch (sim_subscribe_parse(r->header, r->payload, &req, &why)) {
	case SIM_SUB_OK:
		break;
	case SIM_SUB_MODE_UNAVAILABLE:
		fault(p, c, r, WSC_NS_WSE, "DeliveryModeRequestedUnavailable", why, NULL);
		goto out;
	case SIM_SUB_FILTER:
		fault(p, c, r, WSC_NS_WSE, "FilteringNotSupported", why, NULL);
		goto out;
	case SIM_SUB_EXPIRES:
		fault(p, c, r, WSC_NS_WSMAN, "UnsupportedFeature", why, "ExpirationTime");
		goto out;
	default:
		fault(p, c, r, WSC_NS_WSMAN, "InvalidParameter", why, NULL);
		goto out;
	}
	if (req.url_too_long || !url_ok(st, req.url)) {
		fault(p, c, r, WSC_NS_WSE, "EventSourceUnableToProcess",
		      atoi(st->version) >= 11
			      ? "NotifyTo must be an http:// or https:// address of at most 253 characters."
			      : "NotifyTo must be an http:// address of at most 253 characters.",
		      NULL);
		goto out;
	}
	if (req.ref_params_too_long) {
		fault(p, c, r, WSC_NS_WSE, "EventSourceUnableToProcess",
		      "The ReferenceParameters are longer than 256 characters.", NULL);
		goto out;
	}
	int slot = -1;
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		const struct sim_subscription *s = &n->subs[i];
		if (s->used && s->filter == (uint32_t)filter && strcmp(s->url, req.url) == 0) {
			fault(p, c, r, WSC_NS_WSMAN, "AlreadyExists",
			      "This address already subscribes to that filter collection.", NULL);
			goto out;
		}
		if (!s->used && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		wsc_fault(p, c, r, true, WSC_NS_WSMAN, "QuotaLimit",
			  "The service has the most subscriptions it can hold (9).", NULL);
		goto out;
	}
	struct sim_subscription *s = &n->subs[slot];
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->handle = n->next_handle++;
	s->filter = (uint32_t)filter;
	s->mode = req.mode;
	s->local = local;
	/* both checked above to fit */
	memcpy(s->url, req.url, strnlen(req.url, SIM_SUB_URL_MAX));
	memcpy(s->ref_params, req.ref_params, strnlen(req.ref_params, SIM_SUB_REFPARAMS_MAX));
	if (req.has_credentials) {
		snprintf(s->user, sizeof(s->user), "%s", req.user);
		snprintf(s->password, sizeof(s->password), "%s", req.password);
	}
	sim_state_persist(st, c->fw->state_path);
	sim_sub_name(s, name, sizeof(name));
	log_info("wsman: %s subscribed to %s%s (%s%s)", s->url, SIM_FILTER_PREFIX,
		 sim_filter_name(s->filter), s->mode == SIM_DELIVERY_PUSH ? "push" : "push with ack",
		 s->user[0] ? ", digest" : "");

	xmlNsPtr e = wsc_ns(p, WSC_NS_WSE);
	wsc_headers(p, c, r, WSC_NS_WSE "/SubscribeResponse", cls->uri);
	xmlNodePtr resp = xmlNewChild(p->body, e, BAD_CAST "SubscribeResponse", NULL);
	xmlNodePtr mgr = resp ? xmlNewChild(resp, e, BAD_CAST "SubscriptionManager", NULL) : NULL;
	if (mgr) {
		const char *const sel[] = {"CreationClassName", "CIM_ListenerDestinationWSMAN",
					   "Name", name,
					   "SystemCreationClassName", "CIM_ComputerSystem",
					   "SystemName", "Intel(r) AMT", NULL};
		xmlNewTextChild(mgr, p->a, BAD_CAST "Address", BAD_CAST SIM_WSMAN_ANONYMOUS);
		xmlNodePtr rp = xmlNewChild(mgr, p->a, BAD_CAST "ReferenceParameters", NULL);
		xmlNewTextChild(rp, p->w, BAD_CAST "ResourceURI",
				BAD_CAST SIM_WSMAN_CIM "CIM_ListenerDestinationWSManagement");
		xmlNodePtr set = xmlNewChild(rp, p->w, BAD_CAST "SelectorSet", NULL);
		for (const char *const *k = sel; set && k[0]; k += 2) {
			xmlNodePtr x = xmlNewTextChild(set, p->w, BAD_CAST "Selector", BAD_CAST k[1]);
			if (x)
				xmlNewProp(x, BAD_CAST "Name", BAD_CAST k[0]);
		}
	}
out:
	OPENSSL_cleanse(&req, sizeof(req));
}

void wsc_unsubscribe(struct wsc_resp *p, struct sim_wsman_core *c, const struct wsc_req *r,
		     const struct sim_wsman_class *cls)
{
	struct sim_state *st = &c->fw->st;
	unsigned index;
	if (cls != &sim_subscription_class && cls != &sim_listener_class) {
		fault(p, c, r, WSC_NS_WSA, "ActionNotSupported",
		      "The action is not supported by the service.", NULL);
		return;
	}
	if (!r->payload || !wsc_is_el(r->payload, WSC_NS_WSE, "Unsubscribe")) {
		fault(p, c, r, WSC_NS_WSMAN, "SchemaValidationError",
		      "The Body does not hold an Unsubscribe element.", NULL);
		return;
	}
	struct wsc_ns_mark mark = wsc_ns_mark(p);
	xmlNodePtr inst = wsc_select_instance(p, c, r, cls, NULL, &index);
	if (!inst)
		return;
	xmlFreeNode(inst);
	wsc_ns_rollback(p, mark);
	int slot = sim_sub_nth(&st->alerts, index); /* both classes list subscriptions in order */
	if (slot >= 0) {
		log_info("wsman: %s unsubscribed", st->alerts.subs[slot].url);
		memset(&st->alerts.subs[slot], 0, sizeof(st->alerts.subs[slot]));
		sim_state_persist(st, c->fw->state_path);
	}
	wsc_headers(p, c, r, WSC_NS_WSE "/UnsubscribeResponse", cls->uri);
}
