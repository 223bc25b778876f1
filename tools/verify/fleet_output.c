// SPDX-License-Identifier: Apache-2.0
/*
 * fleet_output.c - result lines, progress and summary of `amt-verify fleet`
 * (see fleet_output.h).
 *
 * Text:  HOST:PORT ok AMT 16.1.25 post/acm 03000200-... 12 ms
 *        HOST:PORT mismatch control_mode: expected acm, device has ccm (12 ms)
 *        HOST:PORT unreachable: network error: ... (3001 ms)
 *        (through a CIRA tunnel: "HOST:PORT via RELAY ok ...")
 * JSON:  {"schema":1,"host":..,"port":..,"uuid":..,"status":..,"ms":..,
 *         "device":{...}|null,"mismatches":[{"field","expected","actual"}],
 *         "error":null|".."}
 * CSV:   host,port,uuid,status,ms,amt_version,provisioning_state,control_mode,
 *        device_uuid,mismatches,error  (mismatches: field=expected/actual;...)
 * Must not: print anything but these lines.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet_output.h"

static const char *const status_names[FLEET_STATUS_COUNT] = {
	"ok", "mismatch", "unreachable", "auth_failed", "tls_failed", "error"};

const char *fleet_status_name(enum fleet_status s)
{
	return s < FLEET_STATUS_COUNT ? status_names[s] : "error";
}

void fleet_print_header(FILE *f, enum fleet_format fmt)
{
	if (fmt == FLEET_CSV)
		fputs("host,port,uuid,status,ms,amt_version,provisioning_state,control_mode,"
		      "device_uuid,mismatches,error\n", f);
}

/* A CSV field: quoted when it holds a comma, quote or line end. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static int print_json(FILE *f, const struct fleet_result *r)
{
	json_t *o = json_object(), *dev = json_null(), *mm = json_array();
	int rc = -1;

	if (r->state) {
		dev = json_object();
		for (int i = 0; device_keys[i]; i++) {
			const char *k = device_keys[i];
			bool unset = !strcmp(k, "host_id") && r->state->host_id_state != DEVICE_HOSTID_SET;
			json_object_set_new(dev, k, unset ? json_null()
							  : json_string(device_field(r->state, k)));
		}
	}
	for (size_t i = 0; i < r->nmm; i++)
		json_array_append_new(mm, json_pack("{s:s, s:s, s:s}", "field", r->mm[i].field,
						    "expected", r->mm[i].expected, "actual",
						    r->mm[i].actual));
	if (o && !json_object_set_new(o, "schema", json_integer(1)) &&
	    !json_object_set_new(o, "host", json_string(r->dev->host)) &&
	    !json_object_set_new(o, "port", json_integer(r->port)) &&
	    !json_object_set_new(o, "uuid", str_or_null(r->dev->uuid)) &&
	    !json_object_set_new(o, "via", str_or_null(r->via)) &&
	    !json_object_set_new(o, "status", json_string(fleet_status_name(r->status))) &&
	    !json_object_set_new(o, "ms", json_integer(r->ms)) &&
	    !json_object_set_new(o, "device", dev) && !json_object_set_new(o, "mismatches", mm) &&
	    !json_object_set_new(o, "error", str_or_null(r->error)) &&
	    json_dumpf(o, f, JSON_COMPACT | JSON_ENSURE_ASCII) == 0) {
		fputc('\n', f);
		rc = 0;
	}
	json_decref(o);
	return rc;
}

static int print_csv(FILE *f, const struct fleet_result *r)
{
	char port[8], ms[24], mm[2048] = "";
	size_t n = 0;

	snprintf(port, sizeof(port), "%u", r->port);
	snprintf(ms, sizeof(ms), "%lld", (long long)r->ms);
	for (size_t i = 0; i < r->nmm && n < sizeof(mm); i++)
		n += (size_t)snprintf(mm + n, sizeof(mm) - n, "%s%s=%s/%s", i ? ";" : "",
				      r->mm[i].field, r->mm[i].expected, r->mm[i].actual);
	csv_field(f, r->dev->host, false);
	csv_field(f, port, false);
	csv_field(f, r->dev->uuid, false);
	csv_field(f, fleet_status_name(r->status), false);
	csv_field(f, ms, false);
	csv_field(f, r->state ? r->state->amt_version : "", false);
	csv_field(f, r->state ? r->state->provisioning_state : "", false);
	csv_field(f, r->state ? r->state->control_mode : "", false);
	csv_field(f, r->state ? r->state->uuid : "", false);
	csv_field(f, mm, false);
	csv_field(f, r->error ? r->error : "", true);
	return ferror(f) ? -1 : 0;
}

static int print_text(FILE *f, const struct fleet_result *r)
{
	bool v6 = strchr(r->dev->host, ':') != NULL;

	fprintf(f, "%s%s%s:%u%s%s %s", v6 ? "[" : "", r->dev->host, v6 ? "]" : "", r->port,
		r->via ? " via " : "", r->via ? r->via : "", fleet_status_name(r->status));
	if (r->status == FLEET_OK) {
		fprintf(f, " AMT %s %s/%s %s %lld ms\n", r->state->amt_version,
			r->state->provisioning_state, r->state->control_mode, r->state->uuid,
			(long long)r->ms);
	} else if (r->status == FLEET_MISMATCH) {
		for (size_t i = 0; i < r->nmm; i++)
			fprintf(f, "%s %s: expected %s, device has %s", i ? ";" : "", r->mm[i].field,
				r->mm[i].expected, r->mm[i].actual);
		fprintf(f, " (%lld ms)\n", (long long)r->ms);
	} else {
		fprintf(f, ": %s (%lld ms)\n", r->error ? r->error : "?", (long long)r->ms);
	}
	return ferror(f) ? -1 : 0;
}

int fleet_print_result(FILE *f, enum fleet_format fmt, const struct fleet_result *r)
{
	switch (fmt) {
	case FLEET_JSON: return print_json(f, r);
	case FLEET_CSV: return print_csv(f, r);
	default: return print_text(f, r);
	}
}

/* ---- counts ---- */

