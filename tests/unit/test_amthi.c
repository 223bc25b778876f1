// SPDX-License-Identifier: Apache-2.0
/*
 * test_amthi.c - unit tests for heci/amthi.c, the AMTHI session layer, over
 * the real heci.c core and a scripted firmware backend defined here (each
 * request is answered by the next step of a script: a status, raw bytes, or
 * a transport error on write, on read or at reconnect).
 *
 * Owns: the retry policy (NOT_READY retried only as configured and with the
 * configured wait, other refusals returned at once; an ME reset answered by
 * one reconnect and one resend; a reconnect that fails), the transaction
 * lock (held around every write+read pair, retries included, never while
 * sleeping or reconnecting, always released), the request bytes the typed
 * calls send, the buffer sized by the client's MTU, timeouts passed down,
 * and the transaction counters.
 * Must not: assert upper bounds on timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "amthi.h"
#include "heci_time.h"

#define MAX_STEPS 16

enum step_kind {
	STEP_STATUS,    /* well-formed response: status + body */
	STEP_RAW,       /* these bytes as the response */
	STEP_WRITE_ERR, /* the write fails with err */
	STEP_READ_ERR,  /* the write succeeds, the read fails with err */
};

struct step {
	enum step_kind kind;
	amt_status_t status;
	const uint8_t *bytes; /* STEP_STATUS: body; STEP_RAW: the message */
	size_t len;
	int err;
};

/* The scripted firmware and everything it saw. */
static struct {
	struct step steps[MAX_STEPS];
	size_t nsteps, next;
	int connect_rc[MAX_STEPS]; /* outcome of each connect, 0 past the end */
	size_t nconnect_rc;
	uint32_t mtu;
	unsigned opens, connects, closes, writes, reads;
	uint8_t req[1024];
	size_t req_len;
	uint32_t req_cmd[MAX_STEPS]; /* command of each write */
	int write_timeout, read_timeout;
	uint8_t reply[1024];
	size_t reply_len;
	int reply_err;
	/* the transaction lock */
	bool lock_held;
	unsigned acquires, releases, io_unlocked, connect_locked, double_acquire;
} fw;

static void lock_cb(void *arg, bool acquire)
{
	assert_ptr_equal(arg, &fw);
	if (acquire) {
		if (fw.lock_held)
			fw.double_acquire++;
		fw.lock_held = true;
		fw.acquires++;
	} else {
		assert_true(fw.lock_held);
		fw.lock_held = false;
		fw.releases++;
	}
}

static int fake_open(struct heci *h, const char *path)
{
	(void)h;
	assert_string_equal(path, "fake-mei");
	fw.opens++;
	return 0;
}

static int fake_connect(struct heci *h, const struct heci_guid *guid, uint32_t *mtu,
			uint8_t *ver)
{
	(void)h;
	assert_memory_equal(guid->b, HECI_GUID_AMTHI.b, 16);
	if (fw.lock_held)
		fw.connect_locked++;
	int rc = fw.connects < fw.nconnect_rc ? fw.connect_rc[fw.connects] : 0;
	fw.connects++;
	*mtu = fw.mtu;
	*ver = 1;
	return rc;
}

static int fake_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms)
{
	(void)h;
	if (!fw.lock_held)
		fw.io_unlocked++;
	assert_true(len <= sizeof(fw.req));
	memcpy(fw.req, buf, len);
	fw.req_len = len;
	fw.write_timeout = timeout_ms;
	assert_true(len >= AMTHI_HDR_LEN);
	uint32_t cmd = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 |
		       (uint32_t)buf[7] << 24;
	if (fw.writes < MAX_STEPS)
		fw.req_cmd[fw.writes] = cmd;
	fw.writes++;
	assert_true(fw.next < fw.nsteps); /* the script covers every request */
	const struct step *s = &fw.steps[fw.next++];
	fw.reply_err = 0;
	fw.reply_len = 0;
	switch (s->kind) {
	case STEP_WRITE_ERR:
		return s->err;
	case STEP_READ_ERR:
		fw.reply_err = s->err;
		return 0;
	case STEP_RAW:
		if (s->len)
			memcpy(fw.reply, s->bytes, s->len);
		fw.reply_len = s->len;
		return 0;
	case STEP_STATUS:
		assert_int_equal(amthi_encode_response(fw.reply, sizeof(fw.reply), cmd, s->status,
						       s->bytes, s->len, &fw.reply_len),
				 0);
		return 0;
	}
	return HECI_E_IO;
}

