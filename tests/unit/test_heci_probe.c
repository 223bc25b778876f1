// SPDX-License-Identifier: Apache-2.0
/*
 * test_heci_probe.c - unit tests for device probing in heci.c over the
 * scripted device of heci_linux_test.h: the order of the default nodes,
 * asking the node that already connected first, an explicit device never
 * probed, and which failure is reported when every node fails.
 */
#include "heci_linux_test.h"

/* ---- probing ---- */

static void test_probe_all_enoent_no_device(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei1", -ENOENT);
	script_open("/dev/mei2", -ENOENT);
	script_open("/dev/mei3", -ENOENT);
	script_open("/dev/mei", -ENOENT);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_NO_DEVICE);
	assert_int_equal(g_open_calls, 5);
	assert_int_equal(g_ioctl_calls, 0);
	assert_int_equal(heci_last_errno(h), ENOENT);
	assert_string_equal(heci_device_path(h), "/dev/mei0");
}

static void test_probe_order_later_node_used(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei1", -ENXIO);
	script_open("/dev/mei2", 1002);
	script_ioctl_err(ENOTTY); /* e.g. a graphics MEI without AMTHI */
	script_open("/dev/mei3", 1003);
	script_ioctl_ok(8192, 2);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_string_equal(heci_device_path(h), "/dev/mei3");
	assert_int_equal(g_ioctl_fd, 1003);
	assert_false(is_fake_open(1002));
	assert_true(is_fake_open(1003));
	assert_int_equal(heci_max_msg_len(h), 8192);
	assert_int_equal(heci_protocol_version(h), 2);
}

/* After AMTHI connected on a later node, the next client (MKHI) is asked on
 * that node first, not on /dev/mei0 again, which may be another ME. */
static void test_probe_prefers_the_node_that_connected(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", 1000);
	script_ioctl_err(ENOTTY); /* a graphics MEI: no AMTHI */
	script_open("/dev/mei1", 1001);
	script_ioctl_ok(5120, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_string_equal(heci_device_path(h), "/dev/mei1");
	script_open("/dev/mei1", 1002); /* MKHI: the home node first */
	script_ioctl_ok(512, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_MKHI), HECI_OK);
	assert_string_equal(heci_device_path(h), "/dev/mei1");
	assert_int_equal(g_ioctl_fd, 1002);
	/* the home node lost the client: the others are probed, home not twice */
	script_open("/dev/mei1", 1003);
	script_ioctl_err(ENOTTY);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei2", -ENOENT);
	script_open("/dev/mei3", -ENOENT);
	script_open("/dev/mei", -ENOENT);
	assert_int_equal(heci_connect(h, &HECI_GUID_LME), HECI_E_CLIENT_NOT_FOUND);
	assert_string_equal(heci_device_path(h), "/dev/mei1");
}

static void test_probe_legacy_node_last(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei1", -ENOENT);
	script_open("/dev/mei2", -ENOENT);
	script_open("/dev/mei3", -ENOENT);
	script_open("/dev/mei", 1004);
	script_ioctl_ok(4096, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	assert_string_equal(heci_device_path(h), "/dev/mei");
	assert_string_equal(heci_default_paths[0], "/dev/mei0");
	assert_string_equal(heci_default_paths[4], "/dev/mei");
	assert_null(heci_default_paths[5]);
}

static void test_explicit_device_not_probed(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei7", 0);
	script_open("/dev/mei7", -ENOENT);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_NO_DEVICE);
	assert_int_equal(g_open_calls, 1);
	assert_string_equal(heci_device_path(h), "/dev/mei7");
}

static void test_open_eacces(void **state)
{
	(void)state;
	struct heci *h = new_handle("/dev/mei0", 0);
	script_open("/dev/mei0", -EACCES);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_ACCESS);
	assert_int_equal(heci_last_errno(h), EACCES);

	script_open("/dev/mei0", -EPERM);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_ACCESS);
	assert_int_equal(heci_last_errno(h), EPERM);

	/* ENODEV while opening means "not ready", not "disconnected" */
	script_open("/dev/mei0", -ENODEV);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_NOT_READY);
	assert_int_equal(heci_last_errno(h), ENODEV);
}

