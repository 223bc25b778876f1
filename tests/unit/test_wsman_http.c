// SPDX-License-Identifier: Apache-2.0
/*
 * test_wsman_http.c - unit tests for common/wsman.c against a fake AMT.
 *
 * Owns: a minimal HTTP/1.1 server fixture on 127.0.0.1 (or on socketpair
 * ends handed to the client's open_socket callback) that behaves like AMT's
 * WS-Man service: 401 with a Digest challenge (realm "Digest:<32 hex>",
 * qop "auth" or "auth-int, auth", Connection: close), digest responses
 * checked with OpenSSL MD5, keep-alive 200 answers echoing the MessageID
 * (with Content-Length, or chunked as AMT 15 frames them),
 * faults on HTTP 400, enumeration contexts, method outputs. Tests cover auth,
 * wrong credentials, dropped and silent connections, refused ports, faults,
 * oversized and mismatched responses, enumeration bounds and Release,
 * invoke, and the error lines users see for them.
 * Must not: be taken as product code: raw sockets and hand parsing are fine
 * here only because this is a fixture.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "wsman.h"

#define REALM "Digest:A4070000000000000000000000000000"
#define NONCE "dGhpcyBpcyBhIG5vbmNlIGZyb20gQU1U"
#define USER "admin"
#define PASS "P@ssw0rd!"
#define GS_URI WSMAN_AMT_URI("AMT_GeneralSettings")
#define SW_URI WSMAN_CIM_URI("CIM_SoftwareIdentity")
#define TPDS_URI WSMAN_AMT_URI("AMT_ThirdPartyDataStorageService")
#define MAX_CONN 32

struct srv {
	int lfd;
	uint16_t port;
	const char *qop;
	bool silent, drop, close_after; /* close_after: like AMT ending an APF channel */
	bool chunked; /* SOAP answers framed as AMT 15 sends them (chunked, kept open) */
	pthread_t accept_th;
	bool accepting;
	pthread_mutex_t mu;
	pthread_t conns[MAX_CONN];
	int nconns;
	/* observed, under mu */
	int requests, challenges, authorized, releases, opened;
	char user[64], qop_used[32];
	char last_body[2048];
};

struct conn_arg {
	struct srv *s;
	int fd;
};

/* ---- tiny HTTP plumbing ---- */

static bool send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read one request: headers into hdr, body into *body (malloc). false on EOF. */
static bool read_request(int fd, char *hdr, size_t cap, char **body)
{
	size_t len = 0, clen = 0, have;
	char *end = NULL, *cl;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	*body = NULL;
	while (!end) {
		ssize_t r;
		if (len + 1 >= cap || poll(&p, 1, 5000) <= 0)
			return false;
		r = recv(fd, hdr + len, cap - 1 - len, 0);
		if (r <= 0)
			return false;
		len += (size_t)r;
		hdr[len] = '\0';
		end = strstr(hdr, "\r\n\r\n");
	}
	cl = strcasestr(hdr, "\r\nContent-Length:");
	if (cl)
		clen = strtoul(cl + 17, NULL, 10);
	have = len - (size_t)(end + 4 - hdr);
	*body = calloc(1, clen + 1);
	assert_non_null(*body);
	memcpy(*body, end + 4, have < clen ? have : clen);
	end[2] = '\0';
	while (have < clen) {
		ssize_t r;
		if (poll(&p, 1, 5000) <= 0)
			return false;
		r = recv(fd, *body + have, clen - have, 0);
		if (r <= 0)
			return false;
		have += (size_t)r;
	}
	return true;
}

