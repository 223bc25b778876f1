#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The files around amt-agent run: the socket's directory must be the
# service's own (owned by its user or root; not writable by others unless
# sticky), the lock file is never followed through a symbolic link, secret
# files (client_key, token_file, password_file) are checked themselves, and
# the configuration file may stay world-readable so an unprivileged user's
# CLI can find the socket.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip daemon_files "needs root and /dev/fuse"; exit 0; fi
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

start_sim f < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1
mkdir -p "$T/state"

conf() { # FILE SOCKET_DIR [EXTRA LINES]: a daemon configuration
	printf '[agent]\ndevice = %s\nsocket = %s/agent.sock\nstate_dir = %s\nlog_level = info\n%s' \
		"$(dev f)" "$2" "$T/state" "${3:-}" > "$1"
	chmod 644 "$1"
}
DAEMON=
start_daemon() { # CONF: sets DAEMON (empty when it exited), LOG
	LOG="$T/daemon.$RANDOM.log"
	"$AGENT" --config "$1" run > "$LOG" 2>&1 &
	DAEMON=$!
	local sock; sock=$(sed -n 's/^socket = //p' "$1")
	for _ in $(seq 1 50); do
		[ -S "$sock" ] && return 0
		kill -0 "$DAEMON" 2>/dev/null || { wait "$DAEMON"; DAEMON=; return 1; }
		sleep 0.1
	done
	return 1
}
stop_daemon() {
	[ -n "$DAEMON" ] || return 0
	kill -TERM "$DAEMON"; wait "$DAEMON"; DAEMON=
}

# ---- the socket's directory ------------------------------------------------
mkdir -p "$T/open"; chmod 0777 "$T/open"
conf "$T/open.conf" "$T/open"
if start_daemon "$T/open.conf"; then stop_daemon; fail "world-writable socket directory refused" "it started"
else ok "world-writable socket directory refused"; fi
expect_grep "...saying why and what to do" "refusing the socket directory $T/open: other users may write to it \(mode 0777\) and it has no sticky bit — run 'chmod go-w $T/open'" "$(cat "$LOG")"
[ ! -e "$T/open/agent.sock" ] && ok "...and no socket left there" || fail "no socket left" "$(ls "$T/open")"

mkdir -p "$T/grp"; chmod 0775 "$T/grp"
conf "$T/grp.conf" "$T/grp"
if start_daemon "$T/grp.conf"; then stop_daemon; fail "group-writable socket directory refused" "it started"
else ok "group-writable socket directory refused"; fi

mkdir -p "$T/theirs"; chmod 0755 "$T/theirs"; chown 65534:65534 "$T/theirs"
conf "$T/theirs.conf" "$T/theirs"
if start_daemon "$T/theirs.conf"; then stop_daemon; fail "another user's socket directory refused" "it started"
else ok "another user's socket directory refused"; fi
expect_grep "...naming the owner" "refusing the socket directory $T/theirs: it belongs to uid 65534" "$(cat "$LOG")"

mkdir -p "$T/sticky"; chmod 1777 "$T/sticky"
conf "$T/sticky.conf" "$T/sticky"
start_daemon "$T/sticky.conf" && ok "a sticky world-writable directory (as /tmp) is accepted" ||
	fail "sticky directory" "$(cat "$LOG")"
stop_daemon

# ---- the lock file -----------------------------------------------------------
mkdir -p "$T/run"; chmod 0755 "$T/run"
conf "$T/run.conf" "$T/run"
ln -s "$T/victim" "$T/run/agent.sock.lock"
if start_daemon "$T/run.conf"; then
	fail "a symbolic link as the lock file is refused" "it started"
	"${NOBODY[@]}" "$AGENT" --config "$T/run.conf" info > /dev/null 2>&1
	stop_daemon
else
	ok "a symbolic link as the lock file is refused"
fi
expect_grep "...saying what to do" "cannot open the lock file $T/run/agent.sock.lock: .*symbolic link: remove it" "$(cat "$LOG")"
[ ! -e "$T/victim" ] && ok "...and nothing was created where it pointed" || fail "symlink followed" "$T/victim created"
rm -f "$T/run/agent.sock.lock"

# ---- secret files and a world-readable configuration -----------------------
mkdir -p "$T/secrets"; chmod 0700 "$T/secrets"
printf 'tok-1\n' > "$T/secrets/token"; chmod 600 "$T/secrets/token"
conf "$T/run.conf" "$T/run" "[report]
token_file = $T/secrets/token
"
start_daemon "$T/run.conf" && ok "world-readable configuration naming a good secret file: service starts" ||
	fail "service with a secret file" "$(cat "$LOG")"
OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/run.conf" info --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "an unprivileged user's info through the service: the configuration stays readable" 0
chmod 644 "$T/secrets/token"
[ -n "$DAEMON" ] && kill -HUP "$DAEMON"; sleep 0.3
expect_grep "reload refuses a world-readable token file" "reload refused.*token_file = $T/secrets/token can be read by other users — run 'chmod o-rwx" "$(cat "$LOG")"
chmod 600 "$T/secrets/token"
stop_daemon
OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/run.conf" info --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "service down, unprivileged: the device's permission (4), not the secret it cannot see" 4

# Root running a command itself checks each secret file it would read.
printf 'secret\n' > "$T/pub"; chmod 644 "$T/pub"
printf 'secret\n' > "$T/theirs.key"; chmod 600 "$T/theirs.key"; chown 65534 "$T/theirs.key"
printf 'x\n' > "$T/ww"; chmod 602 "$T/ww"
ln -sf "$T/pub" "$T/link"
for row in "report client_key $T/pub read" "report token_file $T/link read" \
	"hostid password_file $T/pub read" "report token_file $T/theirs.key uid 65534" \
	"report token_file $T/ww written" "hostid password_file $T/secrets regular"; do
	read -r sec key file why <<<"$row"
	printf '[agent]\ndevice = %s\n[%s]\n%s = %s\n' "$(dev f)" "$sec" "$key" "$file" > "$T/s.conf"
	chmod 600 "$T/s.conf" # the old rule (the configuration's own mode) is satisfied
	OUT=$("$AGENT" --config "$T/s.conf" info --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	if [ "$RC" -eq 2 ] && grep -q "configuration refused: \[$sec\] $key = $file.*$why" <<<"$ERR"; then
		ok "[$sec] $key: $(basename "$file") refused ($why)"
	else
		fail "[$sec] $key: $(basename "$file")" "exit $RC: $ERR"
	fi
done
printf '[agent]\ndevice = %s\n[report]\ntoken_file = %s/secrets/token\n' "$(dev f)" "$T" > "$T/s.conf"
chmod 644 "$T/s.conf"
OUT=$("$AGENT" --config "$T/s.conf" info --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "root: world-readable configuration, private secret file: fine" 0
chmod 640 "$T/s.conf"
OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/s.conf" info 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "an unreadable configuration is still a configuration error (2)" 2
expect_grep "...that says it may stay readable" 'Permission denied \(the file may stay readable by everyone' "$ERR"
stop_sim f
