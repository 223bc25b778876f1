// SPDX-License-Identifier: Apache-2.0
/*
 * test_sim_3pds.c - AMT Third Party Data Storage in the simulator, driven
 * through the SOAP core: EACL and registration, allocation (MTU multiples,
 * quota), chunked write/read, partial writes, hidden blocks, ownership,
 * locks and timeouts, sessions, removal, and persistence (the state file is
 * reloaded into a fresh firmware and the data is still there), plus the
 * state file's storage sections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_wsman_test.h"

static struct wt T, T2;

#define UUID_A "7856341234127856123456789ABCDEF0"
#define UUID_B "00112233445566778899AABBCCDDEEFF"

static int setup(void **state)
{
	static struct sim_state st;
	(void)state;
	sim_state_defaults(&st);
	snprintf(st.version, sizeof(st.version), "11.8.50");
	return wt_init(&T, &st);
}

static int teardown(void **state)
{
	(void)state;
	wt_free(&T);
	return 0;
}


/* 3PDS service call with up to 4 argument pairs */
#define SVC(...) wt_call(&T, true, WT_3PDS, __VA_ARGS__, NULL)
#define SVC_REMOTE(...) wt_call(&T, false, WT_3PDS, __VA_ARGS__, NULL)
#define ADMIN(...) wt_call(&T, false, WT_3PDS_ADMIN, __VA_ARGS__, NULL)

static char sh_buf[4][32];

/* Register and return the session handle (in one of four buffers). */
static const char *reg(int slot, const char *uuid, const char *vendor, const char *app,
		       const char *ent, unsigned *rv)
{
	*rv = SVC("RegisterApplication", "CallerUUID", uuid, "VendorName", vendor,
		  "ApplicationName", app, "EnterpriseName", ent);
	const char *h = *rv == 0 ? wt_text(&T, "SessionHandle") : NULL;
	snprintf(sh_buf[slot], sizeof(sh_buf[slot]), "%.31s", h ? h : "");
	return sh_buf[slot];
}

static const char *must_reg(int slot, const char *uuid, const char *vendor, const char *app)
{
	unsigned rv;
	const char *h = reg(slot, uuid, vendor, app, "Acme", &rv);
	assert_int_equal(rv, 0);
	assert_int_equal(strlen(h), 16);
	return h;
}

static uint32_t out_u32(const char *name)
{
	const char *v = wt_text(&T, name);
	assert_non_null(v);
	return (uint32_t)strtoul(v, NULL, 10);
}

static uint32_t app_handle(const char *sh)
{
	assert_int_equal(SVC("GetCurrentApplicationHandle", "SessionHandle", sh), 0);
	return out_u32("ApplicationHandle");
}

static uint32_t alloc(const char *sh, unsigned bytes, bool hidden, const char *name, unsigned *rv)
{
	char b[16];
	snprintf(b, sizeof(b), "%u", bytes);
	*rv = name ? SVC("AllocateBlock", "SessionHandle", sh, "BytesRequested", b, "BlockHidden",
			 hidden ? "true" : "false", "BlockName", name)
		   : SVC("AllocateBlock", "SessionHandle", sh, "BytesRequested", b, "BlockHidden",
			 hidden ? "true" : "false");
	return *rv == 0 ? out_u32("BlockHandle") : 0;
}

static char *b64(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static unsigned write_at(const char *sh, uint32_t block, unsigned off, const uint8_t *p, size_t n,
			 uint32_t *written)
{
	char bh[16], o[16];
	char *d = b64(p, n);
	snprintf(bh, sizeof(bh), "%u", block);
	snprintf(o, sizeof(o), "%u", off);
	unsigned rv = SVC("WriteBlock", "SessionHandle", sh, "BlockHandle", bh, "ByteOffset", o,
			  "Data", d);
	free(d);
	if (written)
		*written = rv < 1000 ? out_u32("BytesWritten") : 0;
	return rv;
}

/* ReadBlock; on success the decoded bytes go to out (cap bytes). */
static unsigned read_at(const char *sh, uint32_t block, unsigned off, unsigned count, uint8_t *out,
			size_t cap, size_t *got)
{
	char bh[16], o[16], c[16];
	snprintf(bh, sizeof(bh), "%u", block);
	snprintf(o, sizeof(o), "%u", off);
	snprintf(c, sizeof(c), "%u", count);
	unsigned rv = SVC("ReadBlock", "SessionHandle", sh, "BlockHandle", bh, "ByteOffset", o,
			  "ByteCount", c);
	if (rv == 0) {
		const char *d = wt_text(&T, "Data");
		long n = sim_3pds_b64_decode(d, strlen(d), out, cap);
		assert_true(n >= 0);
		*got = (size_t)n;
	}
	return rv;
}

static void add_acme(void)
{
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "Acme"), 0);
}

