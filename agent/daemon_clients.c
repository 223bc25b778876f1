// SPDX-License-Identifier: Apache-2.0
/*
 * daemon_clients.c - the service's socket clients and their workers.
 *
 * Accept, read one request line within REQUEST_DEADLINE_MS, parse it with
 * the CLI's own option table (agent_getopt: option errors and --help go back
 * in the reply, never to the service's log) and decide what it needs on the
 * parsed command, with the peer's SO_PEERCRED. Allowed requests wait in
 * arrival order for a worker: MAX_WORKERS run at once; unprivileged users
 * take at most MAX_WORKERS - RESERVED_WORKERS of them and MAX_WORKERS_PER_USER
 * each, so root, the service's user and admin_group always find a slot. A
 * worker is a fork running the very same subcommand code as the CLI with its
 * output captured. While a request waits or runs its connection is watched:
 * a client that hangs up (POLLHUP) is dropped from the queue, or its worker
 * is stopped between AMTHI transactions (commands marked stop_on_hangup; the
 * others are bounded and finish). A client that only shuts down its sending
 * side (POLLRDHUP alone) still gets its answer.
 * Must not: block on a client, or talk to the ME itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_int.h"
#include "exitcode.h"
#include "heci_time.h"
#include "log.h"

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

static void reply(int fd, int exit_code, const char *out, size_t outlen, const char *err,
		  size_t errlen)
{
	static const char unencodable[] = "amt-agent: daemon: cannot encode the reply\n";
	char *line = sockproto_encode_response(exit_code, out, outlen, err, errlen);
	if (!line)
		line = sockproto_encode_response(EXIT_AMT_PROTOCOL, "", 0, unencodable,
						 sizeof(unencodable) - 1);
	if (line) {
		write_all(fd, line, strlen(line));
		free(line);
	}
}

static void reply_err(int fd, int exit_code, const char *msg)
{
	reply(fd, exit_code, "", 0, msg, strlen(msg));
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

static void client_drop(struct daemon *d, struct client *c)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] == c)
			d->clients[i] = NULL;
	client_free(c);
}

/* ---- authorisation ---- */

/* Root, the service's own user, or a process in [agent] admin_group as its
 * primary or a supplementary group: the peer's groups come from the kernel
 * (SO_PEERGROUPS, as of connect()), and the group's ID was resolved when the
 * configuration was loaded, so no NSS lookup (LDAP, sssd) ever runs in the
 * loop, and what counts is the client's credentials, as for file access. */
static bool is_admin(const struct daemon *d, const struct client *c)
{
	const struct ucred *cr = &c->cred;
	gid_t stack[64], *groups = stack;
	socklen_t len = sizeof(stack);
	bool found = false;

	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	if (!d->admin_gid_valid)
		return false;
	if (cr->gid == d->admin_gid)
		return true;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) {
		if (errno != ERANGE || len > NGROUPS_MAX * sizeof(gid_t) ||
		    !(groups = malloc(len)) ||
		    getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) {
			log_warn("uid %u: cannot read the client's groups (%s); not counted as %s",
				 (unsigned)cr->uid, strerror(errno), d->ctx->cfg.admin_group);
			if (groups != stack)
				free(groups);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == d->admin_gid;
	if (groups != stack)
		free(groups);
	return found;
}

void daemon_resolve_admin_group(struct daemon *d)
{
	const char *name = d->ctx->cfg.admin_group;
	struct group *gr;

	d->admin_gid_valid = false;
	if (!name)
		return;
	errno = 0;
	gr = getgrnam(name);
	if (!gr) {
		log_warn("[agent] admin_group %s: %s; only root and the service's user may run "
			 "privileged commands until the group exists and the service is reloaded",
			 name, errno ? strerror(errno) : "no such group");
		return;
	}
	d->admin_gid = gr->gr_gid;
	d->admin_gid_valid = true;
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

/* A whole request line arrived: parse and authorise, then queue it. */
static void on_request(struct daemon *d, struct client *c)
{
	char why[160], msg[512], what[96];
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = NULL, *err = NULL;
	int st;

	if (sockproto_parse_request(c->buf, c->len, &c->req, why, sizeof(why)) != 0) {
		snprintf(msg, sizeof(msg), "amt-agent: daemon: malformed request: %s\n", why);
		reply_err(c->fd, EXIT_AMT_USAGE, msg);
		log_info("uid %u: malformed request: %s", (unsigned)c->cred.uid, why);
		goto drop;
	}
	free(c->buf);
	c->buf = NULL;
	/* The CLI's own table, so what is authorised is what will run. */
	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (!out || !err) {
		reply_err(c->fd, EXIT_AMT_BUSY, "amt-agent: daemon: out of memory — retry later\n");
		goto drop;
	}
	st = agent_getopt(c->req.argc, c->req.argv, &c->call, out, err);
	fclose(out);
	fclose(err);
	out = err = NULL;
	if (st == CLIOPT_ERROR) {
		reply(c->fd, EXIT_AMT_USAGE, "", 0, ebuf, elen);
		log_debug("uid %u: usage error in a %s request", (unsigned)c->cred.uid,
			  c->call.cmd ? c->call.cmd->cli.name : "unknown");
		goto drop;
	}
	enum agent_privilege p = agent_call_privilege(&c->call);
	if (p == AGENT_PRIV_LOCAL) {
		snprintf(msg, sizeof(msg),
			 "amt-agent: '%s' cannot be run through the daemon — run it as root\n",
			 c->call.cmd->cli.name);
		reply_err(c->fd, EXIT_AMT_USAGE, msg);
		goto drop;
	}
	if (st == CLIOPT_HELP) {
		reply(c->fd, EXIT_AMT_OK, obuf, olen, "", 0);
		goto drop;
	}
	c->admin = is_admin(d, c);
	if (p == AGENT_PRIV_ADMIN && !c->admin) {
		privileged_part(&c->call, what, sizeof(what));
		snprintf(msg, sizeof(msg),
			 "amt-agent: %s: permission denied — this needs root%s%s; run it with sudo\n",
			 what, d->ctx->cfg.admin_group ? " or membership of group " : "",
			 d->ctx->cfg.admin_group ? d->ctx->cfg.admin_group : "");
		reply_err(c->fd, EXIT_AMT_PERM, msg);
		log_info("uid %u refused: %s", (unsigned)c->cred.uid, what);
		goto drop;
	}
	c->state = CLIENT_QUEUED;
	c->seq = d->next_seq++;
	goto done;
drop:
	client_drop(d, c);
done:
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	free(obuf);
	free(ebuf);
}

static void read_request(struct daemon *d, struct client *c)
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
		reply_err(c->fd, EXIT_AMT_USAGE, "amt-agent: daemon: request too large\n");
	}
	client_drop(d, c);
}

