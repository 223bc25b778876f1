// SPDX-License-Identifier: Apache-2.0
/*
 * test_heci_backends.c - unit tests for the callback ("firmware in
 * process") and null backends of libheci. Linked with the scripted device
 * of heci_linux_test.h so the tests can prove neither backend makes a
 * syscall.
 */
#include "heci_linux_test.h"

/* ---- callback and null backends ---- */

struct fake_fw {
	int connects, messages, refuse;
	struct heci_guid client;
	uint8_t last[64];
	size_t last_len;
};

static int fw_connect(void *arg, const struct heci_guid *client, uint32_t *mtu, uint8_t *ver)
{
	struct fake_fw *fw = arg;
	fw->connects++;
	fw->client = *client;
	if (fw->refuse)
		return HECI_E_CLIENT_NOT_FOUND;
	*mtu = 512;
	*ver = 2;
	return 0;
}

static int fw_message(void *arg, struct heci *h, const struct heci_guid *client,
		      const uint8_t *msg, size_t len)
{
	struct fake_fw *fw = arg;
	fw->messages++;
	fw->client = *client;
	fw->last_len = len < sizeof(fw->last) ? len : sizeof(fw->last);
	memcpy(fw->last, msg, fw->last_len);
	/* answer with the message, first byte flagged as a response, then an ack */
	uint8_t reply[64];
	memcpy(reply, msg, fw->last_len);
	reply[0] |= 0x80;
	int rc = heci_callback_reply(h, reply, fw->last_len);
	if (rc == 0)
		rc = heci_callback_reply(h, (const uint8_t *)"ok", 2);
	return rc;
}

static void test_callback_backend_flow(void **state)
{
	(void)state;
	struct fake_fw fw = {0};
	const struct heci_callback_fw cbs = {.on_message = fw_message, .on_connect = fw_connect,
					     .arg = &fw};
	struct heci_opts o = {.backend = &heci_backend_callback, .fw = &cbs};
	struct heci *h = g_h = heci_new(&o);
	assert_non_null(h);

	assert_int_equal(heci_connect(h, &HECI_GUID_MKHI), HECI_OK);
	assert_int_equal(fw.connects, 1);
	assert_memory_equal(fw.client.b, HECI_GUID_MKHI.b, 16);
	assert_int_equal(heci_max_msg_len(h), 512);
	assert_int_equal(heci_protocol_version(h), 2);

	static const uint8_t req[4] = {0x01, 0x02, 0x03, 0x04};
	assert_int_equal(heci_write(h, req, sizeof(req), 100), HECI_OK);
	assert_int_equal(fw.messages, 1);
	assert_int_equal(fw.last_len, sizeof(req));
	assert_memory_equal(fw.last, req, sizeof(req));

	uint8_t buf[512];
	size_t n;
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_OK);
	assert_int_equal(n, 4);
	assert_int_equal(buf[0], 0x81);
	assert_memory_equal(buf + 1, req + 1, 3);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "ok", 2);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_TIMEOUT);

	uint8_t big[513] = {0};
	assert_int_equal(heci_write(h, big, sizeof(big), 100), HECI_E_TOO_BIG);
	assert_int_equal(fw.messages, 1);

	/* replies do not survive a reconnect */
	assert_int_equal(heci_write(h, req, sizeof(req), 100), HECI_OK);
	assert_int_equal(heci_reconnect(h), HECI_OK);
	assert_int_equal(fw.connects, 2);
	assert_memory_equal(fw.client.b, HECI_GUID_MKHI.b, 16);
	assert_int_equal(heci_read(h, buf, sizeof(buf), &n, 100), HECI_E_TIMEOUT);

	/* the firmware refuses the client */
	fw.refuse = 1;
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_CLIENT_NOT_FOUND);
	assert_int_equal(heci_write(h, req, sizeof(req), 100), HECI_E_NOT_CONNECTED);
	heci_cancel(h); /* optional op absent: harmless */

	/* no syscall was made by this backend */
	assert_int_equal(g_open_calls + g_ioctl_calls + g_read_calls + g_write_calls + g_poll_calls,
			 0);
}

static void test_callback_backend_without_fw(void **state)
{
	(void)state;
	struct heci_opts o = {.backend = &heci_backend_callback};
	struct heci *h = g_h = heci_new(&o);
	assert_non_null(h);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_NO_DEVICE);
	assert_int_equal(g_open_calls, 0);
}

static void test_null_backend(void **state)
{
	(void)state;
	struct heci_opts o = {.backend = &heci_backend_null};
	struct heci *h = g_h = heci_new(&o);
	assert_non_null(h);
	assert_string_equal(heci_backend_null.name, "null");
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_NO_DEVICE);
	assert_int_equal(heci_last_errno(h), ENOENT);
	uint8_t b[4] = {0};
	size_t n;
	assert_int_equal(heci_write(h, b, sizeof(b), 0), HECI_E_NOT_CONNECTED);
	assert_int_equal(heci_read(h, b, sizeof(b), &n, 0), HECI_E_NOT_CONNECTED);
	heci_cancel(h);
	assert_int_equal(g_open_calls, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_callback_backend_flow),
		T(test_callback_backend_without_fw),
		T(test_null_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
