// SPDX-License-Identifier: Apache-2.0
/*
 * capbuf.h - a growable byte buffer with a hard cap, for bodies received
 * from peers (WS-Man responses, report servers' answers).
 * Owns: growth (doubling from 8 KiB), the cap, NUL termination, and saying
 * when input was cut or memory ran out instead of truncating silently.
 * Must not: interpret the bytes.
 */
#ifndef COMMON_CAPBUF_H
#define COMMON_CAPBUF_H

#include <stdbool.h>
#include <stddef.h>

struct capbuf {
	char *data;   /* NUL-terminated when not NULL */
	size_t len, cap;
	size_t max;   /* at most this many bytes are kept */
	bool over;    /* input beyond max was cut */
	bool nomem;   /* growing failed; what was kept stays */
};

/* An empty buffer that keeps at most max bytes. */
void capbuf_init(struct capbuf *b, size_t max);
/* Append what fits: 0 when all of p was kept, -E2BIG when some was cut
 * (b->over), -ENOMEM (b->nomem). */
int capbuf_append(struct capbuf *b, const void *p, size_t n);
/* Forget the content, keep the memory (e.g. a new HTTP response). */
void capbuf_reset(struct capbuf *b);
void capbuf_free(struct capbuf *b);

#endif
