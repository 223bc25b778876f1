// SPDX-License-Identifier: Apache-2.0
/*
 * test_wsman_tls.c - TLS behaviour of common/wsman.c against a fake AMT
 * with a self-signed certificate.
 *
 * Owns: a small HTTPS fixture (OpenSSL, one thread per connection, a
 * freshly generated self-signed RSA certificate for IP 127.0.0.1) and the
 * trust matrix: system store refuses it and names its fingerprint, a CA
 * file accepts it only under the right host name, a SHA-256 pin accepts it
 * under any name and refuses any other certificate, insecure mode accepts
 * anything; TLS 1.0-only firmware fails with a hint unless allow_tls10 is
 * set, and then the client reports the legacy version. Also option
 * validation (pins, exclusive trust modes) and the TLS hints in error lines.
 * Must not: be taken as product code (the fixture's hand-written HTTP is a
 * test aid), or touch the network beyond 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "wsman.h"

#define GS_URI WSMAN_AMT_URI("AMT_GeneralSettings")
#define MAX_CONN 16

struct tls_srv {
	int lfd;
	uint16_t port;
	SSL_CTX *ctx;
	pthread_t accept_th;
	pthread_mutex_t mu;
	pthread_t conns[MAX_CONN];
	int nconns;
};

struct conn_arg {
	struct tls_srv *s;
	int fd;
};

static X509 *g_cert;
static EVP_PKEY *g_key;
static char g_ca_path[64];
static char g_pin[65];

/* ---- certificate ---- */

static void make_cert(void)
{
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	FILE *f;
	int fd;

	g_key = EVP_RSA_gen(2048);
	g_cert = X509_new();
	assert_non_null(g_key);
	assert_non_null(g_cert);
	X509_set_version(g_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(g_cert), 0x8086);
	X509_gmtime_adj(X509_getm_notBefore(g_cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(g_cert), 86400);
	X509_set_pubkey(g_cert, g_key);
	name = X509_get_subject_name(g_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"iAMT 127.0.0.1",
				   -1, -1, 0);
	X509_set_issuer_name(g_cert, name);
	X509V3_set_ctx(&v3, g_cert, g_cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
	assert_non_null(ext);
	X509_add_ext(g_cert, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
	X509_add_ext(g_cert, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(g_cert, g_key, EVP_sha256()) > 0);
	assert_int_equal(X509_digest(g_cert, EVP_sha256(), md, &n), 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(g_pin + 2 * i, 3, "%02x", md[i]);

	snprintf(g_ca_path, sizeof(g_ca_path), "/tmp/wsman-tls-XXXXXX");
	fd = mkstemp(g_ca_path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, g_cert), 1);
	fclose(f);
}

/* ---- server ---- */

static bool tls_read_request(SSL *ssl, char *buf, size_t cap)
{
	size_t len = 0, clen = 0, hlen;
	char *end = NULL, *cl;

	while (!end || len < hlen + clen) {
		int r;
		if (len + 1 >= cap)
			return false;
		r = SSL_read(ssl, buf + len, (int)(cap - 1 - len));
		if (r <= 0)
			return false;
		len += (size_t)r;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			hlen = (size_t)(end + 4 - buf);
			cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl ? strtoul(cl + 17, NULL, 10) : 0;
		}
	}
	return true;
}

static void *conn_main(void *p)
{
	struct conn_arg *ca = p;
	struct tls_srv *s = ca->s;
	struct timeval tv = {.tv_sec = 5};
	char req[16384], msgid[64] = "", body[2048], resp[2560];
	SSL *ssl = SSL_new(s->ctx);
	int fd = ca->fd, n;

	free(ca);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!ssl)
		goto out;
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1)
		goto out;
	while (tls_read_request(ssl, req, sizeof(req))) {
		const char *m = strstr(req, "<a:MessageID");
		const char *e = m ? strstr(m, "</a:MessageID>") : NULL;
		m = m ? strchr(m, '>') : NULL;
		if (m && e && e - m - 1 < (long)sizeof(msgid))
			snprintf(msgid, sizeof(msgid), "%.*s", (int)(e - m - 1), m + 1);
		snprintf(body, sizeof(body),
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope "
			 "xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" "
			 "xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
			 "xmlns:g=\"" GS_URI "\"><a:Header><b:RelatesTo>%s</b:RelatesTo></a:Header>"
			 "<a:Body><g:AMT_GeneralSettings><g:HostName>tls-pc</g:HostName>"
			 "</g:AMT_GeneralSettings></a:Body></a:Envelope>",
			 msgid);
		n = snprintf(resp, sizeof(resp),
			     "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\n"
			     "Content-Length: %zu\r\n\r\n%s",
			     strlen(body), body);
		if (SSL_write(ssl, resp, n) != n)
			break;
	}
out:
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static void *accept_main(void *p)
{
	struct tls_srv *s = p;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		struct conn_arg *ca;
		if (fd < 0)
			break;
		ca = malloc(sizeof(*ca));
		assert_non_null(ca);
		ca->s = s;
		ca->fd = fd;
		pthread_mutex_lock(&s->mu);
		assert_true(s->nconns < MAX_CONN);
		assert_int_equal(pthread_create(&s->conns[s->nconns++], NULL, conn_main, ca), 0);
		pthread_mutex_unlock(&s->mu);
	}
	return NULL;
}

