// SPDX-License-Identifier: Apache-2.0
/*
 * sim_ports.h - the TCP services AMT offers through APF channels, one row
 * per port: which service answers a channel to it, whether the platform
 * has it (so the CIRA tunnel forwards it), and the order firmware asks an
 * MPS for tcpip-forward. Shared by the LME client (sim_lme.c, the host
 * side) and the CIRA tunnel (sim_cira_tunnel.c, a network interface).
 *
 * Order (sim_ports.c's table, top to bottom): 16993, 16992, 664, 623,
 * 16995, 16994, 5900, as both public MPS implementations state it: MeshCentral
 * mpsserver.js and open-amt-cloud-toolkit/mps src/amt/APFProcessor.ts
 * ("Ports order: 16993, 16992, 664, 623, 16995, 16994, 5900"; both send
 * KEEPALIVE_OPTIONS_REQUEST only when the 5900 forward arrives, i.e. they
 * wait for the last one).
 * Must not: keep state, speak APF, or block beyond a loopback connect.
 * Adding a service (as the redirection ports were): fill in its row's
 * connect function.
 */
#ifndef SIM_PORTS_H
#define SIM_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_fw;
struct sim_state;

struct sim_port {
	uint32_t port;
	const char *service; /* for log lines: "WS-Management over TLS" */
	/* The platform has this service: a CIRA tunnel forwards the port. */
	bool (*present)(const struct sim_state *st);
	/* A connected, non-blocking stream to the service, or -errno (never
	 * waits: a service that cannot take it now is -EAGAIN); local: the channel
	 * came from the host side (LME) rather than a network interface
	 * (CIRA). Called without the ME lock (it takes it to find the
	 * service). NULL: the simulator does not serve this port yet, and a
	 * channel to it is refused with reason 2 (connect failed). */
	int (*connect)(struct sim_fw *fw, bool local);
};

/* The row for port, or NULL (a port AMT has no service on). */
const struct sim_port *sim_port_find(uint32_t port);
/* The ports a CIRA tunnel asks the MPS to forward for this state, in
 * firmware order; returns how many (at most cap are written). Caller holds
 * the ME lock or owns st. */
size_t sim_ports_forwarded(const struct sim_state *st, uint32_t *out, size_t cap);
#define SIM_PORTS_MAX 8u

#endif
