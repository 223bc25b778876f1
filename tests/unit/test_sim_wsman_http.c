// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_wsman_http.c - the HTTP side of the simulated WS-Man service:
 * over sim_wsman_connect_internal() AMT's 401 shape, the digest round trip
 * with nonce replay and stale answers, 404/405/413/503 and 400 for
 * oversized headers, the connection cap
 * (connections beyond it wait in the backlog and are answered), the
 * --listen forms, the local system account accepted on the internal
 * and loopback listeners but not on one bound to all addresses, and the
 * framing of AMT's answers (chunked as AMT 15 sends them, the connection
 * kept after a 200, closed after a 401).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim_wsman_test.h"
#include "tools/sim/sim_wsman.h"

static struct wt T;

static int setup_v11(void **state)
{
	static struct sim_state st;
	(void)state;
	sim_state_defaults(&st);
	snprintf(st.version, sizeof(st.version), "11.8.50");
	snprintf(st.build, sizeof(st.build), "3425");
	return wt_init(&T, &st);
}

static int teardown(void **state)
{
	(void)state;
	wt_free(&T);
	return 0;
}

/* Reads one response from fd into a malloc'd string: up to the last chunk
 * of a chunked body, the Content-Length of another, else to EOF. *closed
 * (optional) says whether the service closed the connection after it. A
 * fixture: the framing is what these tests check, byte by byte. */
static char *read_response(int fd, bool *closed)
{
	size_t cap = 1 << 17, got = 0;
	char *out = malloc(cap + 1);
	bool eof = false;

	assert_non_null(out);
	out[0] = '\0';
	for (;;) {
		char *end = strstr(out, "\r\n\r\n");
		if (end) {
			size_t hdr = (size_t)(end + 4 - out);
			const char *cl = strcasestr(out, "\r\nContent-Length: ");
			if (strcasestr(out, "\r\nTransfer-Encoding: chunked\r\n") && got >= hdr + 5 &&
			    strcmp(out + got - 5, "0\r\n\r\n") == 0 &&
			    (got == hdr + 5 || strcmp(out + got - 7, "\r\n0\r\n\r\n") == 0))
				break;
			if (cl && cl < end && got >= hdr + strtoul(cl + 18, NULL, 10))
				break;
		}
		struct pollfd p = {fd, POLLIN, 0};
		if (got == cap || poll(&p, 1, 10000) <= 0)
			break;
		ssize_t n = recv(fd, out + got, cap - got, 0);
		if (n <= 0) {
			eof = true;
			break;
		}
		got += (size_t)n;
		out[got] = '\0';
	}
	if (closed) {
		if (!eof) { /* answered: is the connection closed now? */
			struct pollfd p = {fd, POLLIN, 0};
			char c;
			eof = poll(&p, 1, 2000) == 1 && recv(fd, &c, 1, 0) == 0;
		}
		*closed = eof;
	}
	return out;
}

static int send_all(int fd, const char *req, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			return -1; /* the service may close early (413) */
		off += (size_t)n;
	}
	return 0;
}

/* Sends req on a new connection, reads one response, closes. */
static char *http_exchange(struct sim_wsman *w, const char *req, size_t len)
{
	int fd = sim_wsman_connect_internal(w);
	assert_true(fd >= 0);
	send_all(fd, req, len);
	char *out = read_response(fd, NULL);
	close(fd);
	return out;
}

/* The body of a chunked response (checked: hex size lines, CRLF after each
 * chunk, the last chunk ends the message), malloc'd. */
static char *dechunk(const char *resp)
{
	const char *p = strstr(resp, "\r\n\r\n");
	assert_non_null(p);
	p += 4;
	char *body = calloc(1, strlen(p) + 1);
	size_t n = 0;
	assert_non_null(body);
	for (;;) {
		char *e;
		unsigned long k = strtoul(p, &e, 16);
		assert_true(e > p && e[0] == '\r' && e[1] == '\n');
		p = e + 2;
		if (k == 0)
			break;
		assert_true(strlen(p) >= k + 2);
		memcpy(body + n, p, k);
		n += k;
		p += k;
		assert_true(p[0] == '\r' && p[1] == '\n');
		p += 2;
	}
	assert_string_equal(p, "\r\n"); /* no trailers, nothing after */
	return body;
}

static char *post(struct sim_wsman *w, const char *path, const char *auth, const char *body)
{
	char req[8192];
	int n = snprintf(req, sizeof(req),
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1:16992\r\n%s%s%s"
			 "Content-Type: application/soap+xml;charset=UTF-8\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 path, auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "",
			 strlen(body), body);
	return http_exchange(w, req, (size_t)n);
}

