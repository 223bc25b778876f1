// SPDX-License-Identifier: Apache-2.0
/*
 * spool.c - the report spool on disk (see spool.h).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"
#include "state.h"

#define SPOOL_READ_MAX (1u << 20)
#define DROPPED_FILE "dropped"
#define REJECTED_DIR "rejected"
#define SPOOL_PATH_MAX (SPOOL_DIR_MAX + 16 + SPOOL_NAME_MAX + 16)

/* The drop counter (see spool.h): total dropped, total told to the server
 * by a delivered report, and the newest report dropped ("" if none). */
struct drops {
	unsigned long total, told;
	char last[SPOOL_NAME_MAX];
};

int spool_open(struct spool *s, const char *dir, unsigned max)
{
	char rej[SPOOL_PATH_MAX];
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return -ENAMETOOLONG;
	s->max = max ? max : 1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (path_join(rej, sizeof(rej), dir, REJECTED_DIR) != 0)
		return -ENAMETOOLONG;
	if (mkdir(rej, 0700) != 0 && errno != EEXIST)
		return -errno;
	/* a writer killed mid-write leaves only a temp file: never a report.
	 * Only a dead writer's (NAME.tmp.PID): a live one, e.g. the daemon's
	 * report worker while `report --once` runs, is about to rename it. */
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		const char *tmp = strstr(e->d_name, ".tmp.");
		if (tmp) {
			char *end;
			long pid = strtol(tmp + 5, &end, 10);
			if (*end == '\0' && pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
				continue;
			char p[SPOOL_PATH_MAX];
			if (path_join(p, sizeof(p), dir, e->d_name) == 0)
				unlink(p);
		}
	}
	if (d)
		closedir(d);
	return 0;
}

static int is_report(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && n < SPOOL_NAME_MAX && name[0] != '.' && strcmp(name + n - 5, ".json") == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Reports at or before the newest dropped one were counted as dropped; a
 * crash may have left them behind: they are never sent again. */
static int list_after(const struct spool *s, const char *last, char (**names)[SPOOL_NAME_MAX],
		      size_t *count)
{
	DIR *d = opendir(s->dir);
	size_t n = 0, cap = 16;
	char(*v)[SPOOL_NAME_MAX] = malloc(cap * SPOOL_NAME_MAX);
	struct dirent *e;

	*names = NULL;
	*count = 0;
	if (!d || !v) {
		int rc = d ? -ENOMEM : -errno;
		if (d)
			closedir(d);
		free(v);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_report(e->d_name) || (last && strcmp(e->d_name, last) <= 0))
			continue;
		if (n == cap) {
			char(*bigger)[SPOOL_NAME_MAX] = realloc(v, cap * 2 * SPOOL_NAME_MAX);
			if (!bigger) {
				closedir(d);
				free(v);
				return -ENOMEM;
			}
			v = bigger;
			cap *= 2;
		}
		snprintf(v[n++], SPOOL_NAME_MAX, "%s", e->d_name);
	}
	closedir(d);
	qsort(v, n, SPOOL_NAME_MAX, cmp_names);
	*names = v;
	*count = n;
	return 0;
}

void spool_names_free(char (*names)[SPOOL_NAME_MAX])
{
	free(names);
}

static int path_of(const struct spool *s, const char *name, char *out, size_t cap)
{
	return path_join(out, cap, s->dir, name);
}

/* Missing file: nothing dropped yet. The format before drop marks was one
 * number, the drops no report had carried yet: that is "total, none told". */
static void drops_read(const struct spool *s, struct drops *d)
{
	char p[SPOOL_PATH_MAX], text[64 + SPOOL_NAME_MAX] = "";
	memset(d, 0, sizeof(*d));
	if (path_of(s, DROPPED_FILE, p, sizeof(p)) != 0)
		return;
	FILE *f = fopen(p, "r");
	if (!f)
		return;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char last[SPOOL_NAME_MAX] = "";
	if (sscanf(text, "v2 %lu %lu %95s", &d->total, &d->told, last) >= 2) {
		if (strcmp(last, "-") != 0)
			snprintf(d->last, sizeof(d->last), "%s", last);
		if (d->told > d->total)
			d->told = d->total;
	} else if (sscanf(text, "%lu", &d->total) != 1) {
		d->total = 0;
	}
}

static int drops_write(const struct spool *s, const struct drops *d)
{
	char p[SPOOL_PATH_MAX], text[64 + SPOOL_NAME_MAX];
	if (path_of(s, DROPPED_FILE, p, sizeof(p)) != 0)
		return -ENAMETOOLONG;
	int len = snprintf(text, sizeof(text), "v2 %lu %lu %s\n", d->total, d->told,
			   d->last[0] ? d->last : "-");
	return atomic_file_write_buf(p, text, (size_t)len, 0600);
}

/* The counter is read, changed and written by the daemon's worker and by
 * `report --once` alike: one at a time (flock on the spool directory). */
static int lock_spool(const struct spool *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			int rc = -errno;
			close(fd);
			return rc;
		}
	}
	return fd;
}

static void unlock_spool(int fd)
{
	close(fd); /* releases the flock */
}

int spool_list(const struct spool *s, char (**names)[SPOOL_NAME_MAX], size_t *count)
{
	struct drops d;
	drops_read(s, &d);
	return list_after(s, d.last[0] ? d.last : NULL, names, count);
}

