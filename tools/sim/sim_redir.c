/*
 * sim_redir.c - the redirection service's sockets and timers (see
 * sim_redir.h): libevent on one thread with its own event_base, one
 * bufferevent per connection (OpenSSL bufferevents for 16995), the
 * session logic in sim_sol.c behind struct sim_sol_ops.
 *
 * Output goes through a per-connection queue so a reply that must reach
 * the console alone (amtterm drops whatever follows it in the same read)
 * is written only when nothing is ahead of it and is followed by a silence
 * that starts once it has left the buffer. The console is pumped when the
 * connection holding the SOL session can take more: the console's wake
 * callback (called under the ME lock from any thread) kicks an eventfd
 * this thread watches.
 */
#include "sim_redir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <pthread.h>
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
#include "sim_optin.h"
#include "sim_sol.h"
#include "sim_wsman_int.h"

#define MAX_CONNS 4
#define SETUP_LIMIT_MS 20000u
#define RX_DEFAULT_MS 60000u
#define ALONE_GAP_MS 100
#define OUT_HIGH 16384u    /* stop pumping the console above this much unsent */
#define CHUNK_DEFAULT 1000u /* when the console's MaxTxBuffer is 0 */

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

static uint64_t now_ms(void)
{
	return sim_net_now_ms();
}

/* ---------------- output ---------------- */

static void conn_free(struct conn *c, const char *why);
static void pump(struct conn *c);

