// SPDX-License-Identifier: Apache-2.0
/*
 * proxy_hdr.h - the PROXY protocol header (HAProxy's "PROXY protocol"
 * specification, versions 1 and 2) a TCP load balancer puts in front of a
 * connection to tell the server the client's address.
 *
 *   v1: "PROXY TCP4 192.0.2.1 198.51.100.2 56324 8443\r\n" (or TCP6, or
 *       "PROXY UNKNOWN ...\r\n"), at most 107 bytes;
 *   v2: the 12-byte signature \r\n\r\n\0\r\nQUIT\n, version/command (0x21
 *       PROXY, 0x20 LOCAL), family/transport (0x11 TCP4, 0x21 TCP6, ...),
 *       a 16-bit big-endian length, then the addresses and TLVs.
 *
 * Owns: deciding from the first bytes of a connection whether a whole
 * header is there, how long it is, and the source address it carries.
 * Must not: do I/O; accept anything else as a header (a connection that
 * does not start with one is refused by the caller); read past len.
 */
#ifndef VERIFY_PROXY_HDR_H
#define VERIFY_PROXY_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define PROXY_V1_MAX 107u
#define PROXY_V2_MAX 1040u /* 16-byte header + at most 1024 of addresses and TLVs */
#define PROXY_HDR_MAX PROXY_V2_MAX

enum proxy_hdr_rc {
	PROXY_HDR_OK = 0,     /* a whole header: consumed bytes, source filled */
	PROXY_HDR_MORE = 1,   /* a valid beginning: wait for more bytes */
	PROXY_HDR_BAD = -1,   /* not a PROXY header, or a malformed one (why says) */
};

struct proxy_hdr {
	size_t consumed;              /* header length */
	int version;                  /* 1 or 2 */
	bool local;                   /* v2 LOCAL or v1 UNKNOWN: no client address (a
				       * health check): keep the connection's own peer */
	struct sockaddr_storage src;  /* the client (when !local) */
	socklen_t srclen;
};

/* Parse the first len bytes of a connection. PROXY_HDR_OK, PROXY_HDR_MORE,
 * or PROXY_HDR_BAD with a one-line reason in why. */
int proxy_hdr_parse(const void *buf, size_t len, struct proxy_hdr *out, char *why, size_t whycap);

#endif
