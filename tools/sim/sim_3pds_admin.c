// SPDX-License-Identifier: Apache-2.0
/*
 * sim_3pds_admin.c - AMT_ThirdPartyDataStorageAdministrationService: the
 * enterprise access control list (EACL), the global storage attributes and
 * the administrator's view of registered applications (protocol-facts.md
 * 7.4). Return values: a bad enterprise name -> INVALID_NAME (12), a
 * duplicate -> DUPLICATE (0x80A), a fifth entry -> MAX_LIMIT_REACHED (23),
 * an unknown EACL handle -> INVALID_HANDLE (0x805), an entry registered
 * applications use -> STORAGE_ACL_ENTRY_IN_USE (0x808), an unknown
 * application -> APPLICATION_DOES_NOT_EXIST (10), partner (FPACL) methods
 * and a partner area -> UNSUPPORTED (0x812).
 * Must not: touch sessions or locks other than through sim_3pds_int.h.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "heci_error.h"
#include "sim_3pds_int.h"

#define ADMIN_URI \
	"http://intel.com/wbem/wscim/1/amt-schema/1/AMT_ThirdPartyDataStorageAdministrationService"
#define PT_STORAGE_ACL_ENTRY_IN_USE 0x808u
#define PT_DUPLICATE 0x80Au

static uint32_t get_global_attributes(struct sim_3pds_op *o)
{
	struct sim_wsman_inst *out = &o->c->out;
	sim_wsman_prop_u32(out, "TotalStorage", o->n->total_bytes);
	sim_wsman_prop_u32(out, "TotalAllocatedStorage", o->n->used);
	sim_wsman_prop_u32(out, "MaxPartnerStorage", 0);
	sim_wsman_prop_u32(out, "TotalPartnerAllocatedStorage", 0);
	sim_wsman_prop_u32(out, "MaxNonPartnerStorage", o->n->total_bytes);
	sim_wsman_prop_u32(out, "MaxFpaclEntries", 24);
	sim_wsman_prop_u32(out, "MaxAslEntries", SIM_3PDS_MAX_SESSIONS);
	sim_wsman_prop_u32(out, "MaxEaclEntries", SIM_3PDS_MAX_EACL);
	sim_wsman_prop_u32(out, "MaxGroupsPerBlock", 2);
	sim_wsman_prop_u32(out, "MaxMembersPerGroup", 8);
	sim_wsman_prop_u32(out, "MaxNonPartnerTotalAllocationSize", o->n->max_app_bytes);
	return 0;
}

static uint32_t set_global_attributes(struct sim_3pds_op *o)
{
	uint32_t v;
	if (sim_wsman_arg(o->c, "MaxPartnerStorage")) {
		if (sim_wsman_arg_u32(o->c, "MaxPartnerStorage", &v) != 0)
			return SIM_WSMAN_RV_FAULT;
		if (v != 0)
			return AMT_STATUS_UNSUPPORTED; /* no partner area in the simulator */
	}
	if (sim_wsman_arg(o->c, "MaxNonPartnerTotalAllocationSize")) {
		if (sim_wsman_arg_u32(o->c, "MaxNonPartnerTotalAllocationSize", &v) != 0)
			return SIM_WSMAN_RV_FAULT;
		if (v % 4096 != 0 || v > o->n->total_bytes)
			return AMT_STATUS_INVALID_PARAMETER;
		o->n->max_app_bytes = v;
		sim_3pds_save(o);
	}
	return 0;
}

static uint32_t admin_get_registered(struct sim_3pds_op *o)
{
	for (unsigned i = 0; i < o->n->app_count; i++)
		sim_wsman_prop_u32(&o->c->out, "ApplicationHandles", o->n->apps[i].handle);
	return 0;
}

static uint32_t admin_app_handle(struct sim_3pds_op *o, struct sim_3pds_app **out)
{
	uint32_t h;
	if (sim_wsman_arg_u32(o->c, "Handle", &h) != 0)
		return SIM_WSMAN_RV_FAULT;
	*out = sim_3pds_app_find(o->n, h);
	return *out ? 0 : AMT_STATUS_APPLICATION_DOES_NOT_EXIST;
}

static uint32_t admin_get_attributes(struct sim_3pds_op *o)
{
	struct sim_3pds_app *a;
	char uuid64[32];
	uint32_t rv = admin_app_handle(o, &a);
	if (rv != 0)
		return rv;
	bool active = false;
	for (int i = 0; i < SIM_3PDS_MAX_SESSIONS; i++)
		if (o->rt->sessions[i].handle[0] && o->rt->sessions[i].app == a->handle)
			active = true;
	EVP_EncodeBlock((unsigned char *)uuid64, a->uuid, 16);
	struct sim_wsman_inst *out = &o->c->out;
	sim_wsman_prop_u32(out, "AttrType", 1);
	sim_wsman_prop(out, "UUID", uuid64);
	sim_wsman_prop(out, "VendorName", a->vendor);
	sim_wsman_prop(out, "ApplicationName", a->application);
	sim_wsman_prop(out, "EnterpriseName", a->enterprise);
	sim_wsman_prop_u32(out, "CurrentAllocationSize", sim_3pds_app_bytes(o->n, a->handle));
	sim_wsman_prop_bool(out, "ActiveSession", active);
	sim_wsman_prop_bool(out, "Partner", false);
	return 0;
}

