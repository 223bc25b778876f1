// SPDX-License-Identifier: Apache-2.0
/*
 * wire.c - bounds-checked byte cursors (see wire.h).
 *
 * The remaining-length check is always written as `len - off < n` after
 * `off <= len` holds by construction, so no addition can wrap.
 */
#include "wire.h"

#include <string.h>

#include "proto_err.h"

static int take(struct wire_rd *r, size_t n, const uint8_t **at)
{
	if (r->off > r->len || r->len - r->off < n)
		return PROTO_E_SHORT;
	*at = r->p + r->off;
	r->off += n;
	return 0;
}

int wire_get_u8(struct wire_rd *r, uint8_t *v)
{
	const uint8_t *b;
	int rc = take(r, 1, &b);
	if (rc == 0)
		*v = b[0];
	return rc;
}

int wire_get_u16le(struct wire_rd *r, uint16_t *v)
{
	const uint8_t *b;
	int rc = take(r, 2, &b);
	if (rc == 0)
		*v = (uint16_t)(b[0] | (b[1] << 8));
	return rc;
}

int wire_get_u32le(struct wire_rd *r, uint32_t *v)
{
	const uint8_t *b;
	int rc = take(r, 4, &b);
	if (rc == 0)
		*v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
		     ((uint32_t)b[3] << 24);
	return rc;
}

int wire_get_u16be(struct wire_rd *r, uint16_t *v)
{
	const uint8_t *b;
	int rc = take(r, 2, &b);
	if (rc == 0)
		*v = (uint16_t)((b[0] << 8) | b[1]);
	return rc;
}

int wire_get_u32be(struct wire_rd *r, uint32_t *v)
{
	const uint8_t *b;
	int rc = take(r, 4, &b);
	if (rc == 0)
		*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) |
		     (uint32_t)b[3];
	return rc;
}

int wire_get_bytes(struct wire_rd *r, void *out, size_t n)
{
	const uint8_t *b;
	int rc = take(r, n, &b);
	if (rc == 0 && out && n)
		memcpy(out, b, n);
	return rc;
}

int wire_get_ptr(struct wire_rd *r, size_t n, const uint8_t **out)
{
	return take(r, n, out);
}

int wire_end(const struct wire_rd *r)
{
	return r->off == r->len ? 0 : PROTO_E_TRAILING;
}

static uint8_t *reserve(struct wire_wr *w, size_t n)
{
	if (w->overflow || w->len > w->cap || w->cap - w->len < n) {
		w->overflow = true;
		return NULL;
	}
	uint8_t *at = w->p + w->len;
	w->len += n;
	return at;
}

void wire_put_u8(struct wire_wr *w, uint8_t v)
{
	uint8_t *b = reserve(w, 1);
	if (b)
		b[0] = v;
}

void wire_put_u16le(struct wire_wr *w, uint16_t v)
{
	uint8_t *b = reserve(w, 2);
	if (b) {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	}
}

static void store_u32le(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static void store_u32be(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

void wire_put_u32le(struct wire_wr *w, uint32_t v)
{
	uint8_t *b = reserve(w, 4);
	if (b)
		store_u32le(b, v);
}

void wire_put_u16be(struct wire_wr *w, uint16_t v)
{
	uint8_t *b = reserve(w, 2);
	if (b) {
		b[0] = (uint8_t)(v >> 8);
		b[1] = (uint8_t)v;
	}
}

void wire_put_u32be(struct wire_wr *w, uint32_t v)
{
	uint8_t *b = reserve(w, 4);
	if (b)
		store_u32be(b, v);
}

void wire_put_bytes(struct wire_wr *w, const void *p, size_t n)
{
	uint8_t *b = reserve(w, n);
	if (b && n)
		memcpy(b, p, n);
}

void wire_put_zeros(struct wire_wr *w, size_t n)
{
	uint8_t *b = reserve(w, n);
	if (b && n)
		memset(b, 0, n);
}

void wire_patch_u32le(struct wire_wr *w, size_t at, uint32_t v)
{
	if (w->overflow || at > w->len || w->len - at < 4) {
		w->overflow = true;
		return;
	}
	store_u32le(w->p + at, v);
}

void wire_patch_u32be(struct wire_wr *w, size_t at, uint32_t v)
{
	if (w->overflow || at > w->len || w->len - at < 4) {
		w->overflow = true;
		return;
	}
	store_u32be(w->p + at, v);
}

int wire_wr_status(const struct wire_wr *w)
{
	return w->overflow ? PROTO_E_NOSPACE : 0;
}
