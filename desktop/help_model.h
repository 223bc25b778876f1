// SPDX-License-Identifier: Apache-2.0
/*
 * help_model.h - amt-help's state machine: what the window shows and which
 * request it sends next, driven by the person (Request, Cancel, End, Try
 * again), by the service's answers and by a one-second tick.
 *
 *   CHECKING --info--> READY | UNAVAILABLE | CONNECTED | NO_SERVICE | FAILED
 *   READY --Request--> REQUESTING --answer--> CONNECTED | ALERTED | FAILED
 *   REQUESTING --Cancel--> CANCELLING --close--> CHECKING (a request that
 *       still got through is closed again, at most HELP_CANCEL_RECHECKS times)
 *   CONNECTED --every HELP_RECHECK_S: info--> CONNECTED | READY "ended by
 *       your help desk"
 *   CONNECTED | ALERTED --End--> ENDING --close--> CHECKING "ended"
 *
 * One request is outstanding at a time; an answer to anything but the
 * outstanding request (a cancelled one) is ignored.
 * Owns: the states and their transitions. Must not: do I/O, read clocks
 * (callers pass "now"), or touch GTK.
 */
#ifndef DESKTOP_HELP_MODEL_H
#define DESKTOP_HELP_MODEL_H

#include <stdbool.h>
#include <time.h>

#include "help_text.h"

#define HELP_REQUEST_WAIT_S 120 /* call-for-help --wait */
#define HELP_RECHECK_S 3        /* re-read while a tunnel is open */
#define HELP_CANCEL_RECHECKS 3

enum help_state {
	HELP_ST_CHECKING = 0,
	HELP_ST_READY,
	HELP_ST_UNAVAILABLE,
	HELP_ST_REQUESTING,
	HELP_ST_CANCELLING,
	HELP_ST_CONNECTED,
	HELP_ST_ALERTED,
	HELP_ST_ENDING,
	HELP_ST_FAILED,
	HELP_ST_NO_SERVICE,
};

/* What the caller must send now. */
enum help_action {
	HELP_DO_NOTHING = 0,
	HELP_DO_INFO,    /* info --json */
	HELP_DO_REQUEST, /* call-for-help --wait HELP_REQUEST_WAIT_S --json */
	HELP_DO_CLOSE,   /* call-for-help --close --json */
};

/* A line shown above the Ready page after something ended. */
enum help_notice {
	HELP_NOTE_NONE = 0,
	HELP_NOTE_CANCELLED,
	HELP_NOTE_ENDED,
	HELP_NOTE_ENDED_BY_DESK,
};

/* How a request came back (help_client.h fills it). */
enum help_transport {
	HELP_T_OK = 0,     /* exit_code, out and err are the service's */
	HELP_T_NO_SERVICE, /* socket missing or refusing */
	HELP_T_BAD_ANSWER, /* not a protocol-1 response */
	HELP_T_TIMEOUT,
	HELP_T_CANCELLED,
};

struct help_answer {
	enum help_transport transport;
	int exit_code;
	const char *out; /* the command's stdout ("" when none) */
	const char *err; /* its stderr: the agent's one-line message */
};

struct help_model {
	enum help_state state;
	enum help_action pending; /* outstanding request, HELP_DO_NOTHING if none */
	enum help_notice notice;
	enum help_block block;    /* UNAVAILABLE: why */
	struct help_info info;    /* last info read */
	char help_desk[256];      /* MPS name when known */
	time_t started;           /* REQUESTING: when the request was sent */
	time_t since;             /* CONNECTED / ALERTED: since when */
	time_t last_check;        /* CONNECTED: last re-read sent */
	int cancel_rechecks;      /* closes sent for one Cancel */
	/* FAILED / NO_SERVICE */
	struct help_sentence failure;
	enum help_op failed_op;
	int failed_exit;          /* -1 when the service gave none */
	char detail[512];         /* the agent's own message, first line */
};

/* Start: read what this computer can do, or (--request) ask at once. */
enum help_action help_model_start(struct help_model *m, bool request_now, time_t now);
enum help_action help_model_request(struct help_model *m, time_t now);
enum help_action help_model_cancel(struct help_model *m);
enum help_action help_model_end(struct help_model *m);
enum help_action help_model_retry(struct help_model *m);
/* The answer to the outstanding request `op`. */
enum help_action help_model_answer(struct help_model *m, enum help_action op,
				   const struct help_answer *a, time_t now);
/* Once a second: a due re-read while connected. */
enum help_action help_model_tick(struct help_model *m, time_t now);

/* Which buttons make sense now. */
bool help_model_can_request(const struct help_model *m);
bool help_model_can_cancel(const struct help_model *m);
bool help_model_can_end(const struct help_model *m);
bool help_model_can_retry(const struct help_model *m);

const char *help_state_name(enum help_state s);

#endif
