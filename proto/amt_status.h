// SPDX-License-Identifier: Apache-2.0
/*
 * amt_status.h - AMT firmware status codes (AMT_STATUS_*, PT_STATUS numbering).
 *
 * Owns: the status type every AMTHI response and WS-Man ReturnValue
 * carries, and its names and one-line meanings. A firmware status is a
 * protocol fact, not a local error: it is its own type, never mixed with
 * enum proto_err or enum heci_err.
 * Must not: decide what a status means for the caller (retry, exit code).
 */
#ifndef PROTO_AMT_STATUS_H
#define PROTO_AMT_STATUS_H

#include <stdint.h>

typedef uint32_t amt_status_t;

enum {
	AMT_STATUS_SUCCESS = 0x000,
	AMT_STATUS_INTERNAL_ERROR = 0x001,
	AMT_STATUS_NOT_READY = 0x002,
	AMT_STATUS_INVALID_AMT_MODE = 0x003,
	AMT_STATUS_INVALID_MESSAGE_LENGTH = 0x004,
	AMT_STATUS_APPLICATION_NOT_REGISTERED = 0x008,
	AMT_STATUS_INVALID_REGISTRATION_DATA = 0x009,
	AMT_STATUS_APPLICATION_DOES_NOT_EXIST = 0x00A,
	AMT_STATUS_NOT_ENOUGH_STORAGE = 0x00B,
	AMT_STATUS_INVALID_NAME = 0x00C,
	AMT_STATUS_BLOCK_DOES_NOT_EXIST = 0x00D,
	AMT_STATUS_INVALID_BYTE_OFFSET = 0x00E,
	AMT_STATUS_INVALID_BYTE_COUNT = 0x00F,
	AMT_STATUS_NOT_PERMITTED = 0x010,
	AMT_STATUS_NOT_OWNER = 0x011,
	AMT_STATUS_BLOCK_LOCKED_BY_OTHER = 0x012,
	AMT_STATUS_BLOCK_NOT_LOCKED = 0x013,
	AMT_STATUS_MAX_LIMIT_REACHED = 0x017,
	AMT_STATUS_AUTHENTICATION_FAILED = 0x019,
	AMT_STATUS_INVALID_PARAMETER = 0x024,
	AMT_STATUS_FLASH_WRITE_LIMIT_EXCEEDED = 0x026,
	AMT_STATUS_RNG_NOT_READY = 0x030,
	/* OpenUserInitiatedConnection inside the enterprise: no tunnel (AMT
	 * alerts its subscribers instead; intel/lms StatusCodeDefinitions.h) */
	AMT_STATUS_REMOTE_ACCESS_NOT_GRANTED = 0x200,
	AMT_STATUS_CERTIFICATE_NOT_READY = 0x031,
	AMT_STATUS_DISABLED_BY_POLICY = 0x400,
	AMT_STATUS_INVALID_COMMAND = 0x803,
	AMT_STATUS_INVALID_HANDLE = 0x805,
	AMT_STATUS_DATA_MISSING = 0x809,
	AMT_STATUS_UNSUPPORTED = 0x812,
	AMT_STATUS_NOT_FOUND = 0x814,
	AMT_STATUS_INTERFACE_DOES_NOT_EXIST = 0x9C5,
};

/* "NOT_PERMITTED" style name, or "STATUS_0x1234" for unknown values
 * (written into a static per-thread buffer). */
const char *amt_status_name(amt_status_t st);
/* One-line meaning, or "" when there is nothing useful to add. */
const char *amt_status_message(amt_status_t st);

#endif