static struct tls_srv *srv_start(bool tls10_only)
{
	struct tls_srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, g_cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, g_key), 1);
	if (tls10_only) {
		/* what AMT 7-11 firmware offers */
		SSL_CTX_set_security_level(s->ctx, 0);
		assert_int_equal(SSL_CTX_set_cipher_list(s->ctx, "DEFAULT:@SECLEVEL=0"), 1);
		SSL_CTX_set_min_proto_version(s->ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(s->ctx, TLS1_VERSION);
	}
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->accept_th, NULL, accept_main, s), 0);
	return s;
}

static void srv_stop(struct tls_srv *s)
{
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->accept_th, NULL);
	close(s->lfd);
	for (int i = 0; i < s->nconns; i++)
		pthread_join(s->conns[i], NULL);
	SSL_CTX_free(s->ctx);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ---- helpers ---- */

struct outcome {
	int rc;
	struct wsman_error e;
	char line[512];
	bool legacy;
};

static void try_get(struct tls_srv *s, const char *host, struct wsman_opts o, struct outcome *out)
{
	char url[96];
	struct wsman_client *c;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst = NULL;

	snprintf(url, sizeof(url), "https://%s:%u/wsman", host, (unsigned)s->port);
	o.url = url;
	c = wsman_client_new(&o);
	assert_non_null(c);
	out->rc = wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &out->e);
	wsman_error_format(&out->e, out->line, sizeof(out->line));
	if (out->rc == WSMAN_OK)
		assert_string_equal(wsman_child_text(inst, "HostName"), "tls-pc");
	out->legacy = wsman_client_used_legacy_tls(c);
	xmlFreeDoc(doc);
	wsman_client_free(c);
}

/* ---- tests ---- */

static void test_system_store_refuses_self_signed(void **state)
{
	struct tls_srv *s = srv_start(false);
	struct outcome r;

	(void)state;
	try_get(s, "127.0.0.1", (struct wsman_opts){0}, &r);
	assert_int_equal(r.rc, WSMAN_E_TLS);
	assert_int_equal(r.e.http_status, 0);
	assert_non_null(strstr(r.e.curl_message, g_pin)); /* the fingerprint to check and pin */
	assert_non_null(strstr(r.line, "--ca-file"));
	assert_non_null(strstr(r.line, "--pin SHA256"));
	srv_stop(s);
}

static void test_ca_file(void **state)
{
	struct tls_srv *s = srv_start(false);
	struct outcome r;

	(void)state;
	try_get(s, "127.0.0.1", (struct wsman_opts){.ca_file = g_ca_path}, &r);
	assert_int_equal(r.rc, WSMAN_OK);
	assert_false(r.legacy);
	/* trusted CA, wrong name: still refused */
	try_get(s, "localhost", (struct wsman_opts){.ca_file = g_ca_path}, &r);
	assert_int_equal(r.rc, WSMAN_E_TLS);
	srv_stop(s);
}

static void test_pin(void **state)
{
	struct tls_srv *s = srv_start(false);
	char wrong[65];
	struct outcome r;

	(void)state;
	try_get(s, "127.0.0.1", (struct wsman_opts){.pin_sha256 = g_pin}, &r);
	assert_int_equal(r.rc, WSMAN_OK);
	/* the pin replaces name checks: AMT certificates rarely carry the right name */
	try_get(s, "localhost", (struct wsman_opts){.pin_sha256 = g_pin}, &r);
	assert_int_equal(r.rc, WSMAN_OK);
	memcpy(wrong, g_pin, sizeof(wrong));
	wrong[10] = wrong[10] == '0' ? '1' : '0';
	try_get(s, "127.0.0.1", (struct wsman_opts){.pin_sha256 = wrong}, &r);
	assert_int_equal(r.rc, WSMAN_E_TLS);
	assert_non_null(strstr(r.e.curl_message, g_pin));
	assert_non_null(strstr(r.e.curl_message, "does not match the pinned"));
	assert_non_null(strstr(r.line, "out of band"));
	assert_null(strstr(r.line, "--ca-file"));
	srv_stop(s);
}

