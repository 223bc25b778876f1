// SPDX-License-Identifier: Apache-2.0
/*
 * listen.h - what the receivers of `amt-verify listen` share: one libevent
 * loop, the store, the output mode, the bounds, and the list of open
 * connections (so a signal can close them all).
 *
 * Owns: struct listen_ctx, struct listen_gate and the receiver entry points (hello server in
 * listen_hello.c, MPS in listen_mps.c, agent reports in listen_reports.c);
 * listen.c creates them and runs the loop.
 * Must not: parse protocols (codecs and mps_apf.c do that).
 */
#ifndef VERIFY_LISTEN_H
#define VERIFY_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <jansson.h>

#include "proxy_hdr.h"
#include "store.h"

#define LISTEN_DEFAULT_HELLO_PORT 9971u
#define LISTEN_DEFAULT_MPS_PORT 4433u
#define LISTEN_DEFAULT_REPORTS_PORT 8443u
#define LISTEN_DEFAULT_EVENTS_PORT 16990u
/* Connections open at once, per receiver (see README "listen" for why). */
#define LISTEN_DEFAULT_MAX_HELLO 256u
#define LISTEN_DEFAULT_MAX_MPS 1024u
#define LISTEN_DEFAULT_MAX_REPORTS 512u
/* Relays (listen_relay.c): channels per tunnel, relayed connections in all. */
#define LISTEN_DEFAULT_MAX_CHANNELS 64u
#define LISTEN_DEFAULT_MAX_RELAYS 256u
/* Hello floods (README "listen" says why these numbers). */
#define LISTEN_DEFAULT_HELLO_PER_SOURCE 20u
#define LISTEN_DEFAULT_HELLO_PER_UUID 4u

struct listen_limits {
	unsigned max_hello, max_mps, max_reports; /* connections open at once, each receiver */
	unsigned hello_per_source;  /* hello connections a minute per address; 0 = no limit */
	unsigned hello_per_uuid;    /* hellos stored a minute per device UUID; 0 = no limit */
	size_t max_bytes;           /* received per connection */
	unsigned idle_s;            /* no bytes for this long before the tunnel is open */
	unsigned handshake_s;       /* whole hello connection / MPS set-up */
	unsigned settle_ms;         /* wait for more forwards before cira_open */
	unsigned linger_ms;         /* flushing a last message before closing */
	unsigned max_tunnel_s;      /* 0 = until the device closes it */
	unsigned max_channels;      /* relayed channels open at once in one tunnel */
	unsigned max_relays;        /* relayed connections open at once, all tunnels */
	unsigned open_timeout_s;    /* a device answers CHANNEL_OPEN within this */
};

/* The default bounds (the --max-*-connections options and --max-tunnel-seconds
 * change some). */
#define LISTEN_LIMITS_DEFAULT                                                         \
	((struct listen_limits){.max_hello = LISTEN_DEFAULT_MAX_HELLO,               \
				.max_mps = LISTEN_DEFAULT_MAX_MPS,                   \
				.max_reports = LISTEN_DEFAULT_MAX_REPORTS,           \
				.hello_per_source = LISTEN_DEFAULT_HELLO_PER_SOURCE, \
				.hello_per_uuid = LISTEN_DEFAULT_HELLO_PER_UUID,     \
				.max_bytes = 1024u * 1024u,                          \
				.idle_s = 30,                                        \
				.handshake_s = 60,                                   \
				.settle_ms = 1000,                                   \
				.linger_ms = 2000,                                   \
				.max_tunnel_s = 0,                                   \
				.max_channels = LISTEN_DEFAULT_MAX_CHANNELS,         \
				.max_relays = LISTEN_DEFAULT_MAX_RELAYS,             \
				.open_timeout_s = 20})

/* Every open connection embeds one of these first. */
struct listen_conn {
	struct listen_conn *prev, *next;
	struct listen_gate *gate; /* its receiver's (set by listen_track) */
	bool shutting;            /* stop() called shutdown already */
	/* The listener is stopping: close gracefully (may linger to flush a
	 * last message; unlinks itself with listen_release when done). */
	void (*shutdown)(struct listen_conn *c);
	/* Free now, without flushing (after the loop has ended). */
	void (*destroy)(struct listen_conn *c);
};

struct listen_ctx {
	struct event_base *base;
	struct store *store;
	bool json;
	struct listen_limits lim;
	unsigned active;           /* connections open now, all receivers */
	struct listen_conn *conns; /* list of them */
	bool stopping;
	bool proxy; /* --proxy-protocol: every connection starts with a PROXY header */
};

/*
 * One receiver's admission: its own cap, so that a flood on one receiver
 * cannot lock out the others, and what it turned away. Embedded in the
 * receiver's server, which outlives its connections.
 */
