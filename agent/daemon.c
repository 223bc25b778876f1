/*
 * daemon.c - amt-agent run: the service.
 *
 * One poll() loop over the listening Unix socket, a signalfd (TERM/INT stop,
 * HUP reloads the configuration, CHLD reaps workers) and one timerfd armed
 * only for the report schedule, so an idle daemon sleeps. Each request is
 * read and authorised here (SO_PEERCRED), then run by a forked worker that
 * executes the very same subcommand code as the CLI with its output captured,
 * so output and exit codes are identical either way. A request is parsed
 * with the CLI's own option table (agent_getopt) and what it needs is
 * decided on the parsed command. Workers serialise every
 * AMTHI transaction with flock() on a lock file beside the socket; at most
 * MAX_WORKERS run at once and further requests wait their turn in arrival
 * order. Reports run in a worker too (report.c); the loop only schedules.
 * Must not: talk to the ME itself, or block on a client.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
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

#include "agent.h"
#include "heci_time.h"
#include "exitcode.h"
#include "log.h"
#include "report.h"
#include "sockproto.h"

#define MAX_CLIENTS 64
#define MAX_WORKERS 8
#define REQUEST_DEADLINE_MS 5000
#define WORKER_TIMEOUT_S 3700 /* longest call-for-help --wait plus margin */
#define STOP_GRACE_MS 10000
#define RETRY_MIN_S 30
#define RETRY_MAX_S 3600

struct client {
	int fd;
	char *buf; /* SOCKPROTO_MAX_LINE, allocated while the request is read */
	size_t len;
	int64_t deadline;
	bool queued; /* request complete, waiting for a worker slot */
	struct sock_request req;
	struct agent_call call; /* parsed from req with the CLI's own table */
	struct ucred cred;
};

