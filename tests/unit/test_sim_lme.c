/*
 * test_sim_lme.c - unit tests for tools/sim/sim_lme.c, AMT's side of APF,
 * driven through the sim_me API in-process, plus an end-to-end run of the
 * host side (heci/lme.c) against it through a small heci backend that maps
 * onto sim_conn_* calls.
 *
 * Owns: the handshake AMT drives, channel relay to a stand-in service
 * (a socketpair handed out by the pluggable connect), both windows, the
 * apf_window_stall fault, EBUSY for a second host, cleanup on disconnect
 * and ME reset.
 * Must not: mount FUSE or start the real WS-Man service; assert upper
 * bounds on timing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "apf_codec.h"
#include "heci.h"
#include "lme.h"
#include "tools/sim/sim_fw.h"
#include "tools/sim/sim_lme.h"

/* The real WS-Man service, when it is in the tree: the LME default connect
 * is then checked end to end against it. */
#if defined(__has_include)
#if __has_include("tools/sim/sim_wsman.h")
#include "tools/sim/sim_wsman.h"
#define HAVE_SIM_WSMAN 1
#endif
#endif

#define WAIT_MS 2000
#define HOST_CH 7u

/* ---- stand-in service ---- */

struct svc {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;           /* manual mode: the service end of the newest stream */
	unsigned connects;
	uint32_t last_port;
	bool refuse;      /* connect fails with ECONNREFUSED */
	bool automatic;   /* a thread per stream reads the request, answers, closes */
	size_t expect_req;
	const uint8_t *resp;
	size_t resp_len;
	uint8_t got[65536]; /* automatic mode: last request received */
	size_t got_len;
	pthread_t threads[8];
	size_t nthreads;
};

static void *svc_main(void *arg);

/* One automatic stream; its script is copied at connect time. */
struct svc_conn {
	struct svc *v;
	int fd;
	size_t expect_req;
	const uint8_t *resp;
	size_t resp_len;
};

static int svc_connect(void *arg, uint32_t port)
{
	struct svc *v = arg;
	int sv[2], rc;
	pthread_mutex_lock(&v->mu);
	v->connects++;
	v->last_port = port;
	if (v->refuse) {
		rc = -ECONNREFUSED;
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = -errno;
		goto out;
	}
	rc = sv[0];
	if (v->automatic && v->nthreads < 8) {
		struct svc_conn *sc = malloc(sizeof(*sc));
		assert_non_null(sc);
		*sc = (struct svc_conn){v, sv[1], v->expect_req, v->resp, v->resp_len};
		assert_int_equal(pthread_create(&v->threads[v->nthreads++], NULL, svc_main, sc), 0);
	} else {
		if (v->fd >= 0)
			close(v->fd);
		v->fd = sv[1];
	}
	pthread_cond_broadcast(&v->cv);
out:
	pthread_mutex_unlock(&v->mu);
	return rc;
}

static void *svc_main(void *arg)
{
	struct svc_conn *sc = arg;
	struct svc *v = sc->v;
	uint8_t buf[65536];
	size_t got = 0;
	while (got < sc->expect_req) {
		ssize_t k = read(sc->fd, buf + got, sc->expect_req - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	pthread_mutex_lock(&v->mu);
	memcpy(v->got, buf, got);
	v->got_len = got;
	pthread_mutex_unlock(&v->mu);
	for (size_t off = 0; off < sc->resp_len;) {
		ssize_t k = write(sc->fd, sc->resp + off, sc->resp_len - off);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(sc->fd); /* AMT's service closes after the response */
	free(sc);
	return NULL;
}

/* Wait until the manual service end exists; returns it. */
static int svc_wait_fd(struct svc *v)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&v->mu);
	while (v->fd < 0)
		if (pthread_cond_timedwait(&v->cv, &v->mu, &ts) != 0)
			break;
	int fd = v->fd;
	pthread_mutex_unlock(&v->mu);
	assert_true(fd >= 0);
	return fd;
}

/* Read exactly n bytes from the service end, bounded. */
static void svc_read(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		ssize_t k = read(fd, (uint8_t *)buf + got, n - got);
		assert_true(k > 0);
		got += (size_t)k;
	}
}

static void svc_expect_eof(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t b;
	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	assert_int_equal(read(fd, &b, 1), 0);
}

/* ---- fixture ---- */

