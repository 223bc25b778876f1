// SPDX-License-Identifier: Apache-2.0
/*
 * daemon.c - amt-agent run: the service.
 *
 * One poll() loop over the listening Unix socket, its clients
 * (daemon_clients.c), a signalfd (TERM/INT stop, HUP reloads the
 * configuration, CHLD reaps workers) and one timerfd armed only for the
 * report schedule and the agent presence heartbeats (daemon_presence.c),
 * so an idle daemon sleeps. Requests run in forked workers
 * that serialise every AMTHI transaction with flock() on SOCKET.lock;
 * reports run in a worker too (report.c); the loop only schedules.
 * Under systemd (Type=notify) it says READY=1 once the socket listens and
 * STOPPING=1 when it begins to stop (sdnotify.c).
 * The socket's directory must be the service's own (owned by its user or
 * root, not writable by others unless sticky) and the lock file is never
 * reached through a symbolic link.
 * Must not: talk to the ME itself, or block on a client.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon_int.h"
#include "exitcode.h"
#include "heci_time.h"
#include "log.h"
#include "report.h"
#include "sdnotify.h"

#define STOP_GRACE_MS 10000
#define STOP_KILL_MS 2000 /* after SIGTERM at shutdown, before SIGKILL */
#define RETRY_MIN_S 30
#define RETRY_MAX_S 3600

/* Tell systemd (NOTIFY_SOCKET) what the service is doing; a failure is
 * logged, never fatal. */
static void notify(const char *state)
{
	int rc = sd_notify_state(state);
	if (rc < 0)
		log_warn("cannot notify the service manager (NOTIFY_SOCKET): %s", strerror(-rc));
}

/* ---- socket set-up ---- */

/* Another user who can write to the socket's directory could replace the
 * socket or plant the lock file: the directory must belong to the service's
 * user (or root) and not be writable by others unless sticky (as /tmp). */
