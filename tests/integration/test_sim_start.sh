#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-sim's start-up failures as a user meets them: one line on stderr that
# says what is missing and what to do, with the documented exit code (4 for
# "run as root" / a missing capability, 2 for a bad state file), and nothing
# left mounted. Each case runs the real binary.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip sim_start "needs root to switch users and drop capabilities"; exit 0; fi

printf '[amt]\nversion = 16.1.25\n' > "$T/ok.ini"
chmod 644 "$T/ok.ini"

# sim ARGS...: run amt-sim to its first failure (it must not start); sets ERR, RC
run_sim() {
	ERR=$(timeout 10 "$@" 2>&1 >/dev/null); RC=$?
}

if [ "$(stat -c %a /dev/fuse)" = 600 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	run_sim setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$SIM" run --state "$T/ok.ini" --device "$T/nobody.mei"
	expect_rc "non-root without access to /dev/fuse -> 4" 4
	expect_one_line "non-root: one line" "$ERR"
	expect_grep "non-root: says to run as root" 'run amt-sim as root' "$ERR"
	expect_grep "non-root: names /dev/fuse and why" '/dev/fuse: Permission denied' "$ERR"
	if grep -q 'is /dev/fuse usable' <<<"$ERR"; then
		fail "non-root: no guessing" "$ERR"
	else
		ok "non-root: no guessing"
	fi
else
	skip "non-root start" "needs /dev/fuse mode 600, user nobody and setpriv"
fi

if command -v setpriv >/dev/null; then
	run_sim setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
		"$SIM" run --state "$T/ok.ini" --device "$T/nocap.mei"
	expect_rc "root without CAP_SYS_ADMIN -> 4" 4
	expect_one_line "no CAP_SYS_ADMIN: one line" "$ERR"
	expect_grep "no CAP_SYS_ADMIN: names the capability" 'CAP_SYS_ADMIN' "$ERR"
else
	skip "no CAP_SYS_ADMIN" "needs setpriv"
fi

printf '[amt]\nfrobnicate = 1\n' > "$T/bad.ini"
run_sim "$SIM" run --state "$T/bad.ini" --device "$T/bad.mei"
expect_rc "unknown state key -> 2" 2
expect_grep "bad state file names file and line" 'bad.ini:2: \[amt\] frobnicate: unknown key' "$ERR"

printf '[sim]\ntx_queue_limit = 10\n' > "$T/range.ini"
run_sim "$SIM" run --state "$T/range.ini" --device "$T/range.mei"
expect_rc "tx_queue_limit below the driver's range -> 2" 2
expect_grep "out-of-range value explained" 'tx_queue_limit: bad value' "$ERR"

if grep -q " $T/" /proc/mounts; then
	fail "nothing left mounted" "$(grep " $T/" /proc/mounts)"
else
	ok "nothing left mounted"
fi