/* ---------------- tests ---------------- */

static void register_needs_enterprise(void **state)
{
	unsigned rv;
	(void)state;
	reg(0, UUID_A, "Vendor", "App", "Acme", &rv);
	assert_int_equal(rv, 9); /* INVALID_REGISTRATION_DATA: EACL empty */
	add_acme();
	assert_int_equal(out_u32("Handle"), 1);
	reg(0, UUID_A, "Vendor", "App", "Other", &rv);
	assert_int_equal(rv, 9);
	reg(0, UUID_A, "Vendor", "App", "", &rv);
	assert_int_equal(rv, 9);
	reg(0, "1234", "Vendor", "App", "Acme", &rv);
	assert_int_equal(rv, 9);
	reg(0, "ZZ56341234127856123456789ABCDEF0", "Vendor", "App", "Acme", &rv);
	assert_int_equal(rv, 9);
	char longname[80];
	memset(longname, 'v', 65);
	longname[65] = '\0';
	reg(0, UUID_A, longname, "App", "Acme", &rv);
	assert_int_equal(rv, 9);
	longname[64] = '\0'; /* exactly 64 is fine */
	reg(0, UUID_A, longname, "App", "Acme", &rv);
	assert_int_equal(rv, 0);
	const char *sh = must_reg(0, UUID_A, "Vendor", "App");
	assert_int_equal(SVC("GetCurrentApplicationHandle", "SessionHandle", sh), 0);
	assert_true(out_u32("ApplicationHandle") > 0);
	/* a missing parameter is a fault, not a return value */
	assert_int_equal(SVC("RegisterApplication", "CallerUUID", UUID_A), 1400);
	assert_non_null(strstr(wt_text(&T, "Text"), "VendorName"));
	/* unknown method */
	assert_int_equal(SVC("FrobnicateBlock", "SessionHandle", sh), 1400);
	assert_non_null(strstr(wt_text_n(&T, "Value", 1), "ActionNotSupported"));
	/* unknown session */
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", "0000000000000000"), 8);
}

static void mtu_timeouts_global(void **state)
{
	(void)state;
	assert_int_equal(SVC("GetMTU"), 0);
	assert_int_equal(out_u32("Mtu"), 1024);
	assert_int_equal(SVC("GetTimeoutValues"), 0);
	assert_int_equal(out_u32("RegistrationTimeout"), 300);
	assert_int_equal(out_u32("LockTimeout"), 60);
	assert_int_equal(ADMIN("GetGlobalStorageAttributes"), 0);
	assert_int_equal(out_u32("TotalStorage"), 98304);
	assert_int_equal(out_u32("MaxAslEntries"), 16);
	assert_int_equal(out_u32("MaxEaclEntries"), 4);
	assert_int_equal(out_u32("MaxNonPartnerTotalAllocationSize"), 32768);
	assert_int_equal(ADMIN("SetGlobalStorageAttributes", "MaxNonPartnerTotalAllocationSize", "5000"),
			 0x24);
	assert_int_equal(ADMIN("SetGlobalStorageAttributes", "MaxNonPartnerTotalAllocationSize", "8192"),
			 0);
	assert_int_equal(T.fw.st.storage.max_app_bytes, 8192);
	/* the service instances */
	assert_int_equal(wt_send(&T, false, WT_GET, WT_3PDS_ADMIN, NULL, NULL), 200);
	assert_string_equal(wt_text(&T, "Name"),
			    "Intel(r) AMT Third Party Data Storage Administration Service");
}

