#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The persistent host ID end to end: stored in simulated AMT 11 3PDS through
# the agent's own LME tunnel, surviving a "reinstall" (state directory wiped,
# simulator restarted from its NVM), read back from the network by
# amt-verify device; the UEFI-variable fallback on AMT 16; the LMS path when
# something answers on the LMS address; credential and policy failures.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip hostid "needs root and /dev/fuse"; exit 0; fi
mkdir -p "$T/efivars"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NO_LMS=$(free_port)   # nothing listens here: the agent must use LME

conf() { # NAME [extra lines]: an agent config for device NAME
	cat > "$T/$1.conf" <<EOF
[agent]
device = $(dev "$1")
state_dir = $T/$1.state
[hostid]
efivarfs_dir = $T/efivars
lms_url = http://127.0.0.1:${LMS_PORT:-$NO_LMS}/wsman
${2:-}
EOF
	chmod 640 "$T/$1.conf"
}
hostid() { # NAME ARGS...
	local n=$1; shift
	OUT=$("$AGENT" --config "$T/$n.conf" hostid "$@" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

# ---- AMT 11: 3PDS through our own LME tunnel -----------------------------
cat > "$T/amt11.seed" <<'INI'
[amt]
version = 11.8.50
build = 3425
admin_user = admin
admin_password = Adm1n-Pass!
[platform]
uuid = 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[provisioning]
state = post
control_mode = acm
[storage]
enterprises = amt-agent
INI
NET_PORT=$(free_port)
SIM_ARGS="--listen 127.0.0.1:$NET_PORT" start_sim amt11 < "$T/amt11.seed" || exit 1
conf amt11
hostid amt11 init --json
expect_rc "hostid init on AMT 11 -> 0" 0
ID=$(jq -r .host_id <<<"$OUT")
expect_json "stored in 3PDS" .store amt-3pds
expect_json "through the agent's own LME tunnel" .transport lme
expect_json "a new ID was created" .created true
expect_json "AMT UUID reported beside it" .amt_uuid 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[[ "$ID" =~ ^[0-9a-f-]{36}$ ]] && ok "the new ID is a UUID ($ID)" || fail "new ID is a UUID" "$ID"
hostid amt11 init --json
expect_json "init again is idempotent" '"\(.host_id) \(.created)"' "$ID false"

# a reinstall: the agent's state directory is gone and the machine restarts
rm -rf "$T/amt11.state"
stop_sim amt11
cp "$T/amt11.ini" "$T/amt11.nvm"
grep -q "^\[storage.block" "$T/amt11.nvm" && ok "the block is in the simulator's NVM file" || fail "block in NVM" "no [storage.block] section"
SIM_ARGS="--listen 127.0.0.1:$NET_PORT" start_sim amt11 < "$T/amt11.nvm" || exit 1
hostid amt11 init --json
expect_rc "init after a reinstall -> 0" 0
expect_json "the same ID after a reinstall" '"\(.host_id) \(.created)"' "$ID false"
expect_json "the local copy is recreated" .local_copy created
[ "$(cat "$T/amt11.state/hostid")" == "$ID" ] && ok "local copy holds the ID" || fail "local copy" "$(cat "$T/amt11.state/hostid" 2>&1)"

# the copy disagrees with the firmware: the firmware wins, and says so
echo "stale-id-from-an-old-image" > "$T/amt11.state/hostid"
hostid amt11 show --json
expect_json "firmware wins over a stale copy" '"\(.host_id) \(.local_copy)"' "$ID updated"
expect_grep "the disagreement is reported" 'differs from the firmware' "$ERR"

# the remote side reads the same ID over the network
printf 'Adm1n-Pass!\n' > "$T/admin.pw"; chmod 600 "$T/admin.pw"
OUT=$("$VERIFY" device 127.0.0.1 --port "$NET_PORT" --user admin --password-file "$T/admin.pw" \
	--expect-hostid "$ID" --expect provisioning_state=post --expect control_mode=acm \
	--expect amt_version=11.8.50 --expect uuid=8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F --json 2>"$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "amt-verify device over the network: everything matches" 0
expect_json "the network side reads the same host ID" .device.host_id "$ID"
OUT=$("$VERIFY" device 127.0.0.1 --port "$NET_PORT" --user admin --password-file "$T/admin.pw" \
	--expect-hostid not-the-id 2>"$T/stderr"); RC=$?
expect_rc "a wrong expectation -> 1" 1
expect_grep "each mismatch is one line" "^127\.0\.0\.1: host_id: expected not-the-id, device has $ID$" "$OUT"

printf 'wrong-password\n' > "$T/bad.pw"; chmod 600 "$T/bad.pw"
start=$(date +%s)
OUT=$("$VERIFY" device 127.0.0.1 --port "$NET_PORT" --user admin --password-file "$T/bad.pw" 2>"$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "wrong password -> 4" 4
[ $(( $(date +%s) - start )) -lt 20 ] && ok "wrong password fails fast" || fail "wrong password fails fast" "took too long"

hostid amt11 set "asset-000042"
expect_rc "hostid set -> 0" 0
hostid amt11 show --json
expect_json "set took effect" .host_id asset-000042
hostid amt11 set "bad id with spaces"
expect_rc "an invalid ID -> 2" 2
hostid amt11 clear
expect_rc "hostid clear -> 0" 0
hostid amt11 show --json
expect_json "nothing stored after clear" .host_id null
stop_sim amt11

# ---- the enterprise entry must exist -------------------------------------
sed 's/^enterprises = .*/enterprises = someone-else/' "$T/amt11.seed" | start_sim noent || exit 1
conf noent
hostid noent init
expect_rc "missing 3PDS enterprise -> 1" 1
expect_grep "says which enterprise is missing and what to do" 'enterprise entry "amt-agent" exists' "$ERR"
stop_sim noent

# ---- Intel LMS present on 127.0.0.1:16992: used, and LME left alone -------
# (the simulator listening there stands in for LMS, with a qop="auth-int, auth" challenge)
if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",16992))' 2>/dev/null; then
	{ cat "$T/amt11.seed"; printf '[sim]\ndigest_qop = auth-int,auth\n'; } > "$T/lms.seed"
	SIM_ARGS="--listen 127.0.0.1" start_sim lms < "$T/lms.seed" || exit 1
	LMS_PORT=16992 conf lms
	hostid lms init --json
	expect_rc "LMS on 127.0.0.1:16992: hostid init -> 0" 0
	expect_json "goes through LMS" .transport lms
	! grep -q "host connected to the LME client" "$T/lms.log" && ok "LME is not opened while LMS answers" ||
		fail "LME not opened while LMS answers" "the simulator saw an LME connection"
	ok "digest challenge with qop=\"auth-int, auth\" accepted"
	stop_sim lms
else
	skip "LMS on 16992" "port 16992 is in use on this machine"
fi
grep -q "host connected to the LME client" "$T/amt11.log" && ok "without LMS the agent went through LME" ||
	fail "without LMS, LME used" "no LME connection in the simulator log"

# ---- wrong WS-Man credentials: a clear error, never a hang -----------------
SIM_ARGS="--listen 127.0.0.1:$NET_PORT" start_sim creds < "$T/amt11.seed" || exit 1
printf 'not-the-password\n' > "$T/wrong.pw"; chmod 600 "$T/wrong.pw"
conf creds "user = admin
password_file = $T/wrong.pw"
start=$(date +%s)
hostid creds show
expect_rc "agent with a wrong WS-Man password -> 4" 4
expect_one_line "wrong password: one line" "$ERR"
[ $(( $(date +%s) - start )) -lt 20 ] && ok "agent wrong password fails fast" || fail "agent wrong password fails fast" "slow"
stop_sim creds

# ---- AMT 16: no 3PDS, the UEFI variable ------------------------------------
start_sim amt16 <<'INI' || exit 1
[amt]
version = 16.1.25
[platform]
uuid = 03000200-0400-0500-0006-000700080009
[provisioning]
state = post
control_mode = acm
INI
conf amt16
hostid amt16 init --json
expect_rc "hostid init on AMT 16 -> 0" 0
expect_json "falls back to a UEFI variable" .store uefi-variable
ID16=$(jq -r .host_id <<<"$OUT")
VAR="$T/efivars/AmtAgentHostId-5a4f3c1e-7b2d-4e8f-9a61-0c3d2b1a7e55"
[ -f "$VAR" ] && [ "$(tail -c +5 "$VAR")" == "$ID16" ] && ok "efivarfs file: attributes then the ID" || fail "efivarfs file" "$(ls "$T/efivars")"
[ "$(head -c 1 "$VAR" | od -An -tu1 | tr -d ' ')" == 7 ] && ok "variable attributes NV+BS+RT" || fail "attributes" "$(od -An -tx1 "$VAR" | head -1)"
rm -rf "$T/amt16.state"
hostid amt16 init --json
expect_json "same ID after a reinstall (UEFI)" '"\(.host_id) \(.created)"' "$ID16 false"
stop_sim amt16
