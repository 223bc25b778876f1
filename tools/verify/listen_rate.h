// SPDX-License-Identifier: Apache-2.0
/*
 * listen_rate.h - keyed rate limits for `amt-verify listen`: at most N
 * events per key per minute (a token bucket: a burst of N, refilled
 * evenly), for a bounded number of keys (source addresses, device UUIDs).
 *
 * Owns: the buckets and their memory bound.
 * Must not: know what a key means, log, or read a clock (the caller passes
 * monotonic milliseconds, so tests can drive time).
 */
#ifndef VERIFY_LISTEN_RATE_H
#define VERIFY_LISTEN_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LISTEN_RATE_KEY_MAX 16u          /* bytes: an IPv6 prefix, a UUID */
#define LISTEN_RATE_MAX_PER_MINUTE 1000000u
#define LISTEN_RATE_DEFAULT_KEYS 16384u  /* about 1.6 MB at most per limiter */

struct listen_rate;

/* per_minute in 1..LISTEN_RATE_MAX_PER_MINUTE, max_keys >= 1; NULL when
 * out of range or out of memory. */
struct listen_rate *listen_rate_new(unsigned per_minute, size_t max_keys);
void listen_rate_free(struct listen_rate *r);

/*
 * One event for key (len 1..LISTEN_RATE_KEY_MAX bytes) at now_ms: true when
 * its bucket had a token (taken), false when the key is over its rate (or
 * the key is invalid). A key not seen for a minute starts afresh; when
 * max_keys keys are live the least recently used one is forgotten (a peer
 * with that many addresses is bounded by the connection limit instead).
 * Out of memory: true (fail open: the limit is a guard, not a gate).
 */
bool listen_rate_take(struct listen_rate *r, const void *key, size_t len, int64_t now_ms);

/* Keys remembered now. */
size_t listen_rate_keys(const struct listen_rate *r);

#endif
