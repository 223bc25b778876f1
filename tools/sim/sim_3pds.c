// SPDX-License-Identifier: Apache-2.0
/*
 * sim_3pds.c - AMT Third Party Data Storage over WS-Man (protocol-facts.md
 * 7.4): AMT_ThirdPartyDataStorageService, present on AMT major versions
 * below 12 only.
 *
 * Owns: the runtime half of 3PDS (sessions, block locks, their idle
 * timeouts) and the method semantics; every change to the NVM half
 * (fw->st.storage: EACL, applications, blocks) is saved at once with
 * sim_state_persist() under the ME lock the SOAP core holds.
 * The administration service (EACL, global attributes, admin views of
 * applications) is in sim_3pds_admin.c; both share sim_3pds_int.h.
 * Must not: parse XML or know HTTP; it sees parameters by name only.
 *
 * Return values are PT_STATUS codes. Where the SDK pages do not say which
 * code a case gets, the choice is the closest name in the PT_STATUS list:
 *   RegisterApplication: bad UUID, a name empty / over 64 / not storable, or
 *     an enterprise not in the EACL -> INVALID_REGISTRATION_DATA (9); the
 *     same identity registered from the other interface -> NOT_PERMITTED (16)
 *       while that interface holds a session (or always, with
 *       [sim] tpds_permanent_interface_lock = true: the SDK reads both ways);
 *     16 sessions or 32 applications -> MAX_LIMIT_REACHED (23)
 *   unknown SessionHandle (or expired) -> APPLICATION_NOT_REGISTERED (8)
 *   an application handle that is not there (or of another vendor, for
 *     GetApplicationAttributes) -> APPLICATION_DOES_NOT_EXIST (10)
 *   AllocateBlock: 0 or not a multiple of the MTU -> INVALID_BYTE_COUNT (15),
 *     over quota or total -> NOT_ENOUGH_STORAGE (11), name -> INVALID_NAME (12)
 *   unknown block, or another application's hidden block -> BLOCK_DOES_NOT_EXIST (13)
 *   another application's visible block: attributes are readable, every
 *     other operation -> NOT_OWNER (17) (permission groups are not modelled)
 *   locked by another session -> BLOCK_LOCKED_BY_OTHER (18); unlocking an
 *     unlocked block -> BLOCK_NOT_LOCKED (19)
 *   Read/WriteBlock: offset at or past the end -> INVALID_BYTE_OFFSET (14);
 *     count 0, over the MTU or past the end -> INVALID_BYTE_COUNT (15);
 *     WriteBlock past the end writes what fits and says so in BytesWritten
 *   EACL: bad name -> INVALID_NAME (12), duplicate -> DUPLICATE (0x80A),
 *     fifth entry -> MAX_LIMIT_REACHED (23), unknown handle -> INVALID_HANDLE
 *     (0x805), in use -> STORAGE_ACL_ENTRY_IN_USE (0x808)
 *   permission groups, FPACL (partner) methods -> UNSUPPORTED (0x812)
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heci_error.h"
#include "sim_3pds_int.h"
#include "sim_wsman_int.h"

#define SVC_URI "http://intel.com/wbem/wscim/1/amt-schema/1/AMT_ThirdPartyDataStorageService"


bool sim_3pds_present(const struct sim_state *st)
{
	return atoi(st->version) < 12;
}

struct sim_3pds_rt *sim_3pds_rt_new(void)
{
	return calloc(1, sizeof(struct sim_3pds_rt));
}

void sim_3pds_rt_free(struct sim_3pds_rt *rt)
{
	free(rt);
}

void sim_3pds_save(struct sim_3pds_op *o)
{
	/* logs a failure; the NVM in memory stays changed */
	sim_state_persist(&o->c->fw->st, o->c->fw->state_path);
}

/* ---------------- sessions and locks ---------------- */

static void end_session(struct sim_3pds_rt *rt, int idx)
{
	for (int i = 0; i < SIM_3PDS_MAX_BLOCKS; i++)
		if (rt->locks[i].block && rt->locks[i].session == idx)
			rt->locks[i].block = 0;
	rt->sessions[idx].handle[0] = '\0';
}

/* Idle sessions and locks end; so do those whose application or block went
 * away (RemoveApplication, a reloaded state file). Idle time runs
 * [sim] time_scale times faster, like the firmware's other timers. */
