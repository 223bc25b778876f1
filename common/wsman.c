// SPDX-License-Identifier: Apache-2.0
/*
 * wsman.c - WS-Man transport over libcurl (see wsman.h).
 *
 * Owns: the libcurl easy handle of a client and its options (digest only,
 * no redirects, no proxies, http/https only, bounded time and size), the
 * OpenSSL hooks for certificate pinning and legacy TLS, turning libcurl and
 * HTTP outcomes into wsman_err_kind, and the Get / Enumerate / Invoke flows.
 * Must not: build or parse XML itself (wsman_xml.c does), write HTTP, digest
 * or TLS code by hand, or put credentials in logs or error text.
 */
#include "wsman.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "capbuf.h"
#include "curl_tls.h"
#include "log.h"
#include "wsman_relay.h"

#define DEFAULT_TIMEOUT_MS 10000L

struct wsman_client {
	CURL *curl;
	CURLM *multi;              /* relay mode only (libcurl < 8.0) */
	struct wsman_relay *relay; /* relay mode only */
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char *url;
	unsigned char pin[32];
	bool has_pin, insecure, allow_tls10, legacy_warned;
	bool pin_mismatch;       /* the last handshake failed on the pin */
	int tls_version;         /* negotiated, seen at certificate time */
	bool cert_seen;          /* cert_sha256 valid for the last handshake */
	char cert_sha256[65];    /* leaf certificate fingerprint, hex */
	int (*open_socket)(void *arg);
	void *open_socket_arg;
	int (*perform)(void *arg, void *curl_easy);
	void *perform_arg;
	char errbuf[CURL_ERROR_SIZE];
};


int wsman_global_init(void)
{
	xmlInitParser();
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? WSMAN_OK : WSMAN_E_NOMEM;
}

void wsman_global_cleanup(void)
{
	curl_global_cleanup();
	xmlCleanupParser();
}

/* ---- options ---- */

/* 64 hex digits, optionally separated by ':' -> 32 bytes. */
static bool parse_pin(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v = OPENSSL_hexchar2int((unsigned char)*s);
		if (*s == ':' && hi < 0)
			continue;
		if (v < 0 || n >= 32)
			return false;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return n == 32 && hi < 0;
}

static int invalid(char *why, size_t cap, const char *msg)
{
	if (why && cap)
		snprintf(why, cap, "%s", msg);
	return WSMAN_E_INVALID;
}

int wsman_opts_validate(const struct wsman_opts *o, char *why, size_t cap)
{
	unsigned char pin[32];
	bool https;

	if (!o || !o->url)
		return invalid(why, cap, "no WS-Man URL");
	https = strncasecmp(o->url, "https://", 8) == 0;
	if (!https && strncasecmp(o->url, "http://", 7) != 0)
		return invalid(why, cap, "WS-Man URL must start with http:// or https://");
	if (o->password && !o->user)
		return invalid(why, cap, "a password needs a user name");
	if (o->pin_sha256 && !parse_pin(o->pin_sha256, pin))
		return invalid(why, cap, "certificate pin must be 64 hex digits (SHA-256 of the DER certificate)");
	if (o->pin_sha256 && (o->insecure || o->ca_file))
		return invalid(why, cap, "a certificate pin excludes both a CA file and insecure mode");
	if (o->insecure && o->ca_file)
		return invalid(why, cap, "insecure mode excludes a CA file");
	if (!https && (o->pin_sha256 || o->ca_file || o->insecure || o->allow_tls10))
		return invalid(why, cap, "TLS options given for an http:// URL");
	if (o->timeout_ms < 0)
		return invalid(why, cap, "negative timeout");
	if (o->connect_to && (o->open_socket || strlen(o->connect_to) > 512))
		return invalid(why, cap, "connect-to excludes a caller socket and is at most 512 bytes");
	OPENSSL_cleanse(pin, sizeof(pin));
	return WSMAN_OK;
}

/* ---- libcurl callbacks ---- */

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)size; /* always 1 */
	/* over WSMAN_MAX_RESPONSE or out of memory: abort the transfer */
	return capbuf_append(arg, p, nmemb) == 0 ? nmemb : 0;
}