struct fx {
	struct sim_fw fw;
	struct svc v;
	struct sim_conn *c;
	uint8_t in[SIM_LME_MTU];
	struct apf_msg m;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	sim_state_defaults(&x->fw.st);
	x->fw.me = sim_me_new();
	assert_non_null(x->fw.me);
	char err[128];
	assert_int_equal(sim_lme_register(&x->fw, err, sizeof(err)), 0);
	assert_non_null(x->fw.lme);
	pthread_mutex_init(&x->v.mu, NULL);
	pthread_cond_init(&x->v.cv, NULL);
	x->v.fd = -1;
	sim_lme_set_connect(&x->fw, svc_connect, &x->v);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	if (x->c)
		sim_conn_close(x->c);
	sim_lme_shutdown(&x->fw);
	assert_null(x->fw.lme);
#ifdef HAVE_SIM_WSMAN
	sim_wsman_stop(x->fw.wsman); /* after the LME relay, which connects to it */
#endif
	for (size_t i = 0; i < x->v.nthreads; i++)
		pthread_join(x->v.threads[i], NULL);
	if (x->v.fd >= 0)
		close(x->v.fd);
	sim_me_free(x->fw.me);
	pthread_cond_destroy(&x->v.cv);
	pthread_mutex_destroy(&x->v.mu);
	free(x);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void host_send(struct fx *x, const struct apf_msg *m)
{
	uint8_t buf[SIM_LME_MTU];
	size_t n;
	assert_int_equal(apf_encode(m, buf, sizeof(buf), &n), 0);
	assert_int_equal(sim_conn_write(x->c, buf, n), 0);
}

/* Next AMT message into x->m (borrowing x->in); false after wait_ms. */
static bool host_recv(struct fx *x, unsigned wait_ms)
{
	for (unsigned waited = 0;; waited++) {
		long r = sim_conn_read(x->c, x->in, sizeof(x->in));
		if (r > 0) {
			assert_int_equal(apf_decode(x->in, (size_t)r, &x->m), 0);
			return true;
		}
		assert_int_equal(r, -EAGAIN);
		if (waited >= wait_ms)
			return false;
		sleep_ms(1);
	}
}

static void expect(struct fx *x, uint8_t type)
{
	assert_true(host_recv(x, WAIT_MS));
	if (x->m.type != type)
		fail_msg("expected %s, got %s", apf_msg_name(type), apf_msg_name(x->m.type));
}

static void host_connect(struct fx *x)
{
	uint32_t mtu = 0;
	uint8_t ver = 0;
	x->c = sim_conn_open(x->fw.me, NULL, NULL);
	assert_non_null(x->c);
	assert_int_equal(sim_conn_connect(x->c, HECI_GUID_LME.b, &mtu, &ver), 0);
	assert_int_equal(mtu, 8192);
	assert_int_equal(ver, 4);
}

/* Play the host (LMS) through the whole handshake, checking every step. */
static void handshake(struct fx *x)
{
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	assert_int_equal(x->m.protocol_version.major, 1);
	assert_int_equal(x->m.protocol_version.minor, 0);
	assert_memory_equal(x->m.protocol_version.uuid, x->fw.st.uuid, 16);
	struct apf_msg pv = {.type = APF_PROTOCOLVERSION,
			     .protocol_version = {.major = 1, .trigger = APF_TRIGGER_LME_REQUEST}};
	host_send(x, &pv);
	expect(x, APF_SERVICE_REQUEST);
	assert_true(apf_str_eq(x->m.service.name, APF_SERVICE_AUTH));
	struct apf_msg acc = {.type = APF_SERVICE_ACCEPT, .service = {.name = APF_STR(APF_SERVICE_AUTH)}};
	host_send(x, &acc);
	expect(x, APF_USERAUTH_REQUEST);
	assert_int_equal(x->m.userauth_request.user.len, 0);
	assert_true(apf_str_eq(x->m.userauth_request.service, APF_SERVICE_PFWD));
	assert_int_equal(x->m.userauth_request.method, APF_AUTH_METHOD_NONE);
	struct apf_msg ok = {.type = APF_USERAUTH_SUCCESS};
	host_send(x, &ok);
	expect(x, APF_SERVICE_REQUEST);
	assert_true(apf_str_eq(x->m.service.name, APF_SERVICE_PFWD));
	acc.service.name = APF_STR(APF_SERVICE_PFWD);
	host_send(x, &acc);
	static const uint32_t ports[] = {16992, 623};
	for (size_t i = 0; i < 2; i++) {
		expect(x, APF_GLOBAL_REQUEST);
		assert_int_equal(x->m.global_request.kind, APF_GREQ_TCPIP);
		assert_true(x->m.global_request.want_reply);
		assert_true(apf_str_eq(x->m.global_request.addr, "127.0.0.1"));
		assert_int_equal(x->m.global_request.port, ports[i]);
		struct apf_msg rs = {.type = APF_REQUEST_SUCCESS,
				     .request_success = {.has_port = true, .port = ports[i]}};
		host_send(x, &rs);
	}
	assert_false(host_recv(x, 20));
}

/* CHANNEL_OPEN from the host; returns AMT's channel id. */
static uint32_t open_channel(struct fx *x, uint32_t host_window)
{
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = HOST_CH,
					     .window = host_window, .reserved = APF_RESERVED_ALL_ONES,
					     .addr = APF_STR("127.0.0.1"), .port = 16992,
					     .orig_addr = APF_STR("127.0.0.1"), .orig_port = 0}};
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_CONFIRMATION);
	assert_int_equal(x->m.open_confirmation.recipient, HOST_CH);
	assert_int_equal(x->m.open_confirmation.window, SIM_LME_WINDOW);
	assert_int_not_equal(x->m.open_confirmation.sender, HOST_CH);
	return x->m.open_confirmation.sender;
}

