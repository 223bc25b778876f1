// SPDX-License-Identifier: Apache-2.0
/*
 * efivar.h - the host ID fallback store: a UEFI variable in firmware NVRAM,
 * through efivarfs, for AMT 12 and later where 3PDS is gone.
 *
 * The variable is AmtAgentHostId-5a4f3c1e-7b2d-4e8f-9a61-0c3d2b1a7e55 (the
 * project's own vendor GUID): 4 bytes of attributes (non-volatile, boot
 * service and runtime access) then the ID text. efivarfs marks variable
 * files immutable; the flag is cleared before rewriting or deleting.
 * Must not: touch any other variable.
 */
#ifndef AGENT_EFIVAR_H
#define AGENT_EFIVAR_H

#include <stddef.h>

#define EFIVAR_HOSTID_NAME "AmtAgentHostId-5a4f3c1e-7b2d-4e8f-9a61-0c3d2b1a7e55"

/* 0 and the ID; 1 when the variable does not exist; -errno on failure. */
int efivar_hostid_read(const char *dir, char *out, size_t cap);
int efivar_hostid_write(const char *dir, const char *id);
/* 0, 1 when there was none, -errno. */
int efivar_hostid_delete(const char *dir);

#endif