struct listen_socket;
struct listen_gate {
	struct listen_ctx *ctx;
	const char *what;        /* "hello", "mps", "reports" (log lines) */
	const char *cap_option;  /* the option that sets max (log lines) */
	unsigned max;            /* connections open at once */
	unsigned active;
	/* Over the cap: false = accept and close at once; true = stop
	 * accepting until a connection closes (for evhttp, which accepts
	 * itself and offers no way to refuse before the TLS handshake). */
	bool pause_when_full;
	/* --proxy-protocol: each accepted connection starts with a PROXY header
	 * (hello, mps; reports read theirs in the TLS layer; relay ports and
	 * --events are reached directly, never through the balancer) */
	bool proxy;
	struct listen_socket *sock; /* while listening */
	struct listen_rate *per_source; /* NULL: no limit per source address */
	unsigned per_source_max;        /* connections a minute from one address */
	const char *per_source_option;
	unsigned long refused_full, pauses, refused_rate;
	unsigned long refused_proxy;      /* --proxy-protocol: no or a bad header */
	int64_t log_full_ms, log_rate_ms, log_proxy_ms; /* rate-limit the lines about them */
};

/*
 * Store an event, then print it (JSON line or summary on stdout) once the
 * store committed it; a store failure is logged and the event is still
 * printed. 0 when the write was started.
 */
int listen_record(struct listen_ctx *ctx, const char *type, const char *uuid, const char *source,
		  const json_t *detail);

/* ---- PROXY protocol (listen_proxy.c) ---- */
struct ssl_st;
/* The part of a connection's PROXY header read so far (zeroed to start). */
struct listen_proxy_rx {
	size_t len;
	uint8_t buf[PROXY_HDR_MAX];
};
/* Consume the PROXY header at the start of fd (non-blocking) into rx, as
 * it arrives and never past its end: PROXY_HDR_OK (h filled), PROXY_HDR_MORE
 * (every byte the socket held is in rx: call again when readable),
 * PROXY_HDR_BAD (why: no header, malformed, closed). */
int listen_proxy_read(int fd, struct listen_proxy_rx *rx, struct proxy_hdr *h, char *why,
		      size_t whycap);
/* Once per process before listen_proxy_install. 0 or -1 (out of memory). */
int listen_proxy_setup(void);
/* TLS receivers accepted by evhttp: put the header filter in front of the
 * socket BIO of ssl (from the info callback at SSL_CB_HANDSHAKE_START). A
 * connection without a whole header within LISTEN_PROXY_TIMEOUT_S (a timer
 * on base) or with a bad one is logged as the receiver what (at most once a
 * second by *log_ms), counted in *refused, and its handshake fails. */
void listen_proxy_install(struct ssl_st *ssl, struct event_base *base, const char *what,
			  int64_t *log_ms, unsigned long *refused);
/* The client the header named ("addr:port"), or NULL (not read yet, a
 * LOCAL header, no filter); why gets a refusal's reason when there was one. */
const char *listen_proxy_source(const struct ssl_st *ssl, char *why, size_t whycap);
/* Seconds a connection has to send its PROXY header. */
#define LISTEN_PROXY_TIMEOUT_S 5

/* Stopping: end the loop once no connection is open and no write runs. */
void listen_maybe_done(struct listen_ctx *ctx);

/* ---- admission (listen_admit.c) ---- */
/* Descriptors besides connections: stdio, the store (database, WAL, shared
 * memory), the listening sockets, the event loop, OpenSSL's files. */
#define LISTEN_FD_RESERVE 64u
/* Raise the soft RLIMIT_NOFILE (up to the hard one) to hold the receivers'
 * limits together plus the reserve, so one receiver's flood ends at its own
 * limit rather than at EMFILE for all; one warning when the hard limit is
 * too low. */
void listen_fit_fd_limit(unsigned connections);
void listen_gate_init(struct listen_gate *g, struct listen_ctx *ctx, const char *what,
		      const char *cap_option, unsigned max, bool pause_when_full);
/* Room for one more connection (and not stopping)? */
bool listen_gate_has_room(const struct listen_gate *g);
/* For rate-limited warning lines: true (and *last_ms now) when the last
 * line of this kind was a second ago or more. */
bool listen_log_due(int64_t *last_ms);
/*
 * Also refuse (accept and close) connections from a source address over
 * per_minute a minute (a burst of per_minute; IPv6 counted per /64, as one
 * host usually has the whole prefix); 0 = no limit. Only for gates whose
 * socket accepts itself. 0, or -1 out of memory.
 */
int listen_gate_limit_per_source(struct listen_gate *g, unsigned per_minute, const char *option);
/* Log one warning line per kind of refusal that happened, with its count,
 * and free what the gate holds (not the gate). */
