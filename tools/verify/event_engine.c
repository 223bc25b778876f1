// SPDX-License-Identifier: Apache-2.0
/*
 * event_engine.c - run programs for stored WS-Events (see event_engine.h).
 *
 * All in the listener's libevent loop: a run is spawned when a slot is
 * free, its end is seen through SIGCHLD (an evsignal: waitpid(WNOHANG) for
 * each run), its time limit through a timer event. Nothing waits.
 */
#include "event_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alertdoc.h"
#include "eventfmt.h"
#include "log.h"

#define KILL_GRACE_MS 2000

struct run {
	struct engine *e;
	int rule;
	pid_t pid; /* 0 while waiting */
	int64_t queued_ms, start_ms;
	struct event *timer;
	bool term_sent, timed_out;
	int64_t alert_event_id;
	char message_id[16];
	char device[64];
	char *env[10];
	char *json; /* the event's line */
};

struct engine {
	struct event_base *base;
	struct store *store;
	struct engine_rule rules[ENGINE_RULES_MAX];
	size_t nrules;
	unsigned timeout_s, max_running;
	bool json, stopping;
	struct event *sigchld;
	struct run *running[ENGINE_QUEUE_MAX];
	unsigned nrunning;
	struct run *queue[ENGINE_QUEUE_MAX]; /* waiting, oldest first */
	unsigned nqueue;
};

static bool uuid_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
					(c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

int engine_parse_rule(const char *arg, struct engine_rule *out, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	memset(out, 0, sizeof(*out));
	if (!eq || eq == arg || !eq[1]) {
		snprintf(err, errlen, "--on-event \"%.80s\": expected MATCH=PROGRAM, e.g. "
				      "iAMT0036=/usr/local/bin/page-helpdesk", arg);
		return -1;
	}
	const char *at = memchr(arg, '@', (size_t)(eq - arg));
	size_t glen = (size_t)((at ? at : eq) - arg);
	if (glen == 0 || glen >= sizeof(out->glob)) {
		snprintf(err, errlen, "--on-event: the MessageID pattern must be 1..%zu characters",
			 sizeof(out->glob) - 1);
		return -1;
	}
	memcpy(out->glob, arg, glen);
	if (at) {
		size_t dlen = (size_t)(eq - at - 1);
		if (dlen >= sizeof(out->device)) {
			snprintf(err, errlen, "--on-event: @%.*s is not a device UUID", (int)dlen,
				 at + 1);
			return -1;
		}
		memcpy(out->device, at + 1, dlen);
		if (!uuid_ok(out->device)) {
			snprintf(err, errlen, "--on-event: @%s is not a device UUID", out->device);
			return -1;
		}
		for (char *p = out->device; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
	}
	const char *prog = eq + 1;
	if (prog[0] == '/') {
		if (strlen(prog) >= sizeof(out->program)) {
			snprintf(err, errlen, "--on-event: the program path is too long");
			return -1;
		}
		memcpy(out->program, prog, strlen(prog) + 1);
	} else if (!realpath(prog, out->program)) {
		snprintf(err, errlen, "--on-event: cannot find the program %.200s: %s — give its "
				      "path (it is run without a shell)", prog, strerror(errno));
		return -1;
	}
	struct stat sb;
	if (stat(out->program, &sb) != 0 || !S_ISREG(sb.st_mode) || access(out->program, X_OK) != 0) {
		snprintf(err, errlen, "--on-event: %.200s is not an executable file — give the path "
				      "of a program (it is run without a shell)", out->program);
		return -1;
	}
	return 0;
}

/* ---- outcomes ---- */

static void run_free(struct run *r)
{
	if (!r)
		return;
	if (r->timer)
		event_free(r->timer);
	for (size_t i = 0; i < sizeof(r->env) / sizeof(r->env[0]); i++)
		free(r->env[i]);
	free(r->json);
	free(r);
}

static void record(struct engine *e, struct run *r, const char *outcome, int status, int sig)
{
	struct store_event ev = {0};
	char err[512];
	int64_t dur = r->start_ms ? verify_mono_ms() - r->start_ms : 0;
	json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:b, s:I}", "alert_event_id",
			      (json_int_t)r->alert_event_id, "message_id", r->message_id, "program",
			      e->rules[r->rule].program, "outcome", outcome, "exit_status",
			      status >= 0 ? json_integer(status) : json_null(), "signal",
			      sig > 0 ? json_integer(sig) : json_null(), "timed_out", r->timed_out,
			      "duration_ms", (json_int_t)dur);
	const char *uuid = uuid_ok(r->device) ? r->device : NULL;
	if (!d || store_add_event(e->store, "action", uuid, NULL, d, &ev, err, sizeof(err)) != 0) {
		log_error("on-event %s for event %lld: %s — not recorded (%s)",
			  e->rules[r->rule].program, (long long)r->alert_event_id, outcome,
			  d ? err : "out of memory");
	} else if (event_print(stdout, &ev, e->json) != 0) {
		log_error("cannot print an action event");
	}
	json_decref(d);
}

