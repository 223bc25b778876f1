// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_mps.c - libFuzzer target for amt-verify's MPS: the server side of
 * CIRA APF fed with arbitrary device bytes, split into chunks at positions
 * taken from the input, as a TLS stream would deliver them. Whatever the
 * bytes, the session must answer, close or wait, never crash or overrun.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mps_apf.h"

static void on_send(void *arg, const uint8_t *buf, size_t len)
{
	(void)arg, (void)buf, (void)len;
}

static void on_event(void *arg, const char *type, const char *uuid, json_t *detail)
{
	(void)arg, (void)type, (void)uuid, (void)detail;
}

static int64_t fixed_now(void *arg)
{
	(void)arg;
	return 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pw[] = "fuzz-password";
	struct mps_auth auth = {"fuzzdev", pw, sizeof(pw) - 1};
	struct mps_hooks hooks = {NULL, on_send, on_event, fixed_now};
	struct mps_session *s;
	uint8_t *buf;
	size_t have = 0, off = 0;

	if (size < 1)
		return 0;
	/* first byte: chunk size for the stream (1..256) */
	size_t chunk = (size_t)data[0] + 1;
	data++, size--;
	buf = malloc(size ? size : 1);
	s = mps_session_new(&auth, &hooks, "127.0.0.1:1", 8);
	if (!buf || !s)
		goto out;
	while (off < size && !mps_session_is_over(s)) {
		size_t n = size - off < chunk ? size - off : chunk;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		size_t used = 0;
		enum mps_result r = mps_session_feed(s, buf, have, &used);
		if (used > have)
			abort();
		memmove(buf, buf + used, have - used);
		have -= used;
		if (r == MPS_CLOSE)
			break;
		if (mps_session_open_pending(s))
			mps_session_settle(s);
	}
	mps_session_end(s, MPS_END_DEVICE_CLOSED);
out:
	mps_session_free(s);
	free(buf);
	return 0;
}
