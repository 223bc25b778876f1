// SPDX-License-Identifier: Apache-2.0
/*
 * test_heci_linux.c - unit tests for the libheci transport: the real heci.c
 * core and heci_linux.c backend over the scripted device of
 * heci_linux_test.h. Covers the IOCTL_MEI_CONNECT_CLIENT argument and
 * result, EBUSY retries, EINTR handling, bounded waits, ME-reset detection,
 * reconnect and cancellation via the (real) cancel pipe. Probing is in
 * test_heci_probe.c, the other backends in test_heci_backends.c.
 */
#include "heci_linux_test.h"

/* ---- connect ---- */

static void test_connect_success_copies_guid(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", 1000);
	script_ioctl_ok(5120, 3);

	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_int_equal(g_ioctl_calls, 1);
	assert_int_equal(g_ioctl_fd, 1000);
	assert_true(g_ioctl_req == IOCTL_MEI_CONNECT_CLIENT);
	assert_memory_equal(g_ioctl_in[0], amthi_bytes, 16);
	assert_memory_equal(HECI_GUID_AMTHI.b, amthi_bytes, 16);
	assert_int_equal(heci_max_msg_len(h), 5120);
	assert_int_equal(heci_protocol_version(h), 3);
	assert_string_equal(heci_device_path(h), "/dev/mei0");
	assert_int_equal(g_close_calls, 0);

	heci_disconnect(h);
	assert_int_equal(g_close_calls, 1);
	heci_disconnect(h); /* idempotent */
	assert_int_equal(g_close_calls, 1);
}

static void test_connect_other_guids(void **state)
{
	(void)state;
	static const uint8_t lme[16] = {0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
					0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7};
	static const uint8_t mkhi[16] = {0x15, 0x67, 0x6a, 0x8e, 0xbc, 0x9a, 0x43, 0x40,
					 0x88, 0xef, 0x9e, 0x39, 0xc6, 0xf6, 0x3e, 0x0f};
	struct heci *h = new_handle("/dev/mei0", 0);

	script_open("/dev/mei0", 1000);
	script_ioctl_ok(4096, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_LME), HECI_OK);
	/* connecting again drops the first connection first */
	script_open("/dev/mei0", 1001);
	script_ioctl_ok(512, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_MKHI), HECI_OK);
	assert_int_equal(g_close_calls, 1);
	assert_false(is_fake_open(1000));
	assert_memory_equal(g_ioctl_in[0], lme, 16);
	assert_memory_equal(g_ioctl_in[1], mkhi, 16);
	assert_int_equal(heci_max_msg_len(h), 512);
}

static void test_connect_zero_mtu_is_error(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 0);
	script_open("/dev/mei0", 1000);
	script_ioctl_ok(0, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_IO);
	assert_int_equal(heci_last_errno(h), EPROTO);
	assert_false(is_fake_open(1000));
	uint8_t b[4];
	size_t n;
	assert_int_equal(heci_read(h, b, sizeof(b), &n, 0), HECI_E_NOT_CONNECTED);
}

static void test_connect_enotty_not_retried(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 5);
	script_open("/dev/mei0", 1000);
	script_ioctl_err(ENOTTY);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_CLIENT_NOT_FOUND);
	assert_int_equal(g_open_calls, 1);
	assert_int_equal(g_ioctl_calls, 1);
	assert_int_equal(heci_last_errno(h), ENOTTY);
	assert_false(is_fake_open(1000));
}

static void test_connect_ebusy_retries_then_busy(void **state)
{
	(void)state;
	const unsigned retries = 3;
	struct heci *h = new_handle("/dev/mei0", retries);
	/* one first attempt plus `retries` retries, each on a fresh fd */
	for (unsigned i = 0; i <= retries; i++) {
		script_open("/dev/mei0", 1000 + (int)i);
		script_ioctl_err(EBUSY);
	}
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_BUSY);
	assert_int_equal(g_open_calls, retries + 1);
	assert_int_equal(g_ioctl_calls, retries + 1);
	assert_int_equal(g_close_calls, retries + 1);
	for (unsigned i = 0; i <= retries; i++)
		assert_memory_equal(g_ioctl_in[i], amthi_bytes, 16);
	assert_int_equal(heci_last_errno(h), EBUSY);
}

