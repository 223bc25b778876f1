// SPDX-License-Identifier: Apache-2.0
/*
 * heci.c - libheci transport core: device probing, backend dispatch,
 * connect retries and reconnect after an ME reset (see heci.h).
 *
 * Must not: touch file descriptors or errno directly; backends do the OS work.
 */
#include "heci.h"
#include "heci_time.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct heci {
	const struct heci_backend *be;
	const struct heci_callback_fw *fw;
	char *device; /* configured path or NULL */
	char path[256];
	char home[256]; /* node of the last successful probe: tried first next time */
	struct heci_guid guid;
	int connected;
	uint32_t max_msg_len;
	uint8_t proto_ver;
	int last_errno;
	unsigned busy_retries;
	unsigned busy_retry_ms;
	void *be_data;
};

const char *const heci_default_paths[] = {"/dev/mei0", "/dev/mei1", "/dev/mei2", "/dev/mei3",
					  "/dev/mei", NULL};

#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                          \
	{{(a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, (b) & 0xff,    \
	  ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff, d0, d1, d2, d3, d4, d5, d6, d7}}

const struct heci_guid HECI_GUID_AMTHI =
	GUID(0x12F80028u, 0xB4B7u, 0x4B2Du, 0xAC, 0xA8, 0x46, 0xE0, 0xFF, 0x65, 0x81, 0x4C);
const struct heci_guid HECI_GUID_LME =
	GUID(0x6733A4DBu, 0x0476u, 0x4E7Bu, 0xB3, 0xAF, 0xBC, 0xFC, 0x29, 0xBE, 0xE7, 0xA7);
const struct heci_guid HECI_GUID_MKHI =
	GUID(0x8E6A6715u, 0x9ABCu, 0x4043u, 0x88, 0xEF, 0x9E, 0x39, 0xC6, 0xF6, 0x3E, 0x0F);
const struct heci_guid HECI_GUID_WATCHDOG =
	GUID(0x05B79A6Fu, 0x4628u, 0x4D7Fu, 0x89, 0x9D, 0xA9, 0x15, 0x14, 0xCB, 0x32, 0xAB);

int heci_guid_parse(const char *text, struct heci_guid *out)
{
	return out ? guid_parse(text, out->b) : HECI_E_INVALID_ARG;
}

struct heci *heci_new(const struct heci_opts *opts)
{
	struct heci *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->be = (opts && opts->backend) ? opts->backend : &heci_backend_linux;
	h->fw = opts ? opts->fw : NULL;
	h->busy_retries = (opts && opts->busy_retries) ? opts->busy_retries : 3;
	h->busy_retry_ms = (opts && opts->busy_retry_ms) ? opts->busy_retry_ms : 500;
	if (opts && opts->device) {
		h->device = strdup(opts->device);
		if (!h->device) {
			free(h);
			return NULL;
		}
	}
	return h;
}

void heci_free(struct heci *h)
{
	if (!h)
		return;
	heci_disconnect(h);
	if (h->be->release)
		h->be->release(h);
	free(h->device);
	free(h);
}

/* Open path and connect; retries EBUSY a bounded number of times. */
static int try_node(struct heci *h, const char *path, const struct heci_guid *guid)
{
	int rc;

	/* heci_reconnect passes h->path itself; snprintf onto its own source
	 * is undefined and glibc empties the buffer before reading it. */
	if (path != h->path)
		snprintf(h->path, sizeof(h->path), "%s", path);
	for (unsigned attempt = 0;; attempt++) {
		rc = h->be->open(h, path);
		if (rc != 0)
			return rc;
		rc = h->be->connect(h, guid, &h->max_msg_len, &h->proto_ver);
		if (rc == 0) {
			h->connected = 1;
			h->guid = *guid;
			return 0;
		}
		h->be->close(h);
		/* busy_retries counts retries: 1 + busy_retries attempts in all */
		if (rc != HECI_E_BUSY || attempt >= h->busy_retries)
			return rc;
		heci_sleep_ms(h->busy_retry_ms);
	}
}

/* Rank errors so probing reports the most telling one. */
static int rank(int rc)
{
	switch (rc) {
	case HECI_E_CLIENT_NOT_FOUND:
		return 5;
	case HECI_E_BUSY:
		return 4;
	case HECI_E_NOT_READY:
	case HECI_E_DISCONNECTED:
		return 3;
	case HECI_E_ACCESS:
		return 2;
	case HECI_E_NO_DEVICE:
		return 0;
	default:
		return 1;
	}
}

/* The most telling failure seen while probing. */
struct probe_best {
	int rc;
	int errnum;
	char path[256];
};

/* Try one node; on success it becomes the handle's home node. */
static int probe(struct heci *h, const char *node, const struct heci_guid *guid,
		 struct probe_best *best)
{
	int rc = try_node(h, node, guid);
	if (rc == 0) {
		if (node != h->home) /* never snprintf a buffer onto itself */
			snprintf(h->home, sizeof(h->home), "%s", node);
		return 0;
	}
	if (rank(rc) > rank(best->rc) || best->path[0] == '\0') {
		best->rc = rc;
		best->errnum = h->last_errno;
		snprintf(best->path, sizeof(best->path), "%s", h->path);
	}
	return rc;
}

int heci_connect(struct heci *h, const struct heci_guid *guid)
{
	if (!h || !guid)
		return HECI_E_INVALID_ARG;
	heci_disconnect(h);
	/* Remember the client even if this fails, so heci_reconnect() retries
	 * this client and never silently the previous one. */
	h->guid = *guid;
	if (h->device)
		return try_node(h, h->device, guid);

	/* Once a client connected on a node, the ME's other clients are asked
	 * on that node first: with several MEI functions (a graphics MEI on
	 * mei0, the CSME on mei1) probing from mei0 again could reach a
	 * different ME. */
	struct probe_best best = {HECI_E_NO_DEVICE, 0, ""};
	if (h->home[0] && probe(h, h->home, guid, &best) == 0)
		return 0;
	for (size_t i = 0; heci_default_paths[i]; i++)
		if (strcmp(heci_default_paths[i], h->home) != 0 &&
		    probe(h, heci_default_paths[i], guid, &best) == 0)
			return 0;
	h->last_errno = best.errnum;
	snprintf(h->path, sizeof(h->path), "%s", best.path);
	return best.rc;
}

int heci_reconnect(struct heci *h)
{
	if (!h || h->path[0] == '\0')
		return HECI_E_INVALID_ARG;
	heci_disconnect(h);
	return try_node(h, h->path, &h->guid);
}

void heci_disconnect(struct heci *h)
{
	if (!h)
		return;
	h->be->close(h);
	h->connected = 0;
}

int heci_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms)
{
	if (!h || (!buf && len))
		return HECI_E_INVALID_ARG;
	if (!h->connected)
		return HECI_E_NOT_CONNECTED;
	if (len > h->max_msg_len)
		return HECI_E_TOO_BIG;
	return h->be->write(h, buf, len, timeout_ms);
}

