// SPDX-License-Identifier: Apache-2.0
/*
 * sim_3pds_nvm.h - what AMT Third Party Data Storage (3PDS) keeps in NVM:
 * the storage limits, the enterprise access control list (EACL), the
 * registered applications and their blocks with the block data.
 *
 * Owns: struct sim_3pds_nvm (embedded in struct sim_state, so it is loaded,
 * copied and saved with the rest of the device state), its defaults, its
 * INI form ([storage] keys plus one [storage.app.N] / [storage.block.N]
 * section per application / block, N = the handle) and the plain data
 * operations on it (find, add, remove, resize the packed data pool).
 * Must not: know WS-Management, sessions or locks (runtime only, sim_3pds.c)
 * or do file I/O beyond writing its lines to the FILE sim_state.c gives it.
 */
#ifndef SIM_3PDS_NVM_H
#define SIM_3PDS_NVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_3PDS_POOL (128u * 1024u)    /* largest total_bytes the simulator models */
#define SIM_3PDS_MAX_APPS 32            /* registered applications (ARL entries) */
#define SIM_3PDS_MAX_BLOCKS 64
#define SIM_3PDS_MAX_EACL 4             /* SDK: MaxEaclEntries */
#define SIM_3PDS_NAME_MAX 64            /* vendor, application, enterprise names */
#define SIM_3PDS_BLOCK_NAME_MAX 32
#define SIM_3PDS_DATA_LINE 48           /* data bytes per "data =" line (64 base64 chars) */

struct sim_3pds_app {
	uint32_t handle;
	uint8_t uuid[16]; /* CallerUUID as given (32 hex digits) */
	char vendor[SIM_3PDS_NAME_MAX + 1];
	char application[SIM_3PDS_NAME_MAX + 1];
	char enterprise[SIM_3PDS_NAME_MAX + 1];
	bool local; /* first registered over the local (host) interface */
};

struct sim_3pds_block {
	uint32_t handle;
	uint32_t owner; /* application handle */
	char name[SIM_3PDS_BLOCK_NAME_MAX + 1];
	bool hidden;
	uint32_t size;   /* bytes; 0 only while a block section is being loaded */
	uint32_t offset; /* of its data in pool[] (blocks are packed, in array order) */
};

struct sim_3pds_nvm {
	unsigned mtu;                  /* bytes per Read/WriteBlock; block sizes are multiples */
	unsigned registration_timeout; /* s of idle time before a session ends */
	unsigned lock_timeout;         /* s of idle time before a block lock ends */
	unsigned total_bytes;          /* TotalStorage (<= SIM_3PDS_POOL) */
	unsigned max_app_bytes;        /* MaxNonPartnerTotalAllocationSize */
	/* EACL: slot i has handle i + 1; "" = free slot */
	char eacl[SIM_3PDS_MAX_EACL][SIM_3PDS_NAME_MAX + 1];
	uint32_t next_handle; /* application and block handles are never reused */
	unsigned app_count, block_count;
	struct sim_3pds_app apps[SIM_3PDS_MAX_APPS];
	struct sim_3pds_block blocks[SIM_3PDS_MAX_BLOCKS];
	uint32_t used; /* bytes of pool[] holding blocks */
	uint8_t pool[SIM_3PDS_POOL];
};

void sim_3pds_nvm_defaults(struct sim_3pds_nvm *n);

/* inih callback part: returns 1 when the line was taken, 0 on a bad
 * value (why filled), -1 when section is not a storage section. */
int sim_3pds_nvm_ini(struct sim_3pds_nvm *n, const char *section, const char *name,
		     const char *value, char *why, size_t whycap);
/* After the whole file: cross-checks (owners exist, sizes, limits) and
 * next_handle raised above every handle in use. 0 or -1 with why filled. */
int sim_3pds_nvm_finish(struct sim_3pds_nvm *n, char *why, size_t whycap);
/* Write the [storage] section and every app/block section. */
void sim_3pds_nvm_write(FILE *f, const struct sim_3pds_nvm *n);

/* A name the state file can hold: printable ASCII, no ';', no leading or
 * trailing blank, at most max characters; a ',' only when allow_comma
 * (the EACL is one comma-separated key). Empty is allowed. */
bool sim_3pds_name_ok(const char *s, size_t max, bool allow_comma);
/* Base64 (OpenSSL EVP_DecodeBlock) with whitespace skipped and padding
 * honoured: decoded length, or -1 (bad input or more than cap bytes). */
long sim_3pds_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t cap);

/* ---- data operations (no policy: callers check permissions) ---- */
struct sim_3pds_app *sim_3pds_app_find(struct sim_3pds_nvm *n, uint32_t handle);
struct sim_3pds_block *sim_3pds_block_find(struct sim_3pds_nvm *n, uint32_t handle);
/* EACL slot index of an enterprise name, or -1. */
int sim_3pds_eacl_find(const struct sim_3pds_nvm *n, const char *enterprise);
/* Bytes held by one application's blocks. */
uint32_t sim_3pds_app_bytes(const struct sim_3pds_nvm *n, uint32_t app);
/* New application / block with the next handle; NULL when the table is
 * full. A new block is zero-filled; the caller checked the sizes. */
struct sim_3pds_app *sim_3pds_app_add(struct sim_3pds_nvm *n);
struct sim_3pds_block *sim_3pds_block_add(struct sim_3pds_nvm *n, uint32_t owner, uint32_t size);
void sim_3pds_block_remove(struct sim_3pds_nvm *n, uint32_t handle);
/* Removes the application and all its blocks. */
void sim_3pds_app_remove(struct sim_3pds_nvm *n, uint32_t handle);

#endif