static int fake_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms)
{
	(void)h;
	if (!fw.lock_held)
		fw.io_unlocked++;
	fw.reads++;
	fw.read_timeout = timeout_ms;
	if (fw.reply_err)
		return fw.reply_err;
	assert_true(fw.reply_len <= cap);
	memcpy(buf, fw.reply, fw.reply_len);
	*out_len = fw.reply_len;
	return 0;
}

static void fake_close(struct heci *h)
{
	(void)h;
	fw.closes++;
}

static const struct heci_backend fake_backend = {
	.name = "scripted",
	.open = fake_open,
	.connect = fake_connect,
	.write = fake_write,
	.read = fake_read,
	.close = fake_close,
};

static struct heci *g_h;
static struct amthi g_s;

static void add_step(enum step_kind kind, amt_status_t status, const void *bytes, size_t len,
		     int err)
{
	assert_true(fw.nsteps < MAX_STEPS);
	fw.steps[fw.nsteps++] = (struct step){kind, status, bytes, len, err};
}

static void ok_u32(const uint8_t body[4]) { add_step(STEP_STATUS, AMT_STATUS_SUCCESS, body, 4, 0); }
static void refuse(amt_status_t st) { add_step(STEP_STATUS, st, NULL, 0, 0); }

/* Open a session with opts (lock wired to the fake unless use_lock is false). */
static int open_session(struct amthi_opts *o, bool use_lock)
{
	if (use_lock) {
		o->txn_lock = lock_cb;
		o->txn_lock_arg = &fw;
	}
	return amthi_open(&g_s, g_h, o);
}

static int setup(void **state)
{
	(void)state;
	memset(&fw, 0, sizeof(fw));
	memset(&g_s, 0, sizeof(g_s));
	fw.mtu = 512;
	struct heci_opts ho = {.backend = &fake_backend, .device = "fake-mei"};
	g_h = heci_new(&ho);
	assert_non_null(g_h);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	amthi_close(&g_s);
	heci_free(g_h);
	g_h = NULL;
	assert_false(fw.lock_held);                 /* every acquire was released */
	assert_int_equal(fw.acquires, fw.releases);
	assert_int_equal(fw.double_acquire, 0);
	return 0;
}

static const uint8_t post[4] = {2, 0, 0, 0};

/* ---- NOT_READY ---- */

static void test_not_ready_retried_then_success(void **state)
{
	(void)state;
	struct amthi_opts o = {.not_ready_retries = 3, .not_ready_wait_ms = 20};
	uint32_t v = 0;

	refuse(AMT_STATUS_NOT_READY);
	refuse(AMT_STATUS_NOT_READY);
	ok_u32(post);
	assert_int_equal(open_session(&o, true), 0);
	int64_t t0 = heci_mono_ms();
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), 0);
	int64_t took = heci_mono_ms() - t0;
	assert_int_equal(v, AMT_PROVISIONING_POST);
	assert_int_equal(fw.writes, 3);
	assert_int_equal(g_s.transactions, 3); /* each refusal was a whole exchange */
	assert_int_equal(g_s.last_status, AMT_STATUS_SUCCESS);
	assert_true(took >= 2 * 20);           /* waited between attempts */
	assert_int_equal(fw.acquires, 3);      /* the lock per attempt, not across the waits */
	assert_int_equal(fw.io_unlocked, 0);
	assert_int_equal(fw.connects, 1);      /* NOT_READY is not a reset */
}

