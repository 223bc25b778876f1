/*
 * sim_lme.c - AMT's side of APF over the simulated LME client (see
 * sim_lme.h).
 *
 * Owns: the per-connection APF session (handshake state, channel table,
 * windows), and the relay thread that connects streams to the service and
 * moves bytes. Handlers (ME lock held) only change state, buffer host data
 * (at most our window per channel) and wake the thread through a pipe; the
 * thread polls the streams without the lock and does each read/write with
 * the lock held on non-blocking fds, sending to the host there. Stream fds
 * are opened and closed only by the thread, so a handler can never close an
 * fd the thread is polling; sessions are freed only by the thread too.
 * Must not: block under the ME lock, or build APF bytes itself (apf_codec).
 */
#include "sim_lme.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apf_codec.h"
#include "heci.h"
#include "log.h"
#include "sim_fw.h"

/* The WS-Man service (sim_wsman.c) is reached through a weak reference:
 * binaries that start the service link it, unit tests that plug in their
 * own stream (sim_lme_set_connect) do not drag it and libevent in. */
#if defined(__has_include)
#if __has_include("sim_wsman.h")
#include "sim_wsman.h"
#pragma weak sim_wsman_connect_internal
#define SIM_LME_HAVE_WSMAN 1
#endif
#endif

#define HOST_WINDOW_CAP (1u << 20) /* cap on the host's window to us */
#define AMT_ID_BASE 0xA000u        /* AMT channel ids: distinct from host ids */
#define FORWARD_COUNT 2u           /* 16992 and 623 */

enum hs {
	HS_WAIT_VERSION,     /* our PROTOCOLVERSION sent, waiting for the host's */
	HS_WAIT_AUTH_ACCEPT, /* SERVICE_REQUEST auth@ sent */
	HS_WAIT_USERAUTH,    /* USERAUTH_REQUEST sent */
	HS_WAIT_PFWD_ACCEPT, /* SERVICE_REQUEST pfwd@ sent */
	HS_READY,            /* forwards requested; channels allowed */
	HS_DEAD,             /* protocol error or host DISCONNECT: ignore the host */
};

enum ch_state {
	CH_FREE = 0,
	CH_CONNECTING, /* host asked; the thread connects the stream and answers */
	CH_OPEN,
	CH_CLOSING,    /* we sent CHANNEL_CLOSE (service closed); waiting for the host's */
	CH_DEAD,       /* to be reaped by the thread (fd closed there) */
};

struct chan {
	enum ch_state st;
	uint32_t amt_id, host_id, port;
	int fd;               /* stream to the service; thread-owned */
	uint32_t host_window; /* bytes we may still send to the host */
	uint32_t rx_left;     /* bytes the host may still send us */
	size_t tx_len;        /* host bytes not yet written to the stream */
	uint8_t tx[SIM_LME_WINDOW];
};

struct sess {
	struct sess *next;
	struct sim_conn *conn; /* NULL once the host is gone: the thread frees us */
	enum hs hs;
	unsigned fwd_pending;
	uint32_t next_id;
	struct chan ch[SIM_LME_MAX_CHANNELS];
};

struct pfd_ref {
	struct sess *s;
	size_t slot;
	uint32_t amt_id;
};

struct sim_lme {
	struct sim_fw *fw;
	sim_lme_connect_fn connect;
	void *connect_arg;
	pthread_t thread;
	bool started, stop;
	int wake[2];
	struct sess *sessions;
	struct pollfd *pfd; /* thread only */
	struct pfd_ref *ref;
	size_t pfd_cap;
};

/* ---- sending (ME lock held) ---- */

static void send_msg(struct sess *s, const struct apf_msg *m)
{
	uint8_t buf[SIM_LME_MTU];
	size_t n;
	if (!s->conn)
		return;
	if (apf_encode(m, buf, sizeof(buf), &n) != 0) {
		log_error("sim lme: cannot encode %s", apf_msg_name(m->type));
		return;
	}
	sim_conn_reply(s->conn, buf, n);
}

static void send_service_request(struct sess *s, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
	send_msg(s, &m);
}