static void eacl_admin(void **state)
{
	(void)state;
	add_acme();
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "Acme"), 0x80A);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "a,b"), 12);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", ""), 12);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "B"), 0);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "C"), 0);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "D"), 0);
	assert_int_equal(out_u32("Handle"), 4);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "E"), 23);
	assert_int_equal(ADMIN("EnumerateStorageEaclEntries"), 0);
	assert_int_equal(wt_count(&T, "Handles"), 4);
	assert_int_equal(ADMIN("GetStorageEaclEntry", "Handle", "2"), 0);
	assert_string_equal(wt_text(&T, "EnterpriseName"), "B");
	assert_int_equal(ADMIN("GetStorageEaclEntry", "Handle", "9"), 0x805);
	assert_int_equal(ADMIN("RemoveStorageEaclEntry", "Handle", "2"), 0);
	assert_int_equal(ADMIN("RemoveStorageEaclEntry", "Handle", "2"), 0x805);
	/* the handles of the others stay */
	assert_int_equal(ADMIN("GetStorageEaclEntry", "Handle", "3"), 0);
	assert_string_equal(wt_text(&T, "EnterpriseName"), "C");
	/* in use by an application */
	must_reg(0, UUID_A, "Vendor", "App");
	assert_int_equal(ADMIN("RemoveStorageEaclEntry", "Handle", "1"), 0x808);
	assert_int_equal(ADMIN("AdminGetRegisteredApplications"), 0);
	assert_int_equal(wt_count(&T, "ApplicationHandles"), 1);
	char h[16];
	snprintf(h, sizeof(h), "%.15s", wt_text(&T, "ApplicationHandles"));
	assert_int_equal(ADMIN("AdminGetApplicationAttributes", "Handle", h), 0);
	assert_string_equal(wt_text(&T, "VendorName"), "Vendor");
	assert_string_equal(wt_text(&T, "EnterpriseName"), "Acme");
	assert_string_equal(wt_text(&T, "ActiveSession"), "true");
	assert_string_equal(wt_text(&T, "UUID"), "eFY0EjQSeFYSNFZ4mrze8A==");
	assert_int_equal(ADMIN("AdminRemoveApplication", "Handle", h), 0);
	assert_int_equal(ADMIN("AdminRemoveApplication", "Handle", h), 10);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", sh_buf[0]), 8);
	assert_int_equal(ADMIN("RemoveStorageEaclEntry", "Handle", "1"), 0);
}

static void allocate_and_quota(void **state)
{
	unsigned rv;
	(void)state;
	add_acme();
	const char *sh = must_reg(0, UUID_A, "Vendor", "App");
	alloc(sh, 1000, false, NULL, &rv);
	assert_int_equal(rv, 15); /* not a multiple of the MTU */
	alloc(sh, 0, false, NULL, &rv);
	assert_int_equal(rv, 15);
	alloc(sh, 1024, false, "a name that is longer than 32 chars", &rv);
	assert_int_equal(rv, 12);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", sh), 0);
	assert_int_equal(out_u32("BytesAvailable"), 32768);
	uint32_t b1 = alloc(sh, 30720, false, "big", &rv);
	assert_int_equal(rv, 0);
	assert_true(b1 > 0);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", sh), 0);
	assert_int_equal(out_u32("BytesAvailable"), 2048);
	alloc(sh, 3072, false, NULL, &rv);
	assert_int_equal(rv, 11); /* NOT_ENOUGH_STORAGE: over the per-application quota */
	uint32_t b2 = alloc(sh, 2048, true, NULL, &rv);
	assert_int_equal(rv, 0);
	assert_int_not_equal(b1, b2);
	/* another application has its own quota, but the total is shared */
	const char *sh2 = must_reg(1, UUID_B, "Vendor", "App2");
	const char *sh3 = must_reg(2, UUID_B, "Vendor", "App3");
	alloc(sh2, 32768, false, NULL, &rv);
	assert_int_equal(rv, 0);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", sh3), 0);
	assert_int_equal(out_u32("BytesAvailable"), 98304 - 65536 > 32768 ? 32768 : 98304 - 65536);
	alloc(sh3, 32768, false, NULL, &rv);
	assert_int_equal(rv, 0);
	const char *sh4 = must_reg(3, UUID_B, "Vendor", "App4");
	alloc(sh4, 1024, false, NULL, &rv);
	assert_int_equal(rv, 11); /* the 96 KiB are taken */
	char bh[16];
	snprintf(bh, sizeof(bh), "%u", b1);
	assert_int_equal(SVC("GetBlockAttributes", "SessionHandle", sh, "BlockHandle", bh), 0);
	assert_int_equal(out_u32("BlockSize"), 30720);
	assert_string_equal(wt_text(&T, "BlockName"), "big");
	assert_string_equal(wt_text(&T, "BlockHidden"), "false");
}

