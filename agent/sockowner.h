// SPDX-License-Identifier: Apache-2.0
/*
 * sockowner.h - who owns the TCP listener behind a local address, asked of
 * the kernel (sock_diag, NETLINK_INET_DIAG), so the agent can tell Intel
 * LMS (root) from any local user who bound its port first.
 * Owns: the netlink dump of listening TCP sockets and matching them to an
 * address: the exact address, the wildcard of its family, and for IPv4 the
 * IPv6 wildcard and v4-mapped forms that also accept its connections.
 * Must not: connect to the listener or decide policy; hostid.c does.
 */
#ifndef AGENT_SOCKOWNER_H
#define AGENT_SOCKOWNER_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SOCKOWNER_MAX 8

struct sock_owners {
	size_t count;                /* listeners that would take a connection to the address */
	uid_t uid[SOCKOWNER_MAX];    /* their owners (the first SOCKOWNER_MAX) */
	unsigned long inode[SOCKOWNER_MAX];
};

/* Fill o for the IPv4 or IPv6 address addr (with its port). 0, or -errno
 * when the kernel could not be asked (no sock_diag: treat as unknown). */
int sockowner_tcp_listeners(const struct sockaddr *addr, socklen_t len, struct sock_owners *o);

#endif
