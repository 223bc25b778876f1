// SPDX-License-Identifier: Apache-2.0
/*
 * sim_cira_tunnel.c - a connected CIRA tunnel, AMT side: keepalives, the
 * tunnel's lifetime, and the channels the MPS opens to the ports AMT
 * forwarded (sim_ports.c says which service answers each; sim_chan.c keeps
 * the windows and the close handshake).
 *
 * One poll() loop on the CIRA thread, everything non-blocking: the TLS
 * connection to the MPS, the wake fd (Close, shutdown) and one stream per
 * channel to the simulated service (connected as a network interface: the
 * local system account is refused through CIRA). Messages for the MPS are
 * encoded into one output buffer and written as the MPS takes them; while
 * that buffer holds TX_HIGH bytes the streams are not read, so a slow MPS
 * slows the channels, never the ME model (which this thread never locks
 * but to check whether its request still stands). An MPS that takes no
 * byte for the stall time, or lets the buffer reach TX_MAX, has vanished:
 * the tunnel ends. Channels to a forwarded port whose service the
 * simulator does not serve yet are refused with reason 2 (connect failed),
 * logged once per port and tunnel; to a port AMT did not forward, reason 1.
 * Must not: block, hold the ME lock across I/O, or build APF bytes by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "apf_codec.h"
#include "log.h"
#include "sim_chan.h"
#include "sim_cira_int.h"
#include "sim_fw.h"
#include "sim_net.h"

#define TX_HIGH (256u * 1024u)          /* stop reading the streams above this */
#define TX_MAX (4u * 1024u * 1024u)     /* the MPS has vanished */
#define READ_ROUNDS 64                  /* TLS reads per loop turn (fairness) */
#define FLUSH_MS 1000u                  /* last messages before closing */
#define KEEPALIVE_MIN_MS 10u
#define AMT_CHANNEL_ID_BASE 0xC000u     /* AMT's ids on CIRA (UNVERIFIED numbering) */

struct tun {
	struct sim_cira_link *l;
	struct sim_chan_table *ch;
	int fds[SIM_CIRA_MAX_CHANNELS];
	uint8_t *rx;
	size_t rx_len;
	uint8_t *tx;
	size_t tx_off, tx_len, tx_cap;
	bool tx_overflow;
	bool read_wants_write, write_wants_read;
	bool read_more; /* the last read round stopped at READ_ROUNDS, not at an empty socket */
	uint64_t last_progress; /* the MPS last took bytes (or had none to take) */
	uint64_t ka_ms, next_ka;
	uint32_t refused_logged[SIM_PORTS_MAX];
	size_t nrefused;
};

static void log_tls_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];
	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_info("cira: %s: %s", what, buf);
	} else {
		log_info("cira: %s: %s", what, errno ? strerror(errno) : "connection closed");
	}
	ERR_clear_error();
}

/* ---- output to the MPS ---- */

static bool tx_reserve(struct tun *t, size_t need)
{
	if (t->tx_cap - (t->tx_off + t->tx_len) >= need)
		return true;
	if (t->tx_off) {
		memmove(t->tx, t->tx + t->tx_off, t->tx_len);
		t->tx_off = 0;
		if (t->tx_cap - t->tx_len >= need)
			return true;
	}
	size_t cap = t->tx_cap;
	while (cap - t->tx_len < need)
		cap *= 2;
	if (cap > TX_MAX + APF_MAX_MSG)
		return false;
	uint8_t *p = realloc(t->tx, cap);
	if (!p)
		return false;
	t->tx = p;
	t->tx_cap = cap;
	return true;
}

/* sim_chan's hook, and every message of our own. */
static void queue_msg(void *arg, const struct apf_msg *m)
{
	struct tun *t = arg;
	size_t n;

	if (t->tx_overflow)
		return;
	if (!tx_reserve(t, APF_MAX_MSG)) {
		t->tx_overflow = true;
		return;
	}
	if (apf_encode(m, t->tx + t->tx_off + t->tx_len, t->tx_cap - t->tx_off - t->tx_len, &n) != 0) {
		log_error("cira: cannot encode %s", apf_msg_name(m->type));
		return;
	}
	if (t->tx_len == 0)
		t->last_progress = sim_net_now_ms(); /* the stall clock starts now */
	t->tx_len += n;
	if (t->tx_len > TX_MAX)
		t->tx_overflow = true;
}

static void queue_disconnect(struct tun *t, uint32_t reason)
{
	struct apf_msg m = {.type = APF_DISCONNECT, .disconnect = {.reason = reason}};
	queue_msg(t, &m);
}

