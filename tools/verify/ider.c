// SPDX-License-Identifier: Apache-2.0
/*
 * ider.c - amt-verify ider (HOST | --via-tunnel UUID) (--cd FILE | --floppy
 * FILE) [--boot cd|floppy|none] [--then reset|on|none] [--until-idle S]:
 * the help desk boots a machine from its recovery image over IDE-R.
 *
 * Order (protocol-facts-ider.md 3): read AMT_BootCapabilities (IDER) and
 * AMT_RedirectionService (IDE-R enabled, listener on) and the power state;
 * open the IDE-R session on 16994 (--tls 16995) with the devices started
 * at the next reset (--then none: gracefully, so a BIOS already waiting
 * finds them); set the one-time boot (UseIDER, IDERBootDevice, no boot
 * source, as MeshCommander does it); reset the host, or power it on; then
 * serve the image read-only until Ctrl-C (SIGINT/SIGTERM: 0x42, AMT's 0x43,
 * 0x12), --until-idle S without a command from the host, or AMT ending the
 * session. One poll() loop over the connection (redir_conn.c); the
 * protocol is ider_client.c's, the drive atapi.c's.
 * Every wait is bounded: 10 s to connect, 20 s to a running session, 30 s
 * of silence from AMT (it sends heartbeats every 5 s), 3 s to end.
 * On a terminal a progress line (commands, blocks, MB, MB/s) on stderr;
 * in scripts nothing but errors, and --json's one object at the end.
 * Must not: write to the image (opened read-only), print the password.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ider_client.h"
#include "redir_conn.h"
#include "repair.h"
#include "repair_power.h"

#define SETUP_MS 20000
#define SILENCE_MS 30000
#define END_MS 3000
#define OUT_MAX (4u * 1024u * 1024u)
#define OUT_HIGH (256u * 1024u) /* stop streaming a read while this much waits */
#define PROGRESS_MS 500