/* ---- running ---- */

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	struct timeval grace = {KILL_GRACE_MS / 1000, (KILL_GRACE_MS % 1000) * 1000};
	(void)fd;
	(void)what;
	if (!r->term_sent) {
		r->term_sent = true;
		r->timed_out = true;
		log_warn("on-event %s (event %lld): still running after %u s — terminating it",
			 r->e->rules[r->rule].program, (long long)r->alert_event_id, r->e->timeout_s);
		kill(-r->pid, SIGTERM);
		event_add(r->timer, &grace);
	} else {
		kill(-r->pid, SIGKILL);
	}
}

/* 0 started, -1 not (recorded). */
static int spawn(struct engine *e, struct run *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int p[2] = {-1, -1}, rc;
	char *argv[] = {e->rules[r->rule].program, NULL};

	if (pipe2(p, O_CLOEXEC) != 0) {
		record(e, r, "not started: no pipe", -1, 0);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO); /* stdout is our event stream */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&r->pid, argv[0], &fa, &at, argv, r->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		char why[160];
		snprintf(why, sizeof(why), "not started: %s", strerror(rc));
		record(e, r, why, -1, 0);
		return -1;
	}
	/* one JSON line, far below a pipe's buffer: the write does not block */
	size_t len = strlen(r->json);
	if (write(p[1], r->json, len) != (ssize_t)len || write(p[1], "\n", 1) != 1)
		log_warn("on-event %s: the program did not read the event", argv[0]);
	close(p[1]);
	r->start_ms = verify_mono_ms();
	struct timeval tv = {(time_t)e->timeout_s, 0};
	r->timer = evtimer_new(e->base, on_timeout, r);
	if (r->timer)
		evtimer_add(r->timer, &tv);
	log_info("on-event: %s started for event %lld (%s)", argv[0], (long long)r->alert_event_id,
		 r->message_id);
	return 0;
}

