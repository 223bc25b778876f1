// SPDX-License-Identifier: Apache-2.0
/*
 * help_text.h - what amt-help reads from the service and what it says to
 * the person: the `info --json` and `call-for-help --json` documents turned
 * into small facts, and those facts and the documented exit codes turned
 * into one translated sentence each, with what to do.
 * Owns: the schema-1 keys amt-help relies on, and every sentence it shows.
 * Must not: do I/O or keep state (help_model.c decides what happens next).
 */
#ifndef DESKTOP_HELP_TEXT_H
#define DESKTOP_HELP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* cira.status of the info document. */
enum help_cira {
	HELP_CIRA_UNKNOWN = 0,
	HELP_CIRA_NOT_CONNECTED,
	HELP_CIRA_CONNECTING,
	HELP_CIRA_CONNECTED,
};

/* Why a call for help cannot be made from this computer (first that holds). */
enum help_block {
	HELP_BLOCK_NONE = 0,
	HELP_BLOCK_NO_ME,            /* exit 3: no management engine */
	HELP_BLOCK_AMT_ABSENT,       /* exit 5: AMT disabled or not supported */
	HELP_BLOCK_NOT_PROVISIONED,  /* provisioned false */
	HELP_BLOCK_POLICY,           /* cira.user_initiated.os false */
	HELP_BLOCK_NO_HELP_DESK,     /* cira.mps null outside the enterprise */
};

struct help_info {
	bool provisioned;
	enum help_cira cira;
	bool inside_enterprise;   /* cira.network inside_enterprise */
	int os_requests;          /* cira.user_initiated.os: 1, 0, or -1 unknown */
	char help_desk[256];      /* cira.mps, "" when null */
};

/* Parse an `info --json` document (schema 1). Returns 0, or -1 when it is
 * not one (not JSON, another schema, a required key missing or mistyped). */
int help_info_parse(const char *json, struct help_info *out);
/* What stops a call for help on this computer, HELP_BLOCK_NONE if nothing. */
enum help_block help_info_block(const struct help_info *in);

/* How a call for help came out (`call-for-help --json`). */
enum help_outcome {
	HELP_OUTCOME_INVALID = 0, /* not a call-for-help document */
	HELP_OUTCOME_TUNNEL,      /* the help desk can reach this computer */
	HELP_OUTCOME_ALERTED,     /* inside the enterprise: an alert went out ("path": "alert") */
	HELP_OUTCOME_PENDING,     /* requested, not (yet) connected */
	HELP_OUTCOME_CLOSED,      /* --close: closed or nothing was open */
};
enum help_outcome help_cfh_parse(const char *json, char *help_desk, size_t cap);

/* The operation a failure belongs to: the same exit code means different
 * things to the person when reading, asking or ending. */
enum help_op {
	HELP_OP_INFO = 0,
	HELP_OP_REQUEST,
	HELP_OP_CLOSE,
};

/* A failure said in two sentences: what happened, and what to do. */
struct help_sentence {
	const char *what;
	const char *todo;
};

/* Documented exit codes (README "Exit codes") 1..10, any other code too. */
struct help_sentence help_exit_sentence(enum help_op op, int exit_code);
/* The service could not be reached / gave no usable answer / took too long. */
struct help_sentence help_no_service_sentence(void);
struct help_sentence help_bad_answer_sentence(void);
struct help_sentence help_timeout_sentence(enum help_op op);
/* Why not, for the Ready page of a computer that cannot call for help. */
struct help_sentence help_block_sentence(enum help_block b);

/* Ready page: what this computer can do, and the privacy promise. */
const char *help_ready_headline(const struct help_info *in);
const char *help_privacy_sentence(void);

/* "0:07", "12:30", "1:02:03". */
void help_format_elapsed(char *buf, size_t cap, long seconds);
/* "Since 14:03 (5 minutes)", local time; now < since counts as 0. */
void help_format_since(char *buf, size_t cap, time_t since, time_t now);

#endif