/* POLLHUP/POLLERR: the client is gone. POLLRDHUP alone: it only shut down
 * its sending side and still reads the answer. */
static void watch_event(struct daemon *d, struct client *c, short revents)
{
	const char *name = c->call.cmd->cli.name;
	unsigned uid = (unsigned)c->cred.uid;
	if (!(revents & (POLLHUP | POLLERR))) {
		c->half_closed = true;
		return;
	}
	if (c->state == CLIENT_QUEUED) {
		log_info("uid %u went away before its %s request started; dropped", uid, name);
		client_drop(d, c);
		return;
	}
	close(c->fd);
	c->fd = -1;
	if (c->call.cmd->stop_on_hangup) {
		log_info("uid %u went away; stopping its %s worker (pid %d) after the current "
			 "transaction", uid, name, (int)c->pid);
		kill(c->pid, SIGTERM);
		c->kill_at = heci_mono_ms() + HANGUP_KILL_MS;
	} else {
		log_info("uid %u went away; its %s request finishes first", uid, name);
	}
}

void clients_on_readable(struct daemon *d, struct client *c, short revents)
{
	if (c->state == CLIENT_READING)
		read_request(d, c);
	else
		watch_event(d, c, revents);
}

void clients_accept(struct daemon *d)
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
			reply_err(fd, EXIT_AMT_BUSY,
				  "amt-agent: daemon: too many requests — retry later\n");
			close(fd);
			if (c)
				free(c->buf);
			free(c);
			continue;
		}
		struct timeval tv = {5, 0}; /* a worker never blocks long on a slow reader */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		c->state = CLIENT_READING;
		c->fd = fd;
		c->deadline = heci_mono_ms() + REQUEST_DEADLINE_MS;
		d->clients[slot] = c;
	}
}

/* ---- workers ---- */

/* In the child: run the request like the CLI would, answer, exit. */
static void __attribute__((noreturn)) worker_main(struct daemon *d, struct client *c)
{
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	struct agent_ctx ctx = *d->ctx;
	int ex = EXIT_AMT_USAGE;

	daemon_worker_reset_signals();
	if (c->call.cmd->stop_on_hangup)
		agent_stop_between_transactions();
	alarm(WORKER_TIMEOUT_S);
	/* The loop no longer reads this connection: block on writes, so a large
	 * answer goes out whole (SO_SNDTIMEO bounds a client that stops reading). */
	int fl = fcntl(c->fd, F_GETFL);
	if (fl >= 0)
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	ctx.out = open_memstream(&obuf, &olen);
	ctx.err = open_memstream(&ebuf, &elen);
	ctx.json = false;
	ctx.err_is_tty = false;
	ctx.txn_lock_fd = daemon_open_lock(d);
	if (ctx.out && ctx.err) {
		if (ctx.txn_lock_fd >= 0) {
			ex = agent_run(&ctx, &c->call);
		} else {
			fprintf(ctx.err, "%s: the service cannot open its lock file %s: %s — see "
					 "'journalctl -u amt-agent'\n",
				ctx.prog, d->lock_path, strerror(errno));
			ex = EXIT_AMT_TIMEOUT;
		}
	}
	if (ctx.out)
		fclose(ctx.out);
	if (ctx.err)
		fclose(ctx.err);
	reply(c->fd, ex, obuf, olen, ebuf, elen);
	_exit(0);
}

