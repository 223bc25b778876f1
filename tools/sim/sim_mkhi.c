/*
 * sim_mkhi.c - the MKHI firmware client of the simulated ME: GET_FW_VERSION.
 *
 * Replies with two 8-byte version blocks (code, recovery) as intel/lms
 * reads them; byte 3 of each block carries [sim] mkhi_platform so both
 * readings of that byte (kernel: platform, lms/metee: high byte of a u16
 * major) can be exercised. Unknown commands get result 0x8D (invalid
 * command) in the response header, never silence.
 * Must not: do I/O; replies go through sim_conn_reply().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heci.h"
#include "mkhi_codec.h"
#include "sim_fw.h"

#define MKHI_RESULT_INVALID_COMMAND 0x8D
#define SIM_MKHI_MTU 512 /* UNVERIFIED: the dynamic MKHI client's MTU is not in our sources */

static void version_block(const struct sim_state *st, struct mkhi_fw_version_block *b)
{
	unsigned major = 0, minor = 0, hotfix = 0, build = 0;
	if (st->me_fw_version[0])
		sscanf(st->me_fw_version, "%u.%u.%u.%u", &major, &minor, &hotfix, &build);
	else {
		sscanf(st->version, "%u.%u.%u", &major, &minor, &hotfix);
		build = (unsigned)atoi(st->build);
	}
	b->major = (uint8_t)major;
	b->minor = (uint16_t)minor;
	b->hotfix = (uint16_t)hotfix;
	b->build = (uint16_t)build;
	b->platform = (uint8_t)st->mkhi_platform;
}

static void on_message(void *ctx, struct sim_conn *c, const uint8_t *msg, size_t len)
{
	struct sim_fw *fw = ctx;
	uint8_t group, command, body[64], out[128];
	const uint8_t *req_body;
	size_t req_len, blen = 0, olen;
	uint8_t result = 0;

	if (mkhi_decode_request(msg, len, &group, &command, &req_body, &req_len) != 0)
		return; /* not a header: dropped */
	if (group == MKHI_GROUP_GEN && command == MKHI_CMD_GET_FW_VERSION && req_len == 0) {
		struct mkhi_fw_version v = {.count = 2};
		version_block(&fw->st, &v.blocks[0]);
		v.blocks[1] = v.blocks[0];
		mkhi_encode_fw_version(body, sizeof(body), &v, &blen);
	} else {
		result = MKHI_RESULT_INVALID_COMMAND;
	}
	if (mkhi_encode_response(out, sizeof(out), group, command, result, body, blen, &olen) == 0)
		sim_conn_reply(c, out, olen);
}

int sim_mkhi_register(struct sim_fw *fw, char *err, size_t errcap)
{
	struct sim_client_def def = {
		.name = "MKHI",
		.mtu = SIM_MKHI_MTU,
		.proto_ver = 1,
		.max_conns = 0,
		.on_message = on_message,
		.ctx = fw,
	};
	memcpy(def.guid, HECI_GUID_MKHI.b, 16);
	return sim_me_add_client(fw->me, &def);
}
