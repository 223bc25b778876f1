// SPDX-License-Identifier: Apache-2.0
/*
 * store.c - the store's front (see store.h): choosing the backend from the
 * target, the checks every call makes whatever the backend (read-only
 * handle, detail is an object, required report fields), turning values into
 * the text the backends store, asynchronous writes (run in place when the
 * backend has no loop of its own), and the JSON form of a stored event.
 * Must not: speak SQL (store_sqlite*.c, store_pg*.c do), print or log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_int.h"
#include "store_migrations.h"

bool store_target_is_postgresql(const char *target)
{
	return target && (strncasecmp(target, "postgresql://", 13) == 0 ||
			  strncasecmp(target, "postgres://", 11) == 0);
}

int store_migrations_latest(const char *backend)
{
	int latest = 0;

	for (const struct store_migration *m = store_migrations; m->backend; m++)
		if (strcmp(m->backend, backend) == 0 && m->version > latest)
			latest = m->version;
	return latest;
}

int store_open(const char *target, enum store_mode mode, struct store **out, char *err,
	       size_t errlen)
{
	struct store *st = NULL;
	int rc = -1;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->name = strdup(target))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	st->mode = mode;
	st->ops = store_target_is_postgresql(target) ? &store_pg_ops : &store_sqlite_ops;
	if (st->ops->open(st, target, mode, err, errlen) != 0) {
		st->ops->close(st);
		goto out;
	}
	*out = st;
	st = NULL;
	rc = 0;
out:
	if (st)
		free(st->name);
	free(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	store_detach(st);
	st->ops->close(st);
	free(st->name);
	free(st);
}

const char *store_name(const struct store *st)
{
	return st->name;
}

const char *store_backend(const struct store *st)
{
	return st->ops->backend;
}

static int read_only(struct store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: opened read-only", st->name);
	return -1;
}

/* detail as the compact JSON text a backend stores ("{}" for NULL). */
static char *detail_text(const json_t *detail, char *err, size_t errlen)
{
	char *text;

	if (detail && !json_is_object(detail)) {
		snprintf(err, errlen, "event detail is not a JSON object");
		return NULL;
	}
	text = detail ? json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII) : strdup("{}");
	if (!text)
		snprintf(err, errlen, "out of memory");
	return text;
}

int store_add_event_at(struct store *st, int64_t time_ms, const char *type, const char *uuid,
		       const char *source, const json_t *detail, struct store_event *out,
		       char *err, size_t errlen)
{
	char when[VERIFY_TIME_LEN];
	int64_t id = 0;
	char *text;
	int rc;

	if (st->mode == STORE_READONLY)
		return read_only(st, err, errlen);
	text = detail_text(detail, err, errlen);
	if (!text)
		return -1;
	verify_time_iso(time_ms, when);
	rc = st->ops->add_event(st, when, type, uuid, source, text, &id, err, errlen);
	free(text);
	if (rc != 0)
		return -1;
	if (out) {
		out->id = id;
		memcpy(out->time, when, sizeof(out->time));
		out->type = type;
		out->uuid = uuid;
		out->source = source;
		out->detail = (json_t *)detail;
	}
	return 0;
}

int store_add_event(struct store *st, const char *type, const char *uuid, const char *source,
		    const json_t *detail, struct store_event *out, char *err, size_t errlen)
{
	return store_add_event_at(st, verify_now_ms(), type, uuid, source, detail, out, err, errlen);
}

int store_list(struct store *st, int64_t since_ms, store_list_cb cb, void *arg, char *err,
	       size_t errlen)
{
	char since[VERIFY_TIME_LEN] = "";

	if (since_ms > 0)
		verify_time_iso(since_ms, since);
	return st->ops->list(st, since, cb, arg, err, errlen);
}

int store_list_after(struct store *st, int64_t after_id, store_list_cb cb, void *arg, char *err,
		     size_t errlen)
{
	return st->ops->list_after(st, after_id, cb, arg, err, errlen);
}

int store_emit_event(store_list_cb cb, void *arg, int64_t id, const char *time, const char *type,
		     const char *uuid, const char *source, const char *detail)
{
	struct store_event ev = {0};
	json_t *d = detail ? json_loads(detail, 0, NULL) : NULL;
	int r;

	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	ev.id = id;
	snprintf(ev.time, sizeof(ev.time), "%s", time ? time : "");
	ev.type = type ? type : "";
	ev.uuid = uuid;
	ev.source = source;
	ev.detail = d;
	r = cb(arg, &ev);
	json_decref(d);
	return r;
}

