/*
 * sim_redir_int.h - what the two files of the simulated redirection service
 * share: sim_redir.c (the service: listeners, TLS, the thread, the console's
 * timer, the firmware part) and sim_redir_conn.c (one connection: its
 * output queue and the silence after a reply that must arrive alone, the
 * session's requests, pumping the console, heartbeats and idle limits).
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
	uint64_t born, last_rx;
	struct event *gap_ev, *hb_ev, *idle_ev;
};

struct listener {
	struct sim_redir *r;
	struct evconnlistener *lev;
	unsigned port;
	bool tls, network;
};

struct sim_redir {
	struct sim_fw *fw;
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
};

/* sim_redir_conn.c: take the accepted socket fd as a new connection in a
 * free slot (the caller checked there is one); peer names it in logs. */
void sim_redir_conn_new(struct sim_redir *r, evutil_socket_t fd, const char *peer, bool tls);
/* Close c (once what was queued was written, or now), ending its session. */
void sim_redir_conn_free(struct conn *c, const char *why);
/* Give the connection holding the SOL session what the console printed. */
void sim_redir_pump_all(struct sim_redir *r);

#endif
