// SPDX-License-Identifier: Apache-2.0
/*
 * sim_net.h - small blocking-socket helpers shared by the simulator's
 * network senders (sim_hello.c, sim_cira.c).
 *
 * Owns: splitting "host:port" text, a TCP connect that is bounded by a
 * timeout and can be cancelled through a wake fd, the wake fd itself
 * (an eventfd other threads kick), the monotonic clock, and turning
 * firmware seconds into simulated milliseconds ([sim] time_scale).
 * Must not: speak any protocol, lock the ME or touch struct sim_state.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t sim_net_now_ms(void);

/* Firmware seconds as simulated milliseconds: secs * 1000 / scale (scale 0
 * is taken as 1), never less than min_ms. */
uint64_t sim_net_scaled_ms(unsigned secs, unsigned scale, uint64_t min_ms);

/* "host", "host:port", "[v6addr]:port" -> host text and port text.
 * Returns 0, or -1 for an empty host, a bad port or a host too long. */
int sim_net_split(const char *hostport, unsigned default_port, char *host, size_t hcap,
		  char port[6]);

/* True when text is an IPv4 or IPv6 literal. */
int sim_net_is_ip(const char *host);

/* A wake fd (eventfd): kick from any thread, wait/poll in the owner. */
int sim_net_wake_new(void);             /* fd or -errno */
void sim_net_wake_kick(int wakefd);
void sim_net_wake_drain(int wakefd);
/* Sleep up to timeout_ms (< 0: forever) or until kicked; 1 kicked, 0 timeout. */
int sim_net_wait(int wakefd, int timeout_ms);

/* Resolve host/port and connect over TCP, trying each address, within
 * timeout_ms overall. The socket is returned blocking, close-on-exec.
 * Returns the fd, -ECANCELED when wakefd was kicked (drained), -ETIMEDOUT,
 * -EHOSTUNREACH when the name does not resolve, or another -errno. */
int sim_net_connect(const char *host, const char *port, int timeout_ms, int wakefd);

/* Set SO_RCVTIMEO and SO_SNDTIMEO on fd. */
void sim_net_set_timeouts(int fd, int timeout_ms);

#endif
