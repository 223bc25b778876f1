// SPDX-License-Identifier: Apache-2.0
/*
 * sim_3pds_nvm.c - 3PDS non-volatile contents and their INI form (see
 * sim_3pds_nvm.h).
 *
 * File form (every line stays far below inih's 200-character limit):
 *   [storage]            mtu, registration_timeout, lock_timeout, total_bytes,
 *                        max_app_bytes, enterprises = A,,C (slot order; an
 *                        empty item is a free slot), next_handle
 *   [storage.app.N]      uuid (32 hex), vendor, application, enterprise, local
 *   [storage.block.N]    owner, name, hidden, size, then data = OFFSET:BASE64
 *                        lines of up to 48 bytes (all-zero runs are left out)
 * Block data lives in one pool, packed: removing a block moves the data
 * behind it down, so allocation never fragments.
 * Must not: hold policy (who may do what) or runtime state.
 */
#include "sim_3pds_nvm.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ini.h"

void sim_3pds_nvm_defaults(struct sim_3pds_nvm *n)
{
	memset(n, 0, sizeof(*n));
	n->mtu = 1024;
	n->registration_timeout = 300;
	n->lock_timeout = 60;
	n->total_bytes = 96u * 1024u; /* SDK: not less than 96 KB */
	n->max_app_bytes = 32u * 1024u;
	n->next_handle = 1;
}

bool sim_3pds_name_ok(const char *s, size_t max, bool allow_comma)
{
	size_t len = strlen(s);
	if (len > max)
		return false;
	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || c == ';' || (c == ',' && !allow_comma))
			return false;
	}
	return true;
}

long sim_3pds_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap)
{
	size_t n = 0, pad = 0;
	long rc = -1;
	/* decoded size <= 3/4 of the input: refuse early what cannot fit */
	if (inlen / 4 > cap / 3 + 2)
		return -1;
	char *clean = malloc(inlen + 1);
	uint8_t *tmp = malloc(inlen / 4 * 3 + 3);
	if (!clean || !tmp)
		goto out;
	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		clean[n++] = c;
	}
	if (n % 4 != 0)
		goto out;
	if (n >= 1 && clean[n - 1] == '=')
		pad++;
	if (n >= 2 && clean[n - 2] == '=')
		pad++;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	int d = EVP_DecodeBlock(tmp, (const unsigned char *)clean, (int)n);
	if (d < 0 || (size_t)d < pad || (size_t)d - pad > cap)
		goto out;
	rc = (long)((size_t)d - pad);
	memcpy(out, tmp, (size_t)rc);
out:
	free(clean);
	free(tmp);
	return rc;
}

/* ---- data operations ---- */

struct sim_3pds_app *sim_3pds_app_find(struct sim_3pds_nvm *n, uint32_t handle)
{
	for (unsigned i = 0; i < n->app_count; i++)
		if (n->apps[i].handle == handle)
			return &n->apps[i];
	return NULL;
}

struct sim_3pds_block *sim_3pds_block_find(struct sim_3pds_nvm *n, uint32_t handle)
{
	for (unsigned i = 0; i < n->block_count; i++)
		if (n->blocks[i].handle == handle)
			return &n->blocks[i];
	return NULL;
}

int sim_3pds_eacl_find(const struct sim_3pds_nvm *n, const char *enterprise)
{
	if (!*enterprise)
		return -1;
	for (int i = 0; i < SIM_3PDS_MAX_EACL; i++)
		if (strcmp(n->eacl[i], enterprise) == 0)
			return i;
	return -1;
}

uint32_t sim_3pds_app_bytes(const struct sim_3pds_nvm *n, uint32_t app)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < n->block_count; i++)
		if (n->blocks[i].owner == app)
			sum += n->blocks[i].size;
	return sum;
}

static uint32_t take_handle(struct sim_3pds_nvm *n)
{
	uint32_t h = n->next_handle ? n->next_handle : 1;
	n->next_handle = h + 1;
	return h;
}

struct sim_3pds_app *sim_3pds_app_add(struct sim_3pds_nvm *n)
{
	if (n->app_count >= SIM_3PDS_MAX_APPS)
		return NULL;
	struct sim_3pds_app *a = &n->apps[n->app_count++];
	memset(a, 0, sizeof(*a));
	a->handle = take_handle(n);
	return a;
}

