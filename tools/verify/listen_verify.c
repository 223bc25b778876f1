// SPDX-License-Identifier: Apache-2.0
/*
 * listen_verify.c - verify-on-connect (see listen_verify.h).
 *
 * The worker takes one job at a time: a WS-Man client (common/wsman.c,
 * libcurl) to the tunnel's relay port, plain HTTP for 16992, or TLS for
 * 16993 with the URL naming AMT's host (the certificate is checked against
 * that name) and the connection sent to the relay (CURLOPT_CONNECT_TO).
 * Results go back through a pipe the loop watches; the loop records the
 * event and the host name. A tunnel that closes meanwhile makes its job
 * fail (the relay port is gone), which is recorded as such.
 * Must not: touch the store or libevent from the worker; log the password.
 */
#include "listen_verify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "wsman.h"

struct result {
	struct listen_verify_job job;
	bool ok;
	char amt_version[32], host_name[65], domain_name[192];
	char reason[512];
	int64_t duration_ms;
};

struct listen_verifier {
	struct listen_ctx *ctx;
	struct listen_verifier_cfg cfg;
	pthread_t tid;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quit;
	struct listen_verify_job *jobs; /* ring of LISTEN_VERIFY_QUEUE_MAX */
	size_t head, njobs;
	struct result *results; /* done, not yet recorded */
	size_t nres, capres;
	int pipefd[2];
	struct event *ev;
	unsigned long dropped;
};

/* ---- the worker ---- */

static int on_identity(void *arg, xmlNodePtr item)
{
	struct result *r = arg;
	const char *id = wsman_child_text(item, "InstanceID");
	const char *v = wsman_child_text(item, "VersionString");

	if (id && v && strcmp(id, "AMT") == 0) {
		snprintf(r->amt_version, sizeof(r->amt_version), "%s", v);
		return 1;
	}
	return 0;
}

static void run_job(struct listen_verifier *v, struct result *r)
{
	const struct listen_verify_job *j = &r->job;
	struct wsman_opts o = {.user = v->cfg.user,
			       .password = (const char *)v->cfg.password,
			       .timeout_ms = v->cfg.timeout_ms};
	struct wsman_client *c = NULL;
	struct wsman_error e;
	xmlDocPtr doc = NULL;
	xmlNodePtr inst;
	char url[256], connect_to[256];
	int64_t t0 = verify_mono_ms();
	int rc;

	wsman_error_clear(&e);
	if (j->amt_port == 16993) {
		snprintf(url, sizeof(url), "https://%s:16993/wsman", j->tls_name);
		snprintf(connect_to, sizeof(connect_to), "%s:16993:%s", j->tls_name, j->relay);
		o.url = url;
		o.connect_to = connect_to;
		o.ca_file = v->cfg.ca_file;
	} else {
		snprintf(url, sizeof(url), "http://%s/wsman", j->relay);
		o.url = url;
	}
	c = wsman_client_new(&o);
	if (!c) {
		snprintf(r->reason, sizeof(r->reason), "cannot create a WS-Man client for %s", url);
		goto out;
	}
	rc = wsman_get(c, WSMAN_AMT_URI("AMT_GeneralSettings"), NULL, 0, &doc, &inst, &e);
	if (rc == 0) {
		const char *h = wsman_child_text(inst, "HostName");
		const char *d = wsman_child_text(inst, "DomainName");
		verify_printable(h ? h : "", h ? strlen(h) : 0, r->host_name, sizeof(r->host_name));
		verify_printable(d ? d : "", d ? strlen(d) : 0, r->domain_name, sizeof(r->domain_name));
		xmlFreeDoc(doc);
		rc = wsman_enumerate(c, WSMAN_CIM_URI("CIM_SoftwareIdentity"), on_identity, r, &e);
	}
	if (rc != 0) {
		wsman_error_format(&e, r->reason, sizeof(r->reason));
		goto out;
	}
	if (!r->amt_version[0]) {
		snprintf(r->reason, sizeof(r->reason),
			 "CIM_SoftwareIdentity has no \"AMT\" instance (no AMT version)");
		goto out;
	}
	r->ok = true;
out:
	r->duration_ms = verify_mono_ms() - t0;
	wsman_client_free(c);
}

