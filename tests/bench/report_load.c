// SPDX-License-Identifier: Apache-2.0
/*
 * report_load.c - load generator for amt-verify listen's receivers (make
 * bench): N simulated agents at once, each in a loop of one fresh
 * connection per message, for a bounded time and count, on loopback only.
 *
 *   report_load reports --connect 127.0.0.1:8443[,127.0.0.1:8444] --ca CA
 *               --cert CERT --key KEY [--concurrency 200] [--seconds 10]
 *               [--count N]
 *   report_load hello --connect 127.0.0.1:9971 [...]
 *
 * reports: a new TCP connection, a TLS handshake with the client
 * certificate (mutual TLS, no session reuse: every agent starts afresh), one
 * POST of a report with a report_id of its own, the answer read, the
 * connection closed; hello: a new TCP connection, one hello packet (PKI,
 * one SHA-256 hash), closed. Targets are taken in turn. Prints one line:
 * messages, answers by status, rate, latency p50/p99 (connect to answer).
 * Must not: connect anywhere but loopback; run longer than --seconds or
 * past --count; be part of make check (figures, never pass/fail).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_TARGETS 8
#define HIST_MS 60000

struct load {
	bool hello;
	struct sockaddr_in target[MAX_TARGETS];
	int ntargets, next_target;
	SSL_CTX *ssl;
	struct event_base *base;
	unsigned concurrency;
	double seconds;
	unsigned long count, started, done, failed, status[6]; /* 2xx..5xx by first digit */
	unsigned long s201, s200, s503;
	int64_t t0, deadline;
	uint32_t *hist;
	unsigned active;
};

struct agent {
	struct load *l;
	struct bufferevent *bev;
	int64_t start;
	bool got_status;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void start_one(struct agent *a);

static void finish(struct agent *a, bool ok)
{
	struct load *l = a->l;
	int64_t ms = now_ms() - a->start;

	if (a->bev) {
		bufferevent_free(a->bev);
		a->bev = NULL;
	}
	l->done++;
	if (!ok)
		l->failed++;
	else
		l->hist[ms < HIST_MS ? ms : HIST_MS - 1]++;
	if (now_ms() < l->deadline && (!l->count || l->started < l->count)) {
		start_one(a);
		return;
	}
	l->active--;
	if (l->active == 0)
		event_base_loopbreak(l->base);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct agent *a = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);
	char line[16];

	if (a->got_status || n < 12)
		return;
	evbuffer_copyout(in, line, 12);
	line[12] = '\0';
	if (memcmp(line, "HTTP/1.", 7) != 0) {
		finish(a, false);
		return;
	}
	a->got_status = true;
	if (line[9] >= '1' && line[9] <= '5')
		a->l->status[line[9] - '0']++;
	if (!memcmp(line + 9, "201", 3))
		a->l->s201++;
	else if (!memcmp(line + 9, "200", 3))
		a->l->s200++;
	else if (!memcmp(line + 9, "503", 3))
		a->l->s503++;
	/* the answer is one small JSON line: its status is all we need */
	finish(a, line[9] == '2');
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct agent *a = arg;

	if (what & BEV_EVENT_CONNECTED) {
		if (a->l->hello) {
			/* flushed by on_write; the listener closes after one hello */
		}
		return;
	}
	if (a->l->hello && (what & BEV_EVENT_EOF)) {
		finish(a, true); /* the listener took the hello and closed */
		return;
	}
	finish(a, false);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct agent *a = arg;

	/* hello: everything is out; wait for the listener's close (EOF) */
	(void)a;
}

