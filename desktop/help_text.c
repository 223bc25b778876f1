// SPDX-License-Identifier: Apache-2.0
/*
 * help_text.c - the service's JSON turned into facts, facts and exit codes
 * turned into sentences (see help_text.h). JSON is read with jansson only.
 */
#include "help_text.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "help_i18n.h"

static int copy_string_or_null(json_t *v, char *out, size_t cap)
{
	out[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static enum help_cira cira_status(json_t *v)
{
	const char *s = json_string_value(v);
	if (!s)
		return HELP_CIRA_UNKNOWN;
	if (strcmp(s, "not_connected") == 0)
		return HELP_CIRA_NOT_CONNECTED;
	if (strcmp(s, "connecting") == 0)
		return HELP_CIRA_CONNECTING;
	if (strcmp(s, "connected") == 0)
		return HELP_CIRA_CONNECTED;
	return HELP_CIRA_UNKNOWN;
}

int help_info_parse(const char *json, struct help_info *out)
{
	json_error_t jerr;
	json_t *root = json_loads(json ? json : "", 0, &jerr), *cira, *ui, *os;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->os_requests = -1;
	if (!json_is_object(root))
		goto out;
	if (json_integer_value(json_object_get(root, "schema")) != 1 ||
	    !json_is_boolean(json_object_get(root, "provisioned")))
		goto out;
	out->provisioned = json_is_true(json_object_get(root, "provisioned"));
	cira = json_object_get(root, "cira");
	if (!json_is_object(cira) || !json_is_string(json_object_get(cira, "status")))
		goto out;
	out->cira = cira_status(json_object_get(cira, "status"));
	const char *net = json_string_value(json_object_get(cira, "network"));
	out->inside_enterprise = net && strcmp(net, "inside_enterprise") == 0;
	if (copy_string_or_null(json_object_get(cira, "mps"), out->help_desk,
				sizeof(out->help_desk)) != 0)
		goto out;
	/* Absent (an agent older than the key) or null: unknown, not a refusal. */
	ui = json_object_get(cira, "user_initiated");
	if (json_is_object(ui)) {
		os = json_object_get(ui, "os");
		if (!json_is_boolean(os))
			goto out;
		out->os_requests = json_is_true(os);
	} else if (ui && !json_is_null(ui)) {
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

enum help_block help_info_block(const struct help_info *in)
{
	if (!in->provisioned)
		return HELP_BLOCK_NOT_PROVISIONED;
	if (in->os_requests == 0)
		return HELP_BLOCK_POLICY;
	/* Inside the enterprise a call for help may be an alert, which needs
	 * no MPS: the agent decides there. */
	if (!in->help_desk[0] && !in->inside_enterprise)
		return HELP_BLOCK_NO_HELP_DESK;
	return HELP_BLOCK_NONE;
}

enum help_outcome help_cfh_parse(const char *json, char *help_desk, size_t cap)
{
	json_error_t jerr;
	json_t *root = json_loads(json ? json : "", 0, &jerr), *cira;
	enum help_outcome o = HELP_OUTCOME_INVALID;
	const char *result, *action, *path;

	if (cap)
		help_desk[0] = '\0';
	if (!json_is_object(root) || json_integer_value(json_object_get(root, "schema")) != 1)
		goto out;
	result = json_string_value(json_object_get(root, "result"));
	action = json_string_value(json_object_get(root, "action"));
	path = json_string_value(json_object_get(root, "path"));
	cira = json_object_get(root, "cira");
	if (!result || !action)
		goto out;
	if (json_is_object(cira) && cap &&
	    copy_string_or_null(json_object_get(cira, "mps"), help_desk, cap) != 0)
		help_desk[0] = '\0';
	if (strcmp(action, "close") == 0) {
		o = HELP_OUTCOME_CLOSED;
	} else if (strcmp(action, "open") != 0) {
		o = HELP_OUTCOME_INVALID;
	} else if (path && strcmp(path, "alert") == 0) {
		o = HELP_OUTCOME_ALERTED;
	} else if (path && strcmp(path, "tunnel") != 0) {
		o = HELP_OUTCOME_INVALID; /* a path this version does not know */
	} else if (strcmp(result, "connected") == 0 || strcmp(result, "already_connected") == 0 ||
		   (json_is_object(cira) &&
		    cira_status(json_object_get(cira, "status")) == HELP_CIRA_CONNECTED)) {
		o = HELP_OUTCOME_TUNNEL;
	} else {
		o = HELP_OUTCOME_PENDING;
	}
out:
	json_decref(root);
	return o;
}

static struct help_sentence two(const char *what, const char *todo)
{
	struct help_sentence s = {what, todo};
	return s;
}

struct help_sentence help_exit_sentence(enum help_op op, int code)
{
	switch (code) {
	case 1:
		if (op == HELP_OP_CLOSE)
			return two(_("This computer's management engine refused to end the help session."),
				   _("Ask your IT help desk to end it from their side."));
		return two(_("This computer's management engine refused the request."),
			   _("Ask your IT help desk to check this computer's remote help settings; the "
			     "details below say why."));
	case 2:
		return two(_("The amt-agent service did not understand amt-help."),
			   _("Ask your administrator to install the same version of amt-agent and "
			     "amt-help."));
	case 3:
		return two(_("No management engine was found on this computer."),
			   _("Help cannot be requested this way here: contact your IT help desk by "
			     "phone or e-mail."));
	case 4:
		return two(_("The amt-agent service did not allow this."),
			   _("Ask your administrator to check the amt-agent service's settings."));
	case 5:
		return two(_("Intel AMT is switched off or not supported on this computer."),
			   _("Help cannot be requested this way here: contact your IT help desk by "
			     "phone or e-mail."));
	case 6:
		return two(_("The management engine is busy with another request."),
			   _("Wait a minute, then try again."));
	case 7:
		if (op == HELP_OP_REQUEST)
			return two(_("Your help desk could not be reached in time."),
				   _("Check that this computer is connected to the network, then try "
				     "again."));
		return two(_("The management engine did not answer in time."),
			   _("Wait a minute, then try again."));
	case 8:
		return two(_("A network or server error stopped the request."),
			   _("Check that this computer is connected to the network, then try again."));
	case 9:
		if (op == HELP_OP_CLOSE)
			return two(_("No help session was open."), _("Nothing needs to be done."));
		return two(_("A help session is already open."), _("Nothing needs to be done."));
	case 10:
		return two(_("An answer from the management engine could not be understood."),
			   _("Try again; if it happens again, tell your IT help desk."));
	default:
		return two(_("The request failed for an unexpected reason."),
			   _("Try again; if it happens again, tell your IT help desk."));
	}
}

struct help_sentence help_no_service_sentence(void)
{
	return two(_("The amt-agent service is not running."),
		   _("Ask your administrator to start it (systemctl start amt-agent), then try "
		     "again."));
}

struct help_sentence help_bad_answer_sentence(void)
{
	return two(_("The amt-agent service gave no usable answer."),
		   _("Try again; if it happens again, ask your administrator to check the "
		     "service's log (journalctl -u amt-agent)."));
}

struct help_sentence help_timeout_sentence(enum help_op op)
{
	if (op == HELP_OP_REQUEST)
		return two(_("Your help desk could not be reached in time."),
			   _("Check that this computer is connected to the network, then try again."));
	return two(_("The amt-agent service did not answer in time."),
		   _("Wait a minute, then try again."));
}

struct help_sentence help_block_sentence(enum help_block b)
{
	switch (b) {
	case HELP_BLOCK_NO_ME:
		return help_exit_sentence(HELP_OP_INFO, 3);
	case HELP_BLOCK_AMT_ABSENT:
		return help_exit_sentence(HELP_OP_INFO, 5);
	case HELP_BLOCK_NOT_PROVISIONED:
		return two(_("Your IT department has not set up this computer's management engine, "
			     "so help cannot be requested through it."),
			   _("Contact your IT help desk by phone or e-mail."));
	case HELP_BLOCK_POLICY:
		return two(_("Your IT department's policy does not allow help requests from this "
			     "computer's desktop."),
			   _("Contact your IT help desk by phone or e-mail."));
	case HELP_BLOCK_NO_HELP_DESK:
		return two(_("No help desk address is configured in this computer's management "
			     "engine."),
			   _("Contact your IT help desk by phone or e-mail, and tell them."));
	case HELP_BLOCK_NONE:
	default:
		return two("", "");
	}
}

const char *help_ready_headline(const struct help_info *in)
{
	(void)in;
	return _("Your IT help desk can be reached through this computer's management engine.");
}

const char *help_privacy_sentence(void)
{
	return _("Nobody can connect to this computer this way unless you ask. You will see when "
		 "a help session is open, and you can end it at any time.");
}

void help_format_elapsed(char *buf, size_t cap, long s)
{
	if (s < 0)
		s = 0;
	if (s >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", s / 60, s % 60);
}

void help_format_since(char *buf, size_t cap, time_t since, time_t now)
{
	char clock[32] = "";
	struct tm tm;
	long mins = now > since ? (long)((now - since) / 60) : 0;

	if (localtime_r(&since, &tm))
		strftime(clock, sizeof(clock), "%H:%M", &tm);
	if (mins < 1) {
		/* TRANSLATORS: %s is a time of day such as 14:03 */
		snprintf(buf, cap, _("Since %s (less than a minute)"), clock);
	} else {
		/* TRANSLATORS: %s is a time of day, %ld a number of minutes */
		snprintf(buf, cap,
			 dngettext(HELP_TEXT_DOMAIN, "Since %s (%ld minute)", "Since %s (%ld minutes)",
				   (unsigned long)mins),
			 clock, mins);
	}
}
