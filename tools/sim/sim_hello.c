// SPDX-License-Identifier: Apache-2.0
/*
 * sim_hello.c - the remote-configuration hello sender (see sim_hello.h).
 *
 * The thread is created on the first start and lives until shutdown; the
 * ME-locked fields below say whether it sends. Each round it looks at the
 * state under the ME lock (stop when provisioned or when the window has
 * ended; snapshot the packet and the server when a hello is due), then
 * connects and sends with no lock held, then counts the attempt. Failures
 * to resolve or connect are normal here (no server listening yet) and are
 * logged at debug level only.
 */
#include "sim_hello.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "amthi_codec.h"
#include "hello_codec.h"
#include "log.h"
#include "sim_fw.h"
#include "sim_net.h"

#define HELLO_CONNECT_MS 2000   /* one connect, in real milliseconds */
#define HELLO_MIN_INTERVAL_MS 10
#define HELLO_RECHECK_MS 250    /* notice a reload to POST while idle-sending */

struct sim_hello {
	struct sim_fw *fw;
	pthread_t tid;
	int wakefd;
	/* guarded by the ME lock */
	bool quit;
	bool dirty;             /* retry count changed since the last save */
	uint64_t window_end_ms; /* sim_net_now_ms() when sending stops; 0 = never */
	uint64_t next_ms;       /* when the next hello is due */
};

struct hello_job {
	char host[SIM_STR];
	char port[6];
	struct hello_msg msg;
};

/* Stop sending; caller holds the ME lock. */
static void stop_locked(struct sim_fw *fw, const char *why)
{
	if (!fw->st.hello_active)
		return;
	fw->st.hello_active = false;
	if (fw->hello)
		fw->hello->dirty = false;
	sim_state_persist(&fw->st, fw->state_path);
	log_info("hello: stopped (%s) at retry count %u", why, fw->st.hello_retry_count);
}

/* Fill the packet and the destination from the state; caller holds the
 * ME lock. Returns false when there is nowhere to send (still an attempt). */
static bool prepare(const struct sim_state *st, struct hello_job *j)
{
	struct hello_msg *m = &j->msg;
	memset(m, 0, sizeof(*m));
	m->admin_set = 0;
	m->version = HELLO_VERSION_PKI;
	m->retry_count = st->hello_retry_count < SIM_HELLO_RETRY_MAX ? st->hello_retry_count
								      : SIM_HELLO_RETRY_MAX;
	memcpy(m->uuid, st->uuid, HELLO_UUID_LEN);
	for (unsigned i = 0; i < st->hash_count && m->hash_count < HELLO_MAX_HASHES; i++) {
		const struct sim_hash *h = &st->hashes[i];
		uint8_t type;
		switch (h->alg) {
		case SIM_HASH_SHA1: type = HELLO_HASH_SHA1; break;
		case SIM_HASH_SHA256: type = HELLO_HASH_SHA256; break;
		case SIM_HASH_SHA384: type = HELLO_HASH_SHA384; break;
		default: continue; /* SHA-512 does not fit the hello format */
		}
		if (!h->active)
			continue;
		struct hello_hash *o = &m->hashes[m->hash_count++];
		o->type = type;
		memcpy(o->bytes, h->bytes, hello_hash_size(type));
	}
	if (st->prov_server[0]) {
		if (sim_net_split(st->prov_server, HELLO_PORT, j->host, sizeof(j->host), j->port) == 0)
			return true;
		log_debug("hello: bad [provisioning] server \"%s\"", st->prov_server);
		return false;
	}
	if (!st->dns_suffix[0])
		return false;
	/* firmware's discovery: "ProvisionServer" in the DHCP/PKI DNS suffix */
	if (snprintf(j->host, sizeof(j->host), "ProvisionServer.%s", st->dns_suffix) >=
	    (int)sizeof(j->host))
		return false;
	snprintf(j->port, sizeof(j->port), "%u", HELLO_PORT);
	return true;
}