static void hello_bytes(struct evbuffer *out, unsigned long n)
{
	uint8_t b[4 + 4 + 16 + 1 + 2 + 32];
	size_t i = 0;

	b[i++] = 0, b[i++] = 0;             /* admin set: no (LE u16) */
	b[i++] = 3, b[i++] = 0;             /* interface version 3 (PKI) */
	b[i++] = 1, b[i++] = 0, b[i++] = 0, b[i++] = 0; /* retry 1 */
	for (int k = 0; k < 16; k++)        /* a UUID per message */
		b[i++] = (uint8_t)(k < 12 ? (unsigned long)(0x11 * (k % 15)) : n >> (8 * (k - 12)));
	b[i++] = 1;                         /* one hash */
	b[i++] = 2, b[i++] = 32;            /* SHA-256 */
	memset(b + i, 0xab, 32);
	i += 32;
	evbuffer_add(out, b, i);
}

static void report_body(struct evbuffer *out, unsigned long n)
{
	char body[700];
	int len = snprintf(body, sizeof(body),
			   "{\"type\":\"amt-agent-report\",\"schema\":1,"
			   "\"report_id\":\"%08lx-%04x-4111-8111-%012lx\","
			   "\"uuid\":\"03000200-0400-0500-0006-%012lx\","
			   "\"timestamp\":\"2026-11-22T10:00:00.000Z\",\"host_name\":\"bench-%lu\","
			   "\"provisioning_state\":\"post\",\"control_mode\":\"acm\","
			   "\"amt_version\":\"16.1.25\",\"host_id\":null,"
			   "\"cira\":{\"status\":\"not_connected\"},"
			   "\"wired\":{\"ipv4\":\"10.0.0.1\"}}",
			   (unsigned long)time(NULL) & 0xffffffffUL, (unsigned)(getpid() & 0xffff),
			   n, n % 100000, n % 100000);

	evbuffer_add_printf(out,
			    "POST /reports HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n",
			    len);
	evbuffer_add(out, body, (size_t)len);
}

static void start_one(struct agent *a)
{
	struct load *l = a->l;
	struct sockaddr_in *sa = &l->target[l->next_target++ % l->ntargets];
	unsigned long n = l->started++;

	a->start = now_ms();
	a->got_status = false;
	if (l->hello) {
		a->bev = bufferevent_socket_new(l->base, -1, BEV_OPT_CLOSE_ON_FREE);
	} else {
		SSL *ssl = SSL_new(l->ssl);
		a->bev = ssl ? bufferevent_openssl_socket_new(l->base, -1, ssl,
							      BUFFEREVENT_SSL_CONNECTING,
							      BEV_OPT_CLOSE_ON_FREE)
			     : NULL;
		if (a->bev)
			bufferevent_openssl_set_allow_dirty_shutdown(a->bev, 1);
	}
	if (!a->bev) {
		l->done++;
		l->failed++;
		l->active--;
		return;
	}
	bufferevent_setcb(a->bev, on_read, on_write, on_event, a);
	bufferevent_enable(a->bev, EV_READ | EV_WRITE);
	if (l->hello)
		hello_bytes(bufferevent_get_output(a->bev), n);
	else
		report_body(bufferevent_get_output(a->bev), n);
	if (bufferevent_socket_connect(a->bev, (struct sockaddr *)sa, sizeof(*sa)) != 0)
		finish(a, false);
}

static int64_t percentile(const struct load *l, unsigned pct)
{
	unsigned long ok = 0, seen = 0, want;

	for (int i = 0; i < HIST_MS; i++)
		ok += l->hist[i];
	want = (ok * pct + 99) / 100;
	for (int i = 0; i < HIST_MS; i++) {
		seen += l->hist[i];
		if (ok && seen >= want)
			return i;
	}
	return 0;
}

