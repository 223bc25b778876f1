// SPDX-License-Identifier: Apache-2.0
/*
 * amt_status.c - names and meanings of AMT firmware status codes (see
 * amt_status.h). Names follow the SDK's AMT_STATUS_* / PT_STATUS_* without
 * the prefix; a meaning is given only where it helps whoever reads the line.
 */
#include "amt_status.h"

#include <stddef.h>
#include <stdio.h>

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
