/*
 * net_plugin.c - the body of amt-agent-net.so (see net.h): report POSTs
 * with libcurl and the 3PDS host-ID actions over WS-Management.
 *
 * Built as a shared module with its own copies of the WS-Man client, the
 * 3PDS code and the log sink; amt-agent reaches it only through the
 * exported amt_agent_net_v1 table.
 * Must not: print; results go back in the structs.
 */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_tls.h"
#include "exitcode.h"
#include "hostid_3pds.h"
#include "log.h"
#include "net.h"

#define TOKEN_MAX 4096

static void net_set_log_level(int level)
{
	log_init("amt-agent", LOG_SINK_STDERR, (enum log_level)level);
}

/* ---- reports ---- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct net_post_result *r = arg;
	size_t take = size * n, room = sizeof(r->body) - 1 - r->body_len;
	if (take > room)
		take = room;
	memcpy(r->body + r->body_len, p, take);
	r->body_len += take;
	r->body[r->body_len] = '\0';
	return size * n;
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

	memset(r, 0, sizeof(*r));
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
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
	struct curl_tls_policy tls = {.ca_file = p->ca_file, .client_cert = p->client_cert,
				      .client_key = p->client_key};
	CURLcode rc = curl_tls_apply(curl, &tls);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	else
		snprintf(r->error, sizeof(r->error), "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
out:
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

/* ---- host ID in 3PDS ---- */

static int exit_for(int rc, const struct wsman_error *e)
{
	switch (rc) {
	case HOSTID_E_REGISTER:
	case HOSTID_E_STORAGE:
	case WSMAN_E_FAULT:
	case WSMAN_E_RETURN:
		return EXIT_AMT_REFUSED;
	case HOSTID_E_FORMAT:
	case WSMAN_E_PARSE:
		return EXIT_AMT_PROTOCOL;
	case HOSTID_E_INVALID:
		return EXIT_AMT_USAGE;
	case WSMAN_E_AUTH:
		return EXIT_AMT_PERM;
	default:
		return e->http_status == 0 ? EXIT_AMT_TIMEOUT : EXIT_AMT_NETWORK;
	}
}

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
		rc = WSMAN_E_NOMEM;
		goto out;
	}
	switch (q->action) {
	case NET_HOSTID_SHOW:
		rc = hostid_3pds_read(c, &n, q->uuid, res->id, sizeof(res->id), &e);
		break;
	case NET_HOSTID_CLEAR:
		rc = hostid_3pds_clear(c, &n, q->uuid, &e);
		break;
	case NET_HOSTID_SET:
		snprintf(res->id, sizeof(res->id), "%s", q->new_id);
		rc = hostid_3pds_write(c, &n, q->uuid, res->id, &e);
		break;
	default: /* INIT: read first; create only when nothing is stored */
		rc = hostid_3pds_read(c, &n, q->uuid, res->id, sizeof(res->id), &e);
		if (rc != HOSTID_NONE)
			break;
		snprintf(res->id, sizeof(res->id), "%s", q->restore_id ? q->restore_id : "");
		res->created = true;
		rc = hostid_3pds_write(c, &n, q->uuid, res->id, &e);
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
		res->created = false;
	} else {
		res->status = NET_HOSTID_FAILED;
		res->created = false;
		res->exit_code = exit_for(rc, &e);
		hostid_3pds_describe(rc, &n, &e, res->message, sizeof(res->message));
	}
	wsman_client_free(c);
	wsman_global_cleanup();
}

/* The only symbol amt-agent looks up. */
extern const struct agent_net amt_agent_net_v1;
const struct agent_net amt_agent_net_v1 = {
	.abi = AGENT_NET_ABI,
	.set_log_level = net_set_log_level,
	.post = net_post,
	.hostid_3pds = net_hostid_3pds,
};
