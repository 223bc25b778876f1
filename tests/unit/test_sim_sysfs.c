// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_sysfs.c - the simulated MEI device's sysfs attributes
 * (tools/sim/sim_sysfs.c) as host software reads them: the bytes of every
 * attribute as the kernel's show functions print them, fw_status read the
 * way intel/metee reads it (9 bytes at 9 * N, hex), fw_ver equal to what
 * MKHI GET_FW_VERSION answers on the same firmware, the [me] state keys
 * (loaded, refused when malformed, saved and loaded again), and the files
 * written under DIR/mei0/, rewritten in place and removed again.
 * Must not: touch /sys; everything goes to a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mkhi_codec.h"
#include "sim_fw_test.h"
#include "tools/sim/sim_sysfs.h"

static const char *text(const struct sim_sysfs_attrs *a, const char *name)
{
	const char *t = sim_sysfs_text(a, name);
	assert_non_null(t);
	return t;
}

static void test_defaults_as_the_kernel_prints_them(void **state)
{
	(void)state;
	static struct sim_state st;
	struct sim_sysfs_attrs a;
	sim_state_defaults(&st); /* AMT 16.1.25 build 2049, sku 0x4008 (corporate, AMT Pro) */
	sim_sysfs_format(&st, &a);

	/* six FWSTS registers (PCH8 and later), "%08X\n" each */
	assert_string_equal(text(&a, "fw_status"), "80000245\n60000000\n00000030\n"
						    "00000000\n00000000\n00000000\n");
	assert_string_equal(text(&a, "fw_ver"), "0:16.1.25.2049\n0:16.1.25.2049\n"
						 "0:16.1.25.2049\n");
	assert_string_equal(text(&a, "dev_state"), "ENABLED"); /* no newline, as the kernel */
	assert_string_equal(text(&a, "kind"), "mei\n");
	assert_string_equal(text(&a, "trc"), "00000000\n");
	assert_string_equal(text(&a, "hbm_ver"), "2.2\n");
	assert_string_equal(text(&a, "hbm_ver_drv"), "2.2\n");
	assert_string_equal(text(&a, "tx_queue_limit"), "50\n");
	assert_null(sim_sysfs_text(&a, "dev")); /* not published (see README) */
}

/* metee's __mei_fwsts: pread 9 bytes at 9 * N, fewer is EPROTO, strtoul base 16. */
static int metee_fwsts(const char *fw_status, unsigned n, uint32_t *out)
{
	size_t len = strlen(fw_status), off = (size_t)n * 9;
	char line[10] = {0};
	if (off + 9 > len)
		return -EPROTO;
	memcpy(line, fw_status + off, 9);
	*out = (uint32_t)strtoul(line, NULL, 16);
	return 0;
}

static void test_fw_status_follows_the_state(void **state)
{
	(void)state;
	static struct sim_state st;
	struct sim_sysfs_attrs a;
	uint32_t v = 0;

	sim_state_defaults(&st);
	sim_sysfs_format(&st, &a);
	/* what metee's PROD_MKHI_GetFWStatus checks: FWSTS1 and FWSTS2 non-zero */
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 0, &v), 0);
	assert_int_equal(v & 0xF, 5);          /* working state: normal */
	assert_int_equal((v >> 9) & 1, 1);     /* FW init complete */
	assert_int_equal((v >> 16) & 0xF, 0);  /* operation mode: normal */
	assert_int_equal((v >> 12) & 0xF, 0);  /* no error */
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 1, &v), 0);
	assert_int_not_equal(v, 0);
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 5, &v), 0);
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 6, &v), -EPROTO);

	/* a consumer SKU (no 0x4000): the FW SKU field says consumer (2) */
	snprintf(st.sku, sizeof(st.sku), "8");
	sim_sysfs_format(&st, &a);
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 2, &v), 0);
	assert_int_equal((v >> 4) & 7, 2);
	/* the platform type given outright decides as well: image type 4 */
	st.platform_type.set = true;
	st.platform_type.v = 0x1482;
	sim_sysfs_format(&st, &a);
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 2, &v), 0);
	assert_int_equal((v >> 4) & 7, 3);

	/* [me] fw_status given: exactly those registers (an older chipset's two) */
	st.fw_status.count = 2;
	st.fw_status.regs[0] = 0x1e000245;
	st.fw_status.regs[1] = 0x60002306;
	st.trc = 0xab;
	st.tx_queue_limit = 255;
	sim_sysfs_format(&st, &a);
	assert_string_equal(text(&a, "fw_status"), "1E000245\n60002306\n");
	assert_int_equal(metee_fwsts(text(&a, "fw_status"), 2, &v), -EPROTO);
	assert_string_equal(text(&a, "trc"), "000000AB\n");
	assert_string_equal(text(&a, "tx_queue_limit"), "255\n");
}

