// SPDX-License-Identifier: Apache-2.0
/*
 * power.c - amt-verify power (HOST | --via-tunnel UUID) [ACTION] [--json]:
 * read the host's power state and what AMT offers, or ask for a change.
 *
 * Reads CIM_AssociatedPowerManagementService (Enumerate + Pull, as amtc
 * does: PowerState and AvailableRequestedPowerStates) and calls
 * CIM_PowerManagementService.RequestPowerStateChange with the
 * ManagedElement reference go-wsman-messages sends. An action AMT does not
 * offer in the host's state is not sent: exit 1 with the states it offers;
 * AMT's refusal of one it offered is exit 1 with its ReturnValue in words.
 * Actions (protocol-facts-2.md 4.2): on 2, off 8 (Power Off - Soft, what
 * consoles call power down), reset 10 (Master Bus Reset), cycle 5,
 * sleep 4, hibernate 7, nmi 11, graceful-off and soft-off 12 (the OS shuts
 * down; MeshCommander's "Soft-off"), graceful-reset 14.
 * Must not: change anything but the power state.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repair.h"
#include "repair_power.h"

static const struct {
	const char *name;
	uint32_t ps;
} actions[] = {
	{"on", 2},	   {"off", 8},		 {"soft-off", 12}, {"graceful-off", 12},
	{"reset", 10},	   {"graceful-reset", 14}, {"cycle", 5},	   {"sleep", 4},
	{"hibernate", 7}, {"nmi", 11},
};

int repair_power_action(const char *name, uint32_t *ps)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(actions[i].name, name)) {
			*ps = actions[i].ps;
			return 0;
		}
	return -1;
}

struct read_ctx {
	struct repair_power *out;
	int rc;
};

static int on_item(void *arg, xmlNodePtr item)
{
	struct read_ctx *r = arg;
	struct repair_power *p = r->out;
	if (wsman_child_u32(item, "PowerState", &p->state) != 0)
		return 1; /* stop: no PowerState */
	if (wsman_children_u32(item, "AvailableRequestedPowerStates", p->available,
			       REPAIR_POWER_MAX_STATES, &p->navailable) != 0)
		return 1;
	r->rc = 0;
	return 1; /* one system: the first item */
}

int repair_power_read(struct wsman_client *wc, struct repair_power *out, struct wsman_error *e)
{
	struct read_ctx r = {out, WSMAN_E_PARSE};
	memset(out, 0, sizeof(*out));
	int rc = wsman_enumerate(wc, WSMAN_CIM_URI("CIM_AssociatedPowerManagementService"), on_item,
				 &r, e);
	if (rc != 0)
		return rc;
	if (r.rc != 0) {
		e->kind = WSMAN_E_PARSE;
		snprintf(e->curl_message, sizeof(e->curl_message),
			 "no PowerState in CIM_AssociatedPowerManagementService");
	}
	return r.rc;
}

bool repair_power_offered(const struct repair_power *p, uint32_t ps)
{
	for (size_t i = 0; i < p->navailable; i++)
		if (p->available[i] == ps)
			return true;
	return false;
}

