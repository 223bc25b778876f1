#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remote repair through a CIRA tunnel (issue 11 with the tunnel issue's
# --via-tunnel UUID): the user calls for help, amt-sim opens its tunnel to
# amt-verify listen (the MPS), and the technician's power, boot, console and
# consent commands reach the simulated AMT through the relay ports the
# listener keeps: power status, off and on (the tunnel is the ME's: it stays
# while the host is off), boot to BIOS setup then the screen on the console,
# SOL over TLS through the tunnel with AMT's certificate checked by name,
# and user consent in client control mode, where a boot change now counts as
# remote (AMT asks for consent) as it does over the network.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip repair-tunnel "needs root and /dev/fuse"; exit 0; fi
for tool in python3 openssl jq; do
	command -v "$tool" >/dev/null || { skip repair-tunnel "needs $tool"; exit 0; }
done

cert() { # NAME SAN
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.csr" \
		>/dev/null 2>&1
	printf 'subjectAltName=%s\n' "$2" > "$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" >/dev/null 2>&1
	chmod 600 "$T/$1.key"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=repair-test-ca" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
cert mps "IP:127.0.0.1"
cert amt-sim "DNS:pc-helpdesk"
printf 'cira-secret-11\n' > "$T/mps.pw"
printf 'Tunn3l-Adm1n!\n' > "$T/admin.pw"
chmod 600 "$T/mps.pw" "$T/admin.pw"

"$VERIFY" listen --json --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user ciradev --mps-password-file "$T/mps.pw" --db "$T/l.db" > "$T/l.out" 2> "$T/l.err" &
LPID=$!
trap 'kill -TERM "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -qs 'ready:' "$T/l.err" && break; sleep 0.1; done
MPS=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/l.err" | grep -oE '[0-9]+$')
[ -n "$MPS" ] || { fail "listen" "$(cat "$T/l.err")"; exit 1; }

U=11111111-2222-3333-4444-0000000000B7
start_sim help <<INI || exit 1
[amt]
admin_password = Tunn3l-Adm1n!
host_name = pc-helpdesk
tls_cert = $T/amt-sim.pem
tls_key = $T/amt-sim.key
[platform]
uuid = $U
[provisioning]
state = post
control_mode = ccm
[cira]
mps = 127.0.0.1:$MPS
username = ciradev
password = cira-secret-11
ca = $T/ca.pem
policy_user_initiated = true
[sim]
time_scale = 20
INI
agent --device "$(dev help)" call-for-help --wait 15
expect_rc "call-for-help: the tunnel is up" 0
for _ in $(seq 1 100); do
	"$VERIFY" tunnels --db "$T/l.db" --json 2>/dev/null | jq -e '.ports["16994"]' >/dev/null && break
	sleep 0.1
done
PORTS=$("$VERIFY" tunnels --db "$T/l.db" --json 2>&1)
jq -e '.ports["16994"] and .ports["16995"]' <<<"$PORTS" >/dev/null &&
	ok "the tunnel relays the redirection ports 16994 and 16995" || fail "relay ports" "$PORTS"

# via VERB ARGS...: amt-verify VERB --via-tunnel U --db ... ; sets OUT, ERR, RC
via() {
	local verb=$1; shift
	OUT=$("$VERIFY" "$verb" --via-tunnel "$U" --db "$T/l.db" --password-file "$T/admin.pw" "$@" \
		2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

via power
expect_rc "power status through the tunnel" 0
expect_grep "power status names the device" "^device $U: power on" "$OUT"
expect_grep "it says it went through the tunnel" 'through its tunnel \(relay 127\.0\.0\.1:[0-9]+ for port 16992\)' "$ERR"
via power off
expect_rc "power off through the tunnel" 0
via power --json
expect_json "off, and the tunnel (the ME's) is still there" '.power_state' off
via power on
expect_rc "power on through the tunnel" 0

# consent: a boot change through the tunnel is remote, so AMT asks
via boot --bios
expect_rc "boot --bios without consent: refused (exit 1)" 1
expect_grep "the refusal points to consent" 'user consent required' "$ERR"
via consent start
expect_rc "consent start through the tunnel" 0
CODE=$(grep -oE 'user consent code [0-9]{6}' "$T/help.log" | tail -1 | grep -oE '[0-9]{6}$')
via consent send "$CODE"
expect_rc "consent send with the code from the host's screen" 0
via boot --bios --then reset
expect_rc "boot --bios --then reset through the tunnel" 0
via console --expect 'BIOS Setup Utility' --expect 'BIOS setup' --timeout 20
expect_rc "console through the tunnel shows the BIOS setup screen" 0
via consent status --json
expect_json "the session used the consent up" '.state_code' 0

# SOL over TLS through the tunnel: AMT's certificate names pc-helpdesk
via consent start
CODE=$(grep -oE 'user consent code [0-9]{6}' "$T/help.log" | tail -1 | grep -oE '[0-9]{6}$')
via consent send "$CODE"
via console --tls --ca-file "$T/ca.pem" --send '\e[21~' --expect 'login:' --timeout 20
expect_rc "console --tls through the tunnel (certificate checked by AMT's name), F10 boots the OS" 0
via power --tls --ca-file "$T/ca.pem"
expect_rc "power over TLS through the tunnel" 0

agent --device "$(dev help)" call-for-help --close
for _ in $(seq 1 100); do
	[ -z "$("$VERIFY" tunnels --db "$T/l.db" --json 2>/dev/null)" ] && break
	sleep 0.1
done
via power
expect_rc "the tunnel closed: no relay, network error" 8
expect_grep "the error names the missing tunnel" "no open tunnel from device $U" "$ERR"
expect_one_line "one line" "$ERR"