static void send_close(struct sess *s, uint32_t host_id)
{
	struct apf_msg m = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = host_id}};
	send_msg(s, &m);
}

static void send_open_failure(struct sess *s, uint32_t host_id, uint32_t reason)
{
	struct apf_msg m = {.type = APF_CHANNEL_OPEN_FAILURE,
			    .open_failure = {.recipient = host_id, .reason = reason}};
	send_msg(s, &m);
}

static void wake_thread(struct sim_lme *l)
{
	static const uint8_t b = 1;
	if (l->wake[1] >= 0 && write(l->wake[1], &b, 1) < 0 && errno != EAGAIN)
		log_error("sim lme: wake pipe: %s", strerror(errno));
}

static void kill_channels(struct sim_lme *l, struct sess *s)
{
	for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++)
		if (s->ch[i].st != CH_FREE)
			s->ch[i].st = CH_DEAD;
	wake_thread(l);
}

static void proto_error(struct sim_lme *l, struct sess *s, uint32_t reason, const char *why)
{
	struct apf_msg m = {.type = APF_DISCONNECT, .disconnect = {.reason = reason}};
	log_info("sim lme: host protocol error: %s; DISCONNECT reason %u", why, (unsigned)reason);
	send_msg(s, &m);
	s->hs = HS_DEAD;
	kill_channels(l, s);
}

static struct chan *chan_by_amt_id(struct sess *s, uint32_t id)
{
	for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++)
		if (s->ch[i].st != CH_FREE && s->ch[i].st != CH_DEAD && s->ch[i].amt_id == id)
			return &s->ch[i];
	return NULL;
}

static void *relay_main(void *arg);

/* ---- handlers (ME lock held) ---- */

static void on_connect(void *ctx, struct sim_conn *c)
{
	struct sim_lme *l = ctx;
	struct sess *s;

	log_info("sim lme: a host connected to the LME client"); /* tests check who used LME */
	if (!l->started) {
		if (pthread_create(&l->thread, NULL, relay_main, l) != 0) {
			log_error("sim lme: cannot start the relay thread; LME stays silent");
			return;
		}
		l->started = true;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_error("sim lme: out of memory; LME stays silent");
		return;
	}
	s->conn = c;
	s->next_id = AMT_ID_BASE;
	s->next = l->sessions;
	l->sessions = s;
	sim_conn_set_data(c, s);
	struct apf_msg pv = {.type = APF_PROTOCOLVERSION,
			     .protocol_version = {.major = APF_PROTOCOL_MAJOR,
						  .minor = APF_PROTOCOL_MINOR,
						  .trigger = 0}};
	memcpy(pv.protocol_version.uuid, l->fw->st.uuid, APF_UUID_LEN);
	send_msg(s, &pv);
}

static void on_disconnect(void *ctx, struct sim_conn *c)
{
	struct sim_lme *l = ctx;
	struct sess *s = sim_conn_get_data(c);
	if (!s)
		return;
	s->conn = NULL; /* the thread closes the streams and frees s */
	sim_conn_set_data(c, NULL);
	kill_channels(l, s);
}

