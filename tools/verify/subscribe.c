// SPDX-License-Identifier: Apache-2.0
/*
 * subscribe.c - amt-verify subscribe, unsubscribe and subscriptions: a
 * device's WS-Eventing subscriptions (protocol-facts-2.md 1.2, 1.3).
 *
 * subscribe: reads the device's UUID (CIM_ComputerSystemPackage
 * PlatformGUID) and subscribes NotifyTo to a filter collection with that
 * UUID as the reference parameter <v:device xmlns:v="urn:amt-agent:
 * amt-verify">, which AMT echoes in every event so the receiver knows the
 * device whatever address it sends from; --push-with-ack asks for acked
 * delivery; --notify-user and --notify-password-file give AMT digest
 * credentials for the receiver (amt-verify listen --events checks them).
 * unsubscribe: the subscriptions to NotifyTo (on one collection with
 * --filter), or all with --all, by their Filter and Handler EPRs as
 * MeshCommander does. subscriptions: each listener with its collection.
 * Exit codes: 0 done, 1 AMT refused, 2 usage, 4 credentials refused,
 * 8 network, 9 nothing to do (no such subscription), 10 protocol.
 * Must not: put a password on the command line or in a message.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertdoc.h"
#include "repair.h"

#define FC WSMAN_CIM_URI("CIM_FilterCollection")
#define FCS WSMAN_CIM_URI("CIM_FilterCollectionSubscription")
#define LD WSMAN_CIM_URI("CIM_ListenerDestinationWSManagement")
#define FILTER_PREFIX "Intel(r) AMT:"
#define EXIT_NOTHING 9
#define MAX_SUBS 64

/* "All", "features", "Intel(r) AMT:User Notification" -> the InstanceID. */
static int filter_id(const char *name, char *out, size_t cap)
{
	static const char *const known[] = {"All", "Features", "User Notification"};
	const char *n = strncmp(name, FILTER_PREFIX, strlen(FILTER_PREFIX)) == 0
				? name + strlen(FILTER_PREFIX)
				: name;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(n, known[i]) == 0) {
			snprintf(out, cap, FILTER_PREFIX "%s", known[i]);
			return 0;
		}
	if (n == name)
		return -1;
	snprintf(out, cap, "%s", name); /* another collection the device may have */
	return 0;
}

static int read_uuid(struct wsman_client *c, char out[VERIFY_UUID_STR_LEN], struct wsman_error *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	uint8_t raw[16];
	int rc = wsman_get(c, WSMAN_CIM_URI("CIM_ComputerSystemPackage"), NULL, 0, &doc, &inst, e);
	if (rc != 0)
		return rc;
	const char *g = wsman_child_text(inst, "PlatformGUID");
	rc = WSMAN_E_PARSE;
	if (g && strlen(g) == 32) {
		rc = 0;
		for (int i = 0; i < 16 && rc == 0; i++) {
			unsigned v;
			if (sscanf(g + 2 * i, "%2x", &v) != 1)
				rc = WSMAN_E_PARSE;
			raw[i] = (uint8_t)v;
		}
	}
	if (rc == 0)
		verify_uuid_str(raw, out);
	else
		snprintf(e->curl_message, sizeof(e->curl_message), "PlatformGUID is not 32 hex digits");
	xmlFreeDoc(doc);
	return rc;
}

/* ---- the device's subscriptions ---- */

struct sub {
	char filter[96];
	char listener[96];
	char url[300];
	unsigned mode;
};

struct sub_list {
	struct sub s[MAX_SUBS];
	size_t n;
};

static int on_listener(void *arg, xmlNodePtr item)
{
	struct sub_list *l = arg;
	const char *name = wsman_child_text(item, "Name"), *dest = wsman_child_text(item, "Destination");
	uint32_t mode = 0;
	wsman_child_u32(item, "DeliveryMode", &mode);
	for (size_t i = 0; name && i < l->n; i++)
		if (strcmp(l->s[i].listener, name) == 0) {
			snprintf(l->s[i].url, sizeof(l->s[i].url), "%s", dest ? dest : "");
			l->s[i].mode = mode;
		}
	return 0;
}

static int on_subscription(void *arg, xmlNodePtr item)
{
	struct sub_list *l = arg;
	const char *f = wsman_epr_selector(wsman_child(item, "Filter"), "InstanceID");
	const char *h = wsman_epr_selector(wsman_child(item, "Handler"), "Name");
	if (!f || !h || l->n >= MAX_SUBS)
		return 0;
	struct sub *s = &l->s[l->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->filter, sizeof(s->filter), "%s", f);
	snprintf(s->listener, sizeof(s->listener), "%s", h);
	return 0;
}

