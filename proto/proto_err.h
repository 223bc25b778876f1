// SPDX-License-Identifier: Apache-2.0
/*
 * proto_err.h - the error enum of proto/, the protocol floor.
 *
 * proto/ holds what both ends of every protocol share and nothing else: the
 * bounds-checked byte cursors (wire.h), the pure codecs (AMTHI, MKHI, APF,
 * hello), the AMT firmware status names and the GUID text format. It sits
 * at the bottom of the tree, like tss2-mu beside tss2-tcti: it includes
 * only libc, so the agent, the simulator and amt-verify can all use a codec
 * without pulling in a transport (libheci), a network stack or each other.
 * Must not: do I/O, allocate, keep state, print, or include anything of
 * ours from outside proto/ (scripts/checksrc.sh fails the build if it does).
 *
 * Errors: negative ints, 0 = success. The numbers are the ones libheci's
 * enum heci_err used for the same conditions before the codecs moved here,
 * and heci_error.h defines its codec errors as these values, so libheci
 * passes a codec result through unchanged and a caller may compare a codec
 * result against either name. libheci never reuses these numbers for
 * anything else; a new codec error takes a number libheci does not use.
 */
#ifndef PROTO_ERR_H
#define PROTO_ERR_H

enum proto_err {
	PROTO_OK = 0,
	PROTO_E_INVALID_ARG = -11,     /* a caller passed NULL or a value the wire cannot carry */
	PROTO_E_NOT_SUPPORTED = -13,   /* the bytes cannot be framed (open-ended unknown body) */
	PROTO_E_SHORT = -20,           /* message ends before a field */
	PROTO_E_LENGTH_MISMATCH = -21, /* header length disagrees with bytes received */
	PROTO_E_BAD_VERSION = -22,     /* protocol version field unexpected */
	PROTO_E_BAD_RESERVED = -23,    /* reserved field not zero */
	PROTO_E_BAD_COMMAND = -24,     /* response code is not the expected one */
	PROTO_E_TRAILING = -25,        /* bytes left after the last field */
	PROTO_E_BAD_VALUE = -26,       /* a field is out of its documented range */
	PROTO_E_EMPTY = -28,           /* an empty message */
	PROTO_E_NOSPACE = -29,         /* output buffer too small while encoding */
	PROTO_E_TOO_LARGE = -30,       /* a peer-supplied length exceeds its cap */
	PROTO_E_SEQUENCE = -32,        /* a sequence number out of order */
};

/* True when err is one of enum proto_err's errors (not PROTO_OK). */
int proto_err_is_codec(int err);
/* "PROTO_E_SHORT" style symbolic name; "PROTO_E_UNKNOWN" for other values; never NULL. */
const char *proto_err_name(int err);
/* Short human explanation; "unknown error" for other values; never NULL. */
const char *proto_err_message(int err);

#endif
