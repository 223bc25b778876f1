// SPDX-License-Identifier: Apache-2.0
/*
 * guid.c - GUID text in the mixed-endian raw order (see guid.h).
 */
#include "guid.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "proto_err.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int guid_parse(const char *text, uint8_t raw[16])
{
	/* canonical text groups -> byte index in raw (mixed-endian) order */
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t canon[16];
	int n = 0;

	if (!text || !raw || strlen(text) != GUID_TEXT_LEN)
		return PROTO_E_INVALID_ARG;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return PROTO_E_INVALID_ARG;
			continue;
		}
		int hi = hexval((unsigned char)text[i]), lo = hexval((unsigned char)text[i + 1]);
		if (hi < 0 || lo < 0)
			return PROTO_E_INVALID_ARG;
		canon[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	for (int i = 0; i < 16; i++)
		raw[order[i]] = canon[i];
	return 0;
}

void guid_format(const uint8_t raw[16], char out[37])
{
	snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 raw[3], raw[2], raw[1], raw[0], raw[5], raw[4], raw[7], raw[6], raw[8], raw[9],
		 raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
}
