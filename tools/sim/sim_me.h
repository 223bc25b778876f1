// SPDX-License-Identifier: Apache-2.0
/*
 * sim_me.h - the simulated Management Engine: firmware clients, host
 * connections, message queues, timing and transport-level faults.
 *
 * Owns: the table of firmware clients (GUID, MTU, protocol version, how many
 * host connections each allows), one struct sim_conn per open device file,
 * the reply queue of each connection (one message per read, partial reads
 * keep the rest of the message as the kernel driver does), its write (TX)
 * queue and limit, per-message latency, ME reset, EBUSY on connect, and
 * truncated/oversized replies.
 * Must not: know FUSE (sim_fuse.c) or any client protocol (sim_amthi.c,
 * sim_mkhi.c, ... register handlers here).
 *
 * Locking: one mutex inside struct sim_me guards everything here. The
 * device layer's wake callback is never called with that mutex held, so the
 * callback may call sim_conn_read()/sim_conn_poll() directly.
 */
#ifndef SIM_ME_H
#define SIM_ME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_me;
struct sim_conn;

/* A firmware client. Handlers run with the ME mutex held and answer by
 * calling sim_conn_reply() (zero, one or several times). */
struct sim_client_def {
	const char *name;
	uint8_t guid[16]; /* ioctl byte order */
	uint32_t mtu;
	uint8_t proto_ver;
	unsigned max_conns; /* 0 = unlimited */
	void (*on_connect)(void *ctx, struct sim_conn *c);
	void (*on_message)(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len);
	void (*on_disconnect)(void *ctx, struct sim_conn *c);
	void *ctx;
};

/* Transport faults, settable at any time (state file [sim] section, SIGHUP). */
struct sim_faults {
	unsigned latency_ms;       /* delay before each reply becomes readable */
	int busy_connects;         /* next N connects get EBUSY; -1 = always */
	unsigned reset_on_request; /* the Nth host message (1-based, all clients) resets the ME */
	unsigned reset_count;      /* how many consecutive messages reset (default 1) */
	uint32_t truncate_cmd;     /* AMTHI command whose reply is cut short; 0 = off */
	uint32_t oversize_cmd;     /* AMTHI command whose reply gets 64 extra bytes; 0 = off */
	unsigned tx_queue_limit;   /* host messages queued per connection; 0 = the default */
};

/* The driver's per-connection TX queue limit (MEI_TX_QUEUE_LIMIT_DEFAULT). */
#define SIM_TX_QUEUE_LIMIT_DEFAULT 50u

/* Callback the device layer registers to learn a connection became readable,
 * hit an error (ME reset), or both. */
typedef void (*sim_wake_fn)(void *dev_ctx);

struct sim_me *sim_me_new(void);
void sim_me_free(struct sim_me *me);
/* Register a client before the device is exposed. Returns 0 or -ENOMEM. */
int sim_me_add_client(struct sim_me *me, const struct sim_client_def *def);
void sim_me_set_faults(struct sim_me *me, const struct sim_faults *f);
void sim_me_get_faults(struct sim_me *me, struct sim_faults *f);
/* Simulate an ME reset now: every connection becomes disconnected (reads
 * fail ENODEV, poll reports an error) until the host closes and reopens. */
void sim_me_reset(struct sim_me *me);
/* The host (its OS and MEI driver) is up, or not: powered off or asleep.
 * While it is not, a connect fails with ENODEV (the device file stays: a
 * powered-off host has no software that could open it, and this is what
 * software that races the power-off sees), and when it goes every
 * connected host connection is reset as by an ME reset. The firmware's
 * own services (WS-Man, hello, CIRA) are untouched. */
void sim_me_set_host_present(struct sim_me *me, bool present);
bool sim_me_host_present(struct sim_me *me);
/* What the reset hook is told. */
enum sim_me_event {
	SIM_ME_EV_RESET,     /* an ME reset (SIGUSR1 or the reset_on_request fault) */
	SIM_ME_EV_HOST_GONE, /* the host left S0 (its connections were reset) */
	SIM_ME_EV_HOST_BACK, /* the host is back in S0 */
};
/* Call fn(arg, ev), with the ME lock held, after every ME reset and when
 * the host goes or comes back: a firmware part whose runtime these end or
 * pause (agent presence sessions and timers). One hook; NULL removes it. */
void sim_me_set_reset_hook(struct sim_me *me, void (*fn)(void *arg, enum sim_me_event ev),
			   void *arg);
/* Lock the ME for code outside handlers that touches shared model state
 * (e.g. timer threads). Handlers already run locked. */
void sim_me_lock(struct sim_me *me);
void sim_me_unlock(struct sim_me *me);
/* Count of host messages received since start (for tests/benchmarks). */
unsigned long sim_me_message_count(struct sim_me *me);

/* ---- device layer side (one sim_conn per open file) ---- */
struct sim_conn *sim_conn_open(struct sim_me *me, sim_wake_fn wake, void *dev_ctx);
void sim_conn_close(struct sim_conn *c);
/* IOCTL_MEI_CONNECT_CLIENT: 0 or -ENOTTY (unknown GUID), -EBUSY (already
 * connected, connection limit, or fault), -ENODEV (ME in reset, or the
 * host powered off). */
int sim_conn_connect(struct sim_conn *c, const uint8_t guid[16], uint32_t *mtu, uint8_t *ver);
/* write(): 0 or -ENODEV (not connected / reset), -EFBIG (len > MTU),
 * -EAGAIN (the TX queue holds tx_queue_limit messages: the firmware is
 * waiting for the host to read its answers; see sim_me.c), -ENOMEM.
 * len == 0 is accepted and ignored, as the driver does. */
int sim_conn_write(struct sim_conn *c, const uint8_t *buf, size_t len);
/* read(): bytes copied (>= 0), or -EAGAIN (nothing yet), -ENODEV (reset or
 * not connected). A message longer than cap is returned in pieces. */
long sim_conn_read(struct sim_conn *c, uint8_t *buf, size_t cap);
/* poll(): bit 0 readable, bit 1 error (not connected or reset), bit 2
 * writable (the TX queue is below its limit). */
#define SIM_POLL_IN 1u
#define SIM_POLL_ERR 2u
#define SIM_POLL_OUT 4u
unsigned sim_conn_poll(struct sim_conn *c);

/* ---- client handler side ---- */
/* Queue a reply (copied) for the host; it becomes readable after latency. */
void sim_conn_reply(struct sim_conn *c, const uint8_t *msg, size_t len);
/* Queue a reply from outside a handler (timer threads): takes the lock. */
void sim_conn_reply_async(struct sim_me *me, struct sim_conn *c, const uint8_t *msg, size_t len);
/* The client this connection is connected to, or NULL. */
const struct sim_client_def *sim_conn_client(const struct sim_conn *c);
/* Per-connection slot for the client handler's own state. */
void *sim_conn_get_data(const struct sim_conn *c);
void sim_conn_set_data(struct sim_conn *c, void *data);
struct sim_me *sim_conn_me(const struct sim_conn *c);

#endif
