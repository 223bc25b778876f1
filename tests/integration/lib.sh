# SPDX-License-Identifier: Apache-2.0
# Shared helpers for integration tests: start/stop amt-sim on a temporary
# device file, run the real binaries, and report one "ok NAME" or
# "FAIL NAME: why" line per check (tests/run.sh counts them).
set -uo pipefail
: "${BUILD_DIR:?run through tests/run.sh or set BUILD_DIR}"
AGENT="$BUILD_DIR/amt-agent"
SIM="$BUILD_DIR/amt-sim"
VERIFY="$BUILD_DIR/amt-verify"
T=$(mktemp -d /tmp/amt-it.XXXXXX)
chmod 755 "$T"
: > "$T/agent.conf"
declare -A SIM_PID=()

cleanup() {
	local n
	for n in "${!SIM_PID[@]}"; do stop_sim "$n" quiet; done
	grep -q " $T/" /proc/mounts 2>/dev/null && grep " $T/" /proc/mounts | awk '{print $2}' | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "skip $1: $2"; }

need_root() { [ "$(id -u)" -eq 0 ] && [ -e /dev/fuse ]; }

# start_sim NAME <<'INI' ... INI   (state read from stdin)
# SIM_ARGS: extra amt-sim arguments, e.g. SIM_ARGS="--listen 127.0.0.1:0"
start_sim() {
	local name=$1 i
	cat > "$T/$name.ini"
	# shellcheck disable=SC2086 # SIM_ARGS is a list of words
	"$SIM" run --state "$T/$name.ini" --device "$T/$name.mei" ${SIM_ARGS:-} > "$T/$name.log" 2>&1 &
	SIM_PID[$name]=$!
	for i in $(seq 1 100); do
		grep -q "ready" "$T/$name.log" 2>/dev/null && return 0
		kill -0 "${SIM_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "amt-sim $name did not start:"; cat "$T/$name.log"
	return 1
}

stop_sim() {
	local name=$1 pid=${SIM_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "SIM_PID[$name]"
}

dev() { echo "$T/$1.mei"; }

# agent ARGS...: runs amt-agent with a hermetic config; sets OUT, ERR, RC
agent() {
	OUT=$("$AGENT" --config "$T/agent.conf" "$@" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

# expect_rc NAME CODE: check the last command's exit code
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1"; else fail "$1" "exit $RC, expected $2; stderr: $ERR"; fi
}

# expect_json NAME JQ_FILTER EXPECTED: compare a field of $OUT
expect_json() {
	local got
	got=$(jq -r "$2" <<<"$OUT" 2>&1)
	if [ "$got" == "$3" ]; then ok "$1"; else fail "$1" "$2 = '$got', expected '$3'"; fi
}

expect_grep() { # NAME PATTERN TEXT
	if grep -qE -- "$2" <<<"$3"; then ok "$1"; else fail "$1" "no /$2/ in: $3"; fi
}

expect_one_line() { # NAME TEXT: an error is one line
	local n; n=$(grep -c . <<<"$2")
	if [ "$n" -eq 1 ]; then ok "$1"; else fail "$1" "expected one line, got $n: $2"; fi
}