static int add_targets(struct load *l, char *spec)
{
	char *save = NULL;

	for (char *t = strtok_r(spec, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(t, ':');
		struct sockaddr_in *sa = &l->target[l->ntargets];

		if (!colon || l->ntargets >= MAX_TARGETS)
			return -1;
		*colon = '\0';
		memset(sa, 0, sizeof(*sa));
		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t)atoi(colon + 1));
		/* loopback only: a load generator must not point at a network */
		if (inet_pton(AF_INET, t, &sa->sin_addr) != 1 ||
		    (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
			return -1;
		l->ntargets++;
	}
	return l->ntargets ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"connect", required_argument, NULL, 'c'}, {"ca", required_argument, NULL, 'a'},
		{"cert", required_argument, NULL, 'C'},    {"key", required_argument, NULL, 'k'},
		{"concurrency", required_argument, NULL, 'n'}, {"seconds", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'N'},   {NULL, 0, NULL, 0}};
	struct load l = {.concurrency = 200, .seconds = 10};
	const char *ca = NULL, *cert = NULL, *key = NULL;
	struct agent *agents;
	char *targets = NULL;
	double secs;
	int c;

	if (argc < 2 || (strcmp(argv[1], "reports") && strcmp(argv[1], "hello"))) {
		fprintf(stderr, "usage: report_load reports|hello --connect 127.0.0.1:PORT[,…] "
				"[--ca F --cert F --key F] [--concurrency N] [--seconds S] [--count N]\n");
		return 2;
	}
	l.hello = !strcmp(argv[1], "hello");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': targets = optarg; break;
		case 'a': ca = optarg; break;
		case 'C': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'n': l.concurrency = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': l.seconds = strtod(optarg, NULL); break;
		case 'N': l.count = strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!targets || add_targets(&l, targets) != 0 || l.concurrency < 1 || l.concurrency > 5000 ||
	    l.seconds <= 0 || l.seconds > 600) {
		fprintf(stderr, "report_load: --connect 127.x.y.z:PORT[,…] (loopback only), "
				"--concurrency 1..5000, --seconds 0..600\n");
		return 2;
	}
	if (!l.hello) {
		l.ssl = SSL_CTX_new(TLS_client_method());
		if (!l.ssl || !ca || SSL_CTX_load_verify_locations(l.ssl, ca, NULL) != 1 ||
		    (cert && SSL_CTX_use_certificate_chain_file(l.ssl, cert) != 1) ||
		    (key && SSL_CTX_use_PrivateKey_file(l.ssl, key, SSL_FILETYPE_PEM) != 1)) {
			fprintf(stderr, "report_load: cannot load --ca/--cert/--key\n");
			return 2;
		}
		SSL_CTX_set_verify(l.ssl, SSL_VERIFY_PEER, NULL);
		/* every agent is a fresh process: no session to resume */
		SSL_CTX_set_session_cache_mode(l.ssl, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(l.ssl, SSL_OP_NO_TICKET);
	}
	l.base = event_base_new();
	l.hist = calloc(HIST_MS, sizeof(*l.hist));
	agents = calloc(l.concurrency, sizeof(*agents));
	if (!l.base || !l.hist || !agents)
		return 1;
	l.t0 = now_ms();
	l.deadline = l.t0 + (int64_t)(l.seconds * 1000);
	l.active = l.concurrency;
	for (unsigned i = 0; i < l.concurrency; i++) {
		agents[i].l = &l;
		start_one(&agents[i]);
	}
	if (l.active)
		event_base_dispatch(l.base);
	secs = (double)(now_ms() - l.t0) / 1000.0;
	printf("%s: %lu in %.1f s = %.0f/s with %u at once; %s %lu, %s %lu, %s%lu, failed %lu; "
	       "latency p50 %lld ms, p99 %lld ms\n",
	       l.hello ? "hellos" : "reports", l.done - l.failed, secs,
	       (double)(l.done - l.failed) / secs, l.concurrency, l.hello ? "sent" : "201",
	       l.hello ? l.done - l.failed : l.s201, l.hello ? "closed" : "200",
	       l.hello ? l.done - l.failed : l.s200, l.hello ? "" : "503 ", l.hello ? 0ul : l.s503,
	       l.failed, (long long)percentile(&l, 50), (long long)percentile(&l, 99));
	for (unsigned i = 0; i < l.concurrency; i++)
		if (agents[i].bev)
			bufferevent_free(agents[i].bev);
	free(agents);
	free(l.hist);
	event_base_free(l.base);
	SSL_CTX_free(l.ssl);
	return 0;
}