static void on_channel_open(struct sim_lme *l, struct sess *s, const struct apf_channel_open *o)
{
	struct chan *c = NULL;
	if (o->kind != APF_CHAN_FORWARDED) {
		send_open_failure(s, o->sender, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
		return;
	}
	if (o->port != 16992 && o->port != 16993) {
		send_open_failure(s, o->sender, APF_OPEN_FAILURE_CONNECT_FAILED);
		return;
	}
	for (size_t i = 0; i < SIM_LME_MAX_CHANNELS && !c; i++)
		if (s->ch[i].st == CH_FREE)
			c = &s->ch[i];
	if (!c) {
		send_open_failure(s, o->sender, APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
		return;
	}
	c->st = CH_CONNECTING;
	c->fd = -1;
	c->amt_id = s->next_id++;
	c->host_id = o->sender;
	c->port = o->port;
	c->host_window = o->window < HOST_WINDOW_CAP ? o->window : HOST_WINDOW_CAP;
	c->rx_left = SIM_LME_WINDOW;
	c->tx_len = 0;
	wake_thread(l); /* it connects and confirms */
}

static void on_channel_data(struct sim_lme *l, struct sess *s, const struct apf_channel_data *d)
{
	struct chan *c = chan_by_amt_id(s, d->recipient);
	if (!c || c->st != CH_OPEN) {
		log_debug("sim lme: %u bytes for channel %u dropped", (unsigned)d->len,
			  (unsigned)d->recipient);
		return;
	}
	if (d->len > c->rx_left) {
		proto_error(l, s, APF_DISCONNECT_PROTOCOL_ERROR, "data beyond AMT's window");
		return;
	}
	/* tx_len + rx_left <= SIM_LME_WINDOW: it fits */
	memcpy(c->tx + c->tx_len, d->data, d->len);
	c->tx_len += d->len;
	c->rx_left -= d->len;
	wake_thread(l);
}

static void on_channel_close(struct sim_lme *l, struct sess *s, uint32_t id)
{
	struct chan *c = chan_by_amt_id(s, id);
	if (!c || c->st == CH_CONNECTING) {
		log_debug("sim lme: close for unknown channel %u ignored", (unsigned)id);
		return;
	}
	if (c->st == CH_OPEN)
		send_close(s, c->host_id);
	c->st = CH_DEAD;
	wake_thread(l);
}

/* Handshake messages; returns false on a protocol error (already sent). */
static bool on_handshake(struct sim_lme *l, struct sess *s, const struct apf_msg *m)
{
	switch (m->type) {
	case APF_PROTOCOLVERSION:
		if (s->hs != HS_WAIT_VERSION)
			return true; /* repeated: ignored */
		if (m->protocol_version.major < APF_PROTOCOL_MAJOR) {
			proto_error(l, s, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED,
				    "host APF version below 1.0");
			return false;
		}
		send_service_request(s, APF_SERVICE_AUTH);
		s->hs = HS_WAIT_AUTH_ACCEPT;
		return true;
	case APF_SERVICE_ACCEPT:
		if (s->hs == HS_WAIT_AUTH_ACCEPT && apf_str_eq(m->service.name, APF_SERVICE_AUTH)) {
			struct apf_msg u = {
				.type = APF_USERAUTH_REQUEST,
				.userauth_request = {.user = APF_STR(""),
						     .service = APF_STR(APF_SERVICE_PFWD),
						     .method = APF_AUTH_METHOD_NONE},
			};
			send_msg(s, &u);
			s->hs = HS_WAIT_USERAUTH;
			return true;
		}
		if (s->hs == HS_WAIT_PFWD_ACCEPT && apf_str_eq(m->service.name, APF_SERVICE_PFWD)) {
			static const uint32_t ports[FORWARD_COUNT] = {16992, 623};
			for (size_t i = 0; i < FORWARD_COUNT; i++) {
				struct apf_msg g = {
					.type = APF_GLOBAL_REQUEST,
					.global_request = {.kind = APF_GREQ_TCPIP,
							   .want_reply = 1,
							   .addr = APF_STR("127.0.0.1"),
							   .port = ports[i]},
				};
				send_msg(s, &g);
			}
			s->fwd_pending = FORWARD_COUNT;
			s->hs = HS_READY;
			return true;
		}
		break;
	case APF_USERAUTH_SUCCESS:
		if (s->hs == HS_WAIT_USERAUTH) {
			send_service_request(s, APF_SERVICE_PFWD);
			s->hs = HS_WAIT_PFWD_ACCEPT;
			return true;
		}
		break;
	case APF_USERAUTH_FAILURE:
		if (s->hs == HS_WAIT_USERAUTH) {
			proto_error(l, s, APF_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
				    "host refused authentication");
			return false;
		}
		break;
	case APF_REQUEST_SUCCESS:
	case APF_REQUEST_FAILURE:
		if (s->hs == HS_READY && s->fwd_pending > 0) {
			s->fwd_pending--;
			if (m->type == APF_REQUEST_FAILURE)
				log_info("sim lme: the host refused a port forward");
			return true;
		}
		break;
	default:
		break;
	}
	proto_error(l, s, APF_DISCONNECT_PROTOCOL_ERROR, apf_msg_name(m->type));
	return false;
}

static void on_message(void *ctx, struct sim_conn *conn, const uint8_t *msg, size_t len)
{
	struct sim_lme *l = ctx;
	struct sess *s = sim_conn_get_data(conn);
	struct apf_msg m;

	if (!s || s->hs == HS_DEAD)
		return;
	if (apf_decode(msg, len, &m) != 0) {
		proto_error(l, s, APF_DISCONNECT_PROTOCOL_ERROR, "undecodable message");
		return;
	}
	switch (m.type) {
	case APF_DISCONNECT:
		log_info("sim lme: host disconnected APF, reason %u", (unsigned)m.disconnect.reason);
		s->hs = HS_DEAD;
		kill_channels(l, s);
		return;
	case APF_KEEPALIVE_REQUEST:
	case APF_KEEPALIVE_REPLY:
	case APF_KEEPALIVE_OPTIONS_REQUEST:
	case APF_KEEPALIVE_OPTIONS_REPLY:
		return;
	case APF_CHANNEL_OPEN:
	case APF_CHANNEL_DATA:
	case APF_CHANNEL_WINDOW_ADJUST:
	case APF_CHANNEL_CLOSE:
		if (s->hs != HS_READY) {
			proto_error(l, s, APF_DISCONNECT_PROTOCOL_ERROR,
				    "channel message before port forwarding");
			return;
		}
		break;
	default:
		on_handshake(l, s, &m);
		return;
	}
	switch (m.type) {
	case APF_CHANNEL_OPEN:
		on_channel_open(l, s, &m.channel_open);
		break;
	case APF_CHANNEL_DATA:
		on_channel_data(l, s, &m.channel_data);
		break;
	case APF_CHANNEL_WINDOW_ADJUST: {
		struct chan *c = chan_by_amt_id(s, m.window_adjust.recipient);
		if (!c || c->st == CH_CONNECTING)
			break;
		uint32_t room = HOST_WINDOW_CAP - c->host_window;
		c->host_window += m.window_adjust.bytes_to_add < room ? m.window_adjust.bytes_to_add
								      : room;
		wake_thread(l);
		break;
	}
	default:
		on_channel_close(l, s, m.channel_close.recipient);
		break;
	}
}

/* ---- relay thread ---- */

/* arg: the WS-Man service (fw->wsman, read under the ME lock), or NULL. */
static int default_connect(void *arg, uint32_t port)
{
#ifdef SIM_LME_HAVE_WSMAN
	struct sim_wsman *w = arg;
	if (port == 16992 && w && sim_wsman_connect_internal)
		return sim_wsman_connect_internal(w);
#else
	(void)arg;
#endif
	(void)port;
	return -ECONNREFUSED;
}

/* Connect one CH_CONNECTING channel (lock dropped around the connect) and
 * answer the host. Returns true when it did something. Called locked. */
static bool connect_one(struct sim_lme *l)
{
	struct sess *s;
	struct chan *c = NULL;
	for (s = l->sessions; s; s = s->next) {
		for (size_t i = 0; i < SIM_LME_MAX_CHANNELS && !c; i++)
			if (s->ch[i].st == CH_CONNECTING)
				c = &s->ch[i];
		if (c)
			break;
	}
	if (!c)
		return false;
	uint32_t id = c->amt_id, port = c->port;
	sim_lme_connect_fn fn = l->connect;
	void *arg = l->connect_arg;
#ifdef SIM_LME_HAVE_WSMAN
	if (fn == default_connect)
		arg = l->fw->wsman; /* stopped only after sim_lme_shutdown */
#endif

	sim_me_unlock(l->fw->me);
	int fd = fn(arg, port);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	sim_me_lock(l->fw->me);

	/* sessions are freed only by this thread, so s is still valid */
	if (c->st != CH_CONNECTING || c->amt_id != id) {
		if (fd >= 0)
			close(fd);
		return true;
	}
	if (fd < 0) {
		log_info("sim lme: channel to port %u: connect failed: %s", (unsigned)port,
			 strerror(-fd));
		send_open_failure(s, c->host_id, APF_OPEN_FAILURE_CONNECT_FAILED);
		c->st = CH_FREE;
		return true;
	}
	c->fd = fd;
	c->st = CH_OPEN;
	struct apf_msg m = {.type = APF_CHANNEL_OPEN_CONFIRMATION,
			    .open_confirmation = {.recipient = c->host_id,
						  .sender = c->amt_id,
						  .window = SIM_LME_WINDOW,
						  .reserved = APF_RESERVED_ALL_ONES}};
	send_msg(s, &m);
	return true;
}

/* Close streams of dead channels and free sessions whose host is gone. */
static void reap(struct sim_lme *l)
{
	struct sess **pp = &l->sessions;
	while (*pp) {
		struct sess *s = *pp;
		for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++) {
			struct chan *c = &s->ch[i];
			if (c->st != CH_DEAD)
				continue;
			if (c->fd >= 0)
				close(c->fd);
			memset(c, 0, sizeof(*c));
		}
		if (s->conn) {
			pp = &s->next;
			continue;
		}
		for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++)
			if (s->ch[i].st != CH_FREE && s->ch[i].fd >= 0)
				close(s->ch[i].fd);
		*pp = s->next;
		free(s);
	}
}

