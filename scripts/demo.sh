#!/usr/bin/env bash
# make demo: start the simulated ME, run amt-agent against it, stop it cleanly.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/$BUILD"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the simulator mounts a FUSE device; run 'sudo make demo'" >&2; exit 1
fi
T=$(mktemp -d /tmp/amt-demo.XXXXXX)
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill -TERM "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cp "$ROOT/tests/data/laptop-amt16.ini" "$T/state.ini"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting amt-sim: a simulated ME + AMT 16 laptop behind $T/mei0"
"$B/amt-sim" run --state "$T/state.ini" --device "$T/mei0" &
SIM_PID=$!
for _ in $(seq 1 50); do grep -q "$T/mei0" /proc/mounts && break; sleep 0.1; done

say "amt-agent --device $T/mei0 info"
"$B/amt-agent" --config /dev/null --device "$T/mei0" info

say "amt-agent --device $T/mei0 info --json   (for scripts)"
"$B/amt-agent" --config /dev/null --device "$T/mei0" info --json

say "Exit codes are part of the contract: no device -> 3"
set +e
"$B/amt-agent" --config /dev/null --device "$T/none" info; echo "exit code: $?"
set -e

say "Stopping the simulator (SIGTERM unmounts the device)"
kill -TERM "$SIM_PID"; wait "$SIM_PID" || true; SIM_PID=
grep -q "$T/mei0" /proc/mounts && echo "mount left behind!" || echo "device unmounted cleanly"