int store_add_report_at(struct store *st, int64_t received_ms, struct store_report *r,
			const json_t *detail, struct store_event *ev, char *err, size_t errlen)
{
	int64_t event_id = 0;
	char *text;
	int rc;

	if (st->mode == STORE_READONLY)
		return read_only(st, err, errlen);
	if (!r->report_id || !r->uuid || !r->report) {
		snprintf(err, errlen, "a report needs report_id, uuid and the document");
		return -1;
	}
	text = detail_text(detail, err, errlen);
	if (!text)
		return -1;
	verify_time_iso(received_ms, r->received);
	rc = st->ops->add_report(st, r, text, &event_id, err, errlen);
	free(text);
	if (rc == STORE_ADDED && ev) {
		ev->id = event_id;
		memcpy(ev->time, r->received, sizeof(ev->time));
		ev->type = "report";
		ev->uuid = r->uuid;
		ev->source = r->source;
		ev->detail = (json_t *)detail;
	}
	return rc;
}

int store_add_report(struct store *st, struct store_report *r, const json_t *detail,
		     struct store_event *ev, char *err, size_t errlen)
{
	return store_add_report_at(st, verify_now_ms(), r, detail, ev, err, errlen);
}

int store_latest_reports(struct store *st, store_report_cb cb, void *arg, char *err,
			 size_t errlen)
{
	return st->ops->latest_reports(st, NULL, cb, arg, err, errlen);
}

int store_report_of(struct store *st, const char *uuid, store_report_cb cb, void *arg, char *err,
		    size_t errlen)
{
	char upper[VERIFY_UUID_STR_LEN];
	size_t n = strlen(uuid);

	/* Stored upper case (reportdoc normalises); anything longer than a
	 * UUID matches nothing. */
	if (n >= sizeof(upper))
		return 0;
	for (size_t i = 0; i <= n; i++)
		upper[i] = (char)(uuid[i] >= 'a' && uuid[i] <= 'z' ? uuid[i] - 32 : uuid[i]);
	return st->ops->latest_reports(st, upper, cb, arg, err, errlen);
}

int store_report_count(struct store *st, const char *report_id, char *err, size_t errlen)
{
	return st->ops->report_count(st, report_id, err, errlen);
}

/* ---- asynchronous writes ---- */

int store_attach(struct store *st, struct event_base *base, char *err, size_t errlen)
{
	if (st->mode == STORE_READONLY)
		return read_only(st, err, errlen);
	if (!st->ops->attach)
		return 0; /* jobs run in place */
	if (st->ops->attach(st, base, err, errlen) != 0)
		return -1;
	st->attached = true;
	return 0;
}

void store_detach(struct store *st)
{
	if (!st || !st->attached)
		return;
	st->ops->detach(st);
	st->attached = false;
}

unsigned store_pending(const struct store *st)
{
	return st ? st->pending : 0;
}

static void job_free(struct store_job *job)
{
	if (!job)
		return;
	free(job->type);
	free(job->uuid);
	free(job->source);
	free(job->detail);
	json_decref(job->detail_json);
	free((char *)job->r.report_id);
	free((char *)job->r.host_name);
	free((char *)job->r.client_subject);
	free((char *)job->r.report);
	free(job);
}

static char *dup_opt(const char *s, bool *nomem)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*nomem = true;
	return d;
}

void store_job_finish(struct store *st, struct store_job *job, int rc, int64_t event_id,
		      int64_t report_row, const char *err, bool unavailable)
{
	struct store_event ev = {0};
	struct store_done d = {.rc = rc, .err = err, .unavailable = unavailable};

	ev.id = rc == 0 || rc == STORE_ADDED ? event_id : 0;
	memcpy(ev.time, job->time, sizeof(ev.time));
	ev.type = job->type;
	ev.uuid = job->uuid;
	ev.source = job->source;
	ev.detail = job->detail_json;
	d.ev = &ev;
	if (rc == STORE_ADDED)
		d.report_row = report_row;
	st->pending--;
	job->done(job->arg, &d);
	job_free(job);
}

