// SPDX-License-Identifier: Apache-2.0
/*
 * sim_redir_int.h - what the two files of the simulated redirection service
 * share: sim_redir.c (the service: listeners, TLS, the thread, the console's
 * timer, the firmware part), sim_redir_conn.c (one connection: its
 * output queue and the silence after a reply that must arrive alone, the
 * session's requests, pumping the console, heartbeats and idle limits) and
 * sim_redir_ider.c (the IDE-R session of a connection, and the host's BIOS
 * booting from it).
 * Must not: be included outside those two files.
 */
#ifndef SIM_REDIR_INT_H
#define SIM_REDIR_INT_H

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim_ider.h"
#include "sim_ider_bios.h"
#include "sim_redir.h"
#include "sim_sol.h"

#define MAX_CONNS 4 /* connections at once; more are closed at once */

enum { L_INTERNAL, L_INTERNAL_TLS, L_NET, L_NET_TLS, L_COUNT };

struct out_msg {
	struct out_msg *next;
	size_t len;
	bool alone;
	uint8_t data[];
};

struct conn {
	struct sim_redir *r;
	struct bufferevent *bev; /* NULL: free slot */
	struct sim_sol sol;
	char peer[INET6_ADDRSTRLEN + 24];
	struct out_msg *head, *tail;
	bool gap;           /* the silence after an alone reply */
	bool gap_on_drain;  /* an alone reply is in the buffer: silence once it left */
	bool closing;       /* close once everything queued has left */
	bool sol_owner;     /* holds the SOL session */
	bool power_on;      /* what the last 0x29 said */
	struct sim_ider ider; /* an IDE-R session's part, once it is authenticated */
	bool ider_init;     /* ider is initialised */
	bool ider_owner;    /* holds the IDE-R session */
	uint64_t born, last_rx;
	struct event *gap_ev, *hb_ev, *idle_ev;
};

struct listener {
	struct sim_redir *r;
	struct evconnlistener *lev;
	unsigned port;
	bool tls, network;
};

/* What sim_redir_ider.c may do with a connection: sim_redir_conn.c's
 * functions, handed down by pointer so the files call each other one way
 * only (scripts/sim-deps.sh). */
struct sim_redir_conn_io {
	/* Queue a message for the connection (alone: nothing may follow it in
	 * the same read), and write what may be written now. */
	void (*send)(struct conn *c, const uint8_t *msg, size_t len, bool alone);
	void (*flush)(struct conn *c);
	/* The console answered what was sent alone: the silence after it ends. */
	void (*answered)(struct conn *c);
};

struct sim_redir {
	struct sim_fw *fw;
	const struct sim_redir_conn_io *io; /* set by sim_redir_conn.c */
	struct event_base *base;
	pthread_t thread;
	bool thread_started;
	int stop_pipe[2];
	int wakefd;
	struct event *stop_ev, *wake_ev, *tick_ev;
	SSL_CTX *ssl;
	struct listener l[L_COUNT];
	struct sockaddr_in internal[2]; /* plain, TLS */
	struct conn conns[MAX_CONNS];
	struct conn *ider_conn;  /* holds the one IDE-R session */
	struct sim_bios bios;    /* the host's BIOS reading from that drive */
	bool bios_on;
	unsigned boots_seen;     /* the console's boot count when last looked at */
	struct event *bios_ev;   /* the BIOS's wait for one command */
};

/* sim_redir_conn.c: take the accepted socket fd as a new connection in a
 * free slot (the caller checked there is one); peer names it in logs. */
void sim_redir_conn_new(struct sim_redir *r, evutil_socket_t fd, const char *peer, bool tls);
/* Close c (once what was queued was written, or now), ending its session. */
void sim_redir_conn_free(struct conn *c, const char *why);
/* Give the connection holding the SOL session what the console printed,
 * and let the IDE-R part see resets and a BIOS waiting for its drive. */
void sim_redir_pump_all(struct sim_redir *r);

/* sim_redir_ider.c */
/* Frame the message at p: an IDE-R one once c's IDE-R session is
 * authenticated, else a redirection one (redir_codec). */
int sim_redir_frame(const struct conn *c, const uint8_t *p, size_t n, size_t *want);
bool sim_redir_is_ider(const struct conn *c, uint8_t type);
void sim_redir_ider_input(struct conn *c, const uint8_t *p, size_t n);
/* c goes away: its IDE-R session ends (a BIOS reading from it fails). */
void sim_redir_ider_gone(struct conn *c);
void sim_redir_ider_heartbeat(struct conn *c);
/* Resets, a BIOS waiting for the drive, the next command. */
void sim_redir_ider_poll(struct sim_redir *r);
/* The BIOS's command timer (created with the service). */
void sim_redir_ider_on_timeout(evutil_socket_t fd, short what, void *arg);


#endif
