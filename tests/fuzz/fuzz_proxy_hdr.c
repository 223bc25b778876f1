// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_proxy_hdr.c - libFuzzer target for tools/verify/proxy_hdr.c (the
 * PROXY protocol header in front of a listener's connections).
 *
 * Owns: feeding arbitrary bytes to proxy_hdr_parse() and checking its
 * promises: only the three results; a header never longer than the input
 * or the caps; "more" only below the cap; the same header found again in
 * exactly its own bytes, and "more" one byte short of them. A broken
 * promise is an abort(). The input is an exact-size heap copy so ASan sees
 * any over-read.
 * Must not: do I/O.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	struct proxy_hdr h, again;
	char why[160];
	int rc;

	if (!b)
		abort();
	if (size)
		memcpy(b, data, size);
	rc = proxy_hdr_parse(b, size, &h, why, sizeof(why));
	if (rc != PROXY_HDR_OK && rc != PROXY_HDR_MORE && rc != PROXY_HDR_BAD)
		abort();
	if (rc == PROXY_HDR_MORE && size >= PROXY_HDR_MAX)
		abort();
	if (rc == PROXY_HDR_OK) {
		if (h.consumed == 0 || h.consumed > size || h.consumed > PROXY_HDR_MAX)
			abort();
		if (h.version == 1 && h.consumed > PROXY_V1_MAX)
			abort();
		if (proxy_hdr_parse(b, h.consumed, &again, why, sizeof(why)) != PROXY_HDR_OK ||
		    again.consumed != h.consumed || again.local != h.local)
			abort();
		if (proxy_hdr_parse(b, h.consumed - 1, &again, why, sizeof(why)) != PROXY_HDR_MORE)
			abort();
	}
	free(b);
	return 0;
}
