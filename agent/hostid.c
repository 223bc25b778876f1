// SPDX-License-Identifier: Apache-2.0
/*
 * hostid.c - amt-agent hostid show|init|set ID|clear: the persistent host ID
 * that survives an OS reinstall.
 *
 * Stores, in order: AMT Third Party Data Storage (AMT < 12) reached through
 * the local WS-Management path (wsman_local.h: Intel LMS when it answers
 * and root owns it, else our own APF tunnel over the ME's LME client);
 * a UEFI variable (efivarfs) when the firmware has no 3PDS. The AMT UUID is
 * always reported beside the ID, and the agent keeps a copy in its state
 * directory: when the copy and the firmware disagree the firmware wins.
 * Must not: print credentials; the local system account's password is
 * wiped after use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "atomic_file.h"
#include "efivar.h"
#include "exitcode.h"
#include "hostid.h"
#include "hostid_format.h"
#include "net/net.h"
#include "log.h"
#include "state.h"
#include "uuid.h"
#include "wsman_local.h"


enum action { SHOW, INIT, SET, CLEAR };

static const char *action_name(enum action a)
{
	return a == SHOW ? "show" : a == INIT ? "init" : a == SET ? "set" : "clear";
}

struct run {
	struct agent_ctx *ctx;
	enum action action;
	const char *new_id;
	struct heci *h;
	uint8_t uuid[16];
	char uuid_text[37];
	int amt_major;
	char user[64];
	char password[128];
	const char *store;     /* "amt-3pds" | "uefi-variable" */
	const char *transport; /* "lms" | "lme" | NULL */
	char init_id[HOSTID_MAX + 2]; /* INIT: what an empty store gets */
	struct wsman_local local;
};

/* ---- reading the ME: UUID, version, local system account ---- */

static int read_amthi(struct run *r)
{
	struct amthi s;
	struct amthi_opts o;
	struct amt_code_versions *v = calloc(1, sizeof(*v));
	struct amt_local_account acct;
	int rc;

	if (!v)
		return HECI_E_NOMEM;
	agent_amthi_opts(r->ctx, &o);
	rc = amthi_open(&s, r->h, &o);
	if (rc == 0)
		rc = amthi_get_uuid(&s, r->uuid);
	if (rc == 0)
		rc = amthi_get_code_versions(&s, v);
	if (rc == 0) {
		const char *amt = amt_code_versions_get(v, "AMT");
		r->amt_major = amt ? atoi(amt) : 0;
	}
	if (rc == 0 && !r->ctx->cfg.hostid_user && r->amt_major < 12) {
		rc = amthi_get_local_system_account(&s, &acct);
		if (rc == 0) {
			snprintf(r->user, sizeof(r->user), "%s", acct.username);
			snprintf(r->password, sizeof(r->password), "%s", acct.password);
		}
		explicit_bzero(&acct, sizeof(acct));
	}
	if (rc != 0)
		agent_fail(r->ctx, r->h, "read the AMT identity", rc, s.last_status,
			   s.last_cmd ? amthi_cmd_name(s.last_cmd) : NULL);
	amthi_close(&s);
	guid_format(r->uuid, r->uuid_text);
	free(v);
	return rc;
}

static int read_password_file(struct run *r)
{
	FILE *f = fopen(r->ctx->cfg.hostid_password_file, "r");
	if (!f) {
		fprintf(r->ctx->err, "%s: hostid: cannot read the password file %s: %s\n",
			r->ctx->prog, r->ctx->cfg.hostid_password_file, strerror(errno));
		return -1;
	}
	size_t n = fread(r->password, 1, sizeof(r->password) - 1, f);
	fclose(f);
	r->password[n] = '\0';
	r->password[strcspn(r->password, "\r\n")] = '\0';
	snprintf(r->user, sizeof(r->user), "%s", r->ctx->cfg.hostid_user);
	return 0;
}

/* ---- transport: LMS when it answers, else our own LME tunnel ---- */

