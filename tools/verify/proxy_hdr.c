// SPDX-License-Identifier: Apache-2.0
/*
 * proxy_hdr.c - the PROXY protocol header codec (see proxy_hdr.h), after
 * HAProxy's specification (doc/proxy-protocol.txt): v1 text with exactly one
 * space between fields and CRLF at the end, v2 binary through the
 * bounds-checked cursors.
 * Must not: accept a v1 line longer than 107 bytes, a v2 length beyond
 * PROXY_V2_MAX, an address family other than the one announced, or a port
 * or address that does not parse.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_hdr.h"
#include "wire.h"

static const uint8_t v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				   0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

static int bad(char *why, size_t cap, const char *msg)
{
	snprintf(why, cap, "%s", msg);
	return PROXY_HDR_BAD;
}

/* A decimal port "0".."65535" without a sign or leading zeros. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

static int parse_v1(const char *b, size_t len, struct proxy_hdr *out, char *why, size_t cap)
{
	const char *crlf = NULL, *f[6];
	size_t flen[6], nf = 0, end;
	char addr[INET6_ADDRSTRLEN];
	uint16_t sport, dport;
	bool v6;

	for (size_t i = 0; i + 1 < len && i + 2 <= PROXY_V1_MAX; i++)
		if (b[i] == '\r' && b[i + 1] == '\n') {
			crlf = b + i;
			break;
		}
	if (!crlf)
		return len >= PROXY_V1_MAX ? bad(why, cap, "PROXY v1 line longer than 107 bytes")
					   : PROXY_HDR_MORE;
	end = (size_t)(crlf - b);
	/* "PROXY UNKNOWN": whatever follows up to CRLF is ignored, as the spec
	 * says (so before the field split, which would refuse it) */
	if (end >= 13 && !memcmp(b, "PROXY UNKNOWN", 13) && (end == 13 || b[13] == ' ')) {
		out->local = true;
		out->consumed = end + 2;
		return PROXY_HDR_OK;
	}
	/* "PROXY" SP proto SP src SP dst SP sport SP dport */
	for (size_t i = 0, start = 0; i <= end; i++) {
		if (i == end || b[i] == ' ') {
			if (nf == 6 || i == start)
				return bad(why, cap, "PROXY v1: not six fields separated by one space");
			f[nf] = b + start;
			flen[nf++] = i - start;
			start = i + 1;
		}
	}
	if (nf != 6)
		return bad(why, cap, "PROXY v1: not six fields separated by one space");
	if (flen[1] != 4 || (memcmp(f[1], "TCP4", 4) && memcmp(f[1], "TCP6", 4)))
		return bad(why, cap, "PROXY v1: protocol is not TCP4, TCP6 or UNKNOWN");
	v6 = f[1][3] == '6';
	for (int k = 2; k <= 3; k++) {
		union {
			struct in_addr a4;
			struct in6_addr a6;
		} u;
		if (flen[k] >= sizeof(addr))
			return bad(why, cap, "PROXY v1: address too long");
		memcpy(addr, f[k], flen[k]);
		addr[flen[k]] = '\0';
		if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, &u) != 1)
			return bad(why, cap, "PROXY v1: an address does not match its protocol");
		if (k == 2) {
			memset(&out->src, 0, sizeof(out->src));
			if (v6) {
				struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->src;
				s6->sin6_family = AF_INET6;
				s6->sin6_addr = u.a6;
				out->srclen = sizeof(*s6);
			} else {
				struct sockaddr_in *s4 = (struct sockaddr_in *)&out->src;
				s4->sin_family = AF_INET;
				s4->sin_addr = u.a4;
				out->srclen = sizeof(*s4);
			}
		}
	}
	if (!parse_port(f[4], flen[4], &sport) || !parse_port(f[5], flen[5], &dport))
		return bad(why, cap, "PROXY v1: a port is not 0..65535");
	if (v6)
		((struct sockaddr_in6 *)&out->src)->sin6_port = htons(sport);
	else
		((struct sockaddr_in *)&out->src)->sin_port = htons(sport);
	out->consumed = end + 2;
	return PROXY_HDR_OK;
}

static int parse_v2(const uint8_t *b, size_t len, struct proxy_hdr *out, char *why, size_t cap)
{
	struct wire_rd r;
	uint8_t vc, fam;
	uint16_t n;

	if (len < 16)
		return PROXY_HDR_MORE;
	wire_rd_init(&r, b + 12, 4);
	if (wire_get_u8(&r, &vc) || wire_get_u8(&r, &fam) || wire_get_u16be(&r, &n))
		return PROXY_HDR_MORE;
	if ((vc >> 4) != 2)
		return bad(why, cap, "PROXY v2: version is not 2");
	if ((vc & 0x0f) > 1)
		return bad(why, cap, "PROXY v2: command is neither LOCAL nor PROXY");
	if ((size_t)n + 16 > PROXY_V2_MAX)
		return bad(why, cap, "PROXY v2: header longer than 1040 bytes");
	if (len < (size_t)n + 16)
		return PROXY_HDR_MORE;
	out->consumed = (size_t)n + 16;
	if ((vc & 0x0f) == 0 || (fam >> 4) == 0) {
		/* LOCAL (the balancer's own check), or UNSPEC: no client */
		out->local = true;
		return PROXY_HDR_OK;
	}
	wire_rd_init(&r, b + 16, n);
	memset(&out->src, 0, sizeof(out->src));
	switch (fam) {
	case 0x11: /* TCP over IPv4 */
	case 0x12: { /* UDP over IPv4: the address still tells who */
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->src;
		uint16_t sport;
		if (wire_get_bytes(&r, &s4->sin_addr, 4) || wire_get_bytes(&r, NULL, 4) ||
		    wire_get_u16be(&r, &sport) || wire_get_bytes(&r, NULL, 2))
			return bad(why, cap, "PROXY v2: IPv4 addresses longer than the header");
		s4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		out->srclen = sizeof(*s4);
		return PROXY_HDR_OK; /* TLVs after the addresses are not needed */
	}
	case 0x21:
	case 0x22: {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->src;
		uint16_t sport;
		if (wire_get_bytes(&r, &s6->sin6_addr, 16) || wire_get_bytes(&r, NULL, 16) ||
		    wire_get_u16be(&r, &sport) || wire_get_bytes(&r, NULL, 2))
			return bad(why, cap, "PROXY v2: IPv6 addresses longer than the header");
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		out->srclen = sizeof(*s6);
		return PROXY_HDR_OK;
	}
	default:
		/* AF_UNIX and unknown families: a client we cannot name */
		return bad(why, cap, "PROXY v2: address family is not IPv4 or IPv6");
	}
}

int proxy_hdr_parse(const void *buf, size_t len, struct proxy_hdr *out, char *why, size_t whycap)
{
	const uint8_t *b = buf;
	size_t n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return PROXY_HDR_MORE;
	if (!memcmp(b, v2_sig, n)) {
		out->version = 2;
		return len < sizeof(v2_sig) ? PROXY_HDR_MORE : parse_v2(b, len, out, why, whycap);
	}
	n = len < 6 ? len : 6;
	if (!memcmp(b, "PROXY ", n)) {
		out->version = 1;
		return len < 6 ? PROXY_HDR_MORE : parse_v1(buf, len, out, why, whycap);
	}
	return bad(why, whycap, "the connection does not start with a PROXY protocol header "
				"(--proxy-protocol: only the load balancer may connect)");
}
