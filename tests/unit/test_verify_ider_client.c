// SPDX-License-Identifier: Apache-2.0
/*
 * test_verify_ider_client.c - amt-verify ider's session (tools/verify/
 * ider_client.c) on AMT's bytes: StartRedirectionSession "IDER" and
 * authentication, then 0x40 with our timeouts, 0x48 with the start mode,
 * running; a reset acknowledged and reported to the drive (UNIT ATTENTION
 * 06/29 next); a READ streamed in chunks of AMT's read buffer from the
 * image; an ATA command aborted; heartbeats echoed, pings answered;
 * refusals (0x41 status, 0x49 value) in words; AMT's messages out of
 * sequence, 0x53 never asked for and garbage as protocol errors; the
 * orderly end 0x42 -> 0x43 -> 0x12.
 * Must not: open sockets or depend on time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "redir_codec.h"
#include "tools/verify/ider_client.h"

#define IMAGE_BLOCKS 10u
static uint8_t image[IMAGE_BLOCKS * 2048];
static uint8_t out[64 * 1024];
static size_t out_len;
static unsigned ready, resets, amt_errors;
static uint32_t amt_seq;
static struct ider_client C;

static void f_send(void *arg, const uint8_t *msg, size_t len)
{
	(void)arg;
	assert_true(out_len + len <= sizeof(out));
	memcpy(out + out_len, msg, len);
	out_len += len;
}

static int f_read(void *arg, uint64_t off, uint8_t *buf, size_t n)
{
	(void)arg;
	if (off + n > sizeof(image))
		return -1;
	memcpy(buf, image + off, n);
	return 0;
}

static void f_event(void *arg, enum ider_client_event ev)
{
	(void)arg;
	ready += ev == IDER_EV_READY;
	resets += ev == IDER_EV_RESET;
	amt_errors += ev == IDER_EV_ERROR;
}

static const struct ider_client_ops ops = {f_send, f_read, f_event};

static void feed_redir(const struct redir_msg *m)
{
	uint8_t b[64];
	size_t n;
	assert_int_equal(redir_encode(m, b, sizeof(b), &n), 0);
	ider_client_feed(&C, b, n);
}

static void feed(struct ider_msg *m)
{
	uint8_t b[128];
	size_t n;
	m->seq = amt_seq++;
	assert_int_equal(ider_encode(m, b, sizeof(b), &n), 0);
	ider_client_feed(&C, b, n);
}

/* The next message the client sent, decoded. */
static size_t taken;
static void next_out(struct ider_msg *m)
{
	size_t fl;
	assert_int_equal(ider_frame_length(out + taken, out_len - taken, IDER_FROM_CONSOLE, &fl), 0);
	assert_int_equal(ider_decode(out + taken, fl, IDER_FROM_CONSOLE, m), 0);
	taken += fl;
}

static void command(uint8_t ata, const uint8_t cdb[12])
{
	struct ider_msg m = {.type = IDER_COMMAND};
	m.u.command.drive = IDER_DEV_CDROM;
	m.u.command.command = ata;
	memcpy(m.u.command.cdb, cdb, 12);
	feed(&m);
}

