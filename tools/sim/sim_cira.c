// SPDX-License-Identifier: Apache-2.0
/*
 * sim_cira.c - the user-initiated CIRA client (see sim_cira.h): the
 * request, TLS and the APF handshake; the connected tunnel is
 * sim_cira_tunnel.c's.
 *
 * One thread, created on the first Open, lives until shutdown. A request
 * (Open .. Close) is identified by a generation number guarded by the ME
 * lock; Close and shutdown bump it or set quit and kick the thread's wake
 * fd, and the thread re-checks at every wait. Within a request the thread
 * retries every SIM_CIRA_RETRY_S while the MPS cannot be reached or does
 * not answer (status stays connecting) until [cira] request_window_s ends;
 * a definite refusal (certificate not accepted, USERAUTH_FAILURE, a
 * forward refused, DISCONNECT or a malformed message) ends the request at
 * once. A tunnel that was up is not re-established after it ends.
 *
 * Forwards: one tcpip-forward per port the platform has, in firmware's
 * order (sim_ports.h: 16993, 16992, 664, 623, 16995, 16994, 5900, each only
 * where present), bound to [amt] host_name.
 *
 * I/O during set-up: blocking socket + OpenSSL. Every read first polls the
 * socket and the wake fd with a deadline; SO_RCVTIMEO/SO_SNDTIMEO bound
 * what poll cannot (a half-arrived TLS record, a full send buffer). APF
 * arrives as a byte stream and is cut into messages with
 * apf_frame_length_ex() in a buffer of APF_MAX_MSG bytes, which bounds every
 * message. The tunnel then runs non-blocking (sim_cira_tunnel.c).
 */
#include "sim_cira.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "amthi_codec.h"
#include "apf_codec.h"
#include "log.h"
#include "sim_cira_int.h"
#include "sim_fw.h"
#include "sim_net.h"
#include "sim_ports.h"

#define STEP_MIN_MS 2000u  /* one handshake step, never shorter (real ms) */
#define STEP_MAX_MS 10000u /* ... nor longer */
#define RETRY_MIN_MS 10u
#define KEEPALIVE_MIN_MS 10u
#define POLL_SLICE_MS 1000 /* longest single poll; deadlines are re-checked */
#define TX_CAP 2048u       /* our largest message is USERAUTH_REQUEST */
#define FORWARD_BIND_ANY "0.0.0.0" /* when [amt] host_name is empty */
#define STALL_S 30u        /* firmware seconds the MPS may take no data */
#define DEFER_MAX (64u * 1024u) /* channel messages held while forwards are answered */

struct sim_cira {
	struct sim_fw *fw;
	pthread_t tid;
	int wakefd;
	/* guarded by the ME lock */
	bool quit;
	bool requested; /* Open accepted, not closed and not ended */
	unsigned gen;   /* bumped by each Open that starts a request and each Close */
	uint32_t status; /* connecting/connected while requested (survives a reload) */
};

/* What one request needs, copied out of the state under the ME lock. */
struct cira_cfg {
	char host[SIM_STR];
	char port[6];
	char ca[sizeof(((struct sim_state *)0)->cira_ca)];
	char user[SIM_RA_CRED_MAX + 1];
	char password[SIM_STR];
	char bind[sizeof(((struct sim_state *)0)->host_name)];
	uint8_t uuid[APF_UUID_LEN];
	uint64_t window_ms, retry_ms, step_ms, keepalive_ms, lifetime_ms;
	unsigned scale;
	uint32_t chan_window; /* [sim] cira_window */
	uint32_t forwards[SIM_PORTS_MAX]; /* sim_ports_forwarded(), in order */
	size_t nforwards;
};

/* Outcome of an attempt or a step. */
enum att { ATT_OK = 0, ATT_RETRY, ATT_FAILED, ATT_DONE, ATT_STOPPED };
/* Outcome of a read. */
enum rx { RX_OK = 0, RX_TIMEOUT, RX_STOP, RX_EOF, RX_ERR, RX_BAD };

