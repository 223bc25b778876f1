// SPDX-License-Identifier: Apache-2.0
/*
 * daemon_presence.c - the service's agent presence heartbeats (see
 * daemon_int.h, presence.h).
 *
 * With [presence] agent_guid set, the daemon registers with AMT's watchdog
 * for that GUID and asserts presence every [presence] heartbeat_s, or a
 * third of the watchdog's TimeoutInterval (so one lost heartbeat never
 * expires it), at least a second apart. Each call runs in a forked worker,
 * which alone loads the network module and talks to AMT through the local
 * WS-Man path, holding the transaction lock for the whole exchange (LME
 * takes one connection at a time); the result comes back through a pipe.
 * The daemon never maps libcurl and only wakes for its schedule: the
 * heartbeats are its one periodic wake-up.
 * After a register or a heartbeat the watchdog is read back: a refused
 * number, or a state other than Running (AMT ignores a wrong number with
 * ReturnValue 0; an ME reset ends the session), makes the next call a
 * register, at once. Failures to reach AMT are retried after 2, 4, ... s,
 * at most a heartbeat interval apart (the watchdog must not expire for a
 * busy LME). No watchdog for the GUID: with "auto" presence waits for a
 * reload (a console creates the watchdog, then SIGHUP), otherwise it looks
 * again after 60 s doubling to an hour. On SIGTERM the service sends
 * AssertShutdown before it exits (at most STOP_PRESENCE_MS), so AMT
 * reports Stopped, not Expired.
 * Must not: block the loop (the stop call excepted, bounded) or load the
 * network module in the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_int.h"
#include "heci_time.h"
#include "log.h"

#define MIN_INTERVAL_MS 1000
#define RETRY_FIRST_S 2
#define MISSING_FIRST_S 60
#define MISSING_MAX_S 3600
#define STOP_PRESENCE_MS 5000
#define WORKER_PRESENCE_S 60 /* alarm() in the worker */

static int64_t interval_ms(const struct daemon *d)
{
	const struct presence_sched *p = &d->presence;
	int64_t ms = d->ctx->cfg.presence_heartbeat_s
			     ? (int64_t)d->ctx->cfg.presence_heartbeat_s * 1000
			     : (int64_t)p->timeout_s * 1000 / 3;
	return ms < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : ms;
}

void presence_begin(struct daemon *d)
{
	struct presence_sched *p = &d->presence;
	char err[256];
	bool was_on = p->on;
	struct presence_id id;
	int have = presence_agent_id(&d->ctx->cfg, true, &id, err, sizeof(err));
	if (have < 0)
		log_error("agent presence off: %s", err);
	if (have <= 0) {
		p->on = false;
		p->next = 0;
		return;
	}
	if (!was_on || memcmp(id.raw, p->id.raw, 16) != 0) {
		p->registered = false; /* another agent GUID: a new session */
		p->backoff_s = 0;
	}
	p->id = id;
	p->on = true;
	if (p->pid <= 0)
		p->next = heci_mono_ms() + 1000;
	log_notice("agent presence: heartbeats to AMT's watchdog for agent %s", p->id.text);
}

int64_t presence_next(const struct daemon *d)
{
	return d->presence.on && d->presence.pid <= 0 ? d->presence.next : 0;
}

/* In the worker: one call, its result to the pipe. */
static void worker(struct daemon *d, int wfd)
{
	struct presence_sched *p = &d->presence;
	struct net_presence_result res;
	struct agent_ctx ctx = *d->ctx;
	daemon_worker_close_others(d, NULL);
	daemon_worker_reset_signals();
	alarm(WORKER_PRESENCE_S);
	ctx.out = fopen("/dev/null", "w");
	ctx.err = stderr;
	ctx.txn_lock_fd = -1; /* held for the whole exchange below instead */
	int lock = daemon_open_lock(d);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) != 0 && errno == EINTR)
			;
	int ex = presence_call(&ctx, p->action, &p->id, p->seq + 1u, &res, NULL);
	if (ex != 0) {
		memset(&res, 0, sizeof(res));
		res.status = NET_PRESENCE_FAILED;
		snprintf(res.message, sizeof(res.message), "the ME or its WS-Man service could not "
							   "be reached (exit %d)", ex);
	}
	ssize_t w = write(wfd, &res, sizeof(res));
	_exit(w == (ssize_t)sizeof(res) ? 0 : 1);
}

static void start(struct daemon *d, enum net_presence_action action)
{
	struct presence_sched *p = &d->presence;
	int fds[2];
	if (p->pid > 0)
		return;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		log_error("agent presence: cannot make a pipe: %s", strerror(errno));
		return;
	}
	p->action = action;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		worker(d, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		log_error("agent presence: cannot fork: %s", strerror(errno));
		close(fds[0]);
		return;
	}
	p->pid = pid;
	p->result_fd = fds[0];
}

void presence_on_timer(struct daemon *d, int64_t now)
{
	struct presence_sched *p = &d->presence;
	if (!p->on || p->pid > 0 || !p->next || p->next > now || d->stopping)
		return;
	p->next = 0;
	start(d, p->registered ? NET_PRESENCE_ASSERT : NET_PRESENCE_REGISTER);
}

