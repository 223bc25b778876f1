// SPDX-License-Identifier: Apache-2.0
/*
 * wire.h - bounds-checked byte cursors for firmware and network messages.
 *
 * Owns: reading and writing fixed-width integers (little- and big-endian,
 * named by endianness), raw byte runs and length-prefixed strings from/to a
 * caller-owned buffer. Every get checks the remaining length in an
 * overflow-safe form and advances only on success; every put has a sticky
 * overflow flag so a sequence of puts is checked once at the end.
 * Must not: know any protocol. AMTHI/MKHI (LE) and APF/hello (BE/LE) codecs
 * sit on top of this file.
 */
#ifndef PROTO_WIRE_H
#define PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reader over a borrowed buffer. */
struct wire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void wire_rd_init(struct wire_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return r->len - r->off;
}

/* Return from the calling function with the first non-zero result. */
#define WIRE_TRY(expr)                \
	do {                          \
		int wire_rc_ = (expr); \
		if (wire_rc_ != 0)     \
			return wire_rc_; \
	} while (0)

/* All getters return 0 or PROTO_E_SHORT (negative) and advance only on success. */
int wire_get_u8(struct wire_rd *r, uint8_t *v);
int wire_get_u16le(struct wire_rd *r, uint16_t *v);
int wire_get_u32le(struct wire_rd *r, uint32_t *v);
int wire_get_u16be(struct wire_rd *r, uint16_t *v);
int wire_get_u32be(struct wire_rd *r, uint32_t *v);
/* Copy n bytes out (out may be NULL to skip). */
int wire_get_bytes(struct wire_rd *r, void *out, size_t n);
/* Borrow n bytes in place. */
int wire_get_ptr(struct wire_rd *r, size_t n, const uint8_t **out);
/* Returns 0 when every byte was consumed, PROTO_E_TRAILING otherwise. */
int wire_end(const struct wire_rd *r);

/* Writer into a caller-owned buffer; overflow is sticky. */
struct wire_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline void wire_wr_init(struct wire_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

void wire_put_u8(struct wire_wr *w, uint8_t v);
void wire_put_u16le(struct wire_wr *w, uint16_t v);
void wire_put_u32le(struct wire_wr *w, uint32_t v);
void wire_put_u16be(struct wire_wr *w, uint16_t v);
void wire_put_u32be(struct wire_wr *w, uint32_t v);
void wire_put_bytes(struct wire_wr *w, const void *p, size_t n);
void wire_put_zeros(struct wire_wr *w, size_t n);
/* Overwrite a u32 already reserved at offset at (used for length fields). */
void wire_patch_u32le(struct wire_wr *w, size_t at, uint32_t v);
void wire_patch_u32be(struct wire_wr *w, size_t at, uint32_t v);
/* 0 when no put overflowed, PROTO_E_NOSPACE otherwise. */
int wire_wr_status(const struct wire_wr *w);

#endif
