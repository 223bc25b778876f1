// SPDX-License-Identifier: Apache-2.0
/*
 * store_migrations.h - the store's schema as versioned migrations, one SQL
 * file per step and backend in tools/verify/migrations/BACKEND/NNN_NAME.sql,
 * embedded at build time by scripts/embed-sql.sh (the generated
 * store_migrations.c holds the table).
 *
 * Owns: the table's shape and the lookup by backend. Migration N brings a
 * store from schema N-1 to N; both backends have the same numbers (a unit
 * test checks), so a schema version means the same tables everywhere.
 * Must not: run SQL (each backend applies its own rows in one transaction).
 */
#ifndef VERIFY_STORE_MIGRATIONS_H
#define VERIFY_STORE_MIGRATIONS_H

struct store_migration {
	const char *backend; /* "sqlite", "postgresql"; NULL ends the table */
	int version;         /* NNN: the schema version after this step */
	const char *name;    /* NAME, for messages */
	const char *sql;     /* the file's text */
};

/* Generated: every migration of every backend, each backend's in version
 * order, ended by a row of zeros. */
extern const struct store_migration store_migrations[];

/* The highest version backend knows (0 when none). */
int store_migrations_latest(const char *backend);

#endif
