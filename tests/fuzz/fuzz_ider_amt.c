// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_ider_amt.c - libFuzzer target for AMT's end of IDE-R: the
 * simulator's session (tools/sim/sim_ider.c) fed arbitrary console bytes,
 * framed as sim_redir_ider.c frames them (ider_frame_length), split at a
 * chunk size taken from the input; the first byte also decides when the
 * host resets and sends a command. Whatever the bytes, the session runs or
 * closes with a reason; everything it sends must decode as AMT's, and
 * every decoded message must encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/sim_ider.h"

static void f_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	struct ider_msg m;
	(void)arg;
	(void)alone;
	if (ider_decode(msg, len, IDER_FROM_AMT, &m) != 0)
		abort();
}
static enum sim_ider_refusal f_open(void *arg)
{
	(void)arg;
	return SIM_IDER_OK;
}
static void f_void(void *arg)
{
	(void)arg;
}
static void f_done(void *arg, const struct sim_ider_result *r)
{
	(void)arg;
	if (r->len > SIM_IDER_DATA_MAX)
		abort();
}
static const struct sim_ider_ops ops = {f_send, f_open, f_void, f_void, f_done};

static void round_trip(const uint8_t *p, size_t n)
{
	struct ider_msg m;
	uint8_t out[IDER_MSG_MAX];
	size_t len;
	if (ider_decode(p, n, IDER_FROM_CONSOLE, &m) != 0)
		return;
	if (ider_encode(&m, out, sizeof(out), &len) != 0 || len != n || memcmp(out, p, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[IDER_MSG_MAX];
	static const uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 0x10, 0, 0, 1};
	struct sim_ider s;
	size_t have = 0;
	if (size < 1 || sim_ider_init(&s, &ops, NULL) != 0)
		return 0;
	size_t chunk = (size_t)(data[0] & 0x3f) + 1;
	bool reset = data[0] & 0x40, issue = data[0] & 0x80;
	data++;
	size--;
	for (size_t off = 0; off < size && s.state != SIM_IDER_S_CLOSED;) {
		size_t n = size - off < chunk ? size - off : chunk;
		n = n < sizeof(buf) - have ? n : sizeof(buf) - have;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		for (;;) {
			size_t want;
			int rc = ider_frame_length(buf, have, IDER_FROM_CONSOLE, &want);
			if (rc == PROTO_E_SHORT)
				break;
			if (rc != 0) {
				sim_ider_bad_frame(&s, rc);
				break;
			}
			round_trip(buf, want);
			sim_ider_input(&s, buf, want);
			memmove(buf, buf + want, have - want);
			have -= want;
			if (s.state == SIM_IDER_S_CLOSED)
				break;
			if (reset && s.state == SIM_IDER_S_RUN && !s.reset_pending)
				sim_ider_host_reset(&s);
			if (issue && sim_ider_can_issue(&s))
				sim_ider_issue(&s, IDER_DEV_CDROM, cdb, 2048);
		}
		if (have == sizeof(buf))
			break;
	}
	if (s.state == SIM_IDER_S_CLOSED && !s.why)
		abort(); /* every close has a reason */
	sim_ider_heartbeat(&s);
	sim_ider_gone(&s, "done");
	sim_ider_free(&s);
	return 0;
}
