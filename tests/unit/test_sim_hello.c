// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_hello.c - the simulator's remote-configuration hello sender
 * (tools/sim/sim_hello.c) driven through its AMTHI commands
 * (StartConfiguration, StartConfigurationEx, StopConfiguration) against a
 * loopback TCP server run by the test, which decodes what arrives with the
 * shared hello codec.
 * Must not: assert upper bounds on timing; every wait ends as soon as its
 * condition holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hello_codec.h"
#include "log.h"
#include "sim_fw_test.h"
#include "tools/sim/sim_hello.h"

/* ---- the provisioning server side ---- */

#define MAX_HELLOS 64

struct hello_srv {
	int lfd;
	unsigned port;
	pthread_t tid;
	pthread_mutex_t mu;
	bool stop;
	unsigned count; /* packets decoded */
	unsigned bad;   /* connections that did not carry one valid packet */
	struct hello_msg msgs[MAX_HELLOS];
};

static void serve_one(struct hello_srv *s, int fd)
{
	uint8_t buf[HELLO_MAX_LEN + 16];
	size_t len = 0, mlen = 0;
	struct hello_msg m;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (len < sizeof(buf) && poll(&p, 1, 2000) > 0) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	pthread_mutex_lock(&s->mu);
	/* exactly one packet, then the device closes */
	if (hello_frame_length(buf, len, &mlen) == 0 && mlen == len &&
	    hello_decode(buf, len, &m) == 0) {
		if (s->count < MAX_HELLOS)
			s->msgs[s->count] = m;
		s->count++;
	} else {
		s->bad++;
	}
	pthread_mutex_unlock(&s->mu);
}

static void *srv_main(void *arg)
{
	struct hello_srv *s = arg;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (stop)
			break;
		struct pollfd p = {.fd = s->lfd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(s, fd);
		close(fd);
	}
	return NULL;
}

/* A loopback listener; with serve false it is closed again at once, which
 * leaves a port where nothing listens. */
static unsigned listen_port(int *lfd_out)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0)
		return 0;
	if (lfd_out)
		*lfd_out = fd;
	else
		close(fd);
	return ntohs(a.sin_port);
}

static void srv_start(struct hello_srv *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->port = listen_port(&s->lfd);
	assert_true(s->port != 0);
	assert_int_equal(pthread_create(&s->tid, NULL, srv_main, s), 0);
}

static void srv_stop(struct hello_srv *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->tid, NULL);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
}