static bool respond(int fd, const char *status, const char *extra, const char *body)
{
	size_t blen = strlen(body), cap = blen + 512;
	char *msg = malloc(cap);
	int n;
	bool ok;

	assert_non_null(msg);
	/* one send: header and body in separate segments would meet delayed ACKs */
	n = snprintf(msg, cap,
		     "HTTP/1.1 %s\r\nServer: Intel(R) Active Management Technology 16.1.25.2124\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     status, blen, extra);
	assert_true(n > 0 && (size_t)n + blen < cap);
	memcpy(msg + n, body, blen);
	ok = send_all(fd, msg, (size_t)n + blen);
	free(msg);
	return ok;
}

/* A SOAP answer as AMT 15 frames it (rps AMTMessages.ts): Date, Server,
 * X-Frame-Options, Content-Type, Transfer-Encoding: chunked; "%04X" size
 * lines; the headers and the first chunk fill a 768-byte buffer, every
 * later chunk (6 + 762 bytes) one more; the connection stays open. */
static bool respond_chunked(int fd, const char *status, const char *body)
{
	size_t blen = strlen(body), cap = blen + blen / 100 + 1024, off = 0, room;
	char *msg = malloc(cap);
	int n;
	bool ok;

	assert_non_null(msg);
	n = snprintf(msg, cap,
		     "HTTP/1.1 %s\r\nDate: Mon, 10 Jan 2022 20:37:48 GMT\r\n"
		     "Server: Intel(R) Active Management Technology 15.0.23.1706\r\n"
		     "X-Frame-Options: DENY\r\nContent-Type: application/soap+xml; charset=UTF-8\r\n"
		     "Transfer-Encoding: chunked\r\n\r\n",
		     status);
	assert_true(n > 0 && n < 762);
	room = 768 - (size_t)n - 6;
	while (off < blen) {
		size_t k = blen - off < room ? blen - off : room;
		n += snprintf(msg + n, cap - (size_t)n, "%04zX\r\n", k);
		memcpy(msg + n, body + off, k);
		n += (int)k;
		memcpy(msg + n, "\r\n", 2);
		n += 2;
		off += k;
		room = 762;
	}
	memcpy(msg + n, "0\r\n\r\n", 5);
	ok = send_all(fd, msg, (size_t)n + 5);
	free(msg);
	return ok;
}

/* Value of key in a Digest header: key="v" or key=v. */
static bool digest_param(const char *h, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), n = 0;
	const char *p = h;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == h || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=')
			break;
		p += kl;
	}
	if (!p)
		return false;
	p += kl + 1;
	if (*p == '"') {
		p++;
		while (p[n] && p[n] != '"' && n + 1 < cap)
			n++;
	} else {
		while (p[n] && p[n] != ',' && p[n] != '\r' && n + 1 < cap)
			n++;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static void md5_hex(const char *s, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL), 1);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* RFC 2617 check of an Authorization: Digest header for POST /wsman. */
static bool digest_ok(struct srv *s, const char *hdr)
{
	const char *a = strcasestr(hdr, "\r\nAuthorization: Digest ");
	char user[64], realm[64], nonce[64], uri[64], cnonce[64], nc[16], qop[32], resp[40];
	char buf[512], ha1[33], ha2[33], want[33];

	if (!a)
		return false;
	a += 24;
	if (!digest_param(a, "username", user, sizeof(user)) ||
	    !digest_param(a, "realm", realm, sizeof(realm)) ||
	    !digest_param(a, "nonce", nonce, sizeof(nonce)) || !digest_param(a, "uri", uri, sizeof(uri)) ||
	    !digest_param(a, "cnonce", cnonce, sizeof(cnonce)) || !digest_param(a, "nc", nc, sizeof(nc)) ||
	    !digest_param(a, "qop", qop, sizeof(qop)) || !digest_param(a, "response", resp, sizeof(resp)))
		return false;
	pthread_mutex_lock(&s->mu);
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->qop_used, sizeof(s->qop_used), "%s", qop);
	pthread_mutex_unlock(&s->mu);
	if (strcmp(realm, REALM) != 0 || strcmp(nonce, NONCE) != 0 || strcmp(uri, "/wsman") != 0 ||
	    strcmp(qop, "auth") != 0)
		return false;
	snprintf(buf, sizeof(buf), "%s:%s:%s", USER, REALM, PASS);
	md5_hex(buf, ha1);
	md5_hex("POST:/wsman", ha2);
	snprintf(buf, sizeof(buf), "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	md5_hex(buf, want);
	return strcmp(user, USER) == 0 && strcmp(resp, want) == 0;
}

