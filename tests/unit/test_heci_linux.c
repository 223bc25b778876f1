/*
 * test_heci_linux.c - unit tests for the libheci transport: the real heci.c
 * core and heci_linux.c backend, with open/ioctl/read/write/poll/close
 * replaced by scripted fakes through the linker's --wrap (see Makefile
 * WRAP_test_heci_linux). Covers device probing and error ranking, the
 * IOCTL_MEI_CONNECT_CLIENT argument and result, EBUSY retries, EINTR
 * handling, bounded waits, ME-reset detection, reconnect, cancellation via
 * the (real) cancel pipe, GUID text, the errno mapping and error strings,
 * and the callback and null backends.
 *
 * Fake device fds are FAKE_FD_MIN and up; any other fd (the cancel pipe made
 * by the unwrapped pipe2()) passes through to the real syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "heci.h"

#define IOCTL_MEI_CONNECT_CLIENT 0xC0104801UL

/* ---- the wrapped syscalls ---- */

int __wrap_open(const char *path, int flags, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
ssize_t __wrap_read(int fd, void *buf, size_t count);
ssize_t __wrap_write(int fd, const void *buf, size_t count);
int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int __wrap_close(int fd);
ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __real_write(int fd, const void *buf, size_t count);
int __real_poll(struct pollfd *fds, nfds_t nfds, int timeout);
int __real_close(int fd);

#define FAKE_FD_MIN 1000
#define FAKE_FD_MAX 1063 /* one bit each in g_fake_open */

/* poll script values: >= 0 is the device's revents; these are special */
#define POLL_BLOCK 0x10000         /* device never ready: really wait on the pipe */
#define POLL_FAIL(e) (-(e))        /* poll() fails with errno e */
#define WRITE_ALL LONG_MAX         /* write() accepts the whole message */
#define MAX_LOG 16

static uint64_t g_fake_open; /* bit (fd - FAKE_FD_MIN) set while open */
static unsigned g_open_calls, g_close_calls, g_ioctl_calls, g_read_calls, g_write_calls,
	g_poll_calls;
static int g_ioctl_fd;
static unsigned long g_ioctl_req;
static uint8_t g_ioctl_in[MAX_LOG][16]; /* GUID bytes of each connect attempt */
static int g_poll_timeouts[MAX_LOG];
static short g_poll_events;
static int g_poll_dev_fd, g_cancel_fd;
static uint8_t g_written[256];
static size_t g_written_len;
static int g_write_fd, g_read_fd;
static size_t g_read_cap;
static struct heci *g_h; /* freed by teardown */

static int is_fake(int fd)
{
	return fd >= FAKE_FD_MIN && fd <= FAKE_FD_MAX;
}

static int is_fake_open(int fd)
{
	return is_fake(fd) && (g_fake_open >> (fd - FAKE_FD_MIN) & 1);
}

int __wrap_open(const char *path, int flags, ...)
{
	check_expected_ptr(path);
	assert_int_equal(flags & O_ACCMODE, O_RDWR);
	assert_true(flags & O_CLOEXEC);
	assert_false(flags & O_CREAT);
	g_open_calls++;
	int rc = mock_type(int);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	assert_true(is_fake(rc));
	assert_false(is_fake_open(rc));
	g_fake_open |= UINT64_C(1) << (rc - FAKE_FD_MIN);
	return rc;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	uint8_t *data = va_arg(ap, uint8_t *);
	va_end(ap);

	assert_true(is_fake_open(fd));
	assert_non_null(data);
	g_ioctl_fd = fd;
	g_ioctl_req = req;
	if (g_ioctl_calls < MAX_LOG)
		memcpy(g_ioctl_in[g_ioctl_calls], data, 16);
	g_ioctl_calls++;
	int rc = mock_type(int);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	/* The driver overlays the output on the input: u32 mtu, u8 version,
	 * 3 reserved bytes; the rest of the union keeps whatever it held. */
	uint32_t mtu = mock_type(uint32_t);
	uint8_t ver = (uint8_t)mock_type(int);
	memcpy(data, &mtu, 4);
	data[4] = ver;
	data[5] = data[6] = data[7] = 0xEE;
	return 0;
}

ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	if (!is_fake(fd))
		return __real_read(fd, buf, count);
	assert_true(is_fake_open(fd));
	g_read_calls++;
	g_read_fd = fd;
	g_read_cap = count;
	long rc = mock_type(long);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	const uint8_t *data = mock_ptr_type(const uint8_t *);
	assert_true((size_t)rc <= count);
	memcpy(buf, data, (size_t)rc);
	return rc;
}

