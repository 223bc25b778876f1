// SPDX-License-Identifier: Apache-2.0
/*
 * exitcode.h - the documented exit codes of amt-agent and the one place that
 * turns a libheci error or firmware status into an exit code and a one-line
 * message saying what failed, why, and what to do.
 * Must not: talk to the firmware.
 */
#ifndef AGENT_EXITCODE_H
#define AGENT_EXITCODE_H

#include <stdio.h>

#include "fwcaps.h"
#include "heci_error.h"
#include "net/net.h"

enum agent_exit {
	EXIT_AMT_OK = 0,
	EXIT_AMT_REFUSED = 1,   /* AMT refused the request (status name printed) */
	EXIT_AMT_USAGE = 2,     /* usage or configuration error */
	EXIT_AMT_NO_DEVICE = 3, /* no ME device found */
	EXIT_AMT_PERM = 4,      /* permission denied */
	EXIT_AMT_ABSENT = 5,    /* AMT not available (client absent / disabled) */
	EXIT_AMT_BUSY = 6,      /* another process holds the client; retry later */
	EXIT_AMT_TIMEOUT = 7,   /* timed out or firmware not ready; retry later */
	EXIT_AMT_NETWORK = 8,   /* network or server error */
	EXIT_AMT_NOTHING = 9,   /* nothing to do: already in the requested state */
	EXIT_AMT_PROTOCOL = 10, /* a reply could not be understood */
};

/* Exit code for a libheci error; for HECI_E_FW_STATUS the status decides
 * (NOT_READY -> 7, anything else -> 1). */
int agent_exit_code(int err, amt_status_t status);

/* Exit code for a failure class from the network module (net.h). */
int agent_exit_for_net(enum net_error_class c);

/*
 * Print "PROG: cannot WHAT: WHY — DO" on f for err and return the exit code.
 * device is the node involved; cmd_name the AMTHI command (may be NULL).
 */
int agent_report_error(FILE *f, const char *prog, const char *what, int err,
		       amt_status_t status, const char *device, const char *cmd_name);

/*
 * The line for AMT's host interface absent (err HECI_E_CLIENT_NOT_FOUND or
 * HECI_E_EMPTY): with caps (the ME's FWCAPS rules) it says whether the
 * firmware has no AMT or AMT is disabled in the BIOS/MEBx; with caps NULL
 * or rules that do not agree, that it is one or the other. Returns 5.
 */
int agent_report_amt_absent(FILE *f, const char *prog, const char *what, int err,
			    const struct fwcaps *caps);

#endif
