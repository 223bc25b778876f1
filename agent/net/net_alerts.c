// SPDX-License-Identifier: Apache-2.0
/*
 * net_alerts.c - the network module's alert calls (see net.h): one agent
 * presence call on AMT_AgentPresenceWatchdog, and the count of subscribers
 * a call for help inside the enterprise reaches.
 *
 * The watchdog is named by its four keys, DeviceID being the agent GUID's
 * 16 wire bytes in base64 (AMT 6.0+). After AssertPresence the watchdog is
 * read back: AMT ignores a wrong sequence number with ReturnValue 0 (its
 * MOF), so only CurrentState tells the daemon that its session is gone (an
 * ME reset) and it must register again.
 * Must not: keep state between calls or decide when to call.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "net_int.h"

#define WD WSMAN_AMT_URI("AMT_AgentPresenceWatchdog")
#define FCS WSMAN_CIM_URI("CIM_FilterCollectionSubscription")

static struct wsman_client *client(const struct net_wsman_target *t)
{
	struct wsman_opts o = {.url = t->url, .user = t->user, .password = t->password,
			       .timeout_ms = 15000, .open_socket = t->open_socket,
			       .open_socket_arg = t->open_socket_arg};
	wsman_global_init();
	return wsman_client_new(&o);
}

static void failed(struct net_presence_result *res, const char *what, int rc,
		   const struct wsman_error *e)
{
	char why[512];
	wsman_error_format(e, why, sizeof(why));
	res->status = NET_PRESENCE_FAILED;
	res->error_class = net_class_of(rc, e);
	snprintf(res->message, sizeof(res->message), "%s: %s", what, why);
}

static bool no_such_instance(int rc, const struct wsman_error *e)
{
	return rc == WSMAN_E_FAULT && (strstr(e->fault_subcode, "InvalidSelectors") ||
				       strstr(e->fault_subcode, "DestinationUnreachable"));
}

/* Get the watchdog: state and intervals. */
static int read_watchdog(struct wsman_client *c, const struct wsman_selector *sel,
			 struct net_presence_result *res, struct wsman_error *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	int rc = wsman_get(c, WD, sel, 4, &doc, &inst, e);
	if (rc == 0) {
		wsman_child_u32(inst, "CurrentState", &res->state);
		wsman_child_u32(inst, "TimeoutInterval", &res->timeout_s);
		wsman_child_u32(inst, "StartupInterval", &res->startup_s);
	}
	xmlFreeDoc(doc);
	return rc;
}

static int call(struct wsman_client *c, const char *method, const struct wsman_selector *sel,
		uint32_t seq, bool with_seq, struct net_presence_result *res, struct wsman_error *e)
{
	char num[16];
	xmlDocPtr doc = NULL;
	xmlNodePtr out;
	snprintf(num, sizeof(num), "%u", (unsigned)seq);
	const struct wsman_param in[] = {{"SequenceNumber", num}};
	int rc = wsman_invoke(c, WD, method, sel, 4, with_seq ? in : NULL, with_seq ? 1 : 0, &doc,
			      &out, e);
	if (rc == WSMAN_E_RETURN) {
		res->return_value = e->return_value;
		res->status = NET_PRESENCE_REFUSED;
	} else if (rc == 0 && !with_seq) {
		uint32_t n = 0;
		wsman_child_u32(out, "SessionSequenceNumber", &n);
		wsman_child_u32(out, "TimeoutInterval", &res->timeout_s);
		res->seq = n;
	}
	xmlFreeDoc(doc);
	return rc == WSMAN_E_RETURN ? 0 : rc;
}

void net_presence(const struct net_presence_req *q, struct net_presence_result *res)
{
	struct wsman_error e;
	char id[32];
	memset(res, 0, sizeof(*res));
	wsman_error_clear(&e);
	EVP_EncodeBlock((unsigned char *)id, q->guid, 16);
	const struct wsman_selector sel[] = {{"CreationClassName", "AMT_AgentPresenceWatchdog"},
					     {"DeviceID", id},
					     {"SystemCreationClassName", "CIM_ComputerSystem"},
					     {"SystemName", "Intel(r) AMT"}};
	struct wsman_client *c = client(&q->t);
	int rc = 0;
	if (!c) {
		res->status = NET_PRESENCE_FAILED;
		res->error_class = NET_ERR_LOCAL;
		snprintf(res->message, sizeof(res->message), "cannot set up the WS-Man client");
		goto out;
	}
	switch (q->action) {
	case NET_PRESENCE_STATUS:
		rc = read_watchdog(c, sel, res, &e);
		break;
	case NET_PRESENCE_REGISTER:
		rc = call(c, "RegisterAgent", sel, 0, false, res, &e);
		if (rc == 0 && res->status == NET_PRESENCE_OK) {
			res->seq += 1u; /* the first heartbeat: registered + 1 */
			rc = call(c, "AssertPresence", sel, res->seq, true, res, &e);
		}
		if (rc == 0 && res->status == NET_PRESENCE_OK)
			rc = read_watchdog(c, sel, res, &e);
		break;
	case NET_PRESENCE_ASSERT:
		res->seq = q->seq;
		rc = call(c, "AssertPresence", sel, q->seq, true, res, &e);
		if (rc == 0 && res->status == NET_PRESENCE_OK)
			rc = read_watchdog(c, sel, res, &e);
		break;
	case NET_PRESENCE_SHUTDOWN:
		res->seq = q->seq;
		rc = call(c, "AssertShutdown", sel, q->seq, true, res, &e);
		break;
	}
	if (rc != 0) {
		if (no_such_instance(rc, &e)) {
			res->status = NET_PRESENCE_NO_WATCHDOG;
			snprintf(res->message, sizeof(res->message), "AMT has no agent presence "
								     "watchdog for this agent");
		} else {
			failed(res, "agent presence", rc, &e);
		}
	}
out:
	wsman_client_free(c);
	wsman_global_cleanup();
}

struct cila_count {
	unsigned n;
};

static int on_subscription(void *arg, xmlNodePtr item)
{
	struct cila_count *k = arg;
	const char *f = wsman_epr_selector(wsman_child(item, "Filter"), "InstanceID");
	if (f && (!strcmp(f, "Intel(r) AMT:All") || !strcmp(f, "Intel(r) AMT:Features")))
		k->n++;
	return 0;
}

void net_cila_subscribers(const struct net_wsman_target *t, struct net_cila_result *res)
{
	struct wsman_error e;
	struct cila_count k = {0};
	char why[512];
	memset(res, 0, sizeof(*res));
	wsman_error_clear(&e);
	struct wsman_client *c = client(t);
	int rc = c ? wsman_enumerate(c, FCS, on_subscription, &k, &e) : WSMAN_E_NOMEM;
	if (rc == 0) {
		res->subscribers = k.n;
	} else {
		wsman_error_format(&e, why, sizeof(why));
		res->status = -1;
		res->error_class = net_class_of(rc, &e);
		snprintf(res->message, sizeof(res->message), "cannot read AMT's subscriptions: %s",
			 why);
	}
	wsman_client_free(c);
	wsman_global_cleanup();
}
