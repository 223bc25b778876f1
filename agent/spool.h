/*
 * spool.h - the report spool: a directory of one file per report, written
 * atomically (temp file, fsync, rename, fsync directory) before any network
 * I/O and removed only after the server acknowledged it.
 *
 * Names sort in creation order (zero-padded nanosecond timestamp, then the
 * report id), so sending in name order keeps reports in order across daemon
 * restarts and reboots. Rejected reports (4xx) move to rejected/ with the
 * server's answer beside them. The spool is bounded: when full, the oldest
 * reports are dropped and counted in a file the next report reads.
 * Must not: talk to the network or the ME.
 */
#ifndef AGENT_SPOOL_H
#define AGENT_SPOOL_H

#include <stddef.h>

#define SPOOL_NAME_MAX 96

struct spool {
	char dir[512];
	unsigned max;
};

/* Create dir (0700) and dir/rejected if needed. Returns 0 or -errno. */
int spool_open(struct spool *s, const char *dir, unsigned max);
/* Store one report; drops the oldest first when the spool is full. */
int spool_add(struct spool *s, const char *report_id, const char *text, size_t len);
/* Sorted names of pending reports (caller frees with spool_names_free). */
int spool_list(const struct spool *s, char (**names)[SPOOL_NAME_MAX], size_t *count);
void spool_names_free(char (*names)[SPOOL_NAME_MAX]);
/* Read one report (malloc'd, NUL-terminated, capped at 1 MiB). */
int spool_read(const struct spool *s, const char *name, char **text, size_t *len);
int spool_remove(const struct spool *s, const char *name);
/* Move to rejected/ and store the server's status line and body beside it. */
int spool_reject(const struct spool *s, const char *name, long status, const char *body,
		 size_t len);
/* Reports dropped because the spool was full, since the last take. */
unsigned spool_take_dropped(const struct spool *s);
unsigned spool_peek_dropped(const struct spool *s);

#endif