static void test_not_ready_retries_run_out(void **state)
{
	(void)state;
	struct amthi_opts o = {.not_ready_retries = 1, .not_ready_wait_ms = 1};
	uint32_t v = 0xAA;

	refuse(AMT_STATUS_NOT_READY);
	refuse(AMT_STATUS_NOT_READY);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), HECI_E_FW_STATUS);
	assert_int_equal(fw.writes, 2); /* 1 + not_ready_retries */
	assert_int_equal(g_s.last_status, AMT_STATUS_NOT_READY);
	assert_int_equal(g_s.last_cmd, AMTHI_GET_PROVISIONING_STATE);
	assert_int_equal(v, 0xAA); /* nothing decoded from a refusal */
}

static void test_not_ready_not_retried_by_default(void **state)
{
	(void)state;
	uint32_t v;

	refuse(AMT_STATUS_NOT_READY);
	assert_int_equal(open_session(&(struct amthi_opts){0}, false), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_FW_STATUS);
	assert_int_equal(fw.writes, 1);
	assert_int_equal(g_s.last_status, AMT_STATUS_NOT_READY);
}

static void test_other_refusals_not_retried(void **state)
{
	(void)state;
	struct amthi_opts o = {.not_ready_retries = 5, .not_ready_wait_ms = 1, .reset_retries = 3};
	uint8_t uuid[16];

	refuse(AMT_STATUS_NOT_PERMITTED);
	refuse(AMT_STATUS_INTERNAL_ERROR);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_uuid(&g_s, uuid), HECI_E_FW_STATUS);
	assert_int_equal(g_s.last_status, AMT_STATUS_NOT_PERMITTED);
	assert_int_equal(fw.writes, 1);
	assert_int_equal(amthi_start_configuration(&g_s), HECI_E_FW_STATUS);
	assert_int_equal(g_s.last_status, AMT_STATUS_INTERNAL_ERROR);
	assert_int_equal(fw.writes, 2);
	assert_int_equal(fw.connects, 1);
}

/* ---- ME reset ---- */

static void test_reset_on_read_reconnects_and_resends(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 1};
	uint32_t v = 0;

	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	ok_u32(post);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), 0);
	assert_int_equal(v, AMT_PROVISIONING_POST);
	assert_int_equal(fw.writes, 2);                /* the request went out again */
	assert_int_equal(fw.req_cmd[0], AMTHI_GET_PROVISIONING_STATE);
	assert_int_equal(fw.req_cmd[1], AMTHI_GET_PROVISIONING_STATE);
	assert_int_equal(fw.connects, 2);              /* one reconnect */
	assert_int_equal(fw.opens, 2);
	assert_int_equal(g_s.resets_seen, 1);
	assert_int_equal(g_s.transactions, 1);         /* the lost one is not counted */
	assert_int_equal(fw.connect_locked, 0);        /* reconnect outside the lock */
	assert_int_equal(fw.acquires, 2);
}

static void test_reset_on_write_reconnects_and_resends(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 1};
	uint8_t uuid[16];
	static const uint8_t want[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	add_step(STEP_WRITE_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, want, 16, 0);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_uuid(&g_s, uuid), 0);
	assert_memory_equal(uuid, want, 16);
	assert_int_equal(fw.writes, 2);
	assert_int_equal(fw.connects, 2);
	assert_int_equal(g_s.resets_seen, 1);
}

static void test_second_reset_is_returned(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 1};
	uint32_t v;

	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_DISCONNECTED);
	assert_int_equal(fw.writes, 2); /* one resend, not more */
	assert_int_equal(fw.connects, 2);
	assert_int_equal(g_s.resets_seen, 1);

	/* the budget is per call: the next call may resend once again */
	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	ok_u32(post);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), 0);
	assert_int_equal(fw.writes, 4);
	assert_int_equal(g_s.resets_seen, 2);
}

static void test_no_resend_without_reset_retries(void **state)
{
	(void)state;
	uint32_t v;

	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	assert_int_equal(open_session(&(struct amthi_opts){.read_timeout_ms = 100}, true), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_DISCONNECTED);
	assert_int_equal(fw.writes, 1);
	assert_int_equal(fw.connects, 1);
	assert_int_equal(g_s.resets_seen, 0);
}

