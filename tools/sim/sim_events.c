// SPDX-License-Identifier: Apache-2.0
/*
 * sim_events.c - the event engine and the watchdog timer thread (see
 * sim_events.h).
 *
 * Event log records (21 bytes, sim_msglog.h): agent presence as the AIRG
 * "agent presence event" gives the PET (sensor type 12h, event type 0Ah,
 * offset 0, source 58h, severity 1, entity 26h, EventData AAh, bytes 2..7
 * of the agent GUID, the new state) and MeshCommander decodes it; a
 * user-initiated connection as MeshCommander's decoder names it (sensor
 * type C1h, EventData AA 30 00 00: "User request for remote connection"),
 * the other fields as for presence (a simulator choice).
 * Event arguments: MessageArguments[0] of a presence event is the agent
 * GUID in canonical text (AMT 8.0+), or "0" as in MeshCentral's recorded
 * iAMT0005, by [events] presence_argument; [1] is the AlertingManagedElement
 * text of that recording. iAMT0036 on AMT 10+ adds the reason (2: the OS
 * interface, as GetUserInitiatedEnabledInterfaces numbers it) and AMT's
 * host name (the order is UNVERIFIED: simulator-defined).
 */
#include "sim_events.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capbuf.h"
#include "guid.h"
#include "log.h"
#include "sim_event_xml.h"
#include "sim_fw.h"
#include "sim_net.h"

#define ACK_BODY_MAX (64u * 1024u)
#define IDLE_WAIT_MS (3600 * 1000) /* nothing to do: sleep until kicked */
#define MANAGED_ARG "Interop:CIM_ComputerSystem.CreationClassName=CIM_ComputerSystem,Name=Intel(r) AMT"

struct delivery {
	bool used, in_flight;
	uint32_t sub_handle;
	uint32_t mode;
	char url[SIM_SUB_URL_MAX + 1];
	char user[SIM_SUB_CRED_MAX + 1], password[SIM_SUB_CRED_MAX + 1];
	char message_id[12];
	char wsa_message_id[48];
	char *body;
	size_t len;
	unsigned attempts;
	uint64_t due_ms, queued_ms;
	/* in flight (thread only) */
	CURL *easy;
	struct curl_slist *headers;
	struct capbuf answer;
};

struct sim_events {
	struct sim_fw *fw;
	pthread_t tid;
	bool started;
	CURLM *multi;
	/* guarded by the ME lock */
	bool quit;
	uint64_t message_counter;  /* wsa:MessageID, from a random start */
	uint32_t indication_counter;
	unsigned dropped;
	struct delivery q[SIM_EVENTS_QUEUE];
};

/* ---- raising (ME lock held) ---- */

static void kick(struct sim_fw *fw)
{
	if (fw->events && fw->events->multi)
		curl_multi_wakeup(fw->events->multi);
}