/* Without a loop of its own the backend runs the job now. */
static void run_in_place(struct store *st, struct store_job *job)
{
	char err[512] = "";
	int64_t event_id = 0;
	int rc;

	if (job->kind == STORE_JOB_EVENT)
		rc = st->ops->add_event(st, job->time, job->type, job->uuid, job->source,
					job->detail, &event_id, err, sizeof(err));
	else
		rc = st->ops->add_report(st, &job->r, job->detail, &event_id, err, sizeof(err));
	store_job_finish(st, job, rc, event_id, rc == STORE_ADDED ? job->r.id : 0,
			 rc < 0 ? err : NULL, false);
}

static void submit(struct store *st, struct store_job *job)
{
	st->pending++;
	job->queued_ms = verify_mono_ms();
	if (st->attached)
		st->ops->submit(st, job);
	else
		run_in_place(st, job);
}

/* A job that could not even be built fails through its completion. */
static void fail_early(store_done_fn done, void *arg, const char *why)
{
	struct store_done d = {.rc = -1, .err = why};

	done(arg, &d);
}

static struct store_job *job_new(struct store *st, enum store_job_kind kind, const char *type,
				 const char *uuid, const char *source, const json_t *detail,
				 char *err, size_t errlen)
{
	struct store_job *job = calloc(1, sizeof(*job));
	bool nomem = !job;

	if (st->mode == STORE_READONLY) {
		free(job);
		read_only(st, err, errlen);
		return NULL;
	}
	if (!job)
		goto nomem;
	job->kind = kind;
	job->time_ms = verify_now_ms();
	verify_time_iso(job->time_ms, job->time);
	job->type = dup_opt(type, &nomem);
	job->uuid = dup_opt(uuid, &nomem);
	job->source = dup_opt(source, &nomem);
	job->detail = detail_text(detail, err, errlen);
	if (!job->detail) {
		job_free(job);
		return NULL;
	}
	job->detail_json = detail ? json_deep_copy(detail) : json_object();
	if (nomem || !job->detail_json)
		goto nomem;
	return job;
nomem:
	job_free(job);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void store_add_event_async(struct store *st, const char *type, const char *uuid,
			   const char *source, const json_t *detail, store_done_fn done, void *arg)
{
	char err[256];
	struct store_job *job = job_new(st, STORE_JOB_EVENT, type, uuid, source, detail, err,
					sizeof(err));

	if (!job) {
		fail_early(done, arg, err);
		return;
	}
	job->done = done;
	job->arg = arg;
	submit(st, job);
}

void store_add_report_async(struct store *st, const struct store_report *r, const json_t *detail,
			    store_done_fn done, void *arg)
{
	char err[256];
	struct store_job *job;
	bool nomem = false;

	if (!r->report_id || !r->uuid || !r->report) {
		fail_early(done, arg, "a report needs report_id, uuid and the document");
		return;
	}
	job = job_new(st, STORE_JOB_REPORT, "report", r->uuid, r->source, detail, err,
		      sizeof(err));
	if (!job) {
		fail_early(done, arg, err);
		return;
	}
	job->r.report_id = dup_opt(r->report_id, &nomem);
	job->r.host_name = dup_opt(r->host_name, &nomem);
	job->r.client_subject = dup_opt(r->client_subject, &nomem);
	job->r.report = dup_opt(r->report, &nomem);
	job->r.uuid = job->uuid;
	job->r.source = job->source;
	memcpy(job->r.time, r->time, sizeof(job->r.time));
	memcpy(job->r.received, job->time, sizeof(job->r.received));
	if (nomem) {
		job_free(job);
		fail_early(done, arg, "out of memory");
		return;
	}
	job->done = done;
	job->arg = arg;
	submit(st, job);
}

/* ---- JSON form ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *store_event_json(const struct store_event *ev)
{
	json_t *o = json_object();
	const char *key;
	json_t *v;

	if (!o)
		return NULL;
	if (json_object_set_new(o, "schema", json_integer(STORE_EVENT_JSON_SCHEMA)) ||
	    json_object_set_new(o, "id", json_integer(ev->id)) ||
	    json_object_set_new(o, "time", json_string(ev->time)) ||
	    json_object_set_new(o, "type", str_or_null(ev->type)) ||
	    json_object_set_new(o, "uuid", str_or_null(ev->uuid)) ||
	    json_object_set_new(o, "source", str_or_null(ev->source)))
		goto fail;
	if (ev->detail) {
		json_object_foreach(ev->detail, key, v) {
			if (!json_object_get(o, key) && json_object_set(o, key, v))
				goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}
