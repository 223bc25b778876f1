#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-sim run --sysfs DIR as host software meets it: every attribute file
# under DIR/mei0/ holds what the kernel would show for the state (fw_ver the
# version the agent reads over MKHI GET_FW_VERSION through the device), a
# SIGHUP reload rewrites them, the files go at exit, and
# scripts/with-mei0.sh --sysfs DIR shows them as /sys/class/mei/mei0 inside
# its namespace only. With METEE_TEST=/path/to/metee_test (intel/metee's
# test binary, built as README "Real host software against amt-sim" says)
# the whole metee suite runs against it too.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip sim_sysfs "needs root and /dev/fuse"; exit 0; fi
WITH_MEI0="$(cd "$(dirname "$0")/../.." && pwd)/scripts/with-mei0.sh"
CLASS="$T/class"

SIM_ARGS="--sysfs $CLASS" start_sim s <<'INI' || exit 1
[amt]
version = 16.1.25
me_fw_version = 16.1.30.2307
[me]
trc = 0x1234
[sim]
tx_queue_limit = 64
INI

attr() { cat "$CLASS/mei0/$1" 2>&1; }
expect_eq() { # NAME GOT WANT
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

lines=$(attr fw_status)
if [ "$(grep -cxE '[0-9A-F]{8}' <<<"$lines")" = 6 ] && [ "$(wc -l <<<"$lines")" = 6 ]; then
	ok "fw_status: six registers, %08X each"
else
	fail "fw_status: six registers, %08X each" "$lines"
fi
fwsts1=$((16#$(sed -n 1p <<<"$lines")))
expect_eq "fw_status: FWSTS1 says normal, init complete, no error" \
	"$((fwsts1 & 0xF)):$(((fwsts1 >> 9) & 1)):$(((fwsts1 >> 12) & 0xF))" "5:1:0"
expect_eq "fw_status: FWSTS3 says corporate SKU (sku 0x4008)" \
	"$(((16#$(sed -n 3p <<<"$lines") >> 4) & 7))" 3
expect_eq "trc is [me] trc" "$(attr trc)" "00001234"
expect_eq "tx_queue_limit is [sim] tx_queue_limit" "$(attr tx_queue_limit)" 64
expect_eq "kind is mei" "$(attr kind)" mei
expect_eq "hbm_ver and hbm_ver_drv" "$(attr hbm_ver) $(attr hbm_ver_drv)" "2.2 2.2"
expect_eq "dev_state is ENABLED without a newline" "$(od -An -c "$CLASS/mei0/dev_state" | tr -d ' ')" "ENABLED"

agent --device "$(dev s)" info --json
fw=$(jq -r .me_fw_version <<<"$OUT")
expect_eq "fw_ver: three lines, the first what MKHI GET_FW_VERSION told the agent" \
	"$(attr fw_ver | tr '\n' ' ')" "0:$fw 0:$fw 0:$fw "
expect_eq "the agent read 16.1.30.2307" "$fw" "16.1.30.2307"

# A reload with another firmware and fewer version blocks rewrites them.
cat > "$T/s.ini" <<'INI'
[amt]
version = 16.1.25
me_fw_version = 16.1.31.2400
[me]
fw_status = 0x1e000245,0x60002306
[sim]
mkhi_version_blocks = 2
INI
kill -HUP "${SIM_PID[s]}"
for _ in $(seq 50); do grep -q 2400 "$CLASS/mei0/fw_ver" 2>/dev/null && break; sleep 0.1; done
agent --device "$(dev s)" info --json
fw=$(jq -r .me_fw_version <<<"$OUT")
expect_eq "after SIGHUP: fw_ver follows GET_FW_VERSION (two blocks, third zero)" \
	"$(attr fw_ver | tr '\n' ' ')" "0:$fw 0:$fw 0:0.0.0.0 "
expect_eq "after SIGHUP: the agent read 16.1.31.2400" "$fw" "16.1.31.2400"
expect_eq "after SIGHUP: fw_status is [me] fw_status" "$(attr fw_status | tr '\n' ' ')" \
	"1E000245 60002306 "
expect_eq "after SIGHUP: tx_queue_limit back to 50" "$(attr tx_queue_limit)" 50
leftover=$(find "$CLASS" -name '*.tmp.*')
expect_eq "no temporary file left beside the attributes" "$leftover" ""

# with-mei0.sh: the attributes are /sys/class/mei/mei0 inside, nothing changes outside.
before=$(ls -A /sys/class/mei 2>&1)
inside=$("$WITH_MEI0" --sysfs "$CLASS" "$(dev s)" sh -c \
	'cat /sys/class/mei/mei0/fw_ver /sys/class/mei/mei0/kind; ls /sys/class | wc -l' 2>&1)
expect_eq "with-mei0.sh --sysfs: /sys/class/mei/mei0 is DIR/mei0 inside" \
	"$(head -4 <<<"$inside" | tr '\n' ' ')" "$(attr fw_ver | tr '\n' ' ')mei "
expect_eq "with-mei0.sh --sysfs: the other classes stay visible" \
	"$(tail -1 <<<"$inside")" "$(ls /sys/class | wc -l)"
expect_eq "with-mei0.sh --sysfs: the host's /sys/class/mei is untouched" \
	"$(ls -A /sys/class/mei 2>&1)" "$before"
ERR=$("$WITH_MEI0" --sysfs "$T/nowhere" "$(dev s)" true 2>&1); RC=$? # read by expect_rc
expect_rc "with-mei0.sh --sysfs without the attributes -> 1" 1
expect_one_line "with-mei0.sh --sysfs without the attributes: one line" "$ERR"
expect_grep "with-mei0.sh --sysfs without the attributes: says what to start" \
	'amt-sim run --sysfs' "$ERR"

if [ -n "${METEE_TEST:-}" ]; then
	# the README's state for metee and LMS (AMT 11.8: fw_ver 0:11.8.50.2049)
	printf '[amt]\nversion = 11.8.50\n' > "$T/s.ini"
	kill -HUP "${SIM_PID[s]}"
	for _ in $(seq 50); do grep -q 11.8.50 "$CLASS/mei0/fw_ver" 2>/dev/null && break; sleep 0.1; done
	out=$(timeout 300 "$WITH_MEI0" --sysfs "$CLASS" "$(dev s)" "$METEE_TEST" 2>&1)
	expect_grep "metee: the whole suite passes ($(grep -oE '[0-9]+ tests from [0-9]+ test suites' <<<"$out" | head -1))" \
		'^\[  PASSED  \] [0-9]+ tests\.$' "$(grep -E '^\[  (PASSED|FAILED)  \] [0-9]+ tests?' <<<"$out")"
	expect_grep "metee: the sysfs tests ran and passed" \
		'OK \].*PROD_MKHI_GetTRC' "$out"
else
	skip "metee suite" "set METEE_TEST to intel/metee's built tests/metee_test"
fi

stop_sim s
if [ -e "$CLASS/mei0" ]; then
	fail "the attributes are removed at exit" "$(ls -A "$CLASS/mei0")"
else
	ok "the attributes are removed at exit"
fi
