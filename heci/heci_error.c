// SPDX-License-Identifier: Apache-2.0
/*
 * heci_error.c - names and messages for libheci errors, and the one errno
 * translation (see heci_error.h). The codec errors keep
 * their HECI_E_* names here; their messages are proto/'s.
 */
#include "heci_error.h"

#include <errno.h>
#include <stddef.h>

struct err_desc {
	int code;
	const char *name;
	const char *msg; /* NULL: proto_err_message() */
};

static const struct err_desc errs[] = {
	{HECI_OK, "HECI_OK", "success"},
	{HECI_E_NO_DEVICE, "HECI_E_NO_DEVICE", "no MEI device node found"},
	{HECI_E_ACCESS, "HECI_E_ACCESS", "permission denied"},
	{HECI_E_CLIENT_NOT_FOUND, "HECI_E_CLIENT_NOT_FOUND",
	 "firmware client not present (AMT disabled or not supported)"},
	{HECI_E_BUSY, "HECI_E_BUSY", "firmware client busy (held by another process)"},
	{HECI_E_DISCONNECTED, "HECI_E_DISCONNECTED", "ME reset or link lost"},
	{HECI_E_TIMEOUT, "HECI_E_TIMEOUT", "no reply from the firmware in time"},
	{HECI_E_TOO_BIG, "HECI_E_TOO_BIG", "message larger than the client's maximum"},
	{HECI_E_CANCELLED, "HECI_E_CANCELLED", "operation cancelled"},
	{HECI_E_IO, "HECI_E_IO", "I/O error"},
	{HECI_E_NOMEM, "HECI_E_NOMEM", "out of memory"},
	{HECI_E_INVALID_ARG, "HECI_E_INVALID_ARG", NULL},
	{HECI_E_NOT_CONNECTED, "HECI_E_NOT_CONNECTED", "not connected to a firmware client"},
	{HECI_E_NOT_SUPPORTED, "HECI_E_NOT_SUPPORTED", NULL},
	{HECI_E_NOT_READY, "HECI_E_NOT_READY", "MEI device not ready"},
	{HECI_E_SHORT, "HECI_E_SHORT", NULL},
	{HECI_E_LENGTH_MISMATCH, "HECI_E_LENGTH_MISMATCH", NULL},
	{HECI_E_BAD_VERSION, "HECI_E_BAD_VERSION", NULL},
	{HECI_E_BAD_RESERVED, "HECI_E_BAD_RESERVED", NULL},
	{HECI_E_BAD_COMMAND, "HECI_E_BAD_COMMAND", NULL},
	{HECI_E_TRAILING, "HECI_E_TRAILING", NULL},
	{HECI_E_BAD_VALUE, "HECI_E_BAD_VALUE", NULL},
	{HECI_E_FW_STATUS, "HECI_E_FW_STATUS", "firmware refused the request"},
	{HECI_E_EMPTY, "HECI_E_EMPTY", NULL},
	{HECI_E_NOSPACE, "HECI_E_NOSPACE", NULL},
	{HECI_E_TOO_LARGE, "HECI_E_TOO_LARGE", NULL},
	{HECI_E_PROTOCOL, "HECI_E_PROTOCOL", "message not allowed in this state"},
};

static const struct err_desc *find_err(int code)
{
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].code == code)
			return &errs[i];
	return NULL;
}

const char *heci_err_name(int err)
{
	const struct err_desc *d = find_err(err);
	return d ? d->name : "HECI_E_UNKNOWN";
}

const char *heci_err_message(int err)
{
	const struct err_desc *d = find_err(err);
	if (d && !d->msg)
		return proto_err_message(err); /* a codec error: proto/ words it */
	return d ? d->msg : "unknown error";
}

int heci_err_from_errno(int errnum, int during_open)
{
	switch (errnum) {
	case 0:
		return HECI_OK;
	case ENOENT:
	case ENXIO:
		return HECI_E_NO_DEVICE;
	case EACCES:
	case EPERM:
		return HECI_E_ACCESS;
	case ENOTTY:
		return HECI_E_CLIENT_NOT_FOUND;
	case EBUSY:
		return HECI_E_BUSY;
	case ENODEV:
		return during_open ? HECI_E_NOT_READY : HECI_E_DISCONNECTED;
	case ETIME:
	case ETIMEDOUT:
		return HECI_E_TIMEOUT;
	case EFBIG:
		return HECI_E_TOO_BIG;
	case ENOMEM:
		return HECI_E_NOMEM;
	case EINVAL:
		return HECI_E_INVALID_ARG;
	case EOPNOTSUPP:
		return HECI_E_NOT_SUPPORTED;
	case ECANCELED:
		return HECI_E_CANCELLED;
	default:
		return HECI_E_IO;
	}
}

int heci_err_is_protocol(int err)
{
	return err <= HECI_E_SHORT && err >= HECI_E_MIN && err != HECI_E_FW_STATUS &&
	       err != HECI_E_NOSPACE && err != HECI_E_EMPTY;
}