/* A new status line starts a new response (e.g. after the digest 401):
 * only the last response's body counts. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)size;
	if (nmemb >= 5 && memcmp(p, "HTTP/", 5) == 0)
		capbuf_reset(arg);
	return nmemb;
}

static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct wsman_client *c = clientp;
	int fd;

	(void)addr;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	fd = c->open_socket(c->open_socket_arg);
	return fd < 0 ? CURL_SOCKET_BAD : (curl_socket_t)fd;
}

static int on_sockopt(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	(void)clientp;
	(void)fd;
	(void)purpose;
	return CURL_SOCKOPT_ALREADY_CONNECTED;
}

/*
 * Replaces OpenSSL's chain verification (SSL_CTX_set_cert_verify_callback):
 * records the negotiated version and the leaf fingerprint, then either
 * compares the fingerprint with the pin (constant time; TLS itself proves the
 * server holds the key of that certificate) or runs the normal X509 check.
 */
static int on_verify(X509_STORE_CTX *x, void *arg)
{
	struct wsman_client *c = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(x);
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (ssl)
		c->tls_version = SSL_version(ssl);
	c->cert_seen = false;
	if (leaf && X509_digest(leaf, EVP_sha256(), md, &n) == 1 && n == 32) {
		for (unsigned i = 0; i < 32; i++)
			snprintf(c->cert_sha256 + 2 * i, 3, "%02x", md[i]);
		c->cert_seen = true;
	}
	if (c->insecure)
		return 1;
	if (!c->has_pin)
		return X509_verify_cert(x);
	if (c->cert_seen && CRYPTO_memcmp(md, c->pin, 32) == 0)
		return 1;
	c->pin_mismatch = true;
	X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
	SSL_CTX *ctx = sslctx;
	struct wsman_client *c = arg;

	(void)curl;
	SSL_CTX_set_cert_verify_callback(ctx, on_verify, c);
	if (c->allow_tls10) {
		/* OpenSSL 3 refuses TLS < 1.2 below security level 0, and AMT 7-11
		 * may not send the renegotiation-info extension. */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	}
	return CURLE_OK;
}

/* ---- client ---- */

/* CURL_SOCKOPT_ALREADY_CONNECTED is honoured again from libcurl 8.0.0 on
 * (7.88.x calls connect() on the adopted fd: curl issue #10626). */
static bool adopt_fd_works(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	return v && v->version_num >= 0x080000;
}

/* Relay mode: drive the transfer ourselves so the relay can copy bytes
 * between libcurl's unix-socket connection and the caller's fd. */
static CURLcode perform_relayed(struct wsman_client *c)
{
	struct curl_waitfd fds[WSMAN_RELAY_MAX_FDS];
	CURLcode res = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;
	bool done = false;

	if (curl_multi_add_handle(c->multi, c->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		mc = curl_multi_perform(c->multi, &running);
		if (mc != CURLM_OK || !running)
			break;
		wsman_relay_run(c->relay);
		mc = curl_multi_poll(c->multi, fds, wsman_relay_waitfds(c->relay, fds, WSMAN_RELAY_MAX_FDS),
				     1000, NULL);
		if (mc != CURLM_OK)
			break;
		wsman_relay_run(c->relay);
	}
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->curl) {
			res = msg->data.result;
			done = true;
		}
	}
	if (!done)
		res = CURLE_OUT_OF_MEMORY; /* the multi interface itself failed */
	curl_multi_remove_handle(c->multi, c->curl);
	wsman_relay_run(c->relay); /* pass on closes */
	return res;
}