/* Text of the first <tag>...</tag> in a request body we built ("a:MessageID"). */
static void req_field(const char *body, const char *tag, char *out, size_t cap)
{
	char open[64];
	const char *p, *e;

	out[0] = '\0';
	snprintf(open, sizeof(open), "<%s", tag);
	p = strstr(body, open);
	if (!p || !(p = strchr(p, '>')) || !(e = strchr(p + 1, '<')))
		return;
	snprintf(out, cap, "%.*s", (int)(e - p - 1), p + 1);
}

/* ---- AMT-shaped answers ---- */

#define ENV "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:Envelope " \
	"xmlns:a=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:b=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" " \
	"xmlns:c=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" " \
	"xmlns:g=\"%s\"><a:Header><b:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous" \
	"</b:To><b:RelatesTo>%s</b:RelatesTo><b:Action a:mustUnderstand=\"true\">%s</b:Action>" \
	"<b:MessageID>uuid:00000000-8086-8086-8086-000000000042</b:MessageID></a:Header><a:Body>"
#define ENV_END "</a:Body></a:Envelope>"

static void serve_soap(struct srv *s, int fd, const char *body)
{
	char msgid[64], action[256], uri[256], ctx[64], *out = NULL;
	const char *status = "200 OK";
	size_t cap = 8192;
	int len = 0;

	req_field(body, "a:MessageID", msgid, sizeof(msgid));
	req_field(body, "a:Action", action, sizeof(action));
	req_field(body, "w:ResourceURI", uri, sizeof(uri));
	req_field(body, "n:EnumerationContext", ctx, sizeof(ctx));
	out = malloc(cap);
	assert_non_null(out);
#define OUT(...) (len = snprintf(out, cap, __VA_ARGS__))
	if (strstr(uri, "AMT_Missing")) {
		status = "400 Bad Request";
		OUT(ENV "<a:Fault><a:Code><a:Value>a:Sender</a:Value><a:Subcode><a:Value>"
			"b:DestinationUnreachable</a:Value></a:Subcode></a:Code><a:Reason><a:Text "
			"xml:lang=\"en-US\">No route can be determined to reach the destination role "
			"defined by the WS-Addressing To.</a:Text></a:Reason><a:Detail/></a:Fault>" ENV_END,
		    uri, msgid, "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault");
	} else if (strstr(uri, "AMT_Broken")) {
		status = "500 Internal Server Error";
		OUT("<html><body>internal error</body></html>");
	} else if (strstr(uri, "AMT_Replay")) {
		OUT(ENV "<g:AMT_Replay/>" ENV_END, uri, "uuid:11111111-1111-4111-8111-111111111111", action);
	} else if (strstr(uri, "AMT_Big")) {
		free(out);
		cap = WSMAN_MAX_RESPONSE + 65536;
		out = malloc(cap);
		assert_non_null(out);
		len = snprintf(out, cap, ENV "<g:AMT_Big><g:Pad>", uri, msgid, action);
		memset(out + len, 'x', WSMAN_MAX_RESPONSE);
		len += (int)WSMAN_MAX_RESPONSE;
		len += snprintf(out + len, cap - (size_t)len, "</g:Pad></g:AMT_Big>" ENV_END);
	} else if (strstr(action, "/transfer/Get")) {
		OUT(ENV "<g:AMT_GeneralSettings><g:HostName>pc-042</g:HostName><g:DigestRealm>" REALM
			"</g:DigestRealm></g:AMT_GeneralSettings>" ENV_END, uri, msgid, action);
	} else if (strstr(action, "/enumeration/Enumerate")) {
		OUT(ENV "<g:EnumerateResponse><g:EnumerationContext>ctx-1</g:EnumerationContext>"
			"</g:EnumerateResponse>" ENV_END, WSMAN_NS_ENUMERATION, msgid, action);
	} else if (strstr(action, "/enumeration/Release")) {
		pthread_mutex_lock(&s->mu);
		s->releases++;
		pthread_mutex_unlock(&s->mu);
		OUT(ENV ENV_END, WSMAN_NS_ENUMERATION, msgid, action);
	} else if (strstr(action, "/enumeration/Pull")) {
		bool endless = strstr(uri, "CIM_Endless") != NULL;
		bool last = !endless && strcmp(ctx, "ctx-2") == 0;
		OUT(ENV "<g:PullResponse>%s<g:Items><h:CIM_SoftwareIdentity xmlns:h=\"%s\"><h:InstanceID>"
			"%s-a</h:InstanceID></h:CIM_SoftwareIdentity>%s</g:Items>%s</g:PullResponse>" ENV_END,
		    WSMAN_NS_ENUMERATION, msgid, action,
		    last ? "" : "<g:EnumerationContext>ctx-2</g:EnumerationContext>", uri, ctx,
		    last ? "" : "<h:CIM_SoftwareIdentity xmlns:h=\"x\"><h:InstanceID>b</h:InstanceID>"
				"</h:CIM_SoftwareIdentity>",
		    last ? "<g:EndOfSequence/>" : "");
	} else if (strstr(action, "/GetMTU")) {
		OUT(ENV "<g:GetMTU_OUTPUT><g:Mtu>4096</g:Mtu><g:ReturnValue>0</g:ReturnValue>"
			"</g:GetMTU_OUTPUT>" ENV_END, uri, msgid, action);
	} else if (strstr(action, "/WriteBlock")) {
		OUT(ENV "<g:WriteBlock_OUTPUT><g:BytesWritten>1024</g:BytesWritten><g:ReturnValue>18"
			"</g:ReturnValue></g:WriteBlock_OUTPUT>" ENV_END, uri, msgid, action);
	} else {
		status = "400 Bad Request";
		OUT("unknown");
	}
#undef OUT
	assert_true(len > 0 && (size_t)len < cap);
	if (s->chunked)
		respond_chunked(fd, status, out);
	else
		respond(fd, status, "Content-Type: application/soap+xml; charset=UTF-8\r\n", out);
	free(out);
}