static int check_socket_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		log_error("cannot use the socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("the socket directory %s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		log_error("refusing the socket directory %s: it belongs to uid %u, not to the "
			  "service's user (uid %u) or root — use a directory the service owns "
			  "(systemd RuntimeDirectory=)",
			  dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		log_error("refusing the socket directory %s: other users may write to it (mode "
			  "%04o) and it has no sticky bit — run 'chmod go-w %s'",
			  dir, (unsigned)(st.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}

static int open_listener(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path)) {
		log_error("socket path %s is too long (at most %zu bytes)", path,
			  sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, n + 1);

	char dir[sizeof(sa.sun_path)];
	memcpy(dir, path, n + 1);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	if (slash && slash != dir && mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (check_socket_dir(slash ? dir : ".") != 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* A socket file with a live daemon behind it is not ours to take. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_error("another amt-agent daemon is already serving %s", path);
		close(fd);
		return -1;
	}
	unlink(path); /* stale socket from a crashed daemon */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0666) != 0 ||
	    listen(fd, 64) != 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int daemon_open_lock(const struct daemon *d)
{
	return open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Created (or found) once at start: a regular file of the service's user,
 * never a symbolic link (which would make root create or lock a file
 * wherever it points). */
static int check_lock_file(const struct daemon *d)
{
	struct stat st;
	int fd = daemon_open_lock(d);
	if (fd < 0) {
		log_error("cannot open the lock file %s: %s%s", d->lock_path, strerror(errno),
			  errno == ELOOP ? " (it is a symbolic link: remove it)" : "");
		return -1;
	}
	int bad = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid();
	close(fd);
	if (bad) {
		log_error("refusing the lock file %s: not a regular file of the service's user — "
			  "remove it",
			  d->lock_path);
		return -1;
	}
	return 0;
}

void daemon_worker_reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- reports ---- */

static void arm_timer(struct daemon *d)
{
	int64_t next = 0;
	int64_t cand[3] = {d->next_report, d->next_check, d->next_retry};
	for (int i = 0; i < 3; i++)
		if (cand[i] && (!next || cand[i] < next))
			next = cand[i];
	/* While a report worker runs, on_timer starts nothing: an overdue time
	 * would fire the timer at once, again and again (a busy loop for as
	 * long as the POST takes). Sleep until the worker's SIGCHLD instead;
	 * the loop re-arms then and anything overdue fires at once. */
	if (d->report_pid > 0)
		next = 0;
	/* the presence heartbeat (none while its worker runs, likewise) */
	int64_t hb = presence_next(d);
	if (hb && (!next || hb < next))
		next = hb;
	/* client deadlines ride on poll()'s timeout instead */
	struct itimerspec its = {{0, 0}, {0, 0}};
	if (next) {
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void schedule_reports(struct daemon *d, bool initial)
{
	const struct agent_config *c = &d->ctx->cfg;
	int64_t now = heci_mono_ms();
	if (!c->report_url) {
		d->next_report = d->next_check = d->next_retry = 0;
		return;
	}
	if (initial) /* a first report soon after start: state may have changed while down */
		d->next_report = now + 1000;
	else if (c->report_interval)
		d->next_report = now + (int64_t)c->report_interval * 1000;
	else
		d->next_report = 0;
	d->next_check = c->report_check_interval ? now + (int64_t)c->report_check_interval * 1000 : 0;
}

static void start_report(struct daemon *d, bool force)
{
	if (d->report_pid > 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		daemon_worker_close_others(d, NULL);
		daemon_worker_reset_signals();
		alarm(WORKER_TIMEOUT_S);
		struct agent_ctx ctx = *d->ctx;
		ctx.out = fopen("/dev/null", "w");
		ctx.err = stderr;
		ctx.txn_lock_fd = daemon_open_lock(d);
		_exit(report_cycle(&ctx, force ? REPORT_FORCE : REPORT_IF_CHANGED, NULL));
	}
	if (pid < 0) {
		log_error("cannot fork the report worker: %s", strerror(errno));
		return;
	}
	d->report_pid = pid;
	d->report_forced = force;
}

static void on_report_done(struct daemon *d, int status)
{
	int64_t now = heci_mono_ms();
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	d->report_pid = 0;
	if (code == REPORT_EXIT_DONE) {
		d->backoff_s = 0;
		d->next_retry = 0;
		return;
	}
	/* server down, 5xx or ME trouble: retry the spool with exponential
	 * backoff and +-20% jitter so a fleet does not retry in lockstep */
	d->backoff_s = d->backoff_s ? d->backoff_s * 2 : RETRY_MIN_S;
	if (d->backoff_s > RETRY_MAX_S)
		d->backoff_s = RETRY_MAX_S;
	int64_t jitter = (int64_t)d->backoff_s * 200 * ((rand() % 2001) - 1000) / 1000;
	d->next_retry = now + (int64_t)d->backoff_s * 1000 + jitter;
	log_info("reports pending; next attempt in about %u s", d->backoff_s);
}

static void on_timer(struct daemon *d)
{
	uint64_t ticks;
	ssize_t r = read(d->timer_fd, &ticks, sizeof(ticks));
	(void)r;
	int64_t now = heci_mono_ms();
	presence_on_timer(d, now);
	bool force = d->next_report && d->next_report <= now;
	bool check = d->next_check && d->next_check <= now;
	bool retry = d->next_retry && d->next_retry <= now;
	if (d->report_pid > 0) /* still busy: look again shortly */
		return;
	if (force || check || retry) {
		if (retry)
			d->next_retry = 0;
		start_report(d, force);
		if (force || check) {
			int64_t keep_retry = d->next_retry;
			schedule_reports(d, false);
			d->next_retry = keep_retry;
		}
	}
}

/* ---- signals ---- */

static void reap(struct daemon *d)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == d->report_pid)
			on_report_done(d, status);
		else if (!presence_reaped(d, pid, status))
			clients_reaped(d, pid);
	}
}

/* Settings given on the command line outrank the file, after a reload too. */
static int apply_command_line(const struct agent_ctx *ctx, struct agent_config *cfg, char *err,
			      size_t errcap)
{
	char why[256];
	if (ctx->opt_device && config_set(cfg, "agent", "device", ctx->opt_device, why, sizeof(why))) {
		snprintf(err, errcap, "--device: %s", why);
		return -1;
	}
	if (ctx->opt_state_dir &&
	    config_set(cfg, "agent", "state_dir", ctx->opt_state_dir, why, sizeof(why))) {
		snprintf(err, errcap, "--state-dir: %s", why);
		return -1;
	}
	return 0;
}

static void set_log_level(const struct agent_ctx *ctx)
{
	int level = ctx->cfg.log_level + ctx->verbose;
	log_set_level(level > LOG_LVL_TRACE ? LOG_LVL_TRACE : (enum log_level)level);
}

/* The same file every time: d->config_path is the daemon's own copy, while
 * the configuration it came from (and its source) is replaced. */
static void reload(struct daemon *d)
{
	struct agent_config fresh;
	char err[512];
	config_init(&fresh);
	if (config_load_file(&fresh, d->config_path, d->ctx->cfg.source != NULL, err, sizeof(err)) !=
		    0 ||
	    apply_command_line(d->ctx, &fresh, err, sizeof(err)) != 0 ||
	    config_check_secret_files(&fresh, err, sizeof(err)) != 0) {
		log_error("reload refused, keeping the running configuration: %s", err);
		config_free(&fresh);
		return;
	}
	/* the socket stays where it is until a restart */
	free(fresh.socket);
	fresh.socket = d->ctx->cfg.socket;
	d->ctx->cfg.socket = NULL;
	config_free(&d->ctx->cfg);
	d->ctx->cfg = fresh;
	set_log_level(d->ctx);
	daemon_resolve_admin_group(d);
	schedule_reports(d, false);
	presence_begin(d);
	log_notice("configuration reloaded from %s", d->config_path);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(d);
			break;
		case SIGHUP:
			if (!d->stopping)
				reload(d);
			break;
		default:
			d->stopping = true;
			break;
		}
	}
}

static int workers_running(const struct daemon *d)
{
	return clients_running(d) + (d->report_pid > 0);
}

/* Wait up to ms for the workers to end, reaping them. */
static void wait_workers(struct daemon *d, int ms)
{
	int64_t deadline = heci_mono_ms() + ms;
	while (workers_running(d) && heci_mono_ms() < deadline) {
		struct pollfd p = {.fd = d->sig_fd, .events = POLLIN};
		poll(&p, 1, 100);
		on_signal(d); /* drains the signalfd, so poll() really waits */
	}
}

/* Stop accepting, let running workers finish their transaction, exit. */
static void shut_down(struct daemon *d)
{
	notify("STOPPING=1");
	close(d->listen_fd);
	d->listen_fd = -1;
	unlink(d->ctx->cfg.socket);
	clients_drop_waiting(d);
	wait_workers(d, STOP_GRACE_MS);
	/* stop_on_hangup workers leave between transactions; others now */
	clients_signal_workers(d, SIGTERM);
	if (d->report_pid > 0)
		kill(d->report_pid, SIGTERM);
	wait_workers(d, STOP_KILL_MS);
	clients_signal_workers(d, SIGKILL);
	if (d->report_pid > 0)
		kill(d->report_pid, SIGKILL);
	reap(d);
	/* last: the other workers are gone and the ME is free */
	presence_stop(d);
}

static int loop(struct daemon *d)
{
	struct pollfd p[3 + MAX_CLIENTS];
	struct client *owner[3 + MAX_CLIENTS];
	while (!d->stopping) {
		int n = 0, timeout = -1;
		p[n++] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = d->timer_fd, .events = POLLIN};
		n = clients_poll_set(d, p, owner, n, &timeout);
		arm_timer(d);
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return -1;
		/* clients first: reaping (signals) may free a client polled above */
		for (int i = 3; i < n; i++)
			if (p[i].revents)
				clients_on_readable(d, owner[i], p[i].revents);
		if (p[1].revents)
			on_signal(d);
		if (p[2].revents)
			on_timer(d);
		clients_enforce_deadlines(d);
		if (p[0].revents && !d->stopping)
			clients_accept(d);
		clients_dispatch(d);
	}
	return 0;
}