/* GET_FW_VERSION in process, decoded with the agent's codec. */
static void mkhi_version(struct sim_fw *fw, struct mkhi_fw_version *v)
{
	uint8_t req[8], rsp[128];
	size_t qlen;
	long n = -EAGAIN;
	assert_int_equal(mkhi_encode_request(req, sizeof(req), MKHI_GROUP_GEN,
					     MKHI_CMD_GET_FW_VERSION, &qlen), 0);
	struct sim_conn *c = sim_conn_open(fw->me, NULL, NULL);
	assert_non_null(c);
	assert_int_equal(sim_conn_connect(c, HECI_GUID_MKHI.b, NULL, NULL), 0);
	assert_int_equal(sim_conn_write(c, req, qlen), 0);
	for (int i = 0; i < SIMT_WAIT_MS && n == -EAGAIN; i++) {
		n = sim_conn_read(c, rsp, sizeof(rsp));
		if (n == -EAGAIN)
			simt_sleep_ms(1);
	}
	sim_conn_close(c);
	assert_true(n > 0);
	const uint8_t *body;
	size_t blen;
	uint8_t result;
	assert_int_equal(mkhi_decode_response(rsp, (size_t)n, MKHI_GROUP_GEN,
					      MKHI_CMD_GET_FW_VERSION, &result, &body, &blen), 0);
	assert_int_equal(result, 0);
	assert_int_equal(mkhi_decode_fw_version(body, blen, v), 0);
}

/* fw_ver as the kernel fills it from that answer (bus-fixup.c mei_fwver):
 * the blocks received, then zeros up to three. */
static void expect_fw_ver_equals_mkhi(struct sim_state *st)
{
	struct sim_fw fw;
	struct mkhi_fw_version v;
	struct sim_sysfs_attrs a;
	char want[SIM_SYSFS_TEXT] = "";

	assert_int_equal(simt_fw_init(&fw, st), 0);
	mkhi_version(&fw, &v);
	sim_sysfs_format(&fw.st, &a);
	simt_fw_free(&fw);
	for (unsigned i = 0; i < MKHI_MAX_VERSION_BLOCKS; i++) {
		struct mkhi_fw_version_block b = {0};
		if (i < v.count)
			b = v.blocks[i];
		size_t used = strlen(want);
		snprintf(want + used, sizeof(want) - used, "%u:%u.%u.%u.%u\n", b.platform,
			 b.major, b.minor, b.hotfix, b.build);
	}
	assert_string_equal(text(&a, "fw_ver"), want);
}

static void test_fw_ver_equals_mkhi_get_fw_version(void **state)
{
	(void)state;
	static struct sim_state st;
	sim_state_defaults(&st);
	snprintf(st.me_fw_version, sizeof(st.me_fw_version), "16.1.30.2307");
	st.mkhi_platform = 7;
	expect_fw_ver_equals_mkhi(&st);

	struct sim_sysfs_attrs a;
	sim_sysfs_format(&st, &a);
	assert_string_equal(text(&a, "fw_ver"), "7:16.1.30.2307\n7:16.1.30.2307\n"
						 "7:16.1.30.2307\n");

	/* older firmware answers two blocks: the third line stays zero */
	st.mkhi_version_blocks = 2;
	expect_fw_ver_equals_mkhi(&st);
	sim_sysfs_format(&st, &a);
	assert_string_equal(text(&a, "fw_ver"), "7:16.1.30.2307\n7:16.1.30.2307\n0:0.0.0.0\n");
}

static int load_text(struct sim_state *st, const char *ini, char *err, size_t cap)
{
	char path[] = "/tmp/sysfs-ini.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	sim_state_defaults(st);
	int rc = sim_state_load(st, path, err, cap);
	unlink(path);
	return rc;
}