static int list_subs(struct wsman_client *c, struct sub_list *l, struct wsman_error *e)
{
	l->n = 0;
	int rc = wsman_enumerate(c, FCS, on_subscription, l, e);
	return rc ? rc : wsman_enumerate(c, LD, on_listener, l, e);
}

static const char *mode_name(unsigned mode)
{
	return mode == 3 ? "push_with_ack" : mode == 2 ? "push" : "other";
}

/* ---- subscribe ---- */

enum { S_NOTIFY = REPAIR_O_COUNT, S_FILTER, S_ACK, S_NUSER, S_NPW, S_JSON, S_ALL };

static const struct cliopt sub_opts[] = {
	REPAIR_CLIOPTS,
	[S_NOTIFY] = {"notify-to", 0, "URL", "where AMT sends the events (http:// or https://)", 0},
	[S_FILTER] = {"filter", 0, "NAME", "the collection: All (default), Features, User Notification", 0},
	[S_ACK] = {"push-with-ack", 0, NULL, "AMT waits for the receiver's Ack (PushWithAck)", 0},
	[S_NUSER] = {"notify-user", 0, "U", "digest user AMT presents to the receiver", 0},
	[S_NPW] = {"notify-password-file", 0, "F", "its password (at most 32 characters)", 0},
	[S_JSON] = {"json", 0, NULL, "the result as JSON", 0},
	[S_ALL] = {"all", 0, NULL, "unsubscribe: every subscription of the device", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd subscribe_cli = {
	.prog = VERIFY_PROG,
	.name = "subscribe",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = sub_opts,
	.synopsis = "usage: amt-verify subscribe (HOST | --via-tunnel UUID) --notify-to URL [--filter NAME]\n"
		    "                [--push-with-ack] [--notify-user U --notify-password-file F]\n"
		    "                --password-file F [--user U] [--tls] [--port N] [--json] ...\n",
	.description = "Subscribe URL to a device's events (WS-Eventing). amt-verify listen --events\n"
		       "receives them; give it the same --notify-user and password file.\n",
	.footer = "Exit codes: 0 subscribed, 1 AMT refused, 2 usage or configuration, 4 the\n"
		  "device refused the credentials, 8 network error, 10 an answer not understood.\n",
};

static const struct clicmd unsubscribe_cli = {
	.prog = VERIFY_PROG,
	.name = "unsubscribe",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = sub_opts,
	.synopsis = "usage: amt-verify unsubscribe (HOST | --via-tunnel UUID) (--notify-to URL | --all)\n"
		    "                [--filter NAME] --password-file F [--user U] [--tls] [--port N] ...\n",
	.description = "Remove a device's subscriptions to URL (on one collection with --filter), or\n"
		       "all of them. Exit 9 when there is none.\n",
	.footer = "Exit codes: 0 removed, 1 AMT refused, 2 usage or configuration, 4 the device\n"
		  "refused the credentials, 8 network error, 9 no such subscription, 10 an\n"
		  "answer not understood.\n",
};

static const struct clicmd subscriptions_cli = {
	.prog = VERIFY_PROG,
	.name = "subscriptions",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = sub_opts,
	.synopsis = "usage: amt-verify subscriptions (HOST | --via-tunnel UUID) --password-file F [--json] ...\n",
	.description = "List a device's event subscriptions: collection, address, delivery mode.\n",
	.footer = "Exit codes: 0 listed (also when there are none), 1 AMT refused, 2 usage or\n"
		  "configuration, 4 the device refused the credentials, 8 network error, 10 an\n"
		  "answer not understood.\n",
};

struct sub_args {
	struct repair_target tg; /* the device and how to reach it (repair.c) */
	const char *notify_to, *filter, *notify_user, *notify_pw_file;
	bool ack, json, all;
	char fid[128]; /* the collection's InstanceID ("" unsubscribe: any) */
};

/* The device in JSON: HOST, or the UUID of --via-tunnel. */
static const char *device_id(const struct repair_target *t)
{
	return t->host ? t->host : t->via_tunnel;
}

/* 0 (the password file read: repair_target_free), -1 after --help, or an
 * exit code with the message printed. */

static int parse(const struct clicmd *cli, int argc, char **argv, struct sub_args *a)
{
	struct cliopt_result r;
	int next;
	memset(a, 0, sizeof(*a));
	repair_target_init(&a->tg, cli->name);
	int st = cliopt_parse(cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? -VERIFY_EXIT_OK - 1 : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		int o = r.hits[i].opt;
		const char *v = r.hits[i].value;
		int t = repair_option(&a->tg, cli, o, v);
		if (t < 0)
			return VERIFY_EXIT_USAGE;
		if (t > 0)
			continue;
		switch (o) {
		case S_NOTIFY: a->notify_to = v; break;
		case S_FILTER: a->filter = v; break;
		case S_ACK: a->ack = true; break;
		case S_NUSER: a->notify_user = v; break;
		case S_NPW: a->notify_pw_file = v; break;
		case S_JSON: a->json = true; break;
		case S_ALL: a->all = true; break;
		}
	}
	a->tg.json = a->json;
	bool sub = cli == &subscribe_cli, unsub = cli == &unsubscribe_cli;
	if ((!sub && (a->ack || a->notify_user || a->notify_pw_file)) || (!unsub && a->all) ||
	    (!sub && !unsub && (a->notify_to || a->filter))) {
		cliopt_fail(cli, stderr, "an option does not apply to %s", cli->name);
		return VERIFY_EXIT_USAGE;
	}
	if (sub && !a->notify_to) {
		cliopt_fail(cli, stderr, "--notify-to URL is required");
		return VERIFY_EXIT_USAGE;
	}
	if (unsub && !a->notify_to == !a->all) {
		cliopt_fail(cli, stderr, "give --notify-to URL or --all");
		return VERIFY_EXIT_USAGE;
	}
	if (!a->notify_user != !a->notify_pw_file) {
		cliopt_fail(cli, stderr, "--notify-user and --notify-password-file go together");
		return VERIFY_EXIT_USAGE;
	}
	if (a->notify_to && strncmp(a->notify_to, "http://", 7) != 0 &&
	    strncmp(a->notify_to, "https://", 8) != 0) {
		cliopt_fail(cli, stderr, "--notify-to must be an http:// or https:// URL");
		return VERIFY_EXIT_USAGE;
	}
	/* HOST or --via-tunnel, the trust options, the password file: last,
	 * so that nothing is read before the command line is known good */
	if ((sub || a->filter) && filter_id(a->filter ? a->filter : "All", a->fid, sizeof(a->fid))) {
		cliopt_fail(cli, stderr, "--filter %s: use All, Features or User Notification (or a "
				  "full Intel(r) AMT:NAME)", a->filter);
		return VERIFY_EXIT_USAGE;
	}
	if (a->tg.via_tunnel && r.nargs) {
		cliopt_fail(cli, stderr, "HOST or --via-tunnel UUID, not both");
		return VERIFY_EXIT_USAGE;
	}
	return repair_target_finish(&a->tg, cli, &r, &next);
}

/* The end of a command: the client, the password. */
static int finish(struct sub_args *a, struct wsman_client *c, int ex)
{
	wsman_client_free(c);
	repair_target_free(&a->tg);
	return ex;
}

int cmd_subscribe(int argc, char **argv)
{
	struct sub_args a;
	struct wsman_client *c = NULL;
	struct wsman_error e;
	uint8_t *npw = NULL;
	size_t npw_len = 0;
	char err[512], uuid[VERIFY_UUID_STR_LEN];
	xmlDocPtr doc = NULL;
	xmlNodePtr mgr;
	int ex = parse(&subscribe_cli, argc, argv, &a);
	if (ex)
		return ex < 0 ? VERIFY_EXIT_OK : finish(&a, NULL, ex);
	if (a.notify_pw_file &&
	    (verify_read_secret(a.notify_pw_file, &npw, &npw_len, err, sizeof(err)) != 0 ||
	     npw_len > 32 || strlen(a.notify_user) > 32)) {
		fprintf(stderr, "%s subscribe: --notify-password-file: %s\n", VERIFY_PROG,
			npw_len > 32 || strlen(a.notify_user) > 32
				? "AMT takes a user and password of at most 32 characters"
				: err);
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	ex = repair_wsman(&a.tg, &c);
	if (ex)
		goto out;
	int rc = read_uuid(c, uuid, &e);
	if (rc != 0) {
		ex = repair_wsman_fail(&a.tg, "cannot read the device's UUID", rc, &e);
		goto out;
	}
	const struct wsman_selector sel[] = {{"InstanceID", a.fid}};
	struct wsman_subscribe sub = {.push_with_ack = a.ack, .notify_to = a.notify_to,
				      .ref_ns = ALERTDOC_REF_NS, .ref_name = ALERTDOC_REF_NAME,
				      .ref_value = uuid, .user = a.notify_user,
				      .password = (const char *)npw};
	rc = wsman_subscribe(c, FC, sel, 1, &sub, &doc, &mgr, &e);
	if (rc != 0) {
		ex = repair_wsman_fail(&a.tg, "AMT refused the subscription", rc, &e);
		goto out;
	}
	const char *listener = mgr ? wsman_epr_selector(mgr, "Name") : NULL;
	if (a.json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s?}", "schema", 1,
				      "device", device_id(&a.tg), "uuid", uuid, "filter", a.fid,
				      "notify_to", a.notify_to, "delivery",
				      a.ack ? "push_with_ack" : "push", "digest", a.notify_user != NULL,
				      "listener", listener);
		if (o)
			json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%s (%s): %s now sends its events to %s (%s%s)\n", repair_name(&a.tg), uuid,
		       a.fid, a.notify_to, a.ack ? "push with ack" : "push",
		       a.notify_user ? ", digest" : "");
	}
	ex = VERIFY_EXIT_OK;
out:
	xmlFreeDoc(doc);
	verify_secret_free(npw, npw_len);
	return finish(&a, c, ex);
}

