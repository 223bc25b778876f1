// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_cira.c - the simulator's user-initiated CIRA client
 * (tools/sim/sim_cira.c) driven through Open/CloseUserInitiatedConnection
 * and GetRemoteAccessConnectionStatus, against a minimal MPS the test runs
 * on loopback: TLS with a CA and server certificate generated here with
 * the OpenSSL API, the MPS side of APF spoken with the shared APF codec.
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
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "apf_codec.h"
#include "log.h"
#include "sim_fw_test.h"
#include "tools/sim/sim_net.h"

#define CIRA_USER "ciradev"
#define CIRA_PASS "cira-secret-42"

/* ---- throwaway PKI ---- */

struct pki {
	EVP_PKEY *ca_key, *srv_key;
	X509 *ca, *srv;
	char ca_path[64], other_ca_path[64];
};

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!e)
		return -1;
	int ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* issuer NULL: self-signed CA. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509 *iss = issuer ? issuer : x;
	if (!issuer) {
		assert_int_equal(add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE"), 0);
		assert_int_equal(add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign"), 0);
	} else {
		assert_int_equal(add_ext(x, iss, NID_basic_constraints, "CA:FALSE"), 0);
		assert_int_equal(add_ext(x, iss, NID_ext_key_usage, "serverAuth"), 0);
		assert_int_equal(add_ext(x, iss, NID_subject_alt_name, "DNS:localhost"), 0);
	}
	assert_true(X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static void write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(PEM_write_X509(f, x) == 1);
	fclose(f);
}

static void pki_init(struct pki *p)
{
	p->ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p->srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(p->ca_key);
	assert_non_null(p->srv_key);
	p->ca = make_cert(p->ca_key, "test-mps-ca", NULL, NULL);
	p->srv = make_cert(p->srv_key, "localhost", p->ca, p->ca_key);
	snprintf(p->ca_path, sizeof(p->ca_path), "/tmp/test_sim_cira.%ld.ca.pem", (long)getpid());
	write_pem(p->ca_path, p->ca);
	/* a CA that did not sign the MPS certificate */
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *other = make_cert(k, "some-other-ca", NULL, NULL);
	snprintf(p->other_ca_path, sizeof(p->other_ca_path), "/tmp/test_sim_cira.%ld.other.pem",
		 (long)getpid());
	write_pem(p->other_ca_path, other);
	X509_free(other);
	EVP_PKEY_free(k);
}

static void pki_free(struct pki *p)
{
	unlink(p->ca_path);
	unlink(p->other_ca_path);
	X509_free(p->ca);
	X509_free(p->srv);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->srv_key);
}

/* ---- the MPS ---- */

struct mps {
	int lfd;
	unsigned port;
	SSL_CTX *ctx;
	pthread_t tid;
	pthread_mutex_t mu;
	/* behaviour (set before start) */
	bool refuse_auth;
	bool probe;             /* after the forwards: KEEPALIVE_REQUEST + CHANNEL_OPEN 5900 */
	bool disconnect_after;  /* after the forwards: DISCONNECT */
	bool garbage_after;     /* after the forwards: an unknown message number */
	bool silent;            /* accept TCP, never answer (held until stop) */
	int held_fd[8];
	unsigned n_held;
	/* what it saw (mu) */
	bool stop;
	unsigned tcp_accepts, tls_sessions;
	bool got_pv;
	uint32_t pv_major, pv_minor, pv_trigger;
	uint8_t pv_uuid[16];
	char services[4][32];
	unsigned n_services;
	char user[80], auth_service[32], password[80];
	int auth_method;
	unsigned n_forwards;
	uint32_t fwd_port[8];
	char fwd_bind[8][80];
	bool ka_echo_ok;        /* our KEEPALIVE_REQUEST 77 came back as a reply */
	uint32_t open_fail_recipient, open_fail_reason;
	unsigned keepalives;    /* KEEPALIVE_REQUEST from AMT */
	bool got_disconnect;
	uint32_t disconnect_reason;
	unsigned ends;          /* TLS sessions that ended (EOF, error, DISCONNECT) */
};

static void copy_str(char *dst, size_t cap, struct apf_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static int mps_send(SSL *ssl, const struct apf_msg *m)
{
	uint8_t buf[512];
	size_t len;
	if (apf_encode(m, buf, sizeof(buf), &len) != 0)
		return -1;
	return SSL_write(ssl, buf, (int)len) == (int)len ? 0 : -1;
}

static bool mps_stopped(struct mps *s)
{
	pthread_mutex_lock(&s->mu);
	bool v = s->stop;
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* Handle one message from AMT; false ends the session. */
static bool mps_handle(struct mps *s, SSL *ssl, const struct apf_msg *m)
{
	struct apf_msg r;
	bool go_on = true;
	pthread_mutex_lock(&s->mu);
	switch (m->type) {
	case APF_PROTOCOLVERSION:
		s->got_pv = true;
		s->pv_major = m->protocol_version.major;
		s->pv_minor = m->protocol_version.minor;
		s->pv_trigger = m->protocol_version.trigger;
		memcpy(s->pv_uuid, m->protocol_version.uuid, 16);
		break;
	case APF_SERVICE_REQUEST:
		if (s->n_services < 4)
			copy_str(s->services[s->n_services++], 32, m->service.name);
		r = (struct apf_msg){.type = APF_SERVICE_ACCEPT, .service = m->service};
		mps_send(ssl, &r);
		break;
	case APF_USERAUTH_REQUEST:
		copy_str(s->user, sizeof(s->user), m->userauth_request.user);
		copy_str(s->auth_service, sizeof(s->auth_service), m->userauth_request.service);
		copy_str(s->password, sizeof(s->password), m->userauth_request.password);
		s->auth_method = (int)m->userauth_request.method;
		if (s->refuse_auth)
			r = (struct apf_msg){.type = APF_USERAUTH_FAILURE,
					     .userauth_failure = {.methods = APF_STR("password")}};
		else
			r = (struct apf_msg){.type = APF_USERAUTH_SUCCESS};
		mps_send(ssl, &r);
		break;
	case APF_GLOBAL_REQUEST:
		if (m->global_request.kind == APF_GREQ_TCPIP && s->n_forwards < 8) {
			s->fwd_port[s->n_forwards] = m->global_request.port;
			copy_str(s->fwd_bind[s->n_forwards], 80, m->global_request.addr);
			s->n_forwards++;
		}
		r = (struct apf_msg){.type = APF_REQUEST_SUCCESS,
				     .request_success = {.has_port = true,
							 .port = m->global_request.port}};
		mps_send(ssl, &r);
		/* 5900 is the last forward (sim_ports.h): act after it, as MPSs do */
		bool last = m->global_request.port == 5900;
		if (last && s->probe) {
			r = (struct apf_msg){.type = APF_KEEPALIVE_REQUEST, .keepalive = {77}};
			mps_send(ssl, &r);
			r = (struct apf_msg){.type = APF_CHANNEL_OPEN,
					     .channel_open = {.kind = APF_CHAN_FORWARDED,
							      .sender = 5,
							      .window = 4096,
							      .reserved = APF_RESERVED_ALL_ONES,
							      .addr = APF_STR("127.0.0.1"),
							      .port = 5900,
							      .orig_addr = APF_STR("10.0.0.9"),
							      .orig_port = 40000}};
			mps_send(ssl, &r);
		}
		if (last && s->garbage_after) {
			static const uint8_t junk[8] = {0xEE, 1, 2, 3, 4, 5, 6, 7};
			SSL_write(ssl, junk, sizeof(junk));
		}
		if (last && s->disconnect_after) {
			r = (struct apf_msg){.type = APF_DISCONNECT,
					     .disconnect = {.reason = APF_DISCONNECT_CONNECTION_LOST}};
			mps_send(ssl, &r);
			go_on = false;
		}
		break;
	case APF_KEEPALIVE_REPLY:
		if (m->keepalive.cookie == 77)
			s->ka_echo_ok = true;
		break;
	case APF_KEEPALIVE_REQUEST:
		s->keepalives++;
		r = (struct apf_msg){.type = APF_KEEPALIVE_REPLY, .keepalive = m->keepalive};
		mps_send(ssl, &r);
		break;
	case APF_CHANNEL_OPEN_FAILURE:
		s->open_fail_recipient = m->open_failure.recipient;
		s->open_fail_reason = m->open_failure.reason;
		break;
	case APF_DISCONNECT:
		s->got_disconnect = true;
		s->disconnect_reason = m->disconnect.reason;
		go_on = false;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return go_on;
}

static void mps_session(struct mps *s, int fd)
{
	SSL *ssl = SSL_new(s->ctx);
	uint8_t buf[APF_MAX_MSG];
	size_t len = 0;
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		ERR_clear_error();
		SSL_free(ssl);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->tls_sessions++;
	pthread_mutex_unlock(&s->mu);
	for (bool go_on = true; go_on && !mps_stopped(s);) {
		size_t mlen;
		int rc = apf_frame_length(buf, len, &mlen);
		if (rc == 0) {
			struct apf_msg m;
			if (apf_decode(buf, mlen, &m) != 0)
				break;
			go_on = mps_handle(s, ssl, &m);
			memmove(buf, buf + mlen, len - mlen);
			len -= mlen;
			continue;
		}
		if (rc != HECI_E_SHORT)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (!SSL_has_pending(ssl) && poll(&p, 1, 20) <= 0)
			continue;
		int n = SSL_read(ssl, buf + len, (int)(sizeof(buf) - len));
		if (n <= 0) {
			int e = SSL_get_error(ssl, n);
			if (e == SSL_ERROR_WANT_READ)
				continue;
			break;
		}
		len += (size_t)n;
	}
	pthread_mutex_lock(&s->mu);
	s->ends++;
	pthread_mutex_unlock(&s->mu);
	ERR_clear_error();
	SSL_shutdown(ssl);
	SSL_free(ssl);
}

static void *mps_main(void *arg)
{
	struct mps *s = arg;
	while (!mps_stopped(s)) {
		struct pollfd p = {.fd = s->lfd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&s->mu);
		s->tcp_accepts++;
		pthread_mutex_unlock(&s->mu);
		if (s->silent && s->n_held < 8) {
			s->held_fd[s->n_held++] = fd;
			continue;
		}
		mps_session(s, fd);
		close(fd);
	}
	return NULL;
}

static unsigned listen_port(int *lfd_out)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 16) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0)
		return 0;
	if (lfd_out)
		*lfd_out = fd;
	else
		close(fd);
	return ntohs(a.sin_port);
}

static void mps_start(struct mps *s, const struct pki *p)
{
	pthread_mutex_init(&s->mu, NULL);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, p->srv), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, p->srv_key), 1);
	s->port = listen_port(&s->lfd);
	assert_true(s->port != 0);
	assert_int_equal(pthread_create(&s->tid, NULL, mps_main, s), 0);
}

