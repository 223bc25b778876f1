// SPDX-License-Identifier: Apache-2.0
/*
 * sim_lme.c - AMT's side of APF over the simulated LME client (see
 * sim_lme.h).
 *
 * Owns: the per-connection APF session (handshake state) and the relay
 * thread that connects streams to the services and moves bytes. Each
 * session's channels (ids, windows, buffers, the close handshake) are a
 * sim_chan table, and which service answers a port is sim_ports.c's, both
 * shared with the CIRA tunnel. Handlers (ME lock held) only drive the
 * table and wake the thread through a pipe; the thread polls the streams
 * without the lock and does each read/write with the lock held on
 * non-blocking fds, sending to the host there. Stream fds are opened and
 * closed only by the thread, so a handler can never close an fd the thread
 * is polling; sessions are freed only by the thread too.
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
#include "sim_chan.h"
#include "sim_fw.h"
#include "sim_ports.h"

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

struct sess {
	struct sess *next;
	struct sim_conn *conn; /* NULL once the host is gone: the thread frees us */
	struct sim_lme *l;
	enum hs hs;
	unsigned fwd_pending;
	struct sim_chan_table *ch;
	int fd[SIM_LME_MAX_CHANNELS]; /* streams to the services; thread-owned */
};

struct pfd_ref {
	struct sess *s;
	int slot;
	uint32_t amt_id;
};

struct sim_lme {
	struct sim_fw *fw;
	sim_lme_connect_fn connect; /* NULL: the service in sim_ports.c */
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

/* sim_chan's hook */
static void chan_send(void *arg, const struct apf_msg *m)
{
	send_msg(arg, m);
}

static void send_service_request(struct sess *s, const char *name)
{
	struct apf_msg m = {.type = APF_SERVICE_REQUEST,
			    .service = {.name = {name, (uint32_t)strlen(name)}}};
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
	sim_chan_abort_all(s->ch);
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
	struct sim_chan_cfg cfg = {.window = SIM_LME_WINDOW,
				   .max_data = SIM_LME_MTU - APF_CHANNEL_DATA_HDR_LEN,
				   .max_channels = SIM_LME_MAX_CHANNELS,
				   .id_base = AMT_ID_BASE};
	s = calloc(1, sizeof(*s));
	struct sim_chan_hooks hooks = {.arg = s, .send = chan_send};
	if (!s || !(s->ch = sim_chan_table_new(&cfg, &hooks))) {
		free(s);
		log_error("sim lme: out of memory; LME stays silent");
		return;
	}
	for (size_t i = 0; i < SIM_LME_MAX_CHANNELS; i++)
		s->fd[i] = -1;
	s->conn = c;
	s->l = l;
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

/* A port is served when sim_ports.c knows a service for it; the relay
 * thread connects (the test's connect function, when set, replaces the
 * service's). */
static void on_channel_open(struct sim_lme *l, struct sess *s, const struct apf_channel_open *o)
{
	int h = sim_chan_on_open(s->ch, o);
	if (h < 0)
		return;
	const struct sim_port *p = sim_port_find(o->port);
	if (!p || !p->connect) {
		log_info("sim lme: channel to port %u refused: no service there (connect failed)",
			 (unsigned)o->port);
		sim_chan_open_done(s->ch, h, sim_chan_id(s->ch, h), false,
				   APF_OPEN_FAILURE_CONNECT_FAILED);
		return;
	}
	wake_thread(l); /* it connects and confirms */
}

static void on_channel_data(struct sim_lme *l, struct sess *s, const struct apf_channel_data *d)
{
	if (sim_chan_on_data(s->ch, d) != 0) {
		proto_error(l, s, APF_DISCONNECT_PROTOCOL_ERROR, "data beyond AMT's window");
		return;
	}
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
	case APF_CHANNEL_WINDOW_ADJUST:
		sim_chan_on_window_adjust(s->ch, &m.window_adjust);
		wake_thread(l);
		break;
	default:
		sim_chan_on_close(s->ch, m.channel_close.recipient);
		wake_thread(l);
		break;
	}
}

/* ---- relay thread ---- */

/* The service for port, as a channel from the host sees it (local). */
static int service_connect(struct sim_lme *l, sim_lme_connect_fn fn, void *arg, uint32_t port)
{
	if (fn)
		return fn(arg, port);
	const struct sim_port *p = sim_port_find(port);
	return p && p->connect ? p->connect(l->fw, true) : -ECONNREFUSED;
}

/* Connect one channel the host opened (lock dropped around the connect)
 * and answer the host. Returns true when it did something. Called locked. */
static bool connect_one(struct sim_lme *l)
{
	struct sess *s;
	int h = -1;
	for (s = l->sessions; s && h < 0; s = h < 0 ? s->next : s)
		for (int i = 0; i < (int)SIM_LME_MAX_CHANNELS && h < 0; i++)
			if (sim_chan_state(s->ch, i) == SIM_CHAN_CONNECTING)
				h = i;
	if (h < 0)
		return false;
	uint32_t id = sim_chan_id(s->ch, h), port = sim_chan_port(s->ch, h);
	sim_lme_connect_fn fn = l->connect;
	void *arg = l->connect_arg;

	sim_me_unlock(l->fw->me);
	int fd = service_connect(l, fn, arg, port);
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	sim_me_lock(l->fw->me);

	/* sessions are freed only by this thread, so s is still valid */
	if (fd < 0)
		log_info("sim lme: channel to port %u: connect failed: %s", (unsigned)port,
			 strerror(-fd));
	if (!sim_chan_open_done(s->ch, h, id, fd >= 0, APF_OPEN_FAILURE_CONNECT_FAILED)) {
		if (fd >= 0)
			close(fd); /* the channel went away meanwhile */
		return true;
	}
	if (fd >= 0)
		s->fd[h] = fd;
	return true;
}

/* Close the streams the tables are done with; free sessions whose host is
 * gone (their tables were aborted, so every stream is finished). */
static void reap(struct sim_lme *l)
{
	struct sess **pp = &l->sessions;
	while (*pp) {
		struct sess *s = *pp;
		for (int i = 0; i < (int)SIM_LME_MAX_CHANNELS; i++) {
			if (s->fd[i] >= 0 && sim_chan_finished(s->ch, i)) {
				close(s->fd[i]);
				s->fd[i] = -1;
				sim_chan_release(s->ch, i);
			}
		}
		if (s->conn) {
			pp = &s->next;
			continue;
		}
		for (int i = 0; i < (int)SIM_LME_MAX_CHANNELS; i++)
			if (s->fd[i] >= 0)
				close(s->fd[i]);
		*pp = s->next;
		sim_chan_table_free(s->ch);
		free(s);
	}
}

/* Host bytes -> stream; the table credits the host for what it took. */
static void flush_to_stream(struct sim_lme *l, struct sess *s, int h)
{
	const uint8_t *p;
	size_t n = sim_chan_pending(s->ch, h, &p);
	ssize_t k = send(s->fd[h], p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k < 0 && errno == ENOTSOCK)
		k = write(s->fd[h], p, n);
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			sim_chan_stream_ended(s->ch, h);
		return;
	}
	sim_chan_set_no_window_adjust(s->ch, l->fw->st.apf_window_stall);
	sim_chan_to_stream_done(s->ch, h, (size_t)k);
}