struct session {
	struct sim_cira *c;
	unsigned gen;
	const struct cira_cfg *cfg;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	bool tls_broken; /* a fatal TLS error: no close_notify */
	uint64_t keepalive_ms; /* cfg's, or what the MPS asked for during set-up */
	/* An MPS may count the tunnel open after some forwards and open a
	 * channel before the last one is answered: such messages wait here,
	 * as received, for the tunnel to start. */
	bool forwarding;
	uint8_t *deferred;
	size_t deferred_len;
	uint8_t *rx;
	size_t rx_len, rx_used; /* rx_used: bytes of the message last returned */
	uint8_t tx[TX_CAP];
};

static bool stopping(struct session *s)
{
	struct sim_fw *fw = s->c->fw;
	sim_me_lock(fw->me);
	bool stop = s->c->quit || s->c->gen != s->gen;
	sim_me_unlock(fw->me);
	return stop;
}

/* Status connected, unless the request was closed meanwhile. */
static bool set_connected(struct session *s)
{
	struct sim_fw *fw = s->c->fw;
	sim_me_lock(fw->me);
	bool ok = !s->c->quit && s->c->gen == s->gen;
	if (ok)
		s->c->status = AMT_CIRA_CONNECTED;
	sim_me_unlock(fw->me);
	return ok;
}

