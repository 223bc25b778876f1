// SPDX-License-Identifier: Apache-2.0
/*
 * heci_callback.c - in-process "firmware" backend for tests and tools.
 *
 * A write hands the message to the caller's on_message function, which
 * queues replies with heci_callback_reply(); a read pops the oldest reply.
 * Since the firmware runs synchronously, a read with nothing queued is a
 * timeout at once (no sleeping in tests).
 * Must not: be used for real devices.
 */
#include "heci.h"

#include <stdlib.h>
#include <string.h>

struct cb_msg {
	struct cb_msg *next;
	size_t len;
	uint8_t data[];
};

struct cb_dev {
	int open;
	struct heci_guid guid;
	struct cb_msg *head, *tail;
};

static struct cb_dev *cb_of(struct heci *h)
{
	return heci_backend_data(h);
}

static void drop_queue(struct cb_dev *d)
{
	while (d->head) {
		struct cb_msg *m = d->head;
		d->head = m->next;
		free(m);
	}
	d->tail = NULL;
}

static int cb_open(struct heci *h, const char *path)
{
	(void)path;
	struct cb_dev *d = cb_of(h);
	if (!heci_callback_fw(h))
		return HECI_E_NO_DEVICE;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return HECI_E_NOMEM;
		heci_set_backend_data(h, d);
	}
	d->open = 1;
	return 0;
}

static int cb_connect(struct heci *h, const struct heci_guid *guid, uint32_t *max_msg_len,
		      uint8_t *proto_ver)
{
	const struct heci_callback_fw *fw = heci_callback_fw(h);
	struct cb_dev *d = cb_of(h);
	*max_msg_len = 4096;
	*proto_ver = 1;
	if (fw->on_connect) {
		int rc = fw->on_connect(fw->arg, guid, max_msg_len, proto_ver);
		if (rc != 0)
			return rc;
	}
	d->guid = *guid;
	return 0;
}

static int cb_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms)
{
	(void)timeout_ms;
	const struct heci_callback_fw *fw = heci_callback_fw(h);
	struct cb_dev *d = cb_of(h);
	return fw->on_message(fw->arg, h, &d->guid, buf, len);
}

int heci_callback_reply(struct heci *h, const uint8_t *msg, size_t len)
{
	struct cb_dev *d = cb_of(h);
	if (!d)
		return HECI_E_NOT_CONNECTED;
	struct cb_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return HECI_E_NOMEM;
	m->next = NULL;
	m->len = len;
	if (len)
		memcpy(m->data, msg, len);
	if (d->tail)
		d->tail->next = m;
	else
		d->head = m;
	d->tail = m;
	return 0;
}

static int cb_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms)
{
	(void)timeout_ms;
	struct cb_dev *d = cb_of(h);
	struct cb_msg *m = d->head;
	if (!m)
		return HECI_E_TIMEOUT;
	/* Like the driver: a short buffer gets the first cap bytes. */
	size_t n = m->len < cap ? m->len : cap;
	memcpy(buf, m->data, n);
	*out_len = n;
	d->head = m->next;
	if (!d->head)
		d->tail = NULL;
	free(m);
	return 0;
}

static void cb_close(struct heci *h)
{
	struct cb_dev *d = cb_of(h);
	if (d) {
		drop_queue(d);
		d->open = 0;
	}
}

static void cb_release(struct heci *h)
{
	cb_close(h);
	free(cb_of(h));
	heci_set_backend_data(h, NULL);
}

const struct heci_backend heci_backend_callback = {
	.name = "callback",
	.open = cb_open,
	.connect = cb_connect,
	.write = cb_write,
	.read = cb_read,
	.cancel = NULL,
	.close = cb_close,
	.release = cb_release,
};