/* Fill the transport part of req (wsman_local.c decides LMS or LME). */
static int choose_transport(struct run *r, struct net_hostid_req *req)
{
	int ex = wsman_local_transport(r->ctx, r->h, &r->local);
	if (ex != 0)
		return ex;
	r->transport = r->local.transport;
	req->url = r->local.url;
	req->open_socket = r->local.open_socket;
	req->open_socket_arg = r->local.open_socket_arg;
	return 0;
}

/* ---- the state directory copy ---- */

int hostid_local_copy(const struct agent_config *c, char *out, size_t cap)
{
	char path[STATE_PATH_MAX];
	if (state_path(c, STATE_HOSTID_COPY, path, sizeof(path)) != 0)
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = fgets(out, (int)cap, f);
	fclose(f);
	if (!line)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return hostid_valid(out) ? 0 : -1;
}

static int read_copy(const struct run *r, char *out, size_t cap)
{
	return hostid_local_copy(&r->ctx->cfg, out, cap);
}

/* Make the copy match the firmware; say so when it did not. */
static const char *sync_copy(const struct run *r, const char *id)
{
	char path[STATE_PATH_MAX], old[HOSTID_MAX + 2], text[HOSTID_MAX + 2];
	bool had = read_copy(r, old, sizeof(old)) == 0;
	if (state_path(&r->ctx->cfg, STATE_HOSTID_COPY, path, sizeof(path)) != 0) {
		log_warn("the state directory path %s is too long", r->ctx->cfg.state_dir);
		return "unwritable";
	}
	if (!id) {
		if (had)
			unlink(path);
		return had ? "removed" : "none";
	}
	if (had && strcmp(old, id) == 0)
		return "match";
	if (had)
		fprintf(r->ctx->err,
			"%s: note: the local copy of the host ID (%s) differs from the firmware's "
			"(%s); the firmware wins and the copy was updated\n",
			r->ctx->prog, old, id);
	state_dir_ensure(&r->ctx->cfg);
	int n = snprintf(text, sizeof(text), "%s\n", id);
	if (atomic_file_write_buf(path, text, (size_t)n, 0644) != 0) {
		log_warn("cannot write %s", path);
		return "unwritable";
	}
	return had ? "updated" : "created";
}

/* ---- stores ---- */

/* Run the action against 3PDS, in the network module. */
/* Run the action against 3PDS through the network module, which only reads,
 * writes and clears; the rule "init creates only when nothing is stored"
 * is kept here. */
static int do_3pds(struct run *r, struct net_hostid_result *res, bool *created)
{
	const struct agent_config *c = &r->ctx->cfg;
	char err[256];
	const struct agent_net *net = agent_net_load(c->log_level, err, sizeof(err));
	if (!net) {
		fprintf(r->ctx->err, "%s: hostid: cannot load the network module: %s — reinstall amt-agent\n",
			r->ctx->prog, err);
		return EXIT_AMT_USAGE;
	}
	struct net_hostid_req req = {.user = r->user, .password = r->password,
				     .vendor = c->hostid_vendor, .application = c->hostid_application,
				     .enterprise = c->hostid_enterprise, .block_name = c->hostid_block,
				     .uuid = r->uuid};
	int ex = choose_transport(r, &req);
	if (ex != 0)
		return ex;
	switch (r->action) {
	case SHOW:
		req.action = NET_HOSTID_READ;
		break;
	case CLEAR:
		req.action = NET_HOSTID_CLEAR;
		break;
	case SET:
		req.action = NET_HOSTID_WRITE;
		req.id = r->new_id;
		break;
	case INIT: /* read first; create only when nothing is stored */
		req.action = NET_HOSTID_READ;
		net->hostid_3pds(&req, res);
		if (res->status != NET_HOSTID_NONE)
			return 0;
		req.action = NET_HOSTID_WRITE;
		req.id = r->init_id;
		*created = true;
		break;
	}
	net->hostid_3pds(&req, res);
	if (res->status == NET_HOSTID_OK && req.action == NET_HOSTID_WRITE)
		snprintf(res->id, sizeof(res->id), "%s", req.id);
	if (res->status != NET_HOSTID_OK)
		*created = false;
	return 0;
}