unsigned spool_peek_dropped(const struct spool *s)
{
	struct drops d;
	drops_read(s, &d);
	unsigned long n = d.total - d.told;
	return n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/* Delete reports already counted as dropped (a crash between counting and
 * deleting leaves them); they are not counted again. */
static void remove_counted(const struct spool *s, const struct drops *d)
{
	DIR *dir;
	struct dirent *e;
	char p[SPOOL_PATH_MAX];
	if (!d->last[0] || !(dir = opendir(s->dir)))
		return;
	while ((e = readdir(dir)) != NULL)
		if (is_report(e->d_name) && strcmp(e->d_name, d->last) <= 0 &&
		    path_of(s, e->d_name, p, sizeof(p)) == 0)
			unlink(p);
	closedir(dir);
}

int spool_reserve(struct spool *s, unsigned *carry, unsigned long *mark)
{
	char (*names)[SPOOL_NAME_MAX] = NULL;
	char path[SPOOL_PATH_MAX];
	size_t count = 0;
	struct drops d;
	int rc, lock = lock_spool(s);
	if (lock < 0)
		return lock;
	drops_read(s, &d);
	remove_counted(s, &d);
	rc = list_after(s, d.last[0] ? d.last : NULL, &names, &count);
	if (rc != 0)
		goto out;
	/* bounded: make room by dropping the oldest; counted before deleted */
	size_t drop = count >= s->max ? count - s->max + 1 : 0;
	if (drop) {
		struct drops next = d;
		next.total += drop;
		snprintf(next.last, sizeof(next.last), "%s", names[drop - 1]);
		rc = drops_write(s, &next);
		if (rc != 0)
			goto out; /* nothing dropped: the caller fails the report */
		d = next;
		for (size_t i = 0; i < drop; i++) {
			if (path_of(s, names[i], path, sizeof(path)) == 0 && unlink(path) == 0)
				log_warn("report spool full (%u): dropped the oldest report %s",
					 s->max, names[i]);
		}
	}
	unsigned long n = d.total - d.told;
	*carry = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	*mark = d.total;
out:
	spool_names_free(names);
	unlock_spool(lock);
	return rc;
}

int spool_add(struct spool *s, const char *report_id, unsigned long mark, const char *text,
	      size_t len)
{
	char name[SPOOL_NAME_MAX], path[SPOOL_PATH_MAX];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int n = snprintf(name, sizeof(name), "%011lld%09ld-%.40s.d%lu.json", (long long)ts.tv_sec,
			 ts.tv_nsec, report_id, mark);
	if (n < 0 || (size_t)n >= sizeof(name) || path_of(s, name, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	return atomic_file_write_buf(path, text, len, 0600);
}

/* The drop mark in a name ("...-ID.dMARK.json"); false for names without
 * one (spooled before drop marks existed). */
static bool name_mark(const char *name, unsigned long *mark)
{
	size_t n = strlen(name);
	if (n < 5)
		return false;
	char stem[SPOOL_NAME_MAX];
	snprintf(stem, sizeof(stem), "%.*s", (int)(n - 5), name);
	const char *dot = strrchr(stem, '.');
	if (!dot || dot[1] != 'd' || dot[2] < '0' || dot[2] > '9')
		return false;
	char *end;
	errno = 0;
	*mark = strtoul(dot + 2, &end, 10);
	return *end == '\0' && errno == 0;
}

int spool_read(const struct spool *s, const char *name, char **text, size_t *len)
{
	char path[SPOOL_PATH_MAX];
	struct stat st;
	*text = NULL;
	if (path_of(s, name, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_size < 0 || (size_t)st.st_size > SPOOL_READ_MAX) {
		close(fd);
		return -EFBIG;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*text = buf;
	*len = (size_t)n;
	return 0;
}

int spool_delivered(const struct spool *s, const char *name)
{
	char path[SPOOL_PATH_MAX];
	unsigned long mark;
	int rc = 0;
	/* told first, then removed: a crash in between resends a report the
	 * server recognises by its report_id, rather than telling twice */
	if (name_mark(name, &mark)) {
		int lock = lock_spool(s);
		if (lock < 0)
			return lock;
		struct drops d;
		drops_read(s, &d);
		if (mark > d.total)
			mark = d.total;
		if (mark > d.told) {
			d.told = mark;
			rc = drops_write(s, &d);
		}
		unlock_spool(lock);
		if (rc != 0)
			return rc;
	}
	if (path_of(s, name, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	if (unlink(path) != 0)
		return -errno;
	return atomic_file_sync_dir(path);
}

int spool_reject(const struct spool *s, const char *name, long status, const char *body,
		 size_t len)
{
	char from[SPOOL_PATH_MAX], rej[SPOOL_PATH_MAX], to[SPOOL_PATH_MAX + SPOOL_NAME_MAX],
		resp[SPOOL_PATH_MAX + SPOOL_NAME_MAX + 16], hdr[64];
	if (path_of(s, name, from, sizeof(from)) != 0 ||
	    path_of(s, REJECTED_DIR, rej, sizeof(rej)) != 0 ||
	    path_join(to, sizeof(to), rej, name) != 0 ||
	    snprintf(resp, sizeof(resp), "%s.response", to) >= (int)sizeof(resp))
		return -ENAMETOOLONG;
	int n = snprintf(hdr, sizeof(hdr), "HTTP %ld\n", status);
	size_t total = (size_t)n + len;
	char *all = malloc(total + 1);
	if (all) {
		memcpy(all, hdr, (size_t)n);
		if (len)
			memcpy(all + n, body, len);
		atomic_file_write_buf(resp, all, total, 0600);
		free(all);
	}
	if (rename(from, to) != 0)
		return -errno;
	return atomic_file_sync_dir(to);
}