static void amt_time(const struct sim_state *st, char *iso, size_t cap, uint32_t *epoch)
{
	time_t t = time(NULL) + st->clock_offset_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(iso, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	*epoch = (uint32_t)t;
}

static void free_delivery(struct delivery *d)
{
	free(d->body);
	OPENSSL_cleanse(d->password, sizeof(d->password));
	memset(d, 0, sizeof(*d));
}

static struct delivery *queue_slot(struct sim_events *e)
{
	struct delivery *oldest = NULL;
	for (int i = 0; i < SIM_EVENTS_QUEUE; i++) {
		if (!e->q[i].used)
			return &e->q[i];
		if (!e->q[i].in_flight && (!oldest || e->q[i].queued_ms < oldest->queued_ms))
			oldest = &e->q[i];
	}
	if (!oldest)
		return NULL;
	log_warn("events: %d deliveries waiting: dropping %s to %s (it stays in the event log)",
		 SIM_EVENTS_QUEUE, oldest->message_id, oldest->url);
	e->dropped++;
	free_delivery(oldest);
	return oldest;
}

/* Into the event log with AMT's time now (and that time as ISO text). */
static void log_record(struct sim_fw *fw, struct sim_msglog_record *rec, char *iso, size_t cap)
{
	char buf[32];
	uint32_t epoch;
	amt_time(&fw->st, iso ? iso : buf, iso ? cap : sizeof(buf), &epoch);
	rec->time = epoch;
	if (sim_msglog_add(&fw->st.msglog, rec))
		sim_state_persist(&fw->st, fw->state_path);
}

/* Log record, then one delivery per subscriber whose collection carries
 * it. Returns the number of subscribers. */
static unsigned raise_event(struct sim_fw *fw, struct sim_alert *a, struct sim_msglog_record *rec)
{
	struct sim_state *st = &fw->st;
	struct sim_events *e = fw->events;
	unsigned n = 0;

	log_record(fw, rec, a->time, sizeof(a->time));
	for (int i = 0; i < SIM_SUB_MAX; i++) {
		const struct sim_subscription *s = &st->alerts.subs[i];
		if (!s->used || !sim_filter_carries(s->filter, a->message_id))
			continue;
		n++;
		if (!e)
			continue; /* no sender (unit tests): counted, not sent */
		uint64_t id = ++e->message_counter & 0xFFFFFFFFFFFFull;
		snprintf(a->wsa_message_id, sizeof(a->wsa_message_id),
			 "uuid:00000000-8086-8086-8086-%012llX", (unsigned long long)id);
		snprintf(a->indication_id, sizeof(a->indication_id), "Intel(r):%u",
			 (unsigned)++e->indication_counter);
		if (st->alerts.filter_name == SIM_FILTER_NAME_ALL_EVENTS && s->filter == SIM_FILTER_ALL)
			snprintf(a->filter_name, sizeof(a->filter_name), SIM_FILTER_PREFIX "AllEvents");
		else
			snprintf(a->filter_name, sizeof(a->filter_name), SIM_FILTER_PREFIX "%s",
				 sim_filter_name(s->filter));
		a->ack_requested = s->mode == SIM_DELIVERY_PUSH_WITH_ACK;
		a->ref_params = s->ref_params;
		struct delivery *d = queue_slot(e);
		if (!d)
			continue;
		memset(d, 0, sizeof(*d));
		if (sim_alert_envelope(a, &d->body, &d->len) != 0) {
			log_error("events: cannot build %s for %s (out of memory?)", a->message_id, s->url);
			continue;
		}
		d->used = true;
		d->sub_handle = s->handle;
		d->mode = s->mode;
		snprintf(d->url, sizeof(d->url), "%s", s->url);
		snprintf(d->user, sizeof(d->user), "%s", s->user);
		snprintf(d->password, sizeof(d->password), "%s", s->password);
		snprintf(d->message_id, sizeof(d->message_id), "%s", a->message_id);
		snprintf(d->wsa_message_id, sizeof(d->wsa_message_id), "%s", a->wsa_message_id);
		d->due_ms = d->queued_ms = sim_net_now_ms();
	}
	log_info("event %s: in the event log, to %u subscriber(s)", a->message_id, n);
	kick(fw);
	return n;
}

static void base_record(struct sim_msglog_record *r, uint8_t sensor_type, uint8_t event_type)
{
	memset(r, 0, sizeof(*r));
	r->device_address = 0xFF;
	r->sensor_type = sensor_type;
	r->event_type = event_type;
	r->source_type = 0x58;
	r->severity = 0x01;
	r->sensor_number = 0xFF;
	r->entity = 0x26;
	r->data[0] = 0xAA;
}

unsigned sim_events_user_initiated(struct sim_fw *fw)
{
	const struct sim_state *st = &fw->st;
	struct sim_alert a = {.message_id = "iAMT0036", .alert_type = 6, .severity = 2, .nargs = 2};
	struct sim_msglog_record rec;
	snprintf(a.args[0], sizeof(a.args[0]), "0");
	snprintf(a.args[1], sizeof(a.args[1]), MANAGED_ARG);
	if (atoi(st->version) >= 10) {
		snprintf(a.args[2], sizeof(a.args[2]), "2");
		snprintf(a.args[3], sizeof(a.args[3]), "%s", st->host_name);
		a.nargs = 4;
	}
	base_record(&rec, 0xC1, 0x6F);
	rec.data[1] = 0x30;
	return raise_event(fw, &a, &rec);
}

void sim_events_presence(struct sim_fw *fw, const struct sim_wd_transition *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct sim_alert a = {.alert_type = 8, .severity = 2, .nargs = 2};
		struct sim_msglog_record rec;
		char g[37];
		snprintf(a.message_id, sizeof(a.message_id), "%s", sim_presence_message_id(t[i].to));
		guid_format(t[i].guid, g);
		snprintf(a.args[0], sizeof(a.args[0]), "%s",
			 fw->st.alerts.presence_arg == SIM_PRESENCE_ARG_ZERO ? "0" : g);
		snprintf(a.args[1], sizeof(a.args[1]), MANAGED_ARG);
		base_record(&rec, 0x12, 0x0A);
		memcpy(rec.data + 1, t[i].guid, 6);
		rec.data[7] = (uint8_t)t[i].to;
		log_info("agent presence %s: state %u -> %u", g, (unsigned)t[i].from, (unsigned)t[i].to);
		if (!t[i].event) { /* no action asks for an event: the log only */
			log_record(fw, &rec, NULL, 0);
			continue;
		}
		raise_event(fw, &a, &rec);
	}
}

