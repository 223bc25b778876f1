#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-agent info against amt-sim through the FUSE device: several device
# states compared field by field with the state file, and every failure
# mode with its documented exit code and one-line message.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip info "needs root and /dev/fuse for the simulated device"; exit 0; fi

# ---- pre-provisioned AMT 11 desktop without wireless --------------------
start_sim desk <<'INI' || exit 1
[amt]
version = 11.8.50
build = 3425
sku = 16392
[platform]
uuid = 4C4C4544-0042-3010-8052-B4C04F564D32
bios = DELL.1.2.3
[provisioning]
state = pre
control_mode = none
hashes = sha256:c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4:VeriSign Class 3 Primary CA-G5
hashes = sha1:742c3192e607e424eb4549542be1bbc53e6174e2:Class 3 Public Primary
[network]
dns_suffix = corp.example.com
[wired]
mac = 00:1a:2b:3c:4d:5e
ipv4 = 10.20.30.40
dhcp = true
link_up = true
[wireless]
present = false
[cira]
status = not_connected
network = inside
INI
agent --device "$(dev desk)" info --json
expect_rc "desktop info exits 0" 0
expect_json "desktop schema" .schema 1
expect_json "desktop uuid" .uuid 4C4C4544-0042-3010-8052-B4C04F564D32
expect_json "desktop amt_version" .amt_version 11.8.50
expect_json "desktop build" .build 3425
expect_json "desktop sku" .sku 16392
expect_json "desktop provisioning_state" .provisioning_state pre
expect_json "desktop provisioned" .provisioned false
expect_json "desktop control_mode" .control_mode none
expect_json "desktop dns_suffix" .dns_suffix corp.example.com
expect_json "desktop wired mac" .wired.mac 00:1a:2b:3c:4d:5e
expect_json "desktop wired ipv4" .wired.ipv4 10.20.30.40
expect_json "desktop wired dhcp" .wired.dhcp true
expect_json "desktop wired link" .wired.link_up true
expect_json "desktop wireless null" .wireless null
expect_json "desktop cira status" .cira.status not_connected
expect_json "desktop cira network" .cira.network inside_enterprise
expect_json "desktop cira mps" .cira.mps null
expect_json "desktop cert hash count" '.cert_hashes|length' 2
expect_json "desktop cert hash 0" '.cert_hashes[0]|"\(.algorithm) \(.hash) \(.name)"' \
	"sha256 c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4 VeriSign Class 3 Primary CA-G5"
expect_json "desktop cert hash 1 sha1" '.cert_hashes[1].algorithm' sha1
expect_json "desktop versions table" '[.versions[]|select(.name=="Build Number")|.value]|first' 3425
expect_json "desktop bios" .bios_version DELL.1.2.3
expect_json "desktop me_fw_version (MKHI)" .me_fw_version 11.8.50.3425
expect_json "desktop device reported" .device "$(dev desk)"

agent --device "$(dev desk)" info
expect_rc "desktop text exits 0" 0
expect_grep "text shows version" '^AMT version +11\.8\.50 \(build 3425, SKU 16392\)' "$OUT"
expect_grep "text shows provisioning" 'not provisioned' "$OUT"
expect_grep "text shows no wireless" '^Wireless +not present' "$OUT"

agent --device "$(dev desk)" -v -v info --json
expect_grep "fewest transactions: 12 for 2 hashes" 'debug: 12 AMTHI transactions' "$ERR"
stop_sim desk

# ---- provisioned ACM AMT 16 laptop with wireless -----------------------
start_sim laptop <<'INI' || exit 1
[amt]
version = 16.1.25
build = 2049
sku = 16392
[platform]
uuid = 03000200-0400-0500-0006-000700080009
[provisioning]
state = post
control_mode = acm
hashes = sha384:0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ff:Root384
[network]
dns_suffix = vpro.example.org
[wired]
mac = 00:11:22:33:44:55
ipv4 = 192.168.7.10
dhcp = false
link_up = false
[wireless]
present = true
mac = 66:77:88:99:aa:bb
ipv4 = 10.1.2.3
dhcp = true
link_up = true
[cira]
status = connected
network = outside
trigger = periodic
mps = mps.example.org:4433
INI
agent --device "$(dev laptop)" info --json
expect_rc "laptop info exits 0" 0
expect_json "laptop provisioning" '"\(.provisioning_state) \(.provisioned) \(.control_mode)"' "post true acm"
expect_json "laptop uuid" .uuid 03000200-0400-0500-0006-000700080009
expect_json "laptop wired" '"\(.wired.mac) \(.wired.ipv4) \(.wired.dhcp) \(.wired.link_up)"' \
	"00:11:22:33:44:55 192.168.7.10 false false"