static void host_data(struct fx *x, uint32_t amt_id, const void *p, size_t n)
{
	struct apf_msg d = {.type = APF_CHANNEL_DATA,
			    .channel_data = {.recipient = amt_id, .data = p, .len = (uint32_t)n}};
	host_send(x, &d);
}

static void host_adjust(struct fx *x, uint32_t amt_id, uint32_t n)
{
	struct apf_msg a = {.type = APF_CHANNEL_WINDOW_ADJUST,
			    .window_adjust = {.recipient = amt_id, .bytes_to_add = n}};
	host_send(x, &a);
}

/* ---- tests: AMT side alone ---- */

static void test_handshake_and_busy(void **state)
{
	struct fx *x = *state;
	handshake(x);
	/* LMS-style ownership: a second host connection is refused */
	struct sim_conn *c2 = sim_conn_open(x->fw.me, NULL, NULL);
	assert_non_null(c2);
	assert_int_equal(sim_conn_connect(c2, HECI_GUID_LME.b, NULL, NULL), -EBUSY);
	sim_conn_close(x->c);
	x->c = NULL;
	assert_int_equal(sim_conn_connect(c2, HECI_GUID_LME.b, NULL, NULL), 0);
	sim_conn_close(c2);
}

static void test_channel_relay(void **state)
{
	struct fx *x = *state;
	static const char req[] = "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	uint8_t buf[128];

	handshake(x);
	uint32_t id = open_channel(x, 4096);
	assert_int_equal(x->v.connects, 1);
	assert_int_equal(x->v.last_port, 16992);
	int fd = svc_wait_fd(&x->v);

	host_data(x, id, req, sizeof(req) - 1);
	svc_read(fd, buf, sizeof(req) - 1);
	assert_memory_equal(buf, req, sizeof(req) - 1);
	/* the bytes the service took are credited back */
	expect(x, APF_CHANNEL_WINDOW_ADJUST);
	assert_int_equal(x->m.window_adjust.recipient, HOST_CH);
	assert_int_equal(x->m.window_adjust.bytes_to_add, sizeof(req) - 1);

	assert_int_equal(write(fd, resp, sizeof(resp) - 1), (ssize_t)(sizeof(resp) - 1));
	close(fd);
	x->v.fd = -1;
	size_t got = 0;
	for (;;) {
		assert_true(host_recv(x, WAIT_MS));
		if (x->m.type == APF_CHANNEL_CLOSE)
			break;
		assert_int_equal(x->m.type, APF_CHANNEL_DATA);
		assert_int_equal(x->m.channel_data.recipient, HOST_CH);
		memcpy(buf + got, x->m.channel_data.data, x->m.channel_data.len);
		got += x->m.channel_data.len;
	}
	assert_int_equal(x->m.channel_close.recipient, HOST_CH);
	assert_int_equal(got, sizeof(resp) - 1);
	assert_memory_equal(buf, resp, got);
	struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = id}};
	host_send(x, &c);
	assert_false(host_recv(x, 20)); /* no second close */
	/* a stale close for the same id later is ignored */
	host_send(x, &c);
	assert_false(host_recv(x, 20));
	/* and the next channel works */
	uint32_t id2 = open_channel(x, 4096);
	assert_int_not_equal(id2, id);
}

