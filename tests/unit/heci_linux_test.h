// SPDX-License-Identifier: Apache-2.0
/*
 * heci_linux_test.h - the scripted device behind the libheci transport
 * tests: open/ioctl/read/write/poll/close replaced through the linker's
 * --wrap (Makefile HECI_WRAP) by fakes that each test scripts with
 * will_return(), the scripting helpers, and the setup/teardown that checks
 * every fake fd was closed. Fake device fds are FAKE_FD_MIN and up; any
 * other fd (the cancel pipe made by the unwrapped pipe2()) passes through
 * to the real syscall.
 * Must not: be included by a test not linked with HECI_WRAP.
 */
#ifndef TESTS_HECI_LINUX_TEST_H
#define TESTS_HECI_LINUX_TEST_H

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

static inline int is_fake(int fd)
{
	return fd >= FAKE_FD_MIN && fd <= FAKE_FD_MAX;
}

static inline int is_fake_open(int fd)
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

static inline void script_open(const char *path, int result)
{
	expect_string(__wrap_open, path, path);
	will_return(__wrap_open, result);
}

static inline void script_ioctl_ok(uint32_t mtu, uint8_t ver)
{
	will_return(__wrap_ioctl, 0);
	will_return(__wrap_ioctl, mtu);
	will_return(__wrap_ioctl, ver);
}

static inline void script_ioctl_err(int err)
{
	will_return(__wrap_ioctl, -err);
}

static inline void script_read(const uint8_t *data, long len)
{
	will_return(__wrap_read, len);
	will_return(__wrap_read, data);
}

static inline struct heci *new_handle(const char *device, unsigned busy_retries)
{
	struct heci_opts o = {.device = device, .busy_retries = busy_retries, .busy_retry_ms = 1};
	g_h = heci_new(&o);
	assert_non_null(g_h);
	return g_h;
}

/* Connect to AMTHI on an explicit node with fd `fd` and the given MTU. */
static inline struct heci *connected_handle(int fd, uint32_t mtu)
{
	struct heci *h = new_handle("/dev/mei0", 0);
	script_open("/dev/mei0", fd);
	script_ioctl_ok(mtu, 1);
	assert_int_equal(heci_connect(h, &HECI_GUID_AMTHI), HECI_OK);
	return h;
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
	(void)state;
	heci_free(g_h);
	g_h = NULL;
	assert_int_equal(g_fake_open, 0); /* every fd the fake open gave was closed */
	return 0;
}

static const uint8_t amthi_bytes[16] = {0x28, 0x00, 0xf8, 0x12, 0xb7, 0xb4, 0x2d, 0x4b,
					0xac, 0xa8, 0x46, 0xe0, 0xff, 0x65, 0x81, 0x4c};

#endif