ssize_t __wrap_write(int fd, const void *buf, size_t count)
{
	if (!is_fake(fd))
		return __real_write(fd, buf, count);
	assert_true(is_fake_open(fd));
	g_write_calls++;
	g_write_fd = fd;
	g_written_len = count < sizeof(g_written) ? count : sizeof(g_written);
	memcpy(g_written, buf, g_written_len);
	long rc = mock_type(long);
	if (rc == WRITE_ALL)
		return (ssize_t)count;
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

int __wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	assert_int_equal(nfds, 2);
	assert_true(is_fake_open(fds[0].fd));
	assert_false(is_fake(fds[1].fd));
	assert_true(fds[1].fd >= 0);
	assert_int_equal(fds[1].events, POLLIN);
	if (g_poll_calls < MAX_LOG)
		g_poll_timeouts[g_poll_calls] = timeout;
	g_poll_calls++;
	g_poll_events = fds[0].events;
	g_poll_dev_fd = fds[0].fd;
	g_cancel_fd = fds[1].fd;

	int script = mock_type(int);
	if (script < 0) {
		errno = -script;
		return -1;
	}
	/* The cancel pipe is real: ask the kernel about it. */
	int n = __real_poll(&fds[1], 1, script == POLL_BLOCK ? timeout : 0);
	if (n < 0)
		return n;
	fds[0].revents = script == POLL_BLOCK ? 0 : (short)script;
	return n + (fds[0].revents != 0);
}

int __wrap_close(int fd)
{
	if (!is_fake(fd))
		return __real_close(fd);
	assert_true(is_fake_open(fd)); /* no double close, no stray fd */
	g_fake_open &= ~(UINT64_C(1) << (fd - FAKE_FD_MIN));
	g_close_calls++;
	return 0;
}

/* ---- scripting helpers ---- */

static void script_open(const char *path, int result)
{
	expect_string(__wrap_open, path, path);
	will_return(__wrap_open, result);
}

static void script_ioctl_ok(uint32_t mtu, uint8_t ver)
{
	will_return(__wrap_ioctl, 0);
	will_return(__wrap_ioctl, mtu);
	will_return(__wrap_ioctl, ver);
}

static void script_ioctl_err(int err)
{
	will_return(__wrap_ioctl, -err);
}

static void script_read(const uint8_t *data, long len)
{
	will_return(__wrap_read, len);
	will_return(__wrap_read, data);
}

static struct heci *new_handle(const char *device, unsigned busy_retries)
{
	struct heci_opts o = {.device = device, .busy_retries = busy_retries, .busy_retry_ms = 1};
	g_h = heci_new(&o);
	assert_non_null(g_h);
	return g_h;
}

/* Connect to AMTHI on an explicit node with fd `fd` and the given MTU. */
static struct heci *connected_handle(int fd, uint32_t mtu)
{
	struct heci *h = new_handle("/dev/mei0", 0);
	script_open("/dev/mei0", fd);
	script_ioctl_ok(mtu, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	return h;
}

static int setup(void **state)
{
	(void)state;
	g_fake_open = 0;
	g_open_calls = g_close_calls = g_ioctl_calls = g_read_calls = g_write_calls = 0;
	g_poll_calls = 0;
	g_ioctl_fd = g_poll_dev_fd = g_cancel_fd = g_write_fd = g_read_fd = -1;
	g_ioctl_req = 0;
	memset(g_ioctl_in, 0, sizeof(g_ioctl_in));
	memset(g_poll_timeouts, 0, sizeof(g_poll_timeouts));
	g_poll_events = 0;
	g_written_len = 0;
	g_read_cap = 0;
	g_h = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	heci_free(g_h);
	g_h = NULL;
	assert_int_equal(g_fake_open, 0); /* every fd the fake open gave was closed */
	return 0;
}

static const uint8_t amthi_bytes[16] = {0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
					0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c};

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

/* ---- GUID text ---- */

static void test_guid_parse_format_roundtrip(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const struct heci_guid *guid;
	} known[] = {
		{"12F80028-B4B7-4B2D-ACA8-46E0FF65814C", &HECI_GUID_AMTHI},
		{"6733A4DB-0476-4E7B-B3AF-BCFC29BEE7A7", &HECI_GUID_LME},
		{"8E6A6715-9ABC-4043-88EF-9E39C6F63E0F", &HECI_GUID_MKHI},
		{"05B79A6F-4628-4D7F-899D-A91514CB32AB", &HECI_GUID_WATCHDOG},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct heci_guid g;
		char text[37];
		memset(&g, 0, sizeof(g));
		assert_int_equal(heci_guid_parse(known[i].text, &g), HECI_OK);
		assert_memory_equal(g.b, known[i].guid->b, 16);
		memset(text, 'x', sizeof(text));
		guid_format(g.b, text);
		assert_string_equal(text, known[i].text);
	}

	struct heci_guid g;
	assert_int_equal(heci_guid_parse("12f80028-b4b7-4b2d-aca8-46e0ff65814c", &g), HECI_OK);
	assert_memory_equal(g.b, amthi_bytes, 16);

	/* every byte value survives format -> parse */
	uint8_t raw[16];
	for (int i = 0; i < 16; i++)
		raw[i] = (uint8_t)(i * 17 + 3);
	for (int v = 0; v < 256; v++) {
		char text[37];
		raw[v % 16] = (uint8_t)v;
		guid_format(raw, text);
		assert_int_equal(strlen(text), 36);
		assert_int_equal(heci_guid_parse(text, &g), HECI_OK);
		assert_memory_equal(g.b, raw, 16);
	}
}