static void sweep(struct sim_3pds_op *o)
{
	struct sim_3pds_rt *rt = o->rt;
	const struct sim_3pds_nvm *n = o->n;
	int64_t now = o->c->now_ms;
	int64_t scale = o->c->fw->st.time_scale ? o->c->fw->st.time_scale : 1;
	for (int i = 0; i < SIM_3PDS_MAX_SESSIONS; i++) {
		struct sim_3pds_session *s = &rt->sessions[i];
		if (s->handle[0] &&
		    ((now - s->last_ms) * scale > (int64_t)n->registration_timeout * 1000 ||
		     !sim_3pds_app_find(o->n, s->app)))
			end_session(rt, i);
	}
	for (int i = 0; i < SIM_3PDS_MAX_BLOCKS; i++) {
		struct sim_3pds_lock *l = &rt->locks[i];
		if (l->block && ((now - l->last_ms) * scale > (int64_t)n->lock_timeout * 1000 ||
				 !sim_3pds_block_find(o->n, l->block)))
			l->block = 0;
	}
}

static void end_app_sessions(struct sim_3pds_rt *rt, uint32_t app)
{
	for (int i = 0; i < SIM_3PDS_MAX_SESSIONS; i++)
		if (rt->sessions[i].handle[0] && rt->sessions[i].app == app)
			end_session(rt, i);
}

static struct sim_3pds_lock *lock_of(struct sim_3pds_rt *rt, uint32_t block)
{
	for (int i = 0; i < SIM_3PDS_MAX_BLOCKS; i++)
		if (rt->locks[i].block == block)
			return &rt->locks[i];
	return NULL;
}

/* 0 when the caller's session may touch the block now (refreshing its own
 * lock), BLOCK_LOCKED_BY_OTHER otherwise. */
static uint32_t lock_check(struct sim_3pds_op *o, uint32_t block)
{
	struct sim_3pds_lock *l = lock_of(o->rt, block);
	if (!l)
		return 0;
	if (l->session != o->session)
		return AMT_STATUS_BLOCK_LOCKED_BY_OTHER;
	l->last_ms = o->c->now_ms;
	return 0;
}

/* The block, if the caller may see it (owner_only: and act on it). */
static uint32_t block_access(struct sim_3pds_op *o, bool owner_only,
			     struct sim_3pds_block **out)
{
	uint32_t h;
	if (sim_wsman_arg_u32(o->c, "BlockHandle", &h) != 0)
		return SIM_WSMAN_RV_FAULT;
	struct sim_3pds_block *b = sim_3pds_block_find(o->n, h);
	if (!b)
		return AMT_STATUS_BLOCK_DOES_NOT_EXIST;
	if (b->owner != o->app->handle) {
		if (b->hidden)
			return AMT_STATUS_BLOCK_DOES_NOT_EXIST;
		if (owner_only)
			return AMT_STATUS_NOT_OWNER;
	}
	*out = b;
	return 0;
}

static uint32_t bytes_available(const struct sim_3pds_nvm *n, uint32_t app)
{
	uint32_t mine = sim_3pds_app_bytes(n, app);
	uint32_t quota = n->max_app_bytes > mine ? n->max_app_bytes - mine : 0;
	uint32_t free_total = n->total_bytes > n->used ? n->total_bytes - n->used : 0;
	return quota < free_total ? quota : free_total;
}

/* ---------------- service methods without a session ---------------- */

static uint32_t get_mtu(struct sim_3pds_op *o)
{
	sim_wsman_prop_u32(&o->c->out, "Mtu", o->n->mtu);
	return 0;
}

static uint32_t get_timeouts(struct sim_3pds_op *o)
{
	sim_wsman_prop_u32(&o->c->out, "RegistrationTimeout", o->n->registration_timeout);
	sim_wsman_prop_u32(&o->c->out, "LockTimeout", o->n->lock_timeout);
	return 0;
}

static uint32_t get_write_erase_limit(struct sim_3pds_op *o)
{
	sim_wsman_prop_u32(&o->c->out, "WriteEraseLimit", 100000);
	return 0;
}

bool sim_3pds_reg_name_ok(const char *s, bool allow_comma)
{
	return s[0] && sim_3pds_name_ok(s, SIM_3PDS_NAME_MAX, allow_comma);
}

