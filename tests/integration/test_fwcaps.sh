#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Why AMT is unavailable, from the ME's MKHI FWCAPS rules, against amt-sim:
# AMT disabled in the BIOS/MEBx (both readings of how firmware hides AMTHI),
# firmware without AMT (a consumer sku, and the same said by explicit rule
# values), rules that disagree (the message of before), and the normal
# case; each with the exact line, exit 5, and what info still prints (text,
# --json, --get). Through the service an unprivileged user gets the same.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip fwcaps "needs root and /dev/fuse for the simulated device"; exit 0; fi

PROG_DISABLED='AMT is disabled in the BIOS/MEBx — enable Intel AMT in the BIOS setup or MEBx (Ctrl-P at boot)'
PROG_NO_AMT="this platform's ME firmware has no AMT (consumer image / brand none) — it cannot be managed with AMT"
PROG_BEFORE='AMT is not available on this machine (no AMT host interface on the ME) — AMT is disabled in the BIOS/MEBx or this platform has no AMT'

expect_line() { # NAME EXPECTED: $ERR is exactly that one line
	if [ "$ERR" == "$2" ]; then ok "$1"; else fail "$1" "got: $ERR"; fi
}

# ---- the normal case: the facts beside the AMT state ----------------------
start_sim normal <<'INI' || exit 1
[amt]
sku = 16392
INI
agent --device "$(dev normal)" info --json
expect_rc "normal: info exits 0" 0
expect_json "normal: facts" '"\(.amt_capable) \(.amt_enabled) \(.me_image) \(.me_brand)"' \
	"true true corporate amt"
expect_json "normal: AMT state still there" .amt_version 16.1.25
expect_json "normal: schema unchanged (additive keys)" .schema 1
agent --device "$(dev normal)" info
expect_grep "normal: text line" '^AMT features +capable, enabled; corporate \(full\) ME image, brand AMT$' "$OUT"
agent --device "$(dev normal)" info --get amt_enabled --get me_brand
expect_rc "normal: --get the facts" 0
[ "$OUT" == $'true\namt' ] && ok "normal: --get values" || fail "normal: --get values" "$OUT"
agent --device "$(dev normal)" -v -v info --json
expect_grep "normal: version and 2 rules on one MKHI connection" \
	'debug: 10 AMTHI transactions and 3 MKHI transactions' "$ERR"
stop_sim normal

# ---- AMT disabled in the BIOS/MEBx: AMTHI absent (ENOTTY) -----------------
start_sim disabled <<'INI' || exit 1
[amt]
enabled = false
me_fw_version = 16.1.25.2049
INI
agent --device "$(dev disabled)" info --json
expect_rc "disabled: info -> 5" 5
expect_line "disabled: info says so, and what to do" "amt-agent: cannot read the AMT state: $PROG_DISABLED"
expect_json "disabled: info still prints the facts" \
	'"\(.amt_capable) \(.amt_enabled) \(.me_image) \(.me_brand)"' "true false corporate amt"
expect_json "disabled: and the ME firmware version" .me_fw_version 16.1.25.2049
expect_json "disabled: AMT's own fields are null" \
	'[.uuid, .amt_version, .provisioned, .wired, .cira, .cert_hashes] | map(. == null) | all' true
expect_json "disabled: the same keys as a full document" \
	'keys_unsorted | join(",")' \
	"schema,device,uuid,amt_version,build,sku,provisioning_state,provisioned,control_mode,dns_suffix,wired,wireless,cira,cert_hashes,versions,bios_version,me_fw_version,amt_capable,amt_enabled,me_image,me_brand"
agent --device "$(dev disabled)" info
expect_rc "disabled: text info -> 5" 5
expect_grep "disabled: text says capable, disabled" \
	'^AMT features +capable, disabled in the BIOS/MEBx; corporate \(full\) ME image, brand AMT$' "$OUT"
expect_grep "disabled: text has the ME firmware" '^ME firmware +16\.1\.25\.2049$' "$OUT"
agent --device "$(dev disabled)" info --get wired.ipv4 --get amt_enabled
expect_rc "disabled: --get -> 5" 5
[ "$OUT" == $'\nfalse' ] && ok "disabled: --get prints the fact, null as an empty line" ||
	fail "disabled: --get" "$OUT"
agent --device "$(dev disabled)" hello
expect_rc "disabled: hello -> 5" 5
expect_line "disabled: hello says the same" "amt-agent: cannot start the provisioning hello packets: $PROG_DISABLED"
agent --device "$(dev disabled)" call-for-help
expect_rc "disabled: call-for-help -> 5" 5
expect_line "disabled: call-for-help says the same" "amt-agent: cannot call for help: $PROG_DISABLED"
stop_sim disabled

