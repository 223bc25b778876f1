// SPDX-License-Identifier: Apache-2.0
/*
 * sim_redir_conn.c - one connection of the simulated redirection service
 * (see sim_redir_int.h): its bufferevent, the output queue that writes a
 * reply which must reach the console alone only when nothing is ahead of it
 * and follows it with a silence that starts once it has left the buffer
 * (amtterm drops whatever follows such a reply in the same read), the
 * session's requests to the device (sim_sol_ops: credentials, the one SOL
 * session, consent, keys for the console), pumping the console's output,
 * heartbeats and the idle limits. The session logic is sim_sol.c's; an
 * IDE-R session's, once authenticated, sim_redir_ider.c's.
 * Must not: hold the ME lock during I/O, or log a password.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "sim_console.h"
#include "sim_fw.h"
#include "sim_host.h"
#include "sim_net.h"
#include "sim_optin.h"
#include "sim_redir_int.h"
#include "sim_wsman_int.h"

#define SETUP_LIMIT_MS 20000u
#define RX_DEFAULT_MS 60000u
#define ALONE_GAP_MS 100
#define OUT_HIGH 16384u    /* stop pumping the console above this much unsent */
#define CHUNK_DEFAULT 1000u /* when the console's MaxTxBuffer is 0 */
#define IDER_IDLE_MIN_MS 60000u

static uint64_t now_ms(void)
{
	return sim_net_now_ms();
}

/* ---------------- output ---------------- */

static void pump(struct conn *c);

static bool out_idle(const struct conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

/* Why c is closing: its IDE-R session's reason, else the redirection session's. */
static const char *sim_redir_conn_why(const struct conn *c)
{
	if (c->ider_init && c->ider.state == SIM_IDER_S_CLOSED && c->ider.why)
		return c->ider.why;
	return c->sol.why;
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
		sim_redir_conn_free(c, sim_redir_conn_why(c));
}

/* The console answered what was sent alone (an IDE-R command, a reset): it
 * has read it, so the silence after it may end now. */
static void conn_answered(struct conn *c)
{
	if (!c->bev || (!c->gap && !c->gap_on_drain))
		return;
	evtimer_del(c->gap_ev);
	c->gap = c->gap_on_drain = false;
	flush(c);
}

static void conn_flush(struct conn *c)
{
	if (c->bev)
		flush(c);
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
			sim_redir_conn_free(c, sim_redir_conn_why(c));
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
	cfg->ider_enabled = st->amt_enabled && st->redir_ider;
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
	bool sol_busy = false;
	for (int i = 0; i < MAX_CONNS; i++)
		sol_busy |= c->r->conns[i].bev && c->r->conns[i].sol_owner;
	sim_me_lock(fw->me);
	if (sol_busy || !fw->console) {
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

static void conn_send(struct conn *c, const uint8_t *msg, size_t len, bool alone)
{
	op_send(c, msg, len, alone);
}

static const struct sim_redir_conn_io conn_io = {conn_send, conn_flush, conn_answered};

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

void sim_redir_pump_all(struct sim_redir *r)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (r->conns[i].bev)
			pump(&r->conns[i]);
	sim_redir_ider_poll(r);
}

/* ---------------- connections ---------------- */

void sim_redir_conn_free(struct conn *c, const char *why)
{
	if (!c->bev)
		return;
	sim_redir_ider_gone(c);
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
	if (c->ider_owner) {
		sim_redir_ider_heartbeat(c);
		return;
	}
	if (!c->sol_owner)
		return;
	sim_sol_send_heartbeat(&c->sol);
	flush(c);
	if (c->bev)
		arm_heartbeat(c);
}

static bool running(const struct conn *c)
{
	return c->sol.state == SIM_SOL_S_RUN || c->ider_owner;
}

static uint64_t rx_limit(const struct conn *c)
{
	if (c->ider_owner) /* lenient: MeshCentral sends nothing while idle */
		return c->ider.rx_timeout_ms > IDER_IDLE_MIN_MS ? c->ider.rx_timeout_ms : IDER_IDLE_MIN_MS;
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
	if (!running(c) && now - c->born > SETUP_LIMIT_MS) {
		sim_redir_conn_free(c, c->sol.ider ? "no IDE-R session within 20 s"
						   : "no SOL session within 20 s");
		return;
	}
	if (running(c) && now - c->last_rx > rx_limit(c)) {
		sim_redir_conn_free(c, "the console sent nothing within its session timeout");
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
		size_t max = REDIR_MSG_MAX > IDER_MSG_MAX ? REDIR_MSG_MAX : IDER_MSG_MAX;
		size_t look = have < max ? have : max;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)look);
		int rc = sim_redir_frame(c, p, look, &want);
		if (rc == PROTO_E_SHORT)
			break;
		c->last_rx = now_ms();
		if (rc != 0 && look > 0 && sim_redir_is_ider(c, p[0])) {
			sim_redir_ider_input(c, p, look); /* closes with the codec's reason */
		} else if (rc != 0) {
			sim_sol_bad_frame(&c->sol, rc);
		} else if (sim_redir_is_ider(c, p[0])) {
			sim_redir_ider_input(c, p, want);
			evbuffer_drain(in, want);
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
		if (c->sol.state == SIM_SOL_S_CLOSED ||
		    (c->ider_init && c->ider.state == SIM_IDER_S_CLOSED)) {
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
		sim_redir_conn_free(c, what & BEV_EVENT_EOF ? "the console hung up" : "connection error");
}

void sim_redir_conn_new(struct sim_redir *r, evutil_socket_t fd, const char *peer, bool tls)
{
	struct conn *c = NULL;
	int one = 1;
	for (int i = 0; i < MAX_CONNS && !c; i++)
		if (!r->conns[i].bev)
			c = &r->conns[i];
	if (!c) {
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* replies leave at once */
	memset(c, 0, sizeof(*c));
	c->r = r;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (tls) {
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
	r->io = &conn_io;
	c->born = c->last_rx = now_ms();
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	struct timeval tv = {1, 0};
	evtimer_add(c->idle_ev, &tv);
	log_debug("redirection: %s connected%s", c->peer, tls ? " (TLS)" : "");
}

