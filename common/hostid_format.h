// SPDX-License-Identifier: Apache-2.0
/*
 * hostid_format.h - what a host ID is and how it is written into a storage
 * block, with no transport attached.
 *
 * Owns: the ID rule (1..HOSTID_MAX printable ASCII characters, no spaces)
 * and the block content "AMTAGENT-HOSTID 1\n<id>\n", NUL-padded, in both
 * directions. Shared by the agent (which must not map libxml2), its network
 * module and amt-verify.
 * Must not: include WS-Management, libcurl or libxml2 headers.
 */
#ifndef COMMON_HOSTID_FORMAT_H
#define COMMON_HOSTID_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define HOSTID_MAX 128

/* A valid ID: 1..HOSTID_MAX printable ASCII characters, no spaces. */
int hostid_valid(const char *id);

/* The block content for id into out (not padded): its length, or -1 when
 * the ID is invalid or does not fit in cap. */
int hostid_payload_encode(const char *id, char *out, size_t cap);

enum hostid_payload_result {
	HOSTID_PAYLOAD_OK = 0,
	HOSTID_PAYLOAD_EMPTY = 1,   /* allocated but never written (leading NUL) */
	HOSTID_PAYLOAD_FOREIGN = -1 /* not our format, or an invalid ID */
};
/* Decode a block's first len bytes; the ID goes to out. */
int hostid_payload_decode(const uint8_t *data, size_t len, char *out, size_t cap);

#endif