static void mps_stop(struct mps *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->tid, NULL);
	for (unsigned i = 0; i < s->n_held; i++)
		close(s->held_fd[i]);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
	pthread_mutex_destroy(&s->mu);
}

/* Snapshot of what the MPS saw (assert on the copy, never with mu held). */
static struct mps mps_seen(struct mps *s)
{
	struct mps c;
	pthread_mutex_lock(&s->mu);
	c = *s;
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* ---- fixture ---- */

struct fx {
	struct pki pki;
	struct mps mps;
	struct sim_fw fw;
	struct sim_state st;
};

static struct pki *g_pki; /* generated once for the whole group */

static int group_setup(void **state)
{
	g_pki = calloc(1, sizeof(*g_pki));
	pki_init(g_pki);
	return 0;
}

static int group_teardown(void **state)
{
	pki_free(g_pki);
	free(g_pki);
	return 0;
}

/* The user-initiated route lives in the remote-access table ([cira.mps.N],
 * [cira.policy.T]): MPS 0 with the test credentials, keeping whether a
 * user-initiated policy exists and its tunnel lifetime. */
static void set_route(struct sim_state *st, const char *mps, bool policy)
{
	const struct sim_ra_rule *r = &st->ra.rules[SIM_RA_USER_INITIATED];
	uint32_t lifetime = r->used ? r->lifetime_s : 0;
	assert_int_equal(sim_ra_configure(&st->ra, mps, CIRA_USER, CIRA_PASS, policy, lifetime), 0);
}

static void set_mps(struct sim_state *st, const char *host, unsigned port)
{
	char addr[64];
	snprintf(addr, sizeof(addr), "%s:%u", host, port);
	set_route(st, addr, st->ra.rules[SIM_RA_USER_INITIATED].used);
}

static const char *mps_of(const struct sim_state *st)
{
	static char addr[SIM_RA_HOST_MAX + 8];
	snprintf(addr, sizeof(addr), "%s:%u", st->ra.mps[0].host, (unsigned)st->ra.mps[0].port);
	return st->ra.mps[0].used ? addr : "";
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	*state = f;
	sim_state_defaults(&f->st);
	f->st.prov_state = AMT_PROVISIONING_POST;
	f->st.control_mode = AMT_CONTROL_CCM;
	set_route(&f->st, "", true);
	f->st.os_interface = true;
	f->st.time_scale = 10;    /* request window 6 s, retries every 200 ms */
	f->st.cira_keepalive_s = 1; /* 100 ms */
	snprintf(f->st.cira_ca, sizeof(f->st.cira_ca), "%s", g_pki->ca_path);
	return 0;
}

static void start_mps(struct fx *f)
{
	mps_start(&f->mps, g_pki);
	set_mps(&f->st, "localhost", f->mps.port);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	simt_fw_free(&f->fw);
	if (f->mps.ctx)
		mps_stop(&f->mps);
	free(f);
	return 0;
}

static uint32_t cira_status(struct sim_fw *fw)
{
	struct amt_remote_access_status ra;
	return simt_remote_access(fw, &ra) ? ra.cira_status : 0xFFu;
}

static bool is_connected(void *arg)
{
	return cira_status(arg) == AMT_CIRA_CONNECTED;
}

static bool is_not_connected(void *arg)
{
	return cira_status(arg) == AMT_CIRA_NOT_CONNECTED;
}

struct mps_cond {
	struct mps *s;
	int what;
};

static bool mps_cond(void *arg)
{
	struct mps_cond *c = arg;
	struct mps m = mps_seen(c->s);
	switch (c->what) {
	case 0: return m.ka_echo_ok && m.open_fail_reason != 0 && m.keepalives >= 2;
	case 1: return m.ends >= 1;
	case 3: return m.tcp_accepts >= 2;
	default: return m.tcp_accepts >= 1;
	}
}

static bool wait_mps(struct mps *s, int what)
{
	struct mps_cond c = {s, what};
	return simt_wait(mps_cond, &c);
}

/* ---- tests ---- */

static void test_open_connects_and_close_disconnects(void **state)
{
	struct fx *f = *state;
	f->mps.probe = true;
	start_mps(f);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);

	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	struct amt_remote_access_status ra;
	assert_true(simt_remote_access(&f->fw, &ra));
	assert_true(ra.cira_status == AMT_CIRA_CONNECTING || ra.cira_status == AMT_CIRA_CONNECTED);
	assert_true(simt_wait(is_connected, &f->fw));
	assert_true(simt_remote_access(&f->fw, &ra));
	assert_int_equal(ra.trigger, 0); /* user initiated */
	assert_string_equal(ra.mps_hostname, "localhost");