struct daemon {
	struct agent_ctx *ctx;
	char *config_path; /* owned: a reload replaces ctx->cfg and its source */
	int listen_fd, sig_fd, timer_fd;
	struct client *clients[MAX_CLIENTS];
	pid_t workers[MAX_WORKERS];
	pid_t report_pid;
	bool report_forced;
	int64_t next_report, next_check, next_retry; /* 0 = not scheduled */
	unsigned backoff_s;
	bool stopping;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reply_full(int fd, int exit_code, const char *out, size_t outlen, const char *err,
		       size_t errlen)
{
	char *line = sockproto_encode_response(exit_code, out, outlen, err, errlen);
	if (line) {
		write_all(fd, line, strlen(line));
		free(line);
	}
}

static void reply(int fd, int exit_code, const char *err_line)
{
	char *line = sockproto_encode_response(exit_code, "", 0, err_line, strlen(err_line));
	if (line) {
		write_all(fd, line, strlen(line));
		free(line);
	}
}

/* ---- socket set-up ---- */

static int open_listener(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("socket path %s is too long", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			log_error("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
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

/* ---- authorisation ---- */

static bool is_admin(const struct daemon *d, const struct ucred *cr)
{
	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	const char *group = d->ctx->cfg.admin_group;
	if (!group)
		return false;
	struct group *gr = getgrnam(group);
	if (!gr)
		return false;
	if (cr->gid == gr->gr_gid)
		return true;
	struct passwd *pw = getpwuid(cr->uid);
	if (!pw)
		return false;
	gid_t groups[256];
	int n = 256;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return true;
	return false;
}

/* ---- workers ---- */

static int free_slot(struct daemon *d)
{
	for (int i = 0; i < MAX_WORKERS; i++)
		if (d->workers[i] == 0)
			return i;
	return -1;
}

static void worker_reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int open_txn_lock(const struct agent_ctx *ctx)
{
	char path[512];
	snprintf(path, sizeof(path), "%s.lock", ctx->cfg.socket);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/* In the child: run the request like the CLI would, answer, exit. */
static void __attribute__((noreturn)) worker_main(struct daemon *d, struct client *c)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	struct agent_ctx ctx = *d->ctx;

	worker_reset_signals();
	alarm(WORKER_TIMEOUT_S);
	ctx.out = open_memstream(&obuf, &olen);
	ctx.err = open_memstream(&ebuf, &elen);
	ctx.json = false;
	ctx.err_is_tty = false;
	ctx.txn_lock_fd = open_txn_lock(d->ctx);
	int ex = EXIT_AMT_USAGE;
	if (ctx.out && ctx.err)
		ex = agent_run(&ctx, &c->call);
	if (ctx.out)
		fclose(ctx.out);
	if (ctx.err)
		fclose(ctx.err);
	char *line = sockproto_encode_response(ex, obuf, olen, ebuf, elen);
	if (!line)
		reply(c->fd, EXIT_AMT_PROTOCOL, "amt-agent: daemon: cannot encode the reply\n");
	else
		write_all(c->fd, line, strlen(line));
	_exit(0);
}

static void client_free(struct client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	sockproto_request_free(&c->req);
	free(c->buf);
	free(c);
}

/* Start queued requests in arrival order while worker slots are free. */
static void dispatch(struct daemon *d)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];
		int slot;
		if (!c || !c->queued || (slot = free_slot(d)) < 0)
			continue;
		pid_t pid = fork();
		if (pid < 0) {
			log_error("cannot fork a worker: %s", strerror(errno));
			reply(c->fd, EXIT_AMT_TIMEOUT, "amt-agent: daemon: out of resources — retry later\n");
		} else if (pid == 0) {
			close(d->listen_fd);
			for (int j = 0; j < MAX_CLIENTS; j++)
				if (d->clients[j] && d->clients[j] != c)
					close(d->clients[j]->fd);
			worker_main(d, c);
		} else {
			d->workers[slot] = pid;
		}
		client_free(c);
		d->clients[i] = NULL;
	}
}

/* "hostid set", "report --once", "hello": what needs the privilege. */
static void privileged_part(const struct agent_call *call, char *buf, size_t cap)
{
	const struct agent_cmd *cmd = call->cmd;
	for (int i = 0; i < call->opt.nhits; i++) {
		const struct cliopt *o = &cmd->cli.opts[call->opt.hits[i].opt];
		if (o->flags & CLIOPT_PRIVILEGED) {
			snprintf(buf, cap, "%s --%s", cmd->cli.name, o->name);
			return;
		}
	}
	if (cmd->admin_verbs && call->opt.nargs > 0)
		snprintf(buf, cap, "%s %.32s", cmd->cli.name, call->opt.args[0]);
	else
		snprintf(buf, cap, "%s", cmd->cli.name);
}

/* A whole request line arrived: parse it with the CLI's own option table
 * (errors and --help go back in the reply, never to the log), decide what
 * it needs on the parsed command, then queue it. */
static void on_request(struct daemon *d, struct client *c)
{
	char why[160], msg[512], what[96];
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = NULL, *err = NULL;
	int st;

	if (sockproto_parse_request(c->buf, c->len, &c->req, why, sizeof(why)) != 0) {
		snprintf(msg, sizeof(msg), "amt-agent: daemon: malformed request: %s\n", why);
		reply(c->fd, EXIT_AMT_USAGE, msg);
		log_info("uid %u: malformed request: %s", (unsigned)c->cred.uid, why);
		goto drop;
	}
	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (!out || !err) {
		reply(c->fd, EXIT_AMT_BUSY, "amt-agent: daemon: out of memory — retry later\n");
		goto drop;
	}
	st = agent_getopt(c->req.argc, c->req.argv, &c->call, out, err);
	fclose(out);
	fclose(err);
	out = err = NULL;
	if (st == CLIOPT_ERROR) {
		reply_full(c->fd, EXIT_AMT_USAGE, "", 0, ebuf, elen);
		goto drop;
	}
	enum agent_privilege p = agent_call_privilege(&c->call);
	if (p == AGENT_PRIV_LOCAL) {
		snprintf(msg, sizeof(msg),
			 "amt-agent: '%s' cannot be run through the daemon — run it as root\n",
			 c->call.cmd->cli.name);
		reply(c->fd, EXIT_AMT_USAGE, msg);
		goto drop;
	}
	if (st == CLIOPT_HELP) {
		reply_full(c->fd, EXIT_AMT_OK, obuf, olen, "", 0);
		goto drop;
	}
	if (p == AGENT_PRIV_ADMIN && !is_admin(d, &c->cred)) {
		privileged_part(&c->call, what, sizeof(what));
		snprintf(msg, sizeof(msg),
			 "amt-agent: %s: permission denied — this needs root%s%s; run it with sudo\n",
			 what, d->ctx->cfg.admin_group ? " or membership of group " : "",
			 d->ctx->cfg.admin_group ? d->ctx->cfg.admin_group : "");
		reply(c->fd, EXIT_AMT_PERM, msg);
		log_info("uid %u refused: %s", (unsigned)c->cred.uid, what);
		goto drop;
	}
	free(c->buf);
	c->buf = NULL;
	c->queued = true;
	goto done;
drop:
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] == c)
			d->clients[i] = NULL;
	client_free(c);
done:
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	free(obuf);
	free(ebuf);
}

static void on_client_readable(struct daemon *d, struct client *c)
{
	ssize_t n = read(c->fd, c->buf + c->len, SOCKPROTO_MAX_LINE - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		c->len += (size_t)n;
		if (memchr(c->buf, '\n', c->len)) {
			on_request(d, c);
			return;
		}
		if (c->len < SOCKPROTO_MAX_LINE)
			return;
		reply(c->fd, EXIT_AMT_USAGE, "amt-agent: daemon: request too large\n");
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] == c)
			d->clients[i] = NULL;
	client_free(c);
}