static void test_host_closes_first(void **state)
{
	struct fx *x = *state;
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	struct apf_msg c = {.type = APF_CHANNEL_CLOSE, .channel_close = {.recipient = id}};
	host_send(x, &c);
	expect(x, APF_CHANNEL_CLOSE);
	assert_int_equal(x->m.channel_close.recipient, HOST_CH);
	svc_expect_eof(fd);
}

static void test_open_refused(void **state)
{
	struct fx *x = *state;
	handshake(x);
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = 3, .window = 100,
					     .reserved = APF_RESERVED_ALL_ONES,
					     .addr = APF_STR("127.0.0.1"), .port = 623,
					     .orig_addr = APF_STR("127.0.0.1")}};
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.recipient, 3);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	assert_int_equal(x->v.connects, 0);

	o.channel_open.kind = APF_CHAN_DIRECT;
	o.channel_open.port = 16992;
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);

	/* the service refuses the stream */
	x->v.refuse = true;
	o.channel_open.kind = APF_CHAN_FORWARDED;
	o.channel_open.port = 16993;
	host_send(x, &o);
	expect(x, APF_CHANNEL_OPEN_FAILURE);
	assert_int_equal(x->m.open_failure.reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	assert_int_equal(x->v.last_port, 16993);
}

static void test_host_window_honoured(void **state)
{
	struct fx *x = *state;
	static const char body[] = "0123456789abcdefghijklmno"; /* 25 */
	uint8_t got[32];
	size_t n = 0;
	handshake(x);
	uint32_t id = open_channel(x, 10);
	int fd = svc_wait_fd(&x->v);
	assert_int_equal(write(fd, body, 25), 25);
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 10);
	memcpy(got, x->m.channel_data.data, 10);
	n = 10;
	assert_false(host_recv(x, 50)); /* window shut: AMT waits */
	host_adjust(x, id, 10);
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 10);
	memcpy(got + n, x->m.channel_data.data, 10);
	n += 10;
	host_adjust(x, id, 1000);
	close(fd);
	x->v.fd = -1;
	expect(x, APF_CHANNEL_DATA);
	assert_int_equal(x->m.channel_data.len, 5);
	memcpy(got + n, x->m.channel_data.data, 5);
	assert_memory_equal(got, body, 25);
	expect(x, APF_CHANNEL_CLOSE);
}

static void test_amt_window_enforced(void **state)
{
	struct fx *x = *state;
	static uint8_t big[SIM_LME_WINDOW + 1];
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	(void)svc_wait_fd(&x->v);
	host_data(x, id, big, sizeof(big)); /* one byte past AMT's window */
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	/* then silence, and the stream is closed */
	host_data(x, id, big, 1);
	assert_false(host_recv(x, 20));
	svc_expect_eof(x->v.fd);
}

static void test_window_stall(void **state)
{
	struct fx *x = *state;
	static uint8_t big[SIM_LME_WINDOW];
	uint8_t *sink = malloc(SIM_LME_WINDOW);
	assert_non_null(sink);
	x->fw.st.apf_window_stall = true;
	handshake(x);
	uint32_t id = open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	memset(big, 'w', sizeof(big));
	host_data(x, id, big, 3000);
	host_data(x, id, big, SIM_LME_WINDOW - 3000); /* exactly the first window */
	svc_read(fd, sink, SIM_LME_WINDOW);           /* the service got it all... */
	assert_false(host_recv(x, 50));               /* ...but no WINDOW_ADJUST came */
	host_data(x, id, big, 1);                     /* a host that overruns is caught */
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	free(sink);
}

static void test_protocol_errors(void **state)
{
	struct fx *x = *state;
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	/* a channel before the handshake finished */
	struct apf_msg o = {.type = APF_CHANNEL_OPEN,
			    .channel_open = {.kind = APF_CHAN_FORWARDED, .sender = 1, .window = 1,
					     .addr = APF_STR("127.0.0.1"), .port = 16992,
					     .orig_addr = APF_STR("127.0.0.1")}};
	host_send(x, &o);
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(x->v.connects, 0);
	sim_conn_close(x->c);

	/* garbage, then a reconnect starts over */
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	static const uint8_t junk[] = {0x77, 0, 1};
	assert_int_equal(sim_conn_write(x->c, junk, sizeof(junk)), 0);
	expect(x, APF_DISCONNECT);
	sim_conn_close(x->c);

	/* a host announcing APF 0.x */
	host_connect(x);
	expect(x, APF_PROTOCOLVERSION);
	struct apf_msg pv = {.type = APF_PROTOCOLVERSION, .protocol_version = {.major = 0}};
	host_send(x, &pv);
	expect(x, APF_DISCONNECT);
	assert_int_equal(x->m.disconnect.reason, APF_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED);
}