static bool setup_curl(struct wsman_client *c, const struct wsman_opts *o)
{
	CURL *h = c->curl;
	bool https = strncasecmp(o->url, "https://", 8) == 0;
	CURLcode e = CURLE_OK;

#define SET(opt, val) \
	do { \
		if (e == CURLE_OK) \
			e = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, c->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, ""); /* never an environment proxy */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	SET(CURLOPT_HTTPHEADER, c->headers);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1); /* all AMT speaks */
	if (o->user) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
		SET(CURLOPT_USERNAME, o->user);
		SET(CURLOPT_PASSWORD, o->password ? o->password : "");
	}
	if (c->connect_to)
		SET(CURLOPT_CONNECT_TO, c->connect_to);
	if (o->open_socket) {
		/* One connection (an APF channel) per request, closed after its
		 * answer, as rpc-go opens a channel per request: AMT keeps a
		 * connection open after a 200, and libcurl 7.88 never reuses a
		 * Unix-socket connection (it takes it for one still resolving: no
		 * peer IP), so each kept one would hold a channel and a relay link
		 * until the client is freed. */
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (c->relay) {
		SET(CURLOPT_ABSTRACT_UNIX_SOCKET, wsman_relay_name(c->relay));
	} else if (o->open_socket) {
		SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
		SET(CURLOPT_OPENSOCKETDATA, c);
		SET(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
		SET(CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V4); /* one attempt, one channel */
	}
	if (https) {
		struct curl_tls_policy tls = {.ca_file = o->ca_file, .insecure = o->insecure,
					      .pinned = c->has_pin, .allow_tls10 = o->allow_tls10};
		if (e == CURLE_OK)
			e = curl_tls_apply(h, &tls);
		SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		SET(CURLOPT_SSL_CTX_DATA, c);
	}
#undef SET
	if (e != CURLE_OK)
		log_error("wsman: libcurl refused an option: %s", curl_easy_strerror(e));
	return e == CURLE_OK;
}

struct wsman_client *wsman_client_new(const struct wsman_opts *o)
{
	struct wsman_client *c = NULL;
	char why[160];

	if (wsman_opts_validate(o, why, sizeof(why)) != WSMAN_OK) {
		log_error("wsman: %s", why);
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->url = strdup(o->url);
	c->curl = curl_easy_init();
	c->headers = curl_slist_append(NULL, "Content-Type: application/soap+xml; charset=utf-8");
	if (c->headers)
		c->headers = curl_slist_append(c->headers, "Expect:");
	if (!c->url || !c->curl || !c->headers)
		goto fail;
	c->has_pin = o->pin_sha256 && parse_pin(o->pin_sha256, c->pin);
	c->insecure = o->insecure;
	c->allow_tls10 = o->allow_tls10;
	c->open_socket = o->open_socket;
	c->open_socket_arg = o->open_socket_arg;
	if (o->connect_to && !(c->connect_to = curl_slist_append(NULL, o->connect_to)))
		goto fail;
	c->perform = o->perform;
	c->perform_arg = o->perform_arg;
	if (o->open_socket && !adopt_fd_works()) {
		c->relay = wsman_relay_new(o->open_socket, o->open_socket_arg);
		c->multi = c->relay ? curl_multi_init() : NULL;
		if (!c->multi)
			goto fail;
	}
	if (!setup_curl(c, o))
		goto fail;
	/* Callers warn once per run; a fleet must not print one line per device.
	 * A legacy handshake that actually happens is warned about per client. */
	if (c->insecure)
		log_debug("wsman: TLS verification is OFF for %s", c->url);
	if (c->allow_tls10)
		log_debug("wsman: TLS 1.0/1.1 allowed for %s (legacy AMT 7-11 firmware)", c->url);
	return c;
fail:
	wsman_client_free(c);
	return NULL;
}

void wsman_client_free(struct wsman_client *c)
{
	if (!c)
		return;
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	wsman_relay_free(c->relay);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->connect_to);
	free(c->url);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

bool wsman_client_used_legacy_tls(const struct wsman_client *c)
{
	return c && c->tls_version != 0 && c->tls_version < TLS1_2_VERSION;
}

/* ---- errors ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static bool is_tls_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

static int curl_failure(struct wsman_client *c, CURLcode cc, const struct capbuf *rb,
			struct wsman_error *err)
{
	const char *msg = c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc);

	if (rb->over) {
		err->kind = WSMAN_E_PARSE;
		snprintf(err->curl_message, sizeof(err->curl_message),
			 "response larger than %u bytes, transfer aborted", WSMAN_MAX_RESPONSE);
	} else if (rb->nomem || cc == CURLE_OUT_OF_MEMORY) {
		err->kind = WSMAN_E_NOMEM;
		copy_str(err->curl_message, sizeof(err->curl_message), "out of memory");
	} else if (is_tls_error(cc)) {
		err->kind = WSMAN_E_TLS;
		if (c->pin_mismatch && c->cert_seen)
			snprintf(err->curl_message, sizeof(err->curl_message),
				 "server certificate SHA-256 %s does not match the pinned fingerprint",
				 c->cert_sha256);
		else if (c->cert_seen && !c->insecure)
			snprintf(err->curl_message, sizeof(err->curl_message),
				 "%.150s (server certificate SHA-256 %s)", msg, c->cert_sha256);
		else
			copy_str(err->curl_message, sizeof(err->curl_message), msg);
	} else if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
		err->kind = WSMAN_E_INVALID;
		copy_str(err->curl_message, sizeof(err->curl_message), msg);
	} else {
		err->kind = WSMAN_E_NETWORK;
		copy_str(err->curl_message, sizeof(err->curl_message), msg);
	}
	return err->kind;
}

/* ---- requests ---- */

static const char *op_name(const struct wsman_request *r)
{
	switch (r->op) {
	case WSMAN_OP_GET:
		return "Get";
	case WSMAN_OP_ENUMERATE:
		return "Enumerate";
	case WSMAN_OP_PULL:
		return "Pull";
	case WSMAN_OP_RELEASE:
		return "Release";
	case WSMAN_OP_INVOKE:
		return r->method;
	case WSMAN_OP_PUT:
		return "Put";
	case WSMAN_OP_CREATE:
		return "Create";
	case WSMAN_OP_DELETE:
		return "Delete";
	case WSMAN_OP_SUBSCRIBE:
		return "Subscribe";
	case WSMAN_OP_UNSUBSCRIBE:
		return "Unsubscribe";
	}
	return "?";
}

/*
 * One round trip: build, POST, classify. On WSMAN_OK and WSMAN_E_FAULT the
 * parsed document is handed back; otherwise *doc is NULL.
 */
static int round_trip(struct wsman_client *c, const struct wsman_request *req, xmlDocPtr *doc,
		      xmlNodePtr *body, struct wsman_error *err)
{
	struct wsman_request r = *req;
	char msgid[WSMAN_MSGID_LEN];
	struct capbuf rb;
	xmlChar *xml = NULL;
	size_t xmllen = 0;
	long status = 0;
	CURLcode cc;
	int rc;

	*doc = NULL;
	*body = NULL;
	capbuf_init(&rb, WSMAN_MAX_RESPONSE);
	wsman_error_clear(err);
	if (!c) {
		rc = err->kind = WSMAN_E_INVALID;
		copy_str(err->curl_message, sizeof(err->curl_message), "no client");
		goto out;
	}
	rc = wsman_new_message_id(msgid);
	if (rc != WSMAN_OK) {
		err->kind = rc;
		goto out;
	}
	r.message_id = msgid;
	rc = wsman_build_request(&r, &xml, &xmllen, err);
	if (rc != WSMAN_OK)
		goto out;
	c->errbuf[0] = '\0';
	c->cert_seen = false;
	c->pin_mismatch = false;
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)xml);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)xmllen);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &rb);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &rb);
	if (c->relay)
		wsman_relay_take_open_failure(c->relay);
	cc = c->relay     ? perform_relayed(c)
	     : c->perform ? (CURLcode)c->perform(c->perform_arg, c->curl)
			  : curl_easy_perform(c->curl);
	if (cc != CURLE_OK && c->relay && wsman_relay_take_open_failure(c->relay)) {
		cc = CURLE_COULDNT_CONNECT;
		snprintf(c->errbuf, sizeof(c->errbuf), "could not open a connection to AMT "
						       "(the open_socket callback failed)");
	}
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (c->allow_tls10 && !c->legacy_warned && wsman_client_used_legacy_tls(c)) {
		log_warn("wsman: %s negotiated a TLS version older than 1.2 (allowed for legacy "
			 "AMT firmware)",
			 c->url);
		c->legacy_warned = true;
	}
	if (cc != CURLE_OK) {
		rc = curl_failure(c, cc, &rb, err);
		err->http_status = status;
		log_debug("wsman: %s %s: %s", op_name(&r), c->url, err->curl_message);
		goto out;
	}
	log_debug("wsman: %s %s -> HTTP %ld, %zu bytes", op_name(&r), c->url, status, rb.len);
	if (status == 401) {
		rc = err->kind = WSMAN_E_AUTH;
		err->http_status = status;
		goto out;
	}
	rc = wsman_parse_response(rb.data, rb.len, msgid, doc, body, err);
	err->http_status = status;
	if (status != 200 && rc != WSMAN_E_FAULT) {
		/* Anything but a SOAP fault on a non-200 is an HTTP error. */
		xmlFreeDoc(*doc);
		*doc = NULL;
		*body = NULL;
		err->curl_message[0] = '\0';
		rc = err->kind = WSMAN_E_HTTP;
	}
