// SPDX-License-Identifier: Apache-2.0
/*
 * listen_common.c - what the receivers of `amt-verify listen` share besides
 * admission (listen_admit.c): recording and printing events, and the TLS
 * server context.
 * Must not: parse any protocol or know a receiver's connection state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "eventfmt.h"
#include "listen.h"
#include "log.h"

void listen_maybe_done(struct listen_ctx *ctx)
{
	if (ctx->stopping && ctx->active == 0 && store_pending(ctx->store) == 0)
		event_base_loopbreak(ctx->base);
}

struct record {
	struct listen_ctx *ctx;
	char type[32];
};

/* The store committed the event (or could not): print it either way. */
static void on_recorded(void *arg, const struct store_done *d)
{
	struct record *rec = arg;
	struct listen_ctx *ctx = rec->ctx;

	if (d->rc < 0)
		log_error("cannot record %s event from %s: %s — it is printed but not stored",
			  rec->type, d->ev && d->ev->source ? d->ev->source : "-", d->err);
	if (d->ev && event_print(stdout, d->ev, ctx->json) != 0)
		log_error("cannot print %s event: %s", rec->type, strerror(errno));
	free(rec);
	listen_maybe_done(ctx);
}

int listen_record(struct listen_ctx *ctx, const char *type, const char *uuid, const char *source,
		  const json_t *detail)
{
	struct record *rec = calloc(1, sizeof(*rec));
	struct store_event ev = {0};
	char err[512];

	if (rec) {
		rec->ctx = ctx;
		snprintf(rec->type, sizeof(rec->type), "%s", type);
		store_add_event_async(ctx->store, type, uuid, source, detail, on_recorded, rec);
		return 0;
	}
	snprintf(err, sizeof(err), "out of memory");
	log_error("cannot record %s event from %s: %s — it is printed but not stored", type,
		  source ? source : "-", err);
	verify_time_iso(verify_now_ms(), ev.time);
	ev.type = type;
	ev.uuid = uuid;
	ev.source = source;
	ev.detail = (json_t *)detail;
	if (event_print(stdout, &ev, ctx->json) != 0)
		log_error("cannot print %s event: %s", type, strerror(errno));
	return -1;
}

SSL_CTX *listen_tls_ctx_new(const char *cert_file, const char *key_file, char *err,
			    size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char why[256] = "";
	const char *what = NULL;

	if (!ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* IGNORE_UNEXPECTED_EOF: OpenSSL 3 otherwise turns a peer closing TCP
	 * without close_notify into a fatal error that libevent cannot tell
	 * from a real one; with it, that is an EOF (allow_dirty_shutdown). */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
		what = cert_file;
	else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
		what = key_file;
	else if (SSL_CTX_check_private_key(ctx) != 1)
		what = "--tls-key";
	if (what) {
		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		ERR_clear_error();
		snprintf(err, errlen,
			 "cannot load TLS certificate/key (%s): %s — pass a PEM certificate chain "
			 "with --tls-cert and its private key with --tls-key",
			 what, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