static void send_hello(struct sim_hello *h, const struct hello_job *j)
{
	uint8_t buf[HELLO_MAX_LEN];
	size_t len = 0, off = 0;
	int rc = hello_encode(&j->msg, buf, sizeof(buf), &len);
	if (rc != 0) {
		log_error("hello: cannot encode the packet: %s", proto_err_name(rc));
		return;
	}
	int fd = sim_net_connect(j->host, j->port, HELLO_CONNECT_MS, h->wakefd);
	if (fd < 0) {
		log_debug("hello: %s:%s: %s (retry count %u)", j->host, j->port, strerror(-fd),
			  j->msg.retry_count);
		return;
	}
	sim_net_set_timeouts(fd, HELLO_CONNECT_MS);
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_debug("hello: send to %s:%s: %s", j->host, j->port, strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	if (off == len)
		log_debug("hello: sent to %s:%s (retry count %u, %u hashes)", j->host, j->port,
			  j->msg.retry_count, j->msg.hash_count);
}

static void *hello_main(void *arg)
{
	struct sim_hello *h = arg;
	struct sim_fw *fw = h->fw;
	sigset_t pipe_set;

	/* a peer closing early must not kill the simulator */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);

	for (;;) {
		struct hello_job job;
		bool due = false, sendable = false;
		int wait_ms = -1;

		sim_me_lock(fw->me);
		if (h->quit) {
			sim_me_unlock(fw->me);
			break;
		}
		if (fw->st.hello_active) {
			uint64_t now = sim_net_now_ms();
			if (fw->st.prov_state == AMT_PROVISIONING_POST) {
				stop_locked(fw, "provisioned");
			} else if (h->window_end_ms && now >= h->window_end_ms) {
				stop_locked(fw, "window ended");
			} else if (now >= h->next_ms) {
				/* kicks so far are served by this round; a later
				 * one (stop, restart) cancels its connect */
				sim_net_wake_drain(h->wakefd);
				due = true;
				sendable = prepare(&fw->st, &job);
				h->next_ms = now + sim_net_scaled_ms(fw->st.hello_interval_s,
								     fw->st.time_scale,
								     HELLO_MIN_INTERVAL_MS);
			} else {
				uint64_t until = h->next_ms;
				if (h->window_end_ms && h->window_end_ms < until)
					until = h->window_end_ms;
				wait_ms = (int)(until - now < HELLO_RECHECK_MS ? until - now
									       : HELLO_RECHECK_MS);
			}
		}
		sim_me_unlock(fw->me);

		if (!due) {
			sim_net_wait(h->wakefd, wait_ms);
			continue;
		}
		if (sendable)
			send_hello(h, &job);
		else
			log_debug("hello: no provisioning server known (retry count %u)",
				  job.msg.retry_count);
		sim_me_lock(fw->me);
		if (fw->st.hello_retry_count < SIM_HELLO_RETRY_MAX)
			fw->st.hello_retry_count++;
		else
			fw->st.hello_retry_count = SIM_HELLO_RETRY_MAX;
		h->dirty = true;
		sim_me_unlock(fw->me);
	}
	return NULL;
}

int sim_hello_register(struct sim_fw *fw, char *err, size_t errcap)
{
	int rc = 0;
	sim_me_lock(fw->me);
	if (fw->st.amt_enabled && fw->st.hello_active &&
	    fw->st.prov_state != AMT_PROVISIONING_POST)
		rc = sim_hello_start(fw, true);
	sim_me_unlock(fw->me);
	return rc;
}

int sim_hello_start(struct sim_fw *fw, bool resume)
{
	struct sim_hello *h = fw->hello;
	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return -ENOMEM;
		h->fw = fw;
		h->wakefd = sim_net_wake_new();
		if (h->wakefd < 0) {
			int rc = h->wakefd;
			free(h);
			return rc;
		}
		int rc = pthread_create(&h->tid, NULL, hello_main, h);
		if (rc != 0) {
			close(h->wakefd);
			free(h);
			return -rc;
		}
		fw->hello = h;
	}
	uint64_t now = sim_net_now_ms();
	h->next_ms = now;
	h->window_end_ms = fw->st.hello_window_s
				   ? now + sim_net_scaled_ms(fw->st.hello_window_s, fw->st.time_scale, 1)
				   : 0;
	fw->st.hello_active = true;
	if (!resume) {
		h->dirty = false;
		sim_state_persist(&fw->st, fw->state_path);
	}
	log_info("hello: %s (retry count %u)", resume ? "resumed" : "started",
		 fw->st.hello_retry_count);
	sim_net_wake_kick(h->wakefd);
	return 0;
}

void sim_hello_stop(struct sim_fw *fw)
{
	stop_locked(fw, "StopConfiguration");
	if (fw->hello)
		sim_net_wake_kick(fw->hello->wakefd);
}

void sim_hello_shutdown(struct sim_fw *fw)
{
	struct sim_hello *h = fw->hello;
	if (!h)
		return;
	sim_me_lock(fw->me);
	h->quit = true;
	sim_net_wake_kick(h->wakefd);
	sim_me_unlock(fw->me);
	pthread_join(h->tid, NULL);
	sim_me_lock(fw->me);
	if (h->dirty)
		sim_state_persist(&fw->st, fw->state_path);
	fw->hello = NULL;
	sim_me_unlock(fw->me);
	close(h->wakefd);
	free(h);
}