static void test_connect_ebusy_then_success(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 3);
	script_open("/dev/mei0", 1000);
	script_ioctl_err(EBUSY);
	script_open("/dev/mei0", 1001);
	script_ioctl_ok(4096, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_int_equal(g_ioctl_calls, 2);
	assert_false(is_fake_open(1000));
	assert_true(is_fake_open(1001));
	assert_int_equal(g_ioctl_fd, 1001);
	assert_int_equal(heci_max_msg_len(h), 4096);
}

static void test_eintr_retried_everywhere(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 0);
	script_open("/dev/mei0", -EINTR);
	script_open("/dev/mei0", 1000);
	script_ioctl_err(EINTR);
	script_ioctl_ok(64, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_int_equal(g_ioctl_calls, 2);
	assert_memory_equal(g_ioctl_in[1], amthi_bytes, 16); /* the retry sends the GUID again */

	static const uint8_t msg[3] = {1, 2, 3};
	will_return(__wrap_poll, POLL_FAIL(EINTR));
	will_return(__wrap_poll, POLLOUT);
	will_return(__wrap_write, -EINTR);
	will_return(__wrap_write, WRITE_ALL);
	assert_int_equal(heci_write(h, msg, sizeof(msg), 1000), HECI_OK);
	assert_int_equal(g_write_calls, 2);
	assert_int_equal(g_poll_calls, 2);
	/* the retried poll waits no longer than what is left */
	assert_in_range(g_poll_timeouts[1], 0, g_poll_timeouts[0]);

	uint8_t buf[64];
	size_t n = 99;
	will_return(__wrap_poll, POLL_FAIL(EINTR));
	will_return(__wrap_poll, POLLIN);
	will_return(__wrap_read, -EINTR);
	script_read(msg, sizeof(msg));
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 1000), HECI_OK);
	assert_int_equal(n, sizeof(msg));
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_int_equal(g_read_calls, 2);
}

/* ---- write ---- */

static void test_write_too_big_never_calls_write(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 16);
	uint8_t msg[17] = {0};
	assert_int_equal(heci_write(h, msg, sizeof(msg), -1), HECI_E_TOO_BIG);
	assert_int_equal(heci_write(h, msg, sizeof(msg), 100), HECI_E_TOO_BIG);
	assert_int_equal(g_write_calls, 0);
	assert_int_equal(g_poll_calls, 0);

	/* exactly the MTU is fine */
	will_return(__wrap_write, WRITE_ALL);
	assert_int_equal(heci_write(h, msg, 16, -1), HECI_OK);
	assert_int_equal(g_write_calls, 1);
	assert_int_equal(g_written_len, 16);
}

static void test_write_efbig(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[8] = {1};
	will_return(__wrap_write, -EFBIG);
	assert_int_equal(heci_write(h, msg, sizeof(msg), -1), HECI_E_TOO_BIG);
	assert_int_equal(heci_last_errno(h), EFBIG);
}

static void test_write_short_is_error(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	will_return(__wrap_write, 7);
	assert_int_equal(heci_write(h, msg, sizeof(msg), -1), HECI_E_IO);
	assert_int_equal(heci_last_errno(h), EIO);
}

static void test_write_errors_after_connect(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[4] = {1, 2, 3, 4};
	will_return(__wrap_write, -ENODEV);
	assert_int_equal(heci_write(h, msg, sizeof(msg), -1), HECI_E_DISCONNECTED);
	assert_int_equal(heci_last_errno(h), ENODEV);
	will_return(__wrap_poll, 0);
	assert_int_equal(heci_write(h, msg, sizeof(msg), 5), HECI_E_TIMEOUT);
	assert_int_equal(g_write_calls, 1); /* the timed-out write never reached write() */
	will_return(__wrap_poll, POLLERR);
	assert_int_equal(heci_write(h, msg, sizeof(msg), 5), HECI_E_DISCONNECTED);
}

