/*
 * heci_error.c - names and messages for libheci errors and AMT status codes,
 * and the one errno translation (see heci_error.h). The codec errors keep
 * their HECI_E_* names here; their messages are proto/'s.
 */
#include "heci_error.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

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

struct status_desc {
	amt_status_t code;
	const char *name;
	const char *msg;
};

static const struct status_desc statuses[] = {
	{0x000, "SUCCESS", ""},
	{0x001, "INTERNAL_ERROR", "the firmware could not complete the request"},
	{0x002, "NOT_READY", "the firmware is not ready"},
	{0x003, "INVALID_AMT_MODE", "not allowed in the current provisioning state or mode"},
	{0x004, "INVALID_MESSAGE_LENGTH", "the request length was wrong"},
	{0x005, "TABLE_FINGERPRINT_NOT_AVAILABLE", ""},
	{0x006, "INTEGRITY_CHECK_FAILED", ""},
	{0x007, "UNSUPPORTED_ISVS_VERSION", ""},
	{0x008, "APPLICATION_NOT_REGISTERED", "storage application not registered"},
	{0x009, "INVALID_REGISTRATION_DATA", "storage registration data invalid"},
	{0x00A, "APPLICATION_DOES_NOT_EXIST", "storage application does not exist"},
	{0x00B, "NOT_ENOUGH_STORAGE", "not enough non-volatile storage"},
	{0x00C, "INVALID_NAME", ""},
	{0x00D, "BLOCK_DOES_NOT_EXIST", "storage block does not exist"},
	{0x00E, "INVALID_BYTE_OFFSET", ""},
	{0x00F, "INVALID_BYTE_COUNT", ""},
	{0x010, "NOT_PERMITTED", "not permitted by the firmware's policy"},
	{0x011, "NOT_OWNER", "storage block owned by another application"},
	{0x012, "BLOCK_LOCKED_BY_OTHER", "storage block locked by another application"},
	{0x013, "BLOCK_NOT_LOCKED", ""},
	{0x014, "INVALID_GROUP_PERMISSIONS", ""},
	{0x015, "GROUP_DOES_NOT_EXIST", ""},
	{0x016, "INVALID_MEMBER_COUNT", ""},
	{0x017, "MAX_LIMIT_REACHED", "a firmware limit was reached"},
	{0x018, "INVALID_AUTH_TYPE", ""},
	{0x019, "AUTHENTICATION_FAILED", "authentication failed"},
	{0x01A, "INVALID_DHCP_MODE", ""},
	{0x01B, "INVALID_IP_ADDRESS", ""},
	{0x01C, "INVALID_DOMAIN_NAME", ""},
	{0x01D, "UNSUPPORTED_VERSION", ""},
	{0x01E, "REQUEST_UNEXPECTED", "a prerequisite request is missing"},
	{0x01F, "INVALID_TABLE_TYPE", ""},
	{0x020, "INVALID_PROVISIONING_STATE", ""},
	{0x021, "UNSUPPORTED_OBJECT", ""},
	{0x022, "INVALID_TIME", ""},
	{0x023, "INVALID_INDEX", ""},
	{0x024, "INVALID_PARAMETER", "a parameter was invalid"},
	{0x025, "INVALID_NETMASK", ""},
	{0x026, "FLASH_WRITE_LIMIT_EXCEEDED", "the flash write limit was exceeded"},
	{0x027, "INVALID_IMAGE_LENGTH", ""},
	{0x028, "INVALID_IMAGE_SIGNATURE", ""},
	{0x029, "PROPOSE_ANOTHER_VERSION", ""},
	{0x02A, "INVALID_PID_FORMAT", ""},
	{0x02B, "INVALID_PPS_FORMAT", ""},
	{0x02C, "BIST_COMMAND_BLOCKED", ""},
	{0x02D, "CONNECTION_FAILED", ""},
	{0x02E, "CONNECTION_TOO_MANY", ""},
	{0x02F, "RNG_GENERATION_IN_PROGRESS", ""},
	{0x030, "RNG_NOT_READY", "the random number generator is not ready"},
	{0x031, "CERTIFICATE_NOT_READY", "the firmware certificate is not ready"},
	{0x200, "REMOTE_ACCESS_NOT_GRANTED", ""},
	{0x201, "REMOTE_ACCESS_HOST_VPN_IS_DISABLED", ""},
	{0x202, "REMOTE_ACCESS_GRANTED_WITHOUT_DDNS", ""},
	{0x203, "REMOTE_ACCESS_GRANTED_WITH_DDNS", ""},
	{0x400, "DISABLED_BY_POLICY", "disabled by policy"},
	{0x801, "UNSUPPORTED_OEM_NUMBER", ""},
	{0x802, "UNSUPPORTED_BOOT_OPTION", ""},
	{0x803, "INVALID_COMMAND", "the firmware does not know this command"},
	{0x804, "INVALID_SPECIAL_COMMAND", ""},
	{0x805, "INVALID_HANDLE", ""},
	{0x806, "INVALID_PASSWORD", ""},
	{0x807, "INVALID_REALM", ""},
	{0x808, "STORAGE_ACL_ENTRY_IN_USE", ""},
	{0x809, "DATA_MISSING", "required configuration is missing"},
	{0x80A, "DUPLICATE", ""},
	{0x80B, "EVENTLOG_FROZEN", ""},
	{0x80C, "PKI_MISSING_KEYS", ""},
	{0x80D, "PKI_GENERATING_KEYS", ""},
	{0x80E, "INVALID_KEY", ""},
	{0x80F, "INVALID_CERT", ""},
	{0x810, "CERT_KEY_NOT_MATCH", ""},
	{0x811, "MAX_KERB_DOMAIN_REACHED", ""},
	{0x812, "UNSUPPORTED", "not supported by this firmware"},
	{0x813, "INVALID_PRIORITY", ""},
	{0x814, "NOT_FOUND", "not found"},
	{0x815, "INVALID_CREDENTIALS", ""},
	{0x816, "INVALID_PASSPHRASE", ""},
	{0x818, "NO_ASSOCIATION", ""},
	{0x81B, "AUDIT_FAIL", ""},
	{0x81C, "BLOCKING_COMPONENT", ""},
	{0x9C4, "IPV6_INTERFACE_DISABLED", ""},
	{0x9C5, "INTERFACE_DOES_NOT_EXIST", "the interface does not exist"},
};

static const struct status_desc *find_status(amt_status_t st)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == st)
			return &statuses[i];
	return NULL;
}

const char *amt_status_name(amt_status_t st)
{
	static _Thread_local char unknown[24];
	const struct status_desc *d = find_status(st);
	if (d)
		return d->name;
	snprintf(unknown, sizeof(unknown), "STATUS_0x%X", (unsigned)st);
	return unknown;
}

const char *amt_status_message(amt_status_t st)
{
	const struct status_desc *d = find_status(st);
	return d ? d->msg : "";
}
