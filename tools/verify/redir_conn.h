// SPDX-License-Identifier: Apache-2.0
/*
 * redir_conn.h - the connection to AMT's redirection port (16994, TLS
 * 16995) that `amt-verify console` and `amt-verify ider` share: TCP with a
 * bounded connect, OpenSSL TLS with `device`'s trust rules (the system
 * store or --ca-file with AMT's name checked, or --pin, or --insecure), and
 * non-blocking reads and writes over either.
 * Must not: speak the redirection protocol, or print.
 */
#ifndef VERIFY_REDIR_CONN_H
#define VERIFY_REDIR_CONN_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "repair.h"

#define REDIR_CONNECT_MS 10000

struct redir_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	const char *pin_hex;
	bool pin_ok;
};

void redir_conn_init(struct redir_conn *c);
/* Connect to host:port within 10 s (and TLS with t's trust when t->tls;
 * name is what AMT's certificate must name). 0, or -1 with the reason in
 * err. */
int redir_conn_open(struct redir_conn *c, const struct repair_target *t, const char *host,
		    unsigned port, const char *name, char *err, size_t cap);
/* Bytes read, 0 would block, -1 closed or failed. */
ssize_t redir_conn_read(struct redir_conn *c, void *buf, size_t cap);
/* Bytes written, 0 would block, -1 failed. */
ssize_t redir_conn_write(struct redir_conn *c, const void *buf, size_t len);
/* TLS holds decrypted bytes poll() cannot see. */
bool redir_conn_pending(const struct redir_conn *c);
void redir_conn_close(struct redir_conn *c);

#endif