/* Write what the MPS takes now: 0, or -1 when the connection broke. */
static int tls_write(struct tun *t)
{
	while (t->tx_len > 0) {
		ERR_clear_error();
		errno = 0;
		/* the whole rest every time: a retry after WANT_* may not be shorter */
		int n = SSL_write(t->l->ssl, t->tx + t->tx_off,
				  t->tx_len > 0x7fffffff ? 0x7fffffff : (int)t->tx_len);
		if (n > 0) {
			t->tx_off += (size_t)n;
			t->tx_len -= (size_t)n;
			t->last_progress = sim_net_now_ms();
			t->write_wants_read = false;
			continue;
		}
		switch (SSL_get_error(t->l->ssl, n)) {
		case SSL_ERROR_WANT_WRITE:
			t->write_wants_read = false;
			return 0;
		case SSL_ERROR_WANT_READ:
			t->write_wants_read = true;
			return 0;
		default:
			*t->l->tls_broken = true;
			log_tls_error("write to the MPS");
			return -1;
		}
	}
	t->tx_off = 0;
	return 0;
}

/* Send what is queued, for at most FLUSH_MS (the last DISCONNECT). */
static void flush(struct tun *t)
{
	uint64_t end = sim_net_now_ms() + FLUSH_MS;
	while (t->tx_len > 0 && !*t->l->tls_broken) {
		uint64_t now = sim_net_now_ms();
		if (now >= end || tls_write(t) != 0)
			return;
		if (t->tx_len == 0)
			return;
		struct pollfd p = {.fd = t->l->fd, .events = t->write_wants_read ? POLLIN : POLLOUT};
		if (poll(&p, 1, (int)(end - now)) < 0 && errno != EINTR)
			return;
	}
}

/* ---- channels ---- */

static bool forwarded(const struct tun *t, uint32_t port)
{
	for (size_t i = 0; i < t->l->nforwards; i++)
		if (t->l->forwards[i] == port)
			return true;
	return false;
}

/* Log a refused port once per tunnel. */
static bool first_refusal(struct tun *t, uint32_t port)
{
	for (size_t i = 0; i < t->nrefused; i++)
		if (t->refused_logged[i] == port)
			return false;
	if (t->nrefused < SIM_PORTS_MAX)
		t->refused_logged[t->nrefused++] = port;
	return true;
}

static void on_channel_open(struct tun *t, const struct apf_channel_open *o)
{
	int h = sim_chan_on_open(t->ch, o);
	if (h < 0)
		return;
	uint32_t id = sim_chan_id(t->ch, h);
	const struct sim_port *p = sim_port_find(o->port);
	if (!p || !forwarded(t, o->port)) {
		log_info("cira: the MPS opened a channel to port %u, which AMT did not forward: "
			 "refused (administratively prohibited)", (unsigned)o->port);
		sim_chan_open_done(t->ch, h, id, false, APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED);
		return;
	}
	if (!p->connect) {
		if (first_refusal(t, o->port))
			log_info("cira: channel to port %u (%s) refused: the simulator does not serve "
				 "it yet (connect failed)", (unsigned)o->port, p->service);
		sim_chan_open_done(t->ch, h, id, false, APF_OPEN_FAILURE_CONNECT_FAILED);
		return;
	}
	int fd = p->connect(t->l->fw, false);
	if (fd < 0) {
		log_info("cira: channel to port %u (%s): %s (connect failed)", (unsigned)o->port,
			 p->service, strerror(-fd));
		sim_chan_open_done(t->ch, h, id, false, APF_OPEN_FAILURE_CONNECT_FAILED);
		return;
	}
	if (!sim_chan_open_done(t->ch, h, id, true, 0)) {
		close(fd);
		return;
	}
	t->fds[h] = fd;
	log_debug("cira: channel %u to port %u open", (unsigned)id, (unsigned)o->port);
}

/* Move bytes between slot h's stream and the table; close it when done. */
static void pump_stream(struct tun *t, int h, short revents)
{
	int fd = t->fds[h];
	const uint8_t *p;
	size_t n;

	if ((n = sim_chan_pending(t->ch, h, &p)) > 0 && (revents & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0)
			sim_chan_to_stream_done(t->ch, h, (size_t)k);
		else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			sim_chan_stream_ended(t->ch, h);
	}
	/* read what the stream holds (until the window or the output is full);
	 * a short read means it is drained, unless the service also closed:
	 * then on to the EOF, so a response and the close go out together */
	while ((revents & (POLLIN | POLLERR | POLLHUP | POLLRDHUP)) &&
	       (n = sim_chan_room(t->ch, h)) > 0 && t->tx_len < TX_HIGH) {
		uint8_t buf[SIM_CIRA_MAX_DATA];
		size_t want = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t k = read(fd, buf, want);
		if (k > 0) {
			sim_chan_from_stream(t->ch, h, buf, (size_t)k);
			if ((size_t)k < want && !(revents & (POLLHUP | POLLRDHUP | POLLERR)))
				break; /* more wakes poll(), no read() for EAGAIN */
			continue;
		}
		if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			sim_chan_stream_ended(t->ch, h); /* the service answered and closed */
		break;
	}
}

