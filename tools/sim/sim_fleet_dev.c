// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fleet_dev.c - the rules of a simulated fleet that are not sockets (see
 * sim_fleet.h): the --faults and --listen syntax, which devices get which
 * fault, the addresses, and what each device derives from the template and
 * its index.
 * Must not: open sockets or files, or touch the ME.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fleet.h"

static const char *const fault_names[SIM_FLEET_FAULTS] = {"none", "slow", "refuse", "badpass",
							   "badtls"};

const char *sim_fleet_fault_name(enum sim_fleet_fault f)
{
	return f < SIM_FLEET_FAULTS ? fault_names[f] : "?";
}

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 9)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int sim_fleet_parse_faults(const char *spec, unsigned n, struct sim_fleet_faults *out, char *err,
			   size_t errcap)
{
	const char *p = spec;
	unsigned long total = 0;

	memset(out, 0, sizeof(*out));
	out->slow_ms = SIM_FLEET_SLOW_MS_DEFAULT;
	while (p && *p) {
		const char *end = strchr(p, ','), *eq, *colon, *amount;
		size_t len = end ? (size_t)(end - p) : strlen(p), alen;
		unsigned long v, ms;
		int f;
		bool pct;

		eq = memchr(p, '=', len);
		if (!eq)
			goto bad;
		for (f = 1; f < SIM_FLEET_FAULTS; f++)
			if (strlen(fault_names[f]) == (size_t)(eq - p) &&
			    !strncmp(p, fault_names[f], (size_t)(eq - p)))
				break;
		if (f == SIM_FLEET_FAULTS || out->count[f])
			goto bad;
		amount = eq + 1;
		alen = len - (size_t)(amount - p);
		colon = memchr(amount, ':', alen);
		if (colon) {
			if (f != SIM_FLEET_SLOW ||
			    parse_uint(colon + 1, alen - (size_t)(colon + 1 - amount), 600000, &ms) != 0)
				goto bad;
			out->slow_ms = (unsigned)ms;
			alen = (size_t)(colon - amount);
		}
		pct = alen && amount[alen - 1] == '%';
		if (parse_uint(amount, alen - pct, pct ? 100 : SIM_FLEET_MAX, &v) != 0)
			goto bad;
		out->count[f] = pct ? (unsigned)(v * n / 100) : (unsigned)v;
		total += out->count[f];
		p = end ? end + 1 : NULL;
	}
	if (total > n) {
		snprintf(err, errcap, "--faults %s: %lu faulty devices in a fleet of %u", spec, total,
			 n);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errcap,
		 "--faults %s: expected NAME=AMOUNT[,…] with NAME slow (AMOUNT[:MS]), refuse, "
		 "badpass or badtls, each once, AMOUNT a count or a percentage (5%%)",
		 spec);
	return -1;
}

/* xorshift32: a small deterministic sequence for the permutation. */
static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

void sim_fleet_assign_faults(const struct sim_fleet_faults *f, unsigned n, uint32_t seed,
			     uint8_t *out)
{
	uint32_t *order = malloc(n * sizeof(*order)), s = seed;
	unsigned k = 0;

	memset(out, SIM_FLEET_NONE, n);
	if (!order) {
		/* Without memory for the permutation: the first devices. */
		for (int fault = 1; fault < SIM_FLEET_FAULTS; fault++)
			for (unsigned c = 0; c < f->count[fault] && k < n; c++)
				out[k++] = (uint8_t)fault;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n; i > 1; i--) { /* Fisher-Yates */
		unsigned j = next_rand(&s) % i;
		uint32_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	for (int fault = 1; fault < SIM_FLEET_FAULTS; fault++)
		for (unsigned c = 0; c < f->count[fault] && k < n; c++)
			out[order[k++]] = (uint8_t)fault;
	free(order);
}

uint32_t sim_fleet_addr_of(uint32_t base, unsigned i)
{
	uint32_t pos = (base & 0xff) - 1 + i; /* .1 .. .254 in each /24 */

	return (base & ~0xffu) + (pos / 254) * 256 + pos % 254 + 1;
}

int sim_fleet_parse_listen(const char *s, unsigned n, struct sim_fleet_listen *out, char *err,
			   size_t errcap)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t hlen = colon ? (size_t)(colon - s) : strlen(s);
	struct in_addr a;
	unsigned long port = 0;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		goto bad;
	out->base = ntohl(a.s_addr);
	if ((out->base >> 24) != 127) {
		snprintf(err, errcap, "--listen %s: the fleet lives on loopback (127.x.y.z)", s);
		return -1;
	}
	if (colon) {
		if (parse_uint(colon + 1, strlen(colon + 1), 65535, &port) != 0)
			goto bad;
		out->port = (unsigned)port;
		if (port && port + 2ul * n > 65536ul) {
			snprintf(err, errcap, "--listen %s: %u devices need ports %lu..%lu", s, n, port,
				 port + 2ul * n - 1);
			return -1;
		}
		return 0;
	}
	out->per_address = true;
	if ((out->base & 0xff) == 0 || (out->base & 0xff) == 255 ||
	    (sim_fleet_addr_of(out->base, n - 1) >> 24) != 127) {
		snprintf(err, errcap, "--listen %s: %u addresses from there leave 127.0.0.0/8 (or it "
				      "ends in .0 or .255)", s, n);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errcap, "--listen %s: expected a loopback IPv4 address, optionally with :PORT",
		 s);
	return -1;
}

void sim_fleet_group_password(const char *template_password, unsigned g, char *out, size_t cap)
{
	if (g == 0)
		snprintf(out, cap, "%s", template_password);
	else
		snprintf(out, cap, "%.24s-g%u", template_password, g % 100); /* g < 64 */
}

/* Add i to the big-endian integer in p[0..n). */
static void add_be(uint8_t *p, size_t n, unsigned i)
{
	uint64_t carry = i;

	while (n-- > 0 && carry) {
		uint64_t v = p[n] + (carry & 0xff);
		p[n] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

void sim_fleet_personalize(struct sim_state *st, unsigned i, unsigned groups, uint32_t ipv4,
			   bool bad_password)
{
	char base[sizeof(st->host_name)], pw[sizeof(st->admin_password)];

	/* UUID bytes 10..15 are the node, stored in order in the GUID form. */
	add_be(st->uuid + 10, 6, i);
	add_be(st->wired.mac, 6, i);
	add_be(st->wireless.mac, 6, i);
	snprintf(base, sizeof(base), "%s", st->host_name[0] ? st->host_name : "amt-sim");
	snprintf(st->host_name, sizeof(st->host_name), "%.50s-%05u", base, i);
	st->wired.ipv4 = ipv4;
	sim_fleet_group_password(st->admin_password, groups ? i % groups : 0, pw, sizeof(pw));
	if (bad_password)
		snprintf(st->admin_password, sizeof(st->admin_password), "%.20s-not-%u", pw, i);
	else
		snprintf(st->admin_password, sizeof(st->admin_password), "%s", pw);
}
