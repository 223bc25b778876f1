// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_fuse.c - the simulated device file (tools/sim/sim_fuse.c) driven
 * with real syscalls: mount at a temp path with an echo client, then open,
 * ioctl(IOCTL_MEI_CONNECT_CLIENT), write, poll, read, signals, ME reset,
 * the write queue limit (POLLOUT, EAGAIN, a blocking write that waits),
 * file permissions and recovery from a stale mount.
 * Must not: leave a mount behind, or run when not root / no /dev/fuse
 * (every test skips then).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/sim/sim_fuse.h"
#include "tools/sim/sim_me.h"

#define MEI_CONNECT 0xC0104801UL
#define MEI_NOTIFY_GET 0x80044803UL
#define ECHO_MTU 64u
#define ECHO_VER 5u

static const uint8_t ECHO_GUID[16] = {0x5e, 0x1f, 0xec, 0x40, 0x11, 0x22, 0x33, 0x44,
				      0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
static const uint8_t NO_GUID[16] = {0x01, 0x02, 0x03};

struct fx {
	char dir[64];
	char path[96];
	struct sim_me *me;
	struct sim_fuse *f;
	pthread_t loop;
	bool running;
	/* Watchdog: a bug here can leave a thread in an uninterruptible FUSE
	 * wait that even SIGKILL cannot end (the process holds its own
	 * /dev/fuse fd), so a hung test aborts the connection and exits. */
	pthread_t dog;
	bool dog_running;
	pthread_mutex_t dog_mu;
	pthread_cond_t dog_cv;
	bool dog_stop;
};

#define WATCHDOG_SECONDS 60

static void echo_message(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	sim_conn_reply(c, msg, len);
}

static struct sim_me *echo_me(void)
{
	struct sim_me *me = sim_me_new();
	struct sim_client_def d = {
		.name = "echo", .mtu = ECHO_MTU, .proto_ver = ECHO_VER,
		.on_message = echo_message,
	};
	memcpy(d.guid, ECHO_GUID, 16);
	if (me && sim_me_add_client(me, &d) != 0) {
		sim_me_free(me);
		me = NULL;
	}
	return me;
}

static bool fuse_usable(void)
{
	return geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) == 0;
}

static void *loop_main(void *arg)
{
	return (void *)(intptr_t)sim_fuse_run(arg);
}

static bool path_mounted(const char *path)
{
	char line[1024];
	bool found = false;
	FILE *m = fopen("/proc/mounts", "r");
	if (!m)
		return false;
	while (fgets(line, sizeof(line), m))
		if (strstr(line, path) && strstr(line, "amt-sim"))
			found = true;
	fclose(m);
	return found;
}

static int teardown(void **state);

static void *watchdog_main(void *arg)
{
	struct fx *fx = arg;
	struct timespec until;
	char stale[128];
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WATCHDOG_SECONDS;
	pthread_mutex_lock(&fx->dog_mu);
	while (!fx->dog_stop && rc == 0)
		rc = pthread_cond_timedwait(&fx->dog_cv, &fx->dog_mu, &until);
	bool fire = !fx->dog_stop;
	pthread_mutex_unlock(&fx->dog_mu);
	if (!fire)
		return NULL;
	fprintf(stderr, "watchdog: test hung for %d s; aborting the FUSE connections\n",
		WATCHDOG_SECONDS);
	snprintf(stale, sizeof(stale), "%s/stale", fx->dir);
	/* MNT_FORCE makes FUSE abort the connection (umount_begin). */
	umount2(fx->path, MNT_FORCE);
	umount2(fx->path, MNT_DETACH);
	umount2(stale, MNT_FORCE);
	umount2(stale, MNT_DETACH);
	_exit(1);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256];

	*state = fx;
	if (!fx)
		return -1;
	if (!fuse_usable())
		return 0; /* each test skips */
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/amt-sim-test.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		fx->dir[0] = '\0';
		goto fail;
	}
	chmod(fx->dir, 0755); /* so the permission test hits the device's mode */
	snprintf(fx->path, sizeof(fx->path), "%s/mei0", fx->dir);
	fx->me = echo_me();
	if (!fx->me)
		goto fail;
	fx->f = sim_fuse_new(fx->me, fx->path, NULL, err, sizeof(err));
	if (!fx->f) {
		fprintf(stderr, "sim_fuse_new: %s\n", err);
		goto fail;
	}
	if (pthread_create(&fx->loop, NULL, loop_main, fx->f) != 0)
		goto fail;
	fx->running = true;
	pthread_mutex_init(&fx->dog_mu, NULL);
	pthread_cond_init(&fx->dog_cv, NULL);
	if (pthread_create(&fx->dog, NULL, watchdog_main, fx) != 0)
		goto fail;
	fx->dog_running = true;
	return 0;