expect_json "laptop wireless" '"\(.wireless.mac) \(.wireless.ipv4) \(.wireless.dhcp) \(.wireless.link_up)"' \
	"66:77:88:99:aa:bb 10.1.2.3 true true"
expect_json "laptop cira" '"\(.cira.status) \(.cira.network) \(.cira.trigger) \(.cira.mps)"' \
	"connected outside_enterprise periodic mps.example.org"
expect_json "laptop: a person may call for help from the OS and the BIOS" \
	'"\(.cira.user_initiated.os) \(.cira.user_initiated.bios)"' "true true"
expect_json "laptop sha384 hash" '.cert_hashes[0]|"\(.algorithm) \(.hash|length)"' "sha384 96"
expect_json "laptop AMT 16 core version entry" '[.versions[].name]|index("AMT FW Core Version") != null' true
stop_sim laptop

# ---- UNVERIFIED readings: both variants decode the same -----------------
start_sim variants <<'INI' || exit 1
[provisioning]
state = post
control_mode = ccm
hashes = sha512:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
[network]
dns_suffix = nul.example.com
[cira]
status = connecting
trigger = provisioning
mps = mps.nul.example.com
os_interface = false
[sim]
ansi_nul = true
hash_numbering = lms
trigger_numbering = rpcgo
mkhi_platform = 7
INI
agent --device "$(dev variants)" info --json
expect_rc "variant A exits 0" 0
expect_json "ANSI string with NUL" .dns_suffix nul.example.com
expect_json "MPS name with NUL" .cira.mps mps.nul.example.com
expect_json "sha512 as id 3 (intel/lms numbering)" '.cert_hashes[0].algorithm' sha512
expect_json "MKHI platform byte kept apart from major (three blocks)" .me_fw_version 16.1.25.2049
expect_json "ccm" .control_mode ccm
expect_json "OS interface disabled by policy, BIOS still enabled" \
	'"\(.cira.user_initiated.os) \(.cira.user_initiated.bios)"' "false true"
printf '[agent]\ncira_trigger_numbering = rpcgo\n' > "$T/rpcgo.conf"
OUT=$("$AGENT" --config "$T/rpcgo.conf" --device "$(dev variants)" info --json 2>/dev/null)
expect_json "trigger with rpc-go numbering on both sides" .cira.trigger provisioning
stop_sim variants

start_sim variantb <<'INI' || exit 1
[provisioning]
hashes = sha512:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
[network]
dns_suffix = nul.example.com
[sim]
ansi_nul = false
hash_numbering = rpcgo
mkhi_version_blocks = 2
INI
agent --device "$(dev variantb)" info --json
expect_json "ANSI string without NUL" .dns_suffix nul.example.com
expect_json "MKHI version with two blocks (older firmware)" .me_fw_version 16.1.25.2049
expect_json "sha512 as id 5 (rpc-go numbering)" '.cert_hashes[0].algorithm' sha512
stop_sim variantb

# ---- failures: each with its exit code and one line --------------------
agent --device "$T/nonexistent/mei0" info --json
expect_rc "no device -> 3" 3
expect_one_line "no device: one line" "$ERR"
expect_grep "no device: says what to do" 'mei_me|--device' "$ERR"
[ -z "$OUT" ] && ok "no device: nothing on stdout" || fail "no device: nothing on stdout" "$OUT"

if ! ls /dev/mei* >/dev/null 2>&1; then
	agent info
	expect_rc "probe finds no device -> 3" 3
	expect_grep "probe names the nodes tried" '/dev/mei0\.\./dev/mei3' "$ERR"
fi

start_sim disabled <<'INI' || exit 1
[amt]
enabled = false
INI
agent --device "$(dev disabled)" info --json
expect_rc "AMT disabled (client absent) -> 5" 5
expect_grep "AMT disabled message (the ME's FWCAPS rules say why)" 'AMT is disabled in the BIOS/MEBx — enable Intel AMT' "$ERR"
stop_sim disabled

start_sim disabled2 <<'INI' || exit 1
[amt]
enabled = false
[sim]
amt_disabled_style = empty
INI
agent --device "$(dev disabled2)" info --json
expect_rc "AMT disabled (empty reply) -> 5" 5
stop_sim disabled2

start_sim perm <<'INI' || exit 1
[amt]
version = 12.0.1
INI
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$AGENT" --config "$T/agent.conf" --device "$(dev perm)" info --json 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "unprivileged user -> 4" 4
expect_grep "permission message says what to do" 'permission denied — run as root' "$ERR"
expect_one_line "permission: one line" "$ERR"
stop_sim perm