void listen_gate_fini(struct listen_gate *g);
/* Count c against g and list it (the listening socket admitted it, or
 * evhttp accepted it while g had room) / stop: a freed slot resumes a
 * paused socket; the last release while stopping ends the loop. Releasing
 * twice, or a connection never tracked, does nothing. */
void listen_track(struct listen_gate *g, struct listen_conn *c);
void listen_release(struct listen_conn *c);

/* A TLS server context as every receiver wants it (TLS 1.2 minimum, no
 * renegotiation, a peer closing without close_notify read as EOF) holding
 * the --tls-cert chain and --tls-key key. NULL with a one-line reason in err. */
struct ssl_ctx_st;
struct ssl_ctx_st *listen_tls_ctx_new(const char *cert_file, const char *key_file, char *err,
				      size_t errlen);

/* ---- receivers ---- */
struct hello_server;
struct mps_server;
struct reports_server;
struct evconnlistener;

struct listen_verifier;

struct mps_server_cfg {
	const char *cert_file, *key_file;
	const char *user;
	const uint8_t *password; /* borrowed; outlives the server */
	size_t password_len;
	/* relays: the address relay ports are bound on (port 0), and the range
	 * they are taken from (0-0: any the kernel picks) */
	const struct sockaddr *relay_sa;
	socklen_t relay_salen;
	unsigned relay_port_low, relay_port_high;
	struct listen_verifier *verifier; /* verify-on-connect; NULL: off */
};

/*
 * Bind and listen. On failure -1 with a one-line reason in err and *exit_code
 * (VERIFY_EXIT_NETWORK for bind errors, VERIFY_EXIT_USAGE for certificate
 * problems). bound receives the actual "addr:port" (port 0 resolved).
 */
int hello_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		     struct hello_server **out, char *bound, size_t boundlen, char *err,
		     size_t errlen, int *exit_code);
/* Stop accepting (close the listening socket); open connections go on. */
void hello_server_stop(struct hello_server *srv);
/* Free after every connection of this server is gone; NULL-safe. */
void hello_server_free(struct hello_server *srv);

int mps_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		   const struct mps_server_cfg *cfg, struct mps_server **out, char *bound,
		   size_t boundlen, char *err, size_t errlen, int *exit_code);
void mps_server_stop(struct mps_server *srv);
void mps_server_free(struct mps_server *srv);

struct reports_server_cfg {
	const char *cert_file, *key_file;
	const char *client_ca;  /* require client certificates signed by it; NULL: none asked */
	const uint8_t *token;   /* bearer token senders must present; NULL: none */
	size_t token_len;       /* (only its SHA-256 is kept) */
};

/* The HTTPS receiver of agent reports (listen_reports.c); same contract as
 * the two above. */
int reports_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		       const struct reports_server_cfg *cfg, struct reports_server **out,
		       char *bound, size_t boundlen, char *err, size_t errlen, int *exit_code);
void reports_server_stop(struct reports_server *srv);
void reports_server_free(struct reports_server *srv);

/* The WS-Event receiver (listen_events.c): HTTP, or HTTPS with a
 * certificate; digest with user and password (the credentials subscribe
 * gave the devices); new events go to the engine (NULL: none). */
struct engine;
struct events_server;
struct events_server_cfg {
	const char *cert_file, *key_file; /* NULL: plain HTTP */
	const char *user;
	const uint8_t *password;          /* NULL: no digest; borrowed */
	size_t password_len;
};
int events_server_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		      const struct events_server_cfg *cfg, struct events_server **out,
		      char *bound, size_t boundlen, char *err, size_t errlen, int *exit_code);
void events_server_set_engine(struct events_server *srv, struct engine *engine);
void events_server_stop(struct events_server *srv);
void events_server_free(struct events_server *srv);

/* Shared listener plumbing (listen_admit.c): bind with LEV_OPT_REUSEABLE, back
 * off for a second on accept errors such as EMFILE, and admit each accepted
 * connection through gate before fn sees it: fn gets only admitted
 * connections, with the peer as "addr:port"; it owns fd and tracks the
 * connection (listen_track) at once. */
typedef void (*listen_accept_fn)(void *arg, int fd, const char *source);
int listen_socket_new(struct listen_gate *gate, const struct sockaddr *sa, socklen_t salen,
		      listen_accept_fn fn, void *arg, struct listen_socket **out, char *bound,
		      size_t boundlen, char *err, size_t errlen);
/* fn may be NULL when the socket is handed to evhttp_bind_listener(): get
 * the libevent listener, and once evhttp owns it say so (listen_socket_free
 * then leaves it to evhttp; free the evhttp's bound socket first). The
 * accept-error pause and the gate's pause at its cap keep working. */
struct evconnlistener *listen_socket_listener(struct listen_socket *ls);
void listen_socket_handed_over(struct listen_socket *ls);
void listen_socket_free(struct listen_socket *ls);

#endif