fail:
	teardown(state); /* cmocka skips teardown when setup fails */
	return -1;
}

static void stop_fuse(struct fx *fx)
{
	if (fx->running) {
		void *rc;
		sim_fuse_stop(fx->f);
		pthread_join(fx->loop, &rc);
		fx->running = false;
		assert_int_equal((intptr_t)rc, 0);
	}
	sim_fuse_free(fx->f);
	fx->f = NULL;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	if (fx->dog_running) {
		pthread_mutex_lock(&fx->dog_mu);
		fx->dog_stop = true;
		pthread_cond_signal(&fx->dog_cv);
		pthread_mutex_unlock(&fx->dog_mu);
		pthread_join(fx->dog, NULL);
		pthread_cond_destroy(&fx->dog_cv);
		pthread_mutex_destroy(&fx->dog_mu);
	}
	if (fx->f)
		stop_fuse(fx);
	sim_me_free(fx->me);
	if (fx->dir[0]) {
		bool left = path_mounted(fx->dir);
		unlink(fx->path);
		rmdir(fx->dir);
		if (left) {
			fprintf(stderr, "mount left behind under %s\n", fx->dir);
			free(fx);
			return -1;
		}
	}
	free(fx);
	return 0;
}

#define REQUIRE_FUSE(fx)                                                                  \
	do {                                                                              \
		if (!(fx)->f) {                                                           \
			print_message("needs root and /dev/fuse\n");                      \
			skip();                                                           \
		}                                                                         \
	} while (0)

static int open_dev(const struct fx *fx, int flags)
{
	int fd = open(fx->path, O_RDWR | O_CLOEXEC | flags);
	assert_true(fd >= 0);
	return fd;
}

static int mei_connect(int fd, const uint8_t guid[16], uint8_t out[16])
{
	uint8_t data[16];
	memcpy(data, guid, 16);
	int rc = ioctl(fd, MEI_CONNECT, data);
	if (out)
		memcpy(out, data, 16);
	return rc < 0 ? -errno : rc;
}

static int open_connected(const struct fx *fx, int flags)
{
	int fd = open_dev(fx, flags);
	assert_int_equal(mei_connect(fd, ECHO_GUID, NULL), 0);
	return fd;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A read() blocked in another thread. */
struct reader {
	int fd;
	size_t cap;
	ssize_t n;
	int err;
	atomic_int done;
	uint8_t buf[256];
	pthread_t t;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	r->n = read(r->fd, r->buf, r->cap);
	r->err = r->n < 0 ? errno : 0;
	atomic_store(&r->done, 1);
	return NULL;
}

static void reader_start(struct reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->cap = sizeof(r->buf);
	assert_int_equal(pthread_create(&r->t, NULL, reader_main, r), 0);
}

static void reader_join(struct reader *r)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10; /* a hang is a failure, not a timing assertion */
	assert_int_equal(pthread_timedjoin_np(r->t, NULL, &until), 0);
}

