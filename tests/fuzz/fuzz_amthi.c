// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_amthi.c - libFuzzer target for proto/amthi_codec.c.
 *
 * Owns: feeding arbitrary bytes to the response envelope, to every body
 * decoder (both on the envelope's body and on the raw input, so the fuzzer
 * need not solve the header first) and to the request decoder, on an
 * exact-size heap copy so ASan catches any over-read. Whatever decodes must
 * re-encode: exactly for fixed layouts, and to a fixed point (encode, decode,
 * encode gives the same bytes) where the decoder normalises (strings).
 * Must not: keep state between inputs or print.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amthi_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_CAP 4096u

static uint8_t out1[OUT_CAP], out2[OUT_CAP];

static void check(int cond)
{
	if (!cond)
		abort();
}

/* enc(dec(b)) must equal b byte for byte. */
#define EXACT(type, dec, enc)                                                   \
	do {                                                                    \
		type v_;                                                        \
		size_t n_;                                                      \
		if (dec(b, n, &v_) == 0) {                                      \
			check(enc(out1, OUT_CAP, &v_, &n_) == 0);               \
			check(n_ == n && memcmp(out1, b, n) == 0);              \
		}                                                               \
	} while (0)

/* enc(dec(b)) must decode again and re-encode to the same bytes. */
#define FIXPOINT(type, dec, enc_call1, enc_call2)                               \
	do {                                                                    \
		static type v_;                                                 \
		size_t n1_, n2_;                                                \
		if (dec(b, n, &v_) == 0) {                                      \
			check(enc_call1 == 0);                                  \
			check(dec(out1, n1_, &v_) == 0);                        \
			check(enc_call2 == 0);                                  \
			check(n1_ == n2_ && memcmp(out1, out2, n1_) == 0);      \
		}                                                               \
	} while (0)

static void bodies(const uint8_t *b, size_t n)
{
	uint32_t u;
	uint8_t uuid[16];
	size_t olen;

	if (amthi_decode_u32(b, n, &u) == 0) {
		check(amthi_encode_u32(out1, OUT_CAP, u, &olen) == 0);
		check(olen == n && memcmp(out1, b, n) == 0);
		(void)amt_provisioning_state_name(u);
		(void)amt_control_mode_name(u);
	}
	if (amthi_decode_uuid(b, n, uuid) == 0) {
		check(amthi_encode_uuid(out1, OUT_CAP, uuid, &olen) == 0);
		check(olen == n && memcmp(out1, b, n) == 0);
	}
	(void)amthi_decode_empty(b, n);
	EXACT(struct amt_provisioning_mode, amthi_decode_provisioning_mode,
	      amthi_encode_provisioning_mode);
	EXACT(struct amt_lan_settings, amthi_decode_lan_settings, amthi_encode_lan_settings);
	EXACT(struct amt_hash_handles, amthi_decode_hash_handles, amthi_encode_hash_handles);
	EXACT(struct amt_security_params, amthi_decode_security_params,
	      amthi_encode_security_params);

	FIXPOINT(struct amt_code_versions, amthi_decode_code_versions,
		 amthi_encode_code_versions(out1, OUT_CAP, &v_, &n1_),
		 amthi_encode_code_versions(out2, OUT_CAP, &v_, &n2_));
	FIXPOINT(struct amt_remote_access_status, amthi_decode_remote_access_status,
		 amthi_encode_remote_access_status(out1, OUT_CAP, &v_, false, &n1_),
		 amthi_encode_remote_access_status(out2, OUT_CAP, &v_, false, &n2_));
	FIXPOINT(struct amt_cert_hash_entry, amthi_decode_cert_hash_entry,
		 amthi_encode_cert_hash_entry(out1, OUT_CAP, &v_, false, &n1_),
		 amthi_encode_cert_hash_entry(out2, OUT_CAP, &v_, false, &n2_));
	FIXPOINT(struct amt_local_account, amthi_decode_local_account,
		 amthi_encode_local_account(out1, OUT_CAP, &v_, true, &n1_),
		 amthi_encode_local_account(out2, OUT_CAP, &v_, true, &n2_));

	char s[AMT_MAX_ANSI_LEN + 1], small[8];
	size_t n1, n2;
	(void)amthi_decode_ansi(b, n, small, sizeof(small));
	if (amthi_decode_ansi(b, n, s, sizeof(s)) == 0) {
		check(amthi_encode_ansi(out1, OUT_CAP, s, false, &n1) == 0);
		check(amthi_decode_ansi(out1, n1, s, sizeof(s)) == 0);
		check(amthi_encode_ansi(out2, OUT_CAP, s, false, &n2) == 0);
		check(n1 == n2 && memcmp(out1, out2, n1) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	const uint8_t *body;
	size_t blen, olen;
	amt_status_t st;
	uint32_t cmd = 0;

	if (!msg)
		return 0;
	if (size)
		memcpy(msg, data, size);

	/* ask for whatever the message claims to answer, so the body is reached */
	if (size >= 8)
		cmd = ((uint32_t)msg[4] | (uint32_t)msg[5] << 8 | (uint32_t)msg[6] << 16 |
		       (uint32_t)msg[7] << 24) & ~AMTHI_RESPONSE_BIT;
	(void)amthi_cmd_name(cmd);
	if (amthi_decode_response(msg, size, cmd, &st, &body, &blen) == 0) {
		check(blen == size - 16 && body == msg + 16);
		/* re-encodes identically except the minor version (any value >= 1) */
		if (size <= OUT_CAP) {
			check(amthi_encode_response(out1, OUT_CAP, cmd, st, body, blen,
						    &olen) == 0);
			check(olen == size && out1[0] == msg[0] &&
			      memcmp(out1 + 2, msg + 2, size - 2) == 0);
		}
		bodies(body, blen);
	}
	(void)amthi_decode_response(msg, size, AMTHI_GET_UUID, &st, &body, &blen);

	if (amthi_decode_request(msg, size, &cmd, &body, &blen) == 0) {
		check(blen == size - 12 && body == msg + 12);
		if (amthi_encode_request(out1, OUT_CAP, cmd, body, blen, &olen) == 0)
			check(olen == size && out1[0] == msg[0] &&
			      memcmp(out1 + 2, msg + 2, size - 2) == 0);
	}

	bodies(msg, size);
	free(msg);
	return 0;
}
