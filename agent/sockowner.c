// SPDX-License-Identifier: Apache-2.0
/*
 * sockowner.c - owners of local TCP listeners through sock_diag (see
 * sockowner.h). Every length in the kernel's answer is checked before the
 * header or message it covers is read.
 */
#include "sockowner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define DIAG_TIMEOUT_MS 2000
#define DIAG_MAX_REPLIES 100000 /* listening sockets walked at most: bounded */

/* The listener would accept a connection to want (port already matched). */
static bool address_matches(int family, const uint32_t src[4], const struct sockaddr *want)
{
	static const uint8_t any6[16];
	if (want->sa_family == AF_INET) {
		uint32_t a = ((const struct sockaddr_in *)want)->sin_addr.s_addr;
		if (family == AF_INET)
			return src[0] == a || src[0] == htonl(INADDR_ANY);
		/* [::] (dual stack) and ::ffff:a take IPv4 connections too */
		uint8_t mapped[16] = {0};
		mapped[10] = mapped[11] = 0xff;
		memcpy(mapped + 12, &a, 4);
		return memcmp(src, any6, 16) == 0 || memcmp(src, mapped, 16) == 0;
	}
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)want)->sin6_addr;
	return family == AF_INET6 && (memcmp(src, a6, 16) == 0 || memcmp(src, any6, 16) == 0);
}

static int dump_family(int fd, int family, const struct sockaddr *want, uint16_t port,
		       struct sock_owners *o)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = (uint32_t)family;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << TCP_LISTEN;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;

	long buf[8192 / sizeof(long)];
	unsigned walked = 0;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, DIAG_TIMEOUT_MS);
		if (pr == 0)
			return -ETIMEDOUT;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		size_t total = (size_t)n, off = 0;
		while (off + sizeof(struct nlmsghdr) <= total) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)buf + off);
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > total - off)
				return -EBADMSG; /* a truncated or malformed message */
			off += NLMSG_ALIGN(h->nlmsg_len);
			if (h->nlmsg_seq != (uint32_t)family)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error ? e->error : -EBADMSG;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -EBADMSG;
			if (++walked > DIAG_MAX_REPLIES)
				return -E2BIG;
			const struct inet_diag_msg *d = NLMSG_DATA(h);
			if (d->idiag_family != family || d->id.idiag_sport != port ||
			    !address_matches(family, d->id.idiag_src, want))
				continue;
			if (o->count < SOCKOWNER_MAX) {
				o->uid[o->count] = d->idiag_uid;
				o->inode[o->count] = d->idiag_inode;
			}
			o->count++;
		}
		if (off < total)
			return -EBADMSG; /* bytes left over that are no message */
	}
}

int sockowner_tcp_listeners(const struct sockaddr *addr, socklen_t len, struct sock_owners *o)
{
	uint16_t port;
	memset(o, 0, sizeof(*o));
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		port = ((const struct sockaddr_in *)addr)->sin_port;
	else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		port = ((const struct sockaddr_in6 *)addr)->sin6_port;
	else
		return -EAFNOSUPPORT;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	int rc = dump_family(fd, AF_INET, addr, port, o);
	if (rc == 0)
		rc = dump_family(fd, AF_INET6, addr, port, o);
	close(fd);
	return rc;
}
