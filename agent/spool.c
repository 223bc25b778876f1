/*
 * spool.c - the report spool on disk (see spool.h).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

#define SPOOL_READ_MAX (1u << 20)
#define DROPPED_FILE "dropped"
#define SPOOL_PATH_MAX (512 + 16 + SPOOL_NAME_MAX + 16)

int spool_open(struct spool *s, const char *dir, unsigned max)
{
	char rej[SPOOL_PATH_MAX];
	if (snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir))
		return -ENAMETOOLONG;
	s->max = max ? max : 1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	snprintf(rej, sizeof(rej), "%s/rejected", dir);
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
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
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

int spool_list(const struct spool *s, char (**names)[SPOOL_NAME_MAX], size_t *count)
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
		if (!is_report(e->d_name))
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

static void path_of(const struct spool *s, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", s->dir, name);
}

unsigned spool_peek_dropped(const struct spool *s)
{
	char p[SPOOL_PATH_MAX];
	unsigned n = 0;
	path_of(s, DROPPED_FILE, p, sizeof(p));
	FILE *f = fopen(p, "r");
	if (f) {
		if (fscanf(f, "%u", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

static void set_dropped(const struct spool *s, unsigned n)
{
	char p[SPOOL_PATH_MAX], text[16];
	path_of(s, DROPPED_FILE, p, sizeof(p));
	int len = snprintf(text, sizeof(text), "%u\n", n);
	atomic_file_write_buf(p, text, (size_t)len, 0600);
}

unsigned spool_take_dropped(const struct spool *s)
{
	unsigned n = spool_peek_dropped(s);
	if (n) {
		char p[SPOOL_PATH_MAX];
		path_of(s, DROPPED_FILE, p, sizeof(p));
		unlink(p);
	}
	return n;
}

int spool_add(struct spool *s, const char *report_id, const char *text, size_t len)
{
	char (*names)[SPOOL_NAME_MAX];
	size_t count;
	char name[SPOOL_NAME_MAX], path[SPOOL_PATH_MAX];
	struct timespec ts;
	int rc = spool_list(s, &names, &count);
	if (rc != 0)
		return rc;
	/* bounded: make room by dropping the oldest, and say so */
	size_t drop = count >= s->max ? count - s->max + 1 : 0;
	for (size_t i = 0; i < drop; i++) {
		path_of(s, names[i], path, sizeof(path));
		if (unlink(path) == 0)
			log_warn("report spool full (%u): dropped the oldest report %s", s->max,
				 names[i]);
	}
	spool_names_free(names);
	if (drop)
		set_dropped(s, spool_peek_dropped(s) + (unsigned)drop);

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(name, sizeof(name), "%011lld%09ld-%.40s.json", (long long)ts.tv_sec, ts.tv_nsec,
		 report_id);
	path_of(s, name, path, sizeof(path));
	return atomic_file_write_buf(path, text, len, 0600);
}

int spool_read(const struct spool *s, const char *name, char **text, size_t *len)
{
	char path[SPOOL_PATH_MAX];
	struct stat st;
	path_of(s, name, path, sizeof(path));
	*text = NULL;
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

int spool_remove(const struct spool *s, const char *name)
{
	char path[SPOOL_PATH_MAX];
	path_of(s, name, path, sizeof(path));
	if (unlink(path) != 0)
		return -errno;
	return atomic_file_sync_dir(path);
}

int spool_reject(const struct spool *s, const char *name, long status, const char *body,
		 size_t len)
{
	char from[SPOOL_PATH_MAX], to[700], resp[720], hdr[64];
	path_of(s, name, from, sizeof(from));
	snprintf(to, sizeof(to), "%s/rejected/%s", s->dir, name);
	snprintf(resp, sizeof(resp), "%s.response", to);
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