struct running {
	int all, unprivileged, of_uid;
};

static struct running count_running(const struct daemon *d, uid_t uid)
{
	struct running r = {0, 0, 0};
	for (int i = 0; i < MAX_CLIENTS; i++) {
		const struct client *c = d->clients[i];
		if (!c || c->state != CLIENT_RUNNING)
			continue;
		r.all++;
		r.unprivileged += !c->admin;
		r.of_uid += !c->admin && c->cred.uid == uid;
	}
	return r;
}

static bool may_start(const struct daemon *d, const struct client *c)
{
	struct running r = count_running(d, c->cred.uid);
	if (r.all >= MAX_WORKERS)
		return false;
	if (c->admin)
		return true;
	return r.unprivileged < MAX_WORKERS - RESERVED_WORKERS && r.of_uid < MAX_WORKERS_PER_USER;
}

static void start_worker(struct daemon *d, struct client *c)
{
	pid_t pid = fork();
	if (pid == 0) {
		daemon_worker_close_others(d, c);
		worker_main(d, c);
	}
	if (pid < 0) {
		log_error("cannot fork a worker: %s", strerror(errno));
		reply_err(c->fd, EXIT_AMT_TIMEOUT,
			  "amt-agent: daemon: out of resources — retry later\n");
		client_drop(d, c);
		return;
	}
	c->state = CLIENT_RUNNING;
	c->pid = pid;
	log_debug("uid %u: %s runs in worker %d", (unsigned)c->cred.uid, c->call.cmd->cli.name,
		  (int)pid);
}

void clients_dispatch(struct daemon *d)
{
	while (!d->stopping) {
		struct client *next = NULL;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];
			if (c && c->state == CLIENT_QUEUED && (!next || c->seq < next->seq) &&
			    may_start(d, c))
				next = c;
		}
		if (!next)
			return;
		start_worker(d, next);
	}
}

void daemon_worker_close_others(struct daemon *d, const struct client *keep)
{
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	close(d->sig_fd);
	close(d->timer_fd);
	if (d->presence.result_fd >= 0)
		close(d->presence.result_fd);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] && d->clients[i] != keep && d->clients[i]->fd >= 0)
			close(d->clients[i]->fd);
}

/* ---- the loop's view ---- */

static void lower(int *timeout_ms, int64_t left)
{
	int l = left < 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
	if (*timeout_ms < 0 || l < *timeout_ms)
		*timeout_ms = l;
}

int clients_poll_set(struct daemon *d, struct pollfd *p, struct client **owner, int n,
		     int *timeout_ms)
{
	int64_t now = heci_mono_ms();
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];
		short events;
		if (!c)
			continue;
		if (c->state == CLIENT_READING) {
			if (c->deadline <= now) { /* too slow to send its request */
				client_drop(d, c);
				continue;
			}
			lower(timeout_ms, c->deadline - now);
			events = POLLIN;
		} else {
			if (c->kill_at)
				lower(timeout_ms, c->kill_at - now);
			if (c->fd < 0)
				continue;
			events = c->half_closed ? 0 : POLLRDHUP; /* POLLHUP always counts */
		}
		owner[n] = c;
		p[n++] = (struct pollfd){.fd = c->fd, .events = events};
	}
	return n;
}

void clients_enforce_deadlines(struct daemon *d)
{
	int64_t now = heci_mono_ms();
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];
		if (c && c->state == CLIENT_RUNNING && c->kill_at && c->kill_at <= now) {
			log_warn("worker %d did not stop within %d s; killed", (int)c->pid,
				 HANGUP_KILL_MS / 1000);
			kill(c->pid, SIGKILL);
			c->kill_at = 0;
		}
	}
}

bool clients_reaped(struct daemon *d, pid_t pid)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];
		if (c && c->state == CLIENT_RUNNING && c->pid == pid) {
			client_drop(d, c);
			return true;
		}
	}
	return false;
}

int clients_running(const struct daemon *d)
{
	return count_running(d, (uid_t)-1).all;
}

void clients_drop_waiting(struct daemon *d)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] && d->clients[i]->state != CLIENT_RUNNING)
			client_drop(d, d->clients[i]);
}

void clients_signal_workers(struct daemon *d, int sig)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i] && d->clients[i]->state == CLIENT_RUNNING)
			kill(d->clients[i]->pid, sig);
}