	struct mps m = mps_seen(&f->mps);
	assert_true(m.got_pv);
	assert_int_equal(m.pv_major, 1);
	assert_int_equal(m.pv_minor, 0);
	assert_int_equal(m.pv_trigger, APF_TRIGGER_USER_INITIATED);
	assert_memory_equal(m.pv_uuid, f->st.uuid, 16);
	assert_int_equal(m.n_services, 2);
	assert_string_equal(m.services[0], APF_SERVICE_AUTH);
	assert_string_equal(m.services[1], APF_SERVICE_PFWD);
	assert_string_equal(m.user, CIRA_USER);
	assert_string_equal(m.auth_service, APF_SERVICE_PFWD);
	assert_int_equal(m.auth_method, APF_AUTH_METHOD_PASSWORD);
	assert_string_equal(m.password, CIRA_PASS);
	/* firmware's order, each port the platform has (an AMT Pro sku without
	 * TLS: WS-Man, RMCP, redirection, KVM) */
	assert_int_equal(m.n_forwards, 4);
	assert_int_equal(m.fwd_port[0], 16992);
	assert_int_equal(m.fwd_port[1], 623);
	assert_int_equal(m.fwd_port[2], 16994);
	assert_int_equal(m.fwd_port[3], 5900);
	assert_string_equal(m.fwd_bind[0], f->st.host_name);