/* Hand the streams what the MPS just sent, now: waiting for the next
 * poll() to say they are writable would cost a turn of the loop each. */
static void feed_streams(struct tun *t)
{
	const uint8_t *p;

	for (unsigned h = 0; h < SIM_CIRA_MAX_CHANNELS; h++)
		if (t->fds[h] >= 0 && sim_chan_pending(t->ch, (int)h, &p))
			pump_stream(t, (int)h, POLLOUT);
}

static void reap_streams(struct tun *t)
{
	for (unsigned h = 0; h < SIM_CIRA_MAX_CHANNELS; h++) {
		if (t->fds[h] >= 0 && sim_chan_finished(t->ch, (int)h)) {
			close(t->fds[h]);
			t->fds[h] = -1;
			sim_chan_release(t->ch, (int)h);
		}
	}
}

/* ---- input from the MPS ---- */

enum step { GO_ON = 0, END_QUIET, END_PROTOCOL };

static enum step handle(struct tun *t, const struct apf_msg *m)
{
	struct apf_msg r;

	switch (m->type) {
	case APF_KEEPALIVE_REQUEST:
		r = (struct apf_msg){.type = APF_KEEPALIVE_REPLY, .keepalive = m->keepalive};
		queue_msg(t, &r);
		return GO_ON;
	case APF_KEEPALIVE_OPTIONS_REQUEST:
		/* the MPS sets the interval (firmware seconds) */
		if (m->keepalive_options.interval) {
			t->ka_ms = sim_net_scaled_ms(m->keepalive_options.interval, t->l->scale,
						     KEEPALIVE_MIN_MS);
			t->next_ka = sim_net_now_ms() + t->ka_ms;
		}
		r = (struct apf_msg){.type = APF_KEEPALIVE_OPTIONS_REPLY,
				     .keepalive_options = m->keepalive_options};
		queue_msg(t, &r);
		return GO_ON;
	case APF_KEEPALIVE_REPLY:
	case APF_PROTOCOLVERSION: /* an MPS may announce its own */
		return GO_ON;
	case APF_CHANNEL_OPEN:
		on_channel_open(t, &m->channel_open);
		return GO_ON;
	case APF_CHANNEL_DATA:
		if (sim_chan_on_data(t->ch, &m->channel_data) != 0) {
			log_warn("cira: the MPS sent %u bytes on channel %u, more than AMT's window allows",
				 (unsigned)m->channel_data.len, (unsigned)m->channel_data.recipient);
			return END_PROTOCOL;
		}
		return GO_ON;
	case APF_CHANNEL_WINDOW_ADJUST:
		sim_chan_on_window_adjust(t->ch, &m->window_adjust);
		return GO_ON;
	case APF_CHANNEL_CLOSE:
		sim_chan_on_close(t->ch, m->channel_close.recipient);
		return GO_ON;
	case APF_GLOBAL_REQUEST:
		if (m->global_request.want_reply) {
			r = (struct apf_msg){.type = APF_REQUEST_FAILURE};
			queue_msg(t, &r);
		}
		return GO_ON;
	case APF_DISCONNECT:
		log_info("cira: MPS closed the tunnel (reason %u)", m->disconnect.reason);
		return END_QUIET;
	default:
		log_debug("cira: ignoring %s from the MPS", apf_msg_name(m->type));
		return GO_ON;
	}
}

/* Every whole message in rx. */
static enum step process(struct tun *t)
{
	size_t off = 0;
	enum step s = GO_ON;

	while (s == GO_ON && off < t->rx_len) {
		size_t mlen;
		struct apf_msg m;
		int rc = apf_frame_length(t->rx + off, t->rx_len - off, &mlen);
		if (rc == PROTO_E_SHORT)
			break;
		if (rc == 0)
			rc = apf_decode(t->rx + off, mlen, &m);
		if (rc != 0) {
			log_warn("cira: malformed message from the MPS (type %u): %s", t->rx[off],
				 proto_err_name(rc));
			return END_PROTOCOL;
		}
		s = handle(t, &m);
		off += mlen;
	}
	memmove(t->rx, t->rx + off, t->rx_len - off);
	t->rx_len -= off;
	return s;
}