static void test_me_state_keys(void **state)
{
	(void)state;
	static struct sim_state st, back;
	char err[256], path[] = "/tmp/sysfs-save.XXXXXX";

	assert_int_equal(load_text(&st, "[me]\nfw_status = 0x1e000245, 0x60002306,5\n"
					"trc = 0xC0FFEE\n", err, sizeof(err)), 0);
	assert_int_equal(st.fw_status.count, 3);
	assert_int_equal(st.fw_status.regs[0], 0x1e000245);
	assert_int_equal(st.fw_status.regs[1], 0x60002306);
	assert_int_equal(st.fw_status.regs[2], 5);
	assert_int_equal(st.trc, 0xC0FFEE);
	/* empty: derived again */
	assert_int_equal(load_text(&st, "[me]\nfw_status =\n", err, sizeof(err)), 0);
	assert_int_equal(st.fw_status.count, 0);

	static const char *const bad[] = {
		"[me]\nfw_status = 1,2,3,4,5,6,7\n", /* seven registers */
		"[me]\nfw_status = 0x1,\n",          /* a trailing comma */
		"[me]\nfw_status = 0x1,,0x2\n",      /* an empty item */
		"[me]\nfw_status = 0xZZ\n",
		"[me]\nfw_status = 0x100000000\n",   /* wider than 32 bits */
		"[me]\ntrc = -1\n",
		"[me]\nkind = gsc\n",                /* not a key */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(load_text(&st, bad[i], err, sizeof(err)), 0);
		assert_non_null(strstr(err, ":2: [me] "));
	}

	/* saved and loaded again: the same registers */
	assert_int_equal(load_text(&st, "[me]\nfw_status = 0x80000245,0x1\ntrc = 0x2\n", err,
				   sizeof(err)), 0);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sim_state_save(&st, path), 0);
	sim_state_defaults(&back);
	assert_int_equal(sim_state_load(&back, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(back.fw_status.count, 2);
	assert_int_equal(back.fw_status.regs[0], 0x80000245);
	assert_int_equal(back.fw_status.regs[1], 1);
	assert_int_equal(back.trc, 2);
}

static void read_file(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/mei0/%s", dir, name);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, cap - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static unsigned entries(const char *path)
{
	unsigned n = 0;
	DIR *d = opendir(path);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_publish_rewrite_unpublish(void **state)
{
	(void)state;
	static struct sim_state st;
	struct sim_sysfs_attrs a;
	char dir[] = "/tmp/sysfs-pub.XXXXXX", sub[64], buf[256], err[256];
	struct stat sb;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/class", dir); /* created by publish */
	sim_state_defaults(&st);
	sim_sysfs_format(&st, &a);
	assert_int_equal(sim_sysfs_publish(sub, &a, err, sizeof(err)), 0);
	for (unsigned i = 0; i < SIM_SYSFS_ATTRS; i++) {
		read_file(sub, a.attr[i].name, buf, sizeof(buf));
		assert_string_equal(buf, a.attr[i].text);
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/mei0/fw_status", sub);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0444);

	/* a reload: new values in place, no temporary file left beside them */
	st.tx_queue_limit = 30;
	sim_sysfs_format(&st, &a);
	assert_int_equal(sim_sysfs_publish(sub, &a, err, sizeof(err)), 0);
	read_file(sub, "tx_queue_limit", buf, sizeof(buf));
	assert_string_equal(buf, "30\n");
	snprintf(path, sizeof(path), "%s/mei0", sub);
	assert_int_equal(entries(path), SIM_SYSFS_ATTRS);

	/* a file where the directory should be: one line saying so */
	char blocker[96];
	snprintf(blocker, sizeof(blocker), "%s/file", dir);
	int fd = open(blocker, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sim_sysfs_publish(blocker, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a directory"));
	unlink(blocker);

	sim_sysfs_unpublish(sub);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(entries(sub), 0);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_as_the_kernel_prints_them),
		cmocka_unit_test(test_fw_status_follows_the_state),
		cmocka_unit_test(test_fw_ver_equals_mkhi_get_fw_version),
		cmocka_unit_test(test_me_state_keys),
		cmocka_unit_test(test_publish_rewrite_unpublish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
