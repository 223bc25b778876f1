// SPDX-License-Identifier: Apache-2.0
/*
 * listen_relay.h - the relay of one CIRA tunnel: for every port the device
 * forwarded, a local listening port (--relay-bind, port from the kernel or
 * --relay-ports) whose accepted TCP connections each become one APF channel
 * to that port of the device, so a technician's tools (a WS-Man client on
 * 16992's relay port, a TLS client on 16993's) reach the machine through
 * the tunnel unchanged.
 *
 * Owns: the listening sockets, the relayed connections (sockets, their buffers and events), the
 * bytes between them and their channels within both windows (mps_chan.c
 * keeps the windows), the open timeout, and the limits: channels per
 * tunnel (the table's size) and relayed connections in the whole listener
 * (the shared gate).
 * Must not: speak APF itself (the tunnel's session and channel table do),
 * touch the store, or log relayed bytes.
 */
#ifndef VERIFY_LISTEN_RELAY_H
#define VERIFY_LISTEN_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "listen.h"
#include "mps_apf.h"

struct relay;

struct relay_cfg {
	struct listen_gate *gate; /* relayed connections of the whole listener */
	const struct sockaddr *bind_sa; /* address to bind (its port is ignored) */
	socklen_t bind_salen;
	unsigned port_low, port_high;   /* 0-0: the kernel picks */
	/* The device broke the rules (a CHANNEL_OPEN left unanswered): the
	 * tunnel must end. Called from the loop; may free the relay. */
	void (*fail)(void *arg, const char *why);
	void *fail_arg;
};

/* A relay for sess's tunnel (source: the device, for log lines). NULL on
 * ENOMEM. No port is relayed before relay_sync(). */
struct relay *relay_new(struct listen_ctx *ctx, const struct relay_cfg *cfg,
			struct mps_session *sess, const char *source);
/* Listen for each port the device forwards now, stop for those it
 * cancelled. Returns true when the set of relay ports changed. A port that
 * cannot be bound is logged and left without a relay. */
bool relay_sync(struct relay *r);
/* The session's channel events (mps_hooks.chan_event). */
void relay_chan_event(struct relay *r, int h, enum mps_chan_event ev, uint32_t reason,
		      const uint8_t *data, size_t len);
/* {"16992": "127.0.0.1:41234", ...}: a new JSON object, NULL on ENOMEM. */
json_t *relay_ports_json(const struct relay *r);
/* The relay address of a device port ("127.0.0.1:41234"), NULL if none. */
const char *relay_address(const struct relay *r, uint32_t amt_port);
/* Close every relayed connection (clean close: FIN, after nothing more can
 * come) and every listening port. NULL-safe. */
void relay_free(struct relay *r);

#endif