int heci_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms)
{
	if (!h || !buf || !out_len || cap == 0)
		return HECI_E_INVALID_ARG;
	if (!h->connected)
		return HECI_E_NOT_CONNECTED;
	*out_len = 0;
	return h->be->read(h, buf, cap, out_len, timeout_ms);
}

void heci_cancel(struct heci *h)
{
	if (h && h->be->cancel)
		h->be->cancel(h);
}

uint32_t heci_max_msg_len(const struct heci *h)
{
	return h ? h->max_msg_len : 0;
}

uint8_t heci_protocol_version(const struct heci *h)
{
	return h ? h->proto_ver : 0;
}

const char *heci_device_path(const struct heci *h)
{
	return h && h->path[0] ? h->path : (h && h->device ? h->device : "/dev/mei0");
}

int heci_last_errno(const struct heci *h)
{
	return h ? h->last_errno : 0;
}

void heci_set_errno(struct heci *h, int errnum)
{
	h->last_errno = errnum;
}

void *heci_backend_data(struct heci *h)
{
	return h->be_data;
}

void heci_set_backend_data(struct heci *h, void *data)
{
	h->be_data = data;
}

const struct heci_callback_fw *heci_callback_fw(const struct heci *h)
{
	return h->fw;
}

/* ---- null backend: there is never a device ---- */

static int null_open(struct heci *h, const char *path)
{
	(void)path;
	heci_set_errno(h, ENOENT);
	return HECI_E_NO_DEVICE;
}

static int null_connect(struct heci *h, const struct heci_guid *g, uint32_t *m, uint8_t *v)
{
	(void)h, (void)g, (void)m, (void)v;
	return HECI_E_NOT_CONNECTED;
}

static int null_write(struct heci *h, const uint8_t *b, size_t l, int t)
{
	(void)h, (void)b, (void)l, (void)t;
	return HECI_E_NOT_CONNECTED;
}

static int null_read(struct heci *h, uint8_t *b, size_t c, size_t *o, int t)
{
	(void)h, (void)b, (void)c, (void)o, (void)t;
	return HECI_E_NOT_CONNECTED;
}

static void null_close(struct heci *h)
{
	(void)h;
}

const struct heci_backend heci_backend_null = {
	.name = "null",
	.open = null_open,
	.connect = null_connect,
	.write = null_write,
	.read = null_read,
	.cancel = NULL,
	.close = null_close,
};