static uint32_t admin_remove(struct sim_3pds_op *o)
{
	struct sim_3pds_app *a;
	uint32_t rv = admin_app_handle(o, &a);
	if (rv == 0)
		sim_3pds_remove_app(o, a->handle);
	return rv;
}

static uint32_t eacl_add(struct sim_3pds_op *o)
{
	const char *name = sim_wsman_arg_str(o->c, "EnterpriseName");
	if (!name)
		return SIM_WSMAN_RV_FAULT;
	if (!sim_3pds_reg_name_ok(name, false))
		return AMT_STATUS_INVALID_NAME;
	if (sim_3pds_eacl_find(o->n, name) >= 0)
		return PT_DUPLICATE;
	for (int i = 0; i < SIM_3PDS_MAX_EACL; i++) {
		if (o->n->eacl[i][0])
			continue;
		snprintf(o->n->eacl[i], sizeof(o->n->eacl[i]), "%s", name);
		sim_3pds_save(o);
		sim_wsman_prop_u32(&o->c->out, "Handle", (uint32_t)i + 1);
		return 0;
	}
	return AMT_STATUS_MAX_LIMIT_REACHED;
}

static uint32_t eacl_enumerate(struct sim_3pds_op *o)
{
	for (int i = 0; i < SIM_3PDS_MAX_EACL; i++)
		if (o->n->eacl[i][0])
			sim_wsman_prop_u32(&o->c->out, "Handles", (uint32_t)i + 1);
	return 0;
}

/* EACL slot of the Handle parameter, or an error code */
static uint32_t eacl_slot(struct sim_3pds_op *o, int *slot)
{
	uint32_t h;
	if (sim_wsman_arg_u32(o->c, "Handle", &h) != 0)
		return SIM_WSMAN_RV_FAULT;
	if (h < 1 || h > SIM_3PDS_MAX_EACL || !o->n->eacl[h - 1][0])
		return AMT_STATUS_INVALID_HANDLE;
	*slot = (int)h - 1;
	return 0;
}

static uint32_t eacl_get(struct sim_3pds_op *o)
{
	int slot;
	uint32_t rv = eacl_slot(o, &slot);
	if (rv == 0)
		sim_wsman_prop(&o->c->out, "EnterpriseName", o->n->eacl[slot]);
	return rv;
}

static uint32_t eacl_remove(struct sim_3pds_op *o)
{
	int slot;
	uint32_t rv = eacl_slot(o, &slot);
	if (rv != 0)
		return rv;
	for (unsigned i = 0; i < o->n->app_count; i++)
		if (strcmp(o->n->apps[i].enterprise, o->n->eacl[slot]) == 0)
			return PT_STORAGE_ACL_ENTRY_IN_USE;
	o->n->eacl[slot][0] = '\0';
	sim_3pds_save(o);
	return 0;
}

static const struct sim_3pds_method admin_methods[] = {
	{"GetGlobalStorageAttributes", false, get_global_attributes},
	{"SetGlobalStorageAttributes", false, set_global_attributes},
	{"AdminGetRegisteredApplications", false, admin_get_registered},
	{"AdminGetApplicationAttributes", false, admin_get_attributes},
	{"AdminRemoveApplication", false, admin_remove},
	{"AddStorageEaclEntry", false, eacl_add},
	{"EnumerateStorageEaclEntries", false, eacl_enumerate},
	{"GetStorageEaclEntry", false, eacl_get},
	{"RemoveStorageEaclEntry", false, eacl_remove},
	{"AddStorageFpaclEntry", false, sim_3pds_unsupported},
	{"GetStorageAllocEntry", false, sim_3pds_unsupported},
	{"EnumerateStorageAllocEntries", false, sim_3pds_unsupported},
	{"UpdateStorageFpaclEntry", false, sim_3pds_unsupported},
	{"RemoveStorageFpaclEntry", false, sim_3pds_unsupported},
	{NULL, false, NULL},
};

static uint32_t admin_invoke(struct sim_wsman_call *c)
{
	return sim_3pds_invoke(c, admin_methods);
}

static void admin_instance(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	(void)st;
	(void)i;
	sim_3pds_service_props(o, "AMT_ThirdPartyDataStorageAdministrationService",
			       "Intel(r) AMT Third Party Data Storage Administration Service");
}

const struct sim_wsman_class sim_3pds_admin_class = {
	.name = "AMT_ThirdPartyDataStorageAdministrationService",
	.uri = ADMIN_URI,
	.present = sim_3pds_present,
	.count = sim_3pds_one,
	.instance = admin_instance,
	.invoke = admin_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