static unsigned srv_count(struct hello_srv *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned n = s->count;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* Copy of what arrived (assert on the copy, never with the mutex held). */
static unsigned srv_copy(struct hello_srv *s, struct hello_msg *out, unsigned *bad)
{
	pthread_mutex_lock(&s->mu);
	unsigned n = s->count < MAX_HELLOS ? s->count : MAX_HELLOS;
	memcpy(out, s->msgs, n * sizeof(*out));
	if (bad)
		*bad = s->bad;
	pthread_mutex_unlock(&s->mu);
	return n;
}

struct count_at_least {
	struct hello_srv *s;
	unsigned n;
};

static bool has_count(void *arg)
{
	struct count_at_least *c = arg;
	return srv_count(c->s) >= c->n;
}

static bool wait_hellos(struct hello_srv *s, unsigned n)
{
	struct count_at_least c = {s, n};
	return simt_wait(has_count, &c);
}

/* ---- fixture ---- */

struct fx {
	struct hello_srv srv;
	struct sim_fw fw;
	struct sim_state st;
	char path[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	srv_start(&f->srv);
	sim_state_defaults(&f->st);
	f->st.time_scale = 1000;      /* 20 firmware seconds = 20 ms */
	f->st.hello_interval_s = 20;
	snprintf(f->st.prov_server, sizeof(f->st.prov_server), "127.0.0.1:%u", f->srv.port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	simt_fw_free(&f->fw);
	srv_stop(&f->srv);
	if (f->path[0])
		unlink(f->path);
	free(f);
	return 0;
}

static amt_status_t start_ex(struct sim_fw *fw)
{
	const uint8_t ipv6[4] = {0};
	return simt_amthi(fw, AMTHI_START_CONFIGURATION_EX, ipv6, sizeof(ipv6), NULL, 0, NULL);
}

static bool locked_bool(struct sim_fw *fw, const bool *field)
{
	sim_me_lock(fw->me);
	bool v = *field;
	sim_me_unlock(fw->me);
	return v;
}

static bool hello_inactive(void *arg)
{
	struct sim_fw *fw = arg;
	return !locked_bool(fw, &fw->st.hello_active);
}

static bool retry_at_max(void *arg)
{
	struct sim_fw *fw = arg;
	sim_me_lock(fw->me);
	bool v = fw->st.hello_retry_count == SIM_HELLO_RETRY_MAX;
	sim_me_unlock(fw->me);
	return v;
}

static void add_hash(struct sim_state *st, int alg, uint8_t len, uint8_t fill)
{
	struct sim_hash *h = &st->hashes[st->hash_count++];
	memset(h, 0, sizeof(*h));
	h->alg = alg;
	h->len = len;
	memset(h->bytes, fill, len);
	h->active = true;
	h->is_default = true;
}

/* ---- tests ---- */

static void test_hellos_carry_uuid_version_hashes_and_count(void **state)
{
	struct fx *f = *state;
	add_hash(&f->st, SIM_HASH_SHA256, 32, 0x22);
	add_hash(&f->st, SIM_HASH_SHA512, 64, 0x55); /* the hello cannot carry it */
	add_hash(&f->st, SIM_HASH_SHA384, 48, 0x33);
	add_hash(&f->st, SIM_HASH_SHA1, 20, 0x11);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);

	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_true(locked_bool(&f->fw, &f->fw.st.hello_active));
	assert_true(wait_hellos(&f->srv, 4));

	static struct hello_msg got[MAX_HELLOS];
	unsigned bad;
	srv_copy(&f->srv, got, &bad);
	for (unsigned i = 0; i < 4; i++) {
		const struct hello_msg *m = &got[i];
		assert_int_equal(m->version, HELLO_VERSION_PKI);
		assert_int_equal(m->admin_set, 0);
		assert_int_equal(m->retry_count, i);
		assert_memory_equal(m->uuid, f->st.uuid, 16);
		assert_int_equal(m->hash_count, 3);
		assert_int_equal(m->hashes[0].type, HELLO_HASH_SHA256);
		assert_int_equal(m->hashes[0].bytes[31], 0x22);
		assert_int_equal(m->hashes[1].type, HELLO_HASH_SHA384);
		assert_int_equal(m->hashes[1].bytes[47], 0x33);
		assert_int_equal(m->hashes[2].type, HELLO_HASH_SHA1);
		assert_int_equal(m->hashes[2].bytes[19], 0x11);
	}
	assert_int_equal(bad, 0);
}

static void test_stop_stops_sending(void **state)
{
	struct fx *f = *state;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	/* Stop when nothing runs is fine */
	assert_int_equal(simt_call(&f->fw, AMTHI_STOP_CONFIGURATION), AMT_STATUS_SUCCESS);
	assert_int_equal(simt_call(&f->fw, AMTHI_START_CONFIGURATION), AMT_STATUS_SUCCESS);
	assert_true(wait_hellos(&f->srv, 2));
	assert_int_equal(simt_call(&f->fw, AMTHI_STOP_CONFIGURATION), AMT_STATUS_SUCCESS);
	assert_false(locked_bool(&f->fw, &f->fw.st.hello_active));
	simt_sleep_ms(100); /* one hello may have been on its way */
	unsigned n = srv_count(&f->srv);
	simt_sleep_ms(400); /* 20 intervals */
	assert_int_equal(srv_count(&f->srv), n);
}

static void test_retry_count_continues_on_restart_and_stays_at_14(void **state)
{
	struct fx *f = *state;
	f->st.hello_interval_s = 10;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_true(wait_hellos(&f->srv, 3));
	/* restart: a fresh window, the counter goes on */
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_true(wait_hellos(&f->srv, 18));
	static struct hello_msg got[MAX_HELLOS];
	srv_copy(&f->srv, got, NULL);
	for (unsigned i = 0; i < 18; i++)
		assert_int_equal(got[i].retry_count, i < 14 ? i : 14);
}

static void test_failed_connects_count_as_attempts(void **state)
{
	struct fx *f = *state;
	unsigned closed = listen_port(NULL);
	assert_true(closed != 0);
	f->st.hello_interval_s = 10;
	snprintf(f->st.prov_server, sizeof(f->st.prov_server), "127.0.0.1:%u", closed);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_START_CONFIGURATION), AMT_STATUS_SUCCESS);
	assert_true(simt_wait(retry_at_max, &f->fw));
	assert_true(locked_bool(&f->fw, &f->fw.st.hello_active));
}

