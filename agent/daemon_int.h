// SPDX-License-Identifier: Apache-2.0
/*
 * daemon_int.h - what daemon.c (the loop, signals, reports) and
 * daemon_clients.c (socket clients and their workers) share inside the
 * service. Not for other modules: the service's interface is cmd_run.
 */
#ifndef AGENT_DAEMON_INT_H
#define AGENT_DAEMON_INT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "agent.h"
#include "presence.h"
#include "sockproto.h"

#define MAX_CLIENTS 64
#define MAX_WORKERS 8
/* Slots unprivileged users cannot take: root, the service's own user and
 * [agent] admin_group always find one (the report worker has its own). */
#define RESERVED_WORKERS 2
#define MAX_WORKERS_PER_USER 2 /* per unprivileged uid */
#define REQUEST_DEADLINE_MS 5000
#define WORKER_TIMEOUT_S 3700 /* longest call-for-help --wait plus margin */
#define HANGUP_KILL_MS 10000  /* a worker told to stop gets SIGKILL after this */

enum client_state {
	CLIENT_READING, /* the request is arriving */
	CLIENT_QUEUED,  /* parsed and allowed, waiting for a worker slot */
	CLIENT_RUNNING, /* a worker runs it */
};

struct client {
	enum client_state state;
	int fd;   /* the daemon's copy; -1 once the client went away */
	char *buf; /* SOCKPROTO_MAX_LINE, while the request is read */
	size_t len;
	int64_t deadline; /* to send the request */
	uint64_t seq;     /* arrival order */
	bool half_closed; /* the client shut down its sending side: POLLRDHUP seen */
	bool admin;       /* root, the service's user or admin_group */
	struct ucred cred;
	struct sock_request req;
	struct agent_call call; /* parsed from req with the CLI's table */
	pid_t pid;              /* the worker, while running */
	int64_t kill_at;        /* 0, or when a worker told to stop gets SIGKILL */
};

/* The agent presence heartbeats (daemon_presence.c). */
struct presence_sched {
	bool on;                /* [presence] agent_guid names this agent */
	struct presence_id id;
	bool registered;        /* a session: seq is the last number sent */
	uint32_t seq;
	uint32_t timeout_s;     /* the watchdog's TimeoutInterval */
	pid_t pid;              /* the worker of the call in flight, 0 none */
	int result_fd;          /* its result pipe, -1 none */
	enum net_presence_action action;
	int64_t next;           /* next call, heci_mono_ms(); 0 = none */
	unsigned backoff_s;     /* after failures */
};

struct daemon {
	struct agent_ctx *ctx;
	char *config_path; /* owned: a reload replaces ctx->cfg and its source */
	char *lock_path;   /* SOCKET.lock, flock()ed around each AMTHI transaction */
	int listen_fd, sig_fd, timer_fd;
	struct client *clients[MAX_CLIENTS];
	uint64_t next_seq;
	pid_t report_pid;
	bool report_forced;
	int64_t next_report, next_check, next_retry; /* 0 = not scheduled */
	unsigned backoff_s;
	bool stopping;
	struct presence_sched presence;
	gid_t admin_gid; /* [agent] admin_group, resolved at start and reload */
	bool admin_gid_valid;
};

/* Shared by the request workers and the report worker. */
void daemon_worker_reset_signals(void);
int daemon_open_lock(const struct daemon *d);
/* Close, in a freshly forked worker, what belongs to the loop and to other
 * clients. */
void daemon_worker_close_others(struct daemon *d, const struct client *keep);

/* daemon_presence.c: start (or, after a reload, restart) the schedule; the
 * next call's time for the timer (0 none); the timer fired; a worker ended
 * (false when pid is not the presence worker); at stop, AssertShutdown so
 * AMT records a clean stop (bounded). */
void presence_begin(struct daemon *d);
int64_t presence_next(const struct daemon *d);
void presence_on_timer(struct daemon *d, int64_t now);
bool presence_reaped(struct daemon *d, pid_t pid, int status);
void presence_stop(struct daemon *d);

/* daemon_clients.c */
/* Look [agent] admin_group up once (start, reload), not per connection. */
void daemon_resolve_admin_group(struct daemon *d);
void clients_accept(struct daemon *d);
void clients_on_readable(struct daemon *d, struct client *c, short revents);
/* Start queued requests while worker slots are free and the limits allow. */
void clients_dispatch(struct daemon *d);
/* Add the clients' fds to p (from index n); returns the new count and
 * lowers *timeout_ms to the nearest client deadline. */
int clients_poll_set(struct daemon *d, struct pollfd *p, struct client **owner, int n,
		     int *timeout_ms);
/* SIGKILL workers past their stop deadline. */
void clients_enforce_deadlines(struct daemon *d);
/* A worker exited: free its client. Returns false when pid is not one. */
bool clients_reaped(struct daemon *d, pid_t pid);
int clients_running(const struct daemon *d);
/* Drop every connection not yet handed to a worker (shutting down). */
void clients_drop_waiting(struct daemon *d);
void clients_signal_workers(struct daemon *d, int sig);

#endif