int cmd_unsubscribe(int argc, char **argv)
{
	struct sub_args a;
	struct wsman_client *c = NULL;
	struct wsman_error e;
	static struct sub_list l;
	unsigned done = 0;
	int ex = parse(&unsubscribe_cli, argc, argv, &a);
	if (ex)
		return ex < 0 ? VERIFY_EXIT_OK : finish(&a, NULL, ex);
	ex = repair_wsman(&a.tg, &c);
	if (ex)
		return finish(&a, c, ex);
	int rc = list_subs(c, &l, &e);
	if (rc != 0)
		return finish(&a, c, repair_wsman_fail(&a.tg, "cannot list the subscriptions", rc, &e));
	for (size_t i = 0; i < l.n; i++) {
		const struct sub *s = &l.s[i];
		if ((a.notify_to && strcmp(s->url, a.notify_to) != 0) ||
		    (a.fid[0] && strcmp(s->filter, a.fid)))
			continue;
		const struct wsman_selector f[] = {{"InstanceID", s->filter}};
		const struct wsman_selector h[] = {{"CreationClassName", "CIM_ListenerDestinationWSMAN"},
						   {"Name", s->listener},
						   {"SystemCreationClassName", "CIM_ComputerSystem"},
						   {"SystemName", "Intel(r) AMT"}};
		const struct wsman_epr_selector es[] = {{"Filter", {FC, f, 1}},
							{"Handler", {LD, h, 4}}};
		rc = wsman_unsubscribe(c, FCS, NULL, 0, es, 2, &e);
		if (rc != 0)
			return finish(&a, c, repair_wsman_fail(&a.tg, "AMT refused to unsubscribe", rc,
							       &e));
		done++;
		printf("%s: %s no longer sends its events to %s\n", repair_name(&a.tg), s->filter,
		       s->url);
	}
	if (!done) {
		fprintf(stderr, "%s unsubscribe: %s: no subscription%s%s%s%s (nothing to do)\n",
			VERIFY_PROG, repair_name(&a.tg), a.notify_to ? " to " : "",
			a.notify_to ? a.notify_to : "", a.fid[0] ? " on " : "", a.fid);
		return finish(&a, c, EXIT_NOTHING);
	}
	return finish(&a, c, VERIFY_EXIT_OK);
}