/* Through authentication and the open, to running. */
static int setup(void **state)
{
	struct redir_msg r;
	struct ider_msg m;
	uint8_t plain = REDIR_AUTH_PLAIN;
	(void)state;
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + i / 2048);
	out_len = taken = 0;
	ready = resets = amt_errors = 0;
	amt_seq = 0;
	ider_client_free(&C);
	assert_int_equal(ider_client_init(&C, &ops, NULL, "admin", "P@ssw0rd", true, true,
					  sizeof(image), IDER_START_ONREBOOT),
			 0);
	ider_client_start(&C);
	assert_memory_equal(out, "\x10\x00\x00\x00IDER", 8);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_START_SESSION_REPLY;
	feed_redir(&r);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_QUERY;
	r.u.auth.len = 1;
	r.u.auth.data = &plain;
	feed_redir(&r);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_PLAIN;
	size_t before = out_len;
	feed_redir(&r);
	assert_int_equal(C.state, IDER_C_OPENING);
	taken = before;
	next_out(&m);
	assert_int_equal(m.type, IDER_OPEN);
	assert_int_equal(m.u.open.rx_timeout_ms, IDER_CLIENT_RX_TIMEOUT_MS);
	assert_int_equal(m.u.open.heartbeat_ms, IDER_CLIENT_HEARTBEAT_MS);
	assert_int_equal(m.u.open.version, 1);
	memset(&m, 0, sizeof(m));
	m.type = IDER_OPEN_REPLY;
	m.u.open_reply.read_buffer = 4096; /* smaller than ours: chunks follow it */
	feed(&m);
	next_out(&m);
	assert_int_equal(m.type, IDER_FEATURES);
	assert_int_equal(m.u.features.sub, IDER_FEAT_SET_STATE);
	assert_int_equal(m.u.features.value, IDER_FEAT_ENABLE | IDER_START_ONREBOOT);
	memset(&m, 0, sizeof(m));
	m.type = IDER_FEATURES_REPLY;
	m.u.features.sub = IDER_FEAT_SET_STATE;
	m.u.features.value = 1;
	feed(&m);
	assert_int_equal(C.state, IDER_C_RUNNING);
	assert_int_equal(ready, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ider_client_free(&C);
	return 0;
}

static void t_serve(void **state)
{
	struct ider_msg m = {.type = IDER_RESET};
	static const uint8_t tur[12] = {SCSI_TEST_UNIT_READY};
	static const uint8_t read3[12] = {SCSI_READ10, 0, 0, 0, 0, 2, 0, 0, 3};
	(void)state;
	feed(&m);
	assert_int_equal(resets, 1);
	next_out(&m);
	assert_int_equal(m.type, IDER_RESET_REPLY);
	command(ATA_CMD_PACKET, tur);
	next_out(&m);
	assert_int_equal(m.type, IDER_COMMAND_END);
	assert_true(ider_reports_error(&m));
	assert_int_equal(m.u.xfer.sense, SENSE_UNIT_ATTENTION);
	assert_int_equal(m.u.xfer.asc, 0x29); /* the reset AMT told us about */
	command(ATA_CMD_PACKET, tur);
	next_out(&m);
	assert_false(ider_reports_error(&m));
	command(ATA_CMD_PACKET, read3);
	while (C.reading)
		ider_client_pump(&C, 1u << 20);
	size_t got = 0;
	for (int i = 0; i < 2; i++) { /* 6144 bytes in chunks of 4096: two messages */
		next_out(&m);
		assert_int_equal(m.type, IDER_DATA_TO_HOST);
		assert_int_equal(m.u.xfer.transfer_bytes, i == 0 ? 4096 : 2048);
		assert_int_equal(m.attributes, i == 1 ? IDER_ATTR_COMPLETED : 0);
		assert_memory_equal(m.u.xfer.data, image + 2 * 2048 + got, m.u.xfer.transfer_bytes);
		got += m.u.xfer.transfer_bytes;
	}
	assert_int_equal(C.blocks, 3);
	assert_int_equal(C.bytes, 6144);
	command(0xEC, tur); /* ATA IDENTIFY: not a packet command */
	next_out(&m);
	assert_int_equal(m.type, IDER_COMMAND_END);
	assert_int_equal(m.u.xfer.out.error, IDER_ERR_ABRT);
	assert_true(ider_reports_error(&m));
	memset(&m, 0, sizeof(m));
	m.type = IDER_HEARTBEAT;
	feed(&m);
	next_out(&m);
	assert_int_equal(m.type, IDER_HEARTBEAT);
	m.type = IDER_PING;
	feed(&m);
	next_out(&m);
	assert_int_equal(m.type, IDER_PONG);
	m.type = IDER_ERROR; /* logged, the session goes on */
	feed(&m);
	assert_int_equal(amt_errors, 1);
	assert_int_equal(C.state, IDER_C_RUNNING);
	assert_int_equal(C.commands, 4);
	ider_client_stop(&C);
	next_out(&m);
	assert_int_equal(m.type, IDER_CLOSE);
	memset(&m, 0, sizeof(m));
	m.type = IDER_CLOSE_REPLY;
	feed(&m);
	assert_int_equal(C.state, IDER_C_CLOSED);
	assert_false(C.closed_by_amt);
	assert_memory_equal(out + taken, "\x12\x00\x00\x00", 4); /* EndRedirectionSession */
}

