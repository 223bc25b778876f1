// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_output.h - what `amt-verify fleet` prints: one result line per
 * device (text, JSON lines or CSV), a progress line on a terminal, and the
 * summary; and the counts and latency histogram behind them.
 *
 * Owns: the status names (ok, mismatch, unreachable, auth_failed,
 * tls_failed, error), the three line formats, the rate / ETA arithmetic and
 * the latency percentiles (a fixed histogram of 1 ms buckets: memory does
 * not grow with the fleet).
 * Must not: read devices or inventories, or decide a status.
 */
#ifndef VERIFY_FLEET_OUTPUT_H
#define VERIFY_FLEET_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"
#include "fleet_inventory.h"

enum fleet_status {
	FLEET_OK = 0,
	FLEET_MISMATCH,    /* read, and a value differs from what was expected */
	FLEET_UNREACHABLE, /* no connection, connection lost, timed out */
	FLEET_AUTH,        /* the digest credentials were refused */
	FLEET_TLS,         /* TLS handshake or certificate check failed */
	FLEET_ERROR,       /* anything else: a reply not understood, AMT refused a call */
	FLEET_STATUS_COUNT
};

enum fleet_format { FLEET_TEXT = 0, FLEET_JSON, FLEET_CSV };

struct fleet_mismatch {
	char field[24];
	char expected[FLEET_VALUE_MAX + 1];
	char actual[FLEET_VALUE_MAX + 1];
};

struct fleet_result {
	const struct fleet_device *dev;
	unsigned port;                    /* the AMT port */
	const char *via;                  /* "ADDR:PORT" of the tunnel relay used, or NULL */
	enum fleet_status status;
	int64_t ms;                       /* this device, from start to end */
	const struct device_state *state; /* NULL unless read */
	struct fleet_mismatch mm[FLEET_MAX_EXPECT + 1];
	size_t nmm;
	const char *error;                /* one line, unless read */
};

#define FLEET_HIST_MS 65536 /* latencies above land in the last bucket */

struct fleet_stats {
	unsigned long total;  /* devices in the inventory */
	unsigned long done;
	unsigned long count[FLEET_STATUS_COUNT];
	int64_t start_ms;     /* monotonic */
	uint32_t *hist;       /* FLEET_HIST_MS buckets of 1 ms */
	bool progress_shown;
};

const char *fleet_status_name(enum fleet_status s);

/* CSV only: the header row. */
void fleet_print_header(FILE *f, enum fleet_format fmt);
/* One line for r. 0, or -1 when f fails. */
int fleet_print_result(FILE *f, enum fleet_format fmt, const struct fleet_result *r);

int fleet_stats_init(struct fleet_stats *st, unsigned long total);
void fleet_stats_add(struct fleet_stats *st, const struct fleet_result *r);
void fleet_stats_free(struct fleet_stats *st);
/* The latency below which pct percent of the devices finished, in ms. */
int64_t fleet_stats_percentile(const struct fleet_stats *st, unsigned pct);
/* "\r 1234/10000 done, 850/s, ETA 9 s, 12 failed" (a terminal), and the
 * line's erasure before the summary. */
void fleet_progress(FILE *f, struct fleet_stats *st);
void fleet_progress_clear(FILE *f, struct fleet_stats *st);
/* "N devices in T s (R/s): a ok, b mismatch, ...; latency p50 X ms, p99 Y ms" */
void fleet_summary(FILE *f, const char *prefix, const struct fleet_stats *st);

#endif