static int do_efivar(struct run *r, char *id, size_t cap, bool *created)
{
	const char *dir = r->ctx->cfg.hostid_efivarfs_dir;
	int rc;
	switch (r->action) {
	case SHOW:
		return efivar_hostid_read(dir, id, cap);
	case CLEAR:
		return efivar_hostid_delete(dir);
	case SET:
		snprintf(id, cap, "%s", r->new_id);
		return efivar_hostid_write(dir, id);
	case INIT:
		rc = efivar_hostid_read(dir, id, cap);
		if (rc != 1)
			return rc;
		snprintf(id, cap, "%s", r->init_id);
		*created = true;
		return efivar_hostid_write(dir, id);
	}
	return -EINVAL;
}

/* INIT into an empty store: our copy back (a reinstall), else a new ID. */
static int choose_init_id(struct run *r)
{
	if (read_copy(r, r->init_id, sizeof(r->init_id)) == 0)
		return 0;
	int rc = uuid_v4(r->init_id);
	if (rc != 0)
		fprintf(r->ctx->err,
			"%s: hostid init: cannot make a new host ID: the kernel gave no randomness "
			"(getrandom: %s) — retry later\n",
			r->ctx->prog, strerror(-rc));
	return rc;
}

static void print_result(struct run *r, const char *id, bool created, const char *copy)
{
	struct agent_ctx *ctx = r->ctx;
	if (ctx->json) {
		json_t *o = json_object();
		json_object_set_new(o, "schema", json_integer(1));
		json_object_set_new(o, "host_id", id ? json_string(id) : json_null());
		json_object_set_new(o, "store", json_string(r->store));
		json_object_set_new(o, "transport", r->transport ? json_string(r->transport) : json_null());
		json_object_set_new(o, "amt_uuid", json_string(r->uuid_text));
		json_object_set_new(o, "created", json_boolean(created));
		json_object_set_new(o, "local_copy", json_string(copy));
		agent_print_json(ctx, o);
		return;
	}
	const char *where = strcmp(r->store, "amt-3pds") == 0
				    ? "AMT third-party data storage"
				    : "a UEFI variable (this AMT has no third-party data storage)";
	if (r->action == CLEAR)
		fprintf(ctx->out, "host ID cleared from %s; AMT UUID %s\n", where, r->uuid_text);
	else if (!id)
		fprintf(ctx->out, "no host ID stored (run '%s hostid init'); AMT UUID %s\n", ctx->prog,
			r->uuid_text);
	else
		fprintf(ctx->out, "host ID %s%s, stored in %s%s%s; AMT UUID %s\n", id,
			created ? " (new)" : "", where, r->transport ? " via " : "",
			r->transport ? (strcmp(r->transport, "lms") == 0 ? "Intel LMS" : "the ME's LME client") : "",
			r->uuid_text);
}