static void t_protocol_errors(void **state)
{
	struct ider_msg m = {.type = IDER_HEARTBEAT};
	(void)state;
	amt_seq += 3; /* AMT skips numbers: MeshCentral stops, so do we */
	feed(&m);
	assert_int_equal(C.state, IDER_C_FAILED);
	assert_int_equal(C.failure, SOL_F_PROTOCOL);
	assert_non_null(strstr(C.why, "out of sequence"));
	setup(NULL);
	memset(&m, 0, sizeof(m));
	m.type = IDER_DATA_FROM_HOST;
	feed(&m);
	assert_int_equal(C.state, IDER_C_FAILED);
	assert_non_null(strstr(C.why, "never asked for"));
	setup(NULL);
	ider_client_feed(&C, (const uint8_t *)"\x54", 1); /* a console's message from AMT */
	assert_int_equal(C.state, IDER_C_FAILED);
	assert_non_null(strstr(C.why, "could not be understood"));
	setup(NULL);
	memset(&m, 0, sizeof(m));
	m.type = IDER_CLOSE_REPLY; /* AMT ends it unasked */
	feed(&m);
	assert_int_equal(C.state, IDER_C_CLOSED);
	assert_true(C.closed_by_amt);
}

static void t_refusals(void **state)
{
	struct redir_msg r;
	struct ider_msg m;
	uint8_t plain = REDIR_AUTH_PLAIN;
	(void)state;
	ider_client_free(&C);
	ider_client_init(&C, &ops, NULL, "admin", "pw", true, false, 1474560, IDER_START_GRACEFUL);
	ider_client_start(&C);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_START_SESSION_REPLY;
	r.status = 1; /* IDE-R disabled */
	feed_redir(&r);
	assert_int_equal(C.state, IDER_C_FAILED);
	assert_int_equal(C.failure, SOL_F_REFUSED);
	assert_non_null(strstr(C.why, "IDE-R"));
	/* another session open: the 0x41 says so */
	ider_client_free(&C);
	ider_client_init(&C, &ops, NULL, "admin", "pw", true, false, 1474560, IDER_START_GRACEFUL);
	amt_seq = 0;
	ider_client_start(&C);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_START_SESSION_REPLY;
	feed_redir(&r);
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_QUERY;
	r.u.auth.len = 1;
	r.u.auth.data = &plain;
	feed_redir(&r);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_PLAIN;
	r.status = 1;
	feed_redir(&r);
	assert_int_equal(C.failure, SOL_F_AUTH);
	ider_client_free(&C);
	ider_client_init(&C, &ops, NULL, "admin", "pw", true, false, 1474560, IDER_START_GRACEFUL);
	amt_seq = 0;
	ider_client_start(&C);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_START_SESSION_REPLY;
	feed_redir(&r);
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_QUERY;
	r.u.auth.len = 1;
	r.u.auth.data = &plain;
	feed_redir(&r);
	memset(&r, 0, sizeof(r));
	r.type = REDIR_AUTH_REPLY;
	r.u.auth.type = REDIR_AUTH_PLAIN;
	feed_redir(&r);
	memset(&m, 0, sizeof(m));
	m.type = IDER_OPEN_REPLY;
	m.status = 1;
	feed(&m);
	assert_int_equal(C.state, IDER_C_FAILED);
	assert_int_equal(C.failure, SOL_F_REFUSED);
	assert_non_null(strstr(C.why, "another IDE-R session"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_serve, setup, teardown),
		cmocka_unit_test_setup_teardown(t_protocol_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
