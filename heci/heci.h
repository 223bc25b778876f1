// SPDX-License-Identifier: Apache-2.0
/*
 * heci.h - libheci transport: one connection to one ME firmware client.
 *
 * Owns: finding the MEI device node, connecting to a firmware client by GUID,
 * moving whole messages with bounded waits, cancellation, and reconnecting
 * after an ME reset. Backends sit behind a small ops table (Linux /dev/meiN,
 * an in-process callback "firmware" for tests, and a null backend).
 * Must not: know AMTHI, MKHI or APF; those codecs sit on top.
 *
 * Threading: a struct heci is used by one thread at a time; heci_cancel()
 * may be called from any thread or a signal handler.
 */
#ifndef HECI_H
#define HECI_H

#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "heci_error.h"

/* 16 raw bytes as passed to IOCTL_MEI_CONNECT_CLIENT (mixed-endian uuid_le). */
struct heci_guid {
	uint8_t b[16];
};

/* Parse "12F80028-B4B7-4B2D-ACA8-46E0FF65814C" into the ioctl byte order
 * (guid_parse() into a struct heci_guid); format with guid_format(g.b, ...). */
int heci_guid_parse(const char *text, struct heci_guid *out);

extern const struct heci_guid HECI_GUID_AMTHI;
extern const struct heci_guid HECI_GUID_LME;
extern const struct heci_guid HECI_GUID_MKHI;
extern const struct heci_guid HECI_GUID_WATCHDOG;

struct heci;

/*
 * Backend ops. Every op returns 0 or a negative enum heci_err and may store
 * the raw errno with heci_set_errno(). `open` and `close` act on one device
 * node; probing across nodes is done by the core.
 *   open     (required) open the node at path
 *   connect  (required) connect to guid; fill *max_msg_len and *proto_ver
 *   write    (required) send one whole message, waiting at most timeout_ms
 *   read     (required) receive one whole message into buf[cap]; *out_len = size
 *   cancel   (optional) wake a blocked read/write from another thread
 *   close    (required) disconnect and release the node; must be idempotent
 *   release  (optional) free backend state kept across reconnects (heci_free)
 */
struct heci_backend {
	const char *name;
	int (*open)(struct heci *h, const char *path);
	int (*connect)(struct heci *h, const struct heci_guid *guid, uint32_t *max_msg_len,
		       uint8_t *proto_ver);
	int (*write)(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms);
	int (*read)(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms);
	void (*cancel)(struct heci *h);
	void (*close)(struct heci *h);
	void (*release)(struct heci *h);
};

extern const struct heci_backend heci_backend_linux;
extern const struct heci_backend heci_backend_null;

/* In-process firmware for tests: called once per written message; may queue
 * zero or more replies with heci_callback_reply(). */
typedef int (*heci_fw_fn)(void *arg, struct heci *h, const struct heci_guid *client,
			  const uint8_t *msg, size_t len);
struct heci_callback_fw {
	heci_fw_fn on_message;
	/* return 0, or a negative heci_err to refuse (e.g. HECI_E_CLIENT_NOT_FOUND) */
	int (*on_connect)(void *arg, const struct heci_guid *client, uint32_t *max_msg_len,
			  uint8_t *proto_ver);
	void *arg;
};
extern const struct heci_backend heci_backend_callback;
int heci_callback_reply(struct heci *h, const uint8_t *msg, size_t len);

/* Where to look for the device when no path is given. */
extern const char *const heci_default_paths[];

struct heci_opts {
	const struct heci_backend *backend; /* NULL = Linux */
	const char *device;                 /* NULL = probe heci_default_paths */
	const struct heci_callback_fw *fw;  /* only for heci_backend_callback */
	unsigned busy_retries;              /* connect retries on EBUSY (default 3) */
	unsigned busy_retry_ms;             /* wait between them (default 500) */
};

/* Allocate a handle; nothing is opened yet. NULL on ENOMEM. */
struct heci *heci_new(const struct heci_opts *opts);
void heci_free(struct heci *h);

/*
 * Open the device (probing when no path was given) and connect to guid.
 * When probing, nodes are tried in order until one connects; the error
 * reported is the most telling one seen (client-not-found beats busy beats
 * access beats no-device).
 */
int heci_connect(struct heci *h, const struct heci_guid *guid);
/* Close and reopen the same node and client (after HECI_E_DISCONNECTED). */
int heci_reconnect(struct heci *h);
void heci_disconnect(struct heci *h);

int heci_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms);
/* Reads one message; buf must hold heci_max_msg_len() bytes for no truncation. */
int heci_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out_len, int timeout_ms);
void heci_cancel(struct heci *h);

uint32_t heci_max_msg_len(const struct heci *h);
uint8_t heci_protocol_version(const struct heci *h);
/* The node actually opened (or the last one tried), for messages. */
const char *heci_device_path(const struct heci *h);
/* The errno behind the last error, 0 if none. */
int heci_last_errno(const struct heci *h);

/* For backends. */
void heci_set_errno(struct heci *h, int errnum);
void *heci_backend_data(struct heci *h);
void heci_set_backend_data(struct heci *h, void *data);
const struct heci_callback_fw *heci_callback_fw(const struct heci *h);

#endif
