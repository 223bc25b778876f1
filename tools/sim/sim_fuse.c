// SPDX-License-Identifier: Apache-2.0
/*
 * sim_fuse.c - the simulated /dev/mei0: a one-file FUSE filesystem (libfuse3
 * low-level API) whose root inode is the device (implements sim_fuse.h).
 *
 * Owns: preparing and mounting PATH (create it, clear a stale mount), the
 * session loop, one struct handle per open file (its sim_conn, reads parked
 * until a reply arrives, the latest poll handle), and translating sim_me
 * results into FUSE replies and errno values.
 * Must not: model firmware behaviour or parse messages; sim_me.c does that.
 *
 * Locking: f->lock guards the handle list, parked reads and poll handles.
 * Order is f->lock, then the ME mutex (taken inside sim_conn_*). sim_me calls
 * the wake callback without its mutex, and sim_conn_close()/write()/connect()
 * may fire wakes, so those are never called with f->lock held.
 *
 * Parked reads and interrupts: the interrupt callback is registered before a
 * read is parked, and fuse_req_interrupted() is checked under f->lock while
 * parking, so a signal is never lost and a request is replied exactly once
 * (whoever unlinks it from h->reads under f->lock replies to it).
 *
 * Parked writes: a write the ME refuses with -EAGAIN (its TX queue is full)
 * fails at once on an O_NONBLOCK file and otherwise waits, with its bytes,
 * on h->writes in order; later writes queue behind it. flush_writes()
 * resubmits them, from the wake callback (the queue drained) and right
 * after parking (it may have drained before we parked). It calls
 * sim_conn_write() without f->lock, so one flusher at a time owns the head
 * (h->flushing); a wake meanwhile sets h->flush_again. An interrupt for the
 * head while it is being resubmitted only marks it; the flusher answers it.
 */
#define FUSE_USE_VERSION 34

#include "sim_fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_me.h"

/* From include/uapi/linux/mei.h: _IOWR('H', 0x01, struct mei_connect_client_data). */
#define MEI_IOCTL_CONNECT_CLIENT 0xC0104801u
#define MEI_CONNECT_DATA_LEN 16u

/* struct fuse_open_out and FOPEN_* from include/uapi/linux/fuse.h (stable
 * kernel ABI; that header clashes with libfuse's macros, so not included).
 * libfuse 3.14's fuse_file_info cannot ask for FOPEN_STREAM, which a device
 * needs: without it the regular file gets FMODE_ATOMIC_POS, and a write()
 * from one thread waits in fdget_pos() for a read() parked in another
 * thread on the same fd. A character device has no such lock. */
struct open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id; /* padding before kernel 6.9 */
};
_Static_assert(sizeof(struct open_out) == 16, "fuse_open_out is 16 bytes");
#define K_FOPEN_DIRECT_IO (1u << 0)   /* exact sizes, no page cache */
#define K_FOPEN_NONSEEKABLE (1u << 2) /* fallback when STREAM is unknown */
#define K_FOPEN_STREAM (1u << 4)      /* kernel 5.2+: no f_pos, no pos lock */
#define K_FOPEN_NOFLUSH (1u << 5)     /* kernel 5.12+: no FLUSH on close */

extern char **environ;

struct parked {
	struct parked *next;
	fuse_req_t req;
	size_t size;
};

struct parked_write {
	struct parked_write *next;
	fuse_req_t req;
	bool interrupted;
	size_t size;
	uint8_t data[];
};

struct handle {
	struct sim_fuse *f;
	struct handle *prev, *next; /* f->handles */
	struct sim_conn *conn;
	struct parked *reads;         /* FIFO of blocked reads */
	struct parked_write *writes;  /* FIFO of writes waiting for room in the TX queue */
	bool flushing, flush_again;   /* see flush_writes() */
	struct fuse_pollhandle *ph;
};

struct sim_fuse {
	struct sim_me *me;
	struct fuse_session *se;
	char *path;
	pthread_mutex_t lock;
	struct handle *handles;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec t0;
	int stop_pipe[2];
	bool mounted;
};

