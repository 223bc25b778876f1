// SPDX-License-Identifier: Apache-2.0
/*
 * sim_wsman_setup.c - what a console or activation service reads on first
 * contact besides the general classes: IPS_HostBasedSetupService (the
 * control mode and what activation may do), AMT_TimeSynchronizationService
 * (GetLowAccuracyTimeSynch, SetHighAccuracyTimeSynch) and AMT_AuthorizationService
 * (the admin account and the ACL's users and realms). AMT_RedirectionService
 * and IPS_OptInService are the remote-repair family's (sim_wsman_redir.c).
 *
 * Owns: these classes' view of the state ([provisioning], [amt]
 * clock_offset_s, [user.N]) and the time
 * synchronisation rule: AMT's clock is the host clock plus clock_offset_s;
 * SetHighAccuracyTimeSynch must quote the Ta0 the last
 * GetLowAccuracyTimeSynch gave and sets AMT's clock to Tm2
 * (INVALID_PARAMETER, 36, otherwise, and when Tm1 > Tm2). Shapes and
 * values follow the go-wsman-messages fixtures (ips/hostbasedsetup/,
 * amt/timesynchronization/, amt/authorization/).
 * Not simulated (ActionNotSupported): host-based activation
 * (Setup/AdminSetup/UpgradeClientToAdmin), ACL changes. The ConfigurationNonce is fixed per device (SHA-1
 * of the UUID), since nothing here consumes it.
 * Must not: know SOAP framing beyond the sim_wsman_inst helpers.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "heci_error.h"
#include "sim_wsman_int.h"

#define AMT SIM_WSMAN_AMT
#define IPS SIM_WSMAN_IPS
#define ACL_PAGE 50 /* handles per EnumerateUserAclEntries answer */

static unsigned one(const struct sim_state *st)
{
	(void)st;
	return 1;
}

/* CreationClassName, ElementName, [extra], Name, ..., System*: the
 * properties every "Intel(r) AMT" service shares, in AMT's order. */
static void named(struct sim_wsman_inst *o, const char *ccn, const char *name)
{
	sim_wsman_prop(o, "CreationClassName", ccn);
	sim_wsman_prop(o, "ElementName", name);
}

static void scoped(struct sim_wsman_inst *o)
{
	sim_wsman_prop(o, "SystemCreationClassName", "CIM_ComputerSystem");
	sim_wsman_prop(o, "SystemName", "Intel(r) AMT");
}

/* ---- IPS_HostBasedSetupService ---- */