static void retry_later(struct daemon *d, const char *why)
{
	struct presence_sched *p = &d->presence;
	p->backoff_s = p->backoff_s ? p->backoff_s * 2 : RETRY_FIRST_S;
	int64_t ms = (int64_t)p->backoff_s * 1000;
	if (p->timeout_s && ms > interval_ms(d)) {
		ms = interval_ms(d);
		p->backoff_s /= 2;
	}
	p->next = heci_mono_ms() + ms;
	if (d->stopping)
		log_warn("agent presence: %s", why);
	else
		log_warn("agent presence: %s; trying again in %lld s", why, (long long)(ms / 1000));
}

static void handle(struct daemon *d, const struct net_presence_result *r)
{
	struct presence_sched *p = &d->presence;
	bool reg = p->action == NET_PRESENCE_REGISTER;
	switch (r->status) {
	case NET_PRESENCE_OK:
		if (r->timeout_s)
			p->timeout_s = r->timeout_s;
		p->seq = r->seq;
		if (r->state != 4) { /* not Running: our session is gone */
			log_warn("agent presence: AMT reports the watchdog %s, not running — "
				 "registering again", presence_state_name(r->state));
			p->registered = false;
			p->next = heci_mono_ms();
			return;
		}
		if (reg || !p->registered)
			log_notice("agent presence: registered with AMT (agent %s, timeout %u s, "
				   "heartbeat every %lld s)", p->id.text, (unsigned)p->timeout_s,
				   (long long)(interval_ms(d) / 1000));
		p->registered = true;
		p->backoff_s = 0;
		p->next = heci_mono_ms() + interval_ms(d);
		return;
	case NET_PRESENCE_REFUSED:
		log_warn("agent presence: AMT refused %s (ReturnValue %u) — registering again",
			 reg ? "RegisterAgent" : "the heartbeat", (unsigned)r->return_value);
		p->registered = false;
		if (reg)
			retry_later(d, "registration refused");
		else
			p->next = heci_mono_ms();
		return;
	case NET_PRESENCE_NO_WATCHDOG:
		p->registered = false;
		if (p->id.is_auto) {
			log_notice("agent presence: AMT has no watchdog for this agent (%s); waiting "
				   "for one — create it (amt-verify presence HOST create --agent %s) "
				   "and reload the service", p->id.text, p->id.text);
			p->next = 0;
			return;
		}
		p->backoff_s = p->backoff_s < MISSING_FIRST_S ? MISSING_FIRST_S : p->backoff_s * 2;
		if (p->backoff_s > MISSING_MAX_S)
			p->backoff_s = MISSING_MAX_S;
		p->next = heci_mono_ms() + (int64_t)p->backoff_s * 1000;
		log_warn("agent presence: AMT has no watchdog for agent %s; looking again in %u s",
			 p->id.text, p->backoff_s);
		return;
	default:
		p->registered = reg ? false : p->registered;
		retry_later(d, r->message[0] ? r->message : "the call failed");
		return;
	}
}

bool presence_reaped(struct daemon *d, pid_t pid, int status)
{
	struct presence_sched *p = &d->presence;
	struct net_presence_result r;
	if (pid != p->pid || pid <= 0)
		return false;
	p->pid = 0;
	ssize_t n = read(p->result_fd, &r, sizeof(r));
	close(p->result_fd);
	p->result_fd = -1;
	if (n != (ssize_t)sizeof(r)) {
		memset(&r, 0, sizeof(r));
		r.status = NET_PRESENCE_FAILED;
		snprintf(r.message, sizeof(r.message), "the presence worker ended without a result "
						       "(status %d)", status);
	}
	/* Also while stopping: a registration that completed while the stop
	 * waited for it is a session AMT watches, which presence_stop must
	 * end with AssertShutdown (handle only records state and the next
	 * time; no call starts once stopping). */
	handle(d, &r);
	return true;
}

void presence_stop(struct daemon *d)
{
	struct presence_sched *p = &d->presence;
	int64_t deadline = heci_mono_ms() + STOP_PRESENCE_MS;
	int st = 0;
	if (p->pid > 0) { /* a heartbeat in flight: let it end first */
		pid_t pid = p->pid;
		while (heci_mono_ms() < deadline && waitpid(pid, &st, WNOHANG) == 0)
			poll(NULL, 0, 20);
		presence_reaped(d, pid, st);
	}
	if (!p->on || !p->registered)
		return;
	start(d, NET_PRESENCE_SHUTDOWN);
	pid_t pid = p->pid, got = 0;
	if (pid <= 0)
		return;
	while (heci_mono_ms() < deadline && (got = waitpid(pid, &st, WNOHANG)) == 0)
		poll(NULL, 0, 20);
	if (got != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	struct net_presence_result r;
	ssize_t n = read(p->result_fd, &r, sizeof(r));
	close(p->result_fd);
	p->result_fd = -1;
	p->pid = 0;
	p->registered = false;
	if (got != pid)
		log_warn("agent presence: AssertShutdown did not finish in %d s; AMT will report "
			 "the agent expired", STOP_PRESENCE_MS / 1000);
	else if (n == (ssize_t)sizeof(r) && r.status == NET_PRESENCE_OK)
		log_notice("agent presence: told AMT this agent stops (AssertShutdown)");
	else
		log_warn("agent presence: AssertShutdown failed: %s",
			 n == (ssize_t)sizeof(r) ? r.message : "no result from the worker");
}
