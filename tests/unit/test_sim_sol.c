// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_sol.c - AMT's side of a redirection session (tools/sim/sim_sol.c)
 * without sockets: the Debian amtterm 1.4 transcript of protocol-facts-2.md
 * 6.7 byte for byte, the query + RFC 2617 digest exchange of amtterm
 * 1.7/1.8 and MeshCentral (the answer computed here with OpenSSL, not with
 * the simulator's helper), wrong credentials, IDE-R and KVM refused, SOL
 * disabled, a second SOL session and missing consent refused, MeshCentral's
 * 0x27, ping/pong, which replies are marked to go alone, and garbage in any
 * state ending the session with a reason.
 * Must not: open sockets or depend on time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "tools/sim/sim_sol.h"

#define MAX_OUT 16

static struct fake {
	struct {
		uint8_t b[256];
		size_t len;
		bool alone;
	} out[MAX_OUT];
	unsigned nout;
	bool sol_enabled, plain_auth;
	enum sim_sol_refusal refuse;
	unsigned opens, closes;
	char to_host[64];
	size_t to_host_len;
} F;

static void f_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	(void)arg;
	assert_true(F.nout < MAX_OUT && len <= sizeof(F.out[0].b));
	memcpy(F.out[F.nout].b, msg, len);
	F.out[F.nout].len = len;
	F.out[F.nout].alone = alone;
	F.nout++;
}

static void f_config(void *arg, struct sim_sol_cfg *c)
{
	(void)arg;
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "admin");
	snprintf(c->password, sizeof(c->password), "P@ssw0rd");
	snprintf(c->realm, sizeof(c->realm), "Digest:0123456789ABCDEF0123456789ABCDEF");
	c->sol_enabled = F.sol_enabled;
	c->plain_auth = F.plain_auth;
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
	if (F.refuse == SIM_SOL_OK)
		F.opens++;
	return F.refuse;
}

static void f_close(void *arg)
{
	(void)arg;
	F.closes++;
}

static void f_to_host(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	memcpy(F.to_host + F.to_host_len, p, n);
	F.to_host_len += n;
}

static const struct sim_sol_ops ops = {f_send, f_config, f_nonce, f_open, f_close, f_to_host};
static struct sim_sol S;

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.sol_enabled = F.plain_auth = true;
	sim_sol_init(&S, &ops, NULL);
	return 0;
}

/* Feed one message (exact-size copy) and return the state. */
static enum sim_sol_state in(const void *bytes, size_t len)
{
	uint8_t *b = malloc(len);
	assert_non_null(b);
	memcpy(b, bytes, len);
	enum sim_sol_state st = sim_sol_input(&S, b, len);
	free(b);
	return st;
}
#define IN(lit) in(lit, sizeof(lit) - 1)

static void expect_out(unsigned i, const void *bytes, size_t len, bool alone)
{
	assert_true(i < F.nout);
	assert_int_equal(F.out[i].len, len);
	assert_memory_equal(F.out[i].b, bytes, len);
	assert_int_equal(F.out[i].alone, alone);
}
#define OUT(i, lit, alone) expect_out(i, lit, sizeof(lit) - 1, alone)

#define SOL_START "\x10\x00\x00\x00SOL "
#define AMTTERM_SOL "\x20\x00\x00\x00\x00\x00\x00\x00\xe8\x03\x64\x00\x00\x00\x10\x27\x00\x00\x88\x13\x00\x00\x00\x00"