int cmd_subscriptions(int argc, char **argv)
{
	struct sub_args a;
	struct wsman_client *c = NULL;
	struct wsman_error e;
	static struct sub_list l;
	int ex = parse(&subscriptions_cli, argc, argv, &a);
	if (ex)
		return ex < 0 ? VERIFY_EXIT_OK : finish(&a, NULL, ex);
	ex = repair_wsman(&a.tg, &c);
	if (ex)
		return finish(&a, c, ex);
	int rc = list_subs(c, &l, &e);
	if (rc != 0)
		return finish(&a, c, repair_wsman_fail(&a.tg, "cannot list the subscriptions", rc, &e));
	for (size_t i = 0; i < l.n; i++) {
		const struct sub *s = &l.s[i];
		if (a.json) {
			json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "schema", 1, "device",
					      device_id(&a.tg), "filter", s->filter, "notify_to",
					      s->url, "delivery", mode_name(s->mode), "listener",
					      s->listener);
			if (o)
				json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			fputc('\n', stdout);
			json_decref(o);
		} else {
			printf("%s %s -> %s (%s)\n", repair_name(&a.tg), s->filter, s->url,
			       s->mode == 3 ? "push with ack" : mode_name(s->mode));
		}
	}
	if (!l.n && !a.json)
		printf("%s: no subscriptions\n", repair_name(&a.tg));
	return finish(&a, c, VERIFY_EXIT_OK);
}
