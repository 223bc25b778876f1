// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fuse.h - expose a struct sim_me as a MEI character device look-alike:
 * one regular file, mounted with FUSE (libfuse3 low-level API) directly over
 * PATH, that answers real open/ioctl/read/write/poll/close syscalls the way
 * /dev/mei0 does (protocol-facts.md section 1).
 *
 * Owns: the mount (including clearing a stale one left by a crashed
 * simulator), the FUSE session loop, and the mapping of each open file
 * handle to one struct sim_conn.
 * Must not: model firmware behaviour (sim_me.c) or any client protocol.
 *
 * Device semantics:
 *   open     one struct sim_conn per open file description, opened as a
 *            direct-I/O stream (no page cache, no file position, no
 *            f_pos lock), so every read()/write() reaches sim_me unchanged
 *            and one thread may write while another is blocked in read().
 *   ioctl    IOCTL_MEI_CONNECT_CLIENT (0xC0104801): 16 GUID bytes in,
 *            u32 max_msg_length + u8 protocol_version + zeros out; errors
 *            ENOTTY/EBUSY/ENODEV. Every other ioctl: ENOTTY.
 *   write    one message; EFBIG over MTU, ENODEV when not connected; when
 *            the connection's TX queue is full (sim_me.c) it waits, in
 *            order, or fails EAGAIN with O_NONBLOCK; EINTR on a signal.
 *   read     one message per call (the rest of a longer one on the next
 *            call); blocks until a reply arrives unless O_NONBLOCK (EAGAIN);
 *            a signal interrupts it with EINTR; ENODEV after an ME reset.
 *   poll     POLLIN|POLLRDNORM readable, POLLOUT|POLLWRNORM when connected
 *            and the TX queue has room, POLLERR when not connected or after
 *            an ME reset.
 *   chmod/chown on PATH change the mode/owner the kernel enforces.
 *
 * Threading: sim_fuse_run() is a single-threaded loop. No handler ever
 * blocks (a read with nothing queued is parked and answered later by the
 * sim_me wake callback from whichever thread made data available), so one
 * thread is enough, and releases and interrupt callbacks are serialised on
 * it. sim_fuse_stop() may be called from any thread or a signal handler;
 * the caller owns signal policy (amt-sim's main.c stops on SIGTERM/SIGINT).
 */
#ifndef SIM_FUSE_H
#define SIM_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sim_me;
struct sim_fuse;

struct sim_fuse_opts {
	mode_t mode;      /* permission bits of the device file; 0 = 0600 */
	uid_t uid;        /* owner of the device file (0 = root) */
	gid_t gid;        /* group of the device file (0 = root) */
	bool allow_other; /* let other users open it (always on as root, so the
			   * kernel enforces mode/uid/gid like on /dev/mei0;
			   * as non-root needs user_allow_other in fuse.conf) */
};

/*
 * Can this process mount a FUSE file at all? Checked before anything is
 * started so the first failure is one line saying what to do: no
 * /dev/fuse (-ENOENT), root without CAP_SYS_ADMIN or a /dev/fuse the
 * container does not allow (-EPERM), a non-root user who cannot open
 * /dev/fuse (-EACCES), a non-root user without fusermount3 (-ENOENT).
 * Returns 0 or one of those with the reason in err.
 */
int sim_fuse_check_mount(char *err, size_t errcap);

/*
 * Mount the device at path. path is created (empty, 0600) when missing; a
 * stale FUSE mount on it (ENOTCONN, left by a killed simulator) is cleared
 * with one line on stderr; a live mount point is refused. o may be NULL for
 * defaults (0600 root:root). Returns NULL with a one-line reason in err.
 * me must outlive the returned object.
 */
struct sim_fuse *sim_fuse_new(struct sim_me *me, const char *path, const struct sim_fuse_opts *o,
			      char *err, size_t errcap);
/* Serve requests until sim_fuse_stop() or an external unmount. Returns 0 on
 * a clean stop, or a negative errno. */
int sim_fuse_run(struct sim_fuse *f);
/* Make sim_fuse_run() return (now or, if not running yet, as soon as it is
 * called). Async-signal-safe. */
void sim_fuse_stop(struct sim_fuse *f);
/* Fail parked reads, close every connection, unmount. Call after
 * sim_fuse_run() returned (or if it never ran). NULL-safe. */
void sim_fuse_free(struct sim_fuse *f);
/* The absolute path the device is mounted at. */
const char *sim_fuse_path(const struct sim_fuse *f);

#endif
