// SPDX-License-Identifier: Apache-2.0
/*
 * amthi_codec.h - AMTHI (PTHI) message encoding and decoding, both directions.
 *
 * Owns: the 12-byte header, command codes, and the body layout of every
 * command the agent speaks (protocol-facts.md section 3), implemented in
 * amthi_envelope.c (header), amthi_codec.c (bodies) and amthi_names.c
 * (names and text formats). Decoders validate the envelope first (size,
 * Length == bytes - 12, version 1.x, reserved 0, response code == request |
 * 0x00800000), then the body with a bounds-checked cursor, then reject
 * trailing bytes. Encoders for responses exist so the
 * simulator and the tests produce byte-exact firmware replies from the same
 * definitions.
 * Must not: do I/O, retry, or keep state. Pure functions over byte buffers.
 *
 * UNVERIFIED layouts are decoded leniently (see each decoder's comment).
 */
#ifndef PROTO_AMTHI_CODEC_H
#define PROTO_AMTHI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amt_status.h"
#include "proto_err.h"

#define AMTHI_HDR_LEN 12u
#define AMTHI_RESPONSE_BIT 0x00800000u
#define AMTHI_VERSION_MAJOR 1u
#define AMTHI_VERSION_MINOR 1u

enum amthi_cmd {
	AMTHI_GET_PROVISIONING_MODE = 0x04000008u,
	AMTHI_GET_PROVISIONING_STATE = 0x04000011u,
	AMTHI_GET_CODE_VERSIONS = 0x0400001Au,
	AMTHI_GET_SECURITY_PARAMETERS = 0x0400001Bu,
	AMTHI_START_CONFIGURATION = 0x04000029u,
	AMTHI_ENUMERATE_HASH_HANDLES = 0x0400002Cu,
	AMTHI_GET_CERT_HASH_ENTRY = 0x0400002Du,
	AMTHI_GET_PKI_FQDN_SUFFIX = 0x04000036u, /* "GetDnsSuffix" */
	AMTHI_OPEN_USER_INITIATED_CONNECTION = 0x04000044u,
	AMTHI_CLOSE_USER_INITIATED_CONNECTION = 0x04000045u,
	AMTHI_GET_REMOTE_ACCESS_CONNECTION_STATUS = 0x04000046u,
	AMTHI_GET_LAN_INTERFACE_SETTINGS = 0x04000048u,
	AMTHI_GET_USER_INITIATED_ENABLED_INTERFACES = 0x0400004Du,
	AMTHI_GET_UUID = 0x0400005Cu,
	AMTHI_STOP_CONFIGURATION = 0x0400005Eu,
	AMTHI_START_CONFIGURATION_EX = 0x04000062u,
	AMTHI_GET_LOCAL_SYSTEM_ACCOUNT = 0x04000067u,
	AMTHI_GET_CONTROL_MODE = 0x0400006Bu,
};

/* Name of a request code ("GetCodeVersions"), or "Unknown". */
const char *amthi_cmd_name(uint32_t cmd);

/* ---- limits (cap every firmware-supplied count or length) ---- */
#define AMT_BIOS_VERSION_LEN 65u
#define AMT_VERSION_STRING_LEN 20u  /* AMT_UNICODE_STRING buffer */
#define AMT_MAX_CODE_VERSIONS 50u
#define AMT_MAX_HASH_HANDLES 64u    /* FW stores ~33 roots; cap well above */
#define AMT_MAX_ANSI_LEN 255u       /* longest ANSI string we accept from FW */
#define AMT_CERT_HASH_MAX 64u
#define AMT_LOCAL_ACCOUNT_FIELD 33u
#define AMT_SECURITY_PARAM_WORDS 17u
#define AMT_LOCAL_ACCOUNT_REQ_LEN 40u

/* ---- header ---- */
struct amthi_header {
	uint8_t major, minor;
	uint16_t reserved;
	uint32_t command;
	uint32_t length; /* bytes after the header */
};

/* Build a request: header + body into buf. *out_len = 12 + blen. */
int amthi_encode_request(uint8_t *buf, size_t cap, uint32_t cmd, const uint8_t *body,
			 size_t blen, size_t *out_len);
/* Parse and validate a request (simulator side): version, reserved, Length
 * == len - 12. Returns the command and the body in place. */
int amthi_decode_request(const uint8_t *msg, size_t len, uint32_t *cmd, const uint8_t **body,
			 size_t *blen);

/*
 * Validate a response envelope for request `req_cmd` and split it:
 * *status = firmware status, body/blen = bytes after the status.
 * Errors: PROTO_E_EMPTY (len 0), PROTO_E_SHORT (< 16 bytes), PROTO_E_BAD_VERSION,
 * PROTO_E_BAD_RESERVED, PROTO_E_BAD_COMMAND, PROTO_E_LENGTH_MISMATCH.
 * A non-success status is NOT an error here: the caller decides.
 */
int amthi_decode_response(const uint8_t *msg, size_t len, uint32_t req_cmd,
			  amt_status_t *status, const uint8_t **body, size_t *blen);