static void log_tls_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];
	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_debug("cira: %s: %s", what, buf);
	} else {
		log_debug("cira: %s: %s", what, errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

/* ---- TLS byte stream ---- */

/* Read more bytes into rx before deadline_ms. */
static enum rx rx_fill(struct session *s, uint64_t deadline_ms)
{
	for (;;) {
		if (!SSL_has_pending(s->ssl)) {
			uint64_t now = sim_net_now_ms();
			if (now >= deadline_ms)
				return RX_TIMEOUT;
			uint64_t left = deadline_ms - now;
			struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
					      {.fd = s->c->wakefd, .events = POLLIN}};
			int n = poll(p, 2, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
			if (n < 0 && errno != EINTR)
				return RX_ERR;
			if (n > 0 && (p[1].revents & POLLIN)) {
				sim_net_wake_drain(s->c->wakefd);
				if (stopping(s))
					return RX_STOP;
			}
			if (n <= 0 || !p[0].revents)
				continue;
		}
		ERR_clear_error();
		errno = 0;
		int n = SSL_read(s->ssl, s->rx + s->rx_len, (int)(APF_MAX_MSG - s->rx_len));
		if (n > 0) {
			s->rx_len += (size_t)n;
			return RX_OK;
		}
		switch (SSL_get_error(s->ssl, n)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			continue; /* a non-data record, or SO_RCVTIMEO on a partial one */
		case SSL_ERROR_ZERO_RETURN:
			return RX_EOF;
		default:
			s->tls_broken = true;
			log_tls_error("read");
			return RX_ERR;
		}
	}
}

/* The next whole APF message, decoded in place (valid until the next call).
 * rs: how a REQUEST_SUCCESS at the head of the stream is framed. */
static enum rx rx_msg(struct session *s, enum apf_success_form rs, uint64_t deadline_ms,
		      struct apf_msg *m)
{
	if (s->rx_used) {
		memmove(s->rx, s->rx + s->rx_used, s->rx_len - s->rx_used);
		s->rx_len -= s->rx_used;
		s->rx_used = 0;
	}
	for (;;) {
		size_t mlen;
		int rc = apf_frame_length_ex(s->rx, s->rx_len, rs, &mlen);
		if (rc == 0) {
			rc = apf_decode(s->rx, mlen, m);
			if (rc != 0) {
				log_warn("cira: malformed message from the MPS: %s", proto_err_name(rc));
				return RX_BAD;
			}
			s->rx_used = mlen;
			return RX_OK;
		}
		if (rc != PROTO_E_SHORT || s->rx_len >= APF_MAX_MSG) {
			log_warn("cira: cannot frame a message from the MPS (type %u): %s",
				 s->rx_len ? s->rx[0] : 0, proto_err_name(rc));
			return RX_BAD;
		}
		enum rx r = rx_fill(s, deadline_ms);
		if (r != RX_OK)
			return r;
	}
}

static int tx_msg(struct session *s, const struct apf_msg *m)
{
	size_t len;
	int rc = apf_encode(m, s->tx, sizeof(s->tx), &len);
	if (rc != 0) {
		log_error("cira: cannot encode %s: %s", apf_msg_name(m->type), proto_err_name(rc));
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	int n = SSL_write(s->ssl, s->tx, (int)len);
	OPENSSL_cleanse(s->tx, len); /* USERAUTH_REQUEST carries the password */
	if (n != (int)len) {
		int e = SSL_get_error(s->ssl, n);
		if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL)
			s->tls_broken = true;
		log_tls_error("write");
		return -1;
	}
	return 0;
}

static void tx_disconnect(struct session *s, uint32_t reason)
{
	struct apf_msg m = {.type = APF_DISCONNECT, .disconnect = {.reason = reason}};
	tx_msg(s, &m);
}

/* ---- APF ---- */

/* Answer what may arrive at any time; false when m is something else. */
static bool answer_common(struct session *s, const struct apf_msg *m, uint64_t *keepalive_ms)
{
	struct apf_msg r;
	switch (m->type) {
	case APF_KEEPALIVE_REQUEST:
		r = (struct apf_msg){.type = APF_KEEPALIVE_REPLY, .keepalive = m->keepalive};
		tx_msg(s, &r);
		return true;
	case APF_KEEPALIVE_REPLY:
		return true;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
		/* the MPS sets the interval (firmware seconds) */
		if (keepalive_ms && m->keepalive_options.interval)
			*keepalive_ms = sim_net_scaled_ms(m->keepalive_options.interval,
							  s->cfg->scale, KEEPALIVE_MIN_MS);
		r = (struct apf_msg){.type = APF_KEEPALIVE_OPTIONS_REPLY,
				     .keepalive_options = m->keepalive_options};
		tx_msg(s, &r);
		return true;
	case APF_PROTOCOLVERSION:
		return true; /* an MPS may announce its own */
	default:
		return false;
	}
}

/* Keep a channel message that arrived between forwards for the tunnel
 * (it is the message rx_msg() just returned, at the head of rx). */
static bool defer(struct session *s, const struct apf_msg *m)
{
	if (m->type != APF_CHANNEL_OPEN && m->type != APF_CHANNEL_DATA &&
	    m->type != APF_CHANNEL_WINDOW_ADJUST && m->type != APF_CHANNEL_CLOSE)
		return false;
	if (!s->deferred && !(s->deferred = malloc(DEFER_MAX)))
		return false;
	if (s->rx_used > DEFER_MAX - s->deferred_len) {
		log_warn("cira: the MPS sent more than %u bytes of channel messages before the "
			 "forwards were answered", DEFER_MAX);
		return false;
	}
	memcpy(s->deferred + s->deferred_len, s->rx, s->rx_used);
	s->deferred_len += s->rx_used;
	return true;
}

static enum att rx_failure(enum rx r, const char *step)
{
	switch (r) {
	case RX_STOP:
		return ATT_STOPPED;
	case RX_BAD:
		return ATT_FAILED;
	case RX_TIMEOUT:
		log_debug("cira: no answer to %s", step);
		return ATT_RETRY;
	default:
		log_debug("cira: connection lost waiting for the answer to %s", step);
		return ATT_RETRY;
	}
}

/* Wait for a message of type want during the handshake. */
static enum att expect(struct session *s, uint8_t want, enum apf_success_form rs,
		       struct apf_msg *m, const char *step)
{
	uint64_t deadline = sim_net_now_ms() + s->cfg->step_ms;
	for (;;) {
		enum rx r = rx_msg(s, rs, deadline, m);
		if (r != RX_OK)
			return rx_failure(r, step);
		if (m->type == want)
			return ATT_OK;
		if (answer_common(s, m, &s->keepalive_ms))
			continue;
		if (s->forwarding && defer(s, m))
			continue;
		if (m->type == APF_DISCONNECT)
			log_warn("cira: MPS disconnected during %s (reason %u)", step,
				 m->disconnect.reason);
		else if (m->type == APF_USERAUTH_FAILURE)
			log_warn("cira: MPS refused the credentials of user \"%s\"", s->cfg->user);
		else
			log_warn("cira: unexpected %s from the MPS during %s", apf_msg_name(m->type),
				 step);
		return ATT_FAILED;
	}
}

static enum att service(struct session *s, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
	if (tx_msg(s, &m) != 0)
		return ATT_RETRY;
	enum att a = expect(s, APF_SERVICE_ACCEPT, APF_SUCCESS_AMBIGUOUS, &m, name);
	if (a == ATT_OK && !apf_str_eq(m.service.name, name)) {
		log_warn("cira: MPS accepted another service than %s", name);
		return ATT_FAILED;
	}
	return a;
}

static enum att handshake(struct session *s)
{
	const struct cira_cfg *cfg = s->cfg;
	struct apf_msg m = {.type = APF_PROTOCOLVERSION,
			    .protocol_version = {.major = APF_PROTOCOL_MAJOR,
						 .minor = APF_PROTOCOL_MINOR,
						 .trigger = APF_TRIGGER_USER_INITIATED}};
	enum att a;

	memcpy(m.protocol_version.uuid, cfg->uuid, APF_UUID_LEN);
	if (tx_msg(s, &m) != 0)
		return ATT_RETRY;
	if ((a = service(s, APF_SERVICE_AUTH)) != ATT_OK)
		return a;

	m = (struct apf_msg){.type = APF_USERAUTH_REQUEST,
			     .userauth_request = {
				     .user = {cfg->user, (uint32_t)strlen(cfg->user)},
				     .service = APF_STR(APF_SERVICE_PFWD),
				     .method = APF_AUTH_METHOD_PASSWORD,
				     .password = {cfg->password, (uint32_t)strlen(cfg->password)},
			     }};
	if (tx_msg(s, &m) != 0)
		return ATT_RETRY;
	if ((a = expect(s, APF_USERAUTH_SUCCESS, APF_SUCCESS_AMBIGUOUS, &m, "USERAUTH")) != ATT_OK)
		return a;
	if ((a = service(s, APF_SERVICE_PFWD)) != ATT_OK)
		return a;

	s->forwarding = true;
	for (size_t i = 0; i < cfg->nforwards; i++) {
		m = (struct apf_msg){.type = APF_GLOBAL_REQUEST,
				     .global_request = {.kind = APF_GREQ_TCPIP,
							.want_reply = 1,
							.addr = {cfg->bind, (uint32_t)strlen(cfg->bind)},
							.port = cfg->forwards[i]}};
		if (tx_msg(s, &m) != 0)
			return ATT_RETRY;
		a = expect(s, APF_REQUEST_SUCCESS, APF_SUCCESS_WITH_PORT, &m, "tcpip-forward");
		if (a != ATT_OK)
			return a;
	}
	return ATT_OK;
}

static bool link_stopping(void *arg)
{
	return stopping(arg);
}

/* The connected tunnel (sim_cira_tunnel.c) until it ends. */
static enum att tunnel(struct session *s)
{
	const struct cira_cfg *cfg = s->cfg;
	char peer[SIM_STR + 8];

	if (!set_connected(s)) {
		tx_disconnect(s, APF_DISCONNECT_BY_APPLICATION);
		return ATT_STOPPED;
	}
	snprintf(peer, sizeof(peer), "%s:%s", cfg->host, cfg->port);
	log_info("cira: tunnel to %s up", peer);
	struct sim_cira_link l = {
		.fw = s->c->fw,
		.fd = s->fd,
		.ssl = s->ssl,
		.tls_broken = &s->tls_broken,
		.wakefd = s->c->wakefd,
		.stopping = link_stopping,
		.stopping_arg = s,
		.rx = s->rx + s->rx_used,
		.rx_len = s->rx_len - s->rx_used,
		.deferred = s->deferred,
		.deferred_len = s->deferred_len,
		.forwards = cfg->forwards,
		.nforwards = cfg->nforwards,
		.keepalive_ms = s->keepalive_ms,
		.lifetime_ms = cfg->lifetime_ms,
		.stall_ms = sim_net_scaled_ms(STALL_S, cfg->scale, STEP_MIN_MS),
		.scale = cfg->scale,
		.chan_window = cfg->chan_window,
		.peer = peer,
	};
	s->rx_len = s->rx_used = 0;
	return sim_cira_tunnel_run(&l) == SIM_CIRA_END_STOPPED ? ATT_STOPPED : ATT_DONE;
}

/* ---- one attempt ---- */

/* SSL_connect on the socket made non-blocking for the while, so the wake
 * fd (Close, shutdown) and the step deadline bound it; blocking again after.
 * ATT_OK, ATT_STOPPED, or ATT_RETRY for any failure (caller tells which). */
static enum att tls_handshake(struct session *s)
{
	uint64_t deadline = sim_net_now_ms() + s->cfg->step_ms;
	int flags = fcntl(s->fd, F_GETFL);
	enum att a = ATT_RETRY;

	fcntl(s->fd, F_SETFL, flags | O_NONBLOCK);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_connect(s->ssl);
		if (r == 1) {
			a = ATT_OK;
			break;
		}
		int e = SSL_get_error(s->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		uint64_t now = sim_net_now_ms();
		if (now >= deadline) {
			log_debug("cira: TLS handshake timed out");
			break;
		}
		uint64_t left = deadline - now;
		struct pollfd p[2] = {{.fd = s->fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT},
				      {.fd = s->c->wakefd, .events = POLLIN}};
		int n = poll(p, 2, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
		if (n > 0 && (p[1].revents & POLLIN)) {
			sim_net_wake_drain(s->c->wakefd);
			if (stopping(s)) {
				a = ATT_STOPPED;
				break;
			}
		}
	}
	fcntl(s->fd, F_SETFL, flags);
	return a;
}

static enum att tls_connect(struct session *s)
{
	const struct cira_cfg *cfg = s->cfg;
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (!s->ctx)
		return ATT_FAILED;
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	if (cfg->ca[0] ? SSL_CTX_load_verify_locations(s->ctx, cfg->ca, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(s->ctx) != 1) {
		log_warn("cira: cannot load the CA certificates from \"%s\"", cfg->ca);
		ERR_clear_error();
		return ATT_FAILED;
	}
	s->ssl = SSL_new(s->ctx);
	if (!s->ssl)
		return ATT_FAILED;
	SSL_clear_mode(s->ssl, SSL_MODE_AUTO_RETRY);
	if (sim_net_is_ip(cfg->host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), cfg->host) != 1)
			return ATT_FAILED;
	} else if (SSL_set_tlsext_host_name(s->ssl, cfg->host) != 1 ||
		   SSL_set1_host(s->ssl, cfg->host) != 1) {
		return ATT_FAILED;
	}
	if (SSL_set_fd(s->ssl, s->fd) != 1)
		return ATT_FAILED;
	sim_net_set_timeouts(s->fd, (int)cfg->step_ms);
	enum att a = tls_handshake(s);
	if (a == ATT_OK)
		return a;
	s->tls_broken = true; /* no close_notify on a handshake that did not finish */
	if (a == ATT_STOPPED)
		return a;
	long v = SSL_get_verify_result(s->ssl);
	if (v != X509_V_OK) {
		log_warn("cira: MPS %s certificate not accepted: %s", cfg->host,
			 X509_verify_cert_error_string(v));
		ERR_clear_error();
		return ATT_FAILED;
	}
	log_tls_error("TLS handshake");
	return ATT_RETRY;
}

static void session_close(struct session *s)
{
	if (s->ssl) {
		if (!s->tls_broken) {
			ERR_clear_error();
			SSL_shutdown(s->ssl); /* send close_notify; do not wait for the peer's */
		}
		SSL_free(s->ssl);
	}
	SSL_CTX_free(s->ctx);
	ERR_clear_error();
	if (s->fd >= 0)
		close(s->fd);
	if (s->rx) {
		OPENSSL_cleanse(s->rx, s->rx_len);
		free(s->rx);
	}
	free(s->deferred);
}

static enum att attempt(struct sim_cira *c, unsigned gen, const struct cira_cfg *cfg)
{
	struct session *s = calloc(1, sizeof(*s));
	enum att a;
	if (!s)
		return ATT_RETRY;
	s->c = c;
	s->gen = gen;
	s->cfg = cfg;
	s->keepalive_ms = cfg->keepalive_ms;
	s->fd = sim_net_connect(cfg->host, cfg->port, (int)cfg->step_ms, c->wakefd);
	if (s->fd < 0) {
		log_debug("cira: cannot reach the MPS %s:%s: %s", cfg->host, cfg->port,
			  strerror(-s->fd));
		a = s->fd == -ECANCELED && stopping(s) ? ATT_STOPPED : ATT_RETRY;
		free(s);
		return a;
	}
	s->rx = malloc(APF_MAX_MSG);
	a = s->rx ? tls_connect(s) : ATT_RETRY;
	if (a == ATT_OK) {
		a = handshake(s);
		if (a == ATT_STOPPED)
			tx_disconnect(s, APF_DISCONNECT_BY_APPLICATION);
	}
	if (a == ATT_OK)
		a = tunnel(s);
	session_close(s);
	free(s);
	return a;
}

/* Try until connected, refused, closed, or the request window ends. */
static enum att run_request(struct sim_cira *c, unsigned gen, const struct cira_cfg *cfg)
{
	uint64_t window_end = sim_net_now_ms() + cfg->window_ms;
	struct session probe = {.c = c, .gen = gen};
	for (;;) {
		enum att a = attempt(c, gen, cfg);
		if (a != ATT_RETRY)
			return a;
		if (sim_net_now_ms() >= window_end) {
			log_info("cira: no tunnel to %s:%s within the request window", cfg->host,
				 cfg->port);
			return ATT_FAILED;
		}
		sim_net_wait(c->wakefd, (int)cfg->retry_ms);
		if (stopping(&probe))
			return ATT_STOPPED;
	}
}

/* Copy what a request needs; caller holds the ME lock. */
static int snapshot(const struct sim_state *st, struct cira_cfg *cfg)
{
	unsigned scale = st->time_scale ? st->time_scale : 1;
	const struct sim_ra_rule *rule;
	const struct sim_ra_mps *mps;
	memset(cfg, 0, sizeof(*cfg));
	sim_ra_user_route(&st->ra, &rule, &mps); /* the MPS WS-Man or the state file set */
	if (!rule || !mps || strlen(mps->host) >= sizeof(cfg->host)) {
		log_warn("cira: no MPS for a user-initiated connection");
		return -1;
	}
	snprintf(cfg->host, sizeof(cfg->host), "%s", mps->host);
	snprintf(cfg->port, sizeof(cfg->port), "%u", (unsigned)mps->port);
	snprintf(cfg->ca, sizeof(cfg->ca), "%s", st->cira_ca);
	snprintf(cfg->user, sizeof(cfg->user), "%s", mps->username);
	snprintf(cfg->password, sizeof(cfg->password), "%s", mps->password);
	snprintf(cfg->bind, sizeof(cfg->bind), "%s", st->host_name[0] ? st->host_name : FORWARD_BIND_ANY);
	memcpy(cfg->uuid, st->uuid, APF_UUID_LEN);
	cfg->scale = scale;
	cfg->chan_window = st->cira_window ? st->cira_window : SIM_CIRA_WINDOW;
	cfg->window_ms = sim_net_scaled_ms(st->cira_request_window_s, scale, 1);
	cfg->retry_ms = sim_net_scaled_ms(SIM_CIRA_RETRY_S, scale, RETRY_MIN_MS);
	cfg->step_ms = sim_net_scaled_ms(STEP_MAX_MS / 1000u, scale, STEP_MIN_MS);
	cfg->keepalive_ms =
		st->cira_keepalive_s ? sim_net_scaled_ms(st->cira_keepalive_s, scale, KEEPALIVE_MIN_MS) : 0;
	cfg->lifetime_ms = rule->lifetime_s ? sim_net_scaled_ms(rule->lifetime_s, scale, 1) : 0;
	return 0;
}

static void *cira_main(void *arg)
{
	struct sim_cira *c = arg;
	struct sim_fw *fw = c->fw;
	struct cira_cfg cfg;
	sigset_t pipe_set;

	/* an MPS closing early must not kill the simulator (SSL_write -> EPIPE) */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

	for (;;) {
		sim_me_lock(fw->me);
		if (c->quit) {
			sim_me_unlock(fw->me);
			break;
		}
		bool requested = c->requested;
		unsigned gen = c->gen;
		int ok = requested ? snapshot(&fw->st, &cfg) : 0;
		if (requested && ok == 0)
			cfg.nforwards = sim_ports_forwarded(&fw->st, cfg.forwards, SIM_PORTS_MAX);
		if (requested)
			sim_net_wake_drain(c->wakefd); /* the Open kick is served */
		sim_me_unlock(fw->me);

		if (!requested) {
			sim_net_wait(c->wakefd, -1);
			continue;
		}
		if (ok == 0)
			run_request(c, gen, &cfg);
		OPENSSL_cleanse(&cfg, sizeof(cfg));

		sim_me_lock(fw->me);
		if (c->gen == gen && c->requested) {
			c->requested = false;
			fw->st.cira_status = AMT_CIRA_NOT_CONNECTED;
			log_info("cira: not connected");
		}
		sim_me_unlock(fw->me);
	}
	return NULL;
}

int sim_cira_open(struct sim_fw *fw)
{
	struct sim_cira *c = fw->cira;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->fw = fw;
		c->wakefd = sim_net_wake_new();
		if (c->wakefd < 0) {
			int rc = c->wakefd;
			free(c);
			return rc;
		}
		int rc = pthread_create(&c->tid, NULL, cira_main, c);
		if (rc != 0) {
			close(c->wakefd);
			free(c);
			return -rc;
		}
		fw->cira = c;
	}
	if (c->requested)
		return 0;
	c->requested = true;
	c->gen++;
	/* the live status is ours (c->status); the state keeps what survives a
	 * restart, and a tunnel does not */
	c->status = AMT_CIRA_CONNECTING;
	fw->st.cira_status = AMT_CIRA_NOT_CONNECTED;
	fw->st.cira_trigger = 0; /* user initiated (LMS numbering, as in the state) */
	log_info("cira: user-initiated connection requested");
	sim_net_wake_kick(c->wakefd);
	return 0;
}

bool sim_cira_close(struct sim_fw *fw)
{
	struct sim_cira *c = fw->cira;
	if (!c || !c->requested)
		return false;
	c->requested = false;
	c->gen++;
	fw->st.cira_status = AMT_CIRA_NOT_CONNECTED;
	log_info("cira: user-initiated connection closed");
	sim_net_wake_kick(c->wakefd);
	return true;
}

/* True while a tunnel is requested, i.e. the client owns [cira] status. */
static bool sim_cira_active(const struct sim_fw *fw)
{
	return fw->cira && fw->cira->requested;
}

bool sim_cira_status(const struct sim_fw *fw, uint32_t *status)
{
	if (!sim_cira_active(fw))
		return false;
	*status = fw->cira->status;
	return true;
}

void sim_cira_shutdown(struct sim_fw *fw)
{
	struct sim_cira *c = fw->cira;
	if (!c)
		return;
	sim_me_lock(fw->me);
	c->quit = true;
	sim_net_wake_kick(c->wakefd);
	sim_me_unlock(fw->me);
	pthread_join(c->tid, NULL);
	sim_me_lock(fw->me);
	fw->cira = NULL;
	sim_me_unlock(fw->me);
	close(c->wakefd);
	free(c);
}
