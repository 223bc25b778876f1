// SPDX-License-Identifier: Apache-2.0
/*
 * presence.c - amt-verify presence: a device's Agent Presence watchdogs
 * (protocol-facts-2.md section 3), as a help desk console sets them up.
 *
 *   create --agent GUID --timeout S [--startup S] [--action event]
 *       WS-Transfer Create of AMT_AgentPresenceWatchdog with the GUID as
 *       DeviceID (its 16 wire bytes in base64, as AMT 6.0+ takes it), and
 *       with --action event an AddAction that raises an event on every
 *       transition (OldState = NewState = all states). The network
 *       isolation action (ActionSd) is not offered.
 *   delete --agent GUID
 *   status [--json]: every watchdog with its state as AMT sees it.
 * Exit codes as subscribe's (9: no watchdog for that agent, or it exists).
 * Must not: register or heartbeat (that is the agent's, from the host).
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guid.h"
#include "repair.h"

#define WD WSMAN_AMT_URI("AMT_AgentPresenceWatchdog")
#define EXIT_NOTHING 9
#define ALL_STATES "31"

enum { P_AGENT = REPAIR_O_COUNT, P_TIMEOUT, P_STARTUP, P_ACTION, P_JSON };

static const struct cliopt presence_opts[] = {
	REPAIR_CLIOPTS,
	[P_AGENT] = {"agent", 0, "GUID", "the agent's GUID (create, delete)", 0},
	[P_TIMEOUT] = {"timeout", 0, "S", "create: most seconds between heartbeats", 0},
	[P_STARTUP] = {"startup", 0, "S", "create: seconds the agent has to start (default 120)", 0},
	[P_ACTION] = {"action", 0, "event", "create: raise an event on every state change", 0},
	[P_JSON] = {"json", 0, NULL, "status: one JSON object per watchdog", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const struct clicmd presence_cli = {
	.prog = VERIFY_PROG,
	.name = "presence",
	.args = "[HOST] VERB",
	.min_args = 1,
	.max_args = 2,
	.opts = presence_opts,
	.synopsis = "usage: amt-verify presence (HOST | --via-tunnel UUID) create --agent GUID --timeout S\n"
		    "                [--startup S] [--action event] --password-file F [--user U] ...\n"
		    "       amt-verify presence (HOST | --via-tunnel UUID) delete --agent GUID ...\n"
		    "       amt-verify presence (HOST | --via-tunnel UUID) status [--json] ...\n",
	.description = "A device's Agent Presence watchdogs: AMT watches a host agent that heartbeats\n"
		       "and raises iAMT0002..0006 when it starts, stops, runs, expires.\n",
	.footer = "Exit codes: 0 done (status: also when there is none), 1 AMT refused, 2 usage\n"
		  "or configuration, 4 the device refused the credentials, 8 network error,\n"
		  "10 an answer not understood.\n",
};

static const char *state_name(uint32_t s)
{
	switch (s) {
	case 1: return "not_started";
	case 2: return "stopped";
	case 4: return "running";
	case 8: return "expired";
	case 16: return "suspended";
	default: return "unknown";
	}
}

struct status_ctx {
	const char *device; /* JSON: HOST or the tunnel's UUID */
	const char *name;   /* text: repair_name() */
	bool json;
	unsigned n;
};

static int on_watchdog(void *arg, xmlNodePtr item)
{
	struct status_ctx *s = arg;
	const char *id = wsman_child_text(item, "DeviceID");
	uint8_t raw[20];
	char guid[37] = "?";
	uint32_t state = 0, timeout = 0, startup = 0;
	wsman_child_u32(item, "CurrentState", &state);
	wsman_child_u32(item, "TimeoutInterval", &timeout);
	wsman_child_u32(item, "StartupInterval", &startup);
	if (id && strlen(id) == 24 &&
	    EVP_DecodeBlock(raw, (const unsigned char *)id, 24) == 18)
		guid_format(raw, guid);
	s->n++;
	if (s->json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:i}", "schema", 1, "device",
				      s->device, "agent", guid, "state", state_name(state),
				      "current_state", (int)state, "timeout_s", (int)timeout,
				      "startup_s", (int)startup);
		if (o)
			json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("%s agent %s: %s (timeout %u s, startup %u s)\n", s->name, guid,
		       state_name(state), (unsigned)timeout, (unsigned)startup);
	}
	return 0;
}