/* protocol-facts-2.md 6.7, amtterm 1.4 with user admin, password "P@ssw0rd" */
static void t_amtterm_14(void **state)
{
	(void)state;
	assert_int_equal(IN(SOL_START), SIM_SOL_S_AUTH);
	OUT(0, "\x11\x00\x00\x00\x01\x00\x02\x00\x55\x55\x00\x00\x00", false);
	assert_int_equal(IN("\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd"),
			 SIM_SOL_S_READY);
	OUT(1, "\x14\x00\x00\x00\x01\x00\x00\x00\x00", true);
	assert_string_equal(S.user, "admin");
	assert_int_equal(IN(AMTTERM_SOL), SIM_SOL_S_RUN);
	OUT(2, "\x21\x00\x00\x00\x00\x00\x00\x00\xe8\x03\x64\x00\x00\x00\x10\x27\x00\x00\x88\x13\x00\x00\x00",
	    true);
	assert_int_equal(F.opens, 1);
	assert_int_equal(S.settings.heartbeat_interval_ms, 5000);
	/* what the owner sends while running */
	sim_sol_send_controls(&S, true);
	OUT(3, "\x29\x00\x00\x00\x01\x00\x00\x00\x00\x04", true);
	sim_sol_send_data(&S, (const uint8_t *)"login", 5);
	OUT(4, "\x2a\x00\x00\x00\x02\x00\x00\x00\x05\x00login", false);
	sim_sol_send_heartbeat(&S);
	OUT(5, "\x2b\x00\x00\x00\x03\x00\x00\x00", false);
	/* keys, amtterm's heartbeat echo, then the end */
	assert_int_equal(IN("\x28\x00\x00\x00\x00\x00\x00\x00\x01\x00\x0d"), SIM_SOL_S_RUN);
	assert_int_equal(F.to_host_len, 1);
	assert_int_equal(F.to_host[0], 0x0d);
	assert_int_equal(IN("\x2b\x00\x00\x00\x03\x00\x00\x00"), SIM_SOL_S_RUN);
	assert_int_equal(F.nout, 6); /* heartbeats are not echoed back */
	assert_int_equal(IN("\x22\x00\x00\x00\x00\x00\x00\x00"), SIM_SOL_S_READY);
	OUT(6, "\x23\x00\x00\x00\x00\x00\x00\x00", true);
	assert_int_equal(F.closes, 1);
	assert_int_equal(IN("\x28\x00\x00\x00\x00\x00\x00\x00\x01\x00x"), SIM_SOL_S_READY);
	assert_int_equal(F.to_host_len, 1); /* typed after the end: dropped */
	assert_int_equal(IN("\x12\x00\x00\x00"), SIM_SOL_S_CLOSED);
	assert_int_equal(F.closes, 1);
	/* nothing is sent once the session is over */
	sim_sol_send_data(&S, (const uint8_t *)"x", 1);
	assert_int_equal(F.nout, 7);
}

static void md5_hex(const char *s, char out[33])
{
	unsigned char d[16];
	unsigned n = 0;
	EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static size_t digest_msg(uint8_t *buf, const char *const f[8])
{
	size_t n = 9;
	for (int i = 0; i < 8; i++) {
		size_t l = strlen(f[i]);
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, f[i], l);
		n += l;
	}
	memcpy(buf, "\x13\x00\x00\x00\x04", 5);
	uint32_t len = (uint32_t)(n - 9);
	buf[5] = (uint8_t)len;
	buf[6] = (uint8_t)(len >> 8);
	buf[7] = buf[8] = 0;
	return n;
}

static void t_digest(void **state)
{
	static const char realm[] = "Digest:0123456789ABCDEF0123456789ABCDEF";
	static const char nonce[] = "0123456789abcdef0123456789abcdef";
	uint8_t buf[512];
	char ha1[33], ha2[33], resp[33], line[256];
	(void)state;
	IN(SOL_START);
	/* query: types 1 and 4 */
	assert_int_equal(IN("\x13\x00\x00\x00\x00\x00\x00\x00\x00"), SIM_SOL_S_AUTH);
	OUT(1, "\x14\x00\x00\x00\x00\x02\x00\x00\x00\x01\x04", true);
	/* the first digest message asks for a challenge */
	const char *const first[8] = {"admin", "", "", "/RedirectionService", "", "", "", ""};
	assert_int_equal(in(buf, digest_msg(buf, first)), SIM_SOL_S_AUTH);
	uint8_t want[128] = "\x14\x01\x00\x00\x04";
	size_t wl = 9;
	want[wl++] = (uint8_t)strlen(realm);
	memcpy(want + wl, realm, strlen(realm));
	wl += strlen(realm);
	want[wl++] = 32;
	memcpy(want + wl, nonce, 32);
	wl += 32;
	memcpy(want + wl, "\x04" "auth", 5);
	wl += 5;
	want[5] = (uint8_t)(wl - 9);
	expect_out(2, want, wl, true);
	/* the answer, computed as RFC 2617 says */
	snprintf(line, sizeof(line), "admin:%s:P@ssw0rd", realm);
	md5_hex(line, ha1);
	md5_hex("POST:/RedirectionService", ha2);
	snprintf(line, sizeof(line), "%s:%s:00000002:%s:auth:%s", ha1, nonce,
		 "abcdefabcdefabcdefabcdefabcdef12", ha2);
	md5_hex(line, resp);
	const char *const answer[8] = {"admin", realm, nonce, "/RedirectionService",
				       "abcdefabcdefabcdefabcdefabcdef12", "00000002", resp, "auth"};
	assert_int_equal(in(buf, digest_msg(buf, answer)), SIM_SOL_S_READY);
	OUT(3, "\x14\x00\x00\x00\x04\x00\x00\x00\x00", true);
}

