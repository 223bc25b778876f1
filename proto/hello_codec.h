// SPDX-License-Identifier: Apache-2.0
/*
 * hello_codec.h - the remote-configuration "hello" packet, both directions.
 *
 * Owns: the layout AMT sends to the setup and configuration server on TCP
 * port 9971 (protocol-facts.md section 8.2): u16 LE admin-credentials-set,
 * u16 LE interface version (3 = PKI, 2 = PSK legacy), u32 LE retry count,
 * 16-byte raw UUID, then for version 3 a u8 count of trusted root hashes,
 * each u8 type, u8 size (must match the type), hash bytes; for version 2 an
 * 8-byte PID. Decoding copies into fixed arrays (no pointers into the input
 * survive); hello_frame_length() finds the end of a packet in a TCP stream.
 * Must not: do I/O, allocate, or judge the hashes (matching them against
 * provisioning certificates is the server's job).
 */
#ifndef PROTO_HELLO_CODEC_H
#define PROTO_HELLO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "proto_err.h"

#define HELLO_PORT 9971u
#define HELLO_VERSION_PSK 2u /* legacy, removed in AMT 11.0 */
#define HELLO_VERSION_PKI 3u
#define HELLO_UUID_LEN 16u
#define HELLO_PID_LEN 8u
#define HELLO_MAX_HASHES 32u   /* more is rejected (PROTO_E_TOO_LARGE) */
#define HELLO_MAX_RETRY 1000u  /* SDK documents 0..14; more is not a real device */
#define HELLO_HASH_MAX_LEN 48u /* SHA384 */
#define HELLO_HEADER_LEN 24u   /* up to and including the UUID */
#define HELLO_PSK_LEN (HELLO_HEADER_LEN + HELLO_PID_LEN)
#define HELLO_MAX_LEN (HELLO_HEADER_LEN + 1u + HELLO_MAX_HASHES * (2u + HELLO_HASH_MAX_LEN))

enum hello_hash_type {
	HELLO_HASH_SHA1 = 1,   /* 20 bytes */
	HELLO_HASH_SHA256 = 2, /* 32 bytes */
	HELLO_HASH_SHA384 = 3, /* 48 bytes (some sources say SHA512 for 3: UNVERIFIED) */
};

/* Digest size of a hash type, or 0 for an unknown type. */
size_t hello_hash_size(uint8_t type);

struct hello_hash {
	uint8_t type; /* enum hello_hash_type; the size on the wire follows from it */
	uint8_t bytes[HELLO_HASH_MAX_LEN]; /* first hello_hash_size(type) bytes used */
};

struct hello_msg {
	uint16_t admin_set;   /* 0 or 1: admin credentials already set */
	uint16_t version;     /* HELLO_VERSION_PKI or HELLO_VERSION_PSK */
	uint32_t retry_count; /* <= HELLO_MAX_RETRY */
	uint8_t uuid[HELLO_UUID_LEN]; /* raw, as sent (mixed-endian GUID) */
	uint8_t pid[HELLO_PID_LEN];   /* version 2 only */
	uint8_t hash_count;           /* version 3 only, <= HELLO_MAX_HASHES */
	struct hello_hash hashes[HELLO_MAX_HASHES];
};

/*
 * Decode exactly one hello packet occupying buf[0..len).
 * Errors: PROTO_E_SHORT (ends early, len 0 included), PROTO_E_TRAILING,
 * PROTO_E_BAD_VALUE (admin flag not 0/1, retry count > HELLO_MAX_RETRY,
 * unknown hash type, size not matching the type), PROTO_E_BAD_VERSION
 * (interface version not 2 or 3), PROTO_E_TOO_LARGE (more than
 * HELLO_MAX_HASHES hashes). Each check happens as soon as its field has
 * arrived. On error *out is unspecified.
 */
int hello_decode(const uint8_t *buf, size_t len, struct hello_msg *out);

/*
 * Length of the hello packet at the start of a TCP stream: 0 and *msg_len
 * (<= HELLO_MAX_LEN) once all of it has arrived, PROTO_E_SHORT while more is
 * needed, or the error hello_decode() would report for the bytes so far.
 */
int hello_frame_length(const uint8_t *buf, size_t len, size_t *msg_len);

/*
 * Encode m into buf. Applies the decoder's rules (PROTO_E_BAD_VALUE,
 * PROTO_E_BAD_VERSION, PROTO_E_TOO_LARGE) so whatever encodes also decodes;
 * fields of the other version (pid for 3, hashes for 2) are not written.
 * PROTO_E_NOSPACE when cap is too small; *out_len = bytes written (0 on error).
 */
int hello_encode(const struct hello_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

#endif