/* One line at start, at the default log level: what this service is. */
static void log_start(const struct daemon *d)
{
	const struct agent_config *c = &d->ctx->cfg;
	char sched[160] = "reports off (no [report] url)", every[48] = "no schedule",
	     checks[48] = "no state checks";
	if (c->report_interval)
		snprintf(every, sizeof(every), "every %u s", c->report_interval);
	if (c->report_check_interval)
		snprintf(checks, sizeof(checks), "state checks every %u s",
			 c->report_check_interval);
	if (c->report_url)
		snprintf(sched, sizeof(sched), "reports %s, %s", every, checks);
	log_notice("amt-agent %s started: socket %s, device %s, %s%s%s", AMT_VERSION, c->socket,
		   c->device ? c->device : "probed (/dev/mei0../dev/mei3, /dev/mei)", sched,
		   c->report_url ? " to " : "", c->report_url ? c->report_url : "");
}

static int run_daemon(struct agent_ctx *ctx, const struct agent_call *call)
{
	struct daemon d = {.ctx = ctx, .listen_fd = -1, .sig_fd = -1, .timer_fd = -1,
			   .presence = {.result_fd = -1}};
	int ex = EXIT_AMT_TIMEOUT;
	size_t n = strlen(ctx->cfg.socket) + sizeof(".lock");

	(void)call;
	d.config_path = strdup(ctx->cfg.source ? ctx->cfg.source : AGENT_DEFAULT_CONFIG);
	d.lock_path = malloc(n);
	if (!d.config_path || !d.lock_path) {
		fprintf(ctx->err, "%s: run: out of memory\n", ctx->prog);
		goto out;
	}
	snprintf(d.lock_path, n, "%s.lock", ctx->cfg.socket);
	log_init(ctx->prog, LOG_SINK_STDERR, LOG_LVL_WARN);
	set_log_level(ctx);
	srand((unsigned)getpid() ^ (unsigned)heci_mono_ms());

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d.listen_fd = open_listener(ctx->cfg.socket);
	if (d.sig_fd < 0 || d.timer_fd < 0 || d.listen_fd < 0 || check_lock_file(&d) != 0) {
		fprintf(ctx->err,
			"%s: run: cannot start the service on %s — see the log line above; is "
			"another instance running?\n",
			ctx->prog, ctx->cfg.socket);
		if (d.listen_fd >= 0)
			unlink(ctx->cfg.socket);
		goto out;
	}
	daemon_resolve_admin_group(&d);
	schedule_reports(&d, true);
	log_start(&d);
	presence_begin(&d);
	notify("READY=1\nSTATUS=serving the socket");
	ex = loop(&d) == 0 ? EXIT_AMT_OK : EXIT_AMT_TIMEOUT;
	shut_down(&d);
	log_notice("stopped");
out:
	if (d.listen_fd >= 0)
		close(d.listen_fd);
	if (d.sig_fd >= 0)
		close(d.sig_fd);
	if (d.timer_fd >= 0)
		close(d.timer_fd);
	free(d.config_path);
	free(d.lock_path);
	return ex;
}

const struct agent_cmd agent_cmd_run = {
	.cli = {.prog = AGENT_PROG,
		.name = "run",
		.description = "Run the agent service (amt-agent.service): serve [agent] socket for\n"
			       "local users and send the scheduled reports. SIGHUP reloads the\n"
			       "configuration file; SIGTERM stops it.\n",
		.footer = "Exit codes: 0 stopped by SIGTERM or SIGINT, 2 usage or configuration,\n"
			  "7 could not start (socket in use, its directory refused: see the log).\n"},
	.summary = "run the service (daemon): local socket and scheduled reports",
	.priv = AGENT_PRIV_LOCAL,
	.run = run_daemon,
};
