// SPDX-License-Identifier: Apache-2.0
/*
 * listen_rate.c - keyed token buckets (see listen_rate.h).
 *
 * Owns: the buckets, kept in a balanced tree (glibc tsearch, a red-black
 * tree: lookups stay O(log n) whatever keys a peer picks, where a hash
 * table would let chosen keys collide) and in a least-recently-used list.
 * A bucket is counted in "units": one token is 60,000 units and a bucket
 * gains per_minute units a millisecond, so integer arithmetic refills it
 * exactly. A bucket idle long enough to be full again is the same as no
 * bucket and is dropped; at max_keys the least recently used one goes.
 * Must not: know what a key means, log, or read a clock.
 */
#include "listen_rate.h"

#include <search.h>
#include <stdlib.h>
#include <string.h>

#define UNITS_PER_TOKEN 60000u /* ms in a minute */
#define PRUNE_PER_TAKE 2       /* full buckets dropped from the LRU tail per take */

struct bucket {
	struct bucket *newer, *older; /* LRU list: head is the most recent */
	uint64_t units;
	int64_t last_ms; /* when units was last brought up to date */
	uint8_t len;
	uint8_t key[LISTEN_RATE_KEY_MAX];
};

struct listen_rate {
	void *root; /* tsearch tree of struct bucket * */
	struct bucket *head, *tail;
	size_t keys, max_keys;
	uint64_t per_minute, capacity; /* units gained per ms, units when full */
};

static int bucket_cmp(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->key, y->key, x->len);
}

struct listen_rate *listen_rate_new(unsigned per_minute, size_t max_keys)
{
	struct listen_rate *r;

	if (per_minute == 0 || per_minute > LISTEN_RATE_MAX_PER_MINUTE || max_keys == 0)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->max_keys = max_keys;
	r->per_minute = per_minute;
	r->capacity = (uint64_t)per_minute * UNITS_PER_TOKEN;
	return r;
}

static void lru_unlink(struct listen_rate *r, struct bucket *b)
{
	if (b->newer)
		b->newer->older = b->older;
	else
		r->head = b->older;
	if (b->older)
		b->older->newer = b->newer;
	else
		r->tail = b->newer;
	b->newer = b->older = NULL;
}

static void lru_push(struct listen_rate *r, struct bucket *b)
{
	b->newer = NULL;
	b->older = r->head;
	if (r->head)
		r->head->newer = b;
	r->head = b;
	if (!r->tail)
		r->tail = b;
}

static void bucket_drop(struct listen_rate *r, struct bucket *b)
{
	lru_unlink(r, b);
	tdelete(b, &r->root, bucket_cmp);
	r->keys--;
	free(b);
}

/* Bring b's units up to now (a clock that went back adds nothing). */
static void refill(const struct listen_rate *r, struct bucket *b, int64_t now_ms)
{
	int64_t idle = now_ms - b->last_ms;

	if (idle <= 0)
		return;
	if (idle > UNITS_PER_TOKEN) /* a minute refills any bucket */
		idle = UNITS_PER_TOKEN;
	b->units += (uint64_t)idle * r->per_minute;
	if (b->units > r->capacity)
		b->units = r->capacity;
	b->last_ms = now_ms;
}

bool listen_rate_take(struct listen_rate *r, const void *key, size_t len, int64_t now_ms)
{
	struct bucket probe, *b, **found;
	int i;

	if (!r || !key || len == 0 || len > LISTEN_RATE_KEY_MAX)
		return false;
	/* Forget buckets that are full again: they mean nothing any more. */
	for (i = 0; i < PRUNE_PER_TAKE && r->tail; i++) {
		refill(r, r->tail, now_ms);
		if (r->tail->units < r->capacity)
			break;
		bucket_drop(r, r->tail);
	}
	probe.len = (uint8_t)len;
	memcpy(probe.key, key, len);
	found = tfind(&probe, &r->root, bucket_cmp);
	if (found) {
		b = *found;
		lru_unlink(r, b);
	} else {
		if (r->keys >= r->max_keys)
			bucket_drop(r, r->tail);
		b = calloc(1, sizeof(*b));
		if (!b)
			return true;
		b->len = (uint8_t)len;
		memcpy(b->key, key, len);
		b->units = r->capacity;
		b->last_ms = now_ms;
		if (!tsearch(b, &r->root, bucket_cmp)) {
			free(b);
			return true;
		}
		r->keys++;
	}
	lru_push(r, b);
	refill(r, b, now_ms);
	if (b->units < UNITS_PER_TOKEN)
		return false;
	b->units -= UNITS_PER_TOKEN;
	return true;
}

size_t listen_rate_keys(const struct listen_rate *r)
{
	return r ? r->keys : 0;
}

void listen_rate_free(struct listen_rate *r)
{
	if (!r)
		return;
	while (r->tail)
		bucket_drop(r, r->tail);
	free(r);
}