static int run_hostid(struct run *r)
{
	char id[HOSTID_MAX + 2] = "";
	bool created = false;
	struct net_hostid_result res;
	int rc, ex = EXIT_AMT_OK;

	memset(&res, 0, sizeof(res));
	res.status = NET_HOSTID_ABSENT;
	r->h = agent_heci_new(r->ctx);
	if (!r->h)
		return EXIT_AMT_TIMEOUT;
	rc = read_amthi(r);
	if (rc != 0) {
		ex = agent_exit_code(rc, AMT_STATUS_SUCCESS);
		goto out;
	}
	if (r->action == INIT && choose_init_id(r) != 0) {
		ex = EXIT_AMT_TIMEOUT;
		goto out;
	}
	if (r->ctx->cfg.hostid_user && read_password_file(r) != 0) {
		ex = EXIT_AMT_USAGE;
		goto out;
	}
	if (r->amt_major < 12) {
		r->store = "amt-3pds";
		if ((ex = do_3pds(r, &res, &created)) != 0)
			goto out;
	}
	if (res.status == NET_HOSTID_FAILED) {
		fprintf(r->ctx->err, "%s: hostid %s: %s\n", r->ctx->prog, action_name(r->action),
			res.message);
		ex = agent_exit_for_net(res.error_class);
		goto out;
	}
	if (res.status == NET_HOSTID_ABSENT) {
		r->store = "uefi-variable";
		r->transport = NULL;
		rc = do_efivar(r, id, sizeof(id), &created);
		if (rc < 0) {
			fprintf(r->ctx->err,
				"%s: hostid: cannot use the UEFI variable in %s: %s — is efivarfs "
				"mounted and are you root?\n",
				r->ctx->prog, r->ctx->cfg.hostid_efivarfs_dir,
				rc == -EBADMSG ? "it does not hold a host ID" : strerror(-rc));
			ex = rc == -EACCES || rc == -EPERM ? EXIT_AMT_PERM : EXIT_AMT_REFUSED;
			goto out;
		}
	} else {
		rc = res.status == NET_HOSTID_OK ? 0 : 1;
		snprintf(id, sizeof(id), "%s", res.id);
	}
	bool have = rc == 0 && r->action != CLEAR;
	const char *copy = sync_copy(r, have ? id : NULL);
	print_result(r, have ? id : NULL, created, copy);
	log_audit("hostid %s: %s (%s)", action_name(r->action), have ? id : "none", r->store);
out:
	wsman_local_close(&r->local);
	explicit_bzero(r->password, sizeof(r->password));
	heci_free(r->h);
	return ex;
}

enum { HOSTID_OPT_JSON };

static const struct cliopt hostid_opts[] = {
	[HOSTID_OPT_JSON] = {"json", 0, NULL, "print the result as JSON", 0},
	{NULL, 0, NULL, NULL, 0},
};

static const char *const hostid_admin_verbs[] = {"init", "set", "clear", NULL};

static int cmd_hostid(struct agent_ctx *ctx, const struct agent_call *call)
{
	struct run r = {.ctx = ctx};
	const char *verb = call->opt.args[0];
	int extra = call->opt.nargs - 1;
	if (strcmp(verb, "show") == 0 && extra == 0)
		r.action = SHOW;
	else if (strcmp(verb, "init") == 0 && extra == 0)
		r.action = INIT;
	else if (strcmp(verb, "clear") == 0 && extra == 0)
		r.action = CLEAR;
	else if (strcmp(verb, "set") == 0 && extra == 1)
		r.action = SET, r.new_id = call->opt.args[1];
	else {
		cliopt_fail(&call->cmd->cli, ctx->err, "expected show, init, set ID or clear");
		return EXIT_AMT_USAGE;
	}
	if (r.action == SET && !hostid_valid(r.new_id)) {
		fprintf(ctx->err,
			"%s: hostid set: \"%s\" is not a valid host ID — use 1 to %d printable "
			"characters without spaces\n",
			ctx->prog, r.new_id, HOSTID_MAX);
		return EXIT_AMT_USAGE;
	}
	return run_hostid(&r);
}

const struct agent_cmd agent_cmd_hostid = {
	.cli = {.prog = AGENT_PROG,
		.name = "hostid",
		.args = "show|init|set ID|clear",
		.min_args = 1,
		.max_args = 2,
		.opts = hostid_opts,
		.description = "The persistent host ID kept in AMT's non-volatile storage (a UEFI\n"
			       "variable on AMT 12 and later). show prints it; init creates one only\n"
			       "when no store holds one; set ID and clear change it (root, or the\n"
			       "service's admin group, through the service).\n",
		.footer = "Exit codes: 0 success, 1 AMT refused (e.g. no enterprise entry in its\n"
			  "storage), 2 usage or configuration, 3 no ME device, 4 permission denied\n"
			  "(init, set, clear: not root or admin), 5 AMT not available, 6 busy (retry),\n"
			  "7 timed out (retry), 8 network error (WS-Management, Intel LMS),\n"
			  "10 a reply not understood.\n"},
	.summary = "show, init, set or clear the persistent host ID in AMT",
	.priv = AGENT_PRIV_ANY,
	.admin_verbs = hostid_admin_verbs,
	.run = cmd_hostid,
};
