// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_ider_client.c - libFuzzer target for the console's end of IDE-R:
 * amt-verify's client (tools/verify/ider_client.c) fed arbitrary AMT
 * bytes, split at a chunk size taken from the input, serving a small image.
 * Whatever the bytes, the client waits, fails with a reason or closes;
 * every message it sends must decode as a console's (an IDE-R message or,
 * during set-up, a redirection one); it never reads outside the image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ider_client.h"

#define IMAGE (8u * 2048u)
static uint8_t image[IMAGE];

static void f_send(void *arg, const uint8_t *msg, size_t len)
{
	struct ider_msg m;
	struct redir_msg r;
	(void)arg;
	if (len && msg[0] >= IDER_TYPE_FIRST && msg[0] <= IDER_TYPE_LAST) {
		if (ider_decode(msg, len, IDER_FROM_CONSOLE, &m) != 0)
			abort();
	} else if (redir_decode(msg, len, REDIR_FROM_CONSOLE, &r) != 0) {
		abort();
	}
}

static int f_read(void *arg, uint64_t off, uint8_t *buf, size_t n)
{
	(void)arg;
	if (off > IMAGE || n > IMAGE - off)
		abort(); /* the drive asked for bytes outside the image */
	memcpy(buf, image + off, n);
	return 0;
}

static const struct ider_client_ops ops = {f_send, f_read, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ider_client c;
	if (size < 1 ||
	    ider_client_init(&c, &ops, NULL, "admin", "P@ssw0rd", true, data[0] & 1, IMAGE,
			     IDER_START_NOW) != 0) {
		if (size >= 1)
			ider_client_free(&c);
		return 0;
	}
	size_t chunk = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	ider_client_start(&c);
	for (size_t off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk;
		enum ider_client_state st = ider_client_feed(&c, data + off, n);
		off += n;
		ider_client_pump(&c, 65536);
		if (st == IDER_C_FAILED && c.why[0] == '\0')
			abort(); /* every failure has a reason */
		if (st == IDER_C_FAILED || st == IDER_C_CLOSED)
			break;
	}
	ider_client_stop(&c);
	ider_client_free(&c);
	return 0;
}
