// SPDX-License-Identifier: Apache-2.0
/*
 * efivar.c - the host ID as a UEFI variable through efivarfs (see efivar.h).
 */
#include "efivar.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

#define EFI_VARIABLE_NON_VOLATILE 0x1u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x2u
#define EFI_VARIABLE_RUNTIME_ACCESS 0x4u
#define VAR_MAX 512

static int var_path(const char *dir, char *out, size_t cap)
{
	return path_join(out, cap, dir, EFIVAR_HOSTID_NAME);
}

/* efivarfs files are immutable by default; a plain directory (tests) is not. */
static void make_mutable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int flags;
	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL)) {
		flags &= ~FS_IMMUTABLE_FL;
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

int efivar_hostid_read(const char *dir, char *out, size_t cap)
{
	char path[STATE_PATH_MAX];
	uint8_t buf[VAR_MAX];
	if (var_path(dir, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if (n <= 4 || (size_t)(n - 4) >= cap)
		return -EBADMSG; /* not a value we wrote */
	memcpy(out, buf + 4, (size_t)n - 4);
	out[n - 4] = '\0';
	if (strlen(out) != (size_t)n - 4)
		return -EBADMSG;
	return 0;
}

int efivar_hostid_write(const char *dir, const char *id)
{
	char path[STATE_PATH_MAX];
	uint8_t buf[VAR_MAX];
	size_t len = strlen(id);
	uint32_t attrs = EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |
			 EFI_VARIABLE_RUNTIME_ACCESS;
	if (len == 0 || len + 4 > sizeof(buf))
		return -EINVAL;
	if (var_path(dir, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	make_mutable(path);
	/* efivarfs takes the whole variable in one write: attributes (LE) then data */
	buf[0] = (uint8_t)attrs;
	buf[1] = buf[2] = buf[3] = 0;
	memcpy(buf + 4, id, len);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, buf, len + 4);
	int rc = n == (ssize_t)(len + 4) ? 0 : (n < 0 ? -errno : -EIO);
	if (fsync(fd) != 0 && rc == 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

int efivar_hostid_delete(const char *dir)
{
	char path[STATE_PATH_MAX];
	if (var_path(dir, path, sizeof(path)) != 0)
		return -ENAMETOOLONG;
	make_mutable(path);
	if (unlink(path) != 0)
		return errno == ENOENT ? 1 : -errno;
	return 0;
}
