// SPDX-License-Identifier: Apache-2.0
/*
 * proto_err.c - names and messages of the codec errors (see proto_err.h).
 * Must not: know any other layer's errors; libheci names its own.
 */
#include "proto_err.h"

#include <stddef.h>

struct proto_err_desc {
	int code;
	const char *name;
	const char *msg;
};

static const struct proto_err_desc descs[] = {
	{PROTO_OK, "PROTO_OK", "success"},
	{PROTO_E_INVALID_ARG, "PROTO_E_INVALID_ARG", "invalid argument"},
	{PROTO_E_NOT_SUPPORTED, "PROTO_E_NOT_SUPPORTED", "operation not supported"},
	{PROTO_E_SHORT, "PROTO_E_SHORT", "message truncated"},
	{PROTO_E_LENGTH_MISMATCH, "PROTO_E_LENGTH_MISMATCH",
	 "length field disagrees with the bytes received"},
	{PROTO_E_BAD_VERSION, "PROTO_E_BAD_VERSION", "unexpected protocol version"},
	{PROTO_E_BAD_RESERVED, "PROTO_E_BAD_RESERVED", "reserved field not zero"},
	{PROTO_E_BAD_COMMAND, "PROTO_E_BAD_COMMAND", "unexpected response code"},
	{PROTO_E_TRAILING, "PROTO_E_TRAILING", "unexpected trailing bytes"},
	{PROTO_E_BAD_VALUE, "PROTO_E_BAD_VALUE", "field value out of range"},
	{PROTO_E_EMPTY, "PROTO_E_EMPTY", "empty reply from the firmware"},
	{PROTO_E_NOSPACE, "PROTO_E_NOSPACE", "buffer too small"},
	{PROTO_E_TOO_LARGE, "PROTO_E_TOO_LARGE", "peer-supplied length exceeds its limit"},
	{PROTO_E_SEQUENCE, "PROTO_E_SEQUENCE", "sequence number out of order"},
};

static const struct proto_err_desc *find(int code)
{
	for (size_t i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].code == code)
			return &descs[i];
	return NULL;
}

int proto_err_is_codec(int err)
{
	return err != PROTO_OK && find(err) != NULL;
}

const char *proto_err_name(int err)
{
	const struct proto_err_desc *d = find(err);
	return d ? d->name : "PROTO_E_UNKNOWN";
}

const char *proto_err_message(int err)
{
	const struct proto_err_desc *d = find(err);
	return d ? d->msg : "unknown error";
}
