// SPDX-License-Identifier: Apache-2.0
/*
 * guid.h - GUID text <-> the 16 raw bytes MEI and AMT put on the wire.
 *
 * Owns: the one conversion between canonical text
 * ("12F80028-B4B7-4B2D-ACA8-46E0FF65814C") and the mixed-endian raw order
 * (first three groups little-endian, as the kernel's uuid_le): the order of
 * IOCTL_MEI_CONNECT_CLIENT, of AMTHI GetUUID and of the hello packet's UUID.
 * Must not: know which client or device a GUID names (heci.h lists those).
 */
#ifndef PROTO_GUID_H
#define PROTO_GUID_H

#include <stdint.h>

#define GUID_TEXT_LEN 36u /* without the NUL */

/* Parse canonical text (either case) into raw order. 0, or
 * PROTO_E_INVALID_ARG for NULL or anything but 36 characters 8-4-4-4-12. */
int guid_parse(const char *text, uint8_t raw[16]);
/* Format raw mixed-endian bytes as canonical upper-case text (37 bytes incl. NUL). */
void guid_format(const uint8_t raw[16], char out[37]);

#endif