/* Build a response: header(cmd|0x800000, Length = 4 + blen) + status + body. */
int amthi_encode_response(uint8_t *buf, size_t cap, uint32_t req_cmd, amt_status_t status,
			  const uint8_t *body, size_t blen, size_t *out_len);

/* ---- bodies (after the status word). Every decoder rejects trailing bytes. ---- */

/* AMT_ANSI_STRING: u16 length + bytes. Decoders copy into out (NUL-terminated)
 * and strip trailing NULs, so firmware that counts a terminating NUL and
 * firmware that does not decode the same (UNVERIFIED #5). Embedded NULs
 * followed by text are rejected (PROTO_E_BAD_VALUE). */

struct amt_version_entry {
	char description[AMT_VERSION_STRING_LEN + 1];
	char version[AMT_VERSION_STRING_LEN + 1];
};

struct amt_code_versions {
	char bios[AMT_BIOS_VERSION_LEN + 1];
	uint32_t count;
	struct amt_version_entry entries[AMT_MAX_CODE_VERSIONS];
};
int amthi_decode_code_versions(const uint8_t *b, size_t n, struct amt_code_versions *out);
int amthi_encode_code_versions(uint8_t *b, size_t cap, const struct amt_code_versions *v,
			       size_t *out_len);
/* Look up a version entry by description; NULL when absent. */
const char *amt_code_versions_get(const struct amt_code_versions *v, const char *description);

/* Single u32 bodies: provisioning state (0 pre, 1 in, 2 post), control mode
 * (0 none, 1 CCM, 2 ACM, 3 remote assistance per MeshAgent), user-initiated
 * interfaces bitfield, RNG etc. */
int amthi_decode_u32(const uint8_t *b, size_t n, uint32_t *out);
int amthi_encode_u32(uint8_t *b, size_t cap, uint32_t v, size_t *out_len);

enum amt_provisioning_state { AMT_PROVISIONING_PRE = 0, AMT_PROVISIONING_IN = 1, AMT_PROVISIONING_POST = 2 };
enum amt_control_mode { AMT_CONTROL_NONE = 0, AMT_CONTROL_CCM = 1, AMT_CONTROL_ACM = 2, AMT_CONTROL_RA = 3 };
/* GetUserInitiatedEnabledInterfaces bits */
#define AMT_UI_IF_BIOS 0x1u
#define AMT_UI_IF_OS 0x2u

struct amt_provisioning_mode {
	uint32_t mode; /* 0 none, 1 enterprise, 2 small business, 3 remote assistance */
	bool legacy;
};
int amthi_decode_provisioning_mode(const uint8_t *b, size_t n, struct amt_provisioning_mode *out);
int amthi_encode_provisioning_mode(uint8_t *b, size_t cap, const struct amt_provisioning_mode *m,
				   size_t *out_len);

int amthi_decode_uuid(const uint8_t *b, size_t n, uint8_t out[16]);
int amthi_encode_uuid(uint8_t *b, size_t cap, const uint8_t uuid[16], size_t *out_len);

/* GetPkiFQDNSuffix: one ANSI string. */
int amthi_decode_ansi(const uint8_t *b, size_t n, char *out, size_t out_cap);
/* with_nul: count and send a terminating NUL (one reading of UNVERIFIED #5) */
int amthi_encode_ansi(uint8_t *b, size_t cap, const char *s, bool with_nul, size_t *out_len);

/* GetLanInterfaceSettings: request body u32 index; response 20 bytes. */
#define AMT_LAN_WIRED 0u
#define AMT_LAN_WIRELESS 1u
struct amt_lan_settings {
	bool enabled;
	uint32_t ipv4; /* MSB = first octet: 0x0A000001 = 10.0.0.1 */
	bool dhcp_enabled;
	uint8_t dhcp_ip_mode; /* 1 active, 2 passive (wireless: "wireless control") */
	uint8_t link_status;  /* 0 down, 1 up */
	uint8_t mac[6];
};
int amthi_decode_lan_settings(const uint8_t *b, size_t n, struct amt_lan_settings *out);
int amthi_encode_lan_settings(uint8_t *b, size_t cap, const struct amt_lan_settings *s,
			      size_t *out_len);

/* GetRemoteAccessConnectionStatus */
enum amt_cira_status { AMT_CIRA_NOT_CONNECTED = 0, AMT_CIRA_CONNECTING = 1, AMT_CIRA_CONNECTED = 2 };
enum amt_network_status { AMT_NET_DIRECT = 0, AMT_NET_VPN = 1, AMT_NET_OUTSIDE = 2, AMT_NET_UNKNOWN = 3 };
struct amt_remote_access_status {
	uint32_t network_status;
	uint32_t cira_status;
	uint32_t trigger; /* raw; see amt_cira_trigger_name() */
	char mps_hostname[AMT_MAX_ANSI_LEN + 1];
};
int amthi_decode_remote_access_status(const uint8_t *b, size_t n,
				      struct amt_remote_access_status *out);