struct sim_3pds_block *sim_3pds_block_add(struct sim_3pds_nvm *n, uint32_t owner, uint32_t size)
{
	if (n->block_count >= SIM_3PDS_MAX_BLOCKS || size > SIM_3PDS_POOL - n->used)
		return NULL;
	struct sim_3pds_block *b = &n->blocks[n->block_count++];
	memset(b, 0, sizeof(*b));
	b->handle = take_handle(n);
	b->owner = owner;
	b->size = size;
	b->offset = n->used;
	memset(n->pool + b->offset, 0, size);
	n->used += size;
	return b;
}

void sim_3pds_block_remove(struct sim_3pds_nvm *n, uint32_t handle)
{
	struct sim_3pds_block *b = sim_3pds_block_find(n, handle);
	if (!b)
		return;
	uint32_t off = b->offset, size = b->size;
	memmove(n->pool + off, n->pool + off + size, n->used - off - size);
	n->used -= size;
	memset(n->pool + n->used, 0, size);
	unsigned idx = (unsigned)(b - n->blocks);
	memmove(&n->blocks[idx], &n->blocks[idx + 1],
		(n->block_count - idx - 1) * sizeof(n->blocks[0]));
	n->block_count--;
	for (unsigned i = 0; i < n->block_count; i++)
		if (n->blocks[i].offset > off)
			n->blocks[i].offset -= size;
}

void sim_3pds_app_remove(struct sim_3pds_nvm *n, uint32_t handle)
{
	for (unsigned i = 0; i < n->block_count;) {
		if (n->blocks[i].owner == handle)
			sim_3pds_block_remove(n, n->blocks[i].handle);
		else
			i++;
	}
	struct sim_3pds_app *a = sim_3pds_app_find(n, handle);
	if (!a)
		return;
	unsigned idx = (unsigned)(a - n->apps);
	memmove(&n->apps[idx], &n->apps[idx + 1], (n->app_count - idx - 1) * sizeof(n->apps[0]));
	n->app_count--;
}