static void *conn_main(void *p)
{
	struct conn_arg *ca = p;
	struct srv *s = ca->s;
	int fd = ca->fd;
	char hdr[8192], *body = NULL, extra[256];

	free(ca);
	while (read_request(fd, hdr, sizeof(hdr), &body)) {
		pthread_mutex_lock(&s->mu);
		s->requests++;
		snprintf(s->last_body, sizeof(s->last_body), "%s", body);
		pthread_mutex_unlock(&s->mu);
		if (s->drop)
			break;
		if (s->silent) {
			struct pollfd pf = {.fd = fd, .events = POLLIN};
			poll(&pf, 1, 5000); /* until the client gives up */
			break;
		}
		if (!digest_ok(s, hdr)) {
			pthread_mutex_lock(&s->mu);
			s->challenges++;
			pthread_mutex_unlock(&s->mu);
			snprintf(extra, sizeof(extra),
				 "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"" NONCE
				 "\",stale=\"false\",qop=\"%s\"\r\nContent-Type: text/html\r\n"
				 "Connection: close\r\n",
				 s->qop);
			respond(fd, "401 Unauthorized", extra,
				"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">"
				"<html><head><title>401 Unauthorized</title></head><body>"
				"Unauthorized</body></html>");
			break;
		}
		pthread_mutex_lock(&s->mu);
		s->authorized++;
		pthread_mutex_unlock(&s->mu);
		serve_soap(s, fd, body);
		free(body);
		body = NULL;
		if (s->close_after)
			break;
	}
	free(body);
	close(fd);
	return NULL;
}