void repair_power_offers(const struct repair_power *p, char *out, size_t cap)
{
	size_t off = 0;
	out[0] = '\0';
	for (size_t i = 0; i < p->navailable && off < cap; i++) {
		int n = snprintf(out + off, cap - off, "%s%s", i ? ", " : "",
				 repair_power_request_name(p->available[i]));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (p->navailable == 0)
		snprintf(out, cap, "nothing");
}

int repair_power_request(struct wsman_client *wc, uint32_t ps, uint32_t *rv, struct wsman_error *e)
{
	char value[16];
	xmlDocPtr doc = NULL;
	xmlNodePtr out;
	static const struct wsman_selector system[] = {{"CreationClassName", "CIM_ComputerSystem"},
						       {"Name", "ManagedSystem"}};
	const struct wsman_epr_param element[] = {
		{"ManagedElement", {WSMAN_CIM_URI("CIM_ComputerSystem"), system, 2}}};
	snprintf(value, sizeof(value), "%u", (unsigned)ps);
	const struct wsman_param in[] = {{"PowerState", value}};
	int rc = wsman_invoke_ref(wc, WSMAN_CIM_URI("CIM_PowerManagementService"),
				  "RequestPowerStateChange", NULL, 0, in, 1, element, 1, &doc, &out, e);
	*rv = rc == 0 ? 0 : e->return_value;
	xmlFreeDoc(doc);
	return rc;
}

/* Ask for ps after checking it is offered: 0, or the exit code with the
 * reason printed. */
int repair_power_change(struct repair_target *t, struct wsman_client *wc,
			const struct repair_power *now, uint32_t ps, uint32_t *rv)
{
	struct wsman_error e;
	char offers[256];
	*rv = 0;
	if (!repair_power_offered(now, ps)) {
		repair_power_offers(now, offers, sizeof(offers));
		fprintf(stderr, "%s %s: %s: AMT does not offer %s while the host is %s (it offers: %s)\n",
			VERIFY_PROG, t->cmd, repair_name(t), repair_power_request_name(ps),
			repair_power_state_name(now->state), offers);
		return REPAIR_EXIT_REFUSED;
	}
	int rc = repair_power_request(wc, ps, rv, &e);
	if (rc == WSMAN_E_RETURN) {
		fprintf(stderr, "%s %s: %s: AMT refused %s: ReturnValue %u, %s\n", VERIFY_PROG, t->cmd,
			repair_name(t), repair_power_request_name(ps), (unsigned)*rv,
			repair_power_return_text(*rv));
		return REPAIR_EXIT_REFUSED;
	}
	if (rc != 0)
		return repair_wsman_fail(t, "RequestPowerStateChange", rc, &e);
	return VERIFY_EXIT_OK;
}

enum { O_JSON = REPAIR_O_COUNT };
static const struct cliopt power_opts[] = {
	REPAIR_CLIOPTS,
	[O_JSON] = {"json", 0, NULL, "the state, what AMT offers and the answer as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd power_cli = {
	.prog = VERIFY_PROG,
	.name = "power",
	.args = "HOST [ACTION]",
	.min_args = 0,
	.max_args = 2,
	.opts = power_opts,
	.description = "Read the host's power state and what AMT offers, or ask for a change (only\n"
		       "what AMT offers in the host's state is sent; its refusal is said in words).\n",
	.footer = "ACTION: status (default), on, off, soft-off, reset, cycle, sleep, hibernate,\n"
		  "graceful-off, graceful-reset, nmi.\n"
		  "Exit: 0 done, 1 AMT refused or does not offer it, 2 usage, 4 credentials,\n"
		  "8 network, 10 protocol.\n",
};

static void print_json(const struct repair_target *t, const struct repair_power *p,
		       const char *action, int requested, uint32_t rv)
{
	json_t *avail = json_array();
	for (size_t i = 0; i < p->navailable; i++)
		json_array_append_new(avail, json_string(repair_power_request_name(p->available[i])));
	json_t *o = json_pack("{s:i, s:s, s:s, s:i, s:o}", "schema", 1, "host", repair_name(t),
			      "power_state", repair_power_state_name(p->state), "power_state_code",
			      (int)p->state, "available", avail);
	if (action) {
		json_object_set_new(o, "action", json_string(action));
		json_object_set_new(o, "requested", json_integer(requested));
		json_object_set_new(o, "return_value", json_integer(rv));
	}
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

int cmd_power(int argc, char **argv)
{
	struct repair_target t;
	struct wsman_client *wc = NULL;
	struct repair_power p;
	struct wsman_error e;
	struct cliopt_result r;
	const char *action = "status";
	uint32_t ps = 0, rv = 0;
	int ex, next;

	repair_target_init(&t, "power");
	int st = cliopt_parse(&power_cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		if (r.hits[i].opt == O_JSON)
			t.json = true;
		else if (repair_option(&t, &power_cli, r.hits[i].opt, r.hits[i].value) < 0)
			return VERIFY_EXIT_USAGE;
	}
	ex = repair_target_finish(&t, &power_cli, &r, &next);
	if (ex != VERIFY_EXIT_OK)
		goto out;
	if (next < r.nargs)
		action = r.args[next++];
	if (next != r.nargs || (strcmp(action, "status") && repair_power_action(action, &ps) != 0)) {
		cliopt_fail(&power_cli, stderr, "%s", next != r.nargs ? "too many arguments"
									  : "unknown ACTION");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	wsman_global_init();
	ex = repair_wsman(&t, &wc);
	if (ex != VERIFY_EXIT_OK)
		goto cleanup;
	int rc = repair_power_read(wc, &p, &e);
	if (rc != 0) {
		ex = repair_wsman_fail(&t, "reading the power state", rc, &e);
		goto cleanup;
	}
	if (strcmp(action, "status") != 0) {
		ex = repair_power_change(&t, wc, &p, ps, &rv);
		if (ex != VERIFY_EXIT_OK)
			goto cleanup;
	}
	if (t.json) {
		print_json(&t, &p, ps ? action : NULL, (int)ps, rv);
	} else if (!ps) {
		char offers[256];
		repair_power_offers(&p, offers, sizeof(offers));
		printf("%s: power %s (PowerState %u); AMT offers: %s\n", repair_name(&t),
		       repair_power_state_name(p.state), (unsigned)p.state, offers);
	} else {
		printf("%s: %s requested (PowerState %u) and accepted; the host was %s\n",
		       repair_name(&t), action, (unsigned)ps, repair_power_state_name(p.state));
	}
cleanup:
	wsman_client_free(wc);
	wsman_global_cleanup();
out:
	repair_target_free(&t);
	return ex;
}