int amthi_encode_remote_access_status(uint8_t *b, size_t cap,
				      const struct amt_remote_access_status *s, bool ansi_nul,
				      size_t *out_len);

/* EnumerateHashHandles: u32 count, count x u32 (count capped, exact size). */
struct amt_hash_handles {
	uint32_t count;
	uint32_t handles[AMT_MAX_HASH_HANDLES];
};
int amthi_decode_hash_handles(const uint8_t *b, size_t n, struct amt_hash_handles *out);
int amthi_encode_hash_handles(uint8_t *b, size_t cap, const struct amt_hash_handles *h,
			      size_t *out_len);

/* GetCertHashEntry: request u32 handle. Algorithm numbering conflict
 * (UNVERIFIED #2): 0 MD5, 1 SHA1, 2 SHA256 agree; 3 is SHA384 (rpc-go) or
 * SHA512 (intel/lms); 5 is SHA512 (rpc-go). The decoder keeps the raw id and
 * derives hash_len: for id 3 it is 64 when any of bytes 48..63 is non-zero
 * and 48 otherwise, which reads both firmware numberings correctly. */
struct amt_cert_hash_entry {
	bool is_default;
	bool is_active;
	uint8_t hash[AMT_CERT_HASH_MAX];
	uint8_t algorithm; /* raw id */
	size_t hash_len;   /* meaningful bytes of hash */
	char name[AMT_MAX_ANSI_LEN + 1];
};
int amthi_decode_cert_hash_entry(const uint8_t *b, size_t n, struct amt_cert_hash_entry *out);
int amthi_encode_cert_hash_entry(uint8_t *b, size_t cap, const struct amt_cert_hash_entry *e,
				 bool ansi_nul, size_t *out_len);
/* "sha256" etc. from raw id and hash_len; "unknown" otherwise. */
const char *amt_hash_algorithm_name(uint8_t algorithm, size_t hash_len);

/* GetLocalSystemAccount: request 40 zero bytes. Response 33-byte user +
 * 33-byte password, NUL-terminated; real firmware may add 2 bytes of
 * padding (68 bytes, UNVERIFIED #4): both 66 and 68 are accepted, the 2
 * padding bytes must be zero. */
struct amt_local_account {
	char username[AMT_LOCAL_ACCOUNT_FIELD + 1];
	char password[AMT_LOCAL_ACCOUNT_FIELD + 1];
};
int amthi_decode_local_account(const uint8_t *b, size_t n, struct amt_local_account *out);
int amthi_encode_local_account(uint8_t *b, size_t cap, const struct amt_local_account *a,
			       bool pad68, size_t *out_len);

/* GetSecurityParameters: 17 x u32. */
struct amt_security_params {
	uint32_t words[AMT_SECURITY_PARAM_WORDS];
};
enum {
	AMT_SEC_ENTERPRISE_MODE = 0, AMT_SEC_TLS_ENABLED = 1, AMT_SEC_HW_CRYPTO = 2,
	AMT_SEC_PROVISIONING_STATE = 3, AMT_SEC_NETWORK_INTERFACE_ENABLED = 4,
	AMT_SEC_SOL_ENABLED = 5, AMT_SEC_IDER_ENABLED = 6, AMT_SEC_FW_UPDATE_ENABLED = 7,
	AMT_SEC_LINK_IS_UP = 8, AMT_SEC_KVM_ENABLED = 9,
};
int amthi_decode_security_params(const uint8_t *b, size_t n, struct amt_security_params *out);
int amthi_encode_security_params(uint8_t *b, size_t cap, const struct amt_security_params *p,
				 size_t *out_len);

/* Empty body (status only): StartConfiguration, Stop, Open/Close UI connection. */
int amthi_decode_empty(const uint8_t *b, size_t n);

/* ---- names ---- */
const char *amt_provisioning_state_name(uint32_t st);  /* "pre"/"in"/"post"/"unknown" */
const char *amt_control_mode_name(uint32_t mode);      /* "none"/"ccm"/"acm"/"remote_assistance" */
const char *amt_cira_status_name(uint32_t st);         /* "not_connected"/... */
const char *amt_network_status_name(uint32_t st);      /* "inside_enterprise"/"vpn"/"outside_enterprise"/"unknown" */
/* Trigger numbering (UNVERIFIED #1): intel/lms 0 user, 1 alert, 2 provisioning,
 * 3 periodic; rpc-go swaps 2 and 3. */
enum amt_trigger_numbering { AMT_TRIGGERS_LMS = 0, AMT_TRIGGERS_RPCGO = 1 };
const char *amt_cira_trigger_name(uint32_t trigger, enum amt_trigger_numbering numbering);

/* Format the CFG_IPv4 u32 (MSB first octet) as dotted text. */
void amt_ipv4_format(uint32_t v, char out[16]);
/* Format MAC as "00:11:22:33:44:55". */
void amt_mac_format(const uint8_t mac[6], char out[18]);

#endif
