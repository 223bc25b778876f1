// SPDX-License-Identifier: Apache-2.0
/*
 * lme_bridge.c - socketpair <-> APF channel relay for libcurl (see
 * lme_bridge.h).
 *
 * Owns: the session mutex, the list of relay threads (joined when finished,
 * at the next open or at free) and each relay's two one-message buffers.
 * A relay loops: poll its socket for at most one slice, move what the
 * socket allows, then under the mutex send curl's bytes within AMT's window
 * and receive AMT's bytes for at most one slice (lme.c has no fd to poll).
 * Must not: hold the mutex while blocked on the socket, or parse HTTP.
 */
#include "lme_bridge.h"
#include "heci_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define DEF_PORT 16992u
#define DEF_IDLE_MS 30000
#define RELAY_BUF 16384

struct relay {
	struct relay *next;
	struct lme_bridge *b;
	pthread_t tid;
	int fd;      /* our end of the socketpair */
	uint32_t ch; /* APF channel id */
	bool done;   /* the thread finished (set under b->mu) */
};

struct lme_bridge {
	pthread_mutex_t mu; /* guards everything below */
	struct lme *lme;
	struct lme_bridge_opts o;
	bool stop;
	int last_err;
	struct relay *relays;
};

static void to_common_log(void *arg, int level, const char *msg)
{
	(void)arg;
	log_msg((enum log_level)level, "%s", msg);
}

/* ---- relay thread ---- */

struct relay_io {
	uint8_t up[RELAY_BUF]; /* curl -> AMT, not yet sent */
	size_t up_off, up_len;
	uint8_t down[RELAY_BUF]; /* AMT -> curl, not yet written */
	size_t down_off, down_len;
	bool curl_eof;   /* curl shut its write side (or closed) */
	bool curl_gone;  /* curl closed its end: nothing more to deliver */
	bool amt_closed; /* AMT closed the channel */
};

/* Socket side, no lock held. Returns true when bytes moved. */
static bool socket_step(struct relay *r, struct relay_io *io, int wait_ms)
{
	struct pollfd p = {.fd = r->fd, .events = 0};
	bool moved = false;
	if (!io->curl_eof && io->up_len == 0)
		p.events |= POLLIN;
	if (io->down_len)
		p.events |= POLLOUT;
	if (poll(&p, 1, wait_ms) <= 0)
		return false;
	if (io->down_len && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t k = send(r->fd, io->down + io->down_off, io->down_len, MSG_NOSIGNAL);
		if (k > 0) {
			io->down_off += (size_t)k;
			io->down_len -= (size_t)k;
			moved = true;
		} else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			io->curl_gone = true;
		}
	}
	if (!io->curl_eof && io->up_len == 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t k = recv(r->fd, io->up, sizeof(io->up), 0);
		if (k > 0) {
			io->up_off = 0;
			io->up_len = (size_t)k;
			moved = true;
		} else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			io->curl_eof = true;
		}
	}
	if (p.revents & (POLLHUP | POLLERR))
		io->curl_gone = true; /* both directions closed by curl */
	return moved;
}

/* Channel side, b->mu held. Returns 0, or a session error. */
static int channel_step(struct relay *r, struct relay_io *io, bool *moved)
{
	struct lme *l = r->b->lme;
	int rc;
	if (io->up_len) {
		size_t sent = 0;
		rc = lme_channel_send(l, r->ch, io->up + io->up_off, io->up_len, 0, &sent);
		io->up_off += sent;
		io->up_len -= sent;
		if (sent)
			*moved = true;
		if (rc == HECI_E_NOT_CONNECTED) {
			io->up_len = 0; /* AMT closed first: its close is read below */
		} else if (rc != 0 && rc != HECI_E_TIMEOUT) {
			return rc;
		}
	}
	if (io->down_len == 0 && !io->amt_closed) {
		size_t n = 0;
		/* come straight back when bytes moved; else wait one slice
		 * (this is also where a shut window waits for WINDOW_ADJUST) */
		int wait = *moved ? 0 : LME_BRIDGE_SLICE_MS;
		rc = lme_channel_recv(l, r->ch, io->down, sizeof(io->down), &n, wait);
		if (rc == 0 && n == 0) {
			io->amt_closed = true;
			*moved = true;
		} else if (rc == 0) {
			io->down_off = 0;
			io->down_len = n;
			*moved = true;
		} else if (rc != HECI_E_TIMEOUT) {
			return rc;
		}
	}
	return 0;
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	struct lme_bridge *b = r->b;
	struct relay_io *io = calloc(1, sizeof(*io));
	int64_t last_progress = heci_mono_ms();
	int rc = 0;

	if (!io) {
		rc = HECI_E_NOMEM;
		goto out;
	}
	for (;;) {
		/* do not sleep on the socket when AMT has the next move */
		bool busy = io->down_len == 0 && !io->amt_closed;
		bool moved = socket_step(r, io, busy ? 0 : LME_BRIDGE_SLICE_MS);
		if (io->curl_gone) {
			log_debug("lme bridge: curl closed channel %u", (unsigned)r->ch);
			break;
		}
		pthread_mutex_lock(&b->mu);
		bool stop = b->stop;
		if (!stop)
			rc = channel_step(r, io, &moved);
		pthread_mutex_unlock(&b->mu);
		if (stop || rc != 0)
			break;
		if (io->amt_closed && io->down_len == 0) {
			shutdown(r->fd, SHUT_WR); /* curl reads EOF after the response */
			break;
		}
		if (moved) {
			last_progress = heci_mono_ms();
		} else if (heci_mono_ms() - last_progress > b->o.idle_timeout_ms) {
			log_warn("lme bridge: channel %u idle for %d ms, closing", (unsigned)r->ch,
				 b->o.idle_timeout_ms);
			break;
		}
	}
out:
	if (rc != 0)
		log_warn("lme bridge: channel %u: %s", (unsigned)r->ch, heci_err_message(rc));
	pthread_mutex_lock(&b->mu);
	lme_channel_close(b->lme, r->ch);
	close(r->fd);
	r->fd = -1;
	r->done = true;
	pthread_mutex_unlock(&b->mu);
	free(io);
	return NULL;
}

