// SPDX-License-Identifier: Apache-2.0
/*
 * sim_events.h - the simulated firmware's event engine: every event AMT
 * raises goes to its event log (AMT_MessageLog) and, as a WS-Event
 * (CIM_AlertIndication), to every subscriber whose filter collection
 * carries it (protocol-facts-2.md 1.4, 1.7); and the Agent Presence
 * watchdog timers (section 3), which raise events of their own.
 *
 * Owns: one thread per simulator (a firmware part in sim_fw.c's table)
 * with a libcurl multi handle: deliveries run at once and in parallel, a
 * dead or slow subscriber delays only its own retries, and the ME model
 * never waits for the network (raising an event only queues it). Push:
 * any 2xx answer delivers; PushWithAck: a 2xx whose body is the DSP0226
 * Ack for the event's MessageID. Digest credentials given at Subscribe are
 * answered with HTTP digest (libcurl); https subscribers are verified
 * against [events] ca (else the system store). A failed attempt is retried
 * [events] retry_count times, [events] retry_interval_s firmware seconds
 * after the first failure, doubling (UNVERIFIED in the sources: state
 * options); at most SIM_EVENTS_QUEUE deliveries wait, the oldest goes when
 * more come (logged). The event log keeps every event whatever delivery does.
 * Must not: hold the ME lock during network I/O, log subscriber passwords,
 * or know SOAP framing (sim_event_xml.c).
 *
 * Locking: the raise and presence functions run with the ME lock held
 * (AMTHI and WS-Man handlers); the thread takes it to read the queue and
 * the watchdogs. Without the thread (unit tests, before register) events
 * still go to the event log and are counted, and nothing is sent.
 */
#ifndef SIM_EVENTS_H
#define SIM_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_fw;
struct sim_wd_transition;

#define SIM_EVENTS_QUEUE 64 /* deliveries waiting at once */

int sim_events_register(struct sim_fw *fw, char *err, size_t errcap);
void sim_events_shutdown(struct sim_fw *fw);

/* iAMT0036, a user-initiated connection (inside the enterprise the call
 * for help itself, outside beside the tunnel): to the event log and to the
 * subscribers whose collections carry it. Returns how many subscribers it
 * was queued to. Caller holds the ME lock. */
unsigned sim_events_user_initiated(struct sim_fw *fw);
/* Agent Presence transitions (iAMT0002..0006 for those an action asks an
 * event for; the event log records every one). Caller holds the ME lock. */
void sim_events_presence(struct sim_fw *fw, const struct sim_wd_transition *t, unsigned n);
/* The watchdog timers changed (created, asserted, deleted): the thread
 * recomputes its next wake-up. Caller holds the ME lock. */
void sim_events_timers_changed(struct sim_fw *fw);
/* Deliveries waiting or in flight (tests). Caller holds the ME lock. */
unsigned sim_events_pending(const struct sim_fw *fw);

#endif