static void test_disconnect_and_reset_close_streams(void **state)
{
	struct fx *x = *state;
	handshake(x);
	(void)open_channel(x, 4096);
	int fd = svc_wait_fd(&x->v);
	sim_conn_close(x->c);
	x->c = NULL;
	svc_expect_eof(fd);

	close(x->v.fd);
	x->v.fd = -1;
	handshake(x); /* the client is free again */
	(void)open_channel(x, 4096);
	fd = svc_wait_fd(&x->v);
	sim_me_reset(x->fw.me);
	svc_expect_eof(fd);
	assert_int_equal(sim_conn_read(x->c, x->in, sizeof(x->in)), -ENODEV);
}

/* ---- end to end: heci/lme.c over the simulated ME ---- */

/* A heci backend onto sim_conn_*; the ME comes in heci_callback_fw()->arg. */
struct simdev {
	struct sim_conn *c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void simdev_wake(void *ctx)
{
	struct simdev *d = ctx;
	pthread_mutex_lock(&d->mu);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static int errno_to_heci(long e)
{
	switch (e) {
	case -EBUSY: return HECI_E_BUSY;
	case -ENOTTY: return HECI_E_CLIENT_NOT_FOUND;
	case -ENODEV: return HECI_E_DISCONNECTED;
	case -EFBIG: return HECI_E_TOO_BIG;
	default: return HECI_E_IO;
	}
}

static int sd_open(struct heci *h, const char *path)
{
	struct simdev *d = heci_backend_data(h);
	(void)path;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return HECI_E_NOMEM;
		pthread_mutex_init(&d->mu, NULL);
		pthread_cond_init(&d->cv, NULL);
		heci_set_backend_data(h, d);
	}
	d->c = sim_conn_open(heci_callback_fw(h)->arg, simdev_wake, d);
	return d->c ? 0 : HECI_E_NOMEM;
}

static int sd_connect(struct heci *h, const struct heci_guid *g, uint32_t *mtu, uint8_t *ver)
{
	struct simdev *d = heci_backend_data(h);
	int rc = sim_conn_connect(d->c, g->b, mtu, ver);
	return rc ? errno_to_heci(rc) : 0;
}

static int sd_write(struct heci *h, const uint8_t *buf, size_t len, int timeout_ms)
{
	struct simdev *d = heci_backend_data(h);
	int rc = sim_conn_write(d->c, buf, len);
	return rc ? errno_to_heci(rc) : 0;
}

static int sd_read(struct heci *h, uint8_t *buf, size_t cap, size_t *out, int timeout_ms)
{
	struct simdev *d = heci_backend_data(h);
	struct timespec ts;
	int rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&d->mu);
	for (;;) {
		long r = sim_conn_read(d->c, buf, cap);
		if (r >= 0) {
			*out = (size_t)r;
			rc = 0;
			break;
		}
		if (r != -EAGAIN) {
			rc = errno_to_heci(r);
			break;
		}
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) == ETIMEDOUT) {
			rc = HECI_E_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static void sd_close(struct heci *h)
{
	struct simdev *d = heci_backend_data(h);
	if (d && d->c) {
		sim_conn_close(d->c);
		d->c = NULL;
	}
}

static void sd_release(struct heci *h)
{
	struct simdev *d = heci_backend_data(h);
	sd_close(h);
	if (d) {
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->mu);
		free(d);
	}
	heci_set_backend_data(h, NULL);
}

static const struct heci_backend simdev_backend = {
	.name = "sim-inproc", .open = sd_open, .connect = sd_connect, .write = sd_write,
	.read = sd_read, .close = sd_close, .release = sd_release,
};

static struct heci *simdev_heci(struct fx *x, struct heci_callback_fw *carrier)
{
	*carrier = (struct heci_callback_fw){.arg = x->fw.me};
	struct heci_opts o = {.backend = &simdev_backend, .device = "sim", .fw = carrier,
			      .busy_retries = 1, .busy_retry_ms = 1};
	struct heci *h = heci_new(&o);
	assert_non_null(h);
	return h;
}

