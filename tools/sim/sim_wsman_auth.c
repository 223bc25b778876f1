// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_auth.c - the simulated AMT's digest realm (the digest check
 * itself is common/http_digest.c, which the event receiver of amt-verify
 * shares).
 */
#include <stdio.h>
#include <string.h>

#include "sim_wsman_int.h"

void sim_digest_realm(const struct sim_state *st, char *out, size_t cap)
{
	char hex[33];
	if (st->digest_realm[0]) {
		snprintf(out, cap, "%s", st->digest_realm);
		return;
	}
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", st->uuid[i]);
	snprintf(out, cap, "Digest:%s", hex);
}