	/* keepalives both ways; a channel to the KVM port, which the
	 * simulator does not serve, is refused with "connect failed" */
	assert_true(wait_mps(&f->mps, 0));
	m = mps_seen(&f->mps);
	assert_int_equal(m.open_fail_recipient, 5);
	assert_int_equal(m.open_fail_reason, APF_OPEN_FAILURE_CONNECT_FAILED);

	/* a SIGHUP reload replaces fw->st with the file's values: the live
	 * tunnel still reports itself */
	sim_me_lock(f->fw.me);
	f->fw.st.cira_status = AMT_CIRA_NOT_CONNECTED;
	f->fw.st.cira_trigger = 3;
	sim_me_unlock(f->fw.me);
	assert_true(simt_remote_access(&f->fw, &ra));
	assert_int_equal(ra.cira_status, AMT_CIRA_CONNECTED);
	assert_int_equal(ra.trigger, 0);

	/* a second Open does not make a second tunnel */
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_CONNECTED);

	assert_int_equal(simt_call(&f->fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
	assert_true(wait_mps(&f->mps, 1));
	m = mps_seen(&f->mps);
	assert_true(m.got_disconnect);
	assert_int_equal(m.disconnect_reason, APF_DISCONNECT_BY_APPLICATION);
	assert_int_equal(m.tcp_accepts, 1);
	/* nothing open: still SUCCESS */
	assert_int_equal(simt_call(&f->fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	set_route(&f->st, "localhost:1", true);

	set_route(&f->st, mps_of(&f->st), false);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_NOT_PERMITTED);
	simt_fw_free(&f->fw);

	set_route(&f->st, mps_of(&f->st), true);
	f->st.os_interface = false;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_NOT_PERMITTED);
	simt_fw_free(&f->fw);

	f->st.os_interface = true;
	set_route(&f->st, "", true);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_DATA_MISSING);
	simt_fw_free(&f->fw);

	f->st.prov_state = AMT_PROVISIONING_PRE;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_INVALID_AMT_MODE);
	assert_int_equal(simt_call(&f->fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION),
			 AMT_STATUS_INVALID_AMT_MODE);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
}

