// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_apf.c - libFuzzer target for proto/apf_codec.c.
 *
 * Owns: feeding arbitrary bytes to apf_decode() (as one LME message) and to
 * apf_frame_length_ex() (as a CIRA byte stream, under each REQUEST_SUCCESS
 * framing), and checking the codec's promises: framing and decoding agree,
 * a frame never exceeds the input or APF_MAX_MSG, only documented errors
 * come back, and every decoded message re-encodes to the identical bytes.
 * A broken promise is an abort(). Every buffer is an exact-size heap copy so
 * ASan reports any over-read or over-write.
 * Must not: link anything but the codec, wire.c and proto_err.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apf_codec.h"

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
	       rc == PROTO_E_TOO_LARGE || rc == PROTO_E_NOT_SUPPORTED;
}

/* Re-encode into a buffer of exactly the input's size: same bytes. */
static void roundtrip(const struct apf_msg *m, const uint8_t *in, size_t len)
{
	uint8_t *out = malloc(len ? len : 1);
	size_t n = 0;

	if (!out)
		abort();
	if (apf_encode(m, out, len, &n) != 0 || n != len || memcmp(out, in, len) != 0)
		abort();
	free(out);
}

static void whole_message(const uint8_t *buf, size_t size)
{
	struct apf_msg m;
	size_t n;
	int rc = apf_decode(buf, size, &m);

	if (rc != 0) {
		if (!documented(rc) || rc == PROTO_E_NOT_SUPPORTED)
			abort();
		return;
	}
	roundtrip(&m, buf, size);
	/* A decodable message frames to its own length, unless it is one of
	 * the kinds that cannot be framed from its bytes. */
	enum apf_success_form rs = m.type != APF_REQUEST_SUCCESS ? APF_SUCCESS_AMBIGUOUS
				   : m.request_success.has_port ? APF_SUCCESS_WITH_PORT
								  : APF_SUCCESS_NO_PORT;
	rc = apf_frame_length_ex(buf, size, rs, &n);
	if (rc == 0 && n != size)
		abort();
	if (rc != 0 && rc != PROTO_E_NOT_SUPPORTED)
		abort();
}

static void stream(const uint8_t *buf, size_t size, enum apf_success_form rs)
{
	size_t off = 0;

	while (off < size) {
		struct apf_msg m;
		size_t n = 0;
		int rc = apf_frame_length_ex(buf + off, size - off, rs, &n);

		if (rc != 0) {
			if (!documented(rc) || rc == PROTO_E_TRAILING)
				abort();
			return;
		}
		if (n == 0 || n > size - off || n > APF_MAX_MSG)
			abort();
		uint8_t *frame = dup_exact(buf + off, n);
		if (apf_decode(frame, n, &m) != 0)
			abort();
		roundtrip(&m, frame, n);
		free(frame);
		off += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = dup_exact(data, size);

	whole_message(buf, size);
	stream(buf, size, APF_SUCCESS_AMBIGUOUS);
	stream(buf, size, APF_SUCCESS_NO_PORT);
	stream(buf, size, APF_SUCCESS_WITH_PORT);
	free(buf);
	return 0;
}
