// SPDX-License-Identifier: Apache-2.0
/*
 * hostid_format.c - the host ID rule and block content (see hostid_format.h).
 */
#include "hostid_format.h"

#include <stdio.h>
#include <string.h>

#define MAGIC "AMTAGENT-HOSTID 1\n"

int hostid_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > HOSTID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= 0x20 || id[i] >= 0x7f)
			return 0;
	return 1;
}

int hostid_payload_encode(const char *id, char *out, size_t cap)
{
	if (!hostid_valid(id))
		return -1;
	int n = snprintf(out, cap, MAGIC "%s\n", id);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int hostid_payload_decode(const uint8_t *data, size_t len, char *out, size_t cap)
{
	size_t m = strlen(MAGIC);
	if (len == 0 || data[0] == 0)
		return HOSTID_PAYLOAD_EMPTY;
	if (len < m || memcmp(data, MAGIC, m) != 0)
		return HOSTID_PAYLOAD_FOREIGN;
	size_t i = m;
	while (i < len && data[i] != '\n' && data[i] != 0)
		i++;
	if (i >= len || data[i] != '\n' || i - m == 0 || i - m >= cap)
		return HOSTID_PAYLOAD_FOREIGN;
	memcpy(out, data + m, i - m);
	out[i - m] = '\0';
	return hostid_valid(out) ? HOSTID_PAYLOAD_OK : HOSTID_PAYLOAD_FOREIGN;
}