static void test_write_sends_one_message(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[6] = {0x01, 0x01, 0x1a, 0x00, 0x00, 0x04};
	/* no timeout: no poll */
	will_return(__wrap_write, WRITE_ALL);
	assert_int_equal(heci_write(h, msg, sizeof(msg), -1), HECI_OK);
	assert_int_equal(g_poll_calls, 0);
	assert_int_equal(g_write_fd, 1000);
	assert_int_equal(g_written_len, sizeof(msg));
	assert_memory_equal(g_written, msg, sizeof(msg));
	/* with a timeout: wait for POLLOUT on the device first */
	will_return(__wrap_poll, POLLOUT);
	will_return(__wrap_write, WRITE_ALL);
	assert_int_equal(heci_write(h, msg, sizeof(msg), 250), HECI_OK);
	assert_int_equal(g_poll_calls, 1);
	assert_int_equal(g_poll_events, POLLOUT);
	assert_int_equal(g_poll_dev_fd, 1000);
	assert_in_range(g_poll_timeouts[0], 0, 250);
	assert_int_equal(g_write_calls, 2);
}

static void test_write_read_not_connected(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 0);
	uint8_t b[4] = {0};
	size_t n;
	assert_int_equal(heci_write(h, b, sizeof(b), 0), HECI_E_NOT_CONNECTED);
	assert_int_equal(heci_read(h, b, sizeof(b), &n, 0), HECI_E_NOT_CONNECTED);
	assert_int_equal(heci_write(NULL, b, sizeof(b), 0), HECI_E_INVALID_ARG);
	assert_int_equal(heci_write(h, NULL, 1, 0), HECI_E_INVALID_ARG);
	assert_int_equal(heci_read(h, NULL, 4, &n, 0), HECI_E_INVALID_ARG);
	assert_int_equal(heci_read(h, b, 0, &n, 0), HECI_E_INVALID_ARG);
	assert_int_equal(heci_read(h, b, sizeof(b), NULL, 0), HECI_E_INVALID_ARG);
	assert_int_equal(heci_connect(h, NULL), HECI_E_INVALID_ARG);
	assert_int_equal(heci_connect(NULL, &HECI_GUID_AMTHI), HECI_E_INVALID_ARG);
	assert_int_equal(heci_reconnect(h), HECI_E_INVALID_ARG); /* never connected */
	assert_int_equal(heci_reconnect(NULL), HECI_E_INVALID_ARG);
	assert_int_equal(g_write_calls + g_read_calls + g_open_calls, 0);
	heci_cancel(h); /* nothing opened yet: must not crash */
	heci_cancel(NULL);
	heci_disconnect(NULL);
	heci_free(NULL);
	assert_int_equal(heci_max_msg_len(NULL), 0);
	assert_int_equal(heci_last_errno(NULL), 0);
}

/* ---- read ---- */

static void test_read_one_message(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[7] = {0x01, 0x01, 0x1a, 0x04, 0x0c, 0x00, 0x00};
	uint8_t buf[4096];
	memset(buf, 0xAA, sizeof(buf));
	size_t n = 12345;
	will_return(__wrap_poll, POLLIN);
	script_read(msg, sizeof(msg));
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 500), HECI_OK);
	assert_int_equal(n, sizeof(msg));
	assert_memory_equal(buf, msg, sizeof(msg));
	assert_int_equal(buf[sizeof(msg)], 0xAA); /* nothing past the message touched */
	assert_int_equal(g_read_calls, 1);        /* one read() = one message */
	assert_int_equal(g_read_cap, sizeof(buf));
	assert_int_equal(g_read_fd, 1000);
	assert_int_equal(g_poll_events, POLLIN);
	assert_int_equal(g_poll_dev_fd, 1000);
	assert_in_range(g_poll_timeouts[0], 0, 500);

	/* an unrelated event first: keep waiting, then the message */
	will_return(__wrap_poll, POLLOUT);
	will_return(__wrap_poll, POLLIN);
	script_read(msg, 3);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 500), HECI_OK);
	assert_int_equal(n, 3);
}

