// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_hello.c - libFuzzer target for proto/hello_codec.c.
 *
 * Owns: feeding arbitrary bytes to hello_decode() (one packet) and to
 * hello_frame_length() (a TCP stream of packets), and checking that framing
 * and decoding agree, frames stay within the input and HELLO_MAX_LEN, only
 * documented errors come back, and every decoded packet re-encodes to the
 * identical bytes. A broken promise is an abort(). Buffers are exact-size
 * heap copies so ASan reports any over-read or over-write.
 * Must not: link anything but the codec, wire.c and proto_err.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hello_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	if (!b)
		abort();
	if (n)
		memcpy(b, p, n);
	return b;
}

static int documented(int rc)
{
	return rc == PROTO_E_SHORT || rc == PROTO_E_TRAILING || rc == PROTO_E_BAD_VALUE ||
	       rc == PROTO_E_BAD_VERSION || rc == PROTO_E_TOO_LARGE;
}

static void roundtrip(const struct hello_msg *m, const uint8_t *in, size_t len)
{
	uint8_t *out = malloc(len ? len : 1);
	size_t n = 0;

	if (!out)
		abort();
	if (hello_encode(m, out, len, &n) != 0 || n != len || memcmp(out, in, len) != 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = dup_exact(data, size);
	struct hello_msg m;
	size_t n = 0, off = 0;
	int rc = hello_decode(buf, size, &m);

	if (rc == 0) {
		roundtrip(&m, buf, size);
		if (hello_frame_length(buf, size, &n) != 0 || n != size)
			abort();
	} else if (!documented(rc)) {
		abort();
	}

	while (off < size) {
		rc = hello_frame_length(buf + off, size - off, &n);
		if (rc != 0) {
			if (!documented(rc) || rc == PROTO_E_TRAILING)
				abort();
			break;
		}
		if (n == 0 || n > size - off || n > HELLO_MAX_LEN)
			abort();
		uint8_t *frame = dup_exact(buf + off, n);
		if (hello_decode(frame, n, &m) != 0)
			abort();
		roundtrip(&m, frame, n);
		free(frame);
		off += n;
	}
	free(buf);
	return 0;
}