start_sim busy <<'INI' || exit 1
[sim]
busy_connects = -1
INI
agent --device "$(dev busy)" info --json
expect_rc "client busy -> 6" 6
expect_grep "busy message" 'busy' "$ERR"
stop_sim busy

start_sim busyonce <<'INI' || exit 1
[sim]
busy_connects = 1
INI
agent --device "$(dev busyonce)" info --json
expect_rc "busy once -> retried, 0" 0
stop_sim busyonce

start_sim notready <<'INI' || exit 1
[sim]
not_ready_count = 1000
INI
start=$(date +%s%N)
agent --device "$(dev notready)" info --json
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc "firmware NOT_READY -> 7" 7
expect_grep "not ready message" 'not ready' "$ERR"
# bounded: 3 retries x 500 ms; generous ceiling so a loaded machine never flakes
[ "$elapsed" -lt 20000 ] && ok "NOT_READY retries are bounded (${elapsed} ms)" || fail "NOT_READY bounded" "${elapsed} ms"
stop_sim notready

start_sim notready2 <<'INI' || exit 1
[sim]
not_ready_count = 2
INI
agent --device "$(dev notready2)" info --json
expect_rc "NOT_READY twice then ready -> 0" 0
stop_sim notready2

start_sim reset1 <<'INI' || exit 1
[sim]
reset_on_request = 3
reset_count = 1
INI
agent --device "$(dev reset1)" info --json
expect_rc "ME reset mid-transaction -> recovers" 0
expect_json "ME reset: data complete" .amt_version 16.1.25
stop_sim reset1

start_sim reset9 <<'INI' || exit 1
[sim]
reset_on_request = 3
reset_count = 50
INI
agent --device "$(dev reset9)" info --json
expect_rc "ME keeps resetting -> 7" 7
expect_one_line "ME reset: one line" "$ERR"
stop_sim reset9

start_sim trunc <<'INI' || exit 1
[sim]
truncate_reply = GetUUID
INI
agent --device "$(dev trunc)" info --json
expect_rc "truncated reply -> 10" 10
expect_grep "truncated reply names the command" 'GetUUID' "$ERR"
stop_sim trunc

start_sim over <<'INI' || exit 1
[sim]
oversize_reply = GetCodeVersions
INI
agent --device "$(dev over)" info --json
expect_rc "oversized reply -> 10" 10
stop_sim over

# ---- simulator control: SIGHUP reload, SIGUSR1 reset, stale mount ------
start_sim ctl <<'INI' || exit 1
[provisioning]
state = pre
INI
sed -i 's/state = pre/state = post\ncontrol_mode = ccm/' "$T/ctl.ini"
kill -HUP "${SIM_PID[ctl]}"; sleep 0.3
agent --device "$(dev ctl)" info --json
expect_json "SIGHUP reloads the state file" '"\(.provisioning_state) \(.control_mode)"' "post ccm"
kill -USR1 "${SIM_PID[ctl]}"; sleep 0.2
agent --device "$(dev ctl)" info --json
expect_rc "info after an idle ME reset" 0
kill -KILL "${SIM_PID[ctl]}"; wait "${SIM_PID[ctl]}" 2>/dev/null; unset "SIM_PID[ctl]"
cp "$T/ctl.ini" "$T/ctl.saved"
start_sim ctl < "$T/ctl.saved" && ok "restart over a stale mount" || fail "restart over a stale mount" "$(cat "$T/ctl.log")"
agent --device "$(dev ctl)" info --json
expect_rc "info after stale-mount recovery" 0
expect_json "state survived the crash (NVM)" '"\(.provisioning_state) \(.control_mode)"' "post ccm"
stop_sim ctl
grep -q " $T/ctl.mei " /proc/mounts && fail "no mount left after SIGTERM" "still mounted" || ok "no mount left after SIGTERM"

# ---- CLI contract -------------------------------------------------------
agent --version
expect_grep "--version" '^amt-agent [0-9]+\.[0-9]+\.[0-9]+' "$OUT"
agent bogus
expect_rc "unknown command -> 2" 2
agent info --help
expect_rc "info --help -> 0" 0
printf '[agent]\nfrobnicate = 1\n' > "$T/bad.conf"
OUT=$("$AGENT" --config "$T/bad.conf" info 2>"$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "unknown config key -> 2" 2
expect_grep "config error names file and line" "bad.conf:2: \[agent\] frobnicate: unknown key" "$ERR"
printf '[agent]\ntimeout_ms = soon\n' > "$T/bad2.conf"
OUT=$("$AGENT" --config "$T/bad2.conf" info 2>"$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_grep "bad config value explained" 'bad2.conf:2: .*expected a whole number' "$ERR"
agent --device relative/path info
expect_rc "--device goes through the config setter" 2