static void test_probe_all_eacces(void **state)
{
	(void)state;
	struct heci *h = new_handle(NULL, 0);
	script_open("/dev/mei0", -ENOENT);
	script_open("/dev/mei1", -EACCES);
	script_open("/dev/mei2", -ENOENT);
	script_open("/dev/mei3", -ENOENT);
	script_open("/dev/mei", -ENOENT);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_E_ACCESS);
	assert_int_equal(heci_last_errno(h), EACCES); /* not the later ENOENT */
	assert_string_equal(heci_device_path(h), "/dev/mei1");
}

/* One probe result per default path, in order. */
struct probe_case {
	int open_err[5];  /* errno from open, 0 = opens */
	int ioctl_err[5]; /* errno from connect when it opens (EBUSY on every attempt) */
	int want;
	int want_errno;
	const char *want_path;
};

static void run_probe_case(const struct probe_case *c)
{
	const unsigned retries = 1;
	struct heci *h = new_handle(NULL, retries);
	int fd = 1000;
	for (int i = 0; i < 5; i++) {
		if (c->open_err[i]) {
			script_open(heci_default_paths[i], -c->open_err[i]);
			continue;
		}
		unsigned attempts = c->ioctl_err[i] == EBUSY ? retries + 1 : 1;
		for (unsigned a = 0; a < attempts; a++) {
			script_open(heci_default_paths[i], fd++);
			script_ioctl_err(c->ioctl_err[i]);
		}
	}
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), c->want);
	assert_int_equal(heci_last_errno(h), c->want_errno);
	assert_string_equal(heci_device_path(h), c->want_path);
	heci_free(h);
	g_h = NULL;
	assert_int_equal(g_fake_open, 0);
}

static void test_probe_error_ranking(void **state)
{
	(void)state;
	static const struct probe_case cases[] = {
		/* client-not-found beats busy, access and no-device */
		{{EACCES, ENOENT, 0, 0, ENOENT}, {0, 0, EBUSY, ENOTTY, 0},
		 HECI_E_CLIENT_NOT_FOUND, ENOTTY, "/dev/mei3"},
		{{0, 0, EACCES, ENOENT, ENOENT}, {ENOTTY, EBUSY, 0, 0, 0},
		 HECI_E_CLIENT_NOT_FOUND, ENOTTY, "/dev/mei0"},
		/* busy beats access and no-device */
		{{EACCES, 0, ENOENT, ENOENT, ENOENT}, {0, EBUSY, 0, 0, 0}, HECI_E_BUSY, EBUSY,
		 "/dev/mei1"},
		{{ENOENT, ENOENT, ENOENT, EACCES, 0}, {0, 0, 0, 0, EBUSY}, HECI_E_BUSY, EBUSY,
		 "/dev/mei"},
		/* not-ready sits between busy and access */
		{{EACCES, ENODEV, ENOENT, ENOENT, ENOENT}, {0}, HECI_E_NOT_READY, ENODEV,
		 "/dev/mei1"},
		{{ENODEV, 0, ENOENT, ENOENT, ENOENT}, {0, EBUSY, 0, 0, 0}, HECI_E_BUSY, EBUSY,
		 "/dev/mei1"},
		/* access beats no-device, wherever it comes */
		{{ENOENT, ENOENT, ENOENT, ENOENT, EACCES}, {0}, HECI_E_ACCESS, EACCES, "/dev/mei"},
		{{EACCES, ENOENT, ENOENT, ENOENT, ENOENT}, {0}, HECI_E_ACCESS, EACCES, "/dev/mei0"},
		/* equal ranks: the first one is reported */
		{{EACCES, EPERM, ENOENT, ENOENT, ENOENT}, {0}, HECI_E_ACCESS, EACCES, "/dev/mei0"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_probe_case(&cases[i]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_all_enoent_no_device),
		T(test_probe_order_later_node_used),
		T(test_probe_prefers_the_node_that_connected),
		T(test_probe_legacy_node_last),
		T(test_explicit_device_not_probed),
		T(test_open_eacces),
		T(test_probe_all_eacces),
		T(test_probe_error_ranking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
