// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_relay.c - byte relay between libcurl and caller sockets (see
 * wsman_relay.h for why it exists).
 *
 * Owns: one abstract listener per client and up to four links, each a pair
 * (accepted libcurl end, caller fd) with one 16 KiB buffer per direction.
 * Must not: block (every fd is non-blocking), look at the bytes, or keep a
 * link after libcurl closed its end.
 */
#include "wsman_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/rand.h>

#define MAX_LINKS 4
#define BUF_SIZE 16384

struct dir {
	char buf[BUF_SIZE];
	size_t off, len;
	bool eof;      /* source reached EOF or failed */
	bool shut;     /* EOF passed on with shutdown(SHUT_WR) */
};

struct link {
	int a;         /* accepted end: libcurl's peer */
	int u;         /* caller's fd */
	struct dir up; /* a -> u */
	struct dir down; /* u -> a */
	bool dead;
};

struct wsman_relay {
	int lfd;
	char name[48];
	struct link *links[MAX_LINKS];
	int (*open_socket)(void *arg);
	void *arg;
	bool open_failed;
};

static void link_free(struct link *l)
{
	if (!l)
		return;
	if (l->a >= 0)
		close(l->a);
	if (l->u >= 0)
		close(l->u);
	free(l);
}

struct wsman_relay *wsman_relay_new(int (*open_socket)(void *arg), void *arg)
{
	struct wsman_relay *r = calloc(1, sizeof(*r));
	struct sockaddr_un sa;
	unsigned char rnd[12];
	socklen_t len;
	size_t n;

	if (!r)
		return NULL;
	r->open_socket = open_socket;
	r->arg = arg;
	r->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->lfd < 0 || RAND_bytes(rnd, (int)sizeof(rnd)) != 1)
		goto fail;
	n = (size_t)snprintf(r->name, sizeof(r->name), "amt-wsman-%d-", (int)getpid());
	for (size_t i = 0; i < sizeof(rnd) && n + 2 < sizeof(r->name); i++, n += 2)
		snprintf(r->name + n, 3, "%02x", rnd[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path + 1, r->name, strlen(r->name)); /* abstract: leading NUL */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(r->name));
	if (bind(r->lfd, (struct sockaddr *)&sa, len) != 0 || listen(r->lfd, MAX_LINKS) != 0)
		goto fail;
	return r;
fail:
	wsman_relay_free(r);
	return NULL;
}

void wsman_relay_free(struct wsman_relay *r)
{
	if (!r)
		return;
	for (int i = 0; i < MAX_LINKS; i++)
		link_free(r->links[i]);
	if (r->lfd >= 0)
		close(r->lfd);
	free(r);
}

const char *wsman_relay_name(const struct wsman_relay *r)
{
	return r->name;
}

bool wsman_relay_take_open_failure(struct wsman_relay *r)
{
	bool f = r->open_failed;
	r->open_failed = false;
	return f;
}

static bool from_us(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid == getpid();
}

static void accept_pending(struct wsman_relay *r)
{
	for (;;) {
		int a = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot = -1, fl;
		struct link *l;

		if (a < 0)
			return; /* EAGAIN or a transient error: libcurl's own timeout bounds us */
		for (int i = 0; i < MAX_LINKS && slot < 0; i++)
			if (!r->links[i])
				slot = i;
		if (slot < 0 || !from_us(a)) {
			close(a);
			continue;
		}
		l = calloc(1, sizeof(*l));
		if (!l) {
			close(a);
			continue;
		}
		l->a = a;
		l->u = r->open_socket(r->arg);
		fl = l->u >= 0 ? fcntl(l->u, F_GETFL) : -1;
		if (fl < 0 || fcntl(l->u, F_SETFL, fl | O_NONBLOCK) != 0) {
			r->open_failed = true;
			link_free(l); /* libcurl sees the connection close */
			continue;
		}
		r->links[slot] = l;
	}
}

/* Move bytes src -> dst until nothing more can move now. */
static void pump(int src, int dst, struct dir *d, bool *dead)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n;

		if (d->len == d->off && !d->eof) {
			d->off = d->len = 0;
			n = recv(src, d->buf, sizeof(d->buf), 0);
			if (n > 0)
				d->len = (size_t)n;
			else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
				d->eof = true;
		}
		if (d->len > d->off) {
			n = send(dst, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
			if (n > 0) {
				d->off += (size_t)n;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return;
			*dead = true;
			return;
		}
		if (d->eof) {
			if (!d->shut)
				shutdown(dst, SHUT_WR);
			d->shut = true;
			return;
		}
		if (d->len == d->off)
			return; /* source would block */
	}
}

void wsman_relay_run(struct wsman_relay *r)
{
	accept_pending(r);
	for (int i = 0; i < MAX_LINKS; i++) {
		struct link *l = r->links[i];
		if (!l)
			continue;
		pump(l->a, l->u, &l->up, &l->dead);
		pump(l->u, l->a, &l->down, &l->dead);
		/* libcurl never half-closes: its EOF ends the link. */
		if (l->dead || (l->up.eof && l->up.len == l->up.off) || (l->down.shut && l->up.shut)) {
			link_free(l);
			r->links[i] = NULL;
		}
	}
}

static void add_fd(struct curl_waitfd *fds, unsigned cap, unsigned *n, int fd, short ev)
{
	if (ev && *n < cap) {
		fds[*n].fd = fd;
		fds[*n].events = ev;
		fds[*n].revents = 0;
		(*n)++;
	}
}

unsigned wsman_relay_waitfds(struct wsman_relay *r, struct curl_waitfd *fds, unsigned cap)
{
	unsigned n = 0;

	add_fd(fds, cap, &n, r->lfd, CURL_WAIT_POLLIN);
	for (int i = 0; i < MAX_LINKS; i++) {
		struct link *l = r->links[i];
		if (!l)
			continue;
		add_fd(fds, cap, &n, l->a,
		       (short)(((l->up.len == l->up.off && !l->up.eof) ? CURL_WAIT_POLLIN : 0) |
			       (l->down.len > l->down.off ? CURL_WAIT_POLLOUT : 0)));
		add_fd(fds, cap, &n, l->u,
		       (short)(((l->down.len == l->down.off && !l->down.eof) ? CURL_WAIT_POLLIN : 0) |
			       (l->up.len > l->up.off ? CURL_WAIT_POLLOUT : 0)));
	}
	return n;
}
