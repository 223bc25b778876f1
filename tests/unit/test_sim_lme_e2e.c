// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_lme_e2e.c - an end-to-end run of the host side of APF
 * (heci/lme.c) against AMT's side (tools/sim/sim_lme.c) through a small
 * heci backend that maps onto sim_conn_* calls: a large exchange in both
 * directions through both windows, a second host refused, an ME reset and
 * reopen, and (when the WS-Man service is in the tree) the real service
 * answering through the relay.
 * Must not: mount FUSE; assert upper bounds on timing.
 */
#include "sim_lme_test.h"

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
		cmocka_unit_test_setup_teardown(test_end_to_end, setup, teardown),
#ifdef HAVE_SIM_WSMAN
		cmocka_unit_test_setup_teardown(test_end_to_end_wsman, setup, teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