static void write_read_chunks_and_partial(void **state)
{
	unsigned rv;
	uint8_t data[3072], back[3072], buf[2048];
	size_t got;
	uint32_t written;
	(void)state;
	add_acme();
	const char *sh = must_reg(0, UUID_A, "Vendor", "App");
	uint32_t b = alloc(sh, 3072, false, "data", &rv);
	assert_int_equal(rv, 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (unsigned off = 0; off < 3072; off += 1024) {
		assert_int_equal(write_at(sh, b, off, data + off, 1024, &written), 0);
		assert_int_equal(written, 1024);
	}
	for (unsigned off = 0; off < 3072; off += 1024) {
		assert_int_equal(read_at(sh, b, off, 1024, back + off, 1024, &got), 0);
		assert_int_equal(got, 1024);
	}
	assert_memory_equal(data, back, sizeof(data));
	/* an odd window */
	assert_int_equal(read_at(sh, b, 1000, 100, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 100);
	assert_memory_equal(buf, data + 1000, 100);
	/* count over the MTU, zero, past the end; offset past the end */
	assert_int_equal(read_at(sh, b, 0, 1025, buf, sizeof(buf), &got), 15);
	assert_int_equal(read_at(sh, b, 0, 0, buf, sizeof(buf), &got), 15);
	assert_int_equal(read_at(sh, b, 3000, 100, buf, sizeof(buf), &got), 15);
	assert_int_equal(read_at(sh, b, 3072, 1, buf, sizeof(buf), &got), 14);
	/* a write past the end stores what fits */
	memset(buf, 0xAB, 100);
	assert_int_equal(write_at(sh, b, 3062, buf, 100, &written), 15);
	assert_int_equal(written, 10);
	assert_int_equal(read_at(sh, b, 3060, 12, back, sizeof(back), &got), 0);
	assert_int_equal(back[0], data[3060]);
	assert_int_equal(back[1], data[3061]);
	for (int i = 2; i < 12; i++)
		assert_int_equal(back[i], 0xAB);
	assert_int_equal(write_at(sh, b, 3072, buf, 1, &written), 14);
	assert_int_equal(written, 0);
	assert_int_equal(write_at(sh, b, 0, buf, 1025, &written), 15); /* over the MTU */
	assert_int_equal(written, 0);
	/* Data that is not base64 */
	char bh[16];
	snprintf(bh, sizeof(bh), "%u", b);
	assert_int_equal(SVC("WriteBlock", "SessionHandle", sh, "BlockHandle", bh, "ByteOffset", "0",
			     "Data", "!!!"),
			 1400);
	/* unknown block */
	assert_int_equal(read_at(sh, 9999, 0, 1, buf, sizeof(buf), &got), 13);
}

static void visibility_and_ownership(void **state)
{
	unsigned rv;
	uint8_t buf[16] = {1, 2, 3};
	size_t got;
	char bh[16], owner[16];
	(void)state;
	add_acme();
	const char *a = must_reg(0, UUID_A, "Vendor", "App");
	const char *b = must_reg(1, UUID_A, "Vendor", "Other app");
	uint32_t hidden = alloc(a, 1024, true, "secret", &rv);
	uint32_t shown = alloc(a, 1024, false, "public", &rv);
	snprintf(owner, sizeof(owner), "%u", app_handle(a));
	/* the owner lists both */
	assert_int_equal(SVC("GetAllocatedBlocks", "SessionHandle", a, "BlockOwnerApplication", owner),
			 0);
	assert_int_equal(wt_count(&T, "BlockHandles"), 2);
	/* another application sees only the visible one */
	assert_int_equal(SVC("GetAllocatedBlocks", "SessionHandle", b, "BlockOwnerApplication", owner),
			 0);
	assert_int_equal(wt_count(&T, "BlockHandles"), 1);
	assert_int_equal(out_u32("BlockHandles"), shown);
	assert_int_equal(SVC("GetAllocatedBlocks", "SessionHandle", b, "BlockOwnerApplication", "777"),
			 10);
	snprintf(bh, sizeof(bh), "%u", hidden);
	assert_int_equal(SVC("GetBlockAttributes", "SessionHandle", b, "BlockHandle", bh), 13);
	assert_int_equal(read_at(b, hidden, 0, 1, buf, sizeof(buf), &got), 13);
	snprintf(bh, sizeof(bh), "%u", shown);
	assert_int_equal(SVC("GetBlockAttributes", "SessionHandle", b, "BlockHandle", bh), 0);
	assert_string_equal(wt_text(&T, "BlockName"), "public");
	assert_int_equal(read_at(b, shown, 0, 1, buf, sizeof(buf), &got), 17);
	assert_int_equal(write_at(b, shown, 0, buf, 1, NULL), 17);
	assert_int_equal(SVC("DeallocateBlock", "SessionHandle", b, "BlockHandle", bh), 17);
	assert_int_equal(SVC("SetBlockName", "SessionHandle", b, "BlockHandle", bh, "BlockName", "x"),
			 17);
	assert_int_equal(SVC("LockBlock", "SessionHandle", b, "BlockHandle", bh), 17);
	/* the owner hides it: now it does not exist for others */
	assert_int_equal(SVC("SetBlockVisibility", "SessionHandle", a, "BlockHandle", bh,
			     "BlockHidden", "true"),
			 0);
	assert_int_equal(SVC("GetBlockAttributes", "SessionHandle", b, "BlockHandle", bh), 13);
	assert_int_equal(SVC("SetBlockName", "SessionHandle", a, "BlockHandle", bh, "BlockName",
			     "renamed"),
			 0);
	assert_int_equal(SVC("GetBlockAttributes", "SessionHandle", a, "BlockHandle", bh), 0);
	assert_string_equal(wt_text(&T, "BlockName"), "renamed");
	assert_string_equal(wt_text(&T, "BlockHidden"), "true");
	/* same vendor only */
	assert_int_equal(SVC("GetRegisteredApplications", "SessionHandle", b), 0);
	assert_int_equal(wt_count(&T, "AppHandles"), 2);
	const char *c = must_reg(2, UUID_A, "Another vendor", "App");
	assert_int_equal(SVC("GetRegisteredApplications", "SessionHandle", c), 0);
	assert_int_equal(wt_count(&T, "AppHandles"), 1);
	assert_int_equal(SVC("GetApplicationAttributes", "SessionHandle", c,
			     "ApplicationBeingRequested", owner),
			 10);
	assert_int_equal(SVC("GetApplicationAttributes", "SessionHandle", b,
			     "ApplicationBeingRequested", owner),
			 0);
	assert_string_equal(wt_text(&T, "ApplicationName"), "App");
}

static void locks_and_timeouts(void **state)
{
	unsigned rv;
	uint8_t buf[16] = {9};
	size_t got;
	char bh[16];
	(void)state;
	add_acme();
	/* the same identity twice: two sessions on one application */
	const char *s1 = must_reg(0, UUID_A, "Vendor", "App");
	const char *s2 = must_reg(1, UUID_A, "Vendor", "App");
	assert_string_not_equal(s1, s2);
	assert_int_equal(app_handle(s1), app_handle(s2));
	uint32_t b = alloc(s1, 1024, false, NULL, &rv);
	snprintf(bh, sizeof(bh), "%u", b);
	assert_int_equal(SVC("UnlockBlock", "SessionHandle", s1, "BlockHandle", bh), 19);
	assert_int_equal(SVC("LockBlock", "SessionHandle", s1, "BlockHandle", bh), 0);
	assert_int_equal(SVC("LockBlock", "SessionHandle", s1, "BlockHandle", bh), 0); /* again */
	assert_int_equal(SVC("LockBlock", "SessionHandle", s2, "BlockHandle", bh), 18);
	assert_int_equal(read_at(s2, b, 0, 1, buf, sizeof(buf), &got), 18);
	assert_int_equal(write_at(s2, b, 0, buf, 1, NULL), 18);
	assert_int_equal(SVC("UnlockBlock", "SessionHandle", s2, "BlockHandle", bh), 18);
	assert_int_equal(SVC("DeallocateBlock", "SessionHandle", s2, "BlockHandle", bh), 18);
	assert_int_equal(write_at(s1, b, 0, buf, 1, NULL), 0);
	assert_int_equal(SVC("UnlockBlock", "SessionHandle", s1, "BlockHandle", bh), 0);
	assert_int_equal(read_at(s2, b, 0, 1, buf, sizeof(buf), &got), 0);
	/* a lock ends after LockTimeout idle seconds; activity refreshes it */
	assert_int_equal(SVC("LockBlock", "SessionHandle", s1, "BlockHandle", bh), 0);
	T.now_ms += 50 * 1000;
	assert_int_equal(read_at(s1, b, 0, 1, buf, sizeof(buf), &got), 0); /* refresh */
	T.now_ms += 50 * 1000;
	assert_int_equal(read_at(s2, b, 0, 1, buf, sizeof(buf), &got), 18);
	T.now_ms += 11 * 1000;
	assert_int_equal(read_at(s2, b, 0, 1, buf, sizeof(buf), &got), 0);
	/* UnregisterApplication drops the session's locks and keeps the data */
	assert_int_equal(SVC("LockBlock", "SessionHandle", s1, "BlockHandle", bh), 0);
	assert_int_equal(SVC("UnregisterApplication", "SessionHandle", s1), 0);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", s1), 8);
	assert_int_equal(read_at(s2, b, 0, 1, buf, sizeof(buf), &got), 0);
	assert_int_equal(buf[0], 9);
	/* sessions end after RegistrationTimeout idle seconds */
	T.now_ms += 301 * 1000;
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", s2), 8);
	/* [sim] time_scale speeds the firmware's timers up */
	T.fw.st.time_scale = 1000;
	s2 = must_reg(1, UUID_A, "Vendor", "App");
	T.now_ms += 301;
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", s2), 8);
	T.fw.st.time_scale = 1;
	/* registering again gives the same application and its blocks */
	const char *s3 = must_reg(2, UUID_A, "Vendor", "App");
	char owner[16];
	snprintf(owner, sizeof(owner), "%u", app_handle(s3));
	assert_int_equal(SVC("GetAllocatedBlocks", "SessionHandle", s3, "BlockOwnerApplication", owner),
			 0);
	assert_int_equal(out_u32("BlockHandles"), b);
}

static void sessions_interfaces_removal(void **state)
{
	unsigned rv;
	(void)state;
	add_acme();
	const char *s = must_reg(0, UUID_A, "Vendor", "App");
	/* the same identity from the network side is refused */
	assert_int_equal(SVC_REMOTE("RegisterApplication", "CallerUUID", UUID_A, "VendorName",
				    "Vendor", "ApplicationName", "App", "EnterpriseName", "Acme"),
			 16);
	/* 16 sessions at most */
	for (int i = 1; i < 16; i++)
		must_reg(1, UUID_A, "Vendor", "App");
	reg(1, UUID_A, "Vendor", "App", "Acme", &rv);
	assert_int_equal(rv, 23);
	assert_int_equal(SVC("UnregisterApplication", "SessionHandle", s), 0);
	s = must_reg(0, UUID_A, "Vendor", "App");
	uint32_t b = alloc(s, 2048, false, NULL, &rv);
	assert_int_equal(rv, 0);
	assert_int_equal(T.fw.st.storage.used, 2048);
	/* RemoveApplication frees its blocks and ends all its sessions */
	assert_int_equal(SVC("RemoveApplication", "SessionHandle", s), 0);
	assert_int_equal(T.fw.st.storage.used, 0);
	assert_int_equal(T.fw.st.storage.app_count, 0);
	assert_int_equal(SVC("GetBytesAvailable", "SessionHandle", sh_buf[1]), 8);
	/* a new registration makes a new application with a new handle */
	s = must_reg(0, UUID_A, "Vendor", "App");
	uint32_t b2 = alloc(s, 1024, false, NULL, &rv);
	assert_true(b2 > b); /* handles are not reused */
}

static void dealloc_keeps_other_data(void **state)
{
	unsigned rv;
	uint8_t x[1024], y[1024], back[1024];
	size_t got;
	char bh[16];
	(void)state;
	add_acme();
	const char *s = must_reg(0, UUID_A, "Vendor", "App");
	uint32_t b1 = alloc(s, 1024, false, NULL, &rv);
	uint32_t b2 = alloc(s, 2048, false, NULL, &rv);
	uint32_t b3 = alloc(s, 1024, false, NULL, &rv);
	memset(x, 0x11, sizeof(x));
	memset(y, 0x33, sizeof(y));
	assert_int_equal(write_at(s, b1, 0, x, 1024, NULL), 0);
	assert_int_equal(write_at(s, b3, 0, y, 1024, NULL), 0);
	snprintf(bh, sizeof(bh), "%u", b2);
	assert_int_equal(SVC("DeallocateBlock", "SessionHandle", s, "BlockHandle", bh), 0);
	assert_int_equal(SVC("DeallocateBlock", "SessionHandle", s, "BlockHandle", bh), 13);
	assert_int_equal(read_at(s, b1, 0, 1024, back, sizeof(back), &got), 0);
	assert_memory_equal(back, x, 1024);
	assert_int_equal(read_at(s, b3, 0, 1024, back, sizeof(back), &got), 0);
	assert_memory_equal(back, y, 1024);
	/* a new block reads as zeros */
	uint32_t b4 = alloc(s, 2048, false, NULL, &rv);
	assert_int_equal(read_at(s, b4, 1024, 1024, back, sizeof(back), &got), 0);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(back[i], 0);
}

static void persistence(void **state)
{
	unsigned rv;
	uint8_t data[2048], back[1024];
	size_t got;
	char err[256];
	(void)state;
	add_acme();
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "Contoso"), 0);
	const char *s = must_reg(0, UUID_A, "Vendor, Inc.", "Host ID");
	uint32_t b = alloc(s, 2048, true, "hostid", &rv);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i < 100 || i > 1900 ? i ^ 0x5a : 0); /* zero run in between */
	assert_int_equal(write_at(s, b, 0, data, 1024, NULL), 0);
	assert_int_equal(write_at(s, b, 1024, data + 1024, 1024, NULL), 0);
	assert_int_equal(ADMIN("RemoveStorageEaclEntry", "Handle", "2"), 0);
	assert_int_equal(ADMIN("AddStorageEaclEntry", "EnterpriseName", "Fabrikam"), 0);

	/* a fresh firmware from the saved file: a simulator restart */
	static struct sim_state st;
	sim_state_defaults(&st);
	assert_int_equal(sim_state_load(&st, T.path, err, sizeof(err)), 0);
	assert_int_equal(st.storage.app_count, 1);
	assert_int_equal(st.storage.block_count, 1);
	assert_string_equal(st.storage.eacl[0], "Acme");
	assert_string_equal(st.storage.eacl[1], "Fabrikam");
	assert_int_equal(wt_init(&T2, &st), 0);
	unsigned rv2 = wt_call(&T2, true, WT_3PDS, "RegisterApplication", "CallerUUID", UUID_A,
			       "VendorName", "Vendor, Inc.", "ApplicationName", "Host ID",
			       "EnterpriseName", "Acme", NULL);
	assert_int_equal(rv2, 0);
	char sh[32], bh[16], c[16], o[16];
	snprintf(sh, sizeof(sh), "%.31s", wt_text(&T2, "SessionHandle"));
	snprintf(bh, sizeof(bh), "%u", b);
	assert_int_equal(wt_call(&T2, true, WT_3PDS, "GetBlockAttributes", "SessionHandle", sh,
				 "BlockHandle", bh, NULL),
			 0);
	assert_string_equal(wt_text(&T2, "BlockName"), "hostid");
	assert_string_equal(wt_text(&T2, "BlockHidden"), "true");
	for (unsigned off = 0; off < 2048; off += 1024) {
		snprintf(o, sizeof(o), "%u", off);
		snprintf(c, sizeof(c), "%u", 1024);
		assert_int_equal(wt_call(&T2, true, WT_3PDS, "ReadBlock", "SessionHandle", sh,
					 "BlockHandle", bh, "ByteOffset", o, "ByteCount", c, NULL),
				 0);
		const char *d = wt_text(&T2, "Data");
		long n = sim_3pds_b64_decode(d, strlen(d), back, sizeof(back));
		assert_int_equal(n, 1024);
		assert_memory_equal(back, data + off, 1024);
	}
	/* handles are not reused after a restart either */
	assert_int_equal(wt_call(&T2, true, WT_3PDS, "AllocateBlock", "SessionHandle", sh,
				 "BytesRequested", "1024", "BlockHidden", "false", NULL),
			 0);
	assert_true(strtoul(wt_text(&T2, "BlockHandle"), NULL, 10) > b);
	wt_free(&T2);
	(void)got;
}

