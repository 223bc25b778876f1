// SPDX-License-Identifier: Apache-2.0
/*
 * atomic_file.h - crash-safe whole-file writes.
 *
 * Owns: the one way files that must survive a crash are written: content to
 * PATH.tmp.PID, flush, fsync, rename over PATH, fsync of the directory. A
 * reader sees the old file or the new one, never a part. The temp name ends
 * in ".tmp.PID" so leftovers of a killed writer can be recognised (the
 * agent's spool clears those of dead processes).
 * Must not: know what the content is.
 */
#ifndef COMMON_ATOMIC_FILE_H
#define COMMON_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

/* fill() writes the content to f and returns 0, or -1 to abandon the write.
 * Returns 0 or -errno; on failure PATH is untouched and no temp file stays. */
int atomic_file_write(const char *path, unsigned mode, int (*fill)(FILE *f, void *arg),
		      void *arg);
/* The same for a buffer. */
int atomic_file_write_buf(const char *path, const char *data, size_t len, unsigned mode);
/* fsync the directory holding path (after a rename or unlink there). */
int atomic_file_sync_dir(const char *path);

#endif
