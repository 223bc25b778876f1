// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_sim_redir.c - libFuzzer target for the simulator's redirection
 * server: console bytes framed as sim_redir.c frames them (the chunk size
 * taken from the input, as TCP would split them) and fed to a session
 * (sim_sol.c) whose owner accepts SOL when the input's second byte says
 * so. Whatever the bytes, the session answers, waits or closes with a
 * reason; every message it sends must decode as AMT's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/sim_sol.h"

static enum sim_sol_refusal refusal;

static void f_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	struct redir_msg m;
	(void)arg;
	(void)alone;
	if (redir_decode(msg, len, REDIR_FROM_AMT, &m) != 0)
		abort(); /* the server must only send what a console can parse */
}

static void f_config(void *arg, struct sim_sol_cfg *c)
{
	(void)arg;
	memset(c, 0, sizeof(*c));
	memcpy(c->user, "admin", 6);
	memcpy(c->password, "P@ssw0rd", 9);
	memcpy(c->realm, "Digest:00000000000000000000000000000000", 40);
	c->sol_enabled = c->plain_auth = true;
}

static int f_nonce(void *arg, char out[33])
{
	(void)arg;
	memcpy(out, "0123456789abcdef0123456789abcdef", 33);
	return 0;
}

static enum sim_sol_refusal f_open(void *arg, const struct redir_sol_settings *s)
{
	(void)arg;
	(void)s;
	return refusal;
}

static void f_close(void *arg)
{
	(void)arg;
}

static void f_to_host(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
}

static const struct sim_sol_ops ops = {f_send, f_config, f_nonce, f_open, f_close, f_to_host};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_sol s;
	uint8_t *buf;
	size_t have = 0;
	if (size < 2)
		return 0;
	size_t chunk = (size_t)data[0] + 1;
	refusal = (enum sim_sol_refusal)(data[1] % 3);
	data += 2;
	size -= 2;
	buf = malloc(REDIR_MSG_MAX);
	if (!buf)
		return 0;
	sim_sol_init(&s, &ops, NULL);
	for (size_t off = 0; off < size && s.state != SIM_SOL_S_CLOSED;) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (n > REDIR_MSG_MAX - have)
			n = REDIR_MSG_MAX - have;
		memcpy(buf + have, data + off, n);
		have += n;
		off += n;
		for (;;) {
			size_t want;
			int rc = redir_frame_length(buf, have, REDIR_FROM_CONSOLE, &want);
			if (rc == PROTO_E_SHORT)
				break;
			if (rc != 0) {
				sim_sol_bad_frame(&s, rc);
				break;
			}
			sim_sol_input(&s, buf, want);
			memmove(buf, buf + want, have - want);
			have -= want;
			if (s.state == SIM_SOL_S_CLOSED)
				break;
		}
		if (s.state == SIM_SOL_S_RUN) {
			sim_sol_send_data(&s, (const uint8_t *)"x", 1);
			sim_sol_send_heartbeat(&s);
		}
	}
	sim_sol_gone(&s);
	free(buf);
	return 0;
}
