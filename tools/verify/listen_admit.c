/*
 * listen_admit.c - connection admission for every receiver of `amt-verify
 * listen`: the listening sockets (bound with LEV_OPT_REUSEABLE, paused for a
 * second on accept errors such as EMFILE instead of spinning, also when an
 * evhttp accepts on them), the connection limit, and the list of open
 * connections a stop walks.
 * Must not: parse any protocol or know a receiver's connection state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>
#include <event2/util.h>

#include "listen.h"
#include "log.h"

bool listen_has_room(const struct listen_ctx *ctx)
{
	return !ctx->stopping && ctx->active < ctx->lim.max_connections;
}

void listen_note_refusal(struct listen_ctx *ctx, const char *what, const char *source)
{
	int64_t now;

	ctx->refused++;
	now = verify_mono_ms();
	if (now - ctx->last_refusal_log >= 1000) {
		log_warn("%s connection from %s refused: %u connections open (--max-connections); "
			 "%lu refused so far",
			 what, source, ctx->active, ctx->refused);
		ctx->last_refusal_log = now;
	}
}

/* A new connection from source: false (and a rate-limited log line) when
 * the limit is reached or the listener is stopping; the caller closes it. */
static bool listen_admit(struct listen_ctx *ctx, const char *what, const char *source)
{
	if (ctx->stopping)
		return false;
	if (listen_has_room(ctx))
		return true;
	listen_note_refusal(ctx, what, source);
	return false;
}

void listen_track(struct listen_ctx *ctx, struct listen_conn *c)
{
	c->prev = NULL;
	c->next = ctx->conns;
	if (ctx->conns)
		ctx->conns->prev = c;
	ctx->conns = c;
	ctx->active++;
}

void listen_release(struct listen_ctx *ctx, struct listen_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (ctx->conns == c)
		ctx->conns = c->next;
	else
		return; /* not tracked */
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	ctx->active--;
	if (ctx->stopping && ctx->active == 0)
		event_base_loopbreak(ctx->base);
}

struct listen_socket {
	struct listen_ctx *ctx;
	struct evconnlistener *lev;
	struct event *backoff;
	char what[16];
	listen_accept_fn fn;
	void *arg;
	bool handed_over; /* lev belongs to an evhttp now */
};

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listen_socket *ls = arg;
	char source[64];

	if (!ls->fn) {
		evutil_closesocket(fd);
		return;
	}
	verify_sockaddr_str(sa, source, sizeof(source));
	if (!listen_admit(ls->ctx, ls->what, source)) {
		evutil_closesocket(fd);
		return;
	}
	ls->fn(ls->arg, fd, source);
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct listen_socket *ls = arg;

	evconnlistener_enable(ls->lev);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...): pause instead of spinning. */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct listen_socket *ls = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {1, 0};

	log_warn("%s listener: accept failed: %s — pausing for 1 s", ls->what,
		 evutil_socket_error_to_string(e));
	evconnlistener_disable(lev);
	evtimer_add(ls->backoff, &tv);
}

int listen_socket_new(struct listen_ctx *ctx, const struct sockaddr *sa, socklen_t salen,
		      const char *what, listen_accept_fn fn, void *arg, struct listen_socket **out,
		      char *bound, size_t boundlen, char *err, size_t errlen)
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
	ls->ctx = ctx;
	ls->fn = fn;
	ls->arg = arg;
	snprintf(ls->what, sizeof(ls->what), "%s", what);
	ls->backoff = evtimer_new(ctx->base, on_backoff, ls);
	if (!ls->backoff) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ls->lev = evconnlistener_new_bind(ctx->base, on_accept, ls,
					  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
						  LEV_OPT_CLOSE_ON_EXEC,
					  128, sa, (int)salen);
	if (!ls->lev) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s for %s: %s — pick another address or port",
			 want, what, strerror(e ? e : EADDRINUSE));
		goto out;
	}
	evconnlistener_set_error_cb(ls->lev, on_accept_error);
	if (getsockname(evconnlistener_get_fd(ls->lev), (struct sockaddr *)&ss, &sslen) == 0)
		verify_sockaddr_str((struct sockaddr *)&ss, bound, boundlen);
	else
		snprintf(bound, boundlen, "%s", want);
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
	if (ls->lev && !ls->handed_over)
		evconnlistener_free(ls->lev);
	if (ls->backoff)
		event_free(ls->backoff);
	free(ls);
}