static void test_stat_and_connect(void **state)
{
	struct fx *fx = *state;
	uint8_t out[16];
	struct stat st;

	REQUIRE_FUSE(fx);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_size, 0);
	assert_true(path_mounted(fx->path));

	int fd = open_dev(fx, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLERR); /* not connected yet */
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, ENODEV);

	memset(out, 0xff, sizeof(out));
	assert_int_equal(mei_connect(fd, ECHO_GUID, out), 0);
	uint32_t mtu;
	memcpy(&mtu, out, 4);
	assert_int_equal(mtu, ECHO_MTU);
	assert_int_equal(out[4], ECHO_VER);
	for (int i = 5; i < 16; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(mei_connect(fd, ECHO_GUID, NULL), -EBUSY);
	/* Other ioctls are not ours. */
	uint32_t v = 0;
	assert_int_equal(ioctl(fd, MEI_NOTIFY_GET, &v), -1);
	assert_int_equal(errno, ENOTTY);
	close(fd);

	fd = open_dev(fx, 0);
	assert_int_equal(mei_connect(fd, NO_GUID, NULL), -ENOTTY);
	close(fd);
}

static void test_echo_write_poll_read(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[256];

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT); /* writable, nothing to read */

	assert_int_equal(write(fd, "hello", 5), 5);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_true(p.revents & POLLIN);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);

	/* A short buffer gets the message in pieces, as from the kernel. */
	assert_int_equal(write(fd, "0123456789", 10), 10);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(read(fd, buf, 4), 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(read(fd, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "456789", 6);

	/* MTU limits; an empty write is accepted and sends nothing. */
	memset(buf, 'm', sizeof(buf));
	assert_int_equal(write(fd, buf, ECHO_MTU + 1), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(write(fd, buf, 0), 0);
	assert_int_equal(write(fd, buf, ECHO_MTU), (ssize_t)ECHO_MTU);
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)ECHO_MTU);
	assert_int_equal(sim_me_message_count(fx->me), 3);
	close(fd);
}

static void test_nonblocking_read(void **state)
{
	struct fx *fx = *state;
	uint8_t buf[64];

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, O_NONBLOCK);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);

	/* O_NONBLOCK set later with fcntl counts too (flags travel per read). */
	fd = open_connected(fx, 0);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

static void test_blocking_read_completes(void **state)
{
	struct fx *fx = *state;
	struct reader r;
	struct sim_faults f;

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, 0);
	reader_start(&r, fd);
	sleep_ms(50); /* let it park; correctness does not depend on this */
	/* The write goes through while the read is parked on the same file. */
	assert_int_equal(write(fd, "wake", 4), 4);
	reader_join(&r);
	assert_int_equal(r.n, 4);
	assert_memory_equal(r.buf, "wake", 4);

	/* With latency, poll() sleeps until the scheduler's notification. */
	sim_me_get_faults(fx->me, &f);
	f.latency_ms = 100;
	sim_me_set_faults(fx->me, &f);
	uint64_t t0 = mono_ms();
	assert_int_equal(write(fd, "slow", 4), 4);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(p.revents & POLLIN);
	assert_true(mono_ms() - t0 >= 100);
	uint8_t buf[8];
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);

	/* And a blocked read is completed by the delayed reply. */
	reader_start(&r, fd);
	assert_int_equal(write(fd, "late", 4), 4);
	reader_join(&r);
	assert_int_equal(r.n, 4);
	assert_memory_equal(r.buf, "late", 4);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_signal_interrupts_read(void **state)
{
	struct fx *fx = *state;
	struct sigaction sa, old;
	struct reader r;
	uint8_t buf[16];

	REQUIRE_FUSE(fx);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);

	int fd = open_connected(fx, 0);
	reader_start(&r, fd);
	sleep_ms(50);
	/* Repeat in case the first signal lands before read() starts. */
	for (int i = 0; i < 500 && !atomic_load(&r.done); i++) {
		pthread_kill(r.t, SIGUSR1);
		sleep_ms(10);
	}
	reader_join(&r);
	assert_int_equal(r.n, -1);
	assert_int_equal(r.err, EINTR);

	/* The interrupted read consumed nothing: the next reply is intact. */
	assert_int_equal(write(fd, "after", 5), 5);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "after", 5);
	close(fd);
	sigaction(SIGUSR1, &old, NULL);
}

