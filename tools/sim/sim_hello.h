// SPDX-License-Identifier: Apache-2.0
/*
 * sim_hello.h - the simulated firmware's remote-configuration "hello"
 * sender (protocol-facts.md section 8).
 *
 * Owns: one thread per simulator that, while [provisioning] hello_active
 * is set, opens TCP to the provisioning server every hello_interval_s
 * (firmware seconds, divided by [sim] time_scale), sends one PKI hello
 * packet built with proto/hello_codec.h and closes; the retry counter
 * (0..14) and the hello window (hello_window_s).
 * Must not: answer AMTHI (sim_amthi.c decides when to start and stop),
 * build bytes by hand, or hold the ME lock while doing network I/O.
 *
 * Locking: start/stop run with the ME lock held (AMTHI handlers);
 * shutdown runs without it and joins the thread.
 */
#ifndef SIM_HELLO_H
#define SIM_HELLO_H

#include <stdbool.h>
#include <stddef.h>

struct sim_fw;

/* The firmware's retry counter stops here. */
#define SIM_HELLO_RETRY_MAX 14u

/* As a part of the firmware (sim_fw.c's table): hello_active is NVM, so a
 * simulator started with it set (AMT enabled, not yet provisioned) resumes
 * sending with a fresh window and the saved retry count. 0 or -errno. */
int sim_hello_register(struct sim_fw *fw, char *err, size_t errcap);
/* Start, or restart with a fresh window; the retry count continues. The
 * first hello goes out at once. resume: starting from a saved
 * hello_active at simulator start (nothing saved). Caller holds the ME
 * lock. Returns 0 or -errno (thread or eventfd creation failed). */
int sim_hello_start(struct sim_fw *fw, bool resume);
/* Stop sending (no-op when not running) and save. Caller holds the ME lock. */
void sim_hello_stop(struct sim_fw *fw);
/* Join the sender thread and free it; saves the retry count if it changed.
 * Call without the ME lock. */
void sim_hello_shutdown(struct sim_fw *fw);

#endif
