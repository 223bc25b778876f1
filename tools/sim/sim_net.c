// SPDX-License-Identifier: Apache-2.0
/*
 * sim_net.c - blocking-socket helpers for the simulator (see sim_net.h).
 *
 * Connect is done non-blocking under poll() so it honours both the timeout
 * and the wake fd, then the socket is switched back to blocking: the
 * protocol code above reads and writes with SO_RCVTIMEO/SO_SNDTIMEO bounds.
 */
#include "sim_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t sim_net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t sim_net_scaled_ms(unsigned secs, unsigned scale, uint64_t min_ms)
{
	uint64_t ms = (uint64_t)secs * 1000u / (scale ? scale : 1u);
	return ms < min_ms ? min_ms : ms;
}

int sim_net_split(const char *hostport, unsigned default_port, char *host, size_t hcap,
		  char port[6])
{
	const char *h = hostport, *end, *p = NULL;
	unsigned long n = default_port;

	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return -1;
		h++;
		if (end[1] == ':')
			p = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		end = strrchr(h, ':');
		if (end && strchr(h, ':') != end)
			end = NULL; /* bare IPv6 literal: no port */
		if (end)
			p = end + 1;
		else
			end = h + strlen(h);
	}
	size_t hlen = (size_t)(end - h);
	if (hlen == 0 || hlen >= hcap)
		return -1;
	if (p) {
		char *e;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		n = strtoul(p, &e, 10);
		if (errno || *e || n == 0 || n > 65535)
			return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, 6, "%u", (unsigned)(n & 0xFFFFu));
	return 0;
}

int sim_net_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int sim_net_wake_new(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

void sim_net_wake_kick(int wakefd)
{
	uint64_t one = 1;
	if (write(wakefd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the owner is woken anyway */
	}
}

void sim_net_wake_drain(int wakefd)
{
	uint64_t v;
	if (read(wakefd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending */
	}
}

int sim_net_wait(int wakefd, int timeout_ms)
{
	struct pollfd p = {.fd = wakefd, .events = POLLIN};
	int n = poll(&p, 1, timeout_ms);
	if (n > 0) {
		sim_net_wake_drain(wakefd);
		return 1;
	}
	return 0;
}

void sim_net_set_timeouts(int fd, int timeout_ms)
{
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One address: 0 connected, 1 cancelled, -errno otherwise. */
static int connect_one(int fd, const struct addrinfo *ai, uint64_t deadline, int wakefd)
{
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	for (;;) {
		uint64_t now = sim_net_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p[2] = {{.fd = fd, .events = POLLOUT}, {.fd = wakefd, .events = POLLIN}};
		int n = poll(p, wakefd >= 0 ? 2 : 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (wakefd >= 0 && (p[1].revents & POLLIN)) {
			sim_net_wake_drain(wakefd);
			return 1;
		}
		if (p[0].revents) {
			int err = 0;
			socklen_t len = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				return -errno;
			return err ? -err : 0;
		}
	}
}

int sim_net_connect(const char *host, const char *port, int timeout_ms, int wakefd)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	uint64_t deadline = sim_net_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	rc = -EHOSTUNREACH;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				ai->ai_protocol);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		int r = connect_one(fd, ai, deadline, wakefd);
		if (r == 0) {
			int one = 1;
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			freeaddrinfo(res);
			return fd;
		}
		close(fd);
		if (r == 1) {
			rc = -ECANCELED;
			break;
		}
		rc = r;
		if (r == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	return rc;
}