static void test_insecure(void **state)
{
	struct tls_srv *s = srv_start(false);
	struct outcome r;

	(void)state;
	try_get(s, "localhost", (struct wsman_opts){.insecure = true}, &r);
	assert_int_equal(r.rc, WSMAN_OK);
	srv_stop(s);
}

static void test_tls10_firmware(void **state)
{
	struct tls_srv *s = srv_start(true);
	struct outcome r;

	(void)state;
	try_get(s, "127.0.0.1", (struct wsman_opts){.pin_sha256 = g_pin}, &r);
	assert_int_equal(r.rc, WSMAN_E_TLS);
	assert_non_null(strstr(r.line, "--allow-tls10"));
	try_get(s, "127.0.0.1", (struct wsman_opts){.pin_sha256 = g_pin, .allow_tls10 = true}, &r);
	if (r.rc != WSMAN_OK)
		fail_msg("%s", r.line);
	assert_true(r.legacy);
	/* the legacy switch does not weaken verification */
	try_get(s, "127.0.0.1", (struct wsman_opts){.allow_tls10 = true}, &r);
	assert_int_equal(r.rc, WSMAN_E_TLS);
	srv_stop(s);
}

static void test_opts_validate(void **state)
{
	static const char pin[] =
		"00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
	static const char pin_colons[] =
		"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:"
		"cc:dd:ee:ff";
	struct wsman_opts ok = {.url = "https://10.0.0.5:16993/wsman", .user = "admin", .password = "P@ssw0rd!"};
	struct wsman_opts o;
	char why[160];

	(void)state;
	assert_int_equal(wsman_opts_validate(&ok, why, sizeof(why)), WSMAN_OK);
	o = ok;
	o.pin_sha256 = pin;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_OK);
	o.pin_sha256 = pin_colons;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_OK);
	o.pin_sha256 = "0011";
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	assert_non_null(strstr(why, "64 hex"));
	o.pin_sha256 = pin;
	o.insecure = true;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	o = ok;
	o.url = "ftp://10.0.0.5/wsman";
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	assert_null(wsman_client_new(&o));
	o = ok;
	o.url = "http://10.0.0.5:16992/wsman";
	o.allow_tls10 = true;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	o = ok;
	o.user = NULL;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	assert_null(strstr(why, "P@ssw0rd!"));
	o = ok;
	o.timeout_ms = -1;
	assert_int_equal(wsman_opts_validate(&o, why, sizeof(why)), WSMAN_E_INVALID);
	assert_int_equal(wsman_opts_validate(NULL, why, sizeof(why)), WSMAN_E_INVALID);
}

static void test_error_format(void **state)
{
	struct wsman_error e;
	char line[512];

	(void)state;
	wsman_error_clear(&e);
	e.kind = WSMAN_E_TLS;
	snprintf(e.curl_message, sizeof(e.curl_message),
		 "SSL certificate problem: self-signed certificate (server certificate SHA-256 ab)");
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "--ca-file"));
	assert_non_null(strstr(line, "--pin SHA256"));
	snprintf(e.curl_message, sizeof(e.curl_message),
		 "error:0A000102:SSL routines::unsupported protocol");
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "--allow-tls10"));
	wsman_error_clear(&e);
	e.kind = WSMAN_E_RETURN;
	e.return_value = 16;
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "ReturnValue 16"));
	wsman_error_format(&e, line, 8); /* truncates, stays terminated */
	assert_int_equal(strlen(line), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_system_store_refuses_self_signed),
		cmocka_unit_test(test_ca_file),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_tls10_firmware),
		cmocka_unit_test(test_opts_validate),
		cmocka_unit_test(test_error_format),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN); /* the fixture writes with SSL_write on plain fds */
	if (wsman_global_init() != WSMAN_OK)
		return 1;
	make_cert();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(g_ca_path);
	X509_free(g_cert);
	EVP_PKEY_free(g_key);
	wsman_global_cleanup();
	return rc;
}
