// SPDX-License-Identifier: Apache-2.0
/*
 * listen_admit.c - connection admission for every receiver of `amt-verify
 * listen`: the listening sockets (bound with LEV_OPT_REUSEABLE, paused for a
 * second on accept errors such as EMFILE instead of spinning, also when an
 * evhttp accepts on them), each receiver's own connection cap (a gate: over
 * it, accept and close at once, or stop accepting until a slot frees when
 * evhttp does the accepting), and the list of open connections a stop walks.
 * Must not: parse any protocol or know a receiver's connection state.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/listener.h>
#include <event2/util.h>

#include "listen.h"
#include "proxy_hdr.h"
#include "listen_rate.h"
#include "log.h"

void listen_fit_fd_limit(unsigned connections)
{
	rlim_t need = (rlim_t)connections + LISTEN_FD_RESERVE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		log_warn("the file descriptor limit (%llu) is below what the connection limits need "
			 "(%u + %u): a flood on one receiver can run the listener out of descriptors "
			 "and stall the others — raise it (ulimit -n, systemd LimitNOFILE=) or lower "
			 "the --max-*-connections",
			 (unsigned long long)rl.rlim_max, connections, LISTEN_FD_RESERVE);
		need = rl.rlim_max;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_warn("cannot raise the file descriptor limit to %llu: %s",
			 (unsigned long long)need, strerror(errno));
	else
		log_debug("file descriptor limit raised to %llu", (unsigned long long)need);
}

bool listen_log_due(int64_t *last_ms)
{
	int64_t now = verify_mono_ms();

	if (*last_ms != 0 && now - *last_ms < 1000)
		return false;
	*last_ms = now;
	return true;
}

void listen_gate_init(struct listen_gate *g, struct listen_ctx *ctx, const char *what,
		      const char *cap_option, unsigned max, bool pause_when_full)
{
	memset(g, 0, sizeof(*g));
	g->ctx = ctx;
	g->what = what;
	g->cap_option = cap_option;
	g->max = max;
	g->pause_when_full = pause_when_full;
}

int listen_gate_limit_per_source(struct listen_gate *g, unsigned per_minute, const char *option)
{
	if (per_minute == 0)
		return 0;
	g->per_source = listen_rate_new(per_minute, LISTEN_RATE_DEFAULT_KEYS);
	g->per_source_max = per_minute;
	g->per_source_option = option;
	return g->per_source ? 0 : -1;
}

void listen_gate_fini(struct listen_gate *g)
{
	listen_rate_free(g->per_source);
	g->per_source = NULL;
	if (g->refused_rate)
		log_warn("%s: %lu connection(s) refused over %u a minute from one address (%s)",
			 g->what, g->refused_rate, g->per_source_max, g->per_source_option);
	if (g->refused_full)
		log_warn("%s: %lu connection(s) refused over %u open (%s)", g->what,
			 g->refused_full, g->max, g->cap_option);
	if (g->pauses)
		log_warn("%s: stopped accepting %lu time(s) with %u connections open (%s)",
			 g->what, g->pauses, g->max, g->cap_option);
	if (g->refused_proxy)
		log_warn("%s: %lu connection(s) refused without a valid PROXY header "
			 "(--proxy-protocol)", g->what, g->refused_proxy);
}

bool listen_gate_has_room(const struct listen_gate *g)
{
	return !g->ctx->stopping && g->active < g->max;
}

/* What a source address is counted as: IPv4 (also mapped into IPv6) by
 * its 4 bytes, IPv6 by its /64. 0 for other families. */
static size_t source_key(const struct sockaddr *sa, uint8_t key[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(key, a->s6_addr, 8);
		return 8;
	}
	return 0;
}

/* A new connection from sa (source in text): false (and a rate-limited log
 * line) when the listener is stopping, the receiver is full, or the source
 * is over its rate; the caller closes it. */
static bool gate_admit(struct listen_gate *g, const struct sockaddr *sa, const char *source)
{
	uint8_t key[16];
	size_t keylen;

	if (g->ctx->stopping)
		return false;
	if (!listen_gate_has_room(g)) {
		g->refused_full++;
		if (listen_log_due(&g->log_full_ms))
			log_warn("%s connection from %s refused: %u %s connections open (%s); %lu "
				 "refused so far",
				 g->what, source, g->active, g->what, g->cap_option, g->refused_full);
		return false;
	}
	keylen = g->per_source ? source_key(sa, key) : 0;
	if (keylen && !listen_rate_take(g->per_source, key, keylen, verify_mono_ms())) {
		g->refused_rate++;
		if (listen_log_due(&g->log_rate_ms))
			log_warn("%s connection from %s refused: more than %u a minute from this %s "
				 "(%s); %lu refused so far",
				 g->what, source, g->per_source_max, keylen == 8 ? "/64" : "address",
				 g->per_source_option, g->refused_rate);
		return false;
	}
	return true;
}

