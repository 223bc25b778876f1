// SPDX-License-Identifier: Apache-2.0
/*
 * console.c - amt-verify console (HOST | --via-tunnel UUID) [--tls] ...:
 * the host's serial console over Serial-over-LAN.
 *
 * Interactive on a terminal (raw mode, restored on every way out; `~.`
 * after a newline quits, as ssh), a pipe from stdin otherwise, and for
 * scripts --expect TEXT / --send TEXT steps taken in the order given (each
 * --expect waits for its text in what the host printed since the last
 * match), all bounded by --timeout (exit 7 when it runs out). --log FILE
 * appends everything the host printed.
 * One poll() loop over the connection (redir_conn.c: plain or OpenSSL TLS,
 * non-blocking) and stdin; the protocol is sol_client.c's. TLS trust as `device`: the
 * system store or --ca-file with the host name checked, or --pin, or
 * --insecure (said on stderr). Every wait is bounded: 10 s to connect, 20 s
 * to a running session, 30 s of silence from AMT (it sends heartbeats), 3 s
 * to end the session.
 * Must not: print the password, or leave the terminal raw.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_tty.h"
#include "redir_conn.h"
#include "repair.h"
#include "sol_client.h"

#define CONNECT_MS 10000
#define SETUP_MS 20000
#define SILENCE_MS 30000
#define END_MS 3000
#define MAX_STEPS 32
#define STEP_MAX 1024
#define SEEN_MAX (64 * 1024)
#define OUT_MAX (1024 * 1024)

struct step {
	bool send;
	char text[STEP_MAX];
	size_t len;
};

struct run {
	struct repair_target *t;
	struct redir_conn conn;
	struct sol_client sol;
	uint8_t *out;
	size_t out_len;
	bool out_full;
	struct step steps[MAX_STEPS];
	unsigned nsteps, cur;
	char *seen;
	size_t seen_len;
	int log_fd;
	bool interactive, use_stdin, stdin_eof, stopping;
	struct console_esc esc;
	int64_t start, last_rx, timeout_ms;
	int power; /* what the last 0x29 said: 1 on, 0 off, -1 none yet */
};

/* ---- the session's callbacks ---- */