/* Join finished relays. Called with b->mu held; a done relay no longer
 * takes the mutex, so joining it here cannot deadlock. */
static void reap_locked(struct lme_bridge *b)
{
	struct relay **pp = &b->relays;
	while (*pp) {
		struct relay *r = *pp;
		if (!r->done) {
			pp = &r->next;
			continue;
		}
		pthread_join(r->tid, NULL);
		*pp = r->next;
		free(r);
	}
}

/* ---- public ---- */

int lme_bridge_new_opts(struct lme_bridge **out, struct heci *h, const struct lme_bridge_opts *o)
{
	struct lme_bridge *b;
	int rc;

	if (!out || !h)
		return HECI_E_INVALID_ARG;
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return HECI_E_NOMEM;
	if (o)
		b->o = *o;
	if (!b->o.port)
		b->o.port = DEF_PORT;
	if (b->o.idle_timeout_ms <= 0)
		b->o.idle_timeout_ms = DEF_IDLE_MS;
	if (!b->o.lme.log)
		b->o.lme.log = to_common_log;
	pthread_mutex_init(&b->mu, NULL);
	rc = lme_open(&b->lme, h, &b->o.lme);
	if (rc != 0) {
		pthread_mutex_destroy(&b->mu);
		free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int lme_bridge_new(struct lme_bridge **out, struct heci *h, int timeout_ms)
{
	struct lme_bridge_opts o = {
		.lme = {.open_timeout_ms = timeout_ms > 0 ? timeout_ms : 0,
			.write_timeout_ms = timeout_ms > 0 ? timeout_ms : 0},
	};
	return lme_bridge_new_opts(out, h, &o);
}

void lme_bridge_free(struct lme_bridge *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = true;
	pthread_mutex_unlock(&b->mu);
	/* relays notice stop within one slice; the list is ours now */
	while (b->relays) {
		struct relay *r = b->relays;
		b->relays = r->next;
		pthread_join(r->tid, NULL);
		free(r);
	}
	lme_close(b->lme);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Open a channel, reopening a dead session once. Called with b->mu held. */
static int open_channel_locked(struct lme_bridge *b, uint32_t *ch)
{
	uint32_t reason = 0;
	int rc = lme_status(b->lme);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (rc == 0)
			rc = lme_channel_open(b->lme, b->o.port, ch, &reason);
		if (rc == 0 || lme_status(b->lme) == 0 || attempt == 1)
			break;
		log_info("lme bridge: APF session lost (%s), reopening", heci_err_name(rc));
		rc = lme_reopen(b->lme);
		if (rc != 0)
			break;
	}
	if (rc == HECI_E_FW_STATUS)
		log_warn("lme bridge: AMT refused a channel to port %u (reason %u)",
			 (unsigned)b->o.port, (unsigned)reason);
	return rc;
}

int lme_bridge_open_socket(void *arg)
{
	struct lme_bridge *b = arg;
	struct relay *r = NULL;
	int sv[2] = {-1, -1};
	uint32_t ch = 0;
	bool have_ch = false;
	int rc, ret = -1;

	if (!b)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_error("lme bridge: socketpair: %s", strerror(errno));
		pthread_mutex_lock(&b->mu);
		b->last_err = HECI_E_IO;
		pthread_mutex_unlock(&b->mu);
		return -1;
	}
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	r = calloc(1, sizeof(*r));

	pthread_mutex_lock(&b->mu);
	reap_locked(b);
	if (!r) {
		rc = HECI_E_NOMEM;
	} else if (b->stop) {
		rc = HECI_E_CANCELLED;
	} else {
		rc = open_channel_locked(b, &ch);
		have_ch = rc == 0;
	}
	if (rc == 0) {
		r->b = b;
		r->fd = sv[0];
		r->ch = ch;
		if (pthread_create(&r->tid, NULL, relay_main, r) != 0) {
			rc = HECI_E_NOMEM;
		} else {
			r->next = b->relays;
			b->relays = r;
			r = NULL;
			sv[0] = -1; /* the relay owns it */
			ret = sv[1];
			sv[1] = -1;
		}
	}
	if (rc != 0 && have_ch)
		lme_channel_close(b->lme, ch);
	b->last_err = rc;
	pthread_mutex_unlock(&b->mu);

	free(r);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return ret;
}

int lme_bridge_last_error(struct lme_bridge *b)
{
	int rc;
	if (!b)
		return HECI_E_INVALID_ARG;
	pthread_mutex_lock(&b->mu);
	rc = b->last_err;
	pthread_mutex_unlock(&b->mu);
	return rc;
}