static enum step tls_read(struct tun *t)
{
	t->read_more = false;
	for (int round = 0; round < READ_ROUNDS; round++) {
		if (t->rx_len >= APF_MAX_MSG)
			return END_PROTOCOL; /* cannot happen: framing caps a message */
		ERR_clear_error();
		errno = 0;
		int n = SSL_read(t->l->ssl, t->rx + t->rx_len, (int)(APF_MAX_MSG - t->rx_len));
		if (n > 0) {
			t->rx_len += (size_t)n;
			enum step s = process(t);
			if (s != GO_ON)
				return s;
			if (!SSL_has_pending(t->l->ssl))
				return GO_ON; /* all it had: more wakes poll(), no read() for EAGAIN */
			continue;
		}
		switch (SSL_get_error(t->l->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			t->read_wants_write = false;
			return GO_ON;
		case SSL_ERROR_WANT_WRITE:
			t->read_wants_write = true;
			return GO_ON;
		case SSL_ERROR_ZERO_RETURN:
			log_info("cira: tunnel lost (closed by the MPS)");
			return END_QUIET;
		default:
			*t->l->tls_broken = true;
			log_tls_error("tunnel lost");
			return END_QUIET;
		}
	}
	/* records may wait in OpenSSL's read-ahead buffer: read again before
	 * sleeping. After WANT_READ only part of a record can be left there,
	 * and that needs the socket (SSL_has_pending would spin on it). */
	t->read_more = true;
	return GO_ON;
}

/* Bytes from before the tunnel started, through the same framing. */
static enum step feed_initial(struct tun *t, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = APF_MAX_MSG - t->rx_len;
		if (n > len)
			n = len;
		if (n == 0)
			return END_PROTOCOL; /* cannot happen: framing caps a message */
		memcpy(t->rx + t->rx_len, p, n);
		t->rx_len += n;
		p += n;
		len -= n;
		enum step s = process(t);
		if (s != GO_ON)
			return s;
	}
	return GO_ON;
}

/* ---- the loop ---- */

static int poll_timeout(uint64_t now, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t d = a < b ? a : b;
	d = d < c ? d : c;
	if (d == UINT64_MAX)
		return -1;
	if (d <= now)
		return 0;
	return d - now > 60000 ? 60000 : (int)(d - now);
}

static enum sim_cira_end loop(struct tun *t)
{
	struct sim_cira_link *l = t->l;
	struct pollfd pfd[2 + SIM_CIRA_MAX_CHANNELS];
	int slot_of[2 + SIM_CIRA_MAX_CHANNELS];
	uint64_t now = sim_net_now_ms();
	uint64_t end = l->lifetime_ms ? now + l->lifetime_ms : UINT64_MAX;
	uint32_t cookie = 0;

	t->next_ka = t->ka_ms ? now + t->ka_ms : UINT64_MAX;