static void test_reconnect_failure(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 1};
	uint32_t v;

	/* connects: open, reconnect (ME not back yet), open again, reconnect (AMT gone) */
	fw.connect_rc[1] = HECI_E_NOT_READY;
	fw.connect_rc[3] = HECI_E_CLIENT_NOT_FOUND;
	fw.nconnect_rc = 4;

	/* the ME is not back yet: still the reset the caller sees */
	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_DISCONNECTED);
	assert_int_equal(fw.writes, 1);
	assert_int_equal(fw.connects, 2);
	/* the session stays down until it is opened again: nothing is written */
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_NOT_CONNECTED);
	assert_int_equal(fw.writes, 1);
	assert_int_equal(fw.connects, 2);
	amthi_close(&g_s);

	/* after the reset AMT is gone: that is what the caller sees */
	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_DISCONNECTED);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_CLIENT_NOT_FOUND);
	assert_int_equal(fw.writes, 2);
	assert_int_equal(fw.connects, 4);
}

static void test_other_transport_errors_not_retried(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 3, .not_ready_retries = 3};
	uint32_t v;

	add_step(STEP_READ_ERR, 0, NULL, 0, HECI_E_TIMEOUT);
	add_step(STEP_WRITE_ERR, 0, NULL, 0, HECI_E_BUSY);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_TIMEOUT);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_BUSY);
	assert_int_equal(fw.writes, 2);
	assert_int_equal(fw.connects, 1);
	assert_int_equal(g_s.transactions, 0);
}

/* ---- malformed replies, sizes, request bytes ---- */

static void test_malformed_reply_passed_through(void **state)
{
	(void)state;
	struct amthi_opts o = {.reset_retries = 1, .not_ready_retries = 3};
	uint32_t v;
	/* a GetControlMode reply to GetProvisioningState */
	static const uint8_t wrong_cmd[] = {0x01, 0x01, 0x00, 0x00, 0x6B, 0x00, 0x80, 0x04,
					    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					    0x02, 0x00, 0x00, 0x00};
	static const uint8_t five_byte_body[] = {1, 2, 3, 4, 5};

	add_step(STEP_RAW, 0, wrong_cmd, sizeof(wrong_cmd), 0);
	add_step(STEP_RAW, 0, NULL, 0, 0); /* empty message */
	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, five_byte_body, sizeof(five_byte_body), 0);
	assert_int_equal(open_session(&o, true), 0);
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), HECI_E_BAD_COMMAND);
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), HECI_E_EMPTY);
	/* the envelope is fine, the body is not: the codec's error */
	assert_int_equal(amthi_get_provisioning_state(&g_s, &v), HECI_E_TRAILING);
	assert_int_equal(fw.writes, 3); /* nothing retried */
	assert_int_equal(g_s.transactions, 1);
}