out:
	xmlFree(xml);
	capbuf_free(&rb);
	return rc;
}

static void drop(xmlDocPtr *doc)
{
	xmlFreeDoc(*doc);
	*doc = NULL;
}

int wsman_get(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
	      size_t nsel, xmlDocPtr *doc, xmlNodePtr *instance, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_GET, .resource_uri = resource_uri,
				  .sel = sel, .nsel = nsel};
	struct wsman_error local;
	xmlNodePtr body;
	int rc;

	if (!err)
		err = &local;
	*doc = NULL;
	*instance = NULL;
	rc = round_trip(c, &r, doc, &body, err);
	if (rc == WSMAN_OK)
		rc = wsman_response_instance(body, resource_uri, instance, err);
	if (rc != WSMAN_OK)
		drop(doc);
	return rc;
}

int wsman_invoke(struct wsman_client *c, const char *resource_uri, const char *method,
		 const struct wsman_selector *sel, size_t nsel, const struct wsman_param *in,
		 size_t nin, xmlDocPtr *doc, xmlNodePtr *output, struct wsman_error *err)
{
	return wsman_invoke_ref(c, resource_uri, method, sel, nsel, in, nin, NULL, 0, doc, output,
				err);
}

int wsman_invoke_ref(struct wsman_client *c, const char *resource_uri, const char *method,
		     const struct wsman_selector *sel, size_t nsel, const struct wsman_param *in,
		     size_t nin, const struct wsman_epr_param *refs, size_t nrefs, xmlDocPtr *doc,
		     xmlNodePtr *output, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_INVOKE, .resource_uri = resource_uri,
				  .sel = sel, .nsel = nsel, .method = method, .in = in, .nin = nin,
				  .epr_in = refs, .nepr = nrefs};
	struct wsman_error local;
	xmlNodePtr body;
	int rc;

	if (!err)
		err = &local;
	*doc = NULL;
	*output = NULL;
	rc = round_trip(c, &r, doc, &body, err);
	if (rc == WSMAN_OK)
		rc = wsman_response_output(body, method, output, err);
	if (rc != WSMAN_OK && rc != WSMAN_E_RETURN)
		drop(doc);
	return rc;
}