static void host_setup(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const char name[] = "Intel(r) AMT Host Based Setup Service";
	unsigned char digest[SHA_DIGEST_LENGTH];
	char nonce[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
	(void)i;
	SHA1(st->uuid, sizeof(st->uuid), digest);
	EVP_EncodeBlock((unsigned char *)nonce, digest, SHA_DIGEST_LENGTH);
	sim_wsman_prop_u32(o, "AllowedControlModes", 2); /* admin */
	sim_wsman_prop_u32(o, "AllowedControlModes", 1); /* client */
	sim_wsman_prop_u32(o, "CertChainStatus", 0);
	sim_wsman_prop(o, "ConfigurationNonce", nonce);
	sim_wsman_prop(o, "CreationClassName", "IPS_HostBasedSetupService");
	/* 0 not provisioned, 1 client, 2 admin: the AMTHI numbering of [provisioning] control_mode */
	sim_wsman_prop_u32(o, "CurrentControlMode", st->control_mode);
	sim_wsman_prop(o, "ElementName", name);
	sim_wsman_prop(o, "Name", name);
	scoped(o);
}

/* ---- AMT_TimeSynchronizationService ---- */

static int64_t amt_time(const struct sim_state *st)
{
	return (int64_t)time(NULL) + st->clock_offset_s;
}

static void time_sync(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const char name[] = "Intel(r) AMT Time Synchronization Service";
	(void)st;
	(void)i;
	named(o, "AMT_TimeSynchronizationService", name);
	sim_wsman_prop_u32(o, "EnabledState", 5);
	sim_wsman_prop_u32(o, "LocalTimeSyncEnabled", 0);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	scoped(o);
	sim_wsman_prop_u32(o, "TimeSource", 0);
}

static uint32_t time_invoke(struct sim_wsman_call *c)
{
	struct sim_state *st = &c->fw->st;
	if (!strcmp(c->method, "GetLowAccuracyTimeSynch")) {
		int64_t ta0 = amt_time(st);
		c->rt->ta0 = ta0;
		c->rt->ta0_given = true;
		sim_wsman_prop_u32(&c->out, "Ta0", (uint32_t)ta0);
		return AMT_STATUS_SUCCESS;
	}
	if (strcmp(c->method, "SetHighAccuracyTimeSynch") != 0)
		return SIM_WSMAN_RV_NO_METHOD;
	uint32_t ta0, tm1, tm2;
	if (sim_wsman_arg_u32(c, "Ta0", &ta0) || sim_wsman_arg_u32(c, "Tm1", &tm1) ||
	    sim_wsman_arg_u32(c, "Tm2", &tm2))
		return SIM_WSMAN_RV_FAULT;
	if (!c->rt->ta0_given || ta0 != (uint32_t)c->rt->ta0 || tm1 > tm2)
		return AMT_STATUS_INVALID_PARAMETER;
	c->rt->ta0_given = false; /* one Set per Get */
	int64_t offset = (int64_t)tm2 - (int64_t)time(NULL);
	if (offset > 0x7FFFFFFF || offset < -0x7FFFFFFF)
		return AMT_STATUS_INVALID_PARAMETER;
	st->clock_offset_s = (int)offset;
	sim_state_persist(st, c->fw->state_path);
	return AMT_STATUS_SUCCESS;
}

/* ---- AMT_AuthorizationService ---- */

static void authorization(const struct sim_state *st, unsigned i, struct sim_wsman_inst *o)
{
	static const char name[] = "Intel(r) AMT Authorization Service";
	(void)st;
	(void)i;
	sim_wsman_prop_u32(o, "AllowHttpQopAuthOnly", 1);
	named(o, "AMT_AuthorizationService", name);
	sim_wsman_prop_u32(o, "EnabledState", 5);
	sim_wsman_prop(o, "Name", name);
	sim_wsman_prop_u32(o, "RequestedState", 12);
	scoped(o);
}

static uint32_t authorization_invoke(struct sim_wsman_call *c)
{
	const struct sim_users *u = &c->fw->st.users;
	uint32_t n;
	if (!strcmp(c->method, "GetAdminAclEntry")) {
		sim_wsman_prop(&c->out, "Username", c->fw->st.admin_user);
		return AMT_STATUS_SUCCESS;
	}
	if (!strcmp(c->method, "EnumerateUserAclEntries")) {
		unsigned total = 0, shown = 0;
		if (sim_wsman_arg_u32(c, "StartIndex", &n))
			return SIM_WSMAN_RV_FAULT;
		if (n == 0) /* 1-based */
			return AMT_STATUS_INVALID_PARAMETER;
		for (int i = 0; i < SIM_USERS_MAX; i++)
			total += u->u[i].used;
		sim_wsman_prop_u32(&c->out, "TotalCount", total);
		for (unsigned i = 0, k = 0; i < SIM_USERS_MAX; i++)
			if (u->u[i].used && ++k >= n && shown < ACL_PAGE)
				shown++;
		sim_wsman_prop_u32(&c->out, "HandlesCount", shown);
		for (unsigned i = 0, k = 0, s = 0; i < SIM_USERS_MAX && s < shown; i++)
			if (u->u[i].used && ++k >= n) {
				sim_wsman_prop_u32(&c->out, "Handles", i + 1);
				s++;
			}
		return AMT_STATUS_SUCCESS;
	}
	if (!strcmp(c->method, "GetUserAclEntryEx") || !strcmp(c->method, "GetAclEnabledState")) {
		if (sim_wsman_arg_u32(c, "Handle", &n))
			return SIM_WSMAN_RV_FAULT;
		if (n < 1 || n > SIM_USERS_MAX || !u->u[n - 1].used)
			return AMT_STATUS_INVALID_HANDLE;
		const struct sim_user *e = &u->u[n - 1];
		if (!strcmp(c->method, "GetAclEnabledState")) {
			sim_wsman_prop_bool(&c->out, "Enabled", true);
			return AMT_STATUS_SUCCESS;
		}
		sim_wsman_prop(&c->out, "DigestUsername", e->name);
		sim_wsman_prop_u32(&c->out, "AccessPermission", e->access);
		for (unsigned r = 0; r < e->nrealms; r++)
			sim_wsman_prop_u32(&c->out, "Realms", e->realms[r]);
		return AMT_STATUS_SUCCESS;
	}
	return SIM_WSMAN_RV_NO_METHOD;
}

/* ---- the table's rows ---- */

const struct sim_wsman_class sim_host_setup_class = {
	.name = "IPS_HostBasedSetupService",
	.uri = IPS "IPS_HostBasedSetupService",
	.count = one,
	.instance = host_setup,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_time_sync_class = {
	.name = "AMT_TimeSynchronizationService",
	.uri = AMT "AMT_TimeSynchronizationService",
	.count = one,
	.instance = time_sync,
	.invoke = time_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
const struct sim_wsman_class sim_authorization_class = {
	.name = "AMT_AuthorizationService",
	.uri = AMT "AMT_AuthorizationService",
	.count = one,
	.instance = authorization,
	.invoke = authorization_invoke,
	.keys = sim_wsman_service_keys,
	.datetime = true,
};