static void socket_update(struct listen_socket *ls);

void listen_track(struct listen_gate *g, struct listen_conn *c)
{
	struct listen_ctx *ctx = g->ctx;

	c->gate = g;
	c->prev = NULL;
	c->next = ctx->conns;
	if (ctx->conns)
		ctx->conns->prev = c;
	ctx->conns = c;
	ctx->active++;
	g->active++;
	if (g->pause_when_full && g->active >= g->max) {
		/* Stop accepting: the kernel queues new connections (its backlog)
		 * until one of ours closes. */
		g->pauses++;
		if (listen_log_due(&g->log_full_ms))
			log_warn("%s: %u connections open (%s) — not accepting more until one "
				 "closes; %lu time(s) so far",
				 g->what, g->active, g->cap_option, g->pauses);
		if (g->sock)
			socket_update(g->sock);
	}
}

void listen_release(struct listen_conn *c)
{
	struct listen_gate *g = c->gate;
	struct listen_ctx *ctx;

	if (!g)
		return; /* never tracked */
	ctx = g->ctx;
	if (c->prev)
		c->prev->next = c->next;
	else if (ctx->conns == c)
		ctx->conns = c->next;
	else
		return; /* not tracked any more */
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	ctx->active--;
	g->active--;
	if (g->pause_when_full && g->sock)
		socket_update(g->sock); /* resumes if it was paused at the limit */
	listen_maybe_done(ctx);
}

/* An accepted connection waiting for its PROXY header (--proxy-protocol). */
struct proxy_wait {
	struct proxy_wait *prev, *next;
	struct listen_socket *ls;
	struct event *ev;
	int fd;
	int64_t since_ms;
	struct sockaddr_storage peer; /* the balancer */
	struct listen_proxy_rx rx;    /* the header so far */
};

struct listen_socket {
	struct listen_gate *gate;
	struct evconnlistener *lev;
	struct event *backoff;
	listen_accept_fn fn;
	void *arg;
	bool handed_over; /* lev belongs to an evhttp now */
	bool enabled;     /* lev accepts now */
	struct proxy_wait *waiting; /* connections whose PROXY header is not read yet */
	unsigned nwaiting;
};

/* Accept unless backing off after an accept error, or full when the gate
 * pauses at its cap. */
static void socket_update(struct listen_socket *ls)
{
	bool want = !evtimer_pending(ls->backoff, NULL) &&
		    !(ls->gate->pause_when_full && ls->gate->active >= ls->gate->max);

	if (want == ls->enabled)
		return;
	if (want)
		evconnlistener_enable(ls->lev);
	else
		evconnlistener_disable(ls->lev);
	ls->enabled = want;
}

/* Admit fd from sa (the client) and hand it to the receiver, or close it. */
static void admit(struct listen_socket *ls, evutil_socket_t fd, const struct sockaddr *sa)
{
	char source[64];

	verify_sockaddr_str(sa, source, sizeof(source));
	if (!gate_admit(ls->gate, sa, source)) {
		evutil_closesocket(fd);
		return;
	}
	ls->fn(ls->arg, fd, source);
}

static void wait_free(struct proxy_wait *w, bool close_fd)
{
	struct listen_socket *ls = w->ls;

	if (w->prev)
		w->prev->next = w->next;
	else
		ls->waiting = w->next;
	if (w->next)
		w->next->prev = w->prev;
	ls->nwaiting--;
	if (w->ev)
		event_free(w->ev);
	if (close_fd)
		evutil_closesocket(w->fd);
	free(w);
}