static void test_window_end_and_post_stop_the_sender(void **state)
{
	struct fx *f = *state;
	f->st.hello_window_s = 100; /* 100 ms */
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_true(simt_wait(hello_inactive, &f->fw));
	assert_true(srv_count(&f->srv) >= 1);

	/* provisioning completes while hellos are being sent */
	sim_me_lock(f->fw.me);
	f->fw.st.hello_window_s = 0; /* no window */
	sim_me_unlock(f->fw.me);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	sim_me_lock(f->fw.me);
	f->fw.st.prov_state = AMT_PROVISIONING_POST;
	sim_me_unlock(f->fw.me);
	assert_true(simt_wait(hello_inactive, &f->fw));
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	f->st.prov_state = AMT_PROVISIONING_POST;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_INVALID_AMT_MODE);
	assert_int_equal(simt_call(&f->fw, AMTHI_START_CONFIGURATION), AMT_STATUS_INVALID_AMT_MODE);
	assert_int_equal(simt_call(&f->fw, AMTHI_STOP_CONFIGURATION), AMT_STATUS_INVALID_AMT_MODE);
	simt_fw_free(&f->fw);

	f->st.prov_state = AMT_PROVISIONING_PRE;
	f->st.hello_not_ready = true;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_NOT_READY);
	assert_int_equal(simt_call(&f->fw, AMTHI_START_CONFIGURATION), AMT_STATUS_NOT_READY);
	simt_fw_free(&f->fw);

	/* no server and no DNS suffix to find one: no DHCP option 15 */
	f->st.hello_not_ready = false;
	f->st.prov_server[0] = '\0';
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_NOT_READY);
	simt_fw_free(&f->fw);

	/* a DNS suffix is enough: firmware looks for ProvisionServer.<suffix> */
	snprintf(f->st.dns_suffix, sizeof(f->st.dns_suffix), "invalid");
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_int_equal(simt_call(&f->fw, AMTHI_STOP_CONFIGURATION), AMT_STATUS_SUCCESS);
	/* wrong body length */
	assert_int_equal(simt_amthi(&f->fw, AMTHI_START_CONFIGURATION_EX, NULL, 0, NULL, 0, NULL),
			 AMT_STATUS_INVALID_MESSAGE_LENGTH);
}

static void test_old_firmware_lacks_start_configuration_ex(void **state)
{
	struct fx *f = *state;
	snprintf(f->st.version, sizeof(f->st.version), "5.2.10");
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_INVALID_COMMAND);
	assert_int_equal(simt_call(&f->fw, AMTHI_START_CONFIGURATION), AMT_STATUS_SUCCESS);
	assert_true(wait_hellos(&f->srv, 1));
}

/* hello_active and the retry count are saved; a restart resumes. */
static void test_restart_resumes_from_the_state_file(void **state)
{
	struct fx *f = *state;
	char err[256];
	snprintf(f->path, sizeof(f->path), "/tmp/test_sim_hello.%ld.ini", (long)getpid());
	f->fw.state_path = NULL;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	f->fw.state_path = f->path;
	assert_int_equal(start_ex(&f->fw), AMT_STATUS_SUCCESS);
	assert_true(wait_hellos(&f->srv, 3));
	simt_fw_free(&f->fw); /* saves the count */

	struct sim_state loaded;
	sim_state_defaults(&loaded);
	assert_int_equal(sim_state_load(&loaded, f->path, err, sizeof(err)), 0);
	assert_true(loaded.hello_active);
	assert_int_equal(loaded.time_scale, 1000);
	assert_int_equal(loaded.hello_interval_s, 20);
	unsigned saved = loaded.hello_retry_count;
	assert_true(saved >= 3);
	if (saved < SIM_HELLO_RETRY_MAX)
		assert_true(wait_hellos(&f->srv, saved)); /* every attempt arrived */
	unsigned before = srv_count(&f->srv);

	assert_int_equal(simt_fw_init(&f->fw, &loaded), 0); /* resumes */
	assert_true(wait_hellos(&f->srv, before + 1));
	static struct hello_msg got[MAX_HELLOS];
	srv_copy(&f->srv, got, NULL);
	unsigned next = got[before].retry_count;
	assert_int_equal(next, saved < SIM_HELLO_RETRY_MAX ? saved : SIM_HELLO_RETRY_MAX);
}