static void test_guid_parse_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814",    /* one short */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814C0",  /* one long */
		"{12F80028-B4B7-4B2D-ACA8-46E0FF65814C}", /* braces */
		"12F80028B4B74B2DACA846E0FF65814C",       /* no dashes */
		"12F80028-B4B7-4B2D-ACA8_46E0FF65814C",   /* wrong separator */
		"12F8002-8B4B7-4B2D-ACA8-46E0FF65814C",   /* dash moved */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814G",   /* non-hex */
		"12F80028-B4B7-4B2D-ACA8-46E0FF6581 C",   /* space */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65-14C",   /* extra dash */
		"0x2F80028-B4B7-4B2D-ACA8-46E0FF65814C",  /* prefix */
		"12F80028-B4B7-4B2D-ACA8-46E0FF65814\xc3",
	};
	static const uint8_t untouched[16] = {0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					      0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct heci_guid g;
		memset(&g, 0x5a, sizeof(g));
		assert_int_equal(heci_guid_parse(bad[i], &g), HECI_E_INVALID_ARG);
		assert_memory_equal(g.b, untouched, 16);
	}
	struct heci_guid g;
	assert_int_equal(heci_guid_parse(NULL, &g), HECI_E_INVALID_ARG);
}

/* ---- errors ---- */

static void test_err_strings_never_null(void **state)
{
	(void)state;
	for (int e = 5; e >= HECI_E_MIN - 5; e--) {
		const char *name = heci_err_name(e), *msg = heci_err_message(e);
		assert_non_null(name);
		assert_non_null(msg);
		assert_true(name[0] != '\0');
		assert_true(msg[0] != '\0');
	}
	static const int extremes[] = {INT_MIN, INT_MIN + 1, -1000, 1000, INT_MAX};
	for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); i++) {
		assert_non_null(heci_err_name(extremes[i]));
		assert_non_null(heci_err_message(extremes[i]));
	}
	assert_string_equal(heci_err_name(HECI_OK), "HECI_OK");
	assert_string_equal(heci_err_name(HECI_E_BUSY), "HECI_E_BUSY");
	assert_string_equal(heci_err_name(HECI_E_CLIENT_NOT_FOUND), "HECI_E_CLIENT_NOT_FOUND");
	/* every transport error has its own name */
	for (int a = HECI_E_NO_DEVICE; a >= HECI_E_NOT_READY; a--)
		for (int b = a - 1; b >= HECI_E_NOT_READY; b--)
			assert_string_not_equal(heci_err_name(a), heci_err_name(b));
}

static void test_err_from_errno_table(void **state)
{
	(void)state;
	static const struct {
		int errnum, during_open, want;
	} map[] = {
		{0, 0, HECI_OK},
		{ENOENT, 1, HECI_E_NO_DEVICE},
		{ENXIO, 1, HECI_E_NO_DEVICE},
		{EACCES, 1, HECI_E_ACCESS},
		{EPERM, 1, HECI_E_ACCESS},
		{ENOTTY, 0, HECI_E_CLIENT_NOT_FOUND},
		{EBUSY, 0, HECI_E_BUSY},
		{EBUSY, 1, HECI_E_BUSY},
		{ENODEV, 1, HECI_E_NOT_READY},
		{ENODEV, 0, HECI_E_DISCONNECTED},
		{ETIME, 0, HECI_E_TIMEOUT},
		{ETIMEDOUT, 0, HECI_E_TIMEOUT},
		{EFBIG, 0, HECI_E_TOO_BIG},
		{ENOMEM, 0, HECI_E_NOMEM},
		{EINVAL, 0, HECI_E_INVALID_ARG},
		{EOPNOTSUPP, 0, HECI_E_NOT_SUPPORTED},
		{ECANCELED, 0, HECI_E_CANCELLED},
		{EIO, 0, HECI_E_IO},
		{EPROTO, 0, HECI_E_IO},
		{EMFILE, 1, HECI_E_IO},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(heci_err_from_errno(map[i].errnum, map[i].during_open), map[i].want);
}

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
		T(test_connect_success_copies_guid),
		T(test_connect_other_guids),
		T(test_connect_zero_mtu_is_error),
		T(test_connect_enotty_not_retried),
		T(test_connect_ebusy_retries_then_busy),
		T(test_connect_ebusy_then_success),
		T(test_eintr_retried_everywhere),
		T(test_probe_all_enoent_no_device),
		T(test_probe_order_later_node_used),
		T(test_probe_prefers_the_node_that_connected),
		T(test_probe_legacy_node_last),
		T(test_explicit_device_not_probed),
		T(test_open_eacces),
		T(test_probe_all_eacces),
		T(test_probe_error_ranking),
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
		T(test_guid_parse_format_roundtrip),
		T(test_guid_parse_rejects_malformed),
		T(test_err_strings_never_null),
		T(test_err_from_errno_table),
		T(test_callback_backend_flow),
		T(test_callback_backend_without_fw),
		T(test_null_backend),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
