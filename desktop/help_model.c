// SPDX-License-Identifier: Apache-2.0
/*
 * help_model.c - amt-help's state machine (see help_model.h for the
 * diagram). Every entry point returns the request to send next; the
 * outstanding one is remembered so a late answer to a cancelled request
 * cannot move the window.
 */
#include "help_model.h"

#include <stdio.h>
#include <string.h>

static enum help_action send(struct help_model *m, enum help_action a)
{
	m->pending = a;
	return a;
}

static void first_line(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	if (src)
		while (src[n] && src[n] != '\n')
			n++;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static enum help_action fail(struct help_model *m, enum help_op op,
			     const struct help_answer *a)
{
	m->failed_op = op;
	m->failed_exit = -1;
	m->detail[0] = '\0';
	switch (a->transport) {
	case HELP_T_NO_SERVICE:
		m->state = HELP_ST_NO_SERVICE;
		m->failure = help_no_service_sentence();
		return HELP_DO_NOTHING;
	case HELP_T_TIMEOUT:
		m->failure = help_timeout_sentence(op);
		break;
	case HELP_T_OK:
		m->failed_exit = a->exit_code;
		m->failure = help_exit_sentence(op, a->exit_code);
		first_line(m->detail, sizeof(m->detail), a->err);
		break;
	default:
		m->failure = help_bad_answer_sentence();
		break;
	}
	m->state = HELP_ST_FAILED;
	return HELP_DO_NOTHING;
}

static enum help_action check(struct help_model *m, enum help_notice n)
{
	m->state = HELP_ST_CHECKING;
	m->notice = n;
	return send(m, HELP_DO_INFO);
}

enum help_action help_model_start(struct help_model *m, bool request_now, time_t now)
{
	memset(m, 0, sizeof(*m));
	m->failed_exit = -1;
	if (request_now) {
		m->state = HELP_ST_REQUESTING;
		m->started = now;
		return send(m, HELP_DO_REQUEST);
	}
	return check(m, HELP_NOTE_NONE);
}

bool help_model_can_request(const struct help_model *m)
{
	return m->state == HELP_ST_READY && m->pending == HELP_DO_NOTHING;
}

bool help_model_can_cancel(const struct help_model *m)
{
	return m->state == HELP_ST_REQUESTING;
}

bool help_model_can_end(const struct help_model *m)
{
	return m->state == HELP_ST_CONNECTED || m->state == HELP_ST_ALERTED;
}

bool help_model_can_retry(const struct help_model *m)
{
	return m->pending == HELP_DO_NOTHING &&
	       (m->state == HELP_ST_FAILED || m->state == HELP_ST_NO_SERVICE ||
		m->state == HELP_ST_UNAVAILABLE);
}

enum help_action help_model_request(struct help_model *m, time_t now)
{
	if (!help_model_can_request(m))
		return HELP_DO_NOTHING;
	m->state = HELP_ST_REQUESTING;
	m->notice = HELP_NOTE_NONE;
	m->started = now;
	return send(m, HELP_DO_REQUEST);
}

enum help_action help_model_cancel(struct help_model *m)
{
	if (!help_model_can_cancel(m))
		return HELP_DO_NOTHING;
	/* The caller drops the outstanding request; AMT may already be
	 * connecting, so the call is closed whatever happened to it. */
	m->state = HELP_ST_CANCELLING;
	m->cancel_rechecks = 0;
	return send(m, HELP_DO_CLOSE);
}

enum help_action help_model_end(struct help_model *m)
{
	if (!help_model_can_end(m))
		return HELP_DO_NOTHING;
	m->state = HELP_ST_ENDING;
	/* A periodic re-read may be outstanding: the close replaces it. */
	return send(m, HELP_DO_CLOSE);
}

enum help_action help_model_retry(struct help_model *m)
{
	if (!help_model_can_retry(m))
		return HELP_DO_NOTHING;
	return check(m, HELP_NOTE_NONE);
}

static enum help_action connected(struct help_model *m, enum help_state st, time_t now)
{
	m->state = st;
	m->since = now;
	m->last_check = now;
	m->notice = HELP_NOTE_NONE;
	return HELP_DO_NOTHING;
}

static enum help_action on_info(struct help_model *m, const struct help_answer *a, time_t now)
{
	struct help_info in;
	bool recheck = m->state == HELP_ST_CONNECTED;

	if (a->transport == HELP_T_OK && (a->exit_code == 3 || a->exit_code == 5)) {
		m->state = HELP_ST_UNAVAILABLE;
		m->block = a->exit_code == 3 ? HELP_BLOCK_NO_ME : HELP_BLOCK_AMT_ABSENT;
		return HELP_DO_NOTHING;
	}
	if (a->transport != HELP_T_OK || a->exit_code != 0)
		return fail(m, HELP_OP_INFO, a);
	if (help_info_parse(a->out, &in) != 0) {
		struct help_answer bad = {HELP_T_BAD_ANSWER, -1, "", ""};
		return fail(m, HELP_OP_INFO, &bad);
	}
	m->info = in;
	if (in.help_desk[0])
		snprintf(m->help_desk, sizeof(m->help_desk), "%s", in.help_desk);

	if (recheck) {
		if (in.cira == HELP_CIRA_CONNECTED)
			return HELP_DO_NOTHING;
		m->notice = HELP_NOTE_ENDED_BY_DESK;
	}
	/* After a Cancel, a request that got through anyway is closed again. */
	if (m->notice == HELP_NOTE_CANCELLED && in.cira != HELP_CIRA_NOT_CONNECTED &&
	    m->cancel_rechecks < HELP_CANCEL_RECHECKS) {
		m->cancel_rechecks++;
		m->state = HELP_ST_CANCELLING;
		return send(m, HELP_DO_CLOSE);
	}
	/* Whatever was asked, an open tunnel is shown, so it can be ended. */
	if (in.cira == HELP_CIRA_CONNECTED)
		return connected(m, HELP_ST_CONNECTED, now);
	m->block = help_info_block(&in);
	m->state = m->block == HELP_BLOCK_NONE ? HELP_ST_READY : HELP_ST_UNAVAILABLE;
	return HELP_DO_NOTHING;
}

static enum help_action on_request(struct help_model *m, const struct help_answer *a,
				   time_t now)
{
	char desk[256];
	if (a->transport != HELP_T_OK || (a->exit_code != 0 && a->exit_code != 9))
		return fail(m, HELP_OP_REQUEST, a);
	switch (help_cfh_parse(a->out, desk, sizeof(desk))) {
	case HELP_OUTCOME_TUNNEL:
		if (desk[0])
			snprintf(m->help_desk, sizeof(m->help_desk), "%s", desk);
		return connected(m, HELP_ST_CONNECTED, now);
	case HELP_OUTCOME_ALERTED:
		return connected(m, HELP_ST_ALERTED, now);
	case HELP_OUTCOME_PENDING:
		/* --wait answers only once connected; anything else: read again. */
		return check(m, HELP_NOTE_NONE);
	default: {
		struct help_answer bad = {HELP_T_BAD_ANSWER, -1, "", ""};
		return fail(m, HELP_OP_REQUEST, &bad);
	}
	}
}

static enum help_action on_close(struct help_model *m, const struct help_answer *a)
{
	bool cancelling = m->state == HELP_ST_CANCELLING;
	/* 0 closed, 9 nothing was open: either way nothing is open now. */
	if (a->transport == HELP_T_OK && (a->exit_code == 0 || a->exit_code == 9))
		return check(m, cancelling ? HELP_NOTE_CANCELLED : HELP_NOTE_ENDED);
	return fail(m, HELP_OP_CLOSE, a);
}

enum help_action help_model_answer(struct help_model *m, enum help_action op,
				   const struct help_answer *a, time_t now)
{
	if (op == HELP_DO_NOTHING || op != m->pending || a->transport == HELP_T_CANCELLED)
		return HELP_DO_NOTHING;
	m->pending = HELP_DO_NOTHING;
	switch (op) {
	case HELP_DO_INFO:
		return on_info(m, a, now);
	case HELP_DO_REQUEST:
		return on_request(m, a, now);
	case HELP_DO_CLOSE:
		return on_close(m, a);
	default:
		return HELP_DO_NOTHING;
	}
}

enum help_action help_model_tick(struct help_model *m, time_t now)
{
	if (m->state != HELP_ST_CONNECTED || m->pending != HELP_DO_NOTHING)
		return HELP_DO_NOTHING;
	if (now - m->last_check < HELP_RECHECK_S && now >= m->last_check)
		return HELP_DO_NOTHING;
	m->last_check = now;
	return send(m, HELP_DO_INFO);
}

const char *help_state_name(enum help_state s)
{
	static const char *const names[] = {
		[HELP_ST_CHECKING] = "checking",     [HELP_ST_READY] = "ready",
		[HELP_ST_UNAVAILABLE] = "unavailable", [HELP_ST_REQUESTING] = "requesting",
		[HELP_ST_CANCELLING] = "cancelling", [HELP_ST_CONNECTED] = "connected",
		[HELP_ST_ALERTED] = "alerted",       [HELP_ST_ENDING] = "ending",
		[HELP_ST_FAILED] = "failed",         [HELP_ST_NO_SERVICE] = "no-service",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
