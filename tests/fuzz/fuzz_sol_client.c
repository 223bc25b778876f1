// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sol_client.c - libFuzzer target for amt-verify's SOL client
 * (tools/verify/sol_client.c): AMT's side of the stream, arbitrary, split
 * at a chunk size taken from the input. Whatever the bytes, the client
 * waits, fails with a reason or closes; every message it sends must decode
 * as a console's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sol_client.h"

static void f_send(void *arg, const uint8_t *msg, size_t len)
{
	struct redir_msg m;
	(void)arg;
	if (redir_decode(msg, len, REDIR_FROM_CONSOLE, &m) != 0)
		abort();
}

static void f_data(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
}

static const struct sol_client_ops ops = {f_send, f_data, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sol_client c;
	if (size < 1 || sol_client_init(&c, &ops, NULL, "admin", "P@ssw0rd", data[0] & 1) != 0)
		return 0;
	size_t chunk = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	sol_client_start(&c);
	for (size_t off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk;
		enum sol_client_state st = sol_client_feed(&c, data + off, n);
		off += n;
		if (st == SOL_C_FAILED && c.why[0] == '\0')
			abort(); /* every failure has a reason */
		if (st == SOL_C_RUNNING)
			sol_client_keys(&c, (const uint8_t *)"k", 1);
		if (st == SOL_C_FAILED || st == SOL_C_CLOSED)
			break;
	}
	sol_client_stop(&c);
	sol_client_free(&c);
	return 0;
}
