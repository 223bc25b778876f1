// SPDX-License-Identifier: Apache-2.0
/*
 * eventfmt.h - how amt-verify shows a recorded event: one JSON object per
 * line for scripts, or a one-line summary for people.
 *
 * Owns: the text summary of each event type and the JSON-lines output
 * (store_event_json() + newline + flush).
 * Must not: touch the store or the network.
 */
#ifndef VERIFY_EVENTFMT_H
#define VERIFY_EVENTFMT_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* Print ev on f (flushed). 0, or -1 when f failed or memory ran out. */
int event_print(FILE *f, const struct store_event *ev, bool json);

#endif