# ---- the other reading: AMTHI present, answering empty messages ---------
start_sim empty <<'INI' || exit 1
[amt]
enabled = false
[sim]
amt_disabled_style = empty
INI
agent --device "$(dev empty)" info --json
expect_rc "disabled (empty replies): info -> 5" 5
expect_line "disabled (empty replies): the same line" "amt-agent: cannot read the AMT state: $PROG_DISABLED"
expect_json "disabled (empty replies): facts" '"\(.amt_capable) \(.amt_enabled)"' "true false"
stop_sim empty

# ---- firmware without AMT: a consumer sku ----------------------------------
start_sim consumer <<'INI' || exit 1
[amt]
sku = 0
INI
agent --device "$(dev consumer)" info --json
expect_rc "consumer: info -> 5" 5
expect_line "consumer: says it cannot be managed with AMT" "amt-agent: cannot read the AMT state: $PROG_NO_AMT"
expect_json "consumer: facts" '"\(.amt_capable) \(.amt_enabled) \(.me_image) \(.me_brand)"' \
	"false false consumer none"
agent --device "$(dev consumer)" info
expect_grep "consumer: text" '^AMT features +not capable; consumer ME image, brand none$' "$OUT"
agent --device "$(dev consumer)" hello
expect_rc "consumer: hello -> 5" 5
expect_line "consumer: hello says the same" "amt-agent: cannot start the provisioning hello packets: $PROG_NO_AMT"
stop_sim consumer

# ---- the same from explicit rule values (an AMT sku overridden) ----------
start_sim rules <<'INI' || exit 1
[amt]
sku = 16392
fw_features = 0
fw_features_enabled = 0
platform_type = 0x0482
INI
agent --device "$(dev rules)" info --json
expect_rc "rules (corporate image, brand none): -> 5" 5
expect_line "rules: no AMT, corporate image brand none" \
	"amt-agent: cannot read the AMT state: this platform's ME firmware has no AMT (corporate (full) image / brand none) — it cannot be managed with AMT"
expect_json "rules: facts" '"\(.amt_capable) \(.me_image) \(.me_brand)"' "false corporate none"
stop_sim rules

# ---- rules that disagree: no verdict, the message of before --------------
start_sim undecided <<'INI' || exit 1
[amt]
sku = 16
enabled = false
INI
agent --device "$(dev undecided)" info --json
expect_rc "undecided (capable, consumer image): -> 5" 5
expect_line "undecided: the message of before" "amt-agent: cannot read the AMT state: $PROG_BEFORE"
expect_json "undecided: the facts as the ME said them" \
	'"\(.amt_capable) \(.amt_enabled) \(.me_image) \(.me_brand)"' "true false consumer standard_manageability"
stop_sim undecided

# ---- through the service: an unprivileged user gets the same -------------
start_sim svc <<'INI' || exit 1
[amt]
enabled = false
INI
mkdir -p "$T/run" "$T/state"
chmod 755 "$T/run"
cat > "$T/daemon.conf" <<EOF
[agent]
device = $(dev svc)
socket = $T/run/agent.sock
state_dir = $T/state
EOF
chmod 644 "$T/daemon.conf"
"$AGENT" --config "$T/daemon.conf" run > "$T/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 50); do [ -S "$T/run/agent.sock" ] && break; sleep 0.1; done
as_nobody() {
	OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$AGENT" --config "$T/daemon.conf" "$@" \
		2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
"$AGENT" --config "$T/daemon.conf" info --json > "$T/root.json" 2> /dev/null
as_nobody info --json
expect_rc "service: unprivileged info -> 5" 5
expect_line "service: the same line" "amt-agent: cannot read the AMT state: $PROG_DISABLED"
[ "$OUT" == "$(cat "$T/root.json")" ] && ok "service: the same partial document as root's" ||
	fail "service: partial document" "$(diff <(echo "$OUT") "$T/root.json" | head)"
expect_json "service: facts" '"\(.amt_capable) \(.amt_enabled)"' "true false"
as_nobody call-for-help
expect_rc "service: unprivileged call-for-help -> 5" 5
expect_line "service: call-for-help says AMT is disabled" "amt-agent: cannot call for help: $PROG_DISABLED"
kill -TERM "$DAEMON"; wait "$DAEMON" 2>/dev/null
stop_sim svc
