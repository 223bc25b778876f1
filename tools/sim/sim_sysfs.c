// SPDX-License-Identifier: Apache-2.0
/*
 * sim_sysfs.c - the simulated MEI device's sysfs attributes (see
 * sim_sysfs.h).
 *
 * Facts relied on (Linux drivers/misc/mei/main.c show functions, read in
 * torvalds/linux and a 2025 mirror; hw-me.c and hw-me-regs.h; bus-fixup.c):
 * - fw_status: one "%08X\n" line (upper-case hex) per FWSTS register the
 *   device has: 6 on PCH8 and later (MEI_CFG_PCH8_HFS), 2 or 1 on older
 *   chipsets. intel/metee (src/linux/mei.c __mei_fwsts) preads 9 bytes at
 *   offset 9 * N from /sys/class/mei/mei0/fw_status, the name after "/dev/"
 *   in the device path, and parses them as hex.
 * - trc: "%08X\n" (metee __mei_gettrc reads 9 bytes). Only PCH15 and later
 *   have the register; elsewhere the kernel's read fails with EOPNOTSUPP,
 *   which a plain file cannot do, so the file is always there.
 * - kind: "%s\n", "mei" for the PCH ME (itouch, gsc, gscfi are other
 *   devices). metee reads at most 16 bytes and drops the last one.
 * - hbm_ver, hbm_ver_drv: "%u.%u\n"; the driver advertises HBM 2.2 and a
 *   current CSME negotiates it.
 * - tx_queue_limit: "%u\n" (default 50; the kernel accepts 30..255 on write).
 * - fw_ver: always MEI_MAX_FW_VER_BLOCKS (3) lines "%u:%u.%u.%u.%u\n",
 *   platform:major.minor.hotfix.buildno, from the MKHI GET_FW_VERSION the
 *   kernel sends at probe; blocks the reply did not carry stay 0:0.0.0.0.
 * - dev_state: the name alone, WITHOUT a newline (format "%s"),
 *   "ENABLED" once the device is up.
 * Default FWSTS values (bit layouts: coreboot's me_hfsts1..3 unions and
 * ME_HFS* constants, the kernel's PCI_CFG_HFS_* masks, intelmetool output):
 * FWSTS1 = working state 5 (normal), operation state 1 (M0 with UMA), FW
 * init complete (bit 9), error code 0, operation mode 0 (normal), D0i3
 * supported (bit 31) = 0x80000245; FWSTS2 = progress phase 6 (host
 * communication, bits 28-31), PM event 0 = 0x60000000; FWSTS3 = firmware
 * SKU (bits 4-6) 3 corporate when the platform type's image type is 4
 * (full), else 2 consumer; FWSTS4..6 = 0. AMT being enabled or not is
 * not an FWSTS bit (it is MKHI FWCAPS rule 32).
 * Must not: read files, talk to the ME, or write anything but DIR/mei0/.
 */
#include "sim_sysfs.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "mkhi_codec.h"
#include "sim_fw.h"

#define HFS1_CWS_NORMAL 0x5u            /* bits 0-3: current working state */
#define HFS1_OPSTATE_M0_UMA (1u << 6)   /* bits 6-8: operation state 1 */
#define HFS1_INIT_COMPLETE (1u << 9)
#define HFS1_D0I3_SUPPORTED 0x80000000u /* the kernel's PCI_CFG_HFS_1_D0I3_MSK */
#define HFS2_PHASE_HOST_COMM (6u << 28) /* bits 28-31: progress phase */
#define HFS3_SKU_SHIFT 4                /* bits 4-6: firmware SKU */
#define HFS3_SKU_CONSUMER 2u
#define HFS3_SKU_CORPORATE 3u
#define HBM_VERSION "2.2" /* the driver's HBM_MAJOR_VERSION.HBM_MINOR_VERSION */
#define SYSFS_DEVICE "mei0"
#define ATTR_MODE 0444 /* the files are not live: a write would change nothing */

static const char *const attr_names[SIM_SYSFS_ATTRS] = {
	"fw_status", "hbm_ver", "hbm_ver_drv", "tx_queue_limit",
	"fw_ver",    "dev_state", "trc",       "kind",
};