	/* what came during the handshake, as if it came now */
	enum step s0 = feed_initial(t, l->deferred, l->deferred_len);
	if (s0 == GO_ON)
		s0 = feed_initial(t, l->rx, l->rx_len);
	if (s0 != GO_ON) {
		if (s0 == END_PROTOCOL) {
			queue_disconnect(t, APF_DISCONNECT_PROTOCOL_ERROR);
			flush(t);
		}
		return SIM_CIRA_END_DONE;
	}
	for (;;) {
		now = sim_net_now_ms();
		if (now >= end) {
			log_info("cira: tunnel lifetime ended");
			queue_disconnect(t, APF_DISCONNECT_BY_APPLICATION);
			flush(t);
			return SIM_CIRA_END_DONE;
		}
		if (now >= t->next_ka) {
			struct apf_msg m = {.type = APF_KEEPALIVE_REQUEST,
					    .keepalive = {.cookie = ++cookie}};
			queue_msg(t, &m);
			t->next_ka = now + t->ka_ms;
		}
		uint64_t stall_at = t->tx_len ? t->last_progress + l->stall_ms : UINT64_MAX;
		if (t->tx_overflow || now >= stall_at) {
			log_warn("cira: the MPS takes no data (%zu bytes waiting): tunnel lost", t->tx_len);
			*l->tls_broken = true; /* a close_notify could not go out either */
			return SIM_CIRA_END_DONE;
		}

		size_t n = 0;
		pfd[n] = (struct pollfd){.fd = l->fd, .events = POLLIN};
		if (t->tx_len || t->read_wants_write)
			pfd[n].events |= POLLOUT;
		slot_of[n++] = -1;
		pfd[n] = (struct pollfd){.fd = l->wakefd, .events = POLLIN};
		slot_of[n++] = -1;
		for (unsigned h = 0; h < SIM_CIRA_MAX_CHANNELS; h++) {
			const uint8_t *p;
			short ev = 0;
			if (t->fds[h] < 0)
				continue;
			if (sim_chan_pending(t->ch, (int)h, &p))
				ev |= POLLOUT;
			if (sim_chan_room(t->ch, (int)h) && t->tx_len < TX_HIGH)
				ev |= POLLIN | POLLRDHUP;
			if (!ev)
				continue; /* POLLHUP would spin while nothing can move */
			pfd[n] = (struct pollfd){.fd = t->fds[h], .events = ev};
			slot_of[n++] = (int)h;
		}
		int timeout = t->read_more ? 0 : poll_timeout(now, end, t->next_ka, stall_at);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			log_error("cira: poll: %s", strerror(errno));
			return SIM_CIRA_END_DONE;
		}
		if (pfd[1].revents & POLLIN) {
			sim_net_wake_drain(l->wakefd);
			if (l->stopping(l->stopping_arg)) {
				queue_disconnect(t, APF_DISCONNECT_BY_APPLICATION);
				flush(t);
				return SIM_CIRA_END_STOPPED;
			}
		}
		short tev = pfd[0].revents;
		if ((tev & (POLLIN | POLLERR | POLLHUP)) || t->read_more ||
		    (t->read_wants_write && (tev & POLLOUT))) {
			enum step s = tls_read(t);
			if (s != GO_ON) {
				if (s == END_PROTOCOL) {
					queue_disconnect(t, APF_DISCONNECT_PROTOCOL_ERROR);
					flush(t);
				}
				goto ended;
			}
			feed_streams(t);
		}
		if (t->tx_len && ((tev & POLLOUT) || (t->write_wants_read && (tev & POLLIN))) &&
		    tls_write(t) != 0)
			return SIM_CIRA_END_DONE;
		for (size_t i = 2; i < n; i++)
			if (pfd[i].revents && t->fds[slot_of[i]] >= 0)
				pump_stream(t, slot_of[i], pfd[i].revents);
		reap_streams(t);
		if (t->tx_len && tls_write(t) != 0) /* what the streams just gave */
			return SIM_CIRA_END_DONE;
	}
ended:
	return SIM_CIRA_END_DONE;
}

enum sim_cira_end sim_cira_tunnel_run(struct sim_cira_link *l)
{
	/* read_more: the handshake may have left records in OpenSSL's buffer */
	struct tun t = {.l = l, .ka_ms = l->keepalive_ms, .read_more = true};
	/* credits once half the window is owed, as MPSs credit AMT (MeshCentral,
	 * Open AMT): a request smaller than that costs no WINDOW_ADJUST */
	uint32_t window = l->chan_window ? l->chan_window : SIM_CIRA_WINDOW;
	struct sim_chan_cfg cfg = {.window = window,
				   .max_data = SIM_CIRA_MAX_DATA,
				   .max_channels = SIM_CIRA_MAX_CHANNELS,
				   .id_base = AMT_CHANNEL_ID_BASE,
				   .credit_at = window / 2};
	struct sim_chan_hooks hooks = {.arg = &t, .send = queue_msg};
	enum sim_cira_end e = SIM_CIRA_END_DONE;

	for (unsigned h = 0; h < SIM_CIRA_MAX_CHANNELS; h++)
		t.fds[h] = -1;
	t.rx = malloc(APF_MAX_MSG);
	t.tx_cap = 64u * 1024u;
	t.tx = malloc(t.tx_cap);
	t.ch = sim_chan_table_new(&cfg, &hooks);
	if (!t.rx || !t.tx || !t.ch) {
		log_error("cira: out of memory for the tunnel");
		goto out;
	}
	fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
	/* channel traffic is request/response: small messages must not wait
	 * for the MPS's delayed ACK (Nagle) */
	int one = 1;
	setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	SSL_set_mode(l->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* one read() takes every record the MPS sent, not a header and a body
	 * per record (tls_read says when whole records may still be buffered) */
	SSL_set_read_ahead(l->ssl, 1);
	e = loop(&t);
out:
	if (t.ch)
		sim_chan_abort_all(t.ch);
	for (unsigned h = 0; h < SIM_CIRA_MAX_CHANNELS; h++)
		if (t.fds[h] >= 0)
			close(t.fds[h]);
	sim_chan_table_free(t.ch);
	if (t.rx) {
		OPENSSL_cleanse(t.rx, APF_MAX_MSG);
		free(t.rx);
	}
	free(t.tx);
	return e;
}