static void start_conn(struct srv *s, int fd)
{
	struct conn_arg *ca = malloc(sizeof(*ca));

	assert_non_null(ca);
	ca->s = s;
	ca->fd = fd;
	pthread_mutex_lock(&s->mu);
	assert_true(s->nconns < MAX_CONN);
	s->opened++;
	assert_int_equal(pthread_create(&s->conns[s->nconns++], NULL, conn_main, ca), 0);
	pthread_mutex_unlock(&s->mu);
}

static void *accept_main(void *p)
{
	struct srv *s = p;

	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			break; /* shutdown() by srv_stop */
		start_conn(s, fd);
	}
	return NULL;
}

static struct srv *srv_start(const char *qop, bool listen_tcp)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);

	assert_non_null(s);
	pthread_mutex_init(&s->mu, NULL);
	s->qop = qop;
	s->lfd = -1;
	if (!listen_tcp)
		return s;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->accept_th, NULL, accept_main, s), 0);
	s->accepting = true;
	return s;
}

static void srv_stop(struct srv *s)
{
	if (s->accepting) {
		shutdown(s->lfd, SHUT_RDWR);
		pthread_join(s->accept_th, NULL);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	for (int i = 0; i < s->nconns; i++)
		pthread_join(s->conns[i], NULL);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static void url_of(struct srv *s, char *out, size_t cap)
{
	snprintf(out, cap, "http://127.0.0.1:%u/wsman", (unsigned)s->port);
}

static struct wsman_client *client_for(struct srv *s, const char *password, long timeout_ms)
{
	char url[64];
	struct wsman_opts o = {.url = url, .user = USER, .password = password, .timeout_ms = timeout_ms};
	struct wsman_client *c;

	url_of(s, url, sizeof(url));
	c = wsman_client_new(&o);
	assert_non_null(c);
	return c;
}

/* ---- tests ---- */

static void get_and_check(struct wsman_client *c)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr inst = NULL;
	struct wsman_error e;

	if (wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e) != WSMAN_OK)
		fail_msg("get: %s: %s", wsman_err_kind_name(e.kind), e.curl_message);
	assert_int_equal(e.http_status, 200);
	assert_string_equal(wsman_child_text(inst, "HostName"), "pc-042");
	xmlFreeDoc(doc);
}

static void run_digest(const char *qop)
{
	struct srv *s = srv_start(qop, true);
	struct wsman_client *c = client_for(s, PASS, 0);

	get_and_check(c);
	assert_int_equal(s->challenges, 1);
	assert_int_equal(s->authorized, 1);
	assert_string_equal(s->user, USER);
	assert_string_equal(s->qop_used, "auth");
	/* the nonce is reused: no second challenge */
	get_and_check(c);
	assert_int_equal(s->challenges, 1);
	assert_int_equal(s->authorized, 2);
	wsman_client_free(c);
	srv_stop(s);
}

static void test_digest_qop_auth(void **state)
{
	(void)state;
	run_digest("auth");
}

static void test_digest_qop_auth_int_auth(void **state)
{
	(void)state;
	run_digest("auth-int, auth");
}

static void test_wrong_password(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, "wrong", 0);
	xmlDocPtr doc = (xmlDocPtr)1;
	xmlNodePtr inst;
	struct wsman_error e;
	char line[512];

	(void)state;
	assert_int_equal(wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e), WSMAN_E_AUTH);
	assert_null(doc);
	assert_int_equal(e.http_status, 401);
	assert_int_equal(s->authorized, 0);
	assert_string_equal(s->user, USER);
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "authentication failed"));
	assert_null(strstr(line, "wrong"));
	wsman_client_free(c);
	srv_stop(s);
}