static void header_value(const char *resp, const char *name, char *out, size_t cap)
{
	const char *p = strcasestr(resp, name);
	out[0] = '\0';
	if (!p)
		return;
	p += strlen(name);
	const char *e = strstr(p, "\r\n");
	size_t len = e ? (size_t)(e - p) : strlen(p);
	if (len >= cap)
		len = cap - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static void challenge_nonce(const char *resp, char *nonce, size_t cap)
{
	char v[512];
	header_value(resp, "\r\nWWW-Authenticate: ", v, sizeof(v));
	const char *p = strstr(v, "nonce=\"");
	nonce[0] = '\0';
	if (!p)
		return;
	p += 7;
	const char *e = strchr(p, '"');
	snprintf(nonce, cap, "%.*s", (int)(e ? e - p : 0), p);
}

static void digest_header(const char *user, const char *password, const char *realm,
			  const char *nonce, const char *nc, char *out, size_t cap)
{
	char resp[33];
	http_digest_compute(user, realm, password, "POST", "/wsman", nonce, nc, "c0ffee", "auth",
			   resp);
	snprintf(out, cap,
		 "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"/wsman\", "
		 "cnonce=\"c0ffee\", nc=%s, qop=auth, response=\"%s\", algorithm=MD5",
		 user, realm, nonce, nc, resp);
}

#define GET_BODY                                                                               \
	"<s:Envelope xmlns:s=\"" WT_SOAP "\" xmlns:a=\"" WT_WSA "\" xmlns:w=\"" WT_WSMAN           \
	"\"><s:Header><a:Action>" WT_GET "</a:Action><w:ResourceURI>" WT_AMT                    \
	"AMT_GeneralSettings</w:ResourceURI><a:MessageID>7</a:MessageID></s:Header>"             \
	"<s:Body/></s:Envelope>"

static void http_digest_flow(void **state)
{
	char err[256], nonce[64], auth[1024], v[512];
	const char *realm = "Digest:7856341234127856123456789ABCDEF0";
	(void)state;
	struct sim_wsman *w = sim_wsman_start(&T.fw, NULL, err, sizeof(err));
	assert_non_null(w);
	assert_ptr_equal(T.fw.wsman, w);

	char *r = post(w, "/wsman", NULL, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0);
	header_value(r, "\r\nWWW-Authenticate: ", v, sizeof(v));
	challenge_nonce(r, nonce, sizeof(nonce));
	assert_int_equal(strlen(nonce), 32);
	char want[512];
	snprintf(want, sizeof(want), "Digest realm=\"%s\", nonce=\"%s\",stale=\"false\",qop=\"auth\"",
		 realm, nonce);
	assert_string_equal(v, want);
	header_value(r, "\r\nContent-Type: ", v, sizeof(v));
	assert_string_equal(v, "text/html");
	header_value(r, "\r\nConnection: ", v, sizeof(v));
	assert_string_equal(v, "close");
	header_value(r, "\r\nServer: ", v, sizeof(v));
	assert_string_equal(v, "Intel(R) Active Management Technology 11.8.50.3425");
	assert_non_null(strstr(r, "<html>"));
	free(r);

	/* the admin account */
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000001", auth, sizeof(auth));
	r = post(w, "/wsman", auth, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	char *body = dechunk(r);
	assert_non_null(strstr(body, "<g:HostName>amt-sim</g:HostName>"));
	free(body);
	header_value(r, "\r\nContent-Type: ", v, sizeof(v));
	assert_non_null(strstr(v, "application/soap+xml"));
	free(r);
	/* the same nc again is a replay: a new challenge, stale */
	r = post(w, "/wsman", auth, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 401", 12) == 0);
	assert_non_null(strstr(r, "stale=\"true\""));
	free(r);
	/* the next nc works */
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000002", auth, sizeof(auth));
	r = post(w, "/wsman", auth, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
	free(r);
	/* a wrong password */
	digest_header("admin", "wrong", realm, nonce, "00000003", auth, sizeof(auth));
	r = post(w, "/wsman", auth, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 401", 12) == 0);
	assert_non_null(strstr(r, "stale=\"false\""));
	free(r);
	/* the internal path is local: the local system account works there */
	digest_header("$$OsAdmin", "sim-local-secret", realm, nonce, "00000004", auth, sizeof(auth));
	r = post(w, "/wsman", auth, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
	free(r);
	/* a digest for another uri than the request's */
	char auth2[1024];
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000005", auth2, sizeof(auth2));
	r = post(w, "/wsman?x=1", auth2, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 401", 12) == 0);
	free(r);
	/* qop list in the challenge */
	sim_me_lock(T.fw.me);
	T.fw.st.digest_qop = SIM_QOP_AUTH_INT_AUTH;
	sim_me_unlock(T.fw.me);
	r = post(w, "/wsman", NULL, GET_BODY);
	assert_non_null(strstr(r, ",qop=\"auth-int, auth\"\r\n"));
	free(r);

	sim_wsman_stop(w);
	assert_null(T.fw.wsman);
}

static void http_paths_methods_limits(void **state)
{
	char err[256];
	(void)state;
	struct sim_wsman *w = sim_wsman_start(&T.fw, NULL, err, sizeof(err));
	assert_non_null(w);
	char *r = post(w, "/index.htm", NULL, "x");
	assert_true(strncmp(r, "HTTP/1.1 404", 12) == 0);
	assert_non_null(strstr(r, "Connection: close"));
	free(r);
	const char get[] = "GET /wsman HTTP/1.1\r\nHost: x\r\n\r\n";
	r = http_exchange(w, get, sizeof(get) - 1);
	assert_true(strncmp(r, "HTTP/1.1 405", 12) == 0);
	assert_non_null(strstr(r, "Allow: POST"));
	free(r);
	/* a body over 64 KiB */
	size_t big = 70 * 1024;
	char *req = malloc(big + 256);
	assert_non_null(req);
	int n = snprintf(req, 256, "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
			 big);
	memset(req + n, 'a', big);
	r = http_exchange(w, req, (size_t)n + big);
	assert_true(strncmp(r, "HTTP/1.1 413", 12) == 0);
	free(r);
	free(req);
	/* headers over 8 KiB */
	req = malloc(12 * 1024);
	assert_non_null(req);
	n = snprintf(req, 64, "POST /wsman HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(req + n, 'h', 9000);
	n += 9000;
	n += snprintf(req + n, 64, "\r\nContent-Length: 1\r\n\r\nx");
	r = http_exchange(w, req, (size_t)n);
	assert_true(strncmp(r, "HTTP/1.1 400", 12) == 0);
	free(r);
	free(req);
	/* AMT disabled: nothing is served */
	sim_me_lock(T.fw.me);
	T.fw.st.amt_enabled = false;
	sim_me_unlock(T.fw.me);
	r = post(w, "/wsman", NULL, GET_BODY);
	assert_true(strncmp(r, "HTTP/1.1 503", 12) == 0);
	free(r);
	sim_me_lock(T.fw.me);
	T.fw.st.amt_enabled = true;
	sim_me_unlock(T.fw.me);
	/* many connections at once are all answered (some wait in the backlog) */
	int fds[48];
	const char q[] = "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx";
	for (int i = 0; i < 48; i++) {
		fds[i] = sim_wsman_connect_internal(w);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < 48; i++) { /* accept order: the first ones hold the slots */
		assert_int_equal(send(fds[i], q, sizeof(q) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(q) - 1);
		char buf[64] = {0};
		struct pollfd p = {fds[i], POLLIN, 0};
		assert_int_equal(poll(&p, 1, 10000), 1);
		assert_true(recv(fds[i], buf, sizeof(buf) - 1, 0) > 12);
		assert_true(strncmp(buf, "HTTP/1.1 401", 12) == 0);
		close(fds[i]);
	}
	sim_wsman_stop(w);
}

/* The framing codec against AMT 15's own capture: the GeneralSettings
 * answer in device-management-toolkit/rps src/test/helper/AMTMessages.ts
 * (a 218-byte header block, a 2128-byte body) is chunked 0220, 02FA, 02FA,
 * 003C; its Date is the MPS test capture's. */
static void framing_codec(void **state)
{
	char date[SIM_HTTP_DATE_LEN], body[2128], out[4096];
	(void)state;
	sim_http_date(1641847068, date);
	assert_string_equal(date, "Mon, 10 Jan 2022 20:37:48 GMT");
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	size_t n = sim_http_chunk(body, sizeof(body), 218, out, sizeof(out));
	assert_int_equal(n, sim_http_chunked_len(sizeof(body), 218));
	assert_int_equal(n, 2128 + 4 * 8 + 5);
	assert_memory_equal(out, "0220\r\n", 6);
	assert_memory_equal(out + 6 + 0x220, "\r\n02FA\r\n", 8);
	assert_memory_equal(out + 6 + 0x220 + 8 + 0x2FA, "\r\n02FA\r\n", 8);
	assert_memory_equal(out + 6 + 0x220 + 16 + 2 * 0x2FA, "\r\n003C\r\n", 8);
	assert_memory_equal(out + n - 7, "\r\n0\r\n\r\n", 7);
	assert_memory_equal(out + 6 + 0x220 + 8, body + 0x220, 0x2FA);
	/* headers that fill the buffer push the body into the next one */
	assert_int_equal(sim_http_first_chunk(765), 762);
	assert_int_equal(sim_http_first_chunk(768 + 218), 0x220);
	/* an empty body is the last chunk alone; too small a buffer is refused */
	assert_int_equal(sim_http_chunk("", 0, 218, out, sizeof(out)), 5);
	assert_memory_equal(out, "0\r\n\r\n", 5);
	assert_int_equal(sim_http_chunk(body, sizeof(body), 218, out, 100), 0);
}

static int connect_ok(struct sim_wsman *w)
{
	int fd = sim_wsman_connect_internal(w);
	assert_true(fd >= 0);
	return fd;
}

static char *request(int fd, const char *version, const char *extra, const char *auth)
{
	char req[8192];
	int n = snprintf(req, sizeof(req),
			 "POST /wsman %s\r\nHost: 127.0.0.1:16992\r\n%s%s%s%s"
			 "Content-Type: application/soap+xml;charset=UTF-8\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 version, extra, auth ? "Authorization: " : "", auth ? auth : "",
			 auth ? "\r\n" : "", strlen(GET_BODY), GET_BODY);
	assert_int_equal(send_all(fd, req, (size_t)n), 0);
	return NULL;
}

/* A 200 as AMT 15 sends it: Date, Server, X-Frame-Options, Content-Type,
 * Transfer-Encoding: chunked in that order, chunks of its 768-byte buffer,
 * and the connection kept: the next request is answered on it. A 401 keeps
 * Content-Length and closes. HTTP/1.0 gets Content-Length and a close; a
 * client's Connection: close is honoured. */
static void framing_as_amt(void **state)
{
	char err[256], nonce[64], auth[1024];
	const char *realm = "Digest:7856341234127856123456789ABCDEF0";
	bool closed;
	(void)state;
	struct sim_wsman *w = sim_wsman_start(&T.fw, NULL, err, sizeof(err));
	assert_non_null(w);

	int fd = connect_ok(w);
	request(fd, "HTTP/1.1", "", NULL);
	char *r = read_response(fd, &closed);
	assert_true(strncmp(r, "HTTP/1.1 401 Unauthorized\r\n", 27) == 0);
	assert_non_null(strstr(r, "\r\nContent-Length: "));
	assert_null(strstr(r, "Transfer-Encoding"));
	assert_true(closed);
	challenge_nonce(r, nonce, sizeof(nonce));
	free(r);
	close(fd);

	fd = connect_ok(w);
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000001", auth, sizeof(auth));
	request(fd, "HTTP/1.1", "", auth);
	r = read_response(fd, NULL);
	const char *h = r;
	assert_true(strncmp(h, "HTTP/1.1 200 OK\r\nDate: ", 23) == 0);
	h += 23;
	assert_true(strlen(h) > 29 && strncmp(h + 25, " GMT\r\n", 6) == 0); /* IMF-fixdate */
	h += 31;
	const char *want = "Server: Intel(R) Active Management Technology 11.8.50.3425\r\n"
			   "X-Frame-Options: DENY\r\n"
			   "Content-Type: application/soap+xml; charset=UTF-8\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n";
	assert_true(strncmp(h, want, strlen(want)) == 0);
	size_t hdr = (size_t)(h - r) + strlen(want);
	/* the first chunk fills AMT's 768-byte buffer after the headers */
	char first[8];
	snprintf(first, sizeof(first), "%04zX\r\n", 768 - hdr - 6);
	assert_memory_equal(r + hdr, first, 6);
	assert_memory_equal(r + hdr + 6 + (768 - hdr - 6), "\r\n02FA\r\n", 8);
	char *body = dechunk(r);
	assert_true(strncmp(body, "<?xml", 5) == 0);
	assert_non_null(strstr(body, "<g:HostName>amt-sim</g:HostName>"));
	assert_true(strstr(body, "</a:Envelope>") != NULL);
	free(body);
	free(r);
	/* kept open: the next request is answered on the same connection */
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000002", auth, sizeof(auth));
	request(fd, "HTTP/1.1", "", auth);
	r = read_response(fd, NULL);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	free(dechunk(r));
	free(r);
	/* the client asks to close: chunked still, then the close */
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000003", auth, sizeof(auth));
	request(fd, "HTTP/1.1", "Connection: close\r\n", auth);
	r = read_response(fd, &closed);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(r, "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
	free(dechunk(r));
	assert_true(closed);
	free(r);
	close(fd);

	/* HTTP/1.0 cannot take chunks: Content-Length, then the close */
	fd = connect_ok(w);
	digest_header("admin", "P@ssw0rd", realm, nonce, "00000004", auth, sizeof(auth));
	request(fd, "HTTP/1.0", "", auth);
	r = read_response(fd, &closed);
	assert_true(strncmp(r, "HTTP/1.0 200 OK\r\n", 17) == 0);
	assert_null(strstr(r, "Transfer-Encoding"));
	assert_non_null(strstr(r, "\r\nContent-Length: "));
	assert_non_null(strstr(r, "<g:HostName>amt-sim</g:HostName>"));
	assert_true(closed);
	free(r);
	close(fd);
	sim_wsman_stop(w);
}

static void listen_address_forms(void **state)
{
	char err[256];
	(void)state;
	static const char *const bad[] = {"127.0.0.1:", "127.0.0.1:-1", "127.0.0.1:65535",
					  "127.0.0.1:x", "[::1", "[::1]x", ":80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(sim_wsman_start(&T.fw, bad[i], err, sizeof(err)));
		assert_non_null(strstr(err, "--listen"));
	}
	/* TLS keys must come in pairs and load */
	snprintf(T.fw.st.tls_cert, sizeof(T.fw.st.tls_cert), "/nonexistent/cert.pem");
	assert_null(sim_wsman_start(&T.fw, "127.0.0.1:18000", err, sizeof(err)));
	assert_non_null(strstr(err, "tls_cert and tls_key"));
	snprintf(T.fw.st.tls_key, sizeof(T.fw.st.tls_key), "/nonexistent/key.pem");
	assert_null(sim_wsman_start(&T.fw, "127.0.0.1:18000", err, sizeof(err)));
	assert_non_null(strstr(err, "tls_cert"));
	T.fw.st.tls_cert[0] = T.fw.st.tls_key[0] = '\0';
	assert_null(T.fw.wsman);
}

/* One request over TCP to the network listener. */
static char *tcp_post(int port, const char *auth)
{
	char req[8192];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(0x7f000001);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	int n = snprintf(req, sizeof(req),
			 "POST /wsman HTTP/1.1\r\nHost: x\r\n%s%s%sContent-Length: %zu\r\n\r\n%s",
			 auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "",
			 strlen(GET_BODY), GET_BODY);
	assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	char *out = read_response(fd, NULL);
	close(fd);
	return out;
}

/* The local system account works on a loopback listener (LMS stand-in)
 * and not on one bound to all addresses; the admin works on both. */
static void network_listeners(void **state)
{
	char err[256], nonce[64], auth[1024];
	const char *realm = "Digest:7856341234127856123456789ABCDEF0";
	(void)state;
	static const struct {
		const char *addr;
		bool local;
	} cases[] = {{"127.0.0.1:0", true}, {"0.0.0.0:0", false}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_wsman *w = sim_wsman_start(&T.fw, cases[i].addr, err, sizeof(err));
		assert_non_null(w);
		int port = sim_wsman_net_port(w, false);
		assert_true(port > 0);
		assert_int_equal(sim_wsman_net_port(w, true), -1);
		char *r = tcp_post(port, NULL);
		assert_true(strncmp(r, "HTTP/1.1 401", 12) == 0);
		challenge_nonce(r, nonce, sizeof(nonce));
		free(r);
		digest_header("$$OsAdmin", "sim-local-secret", realm, nonce, "00000001", auth,
			      sizeof(auth));
		r = tcp_post(port, auth);
		assert_true(strncmp(r, cases[i].local ? "HTTP/1.1 200" : "HTTP/1.1 401", 12) == 0);
		free(r);
		digest_header("admin", "P@ssw0rd", realm, nonce, "00000002", auth, sizeof(auth));
		r = tcp_post(port, auth);
		assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
		free(r);
		sim_wsman_stop(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(http_digest_flow, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(http_paths_methods_limits, setup_v11, teardown),
		cmocka_unit_test(framing_codec),
		cmocka_unit_test_setup_teardown(framing_as_amt, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(listen_address_forms, setup_v11, teardown),
		cmocka_unit_test_setup_teardown(network_listeners, setup_v11, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