/* Stream bytes -> host, within the host's window and the MTU. */
static void pull_from_stream(struct sess *s, int h)
{
	uint8_t buf[SIM_LME_MTU - APF_CHANNEL_DATA_HDR_LEN];
	size_t want = sim_chan_room(s->ch, h);
	ssize_t k = read(s->fd[h], buf, want < sizeof(buf) ? want : sizeof(buf));
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (k <= 0) {
		sim_chan_stream_ended(s->ch, h); /* the service answered and closed */
		return;
	}
	sim_chan_from_stream(s->ch, h, buf, (size_t)k);
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
		for (int i = 0; i < (int)SIM_LME_MAX_CHANNELS; i++) {
			const uint8_t *p;
			short ev = 0;
			if (s->fd[i] < 0 || !s->conn)
				continue;
			if (sim_chan_pending(s->ch, i, &p))
				ev |= POLLOUT;
			if (sim_chan_room(s->ch, i))
				ev |= POLLIN;
			if (!ev)
				continue; /* POLLHUP would spin while the host's window is shut */
			l->pfd[n] = (struct pollfd){.fd = s->fd[i], .events = ev};
			l->ref[n] = (struct pfd_ref){.s = s, .slot = i, .amt_id = sim_chan_id(s->ch, i)};
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
			int h = l->ref[i].slot;
			if (!s->conn || s->fd[h] < 0 || sim_chan_id(s->ch, h) != l->ref[i].amt_id)
				continue; /* changed while unlocked; the fd is still ours */
			const uint8_t *p;
			if (sim_chan_pending(s->ch, h, &p) && (l->pfd[i].revents & (POLLOUT | POLLERR)))
				flush_to_stream(l, s, h);
			if (sim_chan_room(s->ch, h) && (l->pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				pull_from_stream(s, h);
		}
	}
	sim_me_unlock(me);
	return NULL;
}

/* ---- registration ---- */

int sim_lme_register(struct sim_fw *fw, char *err, size_t errcap)
{
	if (!sim_amt_host_interface(&fw->st))
		return 0; /* LME is absent while AMT is disabled or not in the firmware */
	struct sim_lme *l = calloc(1, sizeof(*l));
	int rc = -ENOMEM;

	if (!l)
		goto out;
	l->fw = fw;
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
	l->connect = fn;
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
			if (s->fd[i] >= 0)
				close(s->fd[i]);
		sim_chan_table_free(s->ch);
		free(s);
	}
	close(l->wake[0]);
	close(l->wake[1]);
	free(l->pfd);
	free(l->ref);
	free(l);
	fw->lme = NULL;
}