/* The new keys load, and a save writes them back (one table row each). */
static void test_state_keys_round_trip(void **state)
{
	struct fx *f = *state;
	char err[256];
	struct sim_state a, b;
	snprintf(f->path, sizeof(f->path), "/tmp/test_sim_hello.%ld.keys.ini", (long)getpid());
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("[provisioning]\nserver = prov.example.com:9999\nhello_interval_s = 30\n"
	      "hello_window_s = 600\nhello_active = true\nhello_retry_count = 7\n"
	      "[cira]\nmps = mps.example.com:4434\npolicy_user_initiated = true\n"
	      "username = u1\npassword = pw1\nca = /etc/mps-ca.pem\nkeepalive_s = 5\n"
	      "tunnel_lifetime_s = 900\nrequest_window_s = 120\n"
	      "[sim]\ntime_scale = 50\nhello_not_ready = yes\n",
	      fp);
	fclose(fp);
	sim_state_defaults(&a);
	assert_int_equal(a.hello_interval_s, 60);
	assert_int_equal(a.hello_window_s, 21600);
	assert_int_equal(a.cira_keepalive_s, 60);
	assert_int_equal(a.cira_request_window_s, 60);
	assert_int_equal(a.time_scale, 1);
	assert_int_equal(sim_state_load(&a, f->path, err, sizeof(err)), 0);
	assert_string_equal(a.prov_server, "prov.example.com:9999");
	assert_int_equal(a.hello_interval_s, 30);
	assert_int_equal(a.hello_window_s, 600);
	assert_true(a.hello_active);
	assert_int_equal(a.hello_retry_count, 7);
	/* the [cira] shorthand is MPS 0 and its user-initiated rule */
	assert_string_equal(a.ra.mps[0].host, "mps.example.com");
	assert_int_equal(a.ra.mps[0].port, 4434);
	assert_string_equal(a.ra.mps[0].username, "u1");
	assert_string_equal(a.ra.mps[0].password, "pw1");
	assert_string_equal(a.cira_ca, "/etc/mps-ca.pem");
	assert_int_equal(a.cira_keepalive_s, 5);
	assert_true(a.ra.rules[SIM_RA_USER_INITIATED].used);
	assert_int_equal(a.ra.rules[SIM_RA_USER_INITIATED].lifetime_s, 900);
	assert_int_equal(a.ra.rules[SIM_RA_USER_INITIATED].external[0], 0);
	assert_int_equal(a.cira_request_window_s, 120);
	assert_int_equal(a.time_scale, 50);
	assert_true(a.hello_not_ready);

	assert_int_equal(sim_state_save(&a, f->path), 0);
	sim_state_defaults(&b);
	assert_int_equal(sim_state_load(&b, f->path, err, sizeof(err)), 0);
	assert_string_equal(b.prov_server, a.prov_server);
	assert_int_equal(b.hello_retry_count, 7);
	assert_string_equal(b.ra.mps[0].password, "pw1"); /* saved as [cira.mps.0] */
	assert_int_equal(b.ra.rules[SIM_RA_USER_INITIATED].lifetime_s, 900);
	assert_int_equal(b.cira_request_window_s, 120);
	assert_int_equal(b.time_scale, 50);
	assert_true(b.hello_not_ready);

	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fputs("[sim]\ntime_scale = fast\n", fp);
	fclose(fp);
	assert_int_equal(sim_state_load(&b, f->path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: [sim] time_scale: bad value"));
}

int main(void)
{
	if (getenv("TEST_DEBUG"))
		log_init("test_sim_hello", LOG_SINK_STDERR, LOG_LVL_DEBUG);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hellos_carry_uuid_version_hashes_and_count,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_stops_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_retry_count_continues_on_restart_and_stays_at_14, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_connects_count_as_attempts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window_end_and_post_stop_the_sender, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_firmware_lacks_start_configuration_ex,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes_from_the_state_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_keys_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