int wsman_put(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
	      size_t nsel, const struct wsman_param *props, size_t nprops, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_PUT, .resource_uri = resource_uri, .sel = sel,
				  .nsel = nsel, .in = props, .nin = nprops};
	struct wsman_error local;
	xmlDocPtr doc;
	xmlNodePtr body;
	if (!err)
		err = &local;
	int rc = round_trip(c, &r, &doc, &body, err);
	drop(&doc); /* AMT answers with the instance or nothing: either is success */
	return rc;
}

int wsman_create(struct wsman_client *c, const char *resource_uri, const struct wsman_param *props,
		 size_t nprops, xmlDocPtr *doc, xmlNodePtr *created, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_CREATE, .resource_uri = resource_uri,
				  .props = props, .nprops = nprops};
	struct wsman_error local;
	xmlNodePtr body;
	int rc;

	if (!err)
		err = &local;
	*created = NULL;
	rc = round_trip(c, &r, doc, &body, err);
	if (rc == WSMAN_OK && !(*created = wsman_child(body, "ResourceCreated"))) {
		rc = err->kind = WSMAN_E_PARSE;
		copy_str(err->curl_message, sizeof(err->curl_message),
			 "the CreateResponse holds no ResourceCreated");
	}
	if (rc != WSMAN_OK)
		drop(doc);
	return rc;
}

/* A request whose answer carries nothing we read (Delete, Unsubscribe). */
static int no_answer(struct wsman_client *c, const struct wsman_request *r, struct wsman_error *err)
{
	struct wsman_error local;
	xmlDocPtr doc;
	xmlNodePtr body;
	int rc = round_trip(c, r, &doc, &body, err ? err : &local);
	xmlFreeDoc(doc);
	return rc;
}

int wsman_delete(struct wsman_client *c, const char *resource_uri, const struct wsman_selector *sel,
		 size_t nsel, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_DELETE, .resource_uri = resource_uri, .sel = sel,
				  .nsel = nsel};
	return no_answer(c, &r, err);
}

