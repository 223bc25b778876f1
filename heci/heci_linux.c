// SPDX-License-Identifier: Apache-2.0
/*
 * heci_linux.c - Linux MEI character device backend (/dev/meiN).
 *
 * Does exactly what drivers/misc/mei expects: IOCTL_MEI_CONNECT_CLIENT with
 * the 16 raw uuid_le bytes, one message per write(), one message per read()
 * with a buffer of max_msg_length, poll() for every bounded wait, and a
 * cancel pipe polled beside the device so another thread (or a signal
 * handler) can wake a blocked wait. ENODEV/EPOLLERR mean the ME reset: the
 * core then closes, reopens and reconnects.
 * Must not: parse messages.
 */
#include "heci.h"
#include "heci_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* From include/uapi/linux/mei.h, spelled out so we build on any header set. */
#define HECI_IOCTL_MEI_CONNECT_CLIENT 0xC0104801UL

struct linux_dev {
	int fd;
	int cancel_pipe[2];
};

static struct linux_dev *dev_of(struct heci *h)
{
	return heci_backend_data(h);
}

static int fail(struct heci *h, int errnum, int during_open)
{
	heci_set_errno(h, errnum);
	return heci_err_from_errno(errnum, during_open);
}

static int lx_open(struct heci *h, const char *path)
{
	struct linux_dev *d = dev_of(h);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return HECI_E_NOMEM;
		d->fd = -1;
		d->cancel_pipe[0] = d->cancel_pipe[1] = -1;
		heci_set_backend_data(h, d);
	}
	if (d->cancel_pipe[0] < 0 && pipe2(d->cancel_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return fail(h, errno, 1);
	int fd;
	do {
		fd = open(path, O_RDWR | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(h, errno, 1);
	d->fd = fd;
	return 0;
}

static int lx_connect(struct heci *h, const struct heci_guid *guid, uint32_t *max_msg_len,
		      uint8_t *proto_ver)
{
	struct linux_dev *d = dev_of(h);
	uint8_t data[16];
	int rc;

	memcpy(data, guid->b, sizeof(data));
	do {
		rc = ioctl(d->fd, HECI_IOCTL_MEI_CONNECT_CLIENT, data);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return fail(h, errno, 0);
	/* Output overlays the input: u32 max_msg_length (host order), u8 version. */
	uint32_t mtu;
	memcpy(&mtu, data, sizeof(mtu));
	if (mtu == 0)
		return fail(h, EPROTO, 0);
	*max_msg_len = mtu;
	*proto_ver = data[4];
	return 0;
}

/* Wait for `events` on the device or a cancel. timeout_ms < 0 waits forever. */
static int wait_for(struct heci *h, short events, int timeout_ms)
{
	struct linux_dev *d = dev_of(h);
	int64_t deadline = timeout_ms >= 0 ? heci_mono_ms() + timeout_ms : -1;

	for (;;) {
		struct pollfd p[2] = {
			{.fd = d->fd, .events = events},
			{.fd = d->cancel_pipe[0], .events = POLLIN},
		};
		int left = -1;
		if (deadline >= 0) {
			int64_t l = deadline - heci_mono_ms();
			left = l > 0 ? (int)l : 0;
		}
		int n = poll(p, 2, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(h, errno, 0);
		}
		if (n == 0)
			return fail(h, ETIME, 0);
		if (p[1].revents & POLLIN) {
			char drain[16];
			while (read(d->cancel_pipe[0], drain, sizeof(drain)) > 0)
				;
			return fail(h, ECANCELED, 0);
		}
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			return fail(h, ENODEV, 0);
		if (p[0].revents & events)
			return 0;
	}
}

static int lx_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms)
{
	struct linux_dev *d = dev_of(h);
	/* Kernels before 4.17 cannot poll for writability; a write that blocks on
	 * a full TX queue is still bounded by the firmware draining it, so we
	 * only poll when a timeout is requested and treat POLLOUT as advisory. */
	if (timeout_ms >= 0) {
		int rc = wait_for(h, POLLOUT, timeout_ms);
		if (rc != 0)
			return rc;
	}
	ssize_t n;
	do {
		n = write(d->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(h, errno, 0);
	if ((size_t)n != len)
		return fail(h, EIO, 0); /* the driver never writes part of a message */
	return 0;
}

static int lx_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms)
{
	struct linux_dev *d = dev_of(h);
	int rc = wait_for(h, POLLIN, timeout_ms);
	if (rc != 0)
		return rc;
	ssize_t n;
	do {
		n = read(d->fd, buf, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(h, errno, 0);
	*out_len = (size_t)n;
	return 0;
}

static void lx_cancel(struct heci *h)
{
	struct linux_dev *d = dev_of(h);
	if (d && d->cancel_pipe[1] >= 0) {
		char c = 1;
		ssize_t ignored = write(d->cancel_pipe[1], &c, 1); /* async-signal-safe */
		(void)ignored;
	}
}

static void lx_close(struct heci *h)
{
	struct linux_dev *d = dev_of(h);
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* The cancel pipe survives reconnects; it goes with the handle. */
static void lx_release(struct heci *h)
{
	struct linux_dev *d = dev_of(h);
	if (!d)
		return;
	lx_close(h);
	for (int i = 0; i < 2; i++)
		if (d->cancel_pipe[i] >= 0)
			close(d->cancel_pipe[i]);
	free(d);
	heci_set_backend_data(h, NULL);
}

const struct heci_backend heci_backend_linux = {
	.name = "linux",
	.open = lx_open,
	.connect = lx_connect,
	.write = lx_write,
	.read = lx_read,
	.cancel = lx_cancel,
	.close = lx_close,
	.release = lx_release,
};