static void test_request_bytes_of_typed_calls(void **state)
{
	(void)state;
	static const uint8_t lan_body[20] = {1, 0, 0, 0, 0x01, 0x00, 0x00, 0x0A, 1, 0, 0, 0,
					     1, 1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t account[66] = {'u', 0};
	struct amt_lan_settings lan;
	struct amt_local_account acct;

	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, lan_body, sizeof(lan_body), 0);
	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, account, sizeof(account), 0);
	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, NULL, 0, 0);
	assert_int_equal(open_session(&(struct amthi_opts){0}, false), 0);

	assert_int_equal(amthi_get_lan_settings(&g_s, AMT_LAN_WIRELESS, &lan), 0);
	static const uint8_t lan_req[] = {0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x00, 0x04,
					  0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	assert_int_equal(fw.req_len, sizeof(lan_req));
	assert_memory_equal(fw.req, lan_req, sizeof(lan_req));
	assert_int_equal(lan.ipv4, 0x0A000001u);
	assert_true(lan.enabled);

	assert_int_equal(amthi_get_local_system_account(&g_s, &acct), 0);
	assert_int_equal(fw.req_len, AMTHI_HDR_LEN + AMT_LOCAL_ACCOUNT_REQ_LEN);
	for (size_t i = AMTHI_HDR_LEN; i < fw.req_len; i++)
		assert_int_equal(fw.req[i], 0); /* 40 reserved zero bytes */
	assert_string_equal(acct.username, "u");

	assert_int_equal(amthi_start_configuration_ex(&g_s, true), 0);
	static const uint8_t ex_req[] = {0x01, 0x01, 0x00, 0x00, 0x62, 0x00, 0x00, 0x04,
					 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
	assert_int_equal(fw.req_len, sizeof(ex_req));
	assert_memory_equal(fw.req, ex_req, sizeof(ex_req));
}

static void test_request_larger_than_mtu(void **state)
{
	(void)state;
	static uint8_t big[200];
	const uint8_t *resp;
	size_t rlen;

	fw.mtu = 64; /* the session buffer is the client's MTU */
	assert_int_equal(open_session(&(struct amthi_opts){0}, true), 0);
	assert_int_equal(g_s.cap, 64);
	assert_int_equal(amthi_call(&g_s, AMTHI_GET_UUID, big, sizeof(big), &resp, &rlen),
			 HECI_E_TOO_BIG);
	assert_int_equal(fw.writes, 0);
	/* exactly the MTU still goes out */
	add_step(STEP_STATUS, AMT_STATUS_SUCCESS, NULL, 0, 0);
	assert_int_equal(amthi_call(&g_s, AMTHI_GET_UUID, big, 64 - AMTHI_HDR_LEN, &resp, &rlen), 0);
	assert_int_equal(fw.req_len, 64);
	assert_int_equal(rlen, 0);
}

/* ---- options, lifecycle ---- */

static void test_timeouts_default_and_configured(void **state)
{
	(void)state;
	uint32_t v;

	ok_u32(post);
	ok_u32(post);
	assert_int_equal(open_session(NULL, false), 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), 0);
	assert_int_equal(fw.write_timeout, 5000);  /* intel/lms */
	assert_int_equal(fw.read_timeout, 15000);
	amthi_close(&g_s);
	assert_int_equal(open_session(&(struct amthi_opts){.write_timeout_ms = 111,
							   .read_timeout_ms = 222},
				      false),
			 0);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), 0);
	assert_int_equal(fw.write_timeout, 111);
	assert_int_equal(fw.read_timeout, 222);
}

static void test_open_failure_and_closed_session(void **state)
{
	(void)state;
	uint32_t v;

	fw.connect_rc[0] = HECI_E_CLIENT_NOT_FOUND;
	fw.nconnect_rc = 1;
	assert_int_equal(open_session(&(struct amthi_opts){0}, true), HECI_E_CLIENT_NOT_FOUND);
	assert_null(g_s.buf);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_NOT_CONNECTED);
	assert_int_equal(fw.writes, 0);
	assert_int_equal(fw.acquires, 0);

	assert_int_equal(open_session(&(struct amthi_opts){0}, true), 0);
	unsigned closes = fw.closes;
	amthi_close(&g_s);
	assert_true(fw.closes > closes); /* close disconnects */
	assert_null(g_s.buf);
	assert_int_equal(amthi_get_control_mode(&g_s, &v), HECI_E_NOT_CONNECTED);
	amthi_close(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_not_ready_retried_then_success),
		T(test_not_ready_retries_run_out),
		T(test_not_ready_not_retried_by_default),
		T(test_other_refusals_not_retried),
		T(test_reset_on_read_reconnects_and_resends),
		T(test_reset_on_write_reconnects_and_resends),
		T(test_second_reset_is_returned),
		T(test_no_resend_without_reset_retries),
		T(test_reconnect_failure),
		T(test_other_transport_errors_not_retried),
		T(test_malformed_reply_passed_through),
		T(test_request_bytes_of_typed_calls),
		T(test_request_larger_than_mtu),
		T(test_timeouts_default_and_configured),
		T(test_open_failure_and_closed_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
