// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fleet.c - `amt-sim fleet`: N simulated devices' WS-Management in one
 * process (see sim_fleet.h).
 *
 * Each device is a struct sim_fw with its own state (derived from the
 * template: sim_fleet_personalize) and a WS-Man service attached to the
 * loop of one of --threads worker threads (sim_wsman_attach), listening on
 * its own address or ports. The states live in one private anonymous
 * mapping, a page-aligned slot each, filled page by page from the template
 * except where the template is all zeros (mostly the 3PDS storage area), so
 * a device costs the pages its state uses (about 20 KiB), not the struct's
 * 150 KiB. Devices share an ME lock per worker (each worker's devices are
 * only touched by its thread).
 * Prints "amt-sim: ready: fleet of N" once every listener is up; SIGTERM
 * or SIGINT stops the workers, prints the request and TLS counters, exit 0.
 * Must not: save state (no state file is written: the fleet is volatile),
 * mount anything or start ME clients.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "log.h"
#include "sim_fleet.h"
#include "sim_fw.h"
#include "sim_wsman.h"

#define MAX_THREADS 16
#define BACKLOG 128

struct worker {
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct event *stop_ev;
	int stop_pipe[2];
	struct sim_me *me; /* the lock of this worker's devices */
};

struct device {
	struct sim_fw *fw;
	struct sim_wsman *w;
	X509 *cert;       /* issued for it, or NULL */
	uint32_t addr;    /* host order */
	unsigned http_port, https_port;
	uint8_t fault;
};

struct fleet {
	unsigned n, threads, groups;
	const char *state_path, *listen, *faults_spec, *inventory_out, *faults_out;
	const char *ca_cert, *ca_key;
	bool inventory_tls;
	bool serve_http, serve_https; /* --serve */
	uint32_t seed;
	struct sim_fleet_listen where;
	struct sim_fleet_faults faults;
	struct sim_fw *tmpl;     /* the template, loaded */
	uint8_t *map;            /* the device states */
	size_t slot, map_len;
	struct device *dev;
	struct worker worker[MAX_THREADS];
	struct sim_fleet_tls *tls;
	struct sim_wsman_stats stats;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: amt-sim fleet --count N --listen ADDR[:PORT] [--state TEMPLATE.ini]\n"
		"                     [--faults SPEC] [--groups K] [--tls-ca CERT --tls-ca-key KEY]\n"
		"                     [--inventory-out FILE [--inventory-tls]] [--faults-out FILE]\n"
		"                     [--serve http|https|both] [--threads T] [--seed S] [-v]\n\n"
		"Serve the WS-Management of N simulated AMT devices from one process, each\n"
		"derived from TEMPLATE.ini (default: built-in defaults) and its index: its own\n"
		"UUID, MACs, host name, wired address and credentials.\n\n"
		"  --listen ADDR        device i on ADDR+i (127.x.y.z, skipping .0 and .255),\n"
		"                       ports 16992 (HTTP) and 16993 (HTTPS)\n"
		"  --listen ADDR:PORT   all on ADDR, device i on PORT+2i and PORT+2i+1 (0: free)\n"
		"  --faults SPEC        e.g. slow=5%%:2000,refuse=2%%,badpass=10,badtls=1%%: a share\n"
		"                       of the devices answers MS late, refuses connections, has\n"
		"                       another password, or shows an untrusted certificate\n"
		"  --groups K           credentials groups: device i in group g(i%%K); group 0 has\n"
		"                       the template's password, group g PASSWORD-gG\n"
		"  --tls-ca CERT, --tls-ca-key KEY\n"
		"                       issue each device a certificate from this CA (its host\n"
		"                       name and address); else the template's [amt] tls_cert\n"
		"  --inventory-out FILE the inventory amt-verify fleet --inventory reads (CSV);\n"
		"                       with K > 1 also FILE.credentials and FILE.gG.password\n"
		"  --inventory-tls      (ADDR:PORT form) list the HTTPS ports, not the HTTP ones\n"
		"  --faults-out FILE    which device has which fault (CSV host,port,fault)\n"
		"  --serve WHAT         http, https or both (default): one listening socket\n"
		"                       per device instead of two where descriptors are short\n"
		"  --threads T          worker threads (default 1)\n"
		"  --seed S             which devices get the faults (default 1)\n\n"
		"Prints \"amt-sim: ready: fleet of N\" when every listener is up; SIGTERM/SIGINT\n"
		"stops it and prints the request and TLS counters.\n");
}

