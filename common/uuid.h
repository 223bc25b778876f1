// SPDX-License-Identifier: Apache-2.0
/*
 * uuid.h - the one random (version 4) UUID generator of the project.
 * Owns: the random bytes (getrandom(2), the kernel's CSPRNG, no fallback)
 * and the RFC 4122 text form.
 * Must not: fall back to a weaker source: without randomness it fails.
 */
#ifndef COMMON_UUID_H
#define COMMON_UUID_H

#define UUID_TEXT_LEN 37 /* 36 characters and the NUL */

/* A random UUID in lower-case text into out. 0, or -errno when the kernel
 * gave no randomness (the caller fails loudly: an ID must never repeat). */
int uuid_v4(char out[UUID_TEXT_LEN]);

#endif