static void op_send(void *arg, const uint8_t *msg, size_t len)
{
	struct run *r = arg;
	if (r->out_len + len > OUT_MAX) {
		r->out_full = true;
		return;
	}
	memcpy(r->out + r->out_len, msg, len);
	r->out_len += len;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void op_data(void *arg, const uint8_t *p, size_t n)
{
	struct run *r = arg;
	write_all(STDOUT_FILENO, p, n);
	if (r->log_fd >= 0)
		write_all(r->log_fd, p, n);
	if (r->nsteps) {
		if (r->seen_len + n > SEEN_MAX) { /* keep the newest half */
			size_t keep = SEEN_MAX / 2;
			if (n >= keep) {
				r->seen_len = 0;
				p += n - keep;
				n = keep;
			} else {
				size_t drop = r->seen_len + n - keep;
				memmove(r->seen, r->seen + drop, r->seen_len - drop);
				r->seen_len -= drop;
			}
		}
		memcpy(r->seen + r->seen_len, p, n);
		r->seen_len += n;
	}
}

/* Said on a terminal when it is news: the host is off, or its power changed. */
static void op_power(void *arg, bool on)
{
	struct run *r = arg;
	if (r->interactive && (r->power < 0 ? !on : r->power != on))
		fprintf(stderr, "\r\n[%s: the host is powered %s]\r\n", VERIFY_PROG, on ? "on" : "off");
	r->power = on;
}

static const struct sol_client_ops ops = {op_send, op_data, op_power};

/* ---- the script ---- */

static const char *step_text(const struct step *s, char *buf, size_t cap)
{
	verify_printable(s->text, s->len, buf, cap);
	return buf;
}

/* Take the steps that can be taken now. */
static void run_steps(struct run *r)
{
	while (r->cur < r->nsteps && r->sol.state == SOL_C_RUNNING) {
		struct step *s = &r->steps[r->cur];
		if (s->send) {
			sol_client_keys(&r->sol, (const uint8_t *)s->text, s->len);
		} else {
			const char *hit = memmem(r->seen, r->seen_len, s->text, s->len);
			if (!hit)
				return;
			size_t used = (size_t)(hit - r->seen) + s->len;
			memmove(r->seen, r->seen + used, r->seen_len - used);
			r->seen_len -= used;
		}
		r->cur++;
	}
	if (r->nsteps && r->cur == r->nsteps && r->sol.state == SOL_C_RUNNING && !r->stopping) {
		r->stopping = true;
		sol_client_stop(&r->sol);
	}
}

static int timed_out(struct run *r)
{
	char want[128], tail[96];
	const struct step *s = &r->steps[r->cur < r->nsteps ? r->cur : r->nsteps - 1];
	size_t n = r->seen_len < 80 ? r->seen_len : 80;
	verify_printable(r->seen + r->seen_len - n, n, tail, sizeof(tail));
	fprintf(stderr, "%s console: %s: timed out after %lld s waiting for \"%s\" (the last "
			"output: \"%s\")\n",
		VERIFY_PROG, repair_name(r->t), (long long)(r->timeout_ms / 1000),
		step_text(s, want, sizeof(want)), tail);
	return REPAIR_EXIT_TIMEOUT;
}

/* ---- the loop ---- */

static int session_failed(struct run *r)
{
	fprintf(stderr, "%s console: %s: %s\n", VERIFY_PROG, repair_name(r->t), r->sol.why);
	switch (r->sol.failure) {
	case SOL_F_AUTH: return REPAIR_EXIT_AUTH;
	case SOL_F_REFUSED: return REPAIR_EXIT_REFUSED;
	default: return VERIFY_EXIT_PROTOCOL;
	}
}

static int network(struct run *r, const char *why)
{
	fprintf(stderr, "%s console: %s: %s\n", VERIFY_PROG, repair_name(r->t), why);
	return VERIFY_EXIT_NETWORK;
}

static int loop(struct run *r)
{
	uint8_t buf[8192], keys[2 * 4096];
	int64_t end_at = 0;
	for (;;) {
		int64_t now = verify_mono_ms();
		if (r->sol.state == SOL_C_FAILED)
			return session_failed(r);
		if (r->out_full)
			return network(r, "AMT does not take what is sent (1 MiB queued)");
		if (r->sol.state == SOL_C_CLOSED && r->out_len == 0)
			return VERIFY_EXIT_OK;
		if (r->stopping && !end_at)
			end_at = now + END_MS;
		if (end_at && now >= end_at)
			return VERIFY_EXIT_OK; /* AMT did not confirm the end: we are done anyway */
		if (r->sol.state != SOL_C_RUNNING && !r->stopping && now - r->start > SETUP_MS)
			return network(r, "AMT did not start the Serial-over-LAN session within 20 s");
		if (now - r->last_rx > SILENCE_MS)
			return network(r, "AMT stopped answering (nothing for 30 s)");
		if (r->nsteps && !r->stopping && now - r->start > r->timeout_ms)
			return timed_out(r);

		struct pollfd p[2] = {{r->conn.fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
		if (r->out_len)
			p[0].events |= POLLOUT;
		bool use_in = r->use_stdin && !r->stdin_eof && r->sol.state == SOL_C_RUNNING &&
			      !r->stopping;
		int wait = 1000;
		if (redir_conn_pending(&r->conn))
			wait = 0;
		int rc = poll(p, use_in ? 2 : 1, wait);
		if (rc < 0 && errno != EINTR)
			return network(r, "poll failed");
		if (rc <= 0 && wait)
			continue;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) || redir_conn_pending(&r->conn)) {
			ssize_t n = redir_conn_read(&r->conn, buf, sizeof(buf));
			if (n < 0) {
				if (r->sol.state == SOL_C_CLOSED || r->stopping)
					return VERIFY_EXIT_OK;
				return network(r, r->sol.state == SOL_C_RUNNING
							  ? "AMT closed the connection"
							  : "AMT closed the connection during set-up");
			}
			if (n > 0) {
				r->last_rx = verify_mono_ms();
				sol_client_feed(&r->sol, buf, (size_t)n);
				run_steps(r);
			}
		}
		if (use_in && (p[1].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf) / 2);
			size_t k = 0;
			if (n <= 0) {
				r->stdin_eof = true;
				r->stopping = true;
				sol_client_stop(&r->sol);
			} else if (console_esc_filter(&r->esc, buf, (size_t)n, keys, &k)) {
				sol_client_keys(&r->sol, keys, k);
				r->stopping = true;
				sol_client_stop(&r->sol);
			} else {
				sol_client_keys(&r->sol, keys, k);
			}
		}
		if (r->out_len) {
			ssize_t n = redir_conn_write(&r->conn, r->out, r->out_len);
			if (n < 0)
				return network(r, "the connection to AMT failed while sending");
			memmove(r->out, r->out + n, r->out_len - (size_t)n);
			r->out_len -= (size_t)n;
		}
	}
}

