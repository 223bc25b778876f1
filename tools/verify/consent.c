// SPDX-License-Identifier: Apache-2.0
/*
 * consent.c - amt-verify consent (HOST | --via-tunnel UUID)
 * start|send CODE|cancel|status [--json]: user consent (IPS_OptInService)
 * for SOL and boot changes where AMT requires it (client control mode).
 *
 * start asks AMT to show a six-digit code on the host's screen; the person
 * there reads it to the technician, who sends it; then SOL and boot
 * changes are allowed for AMT's OptInCodeTimeout. status prints
 * OptInRequired and OptInState in words. AMT's refusals (a code already
 * shown, a wrong code) are exit 1 in words (PT_STATUS, as the Open AMT MPS
 * reads them).
 * Must not: guess or repeat codes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repair.h"

#define OPTIN_URI WSMAN_IPS_URI("IPS_OptInService")

static const char *state_text(uint32_t s)
{
	switch (s) {
	case 0: return "not started";
	case 1: return "requested";
	case 2: return "code displayed on the host's screen";
	case 3: return "consent received";
	case 4: return "in session";
	default: return "unknown";
	}
}

static const char *required_text(uint32_t r)
{
	return r == 0 ? "none" : r == 1 ? "KVM only" : r == 0xFFFFFFFFu ? "all" : "unknown";
}

enum { O_JSON = REPAIR_O_COUNT };
static const struct cliopt consent_opts[] = {
	REPAIR_CLIOPTS,
	[O_JSON] = {"json", 0, NULL, "the answer as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd consent_cli = {
	.prog = VERIFY_PROG,
	.name = "consent",
	.args = "HOST start|send CODE|cancel|status",
	.min_args = 1,
	.max_args = 3,
	.opts = consent_opts,
	.description = "User consent for Serial-over-LAN and boot changes: start shows a six-digit\n"
		       "code on the host's screen; send it back with 'send CODE'.\n",
	.footer = "Exit: 0 done, 1 AMT refused (a code already shown, a wrong code, ...), 2 usage,\n"
		  "4 credentials, 8 network, 10 protocol.\n",
};

static int status(struct repair_target *t, struct wsman_client *wc)
{
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	uint32_t req = 0, st = 0;
	int rc = wsman_get(wc, OPTIN_URI, NULL, 0, &doc, &inst, &e);
	if (rc != 0)
		return repair_wsman_fail(t, "reading IPS_OptInService", rc, &e);
	if (wsman_child_u32(inst, "OptInRequired", &req) || wsman_child_u32(inst, "OptInState", &st)) {
		xmlFreeDoc(doc);
		fprintf(stderr, "%s consent: %s: IPS_OptInService has no OptInRequired/OptInState\n",
			VERIFY_PROG, repair_name(t));
		return VERIFY_EXIT_PROTOCOL;
	}
	xmlFreeDoc(doc);
	if (t->json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:s, s:i}", "schema", 1, "host",
				      repair_name(t), "required", required_text(req), "required_code",
				      (json_int_t)req, "state", state_text(st), "state_code", (int)st);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%s: user consent required for %s; state: %s (%u)\n", repair_name(t),
		       required_text(req), state_text(st), (unsigned)st);
	}
	return VERIFY_EXIT_OK;
}

static int method(struct repair_target *t, struct wsman_client *wc, const char *name,
		  const char *code)
{
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr out;
	const struct wsman_param in[] = {{"OptInCode", code}};
	int rc = wsman_invoke(wc, OPTIN_URI, name, NULL, 0, in, code ? 1 : 0, &doc, &out, &e);
	xmlFreeDoc(doc);
	if (rc == WSMAN_E_RETURN) {
		fprintf(stderr, "%s consent: %s: AMT refused %s: ReturnValue %u (0x%x), %s\n",
			VERIFY_PROG, repair_name(t), name, (unsigned)e.return_value,
			(unsigned)e.return_value, repair_pt_status_text(e.return_value));
		return REPAIR_EXIT_REFUSED;
	}
	if (rc != 0)
		return repair_wsman_fail(t, name, rc, &e);
	if (t->json) {
		json_t *o = json_pack("{s:i, s:s, s:s, s:i}", "schema", 1, "host", repair_name(t),
				      "method", name, "return_value", 0);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else if (!strcmp(name, "StartOptIn")) {
		printf("%s: a six-digit code is now shown on the host's screen; have the user read it "
		       "to you, then run: %s consent %s send CODE\n",
		       repair_name(t), VERIFY_PROG, t->host ? t->host : "--via-tunnel UUID");
	} else if (!strcmp(name, "SendOptInCode")) {
		printf("%s: consent given: start the console or boot change now\n", repair_name(t));
	} else {
		printf("%s: consent request cancelled\n", repair_name(t));
	}
	return VERIFY_EXIT_OK;
}

int cmd_consent(int argc, char **argv)
{
	struct repair_target t;
	struct wsman_client *wc = NULL;
	struct cliopt_result r;
	const char *action, *code = NULL;
	int ex, next;

	repair_target_init(&t, "consent");
	int st = cliopt_parse(&consent_cli, argc, argv, &r, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < r.nhits; i++) {
		if (r.hits[i].opt == O_JSON)
			t.json = true;
		else if (repair_option(&t, &consent_cli, r.hits[i].opt, r.hits[i].value) < 0)
			return VERIFY_EXIT_USAGE;
	}
	ex = repair_target_finish(&t, &consent_cli, &r, &next);
	if (ex != VERIFY_EXIT_OK)
		goto out;
	action = next < r.nargs ? r.args[next++] : "";
	if (!strcmp(action, "send")) {
		unsigned long n;
		code = next < r.nargs ? r.args[next++] : "";
		if (strlen(code) != 6 || verify_parse_ulong(code, 0, 999999, &n) != 0) {
			cliopt_fail(&consent_cli, stderr,
				    "send takes the six digits shown on the host's screen");
			ex = VERIFY_EXIT_USAGE;
			goto out;
		}
	}
	if (next != r.nargs || (strcmp(action, "start") && strcmp(action, "send") &&
				strcmp(action, "cancel") && strcmp(action, "status"))) {
		cliopt_fail(&consent_cli, stderr, "give one of start, send CODE, cancel, status");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	wsman_global_init();
	ex = repair_wsman(&t, &wc);
	if (ex == VERIFY_EXIT_OK) {
		if (!strcmp(action, "status"))
			ex = status(&t, wc);
		else
			ex = method(&t, wc,
				    !strcmp(action, "start")  ? "StartOptIn"
				    : !strcmp(action, "send") ? "SendOptInCode"
							      : "CancelOptIn",
				    code);
	}
	wsman_client_free(wc);
	wsman_global_cleanup();
out:
	repair_target_free(&t);
	return ex;
}