int cmd_presence(int argc, char **argv)
{
	struct repair_target tg; /* the device and how to reach it (repair.c) */
	struct cliopt_result r;
	struct wsman_client *c = NULL;
	struct wsman_error e;
	const char *agent = NULL, *action = NULL, *verb;
	unsigned long timeout = 0, startup = 120;
	bool json = false, have_timeout = false;
	char b64[32], num[2][16];
	uint8_t raw[16];
	int ex, rc, next;

	repair_target_init(&tg, "presence");
	int st = cliopt_parse(&presence_cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		int o = r.hits[i].opt;
		const char *v = r.hits[i].value;
		int t = repair_option(&tg, &presence_cli, o, v);
		if (t < 0)
			return VERIFY_EXIT_USAGE;
		if (t > 0)
			continue;
		switch (o) {
		case P_AGENT: agent = v; break;
		case P_TIMEOUT:
			if (cliopt_ulong(&presence_cli, stderr, o, v, 1, 0xFFFFFFFFul, &timeout) != 0)
				return VERIFY_EXIT_USAGE;
			have_timeout = true;
			break;
		case P_STARTUP:
			if (cliopt_ulong(&presence_cli, stderr, o, v, 1, 65535, &startup) != 0)
				return VERIFY_EXIT_USAGE;
			break;
		case P_ACTION: action = v; break;
		case P_JSON: json = true; break;
		}
	}
	verb = r.args[r.nargs - 1];
	if (r.nargs != (tg.via_tunnel ? 1 : 2)) {
		cliopt_fail(&presence_cli, stderr, "%s", tg.via_tunnel
				   ? "HOST or --via-tunnel UUID, not both"
				   : "which device? give HOST VERB or --via-tunnel UUID VERB");
		return VERIFY_EXIT_USAGE;
	}
	bool create = !strcmp(verb, "create"), del = !strcmp(verb, "delete"),
	     status = !strcmp(verb, "status");
	if (!create && !del && !status) {
		cliopt_fail(&presence_cli, stderr, "expected create, delete or status, not \"%s\"", verb);
		return VERIFY_EXIT_USAGE;
	}
	if ((create || del) && (!agent || guid_parse(agent, raw) != 0)) {
		cliopt_fail(&presence_cli, stderr, "%s needs --agent GUID (8-4-4-4-12 hex)", verb);
		return VERIFY_EXIT_USAGE;
	}
	if (create && !have_timeout) {
		cliopt_fail(&presence_cli, stderr, "create needs --timeout SECONDS");
		return VERIFY_EXIT_USAGE;
	}
	if ((!create && (have_timeout || action)) || (status && agent) || (!status && json) ||
	    (action && strcmp(action, "event") != 0)) {
		cliopt_fail(&presence_cli, stderr, "an option does not apply to %s (--action takes "
				   "\"event\")", verb);
		return VERIFY_EXIT_USAGE;
	}
	tg.json = json;
	ex = repair_target_finish(&tg, &presence_cli, &r, &next);
	if (ex)
		goto out;
	ex = repair_wsman(&tg, &c);
	if (ex)
		goto out;
	if (status) {
		struct status_ctx s = {tg.host ? tg.host : tg.via_tunnel, repair_name(&tg), json, 0};
		rc = wsman_enumerate(c, WD, on_watchdog, &s, &e);
		if (rc != 0) {
			ex = repair_wsman_fail(&tg, "cannot read the watchdogs", rc, &e);
			goto out;
		}
		if (!s.n && !json)
			printf("%s: no agent presence watchdogs\n", repair_name(&tg));
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, raw, 16);
	const struct wsman_selector sel[] = {{"CreationClassName", "AMT_AgentPresenceWatchdog"},
					     {"DeviceID", b64},
					     {"SystemCreationClassName", "CIM_ComputerSystem"},
					     {"SystemName", "Intel(r) AMT"}};
	if (del) {
		rc = wsman_delete(c, WD, sel, 4, &e);
		if (rc == WSMAN_E_FAULT && strstr(e.fault_subcode, "InvalidSelectors")) {
			fprintf(stderr, "%s presence: %s: no watchdog for agent %s (nothing to do)\n",
				VERIFY_PROG, repair_name(&tg), agent);
			ex = EXIT_NOTHING;
			goto out;
		}
		if (rc != 0) {
			ex = repair_wsman_fail(&tg, "AMT refused to delete the watchdog", rc, &e);
			goto out;
		}
		printf("%s: the watchdog for agent %s is deleted\n", repair_name(&tg), agent);
		goto out;
	}
	snprintf(num[0], sizeof(num[0]), "%lu", timeout);
	snprintf(num[1], sizeof(num[1]), "%lu", startup);
	const struct wsman_param props[] = {{"CreationClassName", "AMT_AgentPresenceWatchdog"},
					    {"DeviceID", b64},
					    {"StartupInterval", num[1]},
					    {"SystemCreationClassName", "CIM_ComputerSystem"},
					    {"SystemName", "Intel(r) AMT"},
					    {"TimeoutInterval", num[0]}};
	xmlDocPtr doc = NULL;
	xmlNodePtr created;
	rc = wsman_create(c, WD, props, 6, &doc, &created, &e);
	xmlFreeDoc(doc);
	if (rc == WSMAN_E_FAULT && strstr(e.fault_subcode, "AlreadyExists")) {
		fprintf(stderr, "%s presence: %s: a watchdog for agent %s exists already (nothing to "
				"do; delete it first to change it)\n", VERIFY_PROG, repair_name(&tg), agent);
		ex = EXIT_NOTHING;
		goto out;
	}
	if (rc != 0) {
		ex = repair_wsman_fail(&tg, "AMT refused the watchdog", rc, &e);
		goto out;
	}
	if (action) {
		const struct wsman_param in[] = {{"OldState", ALL_STATES},
						 {"NewState", ALL_STATES},
						 {"EventOnTransition", "true"}};
		xmlNodePtr output;
		rc = wsman_invoke(c, WD, "AddAction", sel, 4, in, 3, &doc, &output, &e);
		xmlFreeDoc(doc);
		if (rc != 0) {
			ex = repair_wsman_fail(&tg, "the watchdog exists, but AMT refused its action",
					       rc, &e);
			goto out;
		}
	}
	printf("%s: watchdog for agent %s created: heartbeats at most %lu s apart, %lu s to "
	       "start%s\n", repair_name(&tg), agent, timeout, startup,
	       action ? "; an event on every change" : "; no events (add --action event)");
out:
	wsman_client_free(c);
	repair_target_free(&tg);
	return ex;
}
