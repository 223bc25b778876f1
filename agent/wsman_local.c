// SPDX-License-Identifier: Apache-2.0
/*
 * wsman_local.c - the local WS-Management path: LMS when it answers and
 * root owns it, else our own LME tunnel; and the credentials (see
 * wsman_local.h).
 */
#include "wsman_local.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exitcode.h"
#include "lme_bridge.h"
#include "log.h"
#include "sockowner.h"

#define LMS_PROBE_MS 500
#define LME_URL "http://127.0.0.1:16992/wsman"

/* The uid Intel LMS runs as: its systemd unit (intel/lms lms.service) sets
 * no User=, so root. Anything else on its port is some local user. */
#define LMS_UID 0

/* The address in an http://HOST:PORT/... URL (numeric port, default 16992). */
static struct addrinfo *lms_address(const char *url)
{
	char host[256] = "", port[8] = "16992";
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t hl = strcspn(p, ":/");
	if (hl == 0 || hl >= sizeof(host))
		return NULL;
	memcpy(host, p, hl);
	if (p[hl] == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(p + hl + 1, "/"), p + hl + 1);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
	return getaddrinfo(host, port, &hints, &ai) == 0 ? ai : NULL;
}

static bool lms_answers(const struct addrinfo *ai)
{
	bool up = false;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)) {
		struct pollfd pf = {.fd = fd, .events = POLLOUT};
		int err = 0;
		socklen_t len = sizeof(err);
		up = poll(&pf, 1, LMS_PROBE_MS) == 1 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
	}
	if (fd >= 0)
		close(fd);
	return up;
}

/*
 * Whether what listens on the LMS address is Intel LMS: every listening
 * socket that would take our connection must belong to LMS_UID. Any local
 * user can bind 127.0.0.1:16992 while LMS is not running, then choose the
 * digest realm and nonce (offline cracking of our password) and forge 3PDS
 * answers; so anything else is ignored, and why is logged.
 */
static bool lms_trusted(const struct addrinfo *ai, const char *url)
{
	struct sock_owners o;
	int rc = sockowner_tcp_listeners(ai->ai_addr, ai->ai_addrlen, &o);
	if (rc != 0) {
		log_warn("not using %s: cannot tell who listens there (sock_diag: %s); going "
			 "through the ME's LME client instead",
			 url, strerror(-rc));
		return false;
	}
	if (o.count == 0)
		return false; /* nothing listens: LMS is not running */
	for (size_t i = 0; i < o.count && i < SOCKOWNER_MAX; i++) {
		if (o.uid[i] != LMS_UID) {
			log_warn("not using %s: the process listening there runs as uid %u, not as "
				 "Intel LMS (root) — it may be impersonating LMS; going through the "
				 "ME's LME client instead",
				 url, (unsigned)o.uid[i]);
			return false;
		}
	}
	if (o.count > SOCKOWNER_MAX) {
		log_warn("not using %s: %zu sockets listen there; going through the ME's LME "
			 "client instead",
			 url, o.count);
		return false;
	}
	return true;
}

int wsman_local_transport(struct agent_ctx *ctx, struct heci *h, struct wsman_local *w)
{
	const char *url = ctx->cfg.hostid_lms_url;
	struct addrinfo *ai = lms_address(url);
	bool lms = ai && lms_trusted(ai, url) && lms_answers(ai);
	if (ai)
		freeaddrinfo(ai);
	if (lms) {
		w->transport = "lms";
		w->url = url;
	} else {
		int rc = lme_bridge_new(&w->bridge, h, (int)ctx->cfg.timeout_ms);
		if (rc != 0)
			return agent_fail(ctx, h,
					  "reach AMT's WS-Management service (LMS is not running "
					  "and the ME's LME client could not be used)",
					  rc, AMT_STATUS_SUCCESS, NULL);
		w->transport = "lme";
		w->url = LME_URL;
		w->open_socket = lme_bridge_open_socket;
		w->open_socket_arg = w->bridge;
	}
	log_info("WS-Management through %s", w->transport);
	return 0;
}

int wsman_local_credentials(struct agent_ctx *ctx, struct heci *h, struct wsman_local *w,
			    const char *what)
{
	if (ctx->cfg.hostid_user) {
		FILE *f = fopen(ctx->cfg.hostid_password_file ? ctx->cfg.hostid_password_file : "",
				"r");
		if (!f) {
			fprintf(ctx->err, "%s: %s: cannot read the password file %s: %s — fix "
					  "[hostid] password_file\n",
				ctx->prog, what,
				ctx->cfg.hostid_password_file ? ctx->cfg.hostid_password_file : "(none)",
				strerror(errno));
			return EXIT_AMT_USAGE;
		}
		size_t n = fread(w->password, 1, sizeof(w->password) - 1, f);
		fclose(f);
		w->password[n] = '\0';
		w->password[strcspn(w->password, "\r\n")] = '\0';
		snprintf(w->user, sizeof(w->user), "%s", ctx->cfg.hostid_user);
		return 0;
	}
	struct amthi s;
	struct amthi_opts o;
	struct amt_local_account acct;
	agent_amthi_opts(ctx, &o);
	int rc = amthi_open(&s, h, &o);
	if (rc == 0)
		rc = amthi_get_local_system_account(&s, &acct);
	if (rc == 0) {
		snprintf(w->user, sizeof(w->user), "%s", acct.username);
		snprintf(w->password, sizeof(w->password), "%s", acct.password);
	}
	explicit_bzero(&acct, sizeof(acct));
	int ex = rc == 0 ? 0 : agent_fail(ctx, h, what, rc, s.last_status,
					  s.last_cmd ? amthi_cmd_name(s.last_cmd) : NULL);
	amthi_close(&s);
	return ex;
}

void wsman_local_close(struct wsman_local *w)
{
	if (!w)
		return;
	lme_bridge_free(w->bridge);
	w->bridge = NULL;
	explicit_bzero(w->password, sizeof(w->password));
}