/* A write() blocked in another thread. */
struct writer {
	int fd;
	uint8_t msg[3];
	ssize_t n;
	int err;
	atomic_int done;
	pthread_t t;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	w->n = write(w->fd, w->msg, sizeof(w->msg));
	w->err = w->n < 0 ? errno : 0;
	atomic_store(&w->done, 1);
	return NULL;
}

static void writer_start(struct writer *w, int fd, const uint8_t msg[3])
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	memcpy(w->msg, msg, 3);
	assert_int_equal(pthread_create(&w->t, NULL, writer_main, w), 0);
}

static void writer_join(struct writer *w)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	assert_int_equal(pthread_timedjoin_np(w->t, NULL, &until), 0);
}

static void qmsg(uint8_t m[3], unsigned i)
{
	m[0] = 'q';
	m[1] = (uint8_t)(i >> 8);
	m[2] = (uint8_t)i;
}

static void read_q(int fd, unsigned i)
{
	uint8_t buf[16], want[3];
	qmsg(want, i);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3); /* blocking: waits for the firmware */
	assert_memory_equal(buf, want, 3);
}

/* The driver's TX queue through the device file: a host that writes
 * without reading fills it after 1 + 50 messages; then POLLOUT is clear,
 * O_NONBLOCK gets EAGAIN, a blocking write waits until a read lets the
 * firmware take a message, and a signal interrupts a waiting write. */
static void test_write_queue(void **state)
{
	struct fx *fx = *state;
	struct sigaction sa, old;
	struct writer w;
	uint8_t m[3];

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, 0);
	for (unsigned i = 0; i < 51; i++) {
		qmsg(m, i);
		assert_int_equal(write(fd, m, sizeof(m)), 3);
	}
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	assert_int_equal(poll(&p, 1, 0), 0); /* not writable */
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	qmsg(m, 51);
	assert_int_equal(write(fd, m, sizeof(m)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), 0);

	/* A blocking write waits until the host reads an answer. */
	writer_start(&w, fd, m);
	sleep_ms(100);
	assert_false(atomic_load(&w.done));
	read_q(fd, 0);
	writer_join(&w);
	assert_int_equal(w.n, 3);
	assert_int_equal(poll(&p, 1, 0), 0); /* full again: 51 took the freed slot */
	read_q(fd, 1);
	assert_int_equal(poll(&p, 1, 5000), 1); /* the firmware took message 2 */
	assert_true(p.revents & POLLOUT);

	/* A write waiting for room is interrupted by a signal, sending nothing. */
	qmsg(m, 52);
	assert_int_equal(write(fd, m, sizeof(m)), 3); /* fills the queue again */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	qmsg(m, 999);
	writer_start(&w, fd, m);
	sleep_ms(50);
	for (int i = 0; i < 500 && !atomic_load(&w.done); i++) {
		pthread_kill(w.t, SIGUSR1);
		sleep_ms(10);
	}
	writer_join(&w);
	sigaction(SIGUSR1, &old, NULL);
	assert_int_equal(w.n, -1);
	assert_int_equal(w.err, EINTR);

	/* Every answer arrives once, in order; the interrupted one never. */
	for (unsigned i = 2; i <= 52; i++)
		read_q(fd, i);
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	sleep_ms(50);
	uint8_t buf[8];
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(sim_me_message_count(fx->me), 53);
	close(fd);
}