static void on_accept(struct daemon *d)
{
	for (;;) {
		int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		int slot = -1;
		for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
			if (!d->clients[i])
				slot = i;
		struct client *c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		socklen_t len = sizeof(struct ucred);
		if (c)
			c->buf = malloc(SOCKPROTO_MAX_LINE);
		if (!c || !c->buf || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) != 0) {
			reply(fd, EXIT_AMT_BUSY, "amt-agent: daemon: too many requests — retry later\n");
			close(fd);
			if (c)
				free(c->buf);
			free(c);
			continue;
		}
		struct timeval tv = {5, 0}; /* a worker never blocks long on a slow reader */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		c->fd = fd;
		c->deadline = heci_mono_ms() + REQUEST_DEADLINE_MS;
		d->clients[slot] = c;
	}
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
		close(d->listen_fd);
		worker_reset_signals();
		alarm(WORKER_TIMEOUT_S);
		struct agent_ctx ctx = *d->ctx;
		ctx.out = fopen("/dev/null", "w");
		ctx.err = stderr;
		ctx.txn_lock_fd = open_txn_lock(d->ctx);
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
		if (pid == d->report_pid) {
			on_report_done(d, status);
			continue;
		}
		for (int i = 0; i < MAX_WORKERS; i++)
			if (d->workers[i] == pid)
				d->workers[i] = 0;
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
	schedule_reports(d, false);
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
	int n = d->report_pid > 0;
	for (int i = 0; i < MAX_WORKERS; i++)
		n += d->workers[i] != 0;
	return n;
}

/* Stop accepting, let running workers finish their transaction, exit. */
static void shut_down(struct daemon *d)
{
	close(d->listen_fd);
	d->listen_fd = -1;
	unlink(d->ctx->cfg.socket);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		client_free(d->clients[i]);
		d->clients[i] = NULL;
	}
	int64_t deadline = heci_mono_ms() + STOP_GRACE_MS;
	while (workers_running(d) && heci_mono_ms() < deadline) {
		struct pollfd p = {.fd = d->sig_fd, .events = POLLIN};
		poll(&p, 1, 100);
		reap(d);
	}
	for (int i = 0; i < MAX_WORKERS; i++)
		if (d->workers[i])
			kill(d->workers[i], SIGTERM);
	if (d->report_pid > 0)
		kill(d->report_pid, SIGTERM);
	reap(d);
}

static int loop(struct daemon *d)
{
	struct pollfd p[3 + MAX_CLIENTS];
	struct client *owner[3 + MAX_CLIENTS];
	while (!d->stopping) {
		int n = 0, timeout = -1;
		int64_t now = heci_mono_ms();
		p[n++] = (struct pollfd){.fd = d->listen_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
		p[n++] = (struct pollfd){.fd = d->timer_fd, .events = POLLIN};
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];
			if (!c || c->queued)
				continue;
			if (c->deadline <= now) { /* too slow to send its request */
				client_free(c);
				d->clients[i] = NULL;
				continue;
			}
			int left = (int)(c->deadline - now);
			timeout = timeout < 0 || left < timeout ? left : timeout;
			owner[n] = c;
			p[n++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
		}
		arm_timer(d);
		if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return -1;
		if (p[1].revents)
			on_signal(d);
		if (p[2].revents)
			on_timer(d);
		for (int i = 3; i < n; i++)
			if (p[i].revents)
				on_client_readable(d, owner[i]);
		if (p[0].revents && !d->stopping)
			on_accept(d);
		dispatch(d);
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
	struct daemon d = {.ctx = ctx, .listen_fd = -1, .sig_fd = -1, .timer_fd = -1};
	int ex = EXIT_AMT_TIMEOUT;
	(void)call;
	d.config_path = strdup(ctx->cfg.source ? ctx->cfg.source : AGENT_DEFAULT_CONFIG);
	if (!d.config_path) {
		fprintf(ctx->err, "%s: run: out of memory\n", ctx->prog);
		goto out;
	}
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
	if (d.sig_fd < 0 || d.timer_fd < 0 || d.listen_fd < 0) {
		fprintf(ctx->err,
			"%s: run: cannot start the service on %s — see the log line above; is "
			"another instance running?\n",
			ctx->prog, ctx->cfg.socket);
		goto out;
	}
	schedule_reports(&d, true);
	log_start(&d);
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
	return ex;
}

const struct agent_cmd agent_cmd_run = {
	.cli = {.prog = AGENT_PROG,
		.name = "run",
		.description = "Run the agent service (amt-agent.service): serve [agent] socket for\n"
			       "local users and send the scheduled reports. SIGHUP reloads the\n"
			       "configuration file; SIGTERM stops it.\n"},
	.summary = "run the service (daemon): local socket and scheduled reports",
	.priv = AGENT_PRIV_LOCAL,
	.run = run_daemon,
};