static int parse_uuid(const char *s, uint8_t out[16])
{
	if (strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		unsigned v;
		char two[3] = {s[2 * i], s[2 * i + 1], 0};
		if (!strchr("0123456789abcdefABCDEF", two[0]) ||
		    !strchr("0123456789abcdefABCDEF", two[1]) || sscanf(two, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static uint32_t register_application(struct sim_3pds_op *o)
{
	struct sim_wsman_call *c = o->c;
	const char *uuid_s = sim_wsman_arg_str(c, "CallerUUID");
	const char *vendor = sim_wsman_arg_str(c, "VendorName");
	const char *appname = sim_wsman_arg_str(c, "ApplicationName");
	const char *ent = sim_wsman_arg_str(c, "EnterpriseName");
	uint8_t uuid[16];
	unsigned char rnd[8];
	int slot = -1;

	if (!uuid_s || !vendor || !appname || !ent)
		return SIM_WSMAN_RV_FAULT;
	if (parse_uuid(uuid_s, uuid) != 0 || !sim_3pds_reg_name_ok(vendor, true) ||
	    !sim_3pds_reg_name_ok(appname, true) || !sim_3pds_reg_name_ok(ent, false) ||
	    sim_3pds_eacl_find(o->n, ent) < 0)
		return AMT_STATUS_INVALID_REGISTRATION_DATA;
	for (int i = 0; i < SIM_3PDS_MAX_SESSIONS && slot < 0; i++)
		if (!o->rt->sessions[i].handle[0])
			slot = i;
	if (slot < 0)
		return AMT_STATUS_MAX_LIMIT_REACHED;

	struct sim_3pds_app *a = NULL;
	for (unsigned i = 0; i < o->n->app_count && !a; i++) {
		struct sim_3pds_app *x = &o->n->apps[i];
		if (!memcmp(x->uuid, uuid, 16) && !strcmp(x->vendor, vendor) &&
		    !strcmp(x->application, appname) && !strcmp(x->enterprise, ent))
			a = x;
	}
	/* "Identical registration from the other interface is rejected once
	 * registered" (SDK) reads two ways: while the other interface holds a
	 * session (default), or for ever ([sim] tpds_permanent_interface_lock). */
	if (a && a->local != c->local) {
		if (c->fw->st.tpds_permanent_interface_lock)
			return AMT_STATUS_NOT_PERMITTED;
		for (int i = 0; i < SIM_3PDS_MAX_SESSIONS; i++)
			if (o->rt->sessions[i].handle[0] && o->rt->sessions[i].app == a->handle &&
			    o->rt->sessions[i].local != c->local)
				return AMT_STATUS_NOT_PERMITTED;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return AMT_STATUS_INTERNAL_ERROR;
	if (!a) {
		a = sim_3pds_app_add(o->n);
		if (!a)
			return AMT_STATUS_MAX_LIMIT_REACHED;
		memcpy(a->uuid, uuid, 16);
		snprintf(a->vendor, sizeof(a->vendor), "%s", vendor);
		snprintf(a->application, sizeof(a->application), "%s", appname);
		snprintf(a->enterprise, sizeof(a->enterprise), "%s", ent);
		a->local = c->local;
		sim_3pds_save(o);
	}
	struct sim_3pds_session *s = &o->rt->sessions[slot];
	for (int i = 0; i < 8; i++)
		snprintf(s->handle + 2 * i, 3, "%02X", rnd[i]);
	s->app = a->handle;
	s->last_ms = c->now_ms;
	s->local = c->local;
	sim_wsman_prop(&c->out, "SessionHandle", s->handle);
	return 0;
}

/* ---------------- service methods with a session ---------------- */

static uint32_t unregister_application(struct sim_3pds_op *o)
{
	end_session(o->rt, o->session);
	return 0;
}

static uint32_t get_current_handle(struct sim_3pds_op *o)
{
	sim_wsman_prop_u32(&o->c->out, "ApplicationHandle", o->app->handle);
	return 0;
}

static uint32_t get_registered_applications(struct sim_3pds_op *o)
{
	for (unsigned i = 0; i < o->n->app_count; i++)
		if (strcmp(o->n->apps[i].vendor, o->app->vendor) == 0)
			sim_wsman_prop_u32(&o->c->out, "AppHandles", o->n->apps[i].handle);
	return 0;
}

static uint32_t get_application_attributes(struct sim_3pds_op *o)
{
	uint32_t h;
	if (sim_wsman_arg_u32(o->c, "ApplicationBeingRequested", &h) != 0)
		return SIM_WSMAN_RV_FAULT;
	const struct sim_3pds_app *a = sim_3pds_app_find(o->n, h);
	if (!a || strcmp(a->vendor, o->app->vendor) != 0)
		return AMT_STATUS_APPLICATION_DOES_NOT_EXIST;
	sim_wsman_prop(&o->c->out, "VendorName", a->vendor);
	sim_wsman_prop(&o->c->out, "ApplicationName", a->application);
	return 0;
}

void sim_3pds_remove_app(struct sim_3pds_op *o, uint32_t app)
{
	end_app_sessions(o->rt, app);
	sim_3pds_app_remove(o->n, app);
	sweep(o); /* locks on its blocks */
	sim_3pds_save(o);
}

static uint32_t remove_application(struct sim_3pds_op *o)
{
	sim_3pds_remove_app(o, o->app->handle);
	return 0;
}

static uint32_t get_bytes_available(struct sim_3pds_op *o)
{
	sim_wsman_prop_u32(&o->c->out, "BytesAvailable", bytes_available(o->n, o->app->handle));
	return 0;
}

static uint32_t allocate_block(struct sim_3pds_op *o)
{
	uint32_t bytes;
	bool hidden;
	const char *name = sim_wsman_arg(o->c, "BlockName");
	if (sim_wsman_arg_u32(o->c, "BytesRequested", &bytes) != 0 ||
	    sim_wsman_arg_bool(o->c, "BlockHidden", &hidden) != 0)
		return SIM_WSMAN_RV_FAULT;
	if (bytes == 0 || bytes % o->n->mtu != 0)
		return AMT_STATUS_INVALID_BYTE_COUNT;
	if (name && !sim_3pds_name_ok(name, SIM_3PDS_BLOCK_NAME_MAX, true))
		return AMT_STATUS_INVALID_NAME;
	if (bytes > bytes_available(o->n, o->app->handle))
		return AMT_STATUS_NOT_ENOUGH_STORAGE;
	struct sim_3pds_block *b = sim_3pds_block_add(o->n, o->app->handle, bytes);
	if (!b)
		return AMT_STATUS_MAX_LIMIT_REACHED;
	b->hidden = hidden;
	snprintf(b->name, sizeof(b->name), "%s", name ? name : "");
	sim_3pds_save(o);
	sim_wsman_prop_u32(&o->c->out, "BlockHandle", b->handle);
	return 0;
}

static uint32_t deallocate_block(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t rv = block_access(o, true, &b);
	if (rv == 0)
		rv = lock_check(o, b->handle);
	if (rv != 0)
		return rv;
	struct sim_3pds_lock *l = lock_of(o->rt, b->handle);
	if (l)
		l->block = 0;
	sim_3pds_block_remove(o->n, b->handle);
	sim_3pds_save(o);
	return 0;
}

static uint32_t get_allocated_blocks(struct sim_3pds_op *o)
{
	uint32_t owner;
	if (sim_wsman_arg_u32(o->c, "BlockOwnerApplication", &owner) != 0)
		return SIM_WSMAN_RV_FAULT;
	if (!sim_3pds_app_find(o->n, owner))
		return AMT_STATUS_APPLICATION_DOES_NOT_EXIST;
	for (unsigned i = 0; i < o->n->block_count; i++) {
		const struct sim_3pds_block *b = &o->n->blocks[i];
		if (b->owner == owner && (!b->hidden || owner == o->app->handle))
			sim_wsman_prop_u32(&o->c->out, "BlockHandles", b->handle);
	}
	return 0;
}

static uint32_t get_block_attributes(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t rv = block_access(o, false, &b);
	if (rv != 0)
		return rv;
	sim_wsman_prop_u32(&o->c->out, "BlockSize", b->size);
	sim_wsman_prop_bool(&o->c->out, "BlockHidden", b->hidden);
	sim_wsman_prop(&o->c->out, "BlockName", b->name);
	return 0;
}

static uint32_t set_block_name(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	const char *name = sim_wsman_arg_str(o->c, "BlockName");
	if (!name)
		return SIM_WSMAN_RV_FAULT;
	uint32_t rv = block_access(o, true, &b);
	if (rv != 0)
		return rv;
	if (!sim_3pds_name_ok(name, SIM_3PDS_BLOCK_NAME_MAX, true))
		return AMT_STATUS_INVALID_NAME;
	snprintf(b->name, sizeof(b->name), "%s", name);
	sim_3pds_save(o);
	return 0;
}

static uint32_t set_block_visibility(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	bool hidden;
	if (sim_wsman_arg_bool(o->c, "BlockHidden", &hidden) != 0)
		return SIM_WSMAN_RV_FAULT;
	uint32_t rv = block_access(o, true, &b);
	if (rv != 0)
		return rv;
	b->hidden = hidden;
	sim_3pds_save(o);
	return 0;
}

static uint32_t lock_block(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t rv = block_access(o, true, &b);
	if (rv == 0)
		rv = lock_check(o, b->handle);
	if (rv != 0 || lock_of(o->rt, b->handle))
		return rv; /* error, or already ours (refreshed) */
	struct sim_3pds_lock *l = lock_of(o->rt, 0);
	if (!l)
		return AMT_STATUS_MAX_LIMIT_REACHED;
	l->block = b->handle;
	l->session = o->session;
	l->last_ms = o->c->now_ms;
	return 0;
}

static uint32_t unlock_block(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t rv = block_access(o, true, &b);
	if (rv != 0)
		return rv;
	struct sim_3pds_lock *l = lock_of(o->rt, b->handle);
	if (!l)
		return AMT_STATUS_BLOCK_NOT_LOCKED;
	if (l->session != o->session)
		return AMT_STATUS_BLOCK_LOCKED_BY_OTHER;
	l->block = 0;
	return 0;
}

static uint32_t read_block(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t off, count;
	if (sim_wsman_arg_u32(o->c, "ByteOffset", &off) != 0 ||
	    sim_wsman_arg_u32(o->c, "ByteCount", &count) != 0)
		return SIM_WSMAN_RV_FAULT;
	uint32_t rv = block_access(o, true, &b);
	if (rv == 0)
		rv = lock_check(o, b->handle);
	if (rv != 0)
		return rv;
	if (off >= b->size)
		return AMT_STATUS_INVALID_BYTE_OFFSET;
	if (count == 0 || count > o->n->mtu || count > b->size - off)
		return AMT_STATUS_INVALID_BYTE_COUNT;
	char *b64 = malloc(4 * ((count + 2) / 3) + 1);
	if (!b64)
		return AMT_STATUS_INTERNAL_ERROR;
	EVP_EncodeBlock((unsigned char *)b64, o->n->pool + b->offset + off, (int)count);
	sim_wsman_prop(&o->c->out, "Data", b64);
	free(b64);
	return 0;
}

static uint32_t write_block(struct sim_3pds_op *o)
{
	struct sim_3pds_block *b = NULL;
	uint32_t off, written = 0, rv;
	const char *data = sim_wsman_arg_str(o->c, "Data");
	if (sim_wsman_arg_u32(o->c, "ByteOffset", &off) != 0 || !data)
		return SIM_WSMAN_RV_FAULT;
	size_t cap = strlen(data) / 4 * 3 + 3;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return AMT_STATUS_INTERNAL_ERROR;
	long len = sim_3pds_b64_decode(data, strlen(data), buf, cap);
	if (len < 0) {
		free(buf);
		snprintf(o->c->fault, sizeof(o->c->fault), "The parameter Data is not base64.");
		return SIM_WSMAN_RV_FAULT;
	}
	rv = block_access(o, true, &b);
	if (rv == 0)
		rv = lock_check(o, b->handle);
	if (rv != 0)
		goto out;
	if (off >= b->size) {
		rv = AMT_STATUS_INVALID_BYTE_OFFSET;
		goto out;
	}
	if (len == 0 || (unsigned long)len > o->n->mtu) {
		rv = AMT_STATUS_INVALID_BYTE_COUNT;
		goto out;
	}
	/* past the end: AMT stores what fits and reports the count */
	written = (uint32_t)len < b->size - off ? (uint32_t)len : b->size - off;
	memcpy(o->n->pool + b->offset + off, buf, written);
	sim_3pds_save(o);
	rv = written < (uint32_t)len ? AMT_STATUS_INVALID_BYTE_COUNT : 0;
out:
	free(buf);
	sim_wsman_prop_u32(&o->c->out, "BytesWritten", written);
	return rv;
}

uint32_t sim_3pds_unsupported(struct sim_3pds_op *o)
{
	(void)o;
	return AMT_STATUS_UNSUPPORTED;
}

/* ---------------- dispatch ---------------- */


static const struct sim_3pds_method service_methods[] = {
	{"GetMTU", false, get_mtu},
	{"GetTimeoutValues", false, get_timeouts},
	{"GetWriteEraseLimit", false, get_write_erase_limit},
	{"RegisterApplication", false, register_application},
	{"UnregisterApplication", true, unregister_application},
	{"GetCurrentApplicationHandle", true, get_current_handle},
	{"GetRegisteredApplications", true, get_registered_applications},
	{"GetApplicationAttributes", true, get_application_attributes},
	{"RemoveApplication", true, remove_application},
	{"GetBytesAvailable", true, get_bytes_available},
	{"AllocateBlock", true, allocate_block},
	{"DeallocateBlock", true, deallocate_block},
	{"GetAllocatedBlocks", true, get_allocated_blocks},
	{"GetBlockAttributes", true, get_block_attributes},
	{"SetBlockName", true, set_block_name},
	{"SetBlockVisibility", true, set_block_visibility},
	{"LockBlock", true, lock_block},
	{"UnlockBlock", true, unlock_block},
	{"ReadBlock", true, read_block},
	{"WriteBlock", true, write_block},
	{"AddPermissionsGroup", true, sim_3pds_unsupported},
	{"RemovePermissionsGroup", true, sim_3pds_unsupported},
	{"AddPermissionsGroupMembers", true, sim_3pds_unsupported},
	{"RemovePermissionsGroupMembers", true, sim_3pds_unsupported},
	{"GetPermissionsGroups", true, sim_3pds_unsupported},
	{"GetPermissionsGroupAttributes", true, sim_3pds_unsupported},
	{"GetPermissionsGroupMembers", true, sim_3pds_unsupported},
	{"SetPermissionsGroupName", true, sim_3pds_unsupported},
	{"SetPermissionsGroupPermissions", true, sim_3pds_unsupported},
	{NULL, false, NULL},
};


uint32_t sim_3pds_invoke(struct sim_wsman_call *c, const struct sim_3pds_method *table)
{
	struct sim_3pds_op o = {c, c->pds, &c->fw->st.storage, -1, NULL};
	const struct sim_3pds_method *m = table;
	while (m->name && strcmp(m->name, c->method) != 0)
		m++;
	if (!m->name)
		return SIM_WSMAN_RV_NO_METHOD;
	sweep(&o);
	if (m->session) {
		const char *h = sim_wsman_arg_str(c, "SessionHandle");
		if (!h)
			return SIM_WSMAN_RV_FAULT;
		for (int i = 0; i < SIM_3PDS_MAX_SESSIONS && o.session < 0; i++)
			if (o.rt->sessions[i].handle[0] && !strcasecmp(o.rt->sessions[i].handle, h))
				o.session = i;
		if (o.session < 0)
			return AMT_STATUS_APPLICATION_NOT_REGISTERED;
		o.app = sim_3pds_app_find(o.n, o.rt->sessions[o.session].app);
		o.rt->sessions[o.session].last_ms = c->now_ms; /* activity */
	}
	return m->fn(&o);
}

static uint32_t service_invoke(struct sim_wsman_call *c)
{
	return sim_3pds_invoke(c, service_methods);
}


unsigned sim_3pds_one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

void sim_3pds_service_props(struct sim_wsman_inst *o, const char *ccn, const char *name)
{
	sim_wsman_prop(o, "CreationClassName", ccn);
	sim_wsman_prop(o, "ElementName", name);
	sim_wsman_prop_u32(o, "EnabledState", 5);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

static void service_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	sim_3pds_service_props(o, "AMT_ThirdPartyDataStorageService",
			       "Intel(r) AMT Third Party Data Storage Service");
}

const struct sim_wsman_class sim_3pds_service_class = {
	.name = "AMT_ThirdPartyDataStorageService",
	.uri = SVC_URI,
	.present = sim_3pds_present,
	.count = sim_3pds_one,
	.instance = service_instance,
	.invoke = service_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};

