// SPDX-License-Identifier: Apache-2.0
/*
 * atomic_file.c - crash-safe whole-file writes (see atomic_file.h).
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

int atomic_file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	const char *d = ".";
	if (slash == dir)
		d = "/";
	else if (slash) {
		*slash = '\0';
		d = dir;
	}
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

int atomic_file_write(const char *path, unsigned mode, int (*fill)(FILE *f, void *arg),
		      void *arg)
{
	char tmp[PATH_MAX];
	int rc = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	errno = 0;
	if (fill(f, arg) != 0 || ferror(f))
		rc = errno ? -errno : -EIO; /* ENOSPC from a short fwrite stays ENOSPC */
	if (rc == 0 && (fflush(f) != 0 || fsync(fd) != 0))
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	return atomic_file_sync_dir(path);
}

struct buf {
	const char *data;
	size_t len;
};

static int fill_buf(FILE *f, void *arg)
{
	const struct buf *b = arg;
	return b->len && fwrite(b->data, 1, b->len, f) != b->len ? -1 : 0;
}

int atomic_file_write_buf(const char *path, const char *data, size_t len, unsigned mode)
{
	struct buf b = {data, len};
	return atomic_file_write(path, mode, fill_buf, &b);
}