/* ---------------- the state file's storage sections ---------------- */

static int load_text(const char *text, char *err, size_t cap)
{
	static struct sim_state st;
	char path[] = "/tmp/wsman-ini.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	sim_state_defaults(&st);
	int rc = sim_state_load(&st, path, err, cap);
	unlink(path);
	return rc;
}

static void state_file_sections(void **state)
{
	char err[512];
	(void)state;
	assert_int_equal(load_text("[storage]\nmtu = 512\nenterprises = A, B ,,D\n"
				   "[storage.app.3]\nuuid = " UUID_A "\nvendor = V\n"
				   "application = A\nenterprise = A\nlocal = true\n"
				   "[storage.block.9]\nowner = 3\nname = n\nhidden = true\n"
				   "size = 1024\ndata = 0:AAEC\ndata = 1021:/w==\n",
				   err, sizeof(err)),
			 0);
	static const struct {
		const char *text, *why;
	} bad[] = {
		{"[storage]\nfoo = 1\n", "unknown key"},
		{"[storage]\nmtu = 0\n", "bad value"},
		{"[storage]\nenterprises = A,B,C,D,E\n", "bad value"},
		{"[storage]\nenterprises = A,A\n", "bad value"},
		{"[storage.thing.1]\nx = 1\n", "unknown section"},
		{"[storage.app.x]\nvendor = V\n", "unknown section"},
		{"[storage.app.1]\nvendor = V\n", "required"},
		{"[storage.app.1]\nuuid = 12\n", "bad value"},
		{"[storage.block.2]\nowner = 1\nsize = 1024\n", "owner 1"},
		{"[storage.block.2]\nowner = 1\ndata = 0:AAAA\nsize = 1024\n", "size must come before data"},
		{"[storage.app.1]\nuuid = " UUID_A "\nvendor = V\napplication = A\nenterprise = E\n"
		 "[storage.block.2]\nowner = 1\nsize = 1024\ndata = 1023:AAAA\n",
		 "bad value"},
		{"[storage.app.1]\nuuid = " UUID_A "\nvendor = V\napplication = A\nenterprise = E\n"
		 "[storage.block.1]\nowner = 1\nsize = 1024\n",
		 "also names an application"},
		{"[storage]\ntotal_bytes = 4096\nmax_app_bytes = 4096\n[storage.app.1]\nuuid = " UUID_A
		 "\nvendor = V\napplication = A\nenterprise = E\n"
		 "[storage.block.2]\nowner = 1\nsize = 8192\n",
		 "more than total_bytes"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load_text(bad[i].text, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: error \"%s\" does not say \"%s\"", bad[i].text, err, bad[i].why);
	}
}

static void state_file_round_trip(void **state)
{
	static struct sim_state a, b;
	char path[] = "/tmp/wsman-rt.XXXXXX", err[256];
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	sim_state_defaults(&a);
	snprintf(a.storage.eacl[1], sizeof(a.storage.eacl[1]), "Second");
	struct sim_3pds_app *app = sim_3pds_app_add(&a.storage);
	memcpy(app->uuid, "0123456789abcdef", 16);
	snprintf(app->vendor, sizeof(app->vendor), "V,1");
	snprintf(app->application, sizeof(app->application), "A");
	snprintf(app->enterprise, sizeof(app->enterprise), "Second");
	struct sim_3pds_block *blk = sim_3pds_block_add(&a.storage, app->handle, 4096);
	for (unsigned i = 0; i < 4096; i++)
		a.storage.pool[blk->offset + i] = (uint8_t)(i % 251);
	snprintf(a.admin_password, sizeof(a.admin_password), "S3cret!");
	a.digest_qop = SIM_QOP_AUTH_INT_AUTH;
	assert_int_equal(sim_state_save(&a, path), 0);
	sim_state_defaults(&b);
	assert_int_equal(sim_state_load(&b, path, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(b.storage.eacl[0], "");
	assert_string_equal(b.storage.eacl[1], "Second");
	assert_int_equal(b.storage.app_count, 1);
	assert_memory_equal(&b.storage.apps[0], app, sizeof(*app));
	assert_int_equal(b.storage.block_count, 1);
	assert_int_equal(b.storage.blocks[0].size, 4096);
	assert_memory_equal(b.storage.pool + b.storage.blocks[0].offset,
			    a.storage.pool + blk->offset, 4096);
	assert_int_equal(b.storage.next_handle, a.storage.next_handle);
	assert_string_equal(b.admin_password, "S3cret!");
	assert_int_equal(b.digest_qop, SIM_QOP_AUTH_INT_AUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(register_needs_enterprise, setup, teardown),
		cmocka_unit_test_setup_teardown(mtu_timeouts_global, setup, teardown),
		cmocka_unit_test_setup_teardown(eacl_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(allocate_and_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(write_read_chunks_and_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(visibility_and_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(locks_and_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_interfaces_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(dealloc_keeps_other_data, setup, teardown),
		cmocka_unit_test_setup_teardown(persistence, setup, teardown),
		cmocka_unit_test(state_file_sections),
		cmocka_unit_test(state_file_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