static void test_server_closes(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);
	xmlDocPtr doc;
	xmlNodePtr inst;
	struct wsman_error e;
	char line[512];

	(void)state;
	s->drop = true;
	assert_int_equal(wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e), WSMAN_E_NETWORK);
	assert_null(doc);
	assert_int_equal(e.http_status, 0);
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "network error"));
	wsman_client_free(c);
	srv_stop(s);
}

static void test_timeout(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 300);
	xmlDocPtr doc;
	xmlNodePtr inst;
	struct wsman_error e;

	(void)state;
	s->silent = true;
	assert_int_equal(wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e), WSMAN_E_NETWORK);
	assert_non_null(strcasestr(e.curl_message, "timed out"));
	wsman_client_free(c);
	srv_stop(s);
}

static void test_server_closes_after_each_reply(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);

	(void)state;
	s->close_after = true;
	for (int i = 0; i < 4; i++)
		get_and_check(c);
	assert_int_equal(s->authorized, 4);
	wsman_client_free(c);
	srv_stop(s);
}

static void test_connection_refused(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c;
	xmlDocPtr doc;
	xmlNodePtr inst;
	struct wsman_error e;

	(void)state;
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->accept_th, NULL);
	s->accepting = false;
	close(s->lfd);
	s->lfd = -1;
	c = client_for(s, PASS, 0);
	assert_int_equal(wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e), WSMAN_E_NETWORK);
	wsman_client_free(c);
	srv_stop(s);
}

static void test_fault_and_http_errors(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	struct wsman_error e;
	char line[512];

	(void)state;
	assert_int_equal(wsman_get(c, WSMAN_AMT_URI("AMT_Missing"), NULL, 0, &doc, &inst, &e),
			 WSMAN_E_FAULT);
	assert_null(doc);
	assert_int_equal(e.http_status, 400);
	assert_string_equal(e.fault_code, "s:Sender");
	assert_string_equal(e.fault_subcode, "wsa:DestinationUnreachable");
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "wsa:DestinationUnreachable"));
	assert_non_null(strstr(line, "does not offer this class"));

	assert_int_equal(wsman_get(c, WSMAN_AMT_URI("AMT_Broken"), NULL, 0, &doc, &inst, &e),
			 WSMAN_E_HTTP);
	assert_int_equal(e.http_status, 500);
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "500"));

	assert_int_equal(wsman_get(c, WSMAN_AMT_URI("AMT_Replay"), NULL, 0, &doc, &inst, &e),
			 WSMAN_E_PARSE);
	assert_non_null(strstr(e.curl_message, "RelatesTo"));

	assert_int_equal(wsman_get(c, WSMAN_AMT_URI("AMT_Big"), NULL, 0, &doc, &inst, &e),
			 WSMAN_E_PARSE);
	assert_non_null(strstr(e.curl_message, "larger"));
	assert_null(doc);

	/* the client still works after all that */
	get_and_check(c);
	wsman_client_free(c);
	srv_stop(s);
}

struct collect {
	char ids[8][32];
	int n, stop_after;
};

static int collect_cb(void *arg, xmlNodePtr item)
{
	struct collect *col = arg;
	const char *id = wsman_child_text(item, "InstanceID");

	if (col->n < 8)
		snprintf(col->ids[col->n], sizeof(col->ids[0]), "%s", id ? id : "?");
	col->n++;
	return col->stop_after && col->n >= col->stop_after;
}