static void test_read_wait_forever_passes_minus_one(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	static const uint8_t msg[1] = {9};
	uint8_t buf[16];
	size_t n;
	will_return(__wrap_poll, POLLIN);
	script_read(msg, 1);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, -1), HECI_OK);
	assert_int_equal(g_poll_timeouts[0], -1);
}

static void test_read_poll_timeout(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[16];
	size_t n = 77;
	will_return(__wrap_poll, 0);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 20), HECI_E_TIMEOUT);
	assert_int_equal(heci_last_errno(h), ETIME);
	assert_int_equal(n, 0);
	assert_int_equal(g_read_calls, 0);

	/* a real zero-length wait on the real cancel pipe times out too */
	will_return(__wrap_poll, POLL_BLOCK);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 0), HECI_E_TIMEOUT);
	assert_int_equal(g_poll_timeouts[1], 0);
	assert_int_equal(g_read_calls, 0);
}

static void test_read_poll_error_hangup(void **state)
{
	(void)state;
	static const int revents[] = {POLLERR, POLLHUP, POLLNVAL, POLLIN | POLLERR};
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[16];
	size_t n;
	for (size_t i = 0; i < sizeof(revents) / sizeof(revents[0]); i++) {
		will_return(__wrap_poll, revents[i]);
		assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_DISCONNECTED);
		assert_int_equal(heci_last_errno(h), ENODEV);
	}
	assert_int_equal(g_read_calls, 0);
	/* poll itself failing with something other than EINTR */
	will_return(__wrap_poll, POLL_FAIL(ENOMEM));
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_NOMEM);
}

static void test_read_enodev_disconnected(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[16];
	size_t n;
	will_return(__wrap_poll, POLLIN);
	will_return(__wrap_read, -ENODEV);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_DISCONNECTED);
	assert_int_equal(heci_last_errno(h), ENODEV);
	assert_int_equal(n, 0);
}

/* ---- reconnect ---- */

static void test_reconnect_same_path_same_guid(void **state)
{
	(void)state;
	static const uint8_t lme[16] = {0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
					0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7};
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei1", 1001);
	script_ioctl_ok(4096, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_LME), HECI_OK);

	uint8_t buf[16];
	size_t n;
	will_return(__wrap_poll, POLLERR); /* the ME reset */
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_DISCONNECTED);

	/* reopen /dev/mei1 directly (no probing of mei0) and reconnect LME */
	script_open("/dev/mei1", 1005);
	script_ioctl_ok(2048, 4);
	assert_int_equal(heci_reconnect(h), HECI_OK);
	assert_false(is_fake_open(1001));
	assert_true(is_fake_open(1005));
	assert_int_equal(g_ioctl_fd, 1005);
	assert_memory_equal(g_ioctl_in[1], lme, 16);
	assert_string_equal(heci_device_path(h), "/dev/mei1");
	assert_int_equal(heci_max_msg_len(h), 2048);
	assert_int_equal(heci_protocol_version(h), 4);

	/* the new fd is the one used afterwards */
	static const uint8_t msg[2] = {5, 6};
	will_return(__wrap_poll, POLLIN);
	script_read(msg, 2);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_OK);
	assert_int_equal(g_read_fd, 1005);
	assert_int_equal(g_poll_dev_fd, 1005);

	/* a second reset, then a reconnect refused while the ME comes back */
	script_open("/dev/mei1", -ENODEV);
	assert_int_equal(heci_reconnect(h), HECI_E_NOT_READY);
	assert_false(is_fake_open(1005));
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_NOT_CONNECTED);
	script_open("/dev/mei1", 1006);
	script_ioctl_ok(2048, 4);
	assert_int_equal(heci_reconnect(h), HECI_OK);
	assert_memory_equal(g_ioctl_in[2], lme, 16);
}