enum { O_EXPECT = REPAIR_O_COUNT, O_SEND, O_TIMEOUT, O_LOG };
static const struct cliopt console_opts[] = {
	REPAIR_CLIOPTS,
	[O_EXPECT] = {"expect", 0, "TEXT", "wait for TEXT in what the host prints (repeatable)",
		      CLIOPT_REPEAT},
	[O_SEND] = {"send", 0, "TEXT", "type TEXT (repeatable; in order with --expect)",
		    CLIOPT_REPEAT},
	[O_TIMEOUT] = {"timeout", 0, "S", "every step within S seconds (default 30)", 0},
	[O_LOG] = {"log", 0, "FILE", "append what the host prints to FILE", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd console_cli = {
	.prog = VERIFY_PROG,
	.name = "console",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = console_opts,
	.description = "The host's serial console over Serial-over-LAN (16994, --tls 16995). On a\n"
		       "terminal: interactive, ~. after a newline quits. For scripts: the --expect\n"
		       "and --send steps in the order given, within --timeout.\n",
	.footer = "TEXT takes \\r \\n \\t \\e \\\\ \\xHH (F10 is \\e[21~).\n"
		  "Exit: 0 done, 1 AMT refused (SOL disabled, another session, consent), 2 usage,\n"
		  "4 credentials, 7 timed out waiting for --expect, 8 network, 10 protocol.\n",
};

static int add_step(struct run *r, bool send, const char *text)
{
	struct step *s = &r->steps[r->nsteps];
	if (r->nsteps >= MAX_STEPS || console_unescape(text, s->text, sizeof(s->text), &s->len) ||
	    (!send && s->len == 0)) {
		cliopt_fail(&console_cli, stderr,
			    "--%s \"%s\": a bad escape, empty, too long, or more than %d steps",
			    send ? "send" : "expect", text, MAX_STEPS);
		return -1;
	}
	s->send = send;
	r->nsteps++;
	return 0;
}

static int start(struct run *r)
{
	char host[256], name[256], err[512];
	unsigned port;
	struct repair_target *t = r->t;
	int ex = repair_resolve(t, t->tls ? REDIR_TLS_PORT : REDIR_PORT, host, sizeof(host), &port,
				name, sizeof(name));
	if (ex != VERIFY_EXIT_OK)
		return ex;
	if (redir_conn_open(&r->conn, t, host, port, name, err, sizeof(err)) != 0)
		return network(r, err);
	if (sol_client_init(&r->sol, &ops, r, t->user, (const char *)t->password, true) != 0) {
		fprintf(stderr, "%s console: the user name or password is longer than 255 bytes\n",
			VERIFY_PROG);
		return VERIFY_EXIT_USAGE;
	}
	r->start = r->last_rx = verify_mono_ms();
	sol_client_start(&r->sol);
	if (r->interactive) {
		if (console_tty_raw(STDIN_FILENO) != 0)
			r->interactive = false;
		else
			fprintf(stderr, "%s console: %s:%u; ~. after a newline quits\r\n", VERIFY_PROG,
				host, port);
	}
	ex = loop(r);
	console_tty_restore();
	if (r->interactive)
		fprintf(stderr, "\r\n%s console: session ended\n", VERIFY_PROG);
	return ex;
}

int cmd_console(int argc, char **argv)
{
	struct repair_target t;
	static struct run r;
	struct cliopt_result cr;
	const char *log_path = NULL;
	unsigned long secs = 30;
	int ex, next;

	signal(SIGPIPE, SIG_IGN); /* a dead peer is an error from send/SSL_write, not a signal */
	memset(&r, 0, sizeof(r));
	redir_conn_init(&r.conn);
	r.log_fd = r.power = -1;
	r.t = &t;
	repair_target_init(&t, "console");
	int st = cliopt_parse(&console_cli, argc, argv, &cr, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < cr.nhits; i++) {
		const char *v = cr.hits[i].value;
		switch (cr.hits[i].opt) {
		case O_EXPECT:
		case O_SEND:
			if (add_step(&r, cr.hits[i].opt == O_SEND, v) != 0)
				return VERIFY_EXIT_USAGE;
			break;
		case O_TIMEOUT:
			if (cliopt_ulong(&console_cli, stderr, O_TIMEOUT, v, 1, 86400, &secs) != 0)
				return VERIFY_EXIT_USAGE;
			break;
		case O_LOG: log_path = v; break;
		default:
			if (repair_option(&t, &console_cli, cr.hits[i].opt, v) < 0)
				return VERIFY_EXIT_USAGE;
		}
	}
	ex = repair_target_finish(&t, &console_cli, &cr, &next);
	if (ex != VERIFY_EXIT_OK)
		goto out;
	if (next != cr.nargs) {
		cliopt_fail(&console_cli, stderr, "too many arguments");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	r.timeout_ms = (int64_t)secs * 1000;
	r.use_stdin = r.nsteps == 0;
	r.interactive = r.use_stdin && isatty(STDIN_FILENO);
	console_esc_init(&r.esc);
	r.out = malloc(OUT_MAX);
	r.seen = malloc(SEEN_MAX);
	if (!r.out || !r.seen) {
		ex = network(&r, "out of memory");
		goto out;
	}
	if (log_path) {
		r.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (r.log_fd < 0) {
			fprintf(stderr, "%s console: --log %s: %s\n", VERIFY_PROG, log_path, strerror(errno));
			ex = VERIFY_EXIT_USAGE;
			goto out;
		}
	}
	ex = start(&r);
out:
	sol_client_free(&r.sol);
	redir_conn_close(&r.conn);
	if (r.log_fd >= 0)
		close(r.log_fd);
	free(r.out);
	free(r.seen);
	repair_target_free(&t);
	return ex;
}