static void test_enumerate(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);
	struct collect col = {0};
	struct wsman_error e;

	(void)state;
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 3);
	assert_string_equal(col.ids[0], "ctx-1-a");
	assert_string_equal(col.ids[1], "b");
	assert_string_equal(col.ids[2], "ctx-2-a");
	assert_int_equal(s->releases, 0);

	memset(&col, 0, sizeof(col));
	col.stop_after = 1;
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 1);
	assert_int_equal(s->releases, 1);
	assert_non_null(strstr(s->last_body, "ctx-2")); /* released the latest context */

	memset(&col, 0, sizeof(col));
	assert_int_equal(wsman_enumerate(c, WSMAN_CIM_URI("CIM_Endless"), collect_cb, &col, &e),
			 WSMAN_E_PARSE);
	assert_non_null(strstr(e.curl_message, "pulls"));
	assert_int_equal(col.n, 2 * WSMAN_ENUM_MAX_PULLS);
	assert_int_equal(s->releases, 2);

	memset(&col, 0, sizeof(col));
	assert_int_equal(wsman_enumerate(c, WSMAN_AMT_URI("AMT_Missing"), collect_cb, &col, &e),
			 WSMAN_E_FAULT);
	assert_int_equal(col.n, 0);
	wsman_client_free(c);
	srv_stop(s);
}

static void test_invoke(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);
	struct wsman_selector sel[] = {{"Name", "Intel(r) AMT Third Party Data Storage Service"}};
	struct wsman_param in[] = {{"SessionHandle", "0A1B"}, {"BlockHandle", "3"},
				   {"ByteOffset", "0"}, {"Data", "QUJD<&>"}};
	xmlDocPtr doc = NULL;
	xmlNodePtr out = NULL;
	struct wsman_error e;
	uint32_t u = 0;
	char line[512];

	(void)state;
	assert_int_equal(wsman_invoke(c, TPDS_URI, "GetMTU", sel, 1, NULL, 0, &doc, &out, &e), WSMAN_OK);
	assert_int_equal(wsman_child_u32(out, "Mtu", &u), WSMAN_OK);
	assert_int_equal(u, 4096);
	xmlFreeDoc(doc);

	assert_int_equal(wsman_invoke(c, TPDS_URI, "WriteBlock", sel, 1, in, 4, &doc, &out, &e),
			 WSMAN_E_RETURN);
	assert_int_equal(e.return_value, 18);
	assert_non_null(doc);
	assert_int_equal(wsman_child_u32(out, "BytesWritten", &u), WSMAN_OK);
	assert_int_equal(u, 1024);
	xmlFreeDoc(doc);
	assert_non_null(strstr(s->last_body, "<h:WriteBlock_INPUT xmlns:h=\"" TPDS_URI "\">"
					     "<h:SessionHandle>0A1B</h:SessionHandle><h:BlockHandle>3"
					     "</h:BlockHandle><h:ByteOffset>0</h:ByteOffset>"
					     "<h:Data>QUJD&lt;&amp;&gt;</h:Data>"));
	assert_non_null(strstr(s->last_body, TPDS_URI "/WriteBlock</a:Action>"));
	wsman_error_format(&e, line, sizeof(line));
	assert_non_null(strstr(line, "ReturnValue 18"));

	assert_int_equal(wsman_invoke(c, TPDS_URI, "Bad Name", NULL, 0, NULL, 0, &doc, &out, &e),
			 WSMAN_E_INVALID);
	assert_null(doc);
	wsman_client_free(c);
	srv_stop(s);
}

/* open_socket: each connection is a socketpair end served by a thread. */
static int open_pair(void *arg)
{
	struct srv *s = arg;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	start_conn(s, sv[1]);
	return sv[0];
}

static int open_fail(void *arg)
{
	(void)arg;
	return -1;
}

