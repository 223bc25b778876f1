// SPDX-License-Identifier: Apache-2.0
/*
 * sim_redir.h - AMT's redirection service in the simulator: Serial-over-LAN
 * on TCP 16994 and, with [amt] tls_cert/tls_key, over TLS on 16995 (the
 * certificate of 16993), on --listen's address and to APF channels (the
 * CIRA tunnel's port table connects them here).
 *
 * Owns: the service thread and its event_base, the listeners, the
 * connections (one struct sim_sol each, sim_sol.c), the rule that at most
 * one SOL session runs, the gap after a reply that must reach the console
 * alone, heartbeats at the interval the console asked for, the idle
 * limits, and pumping the simulated console (fw->console) both ways.
 * Must not: decide protocol order or authentication (sim_sol.c), power
 * (sim_host.c) or consent (sim_optin.c); hold the ME lock during I/O; log
 * a password.
 *
 * Ports: --listen ADDR uses 16994/16995; --listen ADDR:PORT uses PORT+2 and
 * PORT+3 (beside WS-Man's PORT and PORT+1); PORT 0 picks free ports and
 * logs them ("SOL on ADDR:PORT", "SOL over TLS on ADDR:PORT"). The plain
 * port is opened on the network only when [sim] redirection_plain allows
 * it (by default below AMT 16: from ME 16 on firmware refuses non-TLS
 * SOL/IDE-R, one source); APF channels reach both ports whatever it says
 * (the CIRA tunnel is TLS already: our reading).
 * IDE-R sessions ("IDER") run on the same connections (sim_redir_ider.c).
 * AMT_RedirectionService gates it: with ListenerEnabled false a connection
 * is closed at once (and a channel refused); with SOL disabled a SOL
 * session start is refused.
 * Limits (simulator choices): 4 connections at once (more are closed at
 * once), 20 s to get from connect to a running SOL or IDE-R session, then the
 * console's HostSessionRxTimeout (60 s when it gives 0, never less than
 * two heartbeat intervals and a second) without a byte from it; 100 ms of
 * silence after a reply that must arrive alone.
 */
#ifndef SIM_REDIR_H
#define SIM_REDIR_H

#include <stdbool.h>
#include <stddef.h>

struct sim_fw;
struct sim_redir;

/* A new connected stream to the service, as a TCP client to 16994 (tls:
 * 16995; -ECONNREFUSED without TLS files, or while the listener is
 * disabled). Thread-safe, call without the ME lock. fd or -errno. */
int sim_redir_connect_stream(struct sim_redir *r, bool tls);
/* The bound network port (tests), -1 if none. */
int sim_redir_net_port(const struct sim_redir *r, bool tls);

/* The firmware part: start on fw->listen_addr (0, or -1 with the reason
 * in err), and stop fw->redir (NULL-safe). */
int sim_redir_register(struct sim_fw *fw, char *err, size_t errcap);
void sim_redir_shutdown(struct sim_fw *fw);

#endif
