// SPDX-License-Identifier: Apache-2.0
/*
 * heci_error.h - the one error enum of libheci.
 *
 * Owns: local error codes (negative ints, 0 = success) with name and message
 * functions, the single errno -> error translation used at the OS boundary,
 * and (from proto/amt_status.h) the AMT_STATUS_* firmware codes, a separate
 * type with their own names: a firmware refusal is not a local error. The
 * codec errors are
 * proto/'s (proto_err.h) under libheci's names, same numbers, so a codec
 * result passes through libheci unchanged.
 * Must not: print anything or decide exit codes (the agent maps errors to
 * exit codes).
 */
#ifndef HECI_ERROR_H
#define HECI_ERROR_H

#include <stdint.h>

#include "amt_status.h"
#include "proto_err.h"

enum heci_err {
	HECI_OK = 0,
	/* transport / OS */
	HECI_E_NO_DEVICE = -1,        /* no MEI device node (ENOENT/ENXIO) */
	HECI_E_ACCESS = -2,           /* EACCES/EPERM opening the node */
	HECI_E_CLIENT_NOT_FOUND = -3, /* ENOTTY on connect: firmware client absent */
	HECI_E_BUSY = -4,             /* EBUSY: client held by another process */
	HECI_E_DISCONNECTED = -5,     /* ENODEV/EPOLLERR: ME reset or link lost */
	HECI_E_TIMEOUT = -6,          /* no reply within the deadline */
	HECI_E_TOO_BIG = -7,          /* EFBIG: message larger than the client MTU */
	HECI_E_CANCELLED = -8,        /* heci_cancel() was called */
	HECI_E_IO = -9,               /* any other errno; see heci_last_errno() */
	HECI_E_NOMEM = -10,
	HECI_E_INVALID_ARG = PROTO_E_INVALID_ARG, /* -11 */
	HECI_E_NOT_CONNECTED = -12,
	HECI_E_NOT_SUPPORTED = PROTO_E_NOT_SUPPORTED, /* -13: EOPNOTSUPP, backend lacks the op */
	HECI_E_NOT_READY = -14,       /* device exists but is not ready (ENODEV at open) */
	/* message codecs: proto/'s errors (proto_err.h), same numbers */
	HECI_E_SHORT = PROTO_E_SHORT,                     /* -20 */
	HECI_E_LENGTH_MISMATCH = PROTO_E_LENGTH_MISMATCH, /* -21 */
	HECI_E_BAD_VERSION = PROTO_E_BAD_VERSION,         /* -22 */
	HECI_E_BAD_RESERVED = PROTO_E_BAD_RESERVED,       /* -23 */
	HECI_E_BAD_COMMAND = PROTO_E_BAD_COMMAND,         /* -24 */
	HECI_E_TRAILING = PROTO_E_TRAILING,               /* -25 */
	HECI_E_BAD_VALUE = PROTO_E_BAD_VALUE,             /* -26 */
	HECI_E_FW_STATUS = -27,       /* firmware answered with a non-success status */
	HECI_E_EMPTY = PROTO_E_EMPTY,                     /* -28 */
	HECI_E_NOSPACE = PROTO_E_NOSPACE,                 /* -29 */
	HECI_E_TOO_LARGE = PROTO_E_TOO_LARGE,             /* -30 */
	HECI_E_PROTOCOL = -31,        /* a message not allowed in the current state */
};

#define HECI_E_MIN HECI_E_PROTOCOL

/* "HECI_E_BUSY" style symbolic name; never NULL. */
const char *heci_err_name(int err);
/* Short human explanation; never NULL. */
const char *heci_err_message(int err);
/* The single errno translation. `during_open` distinguishes ENODEV at open
 * (device not ready) from ENODEV later (disconnected). */
int heci_err_from_errno(int errnum, int during_open);
/* True for errors meaning "the firmware or peer sent something malformed". */
int heci_err_is_protocol(int err);

#endif
