// SPDX-License-Identifier: Apache-2.0
/*
 * capbuf.c - capped growable buffer (see capbuf.h).
 */
#include "capbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAPBUF_FIRST 8192

void capbuf_init(struct capbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int capbuf_append(struct capbuf *b, const void *p, size_t n)
{
	size_t take = n <= b->max - b->len ? n : b->max - b->len;
	if (take && b->len + take + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : CAPBUF_FIRST;
		while (ncap < b->len + take + 1)
			ncap *= 2;
		if (ncap > b->max + 1)
			ncap = b->max + 1;
		char *nd = realloc(b->data, ncap);
		if (!nd) {
			b->nomem = true;
			return -ENOMEM;
		}
		b->data = nd;
		b->cap = ncap;
	}
	if (take) {
		memcpy(b->data + b->len, p, take);
		b->len += take;
		b->data[b->len] = '\0';
	}
	if (take < n) {
		b->over = true;
		return -E2BIG;
	}
	return 0;
}

void capbuf_reset(struct capbuf *b)
{
	b->len = 0;
	b->over = b->nomem = false;
	if (b->data)
		b->data[0] = '\0';
}

void capbuf_free(struct capbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