static void dispatch(struct engine *e)
{
	while (!e->stopping && e->nqueue && e->nrunning < e->max_running) {
		struct run *r = e->queue[0];
		memmove(&e->queue[0], &e->queue[1], (e->nqueue - 1) * sizeof(e->queue[0]));
		e->nqueue--;
		if (spawn(e, r) == 0)
			e->running[e->nrunning++] = r;
		else
			run_free(r);
	}
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct engine *e = arg;
	(void)fd;
	(void)what;
	for (unsigned i = 0; i < e->nrunning;) {
		struct run *r = e->running[i];
		int st;
		pid_t p = waitpid(r->pid, &st, WNOHANG);
		if (p != r->pid) {
			i++;
			continue;
		}
		char outcome[96];
		if (WIFEXITED(st))
			snprintf(outcome, sizeof(outcome), "exit %d%s", WEXITSTATUS(st),
				 r->timed_out ? " (timed out)" : "");
		else
			snprintf(outcome, sizeof(outcome), "killed by signal %d%s", WTERMSIG(st),
				 r->timed_out ? " (timed out)" : "");
		record(e, r, outcome, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
		       WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		kill(-r->pid, SIGKILL); /* whatever it left in its group */
		e->running[i] = e->running[--e->nrunning];
		run_free(r);
	}
	dispatch(e);
}

static char *env_var(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

void engine_alert(struct engine *e, const struct store_event *ev, const char *message_id,
		  const char *device)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nrules; i++) {
		const struct engine_rule *rule = &e->rules[i];
		if (fnmatch(rule->glob, message_id, 0) != 0 ||
		    (rule->device[0] && strcmp(rule->device, device) != 0))
			continue;
		if (e->stopping || e->nqueue >= ENGINE_QUEUE_MAX) {
			log_warn("on-event %s: not run for event %lld: %s", rule->program,
				 (long long)ev->id, e->stopping ? "stopping" : "too many waiting");
			continue;
		}
		struct run *r = calloc(1, sizeof(*r));
		json_t *o = store_event_json(ev);
		char id[24];
		if (!r || !o) {
			free(r);
			json_decref(o);
			log_error("on-event %s: out of memory", rule->program);
			continue;
		}
		r->e = e;
		r->rule = (int)i;
		r->alert_event_id = ev->id;
		r->queued_ms = verify_mono_ms();
		snprintf(r->message_id, sizeof(r->message_id), "%s", message_id);
		snprintf(r->device, sizeof(r->device), "%s", device);
		r->json = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		char *args = json_dumps(json_object_get(ev->detail, "arguments"),
					JSON_COMPACT | JSON_ENSURE_ASCII);
		json_t *sev = json_object_get(ev->detail, "severity");
		snprintf(id, sizeof(id), "%lld", (long long)ev->id);
		r->env[0] = env_var("PATH", "/usr/local/bin:/usr/bin:/bin");
		r->env[1] = env_var("AMT_EVENT_ID", id);
		r->env[2] = env_var("AMT_EVENT_MESSAGE_ID", message_id);
		r->env[3] = env_var("AMT_EVENT_DEVICE", device);
		r->env[4] = env_var("AMT_EVENT_SOURCE", ev->source ? ev->source : "");
		r->env[5] = env_var("AMT_EVENT_TIME", ev->time);
		r->env[6] = env_var("AMT_EVENT_SEVERITY",
				    json_is_integer(sev)
					    ? alertdoc_severity_name((uint32_t)json_integer_value(sev))
					    : "unknown");
		r->env[7] = env_var("AMT_EVENT_ARGUMENTS", args ? args : "[]");
		free(args);
		json_decref(o);
		bool ok = r->json != NULL;
		for (int k = 0; k < 8; k++)
			ok = ok && r->env[k];
		if (!ok) {
			run_free(r);
			log_error("on-event %s: out of memory", rule->program);
			continue;
		}
		e->queue[e->nqueue++] = r;
	}
	dispatch(e);
}

unsigned engine_busy(const struct engine *e)
{
	return e ? e->nrunning + e->nqueue : 0;
}

struct engine *engine_new(struct event_base *base, struct store *store,
			  const struct engine_rule *rules, size_t nrules, unsigned timeout_s,
			  unsigned max_running, bool json)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e || nrules > ENGINE_RULES_MAX) {
		free(e);
		return NULL;
	}
	e->base = base;
	e->store = store;
	memcpy(e->rules, rules, nrules * sizeof(rules[0]));
	e->nrules = nrules;
	e->timeout_s = timeout_s ? timeout_s : ENGINE_DEFAULT_TIMEOUT_S;
	e->max_running = max_running ? max_running : ENGINE_DEFAULT_MAX_RUNNING;
	if (e->max_running > ENGINE_QUEUE_MAX)
		e->max_running = ENGINE_QUEUE_MAX;
	e->json = json;
	e->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, e);
	if (!e->sigchld || evsignal_add(e->sigchld, NULL) != 0) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void engine_stop(struct engine *e)
{
	if (!e)
		return;
	e->stopping = true;
	for (unsigned i = 0; i < e->nqueue; i++) {
		record(e, e->queue[i], "not run: the listener stopped", -1, 0);
		run_free(e->queue[i]);
	}
	e->nqueue = 0;
	for (unsigned i = 0; i < e->nrunning; i++)
		kill(-e->running[i]->pid, SIGTERM);
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nrunning; i++) {
		int st;
		kill(-e->running[i]->pid, SIGKILL);
		waitpid(e->running[i]->pid, &st, 0);
		run_free(e->running[i]);
	}
	for (unsigned i = 0; i < e->nqueue; i++)
		run_free(e->queue[i]);
	if (e->sigchld)
		event_free(e->sigchld);
	free(e);
}