int fleet_stats_init(struct fleet_stats *st, unsigned long total)
{
	memset(st, 0, sizeof(*st));
	st->total = total;
	st->start_ms = verify_mono_ms();
	st->hist = calloc(FLEET_HIST_MS, sizeof(*st->hist));
	return st->hist ? 0 : -1;
}

void fleet_stats_free(struct fleet_stats *st)
{
	free(st->hist);
	st->hist = NULL;
}

void fleet_stats_add(struct fleet_stats *st, const struct fleet_result *r)
{
	int64_t ms = r->ms < 0 ? 0 : r->ms >= FLEET_HIST_MS ? FLEET_HIST_MS - 1 : r->ms;

	st->done++;
	st->count[r->status < FLEET_STATUS_COUNT ? r->status : FLEET_ERROR]++;
	st->hist[ms]++;
}

int64_t fleet_stats_percentile(const struct fleet_stats *st, unsigned pct)
{
	unsigned long want, seen = 0;

	if (!st->done)
		return 0;
	want = (st->done * pct + 99) / 100;
	for (int64_t i = 0; i < FLEET_HIST_MS; i++) {
		seen += st->hist[i];
		if (seen >= want)
			return i;
	}
	return FLEET_HIST_MS - 1;
}

static double elapsed_s(const struct fleet_stats *st)
{
	int64_t ms = verify_mono_ms() - st->start_ms;
	return ms > 0 ? (double)ms / 1000.0 : 0.001;
}

void fleet_progress(FILE *f, struct fleet_stats *st)
{
	double s = elapsed_s(st), rate = (double)st->done / s;
	unsigned long failed = st->done - st->count[FLEET_OK] - st->count[FLEET_MISMATCH];
	unsigned long left = st->total > st->done ? st->total - st->done : 0;

	fprintf(f, "\r%lu/%lu done, %.0f/s, ETA %.0f s, %lu mismatch, %lu failed \033[K", st->done,
		st->total, rate, rate > 0 ? (double)left / rate : 0.0, st->count[FLEET_MISMATCH],
		failed);
	fflush(f);
	st->progress_shown = true;
}

void fleet_progress_clear(FILE *f, struct fleet_stats *st)
{
	if (!st->progress_shown)
		return;
	fputs("\r\033[K", f);
	fflush(f);
	st->progress_shown = false;
}

void fleet_summary(FILE *f, const char *prefix, const struct fleet_stats *st)
{
	double s = elapsed_s(st);

	fprintf(f,
		"%s%lu devices in %.1f s (%.0f/s): %lu ok, %lu mismatch, %lu unreachable, "
		"%lu auth failed, %lu TLS failed, %lu other errors; latency p50 %lld ms, "
		"p99 %lld ms\n",
		prefix, st->done, s, (double)st->done / s, st->count[FLEET_OK],
		st->count[FLEET_MISMATCH], st->count[FLEET_UNREACHABLE], st->count[FLEET_AUTH],
		st->count[FLEET_TLS], st->count[FLEET_ERROR],
		(long long)fleet_stats_percentile(st, 50), (long long)fleet_stats_percentile(st, 99));
}