/* ---- INI ---- */

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int parse_uuid_hex(const char *v, uint8_t out[16])
{
	if (strlen(v) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)v[2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int set_str(char *dst, size_t cap, const char *v, bool allow_comma)
{
	if (!sim_3pds_name_ok(v, cap - 1, allow_comma))
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* "A,,C": slot order, empty item = free slot */
static int parse_eacl(struct sim_3pds_nvm *n, const char *v)
{
	const char *p = v;
	memset(n->eacl, 0, sizeof(n->eacl));
	if (!*v)
		return 0;
	for (int slot = 0;; slot++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (slot >= SIM_3PDS_MAX_EACL || len > SIM_3PDS_NAME_MAX)
			return -1;
		memcpy(n->eacl[slot], p, len);
		n->eacl[slot][len] = '\0';
		if (!sim_3pds_name_ok(n->eacl[slot], SIM_3PDS_NAME_MAX, false))
			return -1;
		for (int i = 0; len && i < slot; i++)
			if (strcmp(n->eacl[i], n->eacl[slot]) == 0)
				return -1; /* the same enterprise twice */
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* [storage] numbers: name, range, field */
static const struct {
	const char *name;
	uint32_t min, max;
	size_t off;
} storage_numbers[] = {
	{"mtu", 1, 16384, offsetof(struct sim_3pds_nvm, mtu)},
	{"registration_timeout", 1, 86400, offsetof(struct sim_3pds_nvm, registration_timeout)},
	{"lock_timeout", 1, 86400, offsetof(struct sim_3pds_nvm, lock_timeout)},
	{"total_bytes", 0, SIM_3PDS_POOL, offsetof(struct sim_3pds_nvm, total_bytes)},
	{"max_app_bytes", 0, SIM_3PDS_POOL, offsetof(struct sim_3pds_nvm, max_app_bytes)},
};

static int storage_key(struct sim_3pds_nvm *n, const char *name, const char *v)
{
	uint32_t x;
	if (!strcmp(name, "enterprises"))
		return parse_eacl(n, v);
	if (!strcmp(name, "next_handle"))
		return parse_u32(v, 1, 0xFFFFFFF0u, &n->next_handle);
	for (size_t i = 0; i < sizeof(storage_numbers) / sizeof(storage_numbers[0]); i++) {
		if (strcmp(name, storage_numbers[i].name) != 0)
			continue;
		if (parse_u32(v, storage_numbers[i].min, storage_numbers[i].max, &x) != 0)
			return -1;
		*(unsigned *)((char *)n + storage_numbers[i].off) = x;
		return 0;
	}
	return -2;
}

static int app_key(struct sim_3pds_app *a, const char *name, const char *v)
{
	if (!strcmp(name, "uuid"))
		return parse_uuid_hex(v, a->uuid);
	if (!strcmp(name, "vendor"))
		return set_str(a->vendor, sizeof(a->vendor), v, true);
	if (!strcmp(name, "application"))
		return set_str(a->application, sizeof(a->application), v, true);
	if (!strcmp(name, "enterprise"))
		return set_str(a->enterprise, sizeof(a->enterprise), v, false);
	if (!strcmp(name, "local"))
		return sim_parse_bool(v, &a->local);
	return -2;
}

static int block_data(struct sim_3pds_nvm *n, struct sim_3pds_block *b, const char *v, char *why,
		      size_t whycap)
{
	const char *colon = strchr(v, ':');
	char num[16];
	uint32_t off;
	uint8_t buf[128];
	if (!b->size) {
		snprintf(why, whycap, "size must come before data");
		return -1;
	}
	if (!colon || (size_t)(colon - v) >= sizeof(num))
		return -1;
	memcpy(num, v, (size_t)(colon - v));
	num[colon - v] = '\0';
	if (parse_u32(num, 0, b->size - 1, &off) != 0)
		return -1;
	long len = sim_3pds_b64_decode(colon + 1, strlen(colon + 1), buf, sizeof(buf));
	if (len < 0 || (uint32_t)len > b->size - off)
		return -1;
	memcpy(n->pool + b->offset + off, buf, (size_t)len);
	return 0;
}

static int block_key(struct sim_3pds_nvm *n, struct sim_3pds_block *b, const char *name,
		     const char *v, char *why, size_t whycap)
{
	uint32_t x;
	if (!strcmp(name, "owner"))
		return parse_u32(v, 1, 0xFFFFFFFFu, &b->owner);
	if (!strcmp(name, "name"))
		return set_str(b->name, sizeof(b->name), v, true);
	if (!strcmp(name, "hidden"))
		return sim_parse_bool(v, &b->hidden);
	if (!strcmp(name, "size")) {
		if (b->size || parse_u32(v, 1, SIM_3PDS_POOL - n->used, &x) != 0)
			return -1;
		b->size = x;
		b->offset = n->used;
		memset(n->pool + b->offset, 0, x);
		n->used += x;
		return 0;
	}
	if (!strcmp(name, "data"))
		return block_data(n, b, v, why, whycap);
	return -2;
}

/* "storage.app.N" -> N; 0 when the section is not of that kind */
static uint32_t section_handle(const char *section, const char *kind)
{
	size_t klen = strlen(kind);
	uint32_t h;
	if (strncmp(section, kind, klen) != 0)
		return 0;
	if (section[klen] == '0' || parse_u32(section + klen, 1, 0xFFFFFFF0u, &h) != 0)
		return 0;
	return h;
}

int sim_3pds_nvm_ini(struct sim_3pds_nvm *n, const char *section, const char *name,
		     const char *value, char *why, size_t whycap)
{
	int rc;
	uint32_t h;
	if (!strcmp(section, "storage")) {
		rc = storage_key(n, name, value);
	} else if ((h = section_handle(section, "storage.app.")) != 0) {
		struct sim_3pds_app *a = sim_3pds_app_find(n, h);
		if (!a) {
			if (n->app_count >= SIM_3PDS_MAX_APPS) {
				snprintf(why, whycap, "[%s]: more than %d applications", section,
					 SIM_3PDS_MAX_APPS);
				return 0;
			}
			a = &n->apps[n->app_count++];
			memset(a, 0, sizeof(*a));
			a->handle = h;
		}
		rc = app_key(a, name, value);
	} else if ((h = section_handle(section, "storage.block.")) != 0) {
		struct sim_3pds_block *b = sim_3pds_block_find(n, h);
		if (!b) {
			if (n->block_count >= SIM_3PDS_MAX_BLOCKS) {
				snprintf(why, whycap, "[%s]: more than %d blocks", section,
					 SIM_3PDS_MAX_BLOCKS);
				return 0;
			}
			b = &n->blocks[n->block_count++];
			memset(b, 0, sizeof(*b));
			b->handle = h;
		}
		char detail[64] = "";
		rc = block_key(n, b, name, value, detail, sizeof(detail));
		if (rc == -1 && detail[0]) {
			snprintf(why, whycap, "[%.64s] %.32s: %s", section, name, detail);
			return 0;
		}
	} else if (!strncmp(section, "storage.", 8)) {
		snprintf(why, whycap, "[%.64s]: unknown section", section);
		return 0;
	} else {
		return -1;
	}
	if (rc == -2)
		snprintf(why, whycap, "[%.64s] %.32s: unknown key", section, name);
	else if (rc != 0)
		snprintf(why, whycap, "[%.64s] %.32s: bad value \"%.64s\"", section, name, value);
	return rc == 0 ? 1 : 0;
}

int sim_3pds_nvm_finish(struct sim_3pds_nvm *n, char *why, size_t whycap)
{
	uint32_t max_handle = 0;
	if (n->max_app_bytes > n->total_bytes) {
		snprintf(why, whycap, "[storage] max_app_bytes exceeds total_bytes");
		return -1;
	}
	if (n->used > n->total_bytes) {
		snprintf(why, whycap, "[storage] blocks hold %u bytes, more than total_bytes",
			 (unsigned)n->used);
		return -1;
	}
	for (unsigned i = 0; i < n->app_count; i++) {
		const struct sim_3pds_app *a = &n->apps[i];
		if (!a->vendor[0] || !a->application[0] || !a->enterprise[0]) {
			snprintf(why, whycap, "[storage.app.%u]: vendor, application and "
				 "enterprise are required", (unsigned)a->handle);
			return -1;
		}
		if (a->handle > max_handle)
			max_handle = a->handle;
	}
	for (unsigned i = 0; i < n->block_count; i++) {
		const struct sim_3pds_block *b = &n->blocks[i];
		if (!b->size) {
			snprintf(why, whycap, "[storage.block.%u]: size is required",
				 (unsigned)b->handle);
			return -1;
		}
		if (!sim_3pds_app_find(n, b->owner)) {
			snprintf(why, whycap, "[storage.block.%u]: owner %u is not an application",
				 (unsigned)b->handle, (unsigned)b->owner);
			return -1;
		}
		if (sim_3pds_app_find(n, b->handle)) {
			snprintf(why, whycap, "[storage.block.%u]: handle also names an application",
				 (unsigned)b->handle);
			return -1;
		}
		if (b->handle > max_handle)
			max_handle = b->handle;
	}
	if (n->next_handle <= max_handle)
		n->next_handle = max_handle + 1;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void sim_3pds_nvm_write(FILE *f, const struct sim_3pds_nvm *n)
{
	int last = -1;
	fprintf(f, "\n[storage]\nmtu = %u\nregistration_timeout = %u\nlock_timeout = %u\n"
		   "total_bytes = %u\nmax_app_bytes = %u\n",
		n->mtu, n->registration_timeout, n->lock_timeout, n->total_bytes, n->max_app_bytes);
	for (int i = 0; i < SIM_3PDS_MAX_EACL; i++)
		if (n->eacl[i][0])
			last = i;
	fputs("enterprises = ", f);
	for (int i = 0; i <= last; i++)
		fprintf(f, "%s%s", i ? "," : "", n->eacl[i]);
	fprintf(f, "\nnext_handle = %u\n", (unsigned)n->next_handle);

	for (unsigned i = 0; i < n->app_count; i++) {
		const struct sim_3pds_app *a = &n->apps[i];
		fprintf(f, "\n[storage.app.%u]\nuuid = ", (unsigned)a->handle);
		for (int j = 0; j < 16; j++)
			fprintf(f, "%02X", a->uuid[j]);
		fprintf(f, "\nvendor = %s\napplication = %s\nenterprise = %s\nlocal = %s\n",
			a->vendor, a->application, a->enterprise, a->local ? "true" : "false");
	}
	for (unsigned i = 0; i < n->block_count; i++) {
		const struct sim_3pds_block *b = &n->blocks[i];
		char b64[4 * ((SIM_3PDS_DATA_LINE + 2) / 3) + 1];
		fprintf(f, "\n[storage.block.%u]\nowner = %u\nname = %s\nhidden = %s\nsize = %u\n",
			(unsigned)b->handle, (unsigned)b->owner, b->name, b->hidden ? "true" : "false",
			(unsigned)b->size);
		for (uint32_t off = 0; off < b->size; off += SIM_3PDS_DATA_LINE) {
			uint32_t len = b->size - off < SIM_3PDS_DATA_LINE ? b->size - off
									  : SIM_3PDS_DATA_LINE;
			const uint8_t *p = n->pool + b->offset + off;
			if (all_zero(p, len))
				continue;
			EVP_EncodeBlock((unsigned char *)b64, p, (int)len);
			fprintf(f, "data = %u:%s\n", (unsigned)off, b64);
		}
	}
}