static bool out_idle(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

static void flush(struct conn *c)
{
	while (c->head && !c->gap && !c->gap_on_drain) {
		struct out_msg *m = c->head;
		if (m->alone && !out_idle(c))
			return; /* the write callback comes back when it has drained */
		bufferevent_write(c->bev, m->data, m->len);
		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		if (m->alone)
			c->gap_on_drain = true;
		free(m);
	}
	if (c->closing && !c->head && out_idle(c))
		conn_free(c, c->sol.why);
}

static void op_send(void *arg, const uint8_t *msg, size_t len, bool alone)
{
	struct conn *c = arg;
	struct out_msg *m = malloc(sizeof(*m) + len);
	if (!m) {
		c->closing = true;
		return;
	}
	m->next = NULL;
	m->len = len;
	m->alone = alone;
	memcpy(m->data, msg, len);
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
}

static void on_gap_end(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	c->gap = false;
	flush(c);
	if (c->bev)
		pump(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if (c->gap_on_drain) {
		struct timeval tv = {0, ALONE_GAP_MS * 1000};
		c->gap_on_drain = false;
		c->gap = true;
		evtimer_add(c->gap_ev, &tv);
		if (c->closing && !c->head)
			conn_free(c, c->sol.why);
		return;
	}
	flush(c);
	if (c->bev)
		pump(c);
}

/* ---------------- the session's requests ---------------- */

static void op_config(void *arg, struct sim_sol_cfg *cfg)
{
	struct conn *c = arg;
	const struct sim_state *st = &c->r->fw->st;
	sim_me_lock(c->r->fw->me);
	snprintf(cfg->user, sizeof(cfg->user), "%s", st->admin_user);
	snprintf(cfg->password, sizeof(cfg->password), "%s", st->admin_password);
	sim_digest_realm(st, cfg->realm, sizeof(cfg->realm));
	cfg->sol_enabled = st->amt_enabled && st->redir_sol;
	cfg->plain_auth = true;
	sim_me_unlock(c->r->fw->me);
}

static int op_nonce(void *arg, char out[33])
{
	unsigned char b[16];
	(void)arg;
	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static enum sim_sol_refusal op_sol_open(void *arg, const struct redir_sol_settings *s)
{
	struct conn *c = arg;
	struct sim_fw *fw = c->r->fw;
	enum sim_sol_refusal why = SIM_SOL_OK;
	(void)s;
	sim_me_lock(fw->me);
	if (fw->redir_open > 0 || !fw->console) {
		why = SIM_SOL_BUSY;
	} else if (sim_optin_blocks(fw, false, now_ms())) {
		why = SIM_SOL_NO_CONSENT;
	} else {
		fw->redir_open++;
		sim_optin_session(fw, true, now_ms());
		sim_console_attach(fw->console);
		c->sol_owner = true;
		c->power_on = fw->st.host.power == SIM_POWER_ON;
	}
	sim_me_unlock(fw->me);
	return why;
}

static void op_sol_close(void *arg)
{
	struct conn *c = arg;
	struct sim_fw *fw = c->r->fw;
	if (!c->sol_owner)
		return;
	sim_me_lock(fw->me);
	fw->redir_open--;
	if (fw->console)
		sim_console_detach(fw->console);
	sim_optin_session(fw, false, now_ms());
	sim_me_unlock(fw->me);
	c->sol_owner = false;
	evtimer_del(c->hb_ev);
	log_info("redirection: SOL session of %s ended", c->peer);
}

static void op_to_host(void *arg, const uint8_t *p, size_t n)
{
	struct conn *c = arg;
	sim_me_lock(c->r->fw->me);
	sim_host_console_input(c->r->fw, p, n, now_ms());
	sim_me_unlock(c->r->fw->me);
}

static const struct sim_sol_ops sol_ops = {
	.send = op_send,
	.config = op_config,
	.nonce = op_nonce,
	.sol_open = op_sol_open,
	.sol_close = op_sol_close,
	.to_host = op_to_host,
};

/* ---------------- the console ---------------- */

static unsigned chunk_of(const struct conn *c)
{
	unsigned max = c->sol.settings.max_tx_buffer ? c->sol.settings.max_tx_buffer : CHUNK_DEFAULT;
	return max < SIM_SOL_DATA_MAX ? max : SIM_SOL_DATA_MAX;
}

/* Host output to the console holding the SOL session, while it can take it. */
static void pump(struct conn *c)
{
	struct sim_fw *fw = c->r->fw;
	uint8_t buf[SIM_SOL_DATA_MAX];
	if (!c->sol_owner || c->sol.state != SIM_SOL_S_RUN || c->closing)
		return;
	for (int rounds = 0; rounds < 8; rounds++) {
		if (c->head || c->gap || c->gap_on_drain ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > OUT_HIGH)
			break;
		sim_me_lock(fw->me);
		bool power = fw->st.host.power == SIM_POWER_ON;
		size_t n = 0;
		if (power == c->power_on && fw->console)
			n = sim_console_read(fw->console, buf, chunk_of(c));
		sim_me_unlock(fw->me);
		if (power != c->power_on) { /* the serial lines tell the console */
			c->power_on = power;
			sim_sol_send_controls(&c->sol, power);
		} else if (n == 0) {
			break;
		} else {
			sim_sol_send_data(&c->sol, buf, n);
		}
		flush(c);
		if (!c->bev)
			return;
	}
}

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

static void pump_all(struct sim_redir *r)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (r->conns[i].bev)
			pump(&r->conns[i]);
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
	pump_all(r);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct sim_redir *r = arg;
	(void)fd;
	(void)what;
	sim_net_wake_drain(r->wakefd);
	schedule_tick(r);
	pump_all(r);
}

/* The console's wake callback: ME lock held, any thread. */
static void console_wake(void *arg)
{
	sim_net_wake_kick(((struct sim_redir *)arg)->wakefd);
}

/* ---------------- connections ---------------- */

static void conn_free(struct conn *c, const char *why)
{
	if (!c->bev)
		return;
	sim_sol_gone(&c->sol);
	log_info("redirection: %s closed: %s", c->peer, why ? why : "closed");
	bufferevent_free(c->bev);
	c->bev = NULL;
	event_free(c->gap_ev);
	event_free(c->hb_ev);
	event_free(c->idle_ev);
	while (c->head) {
		struct out_msg *m = c->head;
		c->head = m->next;
		free(m);
	}
	c->tail = NULL;
}

static void arm_heartbeat(struct conn *c)
{
	unsigned ms = c->sol.settings.heartbeat_interval_ms;
	struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
	if (ms)
		evtimer_add(c->hb_ev, &tv);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (!c->sol_owner)
		return;
	sim_sol_send_heartbeat(&c->sol);
	flush(c);
	if (c->bev)
		arm_heartbeat(c);
}

static uint64_t rx_limit(const struct conn *c)
{
	uint64_t limit = c->sol.settings.host_session_rx_timeout_ms ? c->sol.settings.host_session_rx_timeout_ms
								    : RX_DEFAULT_MS;
	uint64_t floor = 2u * c->sol.settings.heartbeat_interval_ms + 1000u;
	return limit > floor ? limit : floor;
}

static void on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint64_t now = now_ms();
	(void)fd;
	(void)what;
	if (c->sol.state != SIM_SOL_S_RUN && now - c->born > SETUP_LIMIT_MS) {
		conn_free(c, "no SOL session within 20 s");
		return;
	}
	if (c->sol.state == SIM_SOL_S_RUN && now - c->last_rx > rx_limit(c)) {
		conn_free(c, "the console sent nothing within its session timeout");
		return;
	}
	struct timeval tv = {1, 0};
	evtimer_add(c->idle_ev, &tv);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	while (c->bev && !c->closing) {
		size_t have = evbuffer_get_length(in), want = 0;
		if (have == 0)
			break;
		size_t look = have < REDIR_MSG_MAX ? have : REDIR_MSG_MAX;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)look);
		int rc = redir_frame_length(p, look, REDIR_FROM_CONSOLE, &want);
		if (rc == PROTO_E_SHORT)
			break;
		c->last_rx = now_ms();
		if (rc != 0) {
			sim_sol_bad_frame(&c->sol, rc);
		} else {
			bool was_running = c->sol.state == SIM_SOL_S_RUN;
			sim_sol_input(&c->sol, p, want);
			if (p[0] == REDIR_AUTH)
				OPENSSL_cleanse(p, want); /* a password in clear, maybe */
			evbuffer_drain(in, want);
			if (!was_running && c->sol.state == SIM_SOL_S_RUN) {
				log_info("redirection: SOL session for %s (%s)", c->peer, c->sol.user);
				sim_sol_send_controls(&c->sol, c->power_on);
				arm_heartbeat(c);
			}
		}
		if (c->sol.state == SIM_SOL_S_CLOSED) {
			c->closing = true;
			evbuffer_drain(in, evbuffer_get_length(in));
		}
	}
	if (c->bev) {
		flush(c);
		if (c->bev)
			pump(c);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(c, what & BEV_EVENT_EOF ? "the console hung up" : "connection error");
}

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
	struct conn *c = NULL;
	char peer[INET6_ADDRSTRLEN + 10];
	int one = 1;
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
	for (int i = 0; i < MAX_CONNS && !c; i++)
		if (!r->conns[i].bev)
			c = &r->conns[i];
	if (!c) {
		log_info("redirection: %s refused: %d connections already", peer, MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* replies leave at once */
	memset(c, 0, sizeof(*c));
	c->r = r;
	snprintf(c->peer, sizeof(c->peer), "%s%s", peer, l->network ? "" : " (channel)");
	if (l->tls) {
		SSL *ssl = SSL_new(r->ssl);
		c->bev = ssl ? bufferevent_openssl_socket_new(r->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
							      BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
		if (!c->bev)
			SSL_free(ssl);
	} else {
		c->bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	c->gap_ev = evtimer_new(r->base, on_gap_end, c);
	c->hb_ev = evtimer_new(r->base, on_heartbeat, c);
	c->idle_ev = evtimer_new(r->base, on_idle, c);
	if (!c->bev || !c->gap_ev || !c->hb_ev || !c->idle_ev) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->gap_ev)
			event_free(c->gap_ev);
		if (c->hb_ev)
			event_free(c->hb_ev);
		if (c->idle_ev)
			event_free(c->idle_ev);
		c->bev = NULL;
		return;
	}
	sim_sol_init(&c->sol, &sol_ops, c);
	c->born = c->last_rx = now_ms();
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	struct timeval tv = {1, 0};
	evtimer_add(c->idle_ev, &tv);
	log_debug("redirection: %s connected%s", c->peer, l->tls ? " (TLS)" : "");
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
		conn_free(&r->conns[i], "the simulator stops");
	for (int i = 0; i < L_COUNT; i++)
		if (r->l[i].lev)
			evconnlistener_free(r->l[i].lev);
	if (r->stop_ev)
		event_free(r->stop_ev);
	if (r->wake_ev)
		event_free(r->wake_ev);
	if (r->tick_ev)
		event_free(r->tick_ev);
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
	bool given = false, legacy;

	if (fw->listen_addr && parse_listen(fw->listen_addr, host, sizeof(host), &given, &port)) {
		snprintf(err, errcap, "--listen %s: expected ADDR or ADDR:PORT", fw->listen_addr);
		return -1;
	}
	sim_me_lock(fw->me);
	snprintf(cert, sizeof(cert), "%s", fw->st.tls_cert);
	snprintf(key, sizeof(key), "%s", fw->st.tls_key);
	legacy = fw->st.tls_legacy;
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
	if (!r->stop_ev || !r->wake_ev || !r->tick_ev || event_add(r->stop_ev, NULL) != 0 ||
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
		unsigned plain = given ? (port ? port + 2 : 0) : 16994;
		unsigned tls = given ? (port ? port + 3 : 0) : 16995;
		if (listen_on(r, L_NET, host, plain, false, true, err, errcap) != 0 ||
		    (r->ssl && listen_on(r, L_NET_TLS, host, tls, true, true, err, errcap) != 0))
			return -1;
		bool v6 = strchr(host, ':') != NULL;
		log_info("SOL on %s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", r->l[L_NET].port);
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