static void test_me_reset(void **state)
{
	struct fx *fx = *state;
	struct reader r;
	uint8_t buf[16];

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, 0);
	int other = open_connected(fx, 0);
	assert_int_equal(write(other, "queued", 6), 6); /* dropped by the reset */
	reader_start(&r, fd);
	sleep_ms(50);
	sim_me_reset(fx->me);
	reader_join(&r);
	assert_int_equal(r.n, -1);
	assert_int_equal(r.err, ENODEV);

	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = other, .events = POLLIN}};
	assert_int_equal(poll(p, 2, 2000), 2);
	assert_int_equal(p[0].revents, POLLERR);
	assert_int_equal(p[1].revents, POLLERR);
	assert_int_equal(read(other, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(mei_connect(fd, ECHO_GUID, NULL), -ENODEV);
	close(fd);
	close(other);

	/* Reopen and reconnect: the way every MEI client recovers. */
	fd = open_connected(fx, 0);
	assert_int_equal(write(fd, "again", 5), 5);
	p[0].revents = 0;
	assert_int_equal(poll(p, 1, 2000), 1);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
}

/* Fork a child that drops to nobody and tries to open (and connect). */
static int open_as_nobody(const char *path)
{
	pid_t pid = fork();
	int status = 0;
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		int fd = open(path, O_RDWR);
		if (fd < 0)
			_exit(errno == EACCES ? 1 : 4);
		uint8_t data[16];
		memcpy(data, ECHO_GUID, 16);
		_exit(ioctl(fd, MEI_CONNECT, data) == 0 ? 0 : 5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_permission_denied(void **state)
{
	struct fx *fx = *state;

	REQUIRE_FUSE(fx);
	assert_int_equal(open_as_nobody(fx->path), 1); /* EACCES from mode 0600 */
	/* The kernel enforces the mode we report, and chmod changes it. */
	assert_int_equal(chmod(fx->path, 0666), 0);
	assert_int_equal(open_as_nobody(fx->path), 0);
	assert_int_equal(chmod(fx->path, 0600), 0);
	assert_int_equal(open_as_nobody(fx->path), 1);
}

/* A simulator killed without unmounting leaves ENOTCONN behind; the next
 * sim_fuse_new() on that path must clear it and mount again. */
static void test_stale_mount_recovered(void **state)
{
	struct fx *fx = *state;
	char path[128], err[256];
	int ready[2];

	REQUIRE_FUSE(fx);
	snprintf(path, sizeof(path), "%s/stale", fx->dir);
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		struct sim_me *me = echo_me();
		struct sim_fuse *f = me ? sim_fuse_new(me, path, NULL, NULL, 0) : NULL;
		if (!f)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		sim_fuse_run(f);
		_exit(0);
	}
	assert_true(pid > 0);
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(mei_connect(fd, ECHO_GUID, NULL), 0);
	close(fd);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	/* stat() may still answer from the attribute cache; statfs() asks. */
	struct statfs sf;
	assert_int_equal(statfs(path, &sf), -1);
	assert_int_equal(errno, ENOTCONN);

	struct sim_fuse *f = sim_fuse_new(fx->me, path, NULL, err, sizeof(err));
	if (!f)
		fail_msg("sim_fuse_new after a stale mount: %s", err);
	pthread_t loop;
	assert_int_equal(pthread_create(&loop, NULL, loop_main, f), 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(mei_connect(fd, ECHO_GUID, NULL), 0);
	close(fd);
	sim_fuse_stop(f);
	pthread_join(loop, NULL);
	sim_fuse_free(f);
	assert_false(path_mounted(path));
	/* A live mount point is refused rather than stacked on. */
	assert_true(path_mounted(fx->path));
	assert_null(sim_fuse_new(fx->me, fx->path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "mount point"));
	unlink(path);
}

/* Stopping with a file still open and a read parked: the read fails, the
 * connection is closed for the client, and no mount is left. */
static void test_free_with_open_file(void **state)
{
	struct fx *fx = *state;
	struct reader r;

	REQUIRE_FUSE(fx);
	int fd = open_connected(fx, 0);
	reader_start(&r, fd);
	sleep_ms(50);
	stop_fuse(fx);
	reader_join(&r);
	assert_int_equal(r.n, -1);
	assert_true(r.err == ENODEV || r.err == ENOTCONN);
	assert_false(path_mounted(fx->path));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stat_and_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_write_poll_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocking_read_completes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_interrupts_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_me_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_mount_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_open_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
