// SPDX-License-Identifier: Apache-2.0
/*
 * net_module.c - the body of amt-agent-net.so (see net.h): report POSTs
 * with libcurl and the 3PDS host-ID actions over WS-Management; the alert
 * calls (presence, subscribers) are net_alerts.c's.
 *
 * Built as a shared module with its own copies of the WS-Man client, the
 * 3PDS code and the log sink; amt-agent reaches it only through the
 * exported amt_agent_net_v3 table.
 * Must not: print; results go back in the structs.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capbuf.h"
#include "curl_tls.h"
#include "hostid_3pds.h"
#include "log.h"
#include "net.h"
#include "net_int.h"

#define TOKEN_MAX 4096

static void net_set_log_level(int level)
{
	log_init("amt-agent", LOG_SINK_STDERR, (enum log_level)level);
}

/* ---- reports ---- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	(void)size; /* always 1 */
	/* past NET_BODY_MAX the answer is cut (and said so), not the transfer */
	if (capbuf_append(arg, p, n) == -ENOMEM)
		return 0;
	return n;
}

/* The bearer token; a trailing newline is not part of it. */
static char *read_token(const char *path)
{
	FILE *f = fopen(path, "r");
	char *t = calloc(1, TOKEN_MAX);
	if (!f || !t) {
		if (f)
			fclose(f);
		free(t);
		return NULL;
	}
	size_t n = fread(t, 1, TOKEN_MAX - 1, f);
	fclose(f);
	while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
		t[--n] = '\0';
	return t;
}

static void net_post(const struct net_post *p, struct net_post_result *r)
{
	CURL *curl;
	struct curl_slist *hdr = NULL;
	char *token = NULL, *auth = NULL, ebuf[CURL_ERROR_SIZE] = "";
	struct capbuf body;

	memset(r, 0, sizeof(*r));
	capbuf_init(&body, NET_BODY_MAX);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (!curl) {
		snprintf(r->error, sizeof(r->error), "cannot initialise libcurl");
		goto out;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	if (p->token_file) {
		token = read_token(p->token_file);
		if (!token) {
			snprintf(r->error, sizeof(r->error), "cannot read the token file %.200s",
				 p->token_file);
			goto out;
		}
		size_t alen = strlen(token) + 32;
		auth = malloc(alen);
		if (auth) {
			snprintf(auth, alen, "Authorization: Bearer %s", token);
			hdr = curl_slist_append(hdr, auth);
		}
	}
	curl_easy_setopt(curl, CURLOPT_URL, p->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, p->text);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)p->len);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	struct curl_tls_policy tls = {.ca_file = p->ca_file, .client_cert = p->client_cert,
				      .client_key = p->client_key};
	CURLcode rc = curl_tls_apply(curl, &tls);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	else
		snprintf(r->error, sizeof(r->error), "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	r->body = body.data; /* handed over: post_result_free releases it */
	r->body_len = body.len;
	r->body_truncated = body.over;
	body.data = NULL;
out:
	capbuf_free(&body);
	if (token)
		OPENSSL_cleanse(token, TOKEN_MAX);
	if (auth)
		OPENSSL_cleanse(auth, strlen(auth));
	free(token);
	free(auth);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
}

static void net_post_result_free(struct net_post_result *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

/* ---- host ID in 3PDS ---- */

/* Which kind of failure rc is; the agent maps classes to exit codes. */
enum net_error_class net_class_of(int rc, const struct wsman_error *e)
{
	switch (rc) {
	case HOSTID_E_REGISTER:
	case HOSTID_E_STORAGE:
	case WSMAN_E_FAULT:
	case WSMAN_E_RETURN:
		return NET_ERR_REFUSED;
	case HOSTID_E_FORMAT:
	case WSMAN_E_PARSE:
		return NET_ERR_PROTOCOL;
	case HOSTID_E_INVALID:
		return NET_ERR_INVALID;
	case WSMAN_E_AUTH:
		return NET_ERR_AUTH;
	case WSMAN_E_NOMEM:
		return NET_ERR_LOCAL;
	default:
		return e->http_status == 0 ? NET_ERR_TIMEOUT : NET_ERR_NETWORK;
	}
}

/* One 3PDS action; no policy: hostid.c decides what to read or write. */
static void net_hostid_3pds(const struct net_hostid_req *q, struct net_hostid_result *res)
{
	struct hostid_names n = {q->vendor, q->application, q->enterprise, q->block_name};
	struct wsman_opts o = {.url = q->url, .user = q->user, .password = q->password,
			       .timeout_ms = 15000, .open_socket = q->open_socket,
			       .open_socket_arg = q->open_socket_arg};
	struct wsman_error e;
	struct wsman_client *c;
	int rc;

	memset(res, 0, sizeof(*res));
	wsman_error_clear(&e);
	wsman_global_init();
	c = wsman_client_new(&o);
	if (!c) {
		rc = e.kind = WSMAN_E_NOMEM;
		goto out;
	}
	switch (q->action) {
	case NET_HOSTID_READ:
		rc = hostid_3pds_read(c, &n, q->uuid, res->id, sizeof(res->id), &e);
		break;
	case NET_HOSTID_CLEAR:
		rc = hostid_3pds_clear(c, &n, q->uuid, &e);
		break;
	case NET_HOSTID_WRITE:
		rc = hostid_3pds_write(c, &n, q->uuid, q->id ? q->id : "", &e);
		break;
	default:
		rc = HOSTID_E_INVALID;
		break;
	}
out:
	if (rc == HOSTID_OK) {
		res->status = NET_HOSTID_OK;
	} else if (rc == HOSTID_NONE) {
		res->status = NET_HOSTID_NONE;
		res->id[0] = '\0';
	} else if (rc == HOSTID_E_NO_3PDS) {
		res->status = NET_HOSTID_ABSENT;
	} else {
		res->status = NET_HOSTID_FAILED;
		res->id[0] = '\0';
		res->error_class = net_class_of(rc, &e);
		hostid_3pds_describe(rc, &n, &e, res->message, sizeof(res->message));
	}
	wsman_client_free(c);
	wsman_global_cleanup();
}

/* The only symbol amt-agent looks up. */
extern const struct agent_net amt_agent_net_v3;
const struct agent_net amt_agent_net_v3 = {
	.abi = AGENT_NET_ABI,
	.set_log_level = net_set_log_level,
	.post = net_post,
	.post_result_free = net_post_result_free,
	.hostid_3pds = net_hostid_3pds,
	.presence = net_presence,
	.cila_subscribers = net_cila_subscribers,
};