static void on_proxy_readable(evutil_socket_t fd, short what, void *arg)
{
	struct proxy_wait *w = arg;
	struct listen_socket *ls = w->ls;
	struct proxy_hdr h;
	char why[160] = "", from[64];
	int r = listen_proxy_read((int)fd, &w->rx, &h, why, sizeof(why));

	/* MORE leaves the socket empty: the event fires again only when bytes
	 * come, or at its 1 s timeout to check the deadline. */
	if (r == PROXY_HDR_MORE &&
	    verify_mono_ms() - w->since_ms < LISTEN_PROXY_TIMEOUT_S * 1000)
		return;
	if (r != PROXY_HDR_OK) {
		ls->gate->refused_proxy++;
		verify_sockaddr_str((struct sockaddr *)&w->peer, from, sizeof(from));
		if (listen_log_due(&ls->gate->log_proxy_ms))
			log_warn("%s connection from %s refused: %s; %lu refused so far", ls->gate->what,
				 from, r == PROXY_HDR_MORE ? "no whole PROXY header within 5 s" : why,
				 ls->gate->refused_proxy);
		wait_free(w, true);
		return;
	}
	/* A LOCAL header (the balancer's own health check) names no client. */
	if (h.local)
		memcpy(&h.src, &w->peer, sizeof(h.src));
	wait_free(w, false);
	admit(ls, fd, (struct sockaddr *)&h.src);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listen_socket *ls = arg;
	struct timeval tv = {1, 0};
	struct proxy_wait *w;

	if (!ls->fn) {
		evutil_closesocket(fd);
		return;
	}
	if (!ls->gate->proxy) {
		admit(ls, fd, sa);
		return;
	}
	/* The client's address is in the header: admission waits for it. At
	 * most as many wait as the receiver may hold. */
	w = ls->nwaiting < ls->gate->max ? calloc(1, sizeof(*w)) : NULL;
	if (!w) {
		evutil_closesocket(fd);
		return;
	}
	w->ls = ls;
	w->fd = (int)fd;
	w->since_ms = verify_mono_ms();
	memcpy(&w->peer, sa, (size_t)salen < sizeof(w->peer) ? (size_t)salen : sizeof(w->peer));
	w->next = ls->waiting;
	if (ls->waiting)
		ls->waiting->prev = w;
	ls->waiting = w;
	ls->nwaiting++;
	/* readable: the header (or a part); every second: the deadline */
	w->ev = event_new(ls->gate->ctx->base, fd, EV_READ | EV_PERSIST, on_proxy_readable, w);
	if (!w->ev || event_add(w->ev, &tv) != 0)
		wait_free(w, true);
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	socket_update(arg);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...): pause instead of spinning. */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct listen_socket *ls = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {1, 0};

	log_warn("%s listener: accept failed: %s — pausing for 1 s", ls->gate->what,
		 evutil_socket_error_to_string(e));
	evtimer_add(ls->backoff, &tv);
	socket_update(ls);
}

int listen_socket_new(struct listen_gate *gate, const struct sockaddr *sa, socklen_t salen,
		      listen_accept_fn fn, void *arg, struct listen_socket **out, char *bound,
		      size_t boundlen, char *err, size_t errlen)
{
	struct listen_socket *ls = calloc(1, sizeof(*ls));
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char want[80];
	int rc = -1;

	*out = NULL;
	verify_sockaddr_str(sa, want, sizeof(want));
	if (!ls) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ls->gate = gate;
	ls->fn = fn;
	ls->arg = arg;
	ls->backoff = evtimer_new(gate->ctx->base, on_backoff, ls);
	if (!ls->backoff) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ls->lev = evconnlistener_new_bind(gate->ctx->base, on_accept, ls,
					  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
						  LEV_OPT_CLOSE_ON_EXEC,
					  128, sa, (int)salen);
	if (!ls->lev) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s for %s: %s — pick another address or port",
			 want, gate->what, strerror(e ? e : EADDRINUSE));
		goto out;
	}
	ls->enabled = true;
	evconnlistener_set_error_cb(ls->lev, on_accept_error);
	if (getsockname(evconnlistener_get_fd(ls->lev), (struct sockaddr *)&ss, &sslen) == 0)
		verify_sockaddr_str((struct sockaddr *)&ss, bound, boundlen);
	else
		snprintf(bound, boundlen, "%s", want);
	gate->sock = ls;
	*out = ls;
	ls = NULL;
	rc = 0;
out:
	listen_socket_free(ls);
	return rc;
}

struct evconnlistener *listen_socket_listener(struct listen_socket *ls)
{
	return ls->lev;
}

void listen_socket_handed_over(struct listen_socket *ls)
{
	ls->handed_over = true;
}

void listen_socket_free(struct listen_socket *ls)
{
	if (!ls)
		return;
	if (ls->gate && ls->gate->sock == ls)
		ls->gate->sock = NULL;
	while (ls->waiting)
		wait_free(ls->waiting, true);
	if (ls->lev && !ls->handed_over)
		evconnlistener_free(ls->lev);
	if (ls->backoff)
		event_free(ls->backoff);
	free(ls);
}
