// SPDX-License-Identifier: Apache-2.0
/*
 * hostid_3pds.h - the host ID kept in AMT Third Party Data Storage (3PDS).
 *
 * Owns: the 3PDS conversation for one named block owned by this
 * application (register with the system UUID as caller UUID, find the block
 * by name among the application's blocks, read/write it in MTU-sized chunks,
 * allocate it once, deallocate it on clear, always unregister). The
 * block's content and the ID rule are hostid_format.h's.
 * Used by the agent (locally, through LMS or its own LME tunnel) and by
 * amt-verify device (over the network) so both read the same bytes the same way.
 * Must not: choose the transport or credentials; the caller's wsman client has them.
 */
#ifndef COMMON_HOSTID_3PDS_H
#define COMMON_HOSTID_3PDS_H

#include <stddef.h>
#include <stdint.h>

#include "hostid_format.h"
#include "wsman.h"

#define HOSTID_SERVICE_URI WSMAN_AMT_URI("AMT_ThirdPartyDataStorageService")

struct hostid_names {
	const char *vendor;
	const char *application;
	const char *enterprise;
	const char *block_name;
};

enum hostid_status {
	HOSTID_OK = 0,
	HOSTID_NONE = 1,             /* storage works, no ID stored */
	HOSTID_E_NO_3PDS = -100,     /* the firmware has no 3PDS (AMT 12+) */
	HOSTID_E_REGISTER = -101,    /* registration refused: enterprise entry missing? */
	HOSTID_E_STORAGE = -102,     /* a storage method failed (see err->return_value) */
	HOSTID_E_FORMAT = -103,      /* the block holds something that is not our format */
	HOSTID_E_INVALID = -104,     /* the ID given is not acceptable */
};

/* Read the stored ID into out. Returns HOSTID_OK, HOSTID_NONE, a negative
 * hostid_status, or a negative wsman_err_kind (err filled). */
int hostid_3pds_read(struct wsman_client *c, const struct hostid_names *n,
		     const uint8_t uuid[16], char *out, size_t cap, struct wsman_error *err);
/* Store id (allocating the block if needed). */
int hostid_3pds_write(struct wsman_client *c, const struct hostid_names *n,
		      const uint8_t uuid[16], const char *id, struct wsman_error *err);
/* Remove the block. HOSTID_NONE when there was none. */
int hostid_3pds_clear(struct wsman_client *c, const struct hostid_names *n,
		      const uint8_t uuid[16], struct wsman_error *err);

/* One line saying what failed and what to do, for any return above. */
void hostid_3pds_describe(int rc, const struct hostid_names *n, const struct wsman_error *err,
			  char *out, size_t cap);

#endif