/* ---- the states ---- */

static bool page_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* One private mapping of n page-aligned slots; each gets the template's
 * non-zero pages (untouched pages stay unallocated zeros). */
static int map_states(struct fleet *fl, char *err, size_t errcap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size = sizeof(struct sim_fw);
	const uint8_t *t = (const uint8_t *)fl->tmpl;

	fl->slot = (size + page - 1) / page * page;
	fl->map_len = fl->slot * fl->n;
	fl->map = mmap(NULL, fl->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
							       MAP_NORESERVE, -1, 0);
	if (fl->map == MAP_FAILED) {
		fl->map = NULL;
		snprintf(err, errcap, "cannot map %zu bytes for the device states: %s", fl->map_len,
			 strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < fl->n; i++) {
		uint8_t *dst = fl->map + (size_t)i * fl->slot;
		for (size_t off = 0; off < size; off += page) {
			size_t len = size - off < page ? size - off : page;
			if (!page_zero(t + off, len))
				memcpy(dst + off, t + off, len);
		}
	}
	return 0;
}

/* ---- sockets ---- */

static int listen_on(uint32_t addr, unsigned port, unsigned *bound, char *err, size_t errcap)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(addr)};
	socklen_t len = sizeof(sa);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		char ip[INET_ADDRSTRLEN];
		int e = errno;
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		snprintf(err, errcap, "cannot listen on %s:%u: %s%s", ip, port, strerror(e),
			 e == EMFILE ? " — raise the descriptor limit (ulimit -n) or run as root"
				     : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* Descriptors for every listener and a share of connections: 0, or -1
 * with a reason when the hard limit cannot hold them. */
static int fit_fd_limit(unsigned listeners, char *err, size_t errcap)
{
	rlim_t need = (rlim_t)listeners + 1024, want = need + listeners / 2;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want) {
		struct rlimit up = {want, want};
		if (setrlimit(RLIMIT_NOFILE, &up) == 0) /* root (CAP_SYS_RESOURCE) */
			return 0;
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur >= need)
		return 0;
	snprintf(err, errcap, "%u listening sockets need about %llu descriptors and the limit is "
			      "%llu — raise it (ulimit -Hn, CAP_SYS_RESOURCE) or serve one protocol "
			      "(--serve http or --serve https)",
		 listeners, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
	return -1;
}

/* ---- devices ---- */

static int start_device(struct fleet *fl, unsigned i, char *err, size_t errcap)
{
	struct device *d = &fl->dev[i];
	struct worker *wk = &fl->worker[i % fl->threads];
	struct sim_wsman_attach a = {.base = wk->base, .http_fd = -1, .https_fd = -1,
				     .stats = &fl->stats};
	bool tls = fl->serve_https && fl->tls && (fl->tmpl->st.tls_cert[0] || fl->ca_cert);
	unsigned port = fl->where.per_address ? SIM_WSMAN_HTTP_PORT
			: fl->where.port	  ? fl->where.port + 2 * i
						  : 0;

	d->fw = (struct sim_fw *)(fl->map + (size_t)i * fl->slot);
	d->fw->me = wk->me;
	d->addr = fl->where.per_address ? sim_fleet_addr_of(fl->where.base, i) : fl->where.base;
	sim_fleet_personalize(&d->fw->st, i, fl->groups,
			      fl->where.per_address ? d->addr : fl->tmpl->st.wired.ipv4 + i,
			      d->fault == SIM_FLEET_BADPASS);
	if (d->fault == SIM_FLEET_REFUSE) {
		/* Nothing listens: its ports (port 1 when the kernel picks them)
		 * refuse connections. */
		d->http_port = port ? port : 1;
		d->https_port = port ? port + 1 : 1;
		return 0;
	}
	if (fl->serve_http) {
		a.http_fd = listen_on(d->addr, port, &d->http_port, err, errcap);
		if (a.http_fd < 0)
			return -1;
	}
	if (tls) {
		a.https_fd = listen_on(d->addr, port ? port + 1 : 0, &d->https_port, err, errcap);
		if (a.https_fd < 0) {
			if (a.http_fd >= 0)
				close(a.http_fd);
			return -1;
		}
		a.ssl = sim_fleet_tls_ctx(fl->tls);
		if (d->fault == SIM_FLEET_BADTLS) {
			a.cert = sim_fleet_tls_untrusted(fl->tls);
		} else {
			d->cert = sim_fleet_tls_issue(fl->tls, i, d->fw->st.host_name,
						      fl->where.per_address ? d->addr
									    : fl->where.base);
			a.cert = d->cert;
		}
		a.key = a.cert ? sim_fleet_tls_key(fl->tls) : NULL;
	}
	if (d->fault == SIM_FLEET_SLOW)
		a.reply_delay_ms = fl->faults.slow_ms;
	d->w = sim_wsman_attach(d->fw, &a, err, errcap);
	return d->w ? 0 : -1;
}

/* ---- files for amt-verify fleet ---- */

static void addr_text(uint32_t addr, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = {.s_addr = htonl(addr)};
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static void uuid_text(const uint8_t u[16], char out[37])
{
	/* GUID form: the first three fields little-endian. */
	snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

/* Written to FILE.tmp and renamed, so a reader never sees half a file. */
static FILE *open_out(const char *path, char *tmp, size_t cap, mode_t mode)
{
	int fd;

	snprintf(tmp, cap, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	return fd < 0 ? NULL : fdopen(fd, "w");
}

static int close_out(FILE *f, const char *tmp, const char *path, char *err, size_t errcap)
{
	if (ferror(f) | (fclose(f) != 0) || rename(tmp, path) != 0) {
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int write_credentials(struct fleet *fl, char *err, size_t errcap)
{
	char path[600], tmp[640], pw[40];
	FILE *f;

	snprintf(path, sizeof(path), "%s.credentials", fl->inventory_out);
	if (!(f = open_out(path, tmp, sizeof(tmp), 0600)))
		goto fail;
	for (unsigned g = 0; g < fl->groups; g++) {
		char pwpath[600], pwtmp[640];
		FILE *p;

		snprintf(pwpath, sizeof(pwpath), "%s.g%u.password", fl->inventory_out, g);
		fprintf(f, "[g%u]\nuser = %s\npassword_file = %s\n", g, fl->tmpl->st.admin_user,
			pwpath);
		sim_fleet_group_password(fl->tmpl->st.admin_password, g, pw, sizeof(pw));
		if (!(p = open_out(pwpath, pwtmp, sizeof(pwtmp), 0600))) {
			fclose(f);
			goto fail;
		}
		fprintf(p, "%s\n", pw);
		if (close_out(p, pwtmp, pwpath, err, errcap) != 0) {
			fclose(f);
			return -1;
		}
	}
	return close_out(f, tmp, path, err, errcap);
fail:
	snprintf(err, errcap, "cannot write %.300s: %s", path, strerror(errno));
	return -1;
}

static int write_inventory(struct fleet *fl, char *err, size_t errcap)
{
	char tmp[640], ip[INET_ADDRSTRLEN], uuid[37];
	FILE *f = open_out(fl->inventory_out, tmp, sizeof(tmp), 0644);

	if (!f) {
		snprintf(err, errcap, "cannot write %s: %s", fl->inventory_out, strerror(errno));
		return -1;
	}
	fprintf(f, "host,port,uuid%s\n", fl->groups > 1 ? ",group" : "");
	for (unsigned i = 0; i < fl->n; i++) {
		const struct device *d = &fl->dev[i];
		/* An address each: the standard ports, left to the reader. */
		unsigned port = fl->where.per_address ? 0
				: fl->inventory_tls   ? d->https_port
						      : d->http_port;

		addr_text(d->addr, ip);
		uuid_text(d->fw->st.uuid, uuid);
		fprintf(f, "%s,", ip);
		if (port)
			fprintf(f, "%u", port);
		fprintf(f, ",%s", uuid);
		if (fl->groups > 1)
			fprintf(f, ",g%u", i % fl->groups);
		fputc('\n', f);
	}
	if (close_out(f, tmp, fl->inventory_out, err, errcap) != 0)
		return -1;
	return fl->groups > 1 ? write_credentials(fl, err, errcap) : 0;
}

static int write_faults(struct fleet *fl, char *err, size_t errcap)
{
	char tmp[640], ip[INET_ADDRSTRLEN];
	FILE *f = open_out(fl->faults_out, tmp, sizeof(tmp), 0644);

	if (!f) {
		snprintf(err, errcap, "cannot write %s: %s", fl->faults_out, strerror(errno));
		return -1;
	}
	fprintf(f, "host,http_port,https_port,fault\n");
	for (unsigned i = 0; i < fl->n; i++) {
		const struct device *d = &fl->dev[i];

		if (d->fault == SIM_FLEET_NONE)
			continue;
		addr_text(d->addr, ip);
		fprintf(f, "%s,%u,%u,%s\n", ip, d->http_port, d->https_port,
			sim_fleet_fault_name(d->fault));
	}
	return close_out(f, tmp, fl->faults_out, err, errcap);
}

/* ---- workers ---- */

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;

	event_base_dispatch(wk->base);
	return NULL;
}

static int worker_init(struct worker *wk, char *err, size_t errcap)
{
	wk->stop_pipe[0] = wk->stop_pipe[1] = -1;
	wk->base = event_base_new();
	wk->me = sim_me_new();
	if (!wk->base || !wk->me || pipe2(wk->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    !(wk->stop_ev = event_new(wk->base, wk->stop_pipe[0], EV_READ, on_stop, wk->base)) ||
	    event_add(wk->stop_ev, NULL) != 0) {
		snprintf(err, errcap, "cannot set up a worker: out of memory or descriptors");
		return -1;
	}
	return 0;
}

static void worker_stop(struct worker *wk)
{
	char b = 1;

	if (!wk->started)
		return;
	while (write(wk->stop_pipe[1], &b, 1) < 0 && errno == EINTR)
		;
	pthread_join(wk->thread, NULL);
	wk->started = false;
}

static void fleet_free(struct fleet *fl)
{
	for (unsigned t = 0; t < fl->threads; t++)
		worker_stop(&fl->worker[t]);
	for (unsigned i = 0; fl->dev && i < fl->n; i++) {
		sim_wsman_stop(fl->dev[i].w);
		X509_free(fl->dev[i].cert);
	}
	for (unsigned t = 0; t < fl->threads; t++) {
		struct worker *wk = &fl->worker[t];
		if (wk->stop_ev)
			event_free(wk->stop_ev);
		if (wk->base)
			event_base_free(wk->base);
		sim_me_free(wk->me);
		for (int k = 0; k < 2; k++)
			if (wk->stop_pipe[k] >= 0)
				close(wk->stop_pipe[k]);
	}
	if (fl->map)
		munmap(fl->map, fl->map_len);
	sim_fleet_tls_free(fl->tls);
	free(fl->dev);
	free(fl->tmpl);
}

/* ---- the command ---- */

static int parse(int argc, char **argv, struct fleet *fl)
{
	static const struct option opts[] = {
		{"count", required_argument, NULL, 'n'},     {"listen", required_argument, NULL, 'l'},
		{"state", required_argument, NULL, 's'},     {"faults", required_argument, NULL, 'f'},
		{"groups", required_argument, NULL, 'g'},    {"tls-ca", required_argument, NULL, 'C'},
		{"tls-ca-key", required_argument, NULL, 'K'},
		{"inventory-out", required_argument, NULL, 'o'},
		{"inventory-tls", no_argument, NULL, 'T'},   {"faults-out", required_argument, NULL, 'F'},
		{"threads", required_argument, NULL, 't'},   {"seed", required_argument, NULL, 'S'},
		{"serve", required_argument, NULL, 'P'},
		{"verbose", no_argument, NULL, 'v'},         {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	int c, verbose = 0;
	char *end;
	unsigned long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'g':
		case 't':
		case 'S':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9' ||
			    (c == 'n' && (v < 1 || v > SIM_FLEET_MAX)) ||
			    (c == 'g' && (v < 1 || v > 64)) ||
			    (c == 't' && (v < 1 || v > MAX_THREADS)) || (c == 'S' && v > 0xffffffffu)) {
				fprintf(stderr, "amt-sim fleet: --%s %s: out of range (count 1..%u, "
						"groups 1..64, threads 1..%d)\n",
					c == 'n' ? "count" : c == 'g' ? "groups" : c == 't' ? "threads"
											      : "seed",
					optarg, SIM_FLEET_MAX, MAX_THREADS);
				return -1;
			}
			if (c == 'n')
				fl->n = (unsigned)v;
			else if (c == 'g')
				fl->groups = (unsigned)v;
			else if (c == 't')
				fl->threads = (unsigned)v;
			else
				fl->seed = (uint32_t)v;
			break;
		case 'l': fl->listen = optarg; break;
		case 's': fl->state_path = optarg; break;
		case 'f': fl->faults_spec = optarg; break;
		case 'C': fl->ca_cert = optarg; break;
		case 'K': fl->ca_key = optarg; break;
		case 'o': fl->inventory_out = optarg; break;
		case 'T': fl->inventory_tls = true; break;
		case 'F': fl->faults_out = optarg; break;
		case 'P':
			fl->serve_http = !strcmp(optarg, "http") || !strcmp(optarg, "both");
			fl->serve_https = !strcmp(optarg, "https") || !strcmp(optarg, "both");
			if (!fl->serve_http && !fl->serve_https) {
				fprintf(stderr, "amt-sim fleet: --serve %s: expected http, https or both\n",
					optarg);
				return -1;
			}
			break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	log_init("amt-sim", LOG_SINK_STDERR, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (optind != argc || !fl->n || !fl->listen) {
		fprintf(stderr, "amt-sim fleet: needs --count N and --listen ADDR[:PORT] — see "
				"amt-sim fleet --help\n");
		return -1;
	}
	if (!fl->ca_cert != !fl->ca_key) {
		fprintf(stderr, "amt-sim fleet: --tls-ca and --tls-ca-key go together\n");
		return -1;
	}
	return 0;
}

static int run(struct fleet *fl, sigset_t *sigs)
{
	char err[512];
	int sig;

	fl->tmpl = calloc(1, sizeof(*fl->tmpl));
	if (!fl->tmpl)
		goto nomem;
	sim_state_defaults(&fl->tmpl->st);
	if (fl->state_path && sim_state_load(&fl->tmpl->st, fl->state_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-sim fleet: cannot load the template: %s\n", err);
		return 2;
	}
	if (sim_fleet_parse_listen(fl->listen, fl->n, &fl->where, err, sizeof(err)) != 0 ||
	    (fl->faults_spec &&
	     sim_fleet_parse_faults(fl->faults_spec, fl->n, &fl->faults, err, sizeof(err)) != 0)) {
		fprintf(stderr, "amt-sim fleet: %s\n", err);
		return 2;
	}
	if (fl->faults.count[SIM_FLEET_BADTLS] &&
	    (!fl->serve_https || (!fl->tmpl->st.tls_cert[0] && !fl->ca_cert))) {
		fprintf(stderr, "amt-sim fleet: --faults badtls needs TLS: --tls-ca/--tls-ca-key or "
				"[amt] tls_cert in the template\n");
		return 2;
	}
	if (fit_fd_limit(fl->n * ((fl->serve_http ? 1 : 0) +
				  (fl->serve_https && (fl->tmpl->st.tls_cert[0] || fl->ca_cert) ? 1 : 0)),
			 err, sizeof(err)) != 0) {
		fprintf(stderr, "amt-sim fleet: %s\n", err);
		return 1;
	}
	fl->dev = calloc(fl->n, sizeof(*fl->dev));
	if (!fl->dev)
		goto nomem;
	{
		uint8_t *faults = malloc(fl->n);
		if (!faults)
			goto nomem;
		sim_fleet_assign_faults(&fl->faults, fl->n, fl->seed, faults);
		for (unsigned i = 0; i < fl->n; i++)
			fl->dev[i].fault = faults[i];
		free(faults);
	}
	if ((fl->tmpl->st.tls_cert[0] || fl->ca_cert) &&
	    !(fl->tls = sim_fleet_tls_new(&fl->tmpl->st, fl->ca_cert, fl->ca_key, err, sizeof(err)))) {
		fprintf(stderr, "amt-sim fleet: %s\n", err);
		return 2;
	}
	if (map_states(fl, err, sizeof(err)) != 0)
		goto fail;
	for (unsigned t = 0; t < fl->threads; t++)
		if (worker_init(&fl->worker[t], err, sizeof(err)) != 0)
			goto fail;
	for (unsigned i = 0; i < fl->n; i++)
		if (start_device(fl, i, err, sizeof(err)) != 0)
			goto fail;
	if ((fl->inventory_out && write_inventory(fl, err, sizeof(err)) != 0) ||
	    (fl->faults_out && write_faults(fl, err, sizeof(err)) != 0))
		goto fail;
	for (unsigned t = 0; t < fl->threads; t++) {
		if (pthread_create(&fl->worker[t].thread, NULL, worker_main, &fl->worker[t]) != 0) {
			snprintf(err, sizeof(err), "cannot start a worker thread");
			goto fail;
		}
		fl->worker[t].started = true;
	}
	{
		char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];
		addr_text(fl->dev[0].addr, first);
		addr_text(fl->dev[fl->n - 1].addr, last);
		log_info("fleet: %u devices on %s%s%s, %s, %u thread%s; faults: %u slow (%u ms), "
			 "%u refusing, %u wrong password, %u untrusted certificate",
			 fl->n, first, fl->where.per_address ? ".." : "",
			 fl->where.per_address ? last : "",
			 fl->where.per_address ? "ports 16992/16993" : "ports of their own",
			 fl->threads, fl->threads == 1 ? "" : "s", fl->faults.count[SIM_FLEET_SLOW],
			 fl->faults.slow_ms, fl->faults.count[SIM_FLEET_REFUSE],
			 fl->faults.count[SIM_FLEET_BADPASS], fl->faults.count[SIM_FLEET_BADTLS]);
	}
	printf("amt-sim: ready: fleet of %u\n", fl->n);
	fflush(stdout);
	while (sigwait(sigs, &sig) != 0 || sig == SIGHUP)
		;
	for (unsigned t = 0; t < fl->threads; t++)
		worker_stop(&fl->worker[t]);
	log_info("fleet stopped: %lu requests (%lu answered 401), %lu TLS connections (%lu resumed)",
		 (unsigned long)fl->stats.requests, (unsigned long)fl->stats.challenges,
		 (unsigned long)fl->stats.handshakes, (unsigned long)fl->stats.resumed);
	return 0;
nomem:
	snprintf(err, sizeof(err), "out of memory");
fail:
	fprintf(stderr, "amt-sim fleet: %s\n", err);
	return 1;
}

int sim_fleet_main(int argc, char **argv)
{
	struct fleet *fl = calloc(1, sizeof(*fl));
	sigset_t sigs;
	int r;

	if (!fl) {
		fprintf(stderr, "amt-sim fleet: out of memory\n");
		return 1;
	}
	/* fleet_free closes what workers hold, also on paths before worker_init
	 * ran: nothing yet, not the zeroed fd 0 */
	for (unsigned t = 0; t < MAX_THREADS; t++)
		fl->worker[t].stop_pipe[0] = fl->worker[t].stop_pipe[1] = -1;
	fl->threads = 1;
	fl->groups = 1;
	fl->seed = 1;
	fl->faults.slow_ms = SIM_FLEET_SLOW_MS_DEFAULT;
	fl->serve_http = fl->serve_https = true;
	r = parse(argc, argv, fl);
	if (r != 0) {
		free(fl);
		return r > 0 ? 0 : 2;
	}
	/* Signals go to sigwait here; the workers inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = run(fl, &sigs);
	fleet_free(fl);
	free(fl);
	return r;
}