struct run {
	struct repair_target *t;
	struct redir_conn conn;
	struct ider_client ider;
	int image_fd;
	const char *image;
	bool cd;
	uint8_t *out;
	size_t out_len;
	bool out_full;
	bool tty, json;
	int64_t start, ready_at, last_rx, last_cmd, last_progress;
	int64_t first_read, last_read;
	uint64_t bytes_seen;
	uint64_t until_idle_ms;
	unsigned redir_port;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* ---- the client's callbacks ---- */

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

static int op_read(void *arg, uint64_t off, uint8_t *buf, size_t n)
{
	struct run *r = arg;
	while (n > 0) {
		ssize_t k = pread(r->image_fd, buf, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		off += (uint64_t)k;
		n -= (size_t)k;
	}
	return 0;
}

static void progress(struct run *r, bool final)
{
	int64_t now = verify_mono_ms();
	if (!r->tty || (!final && now - r->last_progress < PROGRESS_MS))
		return;
	r->last_progress = now;
	double secs = r->first_read ? (double)(r->last_read - r->first_read) / 1000.0 : 0;
	double mb = (double)r->ider.bytes / (1024.0 * 1024.0);
	fprintf(stderr, "\r%s ider: %llu commands, %llu blocks, %.1f MB served (%.1f MB/s)%s%s",
		VERIFY_PROG, (unsigned long long)r->ider.commands, (unsigned long long)r->ider.blocks,
		mb, secs > 0.05 ? mb / secs : 0.0,
		r->ider.resets ? ", host reset" : "", final ? "\n" : "   ");
}

static void op_event(void *arg, enum ider_client_event ev)
{
	struct run *r = arg;
	int64_t now = verify_mono_ms();
	switch (ev) {
	case IDER_EV_READY:
		r->ready_at = r->last_cmd = now;
		break;
	case IDER_EV_COMMAND:
		r->last_cmd = now;
		if (r->ider.last_op == SCSI_READ10 || r->ider.last_op == SCSI_READ12 ||
		    r->ider.last_op == SCSI_READ6) {
			if (!r->first_read)
				r->first_read = now;
		}
		break;
	case IDER_EV_RESET:
		r->last_cmd = now;
		if (r->tty)
			fprintf(stderr, "\r\n%s ider: %s: the host was reset\n", VERIFY_PROG,
				repair_name(r->t));
		break;
	case IDER_EV_ERROR:
		if (r->tty)
			fprintf(stderr, "\r\n%s ider: %s: AMT abandoned a command (IDE-R error)\n",
				VERIFY_PROG, repair_name(r->t));
		break;
	}
}

static const struct ider_client_ops ops = {op_send, op_read, op_event};

/* ---- the loop ---- */

static int fail_line(struct run *r, int code, const char *why)
{
	if (r->tty)
		fputc('\n', stderr);
	fprintf(stderr, "%s ider: %s: %s\n", VERIFY_PROG, repair_name(r->t), why);
	return code;
}

static int session_failed(struct run *r)
{
	int code = r->ider.failure == SOL_F_AUTH	? REPAIR_EXIT_AUTH
		   : r->ider.failure == SOL_F_REFUSED ? REPAIR_EXIT_REFUSED
						      : VERIFY_EXIT_PROTOCOL;
	return fail_line(r, code, r->ider.why);
}

static int flush_out(struct run *r)
{
	while (r->out_len) {
		ssize_t n = redir_conn_write(&r->conn, r->out, r->out_len);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		memmove(r->out, r->out + n, r->out_len - (size_t)n);
		r->out_len -= (size_t)n;
	}
	return 0;
}

/* Run until until_state is reached (IDER_C_RUNNING: the set-up), or to the
 * end (-1). 0 when reached / ended normally, else an exit code. */
static int loop(struct run *r, int until_state)
{
	uint8_t buf[16384];
	int64_t end_at = 0;
	for (;;) {
		int64_t now = verify_mono_ms();
		enum ider_client_state st = r->ider.state;
		if (st == IDER_C_FAILED)
			return session_failed(r);
		if (r->out_full)
			return fail_line(r, VERIFY_EXIT_NETWORK, "AMT does not take what is sent (4 MiB queued)");
		if (until_state >= 0 && (int)st == until_state)
			return VERIFY_EXIT_OK;
		if (st == IDER_C_CLOSED && r->out_len == 0)
			return VERIFY_EXIT_OK;
		if (until_state >= 0 && now - r->start > SETUP_MS)
			return fail_line(r, VERIFY_EXIT_NETWORK,
					 "AMT did not start the IDE-R session within 20 s");
		if (now - r->last_rx > SILENCE_MS)
			return fail_line(r, VERIFY_EXIT_NETWORK, "AMT stopped answering (nothing for 30 s)");
		if (until_state < 0 && !end_at &&
		    (stop_signal || (r->until_idle_ms && now - r->last_cmd > (int64_t)r->until_idle_ms))) {
			ider_client_stop(&r->ider);
			end_at = now + END_MS;
		}
		if (end_at && now >= end_at)
			return VERIFY_EXIT_OK; /* AMT did not confirm the end: we are done anyway */
		if (r->out_len < OUT_HIGH && r->ider.reading)
			ider_client_pump(&r->ider, OUT_HIGH - r->out_len);

		struct pollfd p = {r->conn.fd, POLLIN, 0};
		if (r->out_len)
			p.events |= POLLOUT;
		int wait = redir_conn_pending(&r->conn) || (r->ider.reading && r->out_len < OUT_HIGH)
				   ? 0
				   : 250;
		int rc = poll(&p, 1, wait);
		if (rc < 0 && errno != EINTR)
			return fail_line(r, VERIFY_EXIT_NETWORK, "poll failed");
		if (p.revents & (POLLIN | POLLHUP | POLLERR) || redir_conn_pending(&r->conn)) {
			ssize_t n = redir_conn_read(&r->conn, buf, sizeof(buf));
			if (n < 0) {
				if (until_state >= 0)
					return fail_line(r, VERIFY_EXIT_NETWORK,
							 "AMT closed the connection during set-up");
				r->ider.closed_by_amt = r->ider.state != IDER_C_ENDING;
				return VERIFY_EXIT_OK; /* the device ended the session */
			}
			if (n > 0) {
				r->last_rx = verify_mono_ms();
				ider_client_feed(&r->ider, buf, (size_t)n);
			}
		}
		if (r->out_len && flush_out(r) != 0)
			return fail_line(r, VERIFY_EXIT_NETWORK, "the connection to AMT failed while sending");
		if (r->ider.bytes != r->bytes_seen) { /* the rate counts from the first read to the last */
			r->bytes_seen = r->ider.bytes;
			r->last_read = verify_mono_ms();
		}
		progress(r, false);
	}
}

/* ---- WS-Man: may IDE-R be used, and what is the power state ---- */

static int check_amt(struct run *r, struct wsman_client *wc, bool boot, struct repair_power *p)
{
	struct repair_target *t = r->t;
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	int rc = wsman_get(wc, WSMAN_AMT_URI("AMT_RedirectionService"), NULL, 0, &doc, &inst, &e);
	if (rc != 0)
		return repair_wsman_fail(t, "reading AMT_RedirectionService", rc, &e);
	const char *es = wsman_child_text(inst, "EnabledState");
	const char *le = wsman_child_text(inst, "ListenerEnabled");
	unsigned long state = es ? strtoul(es, NULL, 10) : 0;
	bool ider_on = state >= 32768 && (state & 1u), listener = le && !strcmp(le, "true");
	char listener_text[16];
	snprintf(listener_text, sizeof(listener_text), "%s", le ? le : "?");
	xmlFreeDoc(doc); /* es and le point into it */
	if (!ider_on || !listener) {
		fprintf(stderr, "%s ider: %s: AMT refuses IDE-R: %s (AMT_RedirectionService "
				"EnabledState %lu, ListenerEnabled %s) — enable it in the MEBx or with "
				"RequestStateChange\n",
			VERIFY_PROG, repair_name(t), !ider_on ? "IDE-R is disabled" : "the redirection listener is off",
			state, listener_text);
		return REPAIR_EXIT_REFUSED;
	}
	if (boot) {
		doc = NULL;
		rc = wsman_get(wc, WSMAN_AMT_URI("AMT_BootCapabilities"), NULL, 0, &doc, &inst, &e);
		if (rc != 0)
			return repair_wsman_fail(t, "reading AMT_BootCapabilities", rc, &e);
		const char *v = wsman_child_text(inst, "IDER");
		bool can = v && !strcmp(v, "true");
		xmlFreeDoc(doc);
		if (!can) {
			fprintf(stderr, "%s ider: %s: this platform cannot boot from IDE-R "
					"(AMT_BootCapabilities.IDER is false) — serve the image with --boot "
					"none\n",
				VERIFY_PROG, repair_name(t));
			return REPAIR_EXIT_REFUSED;
		}
	}
	rc = repair_power_read(wc, p, &e);
	return rc ? repair_wsman_fail(t, "reading the power state", rc, &e) : 0;
}

/* ---- the command ---- */

enum { O_CD = REPAIR_O_COUNT, O_FLOPPY, O_BOOT, O_THEN, O_UNTIL_IDLE, O_JSON, O_REDIR_PORT };
static const struct cliopt ider_opts[] = {
	REPAIR_CLIOPTS,
	[O_CD] = {"cd", 0, "FILE", "serve FILE (an ISO image) as the CD-ROM", 0},
	[O_FLOPPY] = {"floppy", 0, "FILE", "or serve FILE (512-byte sectors) as the floppy", 0},
	[O_BOOT] = {"boot", 0, "cd|floppy|none",
		    "boot once from that drive (default: the one served), or leave the boot alone", 0},
	[O_THEN] = {"then", 0, "reset|on|none",
		    "then: reset (default when on), power on (default when off), or nothing", 0},
	[O_UNTIL_IDLE] = {"until-idle", 0, "S", "end after S seconds without a command from the host", 0},
	[O_JSON] = {"json", 0, NULL, "at the end, what was served as one JSON object", 0},
	[O_REDIR_PORT] = {"redir-port", 0, "N",
			  "another redirection port (HOST only; --port moves WS-Man)", 0},
	{NULL, 0, NULL, NULL, 0},
};
static const struct clicmd ider_cli = {
	.prog = VERIFY_PROG,
	.name = "ider",
	.args = "HOST",
	.min_args = 0,
	.max_args = 1,
	.opts = ider_opts,
	.description = "Boot the host from a recovery image: serve it read-only over IDE-R (16994,\n"
		       "--tls 16995), set the next boot to it, reset or power on, and serve until\n"
		       "Ctrl-C, --until-idle, or the device ends the session.\n",
	.footer = "Exit: 0 done, 1 AMT refused (IDE-R disabled, another session, consent), 2 usage,\n"
		  "4 credentials, 8 network, 10 protocol.\n",
};

static int open_image(struct run *r, uint64_t *size)
{
	struct stat st;
	unsigned block = r->cd ? 2048u : 512u;
	r->image_fd = open(r->image, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (r->image_fd < 0 || fstat(r->image_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s ider: %s %s: %s\n", VERIFY_PROG, r->cd ? "--cd" : "--floppy", r->image,
			r->image_fd < 0 ? strerror(errno) : "not a regular file");
		return VERIFY_EXIT_USAGE;
	}
	if (st.st_size <= 0 || st.st_size % block) {
		fprintf(stderr, "%s ider: %s %s: %lld bytes is not a whole number of %u-byte %s\n",
			VERIFY_PROG, r->cd ? "--cd" : "--floppy", r->image, (long long)st.st_size, block,
			r->cd ? "blocks (an ISO image)" : "sectors (a floppy image)");
		return VERIFY_EXIT_USAGE;
	}
	*size = (uint64_t)st.st_size;
	return VERIFY_EXIT_OK;
}

static void print_json(struct run *r, const char *boot, const char *then, const char *ended)
{
	double secs = r->first_read ? (double)(r->last_read - r->first_read) / 1000.0 : 0;
	json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:s}", "schema", 1,
			      "host", repair_name(r->t), "image", r->image, "device",
			      r->cd ? "cd" : "floppy", "boot", boot, "then", then, "commands",
			      (json_int_t)r->ider.commands, "blocks", (json_int_t)r->ider.blocks,
			      "bytes", (json_int_t)r->ider.bytes, "resets", (json_int_t)r->ider.resets,
			      "read_seconds", secs, "ended", ended);
	json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

static int serve(struct run *r, const char *boot, const char *then)
{
	char host[256], name[256], err[512];
	unsigned port;
	uint64_t size = 0;
	struct repair_target *t = r->t;
	struct wsman_client *wc = NULL;
	struct repair_power p;
	uint32_t rv = 0;
	int ex = open_image(r, &size);
	if (ex)
		return ex;
	wsman_global_init();
	ex = repair_wsman(t, &wc);
	if (!ex)
		ex = check_amt(r, wc, strcmp(boot, "none") != 0, &p);
	if (ex)
		goto out;
	if (!strcmp(then, "default"))
		then = p.state == 2 ? "reset" : "on";
	unsigned wsman_port = t->port;
	t->port = r->redir_port;
	ex = repair_resolve(t, t->tls ? REDIR_TLS_PORT : REDIR_PORT, host, sizeof(host), &port, name,
			    sizeof(name));
	t->port = wsman_port;
	if (ex)
		goto out;
	if (redir_conn_open(&r->conn, t, host, port, name, err, sizeof(err)) != 0) {
		ex = fail_line(r, VERIFY_EXIT_NETWORK, err);
		goto out;
	}
	uint8_t mode = strcmp(then, "none") ? IDER_START_ONREBOOT : IDER_START_GRACEFUL;
	if (ider_client_init(&r->ider, &ops, r, t->user, (const char *)t->password, true, r->cd, size,
			     mode) != 0) {
		ex = fail_line(r, VERIFY_EXIT_USAGE, "the user name or password is longer than 255 bytes");
		goto out;
	}
	r->start = r->last_rx = verify_mono_ms();
	ider_client_start(&r->ider);
	ex = loop(r, IDER_C_RUNNING);
	if (ex)
		goto out;
	if (strcmp(boot, "none") != 0) {
		ex = repair_boot_next(t, wc, false, !strcmp(boot, "cd") ? 1 : 0, NULL);
		if (ex)
			goto out;
	}
	if (strcmp(then, "none") != 0) {
		ex = repair_power_change(t, wc, &p, !strcmp(then, "reset") ? 10 : 2, &rv);
		if (ex)
			goto out;
	}
	if (r->tty)
		fprintf(stderr, "%s ider: %s: serving %s as the %s%s%s; Ctrl-C ends\n", VERIFY_PROG,
			repair_name(t), r->image, r->cd ? "CD-ROM" : "floppy",
			strcmp(boot, "none") ? ", the next boot uses it" : "",
			!strcmp(then, "reset") ? ", reset requested" : !strcmp(then, "on") ? ", power on requested" : "");
	r->last_rx = verify_mono_ms();
	ex = loop(r, -1);
	progress(r, true);
	if (!ex && r->json)
		print_json(r, boot, then, stop_signal ? "signal" : r->ider.closed_by_amt ? "device" : "idle");
out:
	wsman_client_free(wc);
	wsman_global_cleanup();
	return ex;
}

int cmd_ider(int argc, char **argv)
{
	struct repair_target t;
	static struct run r;
	struct cliopt_result cr;
	const char *boot = NULL, *then = "default";
	unsigned long idle = 0;
	int ex, next, images = 0;
	struct sigaction sa;

	memset(&r, 0, sizeof(r));
	redir_conn_init(&r.conn);
	r.image_fd = -1;
	r.t = &t;
	repair_target_init(&t, "ider");
	int st = cliopt_parse(&ider_cli, argc, argv, &cr, stdout, stderr);
	if (st != CLIOPT_OK)
		return st == CLIOPT_HELP ? VERIFY_EXIT_OK : VERIFY_EXIT_USAGE;
	for (int i = 0; i < cr.nhits; i++) {
		const char *v = cr.hits[i].value;
		switch (cr.hits[i].opt) {
		case O_CD: r.image = v; r.cd = true; images++; break;
		case O_FLOPPY: r.image = v; r.cd = false; images++; break;
		case O_BOOT: boot = v; break;
		case O_THEN: then = v; break;
		case O_JSON: r.json = true; break;
		case O_REDIR_PORT: {
			unsigned long n;
			if (cliopt_ulong(&ider_cli, stderr, O_REDIR_PORT, v, 1, 65535, &n) != 0)
				return VERIFY_EXIT_USAGE;
			r.redir_port = (unsigned)n;
			break;
		}
		case O_UNTIL_IDLE:
			if (cliopt_ulong(&ider_cli, stderr, O_UNTIL_IDLE, v, 1, 86400, &idle) != 0)
				return VERIFY_EXIT_USAGE;
			break;
		default:
			if (repair_option(&t, &ider_cli, cr.hits[i].opt, v) < 0)
				return VERIFY_EXIT_USAGE;
		}
	}
	if (!boot)
		boot = r.cd ? "cd" : "floppy";
	if (images != 1 || (strcmp(boot, "cd") && strcmp(boot, "floppy") && strcmp(boot, "none")) ||
	    (strcmp(then, "default") && strcmp(then, "reset") && strcmp(then, "on") &&
	     strcmp(then, "none"))) {
		cliopt_fail(&ider_cli, stderr, "give one of --cd FILE or --floppy FILE; --boot takes cd, "
					       "floppy or none; --then reset, on or none");
		return VERIFY_EXIT_USAGE;
	}
	ex = repair_target_finish(&t, &ider_cli, &cr, &next);
	if (ex != VERIFY_EXIT_OK)
		goto out;
	if (r.redir_port && t.via_tunnel) {
		cliopt_fail(&ider_cli, stderr, "--redir-port is for HOST, not --via-tunnel");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	if (next != cr.nargs) {
		cliopt_fail(&ider_cli, stderr, "too many arguments");
		ex = VERIFY_EXIT_USAGE;
		goto out;
	}
	r.until_idle_ms = (uint64_t)idle * 1000u;
	r.tty = isatty(STDERR_FILENO);
	r.out = malloc(OUT_MAX);
	if (!r.out) {
		ex = fail_line(&r, VERIFY_EXIT_NETWORK, "out of memory");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ex = serve(&r, boot, then);
out:
	ider_client_free(&r.ider);
	redir_conn_close(&r.conn);
	if (r.image_fd >= 0)
		close(r.image_fd);
	free(r.out);
	repair_target_free(&t);
	return ex;
}