void sim_events_timers_changed(struct sim_fw *fw)
{
	kick(fw);
}

unsigned sim_events_pending(const struct sim_fw *fw)
{
	unsigned n = 0;
	for (int i = 0; fw->events && i < SIM_EVENTS_QUEUE; i++)
		n += fw->events->q[i].used;
	return n;
}

/* ---- ME reset and host power: agents lose their sessions ---- */

static void on_me_event(void *arg, enum sim_me_event ev)
{
	struct sim_fw *fw = arg; /* the ME lock is held */
	struct sim_wd_transition t[SIM_PRESENCE_MAX];
	unsigned n;
	/* Out of S0 the timers are suspended; an ME reset then changes nothing
	 * for them. Back in S0 (or after a reset in S0) the agent has its
	 * StartupInterval to start again. */
	if (ev == SIM_ME_EV_HOST_GONE || fw->st.host.power != SIM_POWER_ON)
		n = sim_presence_suspend(&fw->st.presence, t, SIM_PRESENCE_MAX);
	else
		n = sim_presence_restart(&fw->st.presence, sim_net_now_ms(), fw->st.time_scale, t,
					 SIM_PRESENCE_MAX);
	sim_events_presence(fw, t, n);
	kick(fw);
}

/* ---- the thread ---- */

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
	(void)size;
	capbuf_append(arg, p, n); /* an Ack is small; the rest is cut */
	return n;
}

static bool subscription_exists(const struct sim_state *st, uint32_t handle)
{
	for (int i = 0; i < SIM_SUB_MAX; i++)
		if (st->alerts.subs[i].used && st->alerts.subs[i].handle == handle)
			return true;
	return false;
}

/* Start one delivery (ME lock held: reads only its own copy afterwards). */
static void start(struct sim_events *e, struct delivery *d, const struct sim_alert_nvm *cfg)
{
	CURL *c = curl_easy_init();
	if (!c)
		return;
	capbuf_init(&d->answer, ACK_BODY_MAX);
	d->headers = curl_slist_append(NULL, "Content-Type: application/soap+xml;charset=UTF-8");
	curl_easy_setopt(c, CURLOPT_URL, d->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)d->len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, d->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Intel(R) AMT Agent"); /* as LMS captured it */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->post_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->post_timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d->answer);
	curl_easy_setopt(c, CURLOPT_PRIVATE, d);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (cfg->ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca);
	if (d->user[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
		curl_easy_setopt(c, CURLOPT_USERNAME, d->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, d->password);
	}
	d->easy = c;
	d->in_flight = true;
	d->attempts++;
	curl_multi_add_handle(e->multi, c);
}

/* A delivery ended (thread, ME lock held). */
static void finish(struct sim_fw *fw, struct delivery *d, CURLcode cc)
{
	const struct sim_alert_nvm *cfg = &fw->st.alerts;
	long status = 0;
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	bool ok = cc == CURLE_OK && status >= 200 && status < 300 &&
		  (d->mode != SIM_DELIVERY_PUSH_WITH_ACK ||
		   sim_alert_is_ack(d->answer.data, d->answer.len, d->wsa_message_id));
	curl_multi_remove_handle(fw->events->multi, d->easy);
	curl_easy_cleanup(d->easy);
	curl_slist_free_all(d->headers);
	capbuf_free(&d->answer);
	d->easy = NULL;
	d->headers = NULL;
	d->in_flight = false;
	if (ok) {
		log_info("event %s delivered to %s (attempt %u)", d->message_id, d->url, d->attempts);
		free_delivery(d);
		return;
	}
	const char *why = cc != CURLE_OK ? curl_easy_strerror(cc)
		       : (status >= 200 && status < 300) ? "no Ack for PushWithAck"
							 : "HTTP status";
	if (d->attempts > cfg->retry_count) {
		log_warn("event %s to %s: not delivered after %u attempts (%s %ld); it stays in the "
			 "event log", d->message_id, d->url, d->attempts, why, status);
		free_delivery(d);
		return;
	}
	uint64_t wait = sim_net_scaled_ms(cfg->retry_interval_s, fw->st.time_scale, 10);
	for (unsigned i = 1; i < d->attempts && wait < 86400000u; i++)
		wait *= 2;
	d->due_ms = sim_net_now_ms() + wait;
	log_info("event %s to %s: attempt %u failed (%s %ld), retry in %llu ms", d->message_id,
		 d->url, d->attempts, why, status, (unsigned long long)wait);
}

static void *thread_main(void *arg)
{
	struct sim_events *e = arg;
	struct sim_fw *fw = e->fw;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (;;) {
		struct sim_wd_transition t[SIM_PRESENCE_MAX];
		uint64_t next = 0, now;
		int running = 0;

		sim_me_lock(fw->me);
		if (e->quit) {
			sim_me_unlock(fw->me);
			break;
		}
		now = sim_net_now_ms();
		unsigned n = sim_presence_tick(&fw->st.presence, now, t, SIM_PRESENCE_MAX, &next);
		sim_events_presence(fw, t, n);
		for (int i = 0; i < SIM_EVENTS_QUEUE; i++) {
			struct delivery *d = &e->q[i];
			if (!d->used || d->in_flight)
				continue;
			if (!subscription_exists(&fw->st, d->sub_handle)) {
				free_delivery(d); /* unsubscribed meanwhile */
				continue;
			}
			if (d->due_ms <= now)
				start(e, d, &fw->st.alerts);
			else if (!next || d->due_ms < next)
				next = d->due_ms;
		}
		sim_me_unlock(fw->me);

		curl_multi_perform(e->multi, &running);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct delivery *d = NULL;
			CURLcode cc = m->data.result;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
			sim_me_lock(fw->me);
			if (d)
				finish(fw, d, cc);
			sim_me_unlock(fw->me);
			next = sim_net_now_ms(); /* a retry may be due: look again */
		}
		now = sim_net_now_ms();
		int wait = next == 0 ? IDLE_WAIT_MS : next <= now ? 0 : next - now > IDLE_WAIT_MS
								      ? IDLE_WAIT_MS
								      : (int)(next - now);
		curl_multi_poll(e->multi, NULL, 0, wait, NULL);
	}
	return NULL;
}

