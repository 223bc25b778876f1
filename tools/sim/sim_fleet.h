// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fleet.h - amt-sim fleet: one process serving the WS-Management of N
 * simulated AMT devices, each on its own loopback address (127.1.x.y, ports
 * 16992/16993) or its own ports, each with its own UUID, MACs, host name,
 * wired address and credentials derived from one template state and its
 * index, a chosen share of them slow, refusing, with another password or
 * with a certificate nobody trusts, so fleet runs meet what real fleets
 * have. No FUSE device and no ME clients: the host side is not needed.
 *
 * Owns: the pieces with rules of their own, kept apart from the sockets so
 * they are tested alone (sim_fleet_dev.c): the --faults and --listen
 * syntax, which device gets which fault, what a device derives from its
 * index, its address, and the inventory and credentials files written for
 * amt-verify fleet; the certificates (sim_fleet_tls.c); the command
 * (sim_fleet.c).
 * Must not: change the template; give two devices the same identity.
 */
#ifndef SIM_FLEET_H
#define SIM_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_state.h"

enum sim_fleet_fault {
	SIM_FLEET_NONE = 0,
	SIM_FLEET_SLOW,    /* answers every request slow_ms late */
	SIM_FLEET_REFUSE,  /* nothing listens: connections are refused */
	SIM_FLEET_BADPASS, /* its admin password is not its group's */
	SIM_FLEET_BADTLS,  /* its certificate is self-signed (not from the CA) */
	SIM_FLEET_FAULTS
};

struct sim_fleet_faults {
	unsigned count[SIM_FLEET_FAULTS]; /* devices with each fault */
	unsigned slow_ms;
};

#define SIM_FLEET_SLOW_MS_DEFAULT 2000u
#define SIM_FLEET_MAX 65000u

const char *sim_fleet_fault_name(enum sim_fleet_fault f); /* "slow", "refuse", ... */

/*
 * --faults "slow=5%:2000,refuse=2%,badpass=10,badtls=1%": each NAME=AMOUNT
 * with AMOUNT a percentage of n (rounded down) or a count, slow with an
 * optional ":MS" delay. The shares must not add up to more than n.
 * 0, or -1 with a one-line reason.
 */
int sim_fleet_parse_faults(const char *spec, unsigned n, struct sim_fleet_faults *out, char *err,
			   size_t errcap);
/* The fault of each of n devices (out[n]): exactly count[f] of each, no
 * device with two, spread over the fleet by a permutation seeded by seed
 * (the same seed, the same devices). */
void sim_fleet_assign_faults(const struct sim_fleet_faults *f, unsigned n, uint32_t seed,
			     uint8_t *out);

struct sim_fleet_listen {
	bool per_address; /* ADDR: one address per device, ports 16992/16993 */
	uint32_t base;    /* host order */
	unsigned port;    /* ADDR:PORT: device i on PORT+2i and PORT+2i+1; 0: any free */
};

/* "127.1.0.1" (an address each, from this one on) or "127.1.0.1:PORT" (one
 * address, ports from PORT on, 0 = free ports), for n devices: the
 * addresses must stay in 127.0.0.0/8 and the ports below 65536. */
int sim_fleet_parse_listen(const char *s, unsigned n, struct sim_fleet_listen *out, char *err,
			   size_t errcap);
/* Device i's address: base + i, skipping the .0 and .255 of each /24. */
uint32_t sim_fleet_addr_of(uint32_t base, unsigned i);

/* The admin password of credentials group g: the template's for group 0,
 * "PASSWORD-gG" for the others (at most 32 characters). */
void sim_fleet_group_password(const char *template_password, unsigned g, char *out, size_t cap);
/*
 * Make st (a copy of the template) device i: UUID (the template's with i
 * added to its last 6 bytes), wired and wireless MACs (+ i), host name
 * ("NAME-NNNNN"), wired IPv4 (ipv4, host order), the admin password of its
 * group (i % groups), or another one when bad_password.
 */
void sim_fleet_personalize(struct sim_state *st, unsigned i, unsigned groups, uint32_t ipv4,
			   bool bad_password);

/* ---- certificates (sim_fleet_tls.c) ---- */
struct ssl_ctx_st;
struct x509_st;
struct evp_pkey_st;
struct sim_fleet_tls;

/* The TLS side of the fleet: a server context (TLS 1.2+, or TLS 1.0 only
 * with [sim] tls_legacy), the template's certificate when it has one, and
 * with ca_cert/ca_key a P-256 key and an issuer for per-device
 * certificates; a self-signed certificate for the badtls devices. NULL with
 * a reason in err. */
struct sim_fleet_tls *sim_fleet_tls_new(const struct sim_state *tmpl, const char *ca_cert,
					const char *ca_key, char *err, size_t errcap);
void sim_fleet_tls_free(struct sim_fleet_tls *t);
struct ssl_ctx_st *sim_fleet_tls_ctx(struct sim_fleet_tls *t);
/* A certificate for device i (host name, IPv4 address in host order)
 * signed by the CA: new reference, or NULL without a CA (the context's
 * certificate serves). */
struct x509_st *sim_fleet_tls_issue(struct sim_fleet_tls *t, unsigned i, const char *host_name,
				    uint32_t ipv4);
/* The self-signed certificate of the badtls devices, and the key of every
 * certificate above (borrowed). */
struct x509_st *sim_fleet_tls_untrusted(struct sim_fleet_tls *t);
struct evp_pkey_st *sim_fleet_tls_key(struct sim_fleet_tls *t);

/* The command: amt-sim fleet ... (sim_fleet.c). */
int sim_fleet_main(int argc, char **argv);

#endif