static void test_open_socket(void **state)
{
	struct srv *s = srv_start("auth", false);
	struct wsman_opts o = {.url = "http://127.0.0.1:16992/wsman", .user = USER, .password = PASS,
			       .open_socket = open_pair, .open_socket_arg = s};
	struct wsman_client *c = wsman_client_new(&o);
	struct collect col = {0};
	struct wsman_error e;

	(void)state;
	assert_non_null(c);
	get_and_check(c);
	assert_int_equal(s->opened, 2); /* the 401 closed the first one */
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 3);
	wsman_client_free(c);
	srv_stop(s);

	/* AMT closes an APF channel after each answer, without Connection: close */
	s = srv_start("auth", false);
	s->close_after = true;
	o.open_socket_arg = s;
	c = wsman_client_new(&o);
	assert_non_null(c);
	for (int i = 0; i < 5; i++)
		get_and_check(c);
	memset(&col, 0, sizeof(col));
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 3);
	assert_int_equal(s->authorized, 8);
	wsman_client_free(c);
	srv_stop(s);

	o.open_socket = open_fail;
	c = wsman_client_new(&o);
	assert_non_null(c);
	{
		xmlDocPtr doc;
		xmlNodePtr inst;
		assert_int_equal(wsman_get(c, GS_URI, NULL, 0, &doc, &inst, &e), WSMAN_E_NETWORK);
		assert_non_null(strstr(e.curl_message, "open"));
	}
	wsman_client_free(c);
}

/* AMT's own framing over TCP: chunked answers on a connection kept open
 * after the 200; the client reuses it and its nonce for every request. */
static void test_chunked_keepalive(void **state)
{
	struct srv *s = srv_start("auth", true);
	struct wsman_client *c = client_for(s, PASS, 0);
	struct collect col = {0};
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;

	(void)state;
	s->chunked = true;
	for (int i = 0; i < 3; i++)
		get_and_check(c);
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 3);
	assert_string_equal(col.ids[2], "ctx-2-a");
	assert_int_equal(wsman_get(c, WSMAN_AMT_URI("AMT_Missing"), NULL, 0, &doc, &inst, &e),
			 WSMAN_E_FAULT); /* a fault, chunked too */
	assert_string_equal(e.fault_subcode, "wsa:DestinationUnreachable");
	get_and_check(c);
	assert_int_equal(s->challenges, 1);
	assert_int_equal(s->authorized, 8); /* 4 Gets, Enumerate + 2 Pulls, the fault */
	assert_int_equal(s->opened, 2); /* the 401 closed the first; one connection since */
	wsman_client_free(c);
	srv_stop(s);
}

/* open_socket (the agent's APF channels over LME): chunked answers that
 * leave the connection open. Each request still gets its own channel,
 * closed after its answer: libcurl 7.88 never reuses such connections and
 * would otherwise hold one open per request until the fifth one failed. */
static void test_open_socket_chunked(void **state)
{
	struct srv *s = srv_start("auth", false);
	struct wsman_opts o = {.url = "http://127.0.0.1:16992/wsman", .user = USER, .password = PASS,
			       .open_socket = open_pair, .open_socket_arg = s};
	struct wsman_client *c = wsman_client_new(&o);
	struct collect col = {0};
	struct wsman_error e;

	(void)state;
	assert_non_null(c);
	s->chunked = true;
	for (int i = 0; i < 8; i++)
		get_and_check(c);
	assert_int_equal(wsman_enumerate(c, SW_URI, collect_cb, &col, &e), WSMAN_OK);
	assert_int_equal(col.n, 3);
	assert_int_equal(s->authorized, 11); /* 8 Gets, Enumerate + 2 Pulls */
	assert_int_equal(s->opened, 12);     /* the 401's, then one per request */
	wsman_client_free(c);
	srv_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_qop_auth),
		cmocka_unit_test(test_digest_qop_auth_int_auth),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_server_closes_after_each_reply),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_fault_and_http_errors),
		cmocka_unit_test(test_enumerate),
		cmocka_unit_test(test_invoke),
		cmocka_unit_test(test_open_socket),
		cmocka_unit_test(test_chunked_keepalive),
		cmocka_unit_test(test_open_socket_chunked),
	};
	int rc;

	if (wsman_global_init() != WSMAN_OK)
		return 1;
	if (getenv("WSMAN_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WSMAN_TEST_FILTER"));
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wsman_global_cleanup();
	return rc;
}