int sim_events_register(struct sim_fw *fw, char *err, size_t errcap)
{
	struct sim_events *e = calloc(1, sizeof(*e));
	struct sim_wd_transition t[SIM_PRESENCE_MAX];
	if (!e)
		return -ENOMEM;
	e->fw = fw;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(e->multi = curl_multi_init()) ||
	    RAND_bytes((unsigned char *)&e->message_counter, sizeof(e->message_counter)) != 1 ||
	    RAND_bytes((unsigned char *)&e->indication_counter, sizeof(e->indication_counter)) != 1) {
		snprintf(err, errcap, "cannot set up libcurl for event delivery");
		if (e->multi)
			curl_multi_cleanup(e->multi);
		free(e);
		return -ENOMEM;
	}
	e->message_counter &= 0xFFFFFFFFFFull; /* room to count up in 12 hex digits */
	e->indication_counter &= 0x7FFFFFFFu;
	sim_me_lock(fw->me);
	fw->events = e;
	/* a simulator start is a boot: every watchdog waits for its agent, or
	 * is suspended while the host is not on (nothing was running before:
	 * no transition to report) */
	if (fw->st.host.power == SIM_POWER_ON)
		(void)sim_presence_restart(&fw->st.presence, sim_net_now_ms(), fw->st.time_scale, t,
					   SIM_PRESENCE_MAX);
	else
		(void)sim_presence_suspend(&fw->st.presence, t, SIM_PRESENCE_MAX);
	sim_me_unlock(fw->me);
	sim_me_set_reset_hook(fw->me, on_me_event, fw);
	if (pthread_create(&e->tid, NULL, thread_main, e) != 0) {
		sim_me_set_reset_hook(fw->me, NULL, NULL);
		sim_me_lock(fw->me);
		fw->events = NULL;
		sim_me_unlock(fw->me);
		curl_multi_cleanup(e->multi);
		free(e);
		snprintf(err, errcap, "cannot start the event thread");
		return -EAGAIN;
	}
	e->started = true;
	return 0;
}

void sim_events_shutdown(struct sim_fw *fw)
{
	struct sim_events *e = fw->events;
	if (!e)
		return;
	sim_me_set_reset_hook(fw->me, NULL, NULL);
	sim_me_lock(fw->me);
	e->quit = true;
	sim_me_unlock(fw->me);
	curl_multi_wakeup(e->multi);
	if (e->started)
		pthread_join(e->tid, NULL);
	sim_me_lock(fw->me);
	fw->events = NULL;
	sim_me_unlock(fw->me);
	unsigned lost = 0;
	for (int i = 0; i < SIM_EVENTS_QUEUE; i++) {
		struct delivery *d = &e->q[i];
		if (!d->used)
			continue;
		lost++;
		if (d->easy) {
			curl_multi_remove_handle(e->multi, d->easy);
			curl_easy_cleanup(d->easy);
			curl_slist_free_all(d->headers);
			capbuf_free(&d->answer);
		}
		free_delivery(d);
	}
	if (lost)
		log_info("events: %u deliveries not done at stop (the events are in the event log)",
			 lost);
	curl_multi_cleanup(e->multi);
	free(e);
}
