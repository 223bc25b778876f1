// SPDX-License-Identifier: Apache-2.0
/*
 * sim_redir.c - the redirection service (see sim_redir.h): libevent on one
 * thread with its own event_base, the listeners (internal ones for APF
 * channels, network ones on --listen's address; OpenSSL bufferevents for
 * 16995), the connection limit, the console's timer and wake-ups (the
 * console's wake callback, called under the ME lock from any thread, kicks
 * an eventfd this thread watches), and the firmware part. One connection's
 * work is sim_redir_conn.c's; the session logic sim_sol.c's.
 */
#include "sim_redir.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "sim_console.h"
#include "sim_fw.h"
#include "sim_host.h"
#include "sim_net.h"
#include "sim_redir_int.h"

static uint64_t now_ms(void)
{
	return sim_net_now_ms();
}

/* ---------------- the console's timer ---------------- */

static void schedule_tick(struct sim_redir *r)
{
	struct sim_fw *fw = r->fw;
	sim_me_lock(fw->me);
	uint64_t due = fw->console ? sim_console_due(fw->console) : UINT64_MAX;
	sim_me_unlock(fw->me);
	evtimer_del(r->tick_ev);
	if (due == UINT64_MAX)
		return;
	uint64_t now = now_ms(), wait = due > now ? due - now : 0;
	struct timeval tv = {(time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000};
	evtimer_add(r->tick_ev, &tv);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim_redir *r = arg;
	(void)fd;
	(void)what;
	sim_me_lock(r->fw->me);
	sim_host_console_tick(r->fw, now_ms());
	sim_me_unlock(r->fw->me);
	schedule_tick(r);
	sim_redir_pump_all(r);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct sim_redir *r = arg;
	(void)fd;
	(void)what;
	sim_net_wake_drain(r->wakefd);
	schedule_tick(r);
	sim_redir_pump_all(r);
}

/* The console's wake callback: ME lock held, any thread. */
static void console_wake(void *arg)
{
	sim_net_wake_kick(((struct sim_redir *)arg)->wakefd);
}

/* ---------------- accepting ---------------- */

static bool listener_on(struct sim_redir *r)
{
	sim_me_lock(r->fw->me);
	bool on = r->fw->st.amt_enabled && r->fw->st.redir_listener;
	sim_me_unlock(r->fw->me);
	return on;
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;
	struct sim_redir *r = l->r;
	char peer[INET6_ADDRSTRLEN + 24];
	bool free_slot = false;
	(void)lev;
	(void)salen;
	if (sa->sa_family == AF_INET6) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
		snprintf(peer, sizeof(peer), "[%s]:%u", a, ntohs(((struct sockaddr_in6 *)sa)->sin6_port));
	} else {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, a, sizeof(a));
		snprintf(peer, sizeof(peer), "%s:%u", a, ntohs(((struct sockaddr_in *)sa)->sin_port));
	}
	if (l->network && !listener_on(r)) { /* channels were refused before they got here */
		log_info("redirection: %s refused: the redirection listener is disabled", peer);
		evutil_closesocket(fd);
		return;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		free_slot |= !r->conns[i].bev;
	if (!free_slot) {
		log_info("redirection: %s refused: %d connections already", peer, MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	if (!l->network)
		snprintf(peer + strlen(peer), sizeof(peer) - strlen(peer), " (channel)");
	sim_redir_conn_new(r, fd, peer, l->tls);
}

/* ---------------- setup ---------------- */

/* --listen's "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6
 * address: the host and, when given, the port (0 allowed). */
static int parse_listen(const char *s, char *host, size_t cap, bool *given, unsigned *port)
{
	const char *h = s, *colon = NULL;
	size_t hlen;
	*given = false;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -1;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 */
		hlen = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= cap)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end || p > 65532)
			return -1;
		*given = true;
		*port = (unsigned)p;
	}
	return 0;
}