/* The service closed (or broke) its side: CHANNEL_CLOSE to the host. */
static void stream_ended(struct sess *s, struct chan *c)
{
	send_close(s, c->host_id);
	c->st = CH_CLOSING;
	c->tx_len = 0;
}

/* Host bytes -> stream; credit the host for what the stream took. */
static void flush_to_stream(struct sim_lme *l, struct sess *s, struct chan *c)
{
	ssize_t k = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k < 0 && errno == ENOTSOCK)
		k = write(c->fd, c->tx, c->tx_len);
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			stream_ended(s, c);
		return;
	}
	memmove(c->tx, c->tx + k, c->tx_len - (size_t)k);
	c->tx_len -= (size_t)k;
	if (l->fw->st.apf_window_stall) {
		log_debug("sim lme: apf_window_stall: no WINDOW_ADJUST for %zd bytes", k);
		return;
	}
	c->rx_left += (uint32_t)k;
	struct apf_msg m = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = c->host_id, .bytes_to_add = (uint32_t)k}};
	send_msg(s, &m);
}

/* Stream bytes -> host, within the host's window and the MTU. */
static void pull_from_stream(struct sess *s, struct chan *c)
{
	uint8_t buf[SIM_LME_MTU - APF_CHANNEL_DATA_HDR_LEN];
	size_t want = c->host_window < sizeof(buf) ? c->host_window : sizeof(buf);
	ssize_t k = read(c->fd, buf, want);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (k <= 0) {
		stream_ended(s, c);
		return;
	}
	struct apf_msg m = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = c->host_id, .data = buf, .len = (uint32_t)k}};
	send_msg(s, &m);
	c->host_window -= (uint32_t)k;
}

