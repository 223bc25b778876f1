// SPDX-License-Identifier: Apache-2.0
/*
 * sdnotify.h - tell the service manager what the daemon is doing (the
 * sd_notify(3) datagram protocol), without linking libsystemd.
 */
#ifndef AGENT_SDNOTIFY_H
#define AGENT_SDNOTIFY_H

/* Send state ("READY=1", "STOPPING=1", "STATUS=...", several joined by
 * newlines) to the socket NOTIFY_SOCKET names. Returns 1 when there is no
 * NOTIFY_SOCKET (not started by systemd, or not Type=notify): nothing to
 * do; 0 when sent; -errno when it could not be (EINVAL: the variable is
 * not an absolute path or an @abstract name, or too long). Never blocks. */
int sd_notify_state(const char *state);

#endif