/* One HTTP-like exchange over a fresh channel; returns the bytes received. */
static size_t exchange(struct lme *l, const uint8_t *req, size_t req_len, uint8_t *out,
		       size_t cap)
{
	uint32_t ch;
	size_t got = 0, n;
	assert_int_equal(lme_channel_open(l, 16992, &ch, NULL), 0);
	assert_int_equal(lme_channel_send(l, ch, req, req_len, WAIT_MS, NULL), 0);
	do {
		assert_true(got < cap);
		assert_int_equal(lme_channel_recv(l, ch, out + got, cap - got, &n, WAIT_MS), 0);
		got += n;
	} while (n > 0);
	lme_channel_close(l, ch);
	return got;
}

static void test_end_to_end(void **state)
{
	struct fx *x = *state;
	struct heci_callback_fw carrier, carrier2;
	struct heci *h = simdev_heci(x, &carrier), *h2 = simdev_heci(x, &carrier2);
	struct lme *l = NULL, *l2 = NULL;
	static uint8_t req[20000], resp[50000], out[60000];

	for (size_t i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof(resp); i++)
		resp[i] = (uint8_t)(i * 13);
	x->v.automatic = true;
	x->v.expect_req = sizeof(req); /* bigger than AMT's window: host waits for adjusts */
	x->v.resp = resp;
	x->v.resp_len = sizeof(resp); /* bigger than the host's window: AMT waits too */

	struct lme_opts o = {.open_timeout_ms = WAIT_MS};
	assert_int_equal(lme_open(&l, h, &o), 0);
	assert_true(lme_port_forwarded(l, 16992));
	assert_int_equal(lme_open(&l2, h2, &o), HECI_E_BUSY); /* like LMS owning LME */

	assert_int_equal(exchange(l, req, sizeof(req), out, sizeof(out)), sizeof(resp));
	assert_memory_equal(out, resp, sizeof(resp));
	pthread_mutex_lock(&x->v.mu);
	assert_int_equal(x->v.got_len, sizeof(req));
	assert_memory_equal(x->v.got, req, sizeof(req));
	pthread_mutex_unlock(&x->v.mu);

	/* ME reset: the session fails, reopen redoes the handshake, channels work */
	sim_me_reset(x->fw.me);
	int rc;
	while ((rc = lme_pump(l, 100)) == 0)
		;
	assert_int_equal(rc, HECI_E_DISCONNECTED);
	assert_int_equal(lme_reopen(l), 0);
	assert_true(lme_port_forwarded(l, 16992));
	pthread_mutex_lock(&x->v.mu);
	x->v.expect_req = 5;
	x->v.resp_len = 100;
	pthread_mutex_unlock(&x->v.mu);
	assert_int_equal(exchange(l, (const uint8_t *)"hello", 5, out, sizeof(out)), 100);
	assert_memory_equal(out, resp, 100);
	lme_close(l);
	heci_free(h);
	heci_free(h2);
}

#ifdef HAVE_SIM_WSMAN
/* lme.c -> simulated ME -> sim_lme.c -> the real WS-Man service: an
 * unauthenticated POST is answered 401 and the channel closes after it. */
static void test_end_to_end_wsman(void **state)
{
	struct fx *x = *state;
	struct heci_callback_fw carrier;
	struct heci *h = simdev_heci(x, &carrier);
	struct lme *l = NULL;
	static const char req[] = "POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n"
				  "Content-Type: application/soap+xml;charset=UTF-8\r\n"
				  "Content-Length: 0\r\n\r\n";
	static uint8_t out[16384];
	char err[256];

	assert_non_null(sim_wsman_start(&x->fw, NULL, err, sizeof(err)));
	sim_lme_set_connect(&x->fw, NULL, NULL); /* the default: the service */
	struct lme_opts o = {.open_timeout_ms = WAIT_MS};
	assert_int_equal(lme_open(&l, h, &o), 0);
	size_t n = exchange(l, (const uint8_t *)req, sizeof(req) - 1, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_true(n > 12);
	assert_memory_equal(out, "HTTP/1.1 401", 12);
	assert_non_null(strstr((const char *)out, "Digest"));
	/* a port the service does not serve is refused */
	uint32_t ch, reason = 0;
	assert_int_equal(lme_channel_open(l, 16993, &ch, &reason), HECI_E_FW_STATUS);
	assert_int_equal(reason, APF_OPEN_FAILURE_CONNECT_FAILED);
	lme_close(l);
	heci_free(h);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channel_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_closes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_window_honoured, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amt_window_enforced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_and_reset_close_streams, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_end_to_end, setup, teardown),
#ifdef HAVE_SIM_WSMAN
		cmocka_unit_test_setup_teardown(test_end_to_end_wsman, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