unsigned sim_sysfs_fw_status(const struct sim_state *st, uint32_t regs[SIM_FW_STATUS_MAX])
{
	if (st->fw_status.count > 0) {
		memcpy(regs, st->fw_status.regs, sizeof(st->fw_status.regs));
		return st->fw_status.count;
	}
	uint32_t image = (sim_mkhi_platform_type(st) >> 8) & 0xFu;
	uint32_t sku = image == MKHI_IMAGE_FULL_SKU ? HFS3_SKU_CORPORATE : HFS3_SKU_CONSUMER;
	memset(regs, 0, SIM_FW_STATUS_MAX * sizeof(regs[0]));
	regs[0] = HFS1_D0I3_SUPPORTED | HFS1_INIT_COMPLETE | HFS1_OPSTATE_M0_UMA | HFS1_CWS_NORMAL;
	regs[1] = HFS2_PHASE_HOST_COMM;
	regs[2] = sku << HFS3_SKU_SHIFT;
	return SIM_FW_STATUS_MAX;
}

/* Append to a text buffer; the texts are small and bounded by construction. */
static void add(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(char *buf, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, SIM_SYSFS_TEXT - used, fmt, ap);
	va_end(ap);
}

void sim_sysfs_format(const struct sim_state *st, struct sim_sysfs_attrs *a)
{
	uint32_t regs[SIM_FW_STATUS_MAX];
	struct mkhi_fw_version ver;

	memset(a, 0, sizeof(*a));
	for (unsigned i = 0; i < SIM_SYSFS_ATTRS; i++)
		a->attr[i].name = attr_names[i];

	unsigned n = sim_sysfs_fw_status(st, regs);
	for (unsigned i = 0; i < n; i++)
		add(a->attr[0].text, "%08X\n", regs[i]);
	add(a->attr[1].text, "%s\n", HBM_VERSION);
	add(a->attr[2].text, "%s\n", HBM_VERSION);
	add(a->attr[3].text, "%u\n", st->tx_queue_limit);
	sim_mkhi_fw_version(st, &ver);
	for (unsigned i = 0; i < MKHI_MAX_VERSION_BLOCKS; i++) {
		struct mkhi_fw_version_block b = {0};
		if (i < ver.count)
			b = ver.blocks[i];
		add(a->attr[4].text, "%u:%u.%u.%u.%u\n", b.platform, b.major, b.minor, b.hotfix,
		    b.build);
	}
	add(a->attr[5].text, "%s", "ENABLED");
	add(a->attr[6].text, "%08X\n", st->trc);
	add(a->attr[7].text, "%s\n", "mei");
}

const char *sim_sysfs_text(const struct sim_sysfs_attrs *a, const char *name)
{
	for (unsigned i = 0; i < SIM_SYSFS_ATTRS; i++)
		if (a->attr[i].name && strcmp(a->attr[i].name, name) == 0)
			return a->attr[i].text;
	return NULL;
}

static int make_dir(const char *path, char *err, size_t errcap)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST) {
		struct stat sb;
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			return 0;
		snprintf(err, errcap, "%s is not a directory", path);
		return -1;
	}
	snprintf(err, errcap, "cannot create %s: %s", path, strerror(errno));
	return -1;
}

static int join(char *out, const char *dir, const char *name, const char *name2)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s%s", dir, name, name2 ? "/" : "",
			 name2 ? name2 : "");
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

int sim_sysfs_publish(const char *dir, const struct sim_sysfs_attrs *a, char *err,
		      size_t errcap)
{
	char path[PATH_MAX];

	if (make_dir(dir, err, errcap) != 0)
		return -1;
	if (join(path, dir, SYSFS_DEVICE, NULL) != 0) {
		snprintf(err, errcap, "%s: path too long", dir);
		return -1;
	}
	if (make_dir(path, err, errcap) != 0)
		return -1;
	for (unsigned i = 0; i < SIM_SYSFS_ATTRS; i++) {
		const struct sim_sysfs_attr *at = &a->attr[i];
		if (join(path, dir, SYSFS_DEVICE, at->name) != 0) {
			snprintf(err, errcap, "%s: path too long", dir);
			return -1;
		}
		int rc = atomic_file_write_buf(path, at->text, strlen(at->text), ATTR_MODE);
		if (rc != 0) {
			snprintf(err, errcap, "cannot write %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void sim_sysfs_unpublish(const char *dir)
{
	char path[PATH_MAX];
	for (unsigned i = 0; i < SIM_SYSFS_ATTRS; i++)
		if (join(path, dir, SYSFS_DEVICE, attr_names[i]) == 0)
			unlink(path);
	if (join(path, dir, SYSFS_DEVICE, NULL) == 0)
		rmdir(path); /* only when nothing else is in it */
}
