// SPDX-License-Identifier: Apache-2.0
/*
 * tunnel_target.h - where an amt-verify command that talks to a device
 * connects: `HOST` directly, or `--via-tunnel UUID`, the relay port a
 * running `amt-verify listen --mps` keeps for that device's CIRA tunnel
 * (found in the store, --db). One resolution for every such command
 * (device, reports --check, and later power, boot, console, subscribe,
 * presence, ider: each names the AMT port it needs, e.g. 16994 for SOL).
 *
 * Owns: looking a tunnel up in the store (read-only), choosing the relay
 * of the wanted port, and the one-line errors with their exit codes.
 * Must not: connect anywhere or write to the store.
 */
#ifndef VERIFY_TUNNEL_TARGET_H
#define VERIFY_TUNNEL_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "device.h"
#include "store.h"

struct target_spec {
	const char *host;       /* HOST, or NULL with via_tunnel */
	const char *via_tunnel; /* a device UUID, or NULL */
	const char *db;         /* the listener's store (--db; NULL: the default) */
	unsigned port;          /* an explicit --port (HOST only); 0: the AMT port */
};

struct target_addr {
	char connect_host[256]; /* IP literal or name to connect to */
	unsigned connect_port;
	/* The device's name: the URL host for TLS (its certificate names it) and
	 * for messages. HOST itself, or the tunnel's AMT host name (the relay
	 * address when the tunnel did not tell). */
	char name[256];
	bool via_tunnel;
	char relay[272];        /* "127.0.0.1:41234" with a tunnel */
};

/* One open tunnel as a lookup result. */
struct tunnel_info {
	char uuid[VERIFY_UUID_STR_LEN];
	char host_name[256];    /* "" when unknown */
	char since[VERIFY_TIME_LEN];
	json_t *ports;          /* {"16992": "127.0.0.1:41234", ...}; owned */
};

/* The newest open tunnel from uuid (case-insensitive) in an open store:
 * 1 and *out (release with tunnel_info_clear), 0 when there is none, -1
 * with a reason in err. */
int tunnel_find(struct store *st, const char *uuid, struct tunnel_info *out, char *err,
		size_t errlen);
void tunnel_info_clear(struct tunnel_info *t);
/* The relay of amt_port in t: "ADDR:PORT" split into host and port; false
 * when the tunnel does not carry that port. */
bool tunnel_relay(const struct tunnel_info *t, unsigned amt_port, char *host, size_t hostcap,
		  unsigned *port);

/* Where a device_target goes through a tunnel, and the text that says so. */
struct tunnel_route {
	char host[256];        /* the relay's address */
	char relay[300];       /* "ADDR:PORT" of the relay */
	char connect_to[600];  /* TLS: HOST:16993:ADDR:PORT */
};

/* Aim t at the relay of the AMT port t asks for (16993 with t->tls, else
 * 16992): over TLS the URL names AMT's host (its certificate is checked
 * against it) and the connection goes to the relay. r holds the strings t
 * then points at. false when the tunnel does not carry that port. */
bool tunnel_route(const struct tunnel_info *tun, struct device_target *t, struct tunnel_route *r);

/*
 * Where to connect for amt_port (16992, 16993, ...). 0, or an exit code
 * with a one-line reason in err: VERIFY_EXIT_USAGE (bad spec, store
 * unreadable), VERIFY_EXIT_NETWORK (no open tunnel from that device, or it
 * does not carry amt_port).
 */
int target_resolve(const struct target_spec *spec, unsigned amt_port, struct target_addr *out,
		   char *err, size_t errlen);

#endif
