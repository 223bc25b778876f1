// SPDX-License-Identifier: Apache-2.0
/*
 * spool.h - the report spool: a directory of one file per report, written
 * atomically (temp file, fsync, rename, fsync directory) before any network
 * I/O and removed only after the server acknowledged it.
 *
 * Names sort in creation order (zero-padded nanosecond timestamp, then the
 * report id, then the drop mark), so sending in name order keeps reports in
 * order across daemon restarts and reboots. Rejected reports (4xx) move to
 * rejected/ with the server's answer beside them.
 *
 * The spool is bounded: when full, the oldest reports are dropped. Drops are
 * counted in the file "dropped" (crash-safe, written before the reports are
 * deleted): the total ever dropped, the total that a delivered report had
 * already told the server about, and the newest report dropped. A report
 * carries "dropped since the last delivered report" (total - told), and its
 * name keeps the total at its creation (the drop mark), so when the server
 * acknowledges it exactly the drops it carried count as told. A report that
 * is itself dropped before delivery told nothing: its drops stay counted.
 * Must not: talk to the network or the ME.
 */
#ifndef AGENT_SPOOL_H
#define AGENT_SPOOL_H

#include <stddef.h>

#define SPOOL_NAME_MAX 96
#define SPOOL_DIR_MAX 512

struct spool {
	char dir[SPOOL_DIR_MAX];
	unsigned max;
};

/* Create dir (0700) and dir/rejected if needed. Returns 0 or -errno. */
int spool_open(struct spool *s, const char *dir, unsigned max);
/*
 * Make room for one more report: when the spool is full the oldest are
 * dropped (logged, counted first). Then *carry is the number dropped since
 * the last delivered report, what the new report must say, and *mark the
 * drop mark to give spool_add. 0 or -errno (nothing dropped uncounted).
 */
int spool_reserve(struct spool *s, unsigned *carry, unsigned long *mark);
/* Store one report. 0 or -errno (e.g. -ENOSPC); on failure nothing is stored. */
int spool_add(struct spool *s, const char *report_id, unsigned long mark, const char *text,
	      size_t len);
/* Sorted names of pending reports (caller frees with spool_names_free). */
int spool_list(const struct spool *s, char (**names)[SPOOL_NAME_MAX], size_t *count);
void spool_names_free(char (*names)[SPOOL_NAME_MAX]);
/* Read one report (malloc'd, NUL-terminated, capped at 1 MiB). */
int spool_read(const struct spool *s, const char *name, char **text, size_t *len);
/* The server acknowledged this report: the drops it carried are told, and
 * it is removed. 0 or -errno. */
int spool_delivered(const struct spool *s, const char *name);
/* Move to rejected/ and store the server's status line and body beside it. */
int spool_reject(const struct spool *s, const char *name, long status, const char *body,
		 size_t len);
/* Dropped since the last delivered report (what a report made now carries). */
unsigned spool_peek_dropped(const struct spool *s);

#endif