static bool grow_pfd(struct sim_lme *l, size_t need)
{
	if (need <= l->pfd_cap)
		return true;
	struct pollfd *p = realloc(l->pfd, need * sizeof(*p));
	if (!p)
		return false;
	l->pfd = p;
	struct pfd_ref *r = realloc(l->ref, need * sizeof(*r));
	if (!r)
		return false;
	l->ref = r;
	l->pfd_cap = need;
	return true;
}

/* Which stream fds to watch, and for what. Called locked. */
static size_t build_pfd(struct sim_lme *l)
{
	size_t n = 1, nsess = 0;
	for (struct sess *s = l->sessions; s; s = s->next)
		nsess++;
	if (!grow_pfd(l, 1 + nsess * SIM_LME_MAX_CHANNELS))
		return 1;
	l->pfd[0] = (struct pollfd){.fd = l->wake[0], .events = POLLIN};
	for (struct sess *s = l->sessions; s; s = s->next)
		for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++) {
			struct chan *c = &s->ch[i];
			short ev = 0;
			if (c->st != CH_OPEN || !s->conn)
				continue;
			if (c->tx_len)
				ev |= POLLOUT;
			if (c->host_window)
				ev |= POLLIN;
			if (!ev)
				continue; /* POLLHUP would spin while the host's window is shut */
			l->pfd[n] = (struct pollfd){.fd = c->fd, .events = ev};
			l->ref[n] = (struct pfd_ref){.s = s, .slot = i, .amt_id = c->amt_id};
			n++;
		}
	return n;
}