static void test_reconnect_after_failed_connect_uses_new_guid(void **state)
{
	(void)state;
	static const uint8_t lme[16] = {0xdb, 0xa4, 0x33, 0x67, 0x76, 0x04, 0x7b, 0x4e,
					0xb3, 0xaf, 0xbc, 0xfc, 0x29, 0xbe, 0xe7, 0xa7};
	struct heci *h = connected_handle(1000, 4096); /* AMTHI */
	script_open("/dev/mei0", 1001);
	script_ioctl_err(ENOTTY);
	assert_int_equal(heci_connect(h, &HECI_GUID_LME), HECI_E_CLIENT_NOT_FOUND);
	/* retrying must ask for LME again, never silently for the old client */
	script_open("/dev/mei0", 1002);
	script_ioctl_ok(4096, 1);
	assert_int_equal(heci_reconnect(h), HECI_OK);
	assert_memory_equal(g_ioctl_in[2], lme, 16);
}

/* ---- cancel ---- */

static void test_cancel_before_read(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[16];
	size_t n;
	heci_cancel(h);
	will_return(__wrap_poll, 0); /* device quiet; only the pipe is readable */
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 1000), HECI_E_CANCELLED);
	assert_int_equal(heci_last_errno(h), ECANCELED);
	assert_int_equal(g_read_calls, 0);

	/* the cancel was consumed: the next read works */
	static const uint8_t msg[2] = {1, 2};
	will_return(__wrap_poll, POLLIN);
	script_read(msg, 2);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 1000), HECI_OK);
	assert_int_equal(n, 2);

	/* several cancels collapse into one; a cancel beats a ready device */
	heci_cancel(h);
	heci_cancel(h);
	will_return(__wrap_poll, POLLOUT);
	assert_int_equal(heci_write(h, msg, 2, 1000), HECI_E_CANCELLED);
	assert_int_equal(g_write_calls, 0);
	will_return(__wrap_poll, 0);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 0), HECI_E_TIMEOUT);
}

static void *cancel_later(void *arg)
{
	struct timespec ts = {0, 20 * 1000000L};
	nanosleep(&ts, NULL);
	heci_cancel(arg);
	return NULL;
}

static void test_cancel_wakes_blocked_wait(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[16];
	size_t n;
	pthread_t t;
	/* The fake poll really blocks on the cancel pipe; another thread
	 * cancels. Whether it cancels before or during the wait, the pipe stays
	 * readable until drained, so the outcome does not depend on timing. */
	will_return(__wrap_poll, POLL_BLOCK);
	assert_int_equal(pthread_create(&t, NULL, cancel_later, h), 0);
	int rc = heci_read(h, buf, sizeof(buf), &n, 30000);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(rc, HECI_E_CANCELLED);
	assert_int_equal(g_read_calls, 0);
}

static void test_free_closes_cancel_pipe(void **state)
{
	(void)state;
	struct heci *h = connected_handle(1000, 4096);
	uint8_t buf[4];
	size_t n;
	will_return(__wrap_poll, 0);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 0), HECI_E_TIMEOUT);
	int pipe_rd = g_cancel_fd;
	assert_true(pipe_rd >= 0);
	assert_true(fcntl(pipe_rd, F_GETFD) >= 0);
	assert_true(fcntl(pipe_rd, F_GETFD) & FD_CLOEXEC);
	heci_free(h);
	g_h = NULL;
	assert_int_equal(g_fake_open, 0);
	assert_int_equal(fcntl(pipe_rd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_connect_success_copies_guid),
		T(test_connect_other_guids),
		T(test_connect_zero_mtu_is_error),
		T(test_connect_enotty_not_retried),
		T(test_connect_ebusy_retries_then_busy),
		T(test_connect_ebusy_then_success),
		T(test_eintr_retried_everywhere),
		T(test_write_too_big_never_calls_write),
		T(test_write_efbig),
		T(test_write_short_is_error),
		T(test_write_errors_after_connect),
		T(test_write_sends_one_message),
		T(test_write_read_not_connected),
		T(test_read_one_message),
		T(test_read_wait_forever_passes_minus_one),
		T(test_read_poll_timeout),
		T(test_read_poll_error_hangup),
		T(test_read_enodev_disconnected),
		T(test_reconnect_same_path_same_guid),
		T(test_reconnect_after_failed_connect_uses_new_guid),
		T(test_cancel_before_read),
		T(test_cancel_wakes_blocked_wait),
		T(test_free_closes_cancel_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