static void test_mps_down_stays_connecting(void **state)
{
	struct fx *f = *state;
	unsigned dead = listen_port(NULL);
	assert_true(dead != 0);
	set_mps(&f->st, "127.0.0.1", dead);
	f->st.time_scale = 1; /* window 60 s, a retry every 2 s */
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(cira_status(&f->fw), AMT_CIRA_CONNECTING);
		simt_sleep_ms(60);
	}
	assert_int_equal(simt_call(&f->fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
}

/* An MPS that takes the TCP connection but never answers the TLS
 * handshake: connecting meanwhile; Close and shutdown do not wait for the
 * handshake step's timeout (10 s at time_scale 1). */
static void test_silent_mps_stays_connecting_and_close_is_prompt(void **state)
{
	struct fx *f = *state;
	f->mps.silent = true;
	start_mps(f);
	f->st.time_scale = 1;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 2));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cira_status(&f->fw), AMT_CIRA_CONNECTING);
		simt_sleep_ms(50);
	}
	assert_int_equal(simt_call(&f->fw, AMTHI_CLOSE_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
	/* open again and stop the simulator in the middle of the handshake */
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	struct mps_cond two = {&f->mps, 3};
	assert_true(simt_wait(mps_cond, &two));
	uint64_t t0 = sim_net_now_ms();
	simt_fw_free(&f->fw);
	assert_true(sim_net_now_ms() - t0 < 5000); /* loose: the step timeout is 10 s */
}

static void test_request_window_ends_in_not_connected(void **state)
{
	struct fx *f = *state;
	unsigned dead = listen_port(NULL);
	set_mps(&f->st, "127.0.0.1", dead);
	f->st.time_scale = 1000; /* window 60 ms */
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(simt_wait(is_not_connected, &f->fw));
	/* a new Open starts a new request */
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(simt_wait(is_not_connected, &f->fw));
}

/* TLS verification is always on: wrong CA, or a name the certificate does
 * not carry, ends the request without ever being connected. */
static void test_certificate_not_accepted(void **state)
{
	struct fx *f = *state;
	start_mps(f);
	f->st.time_scale = 1; /* the request window (60 s) cannot be what ends it */
	snprintf(f->st.cira_ca, sizeof(f->st.cira_ca), "%s", g_pki->other_ca_path);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 2));
	assert_true(simt_wait(is_not_connected, &f->fw));
	simt_fw_free(&f->fw);

	/* right CA, but the certificate names localhost, not 127.0.0.1 */
	snprintf(f->st.cira_ca, sizeof(f->st.cira_ca), "%s", g_pki->ca_path);
	set_mps(&f->st, "127.0.0.1", f->mps.port);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(simt_wait(is_not_connected, &f->fw));
	struct mps m = mps_seen(&f->mps);
	assert_int_equal(m.tls_sessions, 0);
	assert_false(m.got_pv);
}

static void test_credentials_refused(void **state)
{
	struct fx *f = *state;
	f->mps.refuse_auth = true;
	start_mps(f);
	f->st.time_scale = 1;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 1));
	assert_true(simt_wait(is_not_connected, &f->fw));
	struct mps m = mps_seen(&f->mps);
	assert_string_equal(m.user, CIRA_USER);
	assert_int_equal(m.n_forwards, 0);
	assert_int_equal(m.tcp_accepts, 1); /* no retry after a refusal */
}