int wsman_subscribe(struct wsman_client *c, const char *resource_uri,
		    const struct wsman_selector *sel, size_t nsel, const struct wsman_subscribe *sub,
		    xmlDocPtr *doc, xmlNodePtr *manager, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_SUBSCRIBE, .resource_uri = resource_uri,
				  .sel = sel, .nsel = nsel, .sub = sub};
	struct wsman_error local;
	xmlNodePtr body;
	int rc;

	if (!err)
		err = &local;
	*manager = NULL;
	rc = round_trip(c, &r, doc, &body, err);
	if (rc == WSMAN_OK)
		*manager = wsman_child(wsman_child(body, "SubscribeResponse"), "SubscriptionManager");
	else
		drop(doc);
	return rc;
}

int wsman_unsubscribe(struct wsman_client *c, const char *resource_uri,
		      const struct wsman_selector *sel, size_t nsel,
		      const struct wsman_epr_selector *epr_sel, size_t nepr_sel, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_UNSUBSCRIBE, .resource_uri = resource_uri,
				  .sel = sel, .nsel = nsel, .epr_sel = epr_sel, .nepr_sel = nepr_sel};
	return no_answer(c, &r, err);
}

/* Best effort: tell AMT to drop an enumeration we abandon. */
static void release(struct wsman_client *c, const char *uri, const char *context)
{
	struct wsman_request r = {.op = WSMAN_OP_RELEASE, .resource_uri = uri,
				  .enum_context = context};
	struct wsman_error e;
	xmlDocPtr doc;
	xmlNodePtr body;

	round_trip(c, &r, &doc, &body, &e);
	xmlFreeDoc(doc);
}

int wsman_enumerate(struct wsman_client *c, const char *resource_uri,
		    int (*cb)(void *arg, xmlNodePtr item), void *arg, struct wsman_error *err)
{
	struct wsman_request r = {.op = WSMAN_OP_ENUMERATE, .resource_uri = resource_uri};
	struct wsman_error local;
	xmlDocPtr doc = NULL;
	xmlNodePtr body, items;
	const char *ctx_text;
	char *context = NULL;
	unsigned pulls = 0, count = 0;
	bool end = false, stop = false;
	int rc;

	if (!err)
		err = &local;
	if (!cb) {
		wsman_error_clear(err);
		rc = err->kind = WSMAN_E_INVALID;
		copy_str(err->curl_message, sizeof(err->curl_message), "no item callback");
		goto out;
	}
	rc = round_trip(c, &r, &doc, &body, err);
	if (rc == WSMAN_OK)
		rc = wsman_response_enum_context(body, &ctx_text, err);
	if (rc != WSMAN_OK)
		goto out;
	context = strdup(ctx_text);
	if (!context)
		goto nomem;
	while (!end && !stop) {
		drop(&doc);
		if (pulls++ >= WSMAN_ENUM_MAX_PULLS) {
			rc = err->kind = WSMAN_E_PARSE;
			snprintf(err->curl_message, sizeof(err->curl_message),
				 "enumeration did not end after %u pulls", WSMAN_ENUM_MAX_PULLS);
			break;
		}
		r = (struct wsman_request){.op = WSMAN_OP_PULL, .resource_uri = resource_uri,
					   .enum_context = context};
		rc = round_trip(c, &r, &doc, &body, err);
		if (rc == WSMAN_OK)
			rc = wsman_response_pull(body, &items, &ctx_text, &end, err);
		if (rc != WSMAN_OK)
			goto out; /* AMT drops the context on errors */
		for (xmlNodePtr it = items ? items->children : NULL; it && !stop; it = it->next) {
			if (it->type != XML_ELEMENT_NODE)
				continue;
			if (++count > WSMAN_ENUM_MAX_ITEMS) {
				rc = err->kind = WSMAN_E_PARSE;
				snprintf(err->curl_message, sizeof(err->curl_message),
					 "enumeration returned more than %u items",
					 WSMAN_ENUM_MAX_ITEMS);
				break;
			}
			stop = cb(arg, it) != 0;
		}
		if (rc != WSMAN_OK)
			break;
		if (!end && ctx_text) {
			free(context);
			context = strdup(ctx_text);
			if (!context)
				goto nomem;
		}
	}
	if (!end)
		release(c, resource_uri, context);
	goto out;
nomem:
	rc = err->kind = WSMAN_E_NOMEM;
out:
	xmlFreeDoc(doc);
	free(context);
	return rc;
}
