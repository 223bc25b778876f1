// SPDX-License-Identifier: Apache-2.0
/*
 * sim_cira.h - the AMT (client) side of a user-initiated CIRA tunnel
 * (protocol-facts.md sections 6 and 9).
 *
 * Owns: one thread per simulator that, while a tunnel is requested
 * (OpenUserInitiatedConnection), connects to [cira] mps over TLS (1.2+,
 * certificate verified against [cira] ca and the host name), runs the APF
 * handshake AMT runs towards an MPS (PROTOCOLVERSION, auth service,
 * USERAUTH password, pfwd service, tcpip-forward for each port the
 * platform has, in firmware's order: sim_ports.h), then keeps the tunnel
 * alive and serves the channels the MPS opens (sim_cira_tunnel.c) until it
 * is closed, the MPS goes away, the tunnel lifetime ends or the simulator
 * stops. While a tunnel is requested it owns the reported status
 * (connecting -> connected, read with sim_cira_status under the ME lock)
 * and keeps it to itself: fw->st holds not_connected meanwhile, which is
 * what a save writes, because a tunnel does not survive a restart. When the
 * request ends, not_connected.
 * Must not: decide whether a tunnel is permitted (sim_amthi.c does), build
 * APF bytes by hand (proto/apf_codec.h), log the CIRA password, or hold the
 * ME lock during network I/O.
 */
#ifndef SIM_CIRA_H
#define SIM_CIRA_H

#include <stdbool.h>
#include <stdint.h>

struct sim_fw;

#define SIM_CIRA_DEFAULT_PORT 4433u /* Open AMT MPS CIRA port */
#define SIM_CIRA_RETRY_S 2u         /* firmware seconds between attempts */

/* Request a tunnel: status connecting, trigger user initiated, and the
 * client starts trying. No-op when one is already requested (connecting
 * or connected). Caller holds the ME lock. Returns 0 or -errno. */
int sim_cira_open(struct sim_fw *fw);
/* Close the requested tunnel, if any: status not_connected at once; the
 * client sends APF DISCONNECT (by application) and closes TLS. Returns
 * true when there was one. Caller holds the ME lock. */
bool sim_cira_close(struct sim_fw *fw);
/* While a tunnel is requested: true and its status (connecting or
 * connected), which a reload of the state file (SIGHUP) does not reset.
 * Caller holds the ME lock. */
bool sim_cira_status(const struct sim_fw *fw, uint32_t *status);
/* Close any tunnel, join the client thread, free it. Call without the
 * ME lock. */
void sim_cira_shutdown(struct sim_fw *fw);

#endif
