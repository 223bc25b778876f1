# SPDX-License-Identifier: Apache-2.0
# A real PostgreSQL server for the store tests (sourced after lib.sh): Debian's
# postgresql, initdb + pg_ctl in $T/pg as an unprivileged user (the package's
# "postgres" account, else nobody), listening only on a Unix socket in
# $T/pg/sock, trust authentication for that socket. No mock: the listeners
# and the store's unit contract run against it.
#   pg_start            initdb (once) and start; sets PG_HOST, PG_USER
#   pg_createdb NAME    a database; prints its URL
#   pg_stop [MODE]      pg_ctl stop (fast, or immediate = as a crash)
#   pg_psql DB SQL      run SQL, unaligned output
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR=$T/pg
PG_HOST=$PG_DIR/sock
PG_USER=postgres
PG_OS_USER=postgres
id postgres >/dev/null 2>&1 || PG_OS_USER=nobody

pg_available() { [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; }

as_pg() { runuser -u "$PG_OS_USER" -- "$@"; }

pg_start() {
	if [ ! -d "$PG_DIR/data" ]; then
		mkdir -p "$PG_HOST" && chown -R "$PG_OS_USER" "$PG_DIR" && chmod 700 "$PG_DIR" || return 1
		as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" -A trust -E UTF8 --no-locale \
			> "$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
	fi
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-k $PG_HOST -c listen_addresses='' -c fsync=on" start > /dev/null 2>&1 ||
		{ tail -20 "$PG_DIR/server.log"; return 1; }
}

pg_stop() { # [fast|immediate]
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w -t 30 stop > /dev/null 2>&1
}

pg_psql() { # DB SQL
	"$PG_BIN/psql" -X -q -A -t -h "$PG_HOST" -U "$PG_USER" -d "$1" -c "$2"
}

pg_createdb() { # NAME -> URL
	pg_psql postgres "CREATE DATABASE $1" >/dev/null || return 1
	echo "postgresql:///$1?host=$PG_HOST&user=$PG_USER"
}

pg_cleanup() { [ -d "$PG_DIR/data" ] && pg_stop immediate; }