static void *relay_main(void *arg)
{
	struct sim_lme *l = arg;
	struct sim_me *me = l->fw->me;

	sim_me_lock(me);
	while (!l->stop) {
		while (connect_one(l) && !l->stop)
			;
		reap(l);
		size_t n = build_pfd(l);
		sim_me_unlock(me);
		int pr = poll(l->pfd, n, -1);
		if (l->pfd[0].revents) {
			uint8_t drain[64];
			while (read(l->wake[0], drain, sizeof(drain)) > 0)
				;
		}
		sim_me_lock(me);
		if (pr <= 0)
			continue;
		for (size_t i = 1; i < n; i++) {
			if (!l->pfd[i].revents)
				continue;
			struct sess *s = l->ref[i].s;
			struct chan *c = &s->ch[l->ref[i].slot];
			if (c->st != CH_OPEN || c->amt_id != l->ref[i].amt_id || !s->conn)
				continue; /* changed while unlocked; the fd is still ours */
			if (c->tx_len && (l->pfd[i].revents & (POLLOUT | POLLERR)))
				flush_to_stream(l, s, c);
			if (c->st == CH_OPEN && c->host_window &&
			    (l->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				pull_from_stream(s, c);
		}
	}
	sim_me_unlock(me);
	return NULL;
}

/* ---- registration ---- */

int sim_lme_register(struct sim_fw *fw, char *err, size_t errcap)
{
	if (!fw->st.amt_enabled)
		return 0; /* LME is absent while AMT is disabled */
	struct sim_lme *l = calloc(1, sizeof(*l));
	int rc = -ENOMEM;

	if (!l)
		goto out;
	l->fw = fw;
	l->connect = default_connect;
	l->connect_arg = NULL;
	l->wake[0] = l->wake[1] = -1;
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = -errno;
		goto out;
	}
	struct sim_client_def def = {
		.name = "LME",
		.mtu = SIM_LME_MTU,
		.proto_ver = SIM_LME_PROTO_VER,
		.max_conns = 1, /* LMS owns it: a second process gets EBUSY */
		.on_connect = on_connect,
		.on_message = on_message,
		.on_disconnect = on_disconnect,
		.ctx = l,
	};
	memcpy(def.guid, HECI_GUID_LME.b, 16);
	rc = sim_me_add_client(fw->me, &def);
	if (rc != 0)
		goto out;
	fw->lme = l;
	l = NULL;
out:
	if (l) {
		if (l->wake[0] >= 0) {
			close(l->wake[0]);
			close(l->wake[1]);
		}
		free(l);
	}
	return rc;
}

void sim_lme_set_connect(struct sim_fw *fw, sim_lme_connect_fn fn, void *arg)
{
	struct sim_lme *l = fw->lme;
	if (!l)
		return;
	sim_me_lock(fw->me);
	l->connect = fn ? fn : default_connect;
	l->connect_arg = fn ? arg : NULL;
	sim_me_unlock(fw->me);
}

void sim_lme_shutdown(struct sim_fw *fw)
{
	struct sim_lme *l = fw->lme;
	if (!l)
		return;
	sim_me_lock(fw->me);
	l->stop = true;
	wake_thread(l);
	bool started = l->started;
	sim_me_unlock(fw->me);
	if (started)
		pthread_join(l->thread, NULL);
	/* the client stays registered; nobody can reach l once fw->lme is NULL
	 * only if no host is connected, as documented */
	while (l->sessions) {
		struct sess *s = l->sessions;
		l->sessions = s->next;
		if (s->conn)
			sim_conn_set_data(s->conn, NULL);
		for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++)
			if (s->ch[i].st != CH_FREE && s->ch[i].fd >= 0)
				close(s->ch[i].fd);
		free(s);
	}
	close(l->wake[0]);
	close(l->wake[1]);
	free(l->pfd);
	free(l->ref);
	free(l);
	fw->lme = NULL;
}
