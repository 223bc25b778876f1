// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman.h - AMT's WS-Management service in the simulator: HTTP on
 * listen_addr:16992 (HTTPS on 16993 when [amt] tls_cert/tls_key are set),
 * and the same service reached from the host through the LME client, which
 * asks for one connected stream per APF channel.
 *
 * Owns: the service thread and its event_base, the listeners, HTTP digest
 * authentication and the nonces it issued. The SOAP side is in
 * sim_wsman_soap.c, the classes in sim_wsman_classes.c and sim_3pds.c.
 * Must not: touch fw->st without the ME lock, or log a password.
 */
#ifndef SIM_WSMAN_H
#define SIM_WSMAN_H

#include <stdbool.h>
#include <stddef.h>

struct sim_fw;
struct sim_wsman;

#define SIM_WSMAN_HTTP_PORT 16992

/* Start the service thread (own event_base). listen_addr NULL = internal
 * only; else bind listen_addr:16992 and, when [amt] tls_cert/tls_key are
 * set, listen_addr:16993 with TLS. listen_addr may be "ADDR:PORT" (IPv6 as
 * "[ADDR]:PORT"): PORT replaces 16992 and TLS uses PORT+1; PORT 0 picks free
 * ports for both and logs them ("WS-Man HTTP on ADDR:PORT"). Connections to a
 * loopback listen_addr count as local, like requests relayed by LMS.
 * Returns NULL with a one-line reason in err. */
struct sim_wsman *sim_wsman_start(struct sim_fw *fw, const char *listen_addr, char *err,
				  size_t errcap);
/* A new connected, non-blocking stream fd to the service, as if a TCP
 * client had connected to 16992 (tls: 16993, which needs [amt]
 * tls_cert/tls_key; -ECONNREFUSED without), used per APF channel: local for
 * the LME client (the host side), not local for CIRA (a network interface,
 * where the local system account is refused). The stream is a Unix socket
 * to an internal listener with a kernel-chosen abstract name: no TCP per
 * channel. Never blocks (-EAGAIN when the service's backlog is full).
 * Thread-safe. Returns fd or -errno. */
int sim_wsman_connect_stream(struct sim_wsman *w, bool tls, bool local);
/* sim_wsman_connect_stream(w, false, true), as a blocking fd (tests). */
int sim_wsman_connect_internal(struct sim_wsman *w);
/* Joins the thread, frees everything. NULL-safe. */
void sim_wsman_stop(struct sim_wsman *w);

/* ---- many services on one loop (amt-sim fleet) ---- */

struct event_base;
struct ssl_ctx_st;
struct x509_st;
struct evp_pkey_st;

/* Counters several services share (relaxed atomics: services may run on
 * several loops). */
struct sim_wsman_stats {
	_Atomic unsigned long requests, challenges;        /* answered; of them 401 */
	_Atomic unsigned long handshakes, resumed;         /* TLS connections; of them resumed */
};

struct sim_wsman_attach {
	struct event_base *base; /* the caller's loop; the service runs on its thread */
	int http_fd, https_fd;   /* bound, listening, non-blocking sockets (-1: none);
				  * the service owns them */
	bool local;              /* requests count as from the host (loopback) */
	struct ssl_ctx_st *ssl;  /* borrowed context for https_fd */
	/* this device's certificate and key, used on each of its TLS
	 * connections instead of the context's (NULL: the context's); borrowed */
	struct x509_st *cert;
	struct evp_pkey_st *key;
	unsigned reply_delay_ms; /* answer each request this much later (a slow device) */
	struct sim_wsman_stats *stats; /* NULL: none kept */
};

/* A service on a ready loop, with no thread and no internal listener (no
 * LME relay): what amt-sim fleet runs one of per simulated device. Stop it
 * with sim_wsman_stop() from the loop's thread once the loop has ended.
 * NULL with a one-line reason in err. */
struct sim_wsman *sim_wsman_attach(struct sim_fw *fw, const struct sim_wsman_attach *a,
				   char *err, size_t errcap);

/* As a part of the firmware (sim_fw.c's table): start on fw->listen_addr
 * (0, or -1 with the reason in err), and stop fw->wsman (NULL-safe). */
int sim_wsman_register(struct sim_fw *fw, char *err, size_t errcap);
void sim_wsman_shutdown(struct sim_fw *fw);

#endif
