// SPDX-License-Identifier: Apache-2.0
/*
 * sim_lme.h - the LME firmware client of the simulated ME: AMT's side of
 * APF port forwarding (protocol-facts.md 6.5/6.6, 10).
 *
 * Owns: one APF session per host connection in the AMT role (it sends
 * PROTOCOLVERSION, asks for auth@ and pfwd@amt.intel.com, authenticates
 * with method "none", requests tcpip-forward for 16992 and 623), answers
 * host CHANNEL_OPEN forwarded-tcpip by connecting a stream to the service
 * sim_ports.c names for the port (as the host side: local), and relays
 * bytes both ways within both flow-control windows (sim_chan.c, shared
 * with the CIRA tunnel). It closes the channel when the service closes its
 * side (AMT closes after each HTTP response).
 * Must not: block in a handler (they run under the ME lock): stream I/O and
 * service connects happen on one relay thread per sim_lme, which sends to
 * the host with the ME lock held.
 *
 * Values not stated by any source (UNVERIFIED): AMT's initial channel
 * window (SIM_LME_WINDOW), AMT's channel id numbering, the trigger reason
 * in AMT's PROTOCOLVERSION (0 here), and how AMT reacts to a protocol
 * error (here: DISCONNECT reason 2, then silence until the host reconnects).
 */
#ifndef SIM_LME_H
#define SIM_LME_H

#include <stddef.h>
#include <stdint.h>

struct sim_fw;

#define SIM_LME_MTU 8192u         /* rpc-go test hardware (UNVERIFIED generally) */
#define SIM_LME_PROTO_VER 4u
#define SIM_LME_WINDOW 4096u      /* our RX window per channel; UNVERIFIED */
#define SIM_LME_MAX_CHANNELS 16u

/* Connect a stream for a channel to port; returns a connected stream fd
 * (sim_lme owns and closes it) or a negative errno. Runs on the relay
 * thread without the ME lock. */
typedef int (*sim_lme_connect_fn)(void *arg, uint32_t port);

/* Register the LME client (one connection at a time: a second host gets
 * EBUSY, as when LMS owns it) and create fw->lme; while AMT is disabled the
 * client is absent (nothing registered, fw->lme stays NULL). The relay
 * thread starts at the first host connection. 0 or -errno. */
int sim_lme_register(struct sim_fw *fw, char *err, size_t errcap);
/* Replace how channels reach the service (tests); fn NULL restores the
 * default, the service sim_ports.c names for the port. Ports without a
 * service there are refused either way (connect failed). */
void sim_lme_set_connect(struct sim_fw *fw, sim_lme_connect_fn fn, void *arg);
/* Stop the relay thread, close every stream, free fw->lme. Call without
 * the ME lock, after the host connections are closed, before sim_me_free. */
void sim_lme_shutdown(struct sim_fw *fw);

#endif