static void t_digest_wrong(void **state)
{
	uint8_t buf[512];
	(void)state;
	IN(SOL_START);
	const char *const first[8] = {"admin", "", "", "/RedirectionService", "", "", "", ""};
	in(buf, digest_msg(buf, first));
	const char *const answer[8] = {"admin", "Digest:0123456789ABCDEF0123456789ABCDEF",
				       "0123456789abcdef0123456789abcdef", "/RedirectionService", "c",
				       "00000002", "00000000000000000000000000000000", "auth"};
	assert_int_equal(in(buf, digest_msg(buf, answer)), SIM_SOL_S_CLOSED);
	OUT(2, "\x14\x01\x00\x00\x04\x00\x00\x00\x00", true);
	assert_non_null(strstr(S.why, "wrong user or password"));
}

static void t_plain_wrong_and_disabled(void **state)
{
	(void)state;
	IN(SOL_START);
	assert_int_equal(IN("\x13\x00\x00\x00\x01\x0c\x00\x00\x00\x05" "admin" "\x05" "wrong"),
			 SIM_SOL_S_CLOSED);
	OUT(1, "\x14\x01\x00\x00\x01\x00\x00\x00\x00", true);
	setup(NULL);
	F.plain_auth = false;
	IN(SOL_START);
	assert_int_equal(IN("\x13\x00\x00\x00\x00\x00\x00\x00\x00"), SIM_SOL_S_AUTH);
	OUT(1, "\x14\x00\x00\x00\x00\x01\x00\x00\x00\x04", true);
	assert_int_equal(IN("\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd"),
			 SIM_SOL_S_CLOSED);
	setup(NULL);
	IN(SOL_START);
	assert_int_equal(IN("\x13\x00\x00\x00\x02\x01\x00\x00\x00\x00"), SIM_SOL_S_CLOSED); /* Kerberos */
	setup(NULL);
	IN(SOL_START);
	assert_int_equal(IN("\x13\x00\x00\x00\x01\x03\x00\x00\x00\x05" "ad"), SIM_SOL_S_CLOSED);
	assert_non_null(strstr(S.why, "malformed"));
}

static void t_refusals(void **state)
{
	(void)state;
	assert_int_equal(IN("\x10\x00\x00\x00IDER"), SIM_SOL_S_CLOSED);
	OUT(0, "\x11\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", true);
	assert_non_null(strstr(S.why, "IDE-R"));
	setup(NULL);
	assert_int_equal(IN("\x10\x01\x00\x00KVMR"), SIM_SOL_S_CLOSED);
	assert_non_null(strstr(S.why, "KVM"));
	setup(NULL);
	F.sol_enabled = false;
	assert_int_equal(IN(SOL_START), SIM_SOL_S_CLOSED);
	assert_int_equal(F.out[0].b[1], 1);
	assert_non_null(strstr(S.why, "SOL is disabled"));
	static const enum sim_sol_refusal refusals[] = {SIM_SOL_BUSY, SIM_SOL_NO_CONSENT};
	for (int i = 0; i < 2; i++) {
		setup(NULL);
		F.refuse = refusals[i];
		IN(SOL_START);
		IN("\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd");
		assert_int_equal(IN(AMTTERM_SOL), SIM_SOL_S_CLOSED);
		assert_int_equal(F.out[2].b[0], 0x21);
		assert_int_equal(F.out[2].b[1], 1);
		assert_int_equal(F.out[2].len, 23);
		assert_true(F.out[2].alone);
		assert_int_equal(F.closes, 0);
	}
	assert_non_null(strstr(S.why, "consent"));
}