static void test_tunnel_ends_by_lifetime_disconnect_or_garbage(void **state)
{
	struct fx *f = *state;
	start_mps(f);
	f->st.ra.rules[SIM_RA_USER_INITIATED].lifetime_s = 1; /* 100 ms */
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 1));
	assert_true(simt_wait(is_not_connected, &f->fw));
	struct mps m = mps_seen(&f->mps);
	assert_int_equal(m.n_forwards, 4);
	assert_true(m.got_disconnect);
	assert_int_equal(m.disconnect_reason, APF_DISCONNECT_BY_APPLICATION);
	simt_fw_free(&f->fw);
	mps_stop(&f->mps);

	memset(&f->mps, 0, sizeof(f->mps));
	f->mps.disconnect_after = true;
	start_mps(f);
	f->st.ra.rules[SIM_RA_USER_INITIATED].lifetime_s = 0;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 1));
	assert_true(simt_wait(is_not_connected, &f->fw));
	simt_fw_free(&f->fw);
	mps_stop(&f->mps);

	/* a message that cannot be framed closes the tunnel (protocol error) */
	memset(&f->mps, 0, sizeof(f->mps));
	f->mps.garbage_after = true;
	start_mps(f);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(wait_mps(&f->mps, 1));
	assert_true(simt_wait(is_not_connected, &f->fw));
	m = mps_seen(&f->mps);
	assert_true(m.got_disconnect);
	assert_int_equal(m.disconnect_reason, APF_DISCONNECT_PROTOCOL_ERROR);
	assert_int_equal(m.tcp_accepts, 1);
}

static void test_shutdown_closes_the_tunnel(void **state)
{
	struct fx *f = *state;
	start_mps(f);
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(simt_wait(is_connected, &f->fw));
	simt_fw_free(&f->fw);
	assert_true(wait_mps(&f->mps, 1));
	struct mps m = mps_seen(&f->mps);
	assert_true(m.got_disconnect);
	assert_int_equal(m.disconnect_reason, APF_DISCONNECT_BY_APPLICATION);
}

/* A tunnel does not survive a restart: a save while one is up writes
 * not_connected (whatever the file said before the Open) and the
 * user-initiated trigger, and a simulator started from that file reports
 * not connected. */
static void test_live_tunnel_is_saved_not_connected(void **state)
{
	struct fx *f = *state;
	char path[64], err[256];
	struct sim_state loaded;
	snprintf(path, sizeof(path), "/tmp/test_sim_cira.%ld.ini", (long)getpid());
	start_mps(f);
	f->st.cira_status = AMT_CIRA_CONNECTED; /* a static fixture value */
	f->st.cira_trigger = 3;
	assert_int_equal(simt_fw_init(&f->fw, &f->st), 0);
	f->fw.state_path = path;
	assert_int_equal(simt_call(&f->fw, AMTHI_OPEN_USER_INITIATED_CONNECTION),
			 AMT_STATUS_SUCCESS);
	assert_true(simt_wait(is_connected, &f->fw));

	sim_me_lock(f->fw.me);
	assert_int_equal(sim_state_persist(&f->fw.st, f->fw.state_path), 0);
	sim_me_unlock(f->fw.me);
	sim_state_defaults(&loaded);
	assert_int_equal(sim_state_load(&loaded, path, err, sizeof(err)), 0);
	assert_int_equal(loaded.cira_status, AMT_CIRA_NOT_CONNECTED);
	assert_int_equal(loaded.cira_trigger, 0);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_CONNECTED); /* still up */
	simt_fw_free(&f->fw);

	assert_int_equal(simt_fw_init(&f->fw, &loaded), 0);
	assert_int_equal(cira_status(&f->fw), AMT_CIRA_NOT_CONNECTED);
	unlink(path);
}

int main(void)
{
	if (getenv("TEST_DEBUG"))
		log_init("test_sim_cira", LOG_SINK_STDERR, LOG_LVL_DEBUG);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_connects_and_close_disconnects, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mps_down_stays_connecting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_window_ends_in_not_connected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_mps_stays_connecting_and_close_is_prompt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_certificate_not_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_ends_by_lifetime_disconnect_or_garbage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_closes_the_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_tunnel_is_saved_not_connected, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