static int listen_on(struct sim_redir *r, int which, const char *host, unsigned port, bool tls,
		     bool network, char *err, size_t errcap)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE}, *ai = NULL;
	struct listener *l = &r->l[which];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	int rc = getaddrinfo(host, ps, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errcap, "cannot listen on %s: %s", host, gai_strerror(rc));
		return -1;
	}
	l->r = r;
	l->tls = tls;
	l->network = network;
	l->lev = evconnlistener_new_bind(r->base, on_accept, l,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
					 16, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!l->lev) {
		snprintf(err, errcap, "cannot listen on %s port %u: %s", host, port, strerror(errno));
		return -1;
	}
	evutil_socket_t fd = evconnlistener_get_fd(l->lev);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errcap, "getsockname: %s", strerror(errno));
		return -1;
	}
	l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	if (which == L_INTERNAL || which == L_INTERNAL_TLS)
		memcpy(&r->internal[which == L_INTERNAL_TLS], &ss, sizeof(r->internal[0]));
	return 0;
}

/* The certificate of 16993 ([amt] tls_cert/tls_key); TLS 1.2 or later, or
 * TLS 1.0 only with [sim] tls_legacy, as the WS-Man side does. */
static int tls_setup(struct sim_redir *r, const char *cert, const char *key, bool legacy,
		     char *err, size_t errcap)
{
	r->ssl = SSL_CTX_new(TLS_server_method());
	if (!r->ssl) {
		snprintf(err, errcap, "cannot create a TLS context");
		return -1;
	}
	if (legacy) {
		SSL_CTX_set_security_level(r->ssl, 0);
		SSL_CTX_set_min_proto_version(r->ssl, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(r->ssl, TLS1_VERSION);
		SSL_CTX_set_cipher_list(r->ssl, "DEFAULT:@SECLEVEL=0");
	} else {
		SSL_CTX_set_min_proto_version(r->ssl, TLS1_2_VERSION);
	}
	if (SSL_CTX_use_certificate_chain_file(r->ssl, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(r->ssl, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(r->ssl) != 1) {
		char e[160];
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		snprintf(err, errcap, "[amt] tls_cert/tls_key %s / %s: %s", cert, key, e);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static void *service_thread(void *arg)
{
	struct sim_redir *r = arg;
	sigset_t pipe_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	event_base_dispatch(r->base);
	return NULL;
}

static void redir_free(struct sim_redir *r)
{
	if (!r)
		return;
	if (r->thread_started) {
		char b = 1;
		while (write(r->stop_pipe[1], &b, 1) < 0 && errno == EINTR)
			;
		pthread_join(r->thread, NULL);
	}
	for (int i = 0; i < MAX_CONNS; i++)
		sim_redir_conn_free(&r->conns[i], "the simulator stops");
	for (int i = 0; i < L_COUNT; i++)
		if (r->l[i].lev)
			evconnlistener_free(r->l[i].lev);
	if (r->stop_ev)
		event_free(r->stop_ev);
	if (r->wake_ev)
		event_free(r->wake_ev);
	if (r->tick_ev)
		event_free(r->tick_ev);
	if (r->bios_ev)
		event_free(r->bios_ev);
	if (r->base)
		event_base_free(r->base);
	if (r->ssl)
		SSL_CTX_free(r->ssl);
	for (int i = 0; i < 2; i++)
		if (r->stop_pipe[i] >= 0)
			close(r->stop_pipe[i]);
	if (r->wakefd >= 0)
		close(r->wakefd);
	free(r);
}

static int start(struct sim_redir *r, char *err, size_t errcap)
{
	struct sim_fw *fw = r->fw;
	char host[256], cert[SIM_STR], key[SIM_STR];
	unsigned port = 0;
	bool given = false, legacy, plain;

	if (fw->listen_addr && parse_listen(fw->listen_addr, host, sizeof(host), &given, &port)) {
		snprintf(err, errcap, "--listen %s: expected ADDR or ADDR:PORT", fw->listen_addr);
		return -1;
	}
	sim_me_lock(fw->me);
	snprintf(cert, sizeof(cert), "%s", fw->st.tls_cert);
	snprintf(key, sizeof(key), "%s", fw->st.tls_key);
	legacy = fw->st.tls_legacy;
	plain = sim_state_redir_plain(&fw->st);
	sim_me_unlock(fw->me);
	r->base = event_base_new();
	r->wakefd = sim_net_wake_new();
	if (!r->base || r->wakefd < 0 || pipe2(r->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errcap, "out of memory or descriptors");
		return -1;
	}
	r->stop_ev = event_new(r->base, r->stop_pipe[0], EV_READ, on_stop, r->base);
	r->wake_ev = event_new(r->base, r->wakefd, EV_READ | EV_PERSIST, on_wake, r);
	r->tick_ev = evtimer_new(r->base, on_tick, r);
	r->bios_ev = evtimer_new(r->base, sim_redir_ider_on_timeout, r);
	if (!r->stop_ev || !r->wake_ev || !r->tick_ev || !r->bios_ev || event_add(r->stop_ev, NULL) != 0 ||
	    event_add(r->wake_ev, NULL) != 0) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	if (cert[0] && key[0] && tls_setup(r, cert, key, legacy, err, errcap) != 0)
		return -1;
	if (listen_on(r, L_INTERNAL, "127.0.0.1", 0, false, false, err, errcap) != 0 ||
	    (r->ssl && listen_on(r, L_INTERNAL_TLS, "127.0.0.1", 0, true, false, err, errcap) != 0))
		return -1;
	if (fw->listen_addr) {
		unsigned plain_port = given ? (port ? port + 2 : 0) : 16994;
		unsigned tls = given ? (port ? port + 3 : 0) : 16995;
		if ((plain && listen_on(r, L_NET, host, plain_port, false, true, err, errcap) != 0) ||
		    (r->ssl && listen_on(r, L_NET_TLS, host, tls, true, true, err, errcap) != 0))
			return -1;
		bool v6 = strchr(host, ':') != NULL;
		if (plain)
			log_info("SOL on %s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", r->l[L_NET].port);
		else
			log_info("SOL and IDE-R without TLS are not served on the network (AMT 16 and "
				 "later accept only TLS: [sim] redirection_plain)");
		if (r->ssl)
			log_info("SOL over TLS on %s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "",
				 r->l[L_NET_TLS].port, legacy ? " (TLS 1.0 only)" : "");
	}
	sim_me_lock(fw->me);
	if (fw->console)
		sim_console_set_wake(fw->console, console_wake, r);
	sim_me_unlock(fw->me);
	schedule_tick(r);
	if (pthread_create(&r->thread, NULL, service_thread, r) != 0) {
		snprintf(err, errcap, "cannot start the redirection thread");
		return -1;
	}
	r->thread_started = true;
	return 0;
}

int sim_redir_register(struct sim_fw *fw, char *err, size_t errcap)
{
	struct sim_redir *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	r->fw = fw;
	r->stop_pipe[0] = r->stop_pipe[1] = r->wakefd = -1;
	if (start(r, err, errcap) != 0) {
		sim_me_lock(fw->me);
		if (fw->console)
			sim_console_set_wake(fw->console, NULL, NULL);
		sim_me_unlock(fw->me);
		redir_free(r);
		return -1;
	}
	sim_me_lock(fw->me);
	fw->redir = r;
	sim_me_unlock(fw->me);
	return 0;
}

void sim_redir_shutdown(struct sim_fw *fw)
{
	sim_me_lock(fw->me);
	struct sim_redir *r = fw->redir;
	fw->redir = NULL;
	if (r && fw->console)
		sim_console_set_wake(fw->console, NULL, NULL);
	sim_me_unlock(fw->me);
	redir_free(r);
}

int sim_redir_connect_stream(struct sim_redir *r, bool tls)
{
	if (!r)
		return -ENOTCONN;
	if ((tls && !r->ssl) || !listener_on(r))
		return -ECONNREFUSED;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&r->internal[tls], sizeof(r->internal[0])) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int sim_redir_net_port(const struct sim_redir *r, bool tls)
{
	const struct listener *l = &r->l[tls ? L_NET_TLS : L_NET];
	return l->lev ? (int)l->port : -1;
}