/* MeshCentral: its sequence numbers, 0x27 after 0x21, ping */
static void t_meshcentral(void **state)
{
	(void)state;
	IN(SOL_START);
	IN("\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd");
	assert_int_equal(IN("\x20\x00\x00\x00\x01\x00\x00\x00\x10\x27\x64\x00\x00\x00\x10\x27\x64\x00"
			    "\x00\x00\x00\x00\x00\x00"),
			 SIM_SOL_S_RUN);
	assert_int_equal(IN("\x27\x00\x00\x00\x02\x00\x00\x00\x00\x00\x1b\x00\x00\x00"), SIM_SOL_S_RUN);
	assert_int_equal(IN("\x24\x00\x00\x00\x09\x00\x00\x00"), SIM_SOL_S_RUN);
	OUT(3, "\x25\x00\x00\x00\x09\x00\x00\x00", false);
	assert_int_equal(IN("\x28\x00\x00\x00\x03\x00\x00\x00\x02\x00hi"), SIM_SOL_S_RUN);
	assert_memory_equal(F.to_host, "hi", 2);
	/* the connection drops with SOL running: the session is released */
	sim_sol_gone(&S);
	assert_int_equal(F.closes, 1);
	assert_int_equal(S.state, SIM_SOL_S_CLOSED);
}

/* Anything out of order, in every state, ends the session. */
static void t_out_of_order(void **state)
{
	static const struct {
		const char *b;
		size_t len;
	} early[] = {
		{"\x13\x00\x00\x00\x00\x00\x00\x00\x00", 9}, /* auth before start */
		{AMTTERM_SOL, 24},                             /* SOL before start */
		{"\x28\x00\x00\x00\x00\x00\x00\x00\x00\x00", 10},
		{"\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 18},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		setup(NULL);
		assert_int_equal(in(early[i].b, early[i].len), SIM_SOL_S_CLOSED);
		assert_int_equal(F.nout, 0);
	}
	setup(NULL);
	IN(SOL_START);
	assert_int_equal(IN(AMTTERM_SOL), SIM_SOL_S_CLOSED); /* SOL before auth */
	setup(NULL);
	IN(SOL_START);
	IN("\x13\x00\x00\x00\x01\x0f\x00\x00\x00\x05" "admin" "\x08" "P@ssw0rd");
	IN(AMTTERM_SOL);
	assert_int_equal(IN(SOL_START), SIM_SOL_S_CLOSED); /* start again while running */
	assert_int_equal(F.closes, 1);
	/* undecodable bytes */
	setup(NULL);
	assert_int_equal(IN("\x10\x00\x00\x00SO"), SIM_SOL_S_CLOSED);
	assert_non_null(strstr(S.why, "malformed"));
	setup(NULL);
	assert_int_equal(IN("\x99"), SIM_SOL_S_CLOSED);
	assert_non_null(strstr(S.why, "unknown"));
	setup(NULL);
	sim_sol_bad_frame(&S, PROTO_E_TOO_LARGE);
	assert_non_null(strstr(S.why, "too large"));
	/* and a closed session takes nothing more */
	assert_int_equal(IN(SOL_START), SIM_SOL_S_CLOSED);
	assert_int_equal(F.nout, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_amtterm_14, setup),
		cmocka_unit_test_setup(t_digest, setup),
		cmocka_unit_test_setup(t_digest_wrong, setup),
		cmocka_unit_test_setup(t_plain_wrong_and_disabled, setup),
		cmocka_unit_test_setup(t_refusals, setup),
		cmocka_unit_test_setup(t_meshcentral, setup),
		cmocka_unit_test_setup(t_out_of_order, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