static void set_err(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;
	if (!err || errcap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

static struct handle *handle_of(const struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

/* ---- parked reads (all called with f->lock held) ---- */

/* Try to answer req from the connection. Returns true when replied. */
static bool answer_read(struct handle *h, fuse_req_t req, size_t size)
{
	uint8_t *buf = malloc(size);
	bool replied = true;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	long n = sim_conn_read(h->conn, buf, size);
	if (n == -EAGAIN)
		replied = false;
	else if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, (const char *)buf, (size_t)n);
out:
	free(buf);
	return replied;
}

static void serve_parked(struct handle *h)
{
	while (h->reads) {
		struct parked *p = h->reads;
		if (!answer_read(h, p->req, p->size))
			break;
		h->reads = p->next;
		free(p);
	}
}

static void fail_parked(struct handle *h, int err)
{
	while (h->reads) {
		struct parked *p = h->reads;
		h->reads = p->next;
		fuse_reply_err(p->req, err);
		free(p);
	}
}

/* Resubmit parked writes in order until the ME refuses one (-EAGAIN) or
 * none is left. Any thread; f->lock and the ME mutex not held. */
static void flush_writes(struct handle *h)
{
	struct sim_fuse *f = h->f;

	pthread_mutex_lock(&f->lock);
	if (h->flushing) {
		h->flush_again = true; /* the running flusher tries once more */
		goto out;
	}
	h->flushing = true;
	while (h->writes) {
		struct parked_write *p = h->writes;
		h->flush_again = false;
		pthread_mutex_unlock(&f->lock);
		/* may fire wakes, which come back here and see h->flushing */
		int rc = sim_conn_write(h->conn, p->data, p->size);
		pthread_mutex_lock(&f->lock);
		if (rc == -EAGAIN && !p->interrupted) {
			if (h->flush_again)
				continue;
			break;
		}
		h->writes = p->next;
		if (rc == -EAGAIN)
			fuse_reply_err(p->req, EINTR);
		else if (rc < 0)
			fuse_reply_err(p->req, -rc);
		else
			fuse_reply_write(p->req, p->size);
		free(p);
	}
	h->flushing = false;
out:
	pthread_mutex_unlock(&f->lock);
}

/* sim_me wake callback: any thread, ME mutex not held. */
static void conn_wake(void *ctx)
{
	struct handle *h = ctx;
	struct sim_fuse *f = h->f;

	pthread_mutex_lock(&f->lock);
	serve_parked(h);
	if (h->ph)
		fuse_lowlevel_notify_poll(h->ph);
	bool writes = h->writes != NULL;
	pthread_mutex_unlock(&f->lock);
	if (writes)
		flush_writes(h);
}

/* Interrupt callback: runs on the loop thread (single-threaded loop), so h
 * cannot be released concurrently. */
static void read_interrupted(fuse_req_t req, void *data)
{
	struct handle *h = data;
	struct sim_fuse *f = h->f;

	pthread_mutex_lock(&f->lock);
	for (struct parked **pp = &h->reads; *pp; pp = &(*pp)->next) {
		struct parked *p = *pp;
		if (p->req != req)
			continue;
		*pp = p->next;
		fuse_reply_err(req, EINTR);
		free(p);
		break;
	}
	pthread_mutex_unlock(&f->lock);
}

/* Interrupt callback of a parked write (loop thread). The head may be in
 * flush_writes() right now: mark it, the flusher answers. */
static void write_interrupted(fuse_req_t req, void *data)
{
	struct handle *h = data;
	struct sim_fuse *f = h->f;

	pthread_mutex_lock(&f->lock);
	for (struct parked_write **pp = &h->writes; *pp; pp = &(*pp)->next) {
		struct parked_write *p = *pp;
		if (p->req != req)
			continue;
		if (h->flushing && p == h->writes) {
			p->interrupted = true;
			break;
		}
		*pp = p->next;
		fuse_reply_err(req, EINTR);
		free(p);
		break;
	}
	pthread_mutex_unlock(&f->lock);
}

/* ---- FUSE operations ---- */

static void fill_attr(const struct sim_fuse *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = FUSE_ROOT_ID;
	st->st_mode = S_IFREG | f->mode;
	st->st_nlink = 1;
	st->st_uid = f->uid;
	st->st_gid = f->gid;
	st->st_size = 0;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = f->t0;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim_fuse *f = fuse_req_userdata(req);
	struct stat st;

	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	pthread_mutex_lock(&f->lock);
	fill_attr(f, &st);
	pthread_mutex_unlock(&f->lock);
	fuse_reply_attr(req, &st, 1.0);
}

/* chmod/chown as on a device node (the kernel checks who may, thanks to
 * default_permissions); truncation and times are accepted and ignored. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct sim_fuse *f = fuse_req_userdata(req);
	struct stat st;

	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	pthread_mutex_lock(&f->lock);
	if (to_set & FUSE_SET_ATTR_MODE)
		f->mode = attr->st_mode & 07777;
	if (to_set & FUSE_SET_ATTR_UID)
		f->uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		f->gid = attr->st_gid;
	fill_attr(f, &st);
	pthread_mutex_unlock(&f->lock);
	fuse_reply_attr(req, &st, 1.0);
}

/* Take h out of the open-handle list; caller holds f->lock. */
static void handle_unlink(struct sim_fuse *f, struct handle *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		f->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim_fuse *f = fuse_req_userdata(req);
	struct handle *h = calloc(1, sizeof(*h));

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->f = f;
	h->conn = sim_conn_open(f->me, conn_wake, h);
	if (!h->conn) {
		free(h);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&f->lock);
	h->next = f->handles;
	if (f->handles)
		f->handles->prev = h;
	f->handles = h;
	pthread_mutex_unlock(&f->lock);

	/* fuse_reply_open() with our own open flags; same bytes on the wire. */
	struct open_out out = {
		.fh = (uint64_t)(uintptr_t)h,
		.open_flags = K_FOPEN_DIRECT_IO | K_FOPEN_NONSEEKABLE | K_FOPEN_STREAM |
			      K_FOPEN_NOFLUSH,
	};
	struct iovec iov = {.iov_base = &out, .iov_len = sizeof(out)};
	if (fuse_reply_iov(req, &iov, 1) != 0) {
		/* The opener is gone; the kernel will never send RELEASE. */
		pthread_mutex_lock(&f->lock);
		handle_unlink(f, h);
		pthread_mutex_unlock(&f->lock);
		sim_conn_close(h->conn);
		free(h);
	}
}

/* Unlink h, fail its parked reads, close its connection and free it. */
static void handle_destroy(struct sim_fuse *f, struct handle *h)
{
	pthread_mutex_lock(&f->lock);
	fail_parked(h, ENODEV);
	if (h->ph)
		fuse_pollhandle_destroy(h->ph);
	h->ph = NULL;
	handle_unlink(f, h);
	pthread_mutex_unlock(&f->lock);
	/* Waits for wakes in flight on other threads; they take f->lock and find
	 * nothing left to do. */
	sim_conn_close(h->conn);
	/* No wake (so no flusher) can run any more: answer parked writes. */
	while (h->writes) {
		struct parked_write *p = h->writes;
		h->writes = p->next;
		fuse_reply_err(p->req, ENODEV);
		free(p);
	}
	free(h);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct sim_fuse *f = fuse_req_userdata(req);
	handle_destroy(f, handle_of(fi));
	fuse_reply_err(req, 0);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct sim_fuse *f = h->f;
	struct parked *p;

	if (size == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	/* Before parking: if the signal already came this calls
	 * read_interrupted() at once, which finds nothing; we then see
	 * fuse_req_interrupted() below. */
	fuse_req_interrupt_func(req, read_interrupted, h);

	pthread_mutex_lock(&f->lock);
	if (!h->reads && answer_read(h, req, size))
		goto out;
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		goto out;
	}
	if (fuse_req_interrupted(req)) {
		fuse_reply_err(req, EINTR);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	p->req = req;
	p->size = size;
	struct parked **tail = &h->reads;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
out:
	pthread_mutex_unlock(&f->lock);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct sim_fuse *f = h->f;
	struct parked_write *p = NULL;

	/* Only this (loop) thread parks writes, so nothing can be parked
	 * between this look and the write below. */
	pthread_mutex_lock(&f->lock);
	bool behind = h->writes != NULL;
	pthread_mutex_unlock(&f->lock);
	if (!behind) {
		int rc = sim_conn_write(h->conn, (const uint8_t *)buf, size);
		if (rc != -EAGAIN) {
			if (rc < 0)
				fuse_reply_err(req, -rc);
			else
				fuse_reply_write(req, size);
			return;
		}
	}
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN); /* TX queue full, as the driver answers */
		return;
	}
	p = calloc(1, sizeof(*p) + size);
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p->req = req;
	p->size = size;
	memcpy(p->data, buf, size);
	fuse_req_interrupt_func(req, write_interrupted, h);
	pthread_mutex_lock(&f->lock);
	if (fuse_req_interrupted(req)) {
		pthread_mutex_unlock(&f->lock);
		fuse_reply_err(req, EINTR);
		free(p);
		return;
	}
	struct parked_write **tail = &h->writes;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	pthread_mutex_unlock(&f->lock);
	flush_writes(h); /* the queue may have drained before we parked */
}

/* Restricted ioctl: the kernel sized both buffers from _IOC_SIZE(cmd) and
 * copies them for us, so no fuse_reply_ioctl_retry() round trip is needed. */
static void op_ioctl(fuse_req_t req, fuse_ino_t ino, int cmd, void *arg, struct fuse_file_info *fi,
		     unsigned flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct handle *h = handle_of(fi);
	uint8_t out[MEI_CONNECT_DATA_LEN] = {0};
	uint32_t mtu = 0;
	uint8_t ver = 0;

	if ((unsigned)cmd != MEI_IOCTL_CONNECT_CLIENT) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	if (!in_buf || in_bufsz < MEI_CONNECT_DATA_LEN || out_bufsz < MEI_CONNECT_DATA_LEN) {
		fuse_reply_err(req, EFAULT);
		return;
	}
	int rc = sim_conn_connect(h->conn, in_buf, &mtu, &ver);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	memcpy(out, &mtu, sizeof(mtu)); /* host order, as the kernel does */
	out[4] = ver;
	fuse_reply_ioctl(req, 0, out, sizeof(out));
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct handle *h = handle_of(fi);
	struct sim_fuse *f = h->f;
	unsigned revents = 0;

	/* Save the handle before sampling, so a wake in between notifies it. */
	pthread_mutex_lock(&f->lock);
	if (ph) {
		if (h->ph)
			fuse_pollhandle_destroy(h->ph);
		h->ph = ph;
	}
	unsigned ev = sim_conn_poll(h->conn);
	pthread_mutex_unlock(&f->lock);

	if (ev & SIM_POLL_IN)
		revents |= POLLIN | POLLRDNORM;
	if (ev & SIM_POLL_OUT)
		revents |= POLLOUT | POLLWRNORM;
	if (ev & SIM_POLL_ERR)
		revents |= POLLERR;
	fuse_reply_poll(req, revents);
}

static const struct fuse_lowlevel_ops sim_ops = {
	.getattr = op_getattr,
	.setattr = op_setattr,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.ioctl = op_ioctl,
	.poll = op_poll,
};

/* ---- mount point preparation ---- */

/* Is path itself a mount point (its device differs from its directory's)? */
static bool is_mount_point(const char *path, const struct stat *st)
{
	char dir[PATH_MAX];
	struct stat dst;
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (n == 0)
		snprintf(dir, sizeof(dir), "/");
	else if (n < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
	else
		return false;
	if (stat(dir, &dst) != 0)
		return false;
	return dst.st_dev != st->st_dev;
}

static int clear_stale(const char *path, char *err, size_t errcap)
{
	int rc = -1;

	if (geteuid() == 0) {
		if (umount2(path, MNT_DETACH) != 0) {
			set_err(err, errcap, "%s: stale FUSE mount, umount failed: %s", path,
				strerror(errno));
			goto out;
		}
	} else {
		char *argv[] = {"fusermount3", "-u", "-z", (char *)path, NULL};
		pid_t pid;
		int status = 0;
		int e = posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ);
		if (e != 0) {
			set_err(err, errcap, "%s: stale FUSE mount, cannot run fusermount3: %s",
				path, strerror(e));
			goto out;
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			set_err(err, errcap, "%s: stale FUSE mount, fusermount3 -u -z failed", path);
			goto out;
		}
	}
	fprintf(stderr, "amt-sim: %s was a stale FUSE mount left by a simulator that died; cleared it\n",
		path);
	rc = 0;
out:
	return rc;
}

/* A dead FUSE mount answers ENOTCONN, though stat() may still succeed for up
 * to the attribute timeout from the kernel's cache; statfs() always asks. */
static bool mount_is_dead(const char *path, int stat_rc, int stat_errno, const struct stat *st)
{
	struct statfs sf;
	if (stat_rc != 0)
		return stat_errno == ENOTCONN;
	if (!is_mount_point(path, st))
		return false;
	return statfs(path, &sf) != 0 && errno == ENOTCONN;
}

/* Make path an existing regular file that is not mounted on. */
static int prepare_path(const char *path, char *err, size_t errcap)
{
	struct stat st;
	int rc = -1, src, serr;

	/* Crashed simulators may have stacked more than one dead mount. */
	for (int tries = 0;; tries++) {
		src = stat(path, &st);
		serr = errno;
		if (!mount_is_dead(path, src, serr, &st))
			break;
		if (tries == 8 || clear_stale(path, err, errcap) != 0)
			goto out;
	}
	if (src == 0) {
		if (!S_ISREG(st.st_mode)) {
			set_err(err, errcap, "%s: not a regular file", path);
			goto out;
		}
		if (is_mount_point(path, &st)) {
			set_err(err, errcap, "%s: already a mount point (is another amt-sim running?)",
				path);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (serr != ENOENT) {
		set_err(err, errcap, "%s: %s", path, strerror(serr));
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		set_err(err, errcap, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	if (fd >= 0)
		close(fd);
	rc = 0;
out:
	return rc;
}

/* ---- can we mount? ---- */

#define CAP_SYS_ADMIN_BIT 21 /* linux/capability.h */

/* Is CAP_SYS_ADMIN in this process's effective set (/proc/self/status)? */
static bool have_sys_admin(void)
{
	char line[128];
	bool have = true; /* unknown: let mount(2) decide */
	FILE *st = fopen("/proc/self/status", "re");
	if (!st)
		return have;
	while (fgets(line, sizeof(line), st)) {
		unsigned long long caps;
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			have = (caps >> CAP_SYS_ADMIN_BIT) & 1u;
			break;
		}
	}
	fclose(st);
	return have;
}

/* Is fusermount3 an executable file in $PATH? */
static bool have_fusermount3(void)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], exe[PATH_MAX + 16];

	if (!path || !*path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			snprintf(exe, sizeof(exe), "%s/fusermount3", dir);
			if (access(exe, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

int sim_fuse_check_mount(char *err, size_t errcap)
{
	struct stat st;
	bool root = geteuid() == 0;

	if (stat("/dev/fuse", &st) != 0) {
		set_err(err, errcap,
			"/dev/fuse does not exist: load the fuse module (modprobe fuse), or give a "
			"container the device (--device /dev/fuse)");
		return -ENOENT;
	}
	if (root && !have_sys_admin()) {
		set_err(err, errcap,
			"running as root without the CAP_SYS_ADMIN capability (a container?): "
			"mounting the device file needs it; grant it (--cap-add SYS_ADMIN) or run "
			"amt-sim on the host");
		return -EPERM;
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (root)
			set_err(err, errcap,
				"cannot open /dev/fuse: %s (a container whose device list lacks "
				"it?): allow the device or run amt-sim on the host",
				strerror(e));
		else
			set_err(err, errcap,
				"cannot open /dev/fuse: %s: run amt-sim as root (sudo amt-sim run ...), "
				"as the tests and Intel LMS need anyway",
				strerror(e));
		return e == EACCES || e == EPERM ? -e : -EIO;
	}
	close(fd);
	if (!root && !have_fusermount3()) {
		set_err(err, errcap,
			"not running as root, and fusermount3 (Debian package fuse3), which mounts "
			"for other users, is not installed: run amt-sim as root or install fuse3");
		return -ENOENT;
	}
	return 0;
}

/* ---- public API ---- */

struct sim_fuse *sim_fuse_new(struct sim_me *me, const char *path, const struct sim_fuse_opts *o,
			      char *err, size_t errcap)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct sim_fuse *f = calloc(1, sizeof(*f));
	char mopts[128];
	bool ok = false;

	set_err(err, errcap, "out of memory");
	if (!f)
		goto out;
	f->stop_pipe[0] = f->stop_pipe[1] = -1;
	pthread_mutex_init(&f->lock, NULL);
	f->me = me;
	f->mode = o && o->mode ? (o->mode & 07777) : 0600;
	f->uid = o ? o->uid : 0;
	f->gid = o ? o->gid : 0;
	clock_gettime(CLOCK_REALTIME, &f->t0);
	if (pipe2(f->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		set_err(err, errcap, "pipe: %s", strerror(errno));
		goto out;
	}
	if (prepare_path(path, err, errcap) != 0)
		goto out;
	f->path = realpath(path, NULL);
	if (!f->path) {
		set_err(err, errcap, "%s: %s", path, strerror(errno));
		goto out;
	}

	bool allow_other = geteuid() == 0 || (o && o->allow_other);
	snprintf(mopts, sizeof(mopts), "fsname=amt-sim,subtype=amt-sim,default_permissions%s",
		 allow_other ? ",allow_other" : "");
	if (fuse_opt_add_arg(&args, "amt-sim") != 0 || fuse_opt_add_arg(&args, "-o") != 0 ||
	    fuse_opt_add_arg(&args, mopts) != 0)
		goto out;
	f->se = fuse_session_new(&args, &sim_ops, sizeof(sim_ops), f);
	if (!f->se) {
		set_err(err, errcap, "fuse_session_new failed (options %s)", mopts);
		goto out;
	}
	if (fuse_session_mount(f->se, f->path) != 0) {
		if (geteuid() == 0)
			set_err(err, errcap, "%s: the FUSE mount failed (libfuse said why above)",
				f->path);
		else
			set_err(err, errcap,
				"%s: fusermount3 refused the FUSE mount (said why above): run amt-sim "
				"as root",
				f->path);
		goto out;
	}
	f->mounted = true;
	ok = true;
out:
	fuse_opt_free_args(&args);
	if (!ok) {
		sim_fuse_free(f);
		f = NULL;
	} else if (err && errcap) {
		err[0] = '\0';
	}
	return f;
}

int sim_fuse_run(struct sim_fuse *f)
{
	struct fuse_buf buf;
	int fd = fuse_session_fd(f->se);
	int rc = 0;

	memset(&buf, 0, sizeof(buf));
	/* Non-blocking, so a request that vanishes between poll() and read()
	 * (interrupted before we read it) cannot block the loop. */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
		rc = -errno;
		goto out;
	}
	while (!fuse_session_exited(f->se)) {
		struct pollfd p[2] = {
			{.fd = fd, .events = POLLIN},
			{.fd = f->stop_pipe[0], .events = POLLIN},
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		if (p[1].revents)
			break; /* stopped; the pipe stays readable, so stop is sticky */
		int n = fuse_session_receive_buf(f->se, &buf);
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0) {
			rc = n;
			break;
		}
		if (n == 0)
			break; /* unmounted from outside */
		fuse_session_process_buf(f->se, &buf);
	}
out:
	free(buf.mem);
	return rc;
}

void sim_fuse_stop(struct sim_fuse *f)
{
	char c = 1;
	if (f && f->stop_pipe[1] >= 0) {
		ssize_t ignored = write(f->stop_pipe[1], &c, 1);
		(void)ignored;
	}
}

void sim_fuse_free(struct sim_fuse *f)
{
	if (!f)
		return;
	/* Answer parked reads while the session can still reply, then close
	 * what the kernel will no longer RELEASE once we unmount. */
	while (f->handles)
		handle_destroy(f, f->handles);
	if (f->se) {
		if (f->mounted)
			fuse_session_unmount(f->se);
		fuse_session_destroy(f->se);
	}
	for (int i = 0; i < 2; i++)
		if (f->stop_pipe[i] >= 0)
			close(f->stop_pipe[i]);
	pthread_mutex_destroy(&f->lock);
	free(f->path);
	free(f);
}

const char *sim_fuse_path(const struct sim_fuse *f)
{
	return f->path;
}