static void *worker(void *arg)
{
	struct listen_verifier *v = arg;

	pthread_mutex_lock(&v->mu);
	for (;;) {
		while (!v->quit && v->njobs == 0)
			pthread_cond_wait(&v->cv, &v->mu);
		if (v->quit)
			break;
		struct result r = {.job = v->jobs[v->head]};
		v->head = (v->head + 1) % LISTEN_VERIFY_QUEUE_MAX;
		v->njobs--;
		pthread_mutex_unlock(&v->mu);
		run_job(v, &r);
		pthread_mutex_lock(&v->mu);
		if (v->nres == v->capres) {
			size_t cap = v->capres ? v->capres * 2 : 8;
			struct result *p = realloc(v->results, cap * sizeof(*p));
			if (!p) {
				log_error("verify-on-connect: out of memory — result for %s lost",
					  r.job.uuid);
				continue;
			}
			v->results = p;
			v->capres = cap;
		}
		v->results[v->nres++] = r;
		char b = 1;
		if (write(v->pipefd[1], &b, 1) < 0 && errno != EAGAIN)
			log_error("verify-on-connect: wake pipe: %s", strerror(errno));
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

/* ---- the loop's side ---- */

static void record(struct listen_verifier *v, const struct result *r)
{
	struct listen_ctx *ctx = v->ctx;
	const struct listen_verify_job *j = &r->job;
	json_t *d = json_object();
	char fqdn[260], err[512];

	if (!d) {
		log_error("verify-on-connect: out of memory recording %s", j->uuid);
		return;
	}
	json_object_set_new(d, "port", json_integer(j->amt_port));
	json_object_set_new(d, "relay", json_string(j->relay));
	json_object_set_new(d, "duration_ms", json_integer(r->duration_ms));
	if (r->ok) {
		json_object_set_new(d, "amt_version", json_string(r->amt_version));
		json_object_set_new(d, "host_name", json_string(r->host_name));
		json_object_set_new(d, "domain_name", json_string(r->domain_name));
		log_info("verify-on-connect: device %s through its tunnel: AMT %s, host %s", j->uuid,
			 r->amt_version, r->host_name);
		listen_record(ctx, "cira_verified", j->uuid, j->source, d);
		snprintf(fqdn, sizeof(fqdn), "%s%s%s", r->host_name, r->domain_name[0] ? "." : "",
			 r->domain_name);
		if (r->host_name[0] &&
		    store_tunnel_update(ctx->store, j->tunnel_id, fqdn, NULL, err, sizeof(err)) != 0)
			log_error("verify-on-connect: %s", err);
	} else {
		json_object_set_new(d, "reason", json_string(r->reason));
		log_warn("verify-on-connect: device %s: cannot read AMT through its tunnel: %s",
			 j->uuid, r->reason);
		listen_record(ctx, "cira_verify_failed", j->uuid, j->source, d);
	}
	json_decref(d);
}

static void on_results(evutil_socket_t fd, short what, void *arg)
{
	struct listen_verifier *v = arg;
	uint8_t drain[64];

	while (read(v->pipefd[0], drain, sizeof(drain)) > 0)
		;
	for (;;) {
		struct result r;
		pthread_mutex_lock(&v->mu);
		if (v->nres == 0) {
			pthread_mutex_unlock(&v->mu);
			break;
		}
		r = v->results[0];
		memmove(v->results, v->results + 1, (v->nres - 1) * sizeof(*v->results));
		v->nres--;
		pthread_mutex_unlock(&v->mu);
		record(v, &r);
	}
}

struct listen_verifier *listen_verifier_new(struct listen_ctx *ctx,
					    const struct listen_verifier_cfg *cfg, char *err,
					    size_t errlen)
{
	struct listen_verifier *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->ctx = ctx;
	v->cfg = *cfg;
	v->pipefd[0] = v->pipefd[1] = -1;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	v->jobs = calloc(LISTEN_VERIFY_QUEUE_MAX, sizeof(*v->jobs));
	if (!v->jobs || pipe2(v->pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "out of memory or descriptors");
		goto fail;
	}
	v->ev = event_new(ctx->base, v->pipefd[0], EV_READ | EV_PERSIST, on_results, v);
	if (!v->ev || event_add(v->ev, NULL) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pthread_create(&v->tid, NULL, worker, v) != 0) {
		snprintf(err, errlen, "cannot start the verify-on-connect thread");
		goto fail;
	}
	v->started = true;
	return v;
fail:
	listen_verifier_free(v);
	return NULL;
}

void listen_verifier_submit(struct listen_verifier *v, const struct listen_verify_job *job)
{
	pthread_mutex_lock(&v->mu);
	if (v->njobs == LISTEN_VERIFY_QUEUE_MAX) {
		v->dropped++;
		pthread_mutex_unlock(&v->mu);
		log_warn("verify-on-connect: %u tunnels already waiting — %s not verified",
			 LISTEN_VERIFY_QUEUE_MAX, job->uuid);
		return;
	}
	v->jobs[(v->head + v->njobs) % LISTEN_VERIFY_QUEUE_MAX] = *job;
	v->njobs++;
	pthread_cond_signal(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

void listen_verifier_free(struct listen_verifier *v)
{
	if (!v)
		return;
	if (v->started) {
		pthread_mutex_lock(&v->mu);
		v->quit = true;
		pthread_cond_signal(&v->cv);
		pthread_mutex_unlock(&v->mu);
		pthread_join(v->tid, NULL);
	}
	if (v->ev)
		event_free(v->ev);
	for (int i = 0; i < 2; i++)
		if (v->pipefd[i] >= 0)
			close(v->pipefd[i]);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v->jobs);
	free(v->results);
	free(v);
}
