// SPDX-License-Identifier: Apache-2.0
/*
 * sim_lme_test.h - the fixture of the sim_lme tests: a simulated ME with
 * sim_lme.c registered, and a stand-in for the service AMT relays channels
 * to (a socketpair handed out by the pluggable connect, answered by hand or
 * by a thread per stream), torn down in the order the relay needs.
 * Must not: hold a test; test_sim_lme.c (AMT's side alone) and
 * test_sim_lme_e2e.c (heci/lme.c against it) do.
 */
#ifndef TESTS_SIM_LME_TEST_H
#define TESTS_SIM_LME_TEST_H

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

static inline void *svc_main(void *arg);

/* One automatic stream; its script is copied at connect time. */
struct svc_conn {
	struct svc *v;
	int fd;
	size_t expect_req;
	const uint8_t *resp;
	size_t resp_len;
};

static inline int svc_connect(void *arg, uint32_t port)
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

static inline void *svc_main(void *arg)
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
static inline int svc_wait_fd(struct svc *v)
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
static inline void svc_read(int fd, void *buf, size_t n)
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

static inline void svc_expect_eof(int fd)
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

static inline int setup(void **state)
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

static inline int teardown(void **state)
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

#endif
