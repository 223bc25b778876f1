#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: the product's story against simulated MEs, each step checked.
#   A laptop's ME (amt-sim) is root's, as /dev/mei0 is. amt-agent run, the
#   service, owns it; an ordinary user's info and call-for-help go through
#   its socket, and the call for help is seen arriving by amt-verify listen
#   (the MPS), which relays the tunnel: the help desk reads the laptop's AMT
#   state and inventory through it, reboots it into BIOS setup and watches
#   the screen on its serial console (Serial-over-LAN), then boots it into a
#   recovery image it serves over IDE-R and watches that boot on the console.
#   Then: hello packets from a pre-provisioned desktop, a host ID surviving a
#   reinstall checked over the network, the help desk alerted when a user
#   inside the enterprise asks for help and when an agent is killed
#   (WS-Events, the event engine, agent presence), an exit code, and a clean
#   stop.
# Every step checks what it shows (exit codes, JSON, events); the last line
# is "demo finished: N steps, all as expected", or names the step that did
# not behave and exits 1. Colours only on a terminal (and not with NO_COLOR).
# Everything runs on loopback under a temporary directory and is stopped.
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/$BUILD"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the simulator mounts FUSE device files and the service owns them; run 'sudo make demo'" >&2
	exit 1
fi
for tool in jq openssl setpriv curl python3 xorriso; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing; run scripts/install-deps.sh" >&2; exit 1; }
done
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	BOLD=$'\033[1m' DIM=$'\033[2m' OFF=$'\033[0m'
else
	BOLD="" DIM="" OFF=""
fi

T=$(mktemp -d /tmp/amt-demo.XXXXXX)
chmod 755 "$T"                      # the unprivileged user reaches the socket below it
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

STEP=0 TITLE=""
step() { STEP=$((STEP + 1)); TITLE=$1; printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$1" "$OFF"; }
bad() { # WHY: this step did not behave; say which and stop
	printf 'demo: step %d (%s) did not behave as expected: %s\n' "$STEP" "$TITLE" "$*" >&2
	exit 1
}
note() { printf '%s\n' "$*"; }

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
CONF="$T/agent.conf"
# try [-q] WHO WANT_RC CMD...: show the command as WHO (root or nobody)
# types it, run it, show its output (-q: the caller shows an excerpt); OUT,
# ERR, RC hold them. amt-agent and amt-verify are this build's; amt-agent
# always gets --config $CONF.
try() {
	local show=1 who want prompt='#' cmd
	[ "$1" = -q ] && { show=0; shift; }
	who=$1 want=$2
	shift 2
	[ "$who" = nobody ] && prompt='$'
	printf '%s%s%s %s%s\n' "$DIM" "$who" "$prompt" "$*" "$OFF"
	cmd=("$@")
	case $1 in
	amt-agent) cmd=("$B/amt-agent" --config "$CONF" "${@:2}") ;;
	amt-verify) cmd=("$B/amt-verify" "${@:2}") ;;
	esac
	[ "$who" = nobody ] && cmd=("${NOBODY[@]}" "${cmd[@]}")
	OUT=$("${cmd[@]}" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
	[ -z "$OUT" ] || [ $show -eq 0 ] || printf '%s\n' "$OUT"
	[ -z "$ERR" ] || printf '%s\n' "$ERR"
	[ "$RC" -eq "$want" ] || bad "'$*' exited $RC, expected $want"
	[ "$RC" -eq 0 ] || note "(exit $RC, as expected)"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim() { # NAME STATEFILE [ARGS]: start a simulated ME whose device file is $T/NAME
	local n=$1 st=$2
	shift 2
	"$B/amt-sim" run --state "$st" --device "$T/$n" "$@" > "$T/$n.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 50); do grep -q ready "$T/$n.log" 2>/dev/null && return 0; sleep 0.1; done
	cat "$T/$n.log"; bad "amt-sim $n did not start"
}
events() { "$B/amt-verify" events --db "$T/events.db" "$@"; }
# wait_event TYPE UUID: until amt-verify recorded one (10 s at most)
wait_event() {
	for _ in $(seq 1 100); do
		[ -n "$(events --json | jq -c "select(.type == \"$1\" and .uuid == \"$2\")")" ] && return 0
		sleep 0.1
	done
	return 1
}

note "amt-agent and amt-verify below are $B/amt-agent --config $CONF and $B/amt-verify;"
note "'root#' runs as root, 'nobody\$' as an ordinary user (uid 65534, via setpriv)."

step "The remote side: amt-verify listen, provisioning server (TCP) and MPS (TLS)"
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san"
if ! { openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=demo-ca -keyout "$T/ca.key" -out "$T/ca.pem" &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T/mps.key" -out "$T/mps.csr" &&
	openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 1 \
		-extfile "$T/san" -out "$T/mps.pem"; } 2> "$T/openssl.log"; then
	cat "$T/openssl.log"; bad "openssl could not make the demo certificates"
fi
printf 'demo-cira-pass\n' > "$T/mps.pw"; chmod 600 "$T/mps.pw" "$T/mps.key"
printf 'P@ssw0rd\n' > "$T/laptop-admin.pw"; chmod 600 "$T/laptop-admin.pw" # the laptop's AMT admin
"$B/amt-verify" listen --hello 127.0.0.1:0 --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user demo --mps-password-file "$T/mps.pw" --device-password-file "$T/laptop-admin.pw" \
	--db "$T/events.db" > "$T/listen.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$T/listen.log" 2>/dev/null && break; sleep 0.1; done
grep ready "$T/listen.log" || { cat "$T/listen.log"; bad "amt-verify listen did not start"; }
HELLO=$(grep -oE 'hello on 127\.0\.0\.1:[0-9]+' "$T/listen.log" | grep -oE '[0-9]+$')
MPS=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.log" | grep -oE '[0-9]+$')

step "The laptop: a simulated AMT 16 ME, provisioned, behind $T/mei0 (root's, like /dev/mei0)"
LAPTOP=03000200-0400-0500-0006-000700080009
cat > "$T/laptop.ini" <<EOF
[amt]
version = 16.1.25
build = 2049
sku = 16392
[platform]
uuid = $LAPTOP
[provisioning]
state = post
control_mode = acm
hashes = sha256:c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4:VeriSign Class 3 Primary CA-G5
[network]
dns_suffix = vpro.example.org
[wired]
mac = 00:11:22:33:44:55
ipv4 = 192.168.7.10
dhcp = true
link_up = true
[wireless]
present = true
mac = 66:77:88:99:aa:bb
ipv4 = 10.1.2.3
dhcp = true
link_up = true
[cira]
network = outside
mps = 127.0.0.1:$MPS
username = demo
password = demo-cira-pass
ca = $T/ca.pem
policy_user_initiated = true
[sim]
time_scale = 20
EOF
sim mei0 "$T/laptop.ini"
mkdir -p "$T/run" "$T/state"; chmod 755 "$T/run"
cat > "$CONF" <<EOF
[agent]
device = $T/mei0
socket = $T/run/agent.sock
state_dir = $T/state
[hostid]
efivarfs_dir = $T
lms_url = http://127.0.0.1:$(free_port)/wsman
EOF
chmod 644 "$CONF"
try root 0 amt-agent info
try -q root 0 amt-agent info --json
ROOT_JSON=$OUT
note "For scripts (an excerpt):"
jq -c '{uuid, amt_version, provisioned, control_mode, cira: .cira.status}' <<<"$OUT"
if [ "$(jq -r .uuid <<<"$OUT")" != "$LAPTOP" ] || [ "$(jq -r .control_mode <<<"$OUT")" != acm ]; then
	bad "info --json does not show the laptop (uuid $LAPTOP, acm)"
fi

step "An ordinary user cannot open the ME"
try nobody 4 amt-agent info
grep -q 'amt-agent.service' <<<"$ERR" || bad "the refusal does not say to start amt-agent.service"

step "The service: amt-agent run owns the ME and serves $T/run/agent.sock"
printf '%sroot# amt-agent run &%s\n' "$DIM" "$OFF"
"$B/amt-agent" --config "$CONF" run > "$T/daemon.log" 2>&1 &
DAEMON=$!
PIDS+=("$DAEMON")
for _ in $(seq 1 50); do [ -S "$T/run/agent.sock" ] && break; sleep 0.1; done
[ -S "$T/run/agent.sock" ] || { cat "$T/daemon.log"; bad "the service did not open its socket"; }
ls -l "$T/run/agent.sock"

step "The same user, through the service: amt-agent info"
try nobody 0 amt-agent info
try -q nobody 0 amt-agent info --json
[ "$OUT" = "$ROOT_JSON" ] || bad "the user's info --json differs from root's direct reading"
note "(the same as root's direct reading, byte for byte)"

step "The user asks for help: call-for-help opens a CIRA tunnel to the MPS, through the service"
try nobody 0 amt-agent call-for-help --wait 15
grep -q '^connected' <<<"$OUT" || bad "call-for-help did not report a connection"
wait_event cira_open "$LAPTOP" || bad "amt-verify recorded no cira_open for $LAPTOP"
note "amt-verify (the MPS) saw the tunnel open:"
events | grep cira_open | grep "$LAPTOP"
try -q nobody 0 amt-agent info --json
jq -c '{cira}' <<<"$OUT"
[ "$(jq -r .cira.status <<<"$OUT")" = connected ] || bad "info does not show the tunnel connected"

step "The help desk reaches the laptop through the tunnel (amt-verify relays its ports)"
wait_event cira_verified "$LAPTOP" || bad "amt-verify did not read AMT through the tunnel (no cira_verified)"
note "On connect, amt-verify read AMT through the tunnel itself:"
events | grep cira_verified | grep "$LAPTOP"
try root 0 amt-verify tunnels --db "$T/events.db"
RELAY=$("$B/amt-verify" tunnels --db "$T/events.db" --json | jq -r '.ports["16992"] // empty')
[ -n "$RELAY" ] || bad "amt-verify tunnels shows no relay of port 16992"
note "The technician checks the AMT state through the tunnel:"
try root 0 amt-verify device --via-tunnel "$LAPTOP" --db "$T/events.db" --password-file "$T/laptop-admin.pw" \
	--expect amt_version=16.1.25 --expect control_mode=acm
note "... and reads the inventory with any WS-Man client on the relay port ($RELAY), here curl --digest:"
for class in CIM_Chassis CIM_BIOSElement CIM_Processor; do
	sed "s|http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings|http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/$class|" \
		"$ROOT/tests/data/wsman-get-general-settings.xml" > "$T/get.xml"
	printf '%sroot# curl --digest -u admin:… --data-binary @get-%s.xml http://%s/wsman%s\n' "$DIM" "$class" "$RELAY" "$OFF"
	curl -s --max-time 10 --digest -u "admin:P@ssw0rd" -H 'Content-Type: application/soap+xml' \
		--data-binary @"$T/get.xml" "http://$RELAY/wsman" > "$T/get.out" || bad "curl through the relay failed"
	python3 - "$T/get.out" <<'PY' || bad "no $class instance came back through the tunnel"
import sys, xml.etree.ElementTree as E
keep = ("Manufacturer", "Model", "SerialNumber", "Version", "MaxClockSpeed", "ElementName")
body = [e for e in E.parse(sys.argv[1]).getroot().iter() if e.tag.endswith("}Body")][0]
inst = list(body)[0]
name = inst.tag.split("}")[1]
if name == "Fault":
    sys.exit(1)
print("  %s: %s" % (name, ", ".join("%s=%s" % (c.tag.split("}")[1], c.text) for c in inst
                                   if c.text and c.tag.split("}")[1] in keep)))
PY
done

step "The help desk repairs the laptop through the tunnel: BIOS setup, seen on its serial console"
VIA=(--via-tunnel "$LAPTOP" --db "$T/events.db" --password-file "$T/laptop-admin.pw")
try root 0 amt-verify power "${VIA[@]}"
grep -q 'power on' <<<"$OUT" || bad "power does not show the laptop on"
try root 0 amt-verify boot "${VIA[@]}" --bios
grep -q 'BIOS setup; reset requested' <<<"$OUT" || bad "boot did not ask for BIOS setup and a reset"
note "The laptop resets into BIOS setup; its serial console, through the tunnel (Serial-over-LAN):"
try -q root 0 amt-verify console "${VIA[@]}" --expect 'BIOS Setup Utility' --expect 'F10: Save and Exit' --timeout 20
sed 's/\x1b\[[0-9;]*[A-Za-z]//g' <<<"$OUT" | grep -A12 'SIM BIOS Setup Utility' | sed 's/^/    /'
grep -q 'AMT boot request *BIOS setup' <<<"$OUT" || bad "the BIOS screen does not show AMT's boot request"
note "F10 saves and boots the OS, to its login prompt:"
try -q root 0 amt-verify console "${VIA[@]}" --send '\e[21~' --expect 'login:' --timeout 20
tr -d '\r' <<<"$OUT" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -v '^$' | tail -4 | sed 's/^/    /'
try -q root 0 amt-verify power "${VIA[@]}" --json
[ "$(jq -r .power_state <<<"$OUT")" = on ] || bad "the laptop is not on after the repair"
note "(the tunnel is the ME's: it stayed up while the host reset)"

step "The laptop's system will not start: the help desk boots it into a recovery image (IDE-R)"
mkdir -p "$T/recovery"
printf 'SIM recovery environment 1.0\nRestoring the system from the help desk image... done.\n' \
	> "$T/recovery/SIMBOOT.TXT"
head -c 2048 /dev/zero > "$T/recovery/boot.img"
xorriso -as mkisofs -quiet -V RECOVERY-TEST -b boot.img -no-emul-boot -boot-load-size 4 \
	-o "$T/recovery.iso" "$T/recovery" 2> "$T/xorriso.log" || { cat "$T/xorriso.log"; bad "xorriso could not build the recovery ISO"; }
note "The technician serves recovery.iso as the laptop's CD-ROM, sets its next boot to it and resets it:"
printf '%sroot#%s amt-verify ider %s --cd recovery.iso --until-idle 5 &%s\n' "$DIM" "" "${VIA[*]}" "$OFF"
"$B/amt-verify" ider "${VIA[@]}" --cd "$T/recovery.iso" --until-idle 5 --json > "$T/ider.json" 2> "$T/ider.err" &
IDER=$!
PIDS+=($IDER)
note "... and watches the laptop boot it on the serial console, at the same time:"
try -q root 0 amt-verify console "${VIA[@]}" --expect 'Attempting remote IDE boot' --expect 'Volume: RECOVERY-TEST' \
	--expect 'Restoring the system' --timeout 30
tr -d '\r' <<<"$OUT" | sed -n '/Attempting remote IDE boot/,$p' | grep -v '^$' | sed 's/^/    /'
wait "$IDER" || bad "amt-verify ider exited $?: $(cat "$T/ider.err")"
note "amt-verify ider ended once the laptop stopped reading ($(jq -r '"\(.commands) commands, \(.blocks) blocks served"' "$T/ider.json"));"
note "the laptop is in its recovery environment, repaired without a technician on site."

step "The user closes it: call-for-help --close"
try nobody 0 amt-agent call-for-help --close
wait_event cira_close "$LAPTOP" || bad "amt-verify recorded no cira_close for $LAPTOP"
note "amt-verify saw the device close the tunnel, as asked:"
CLOSE=$(events | grep cira_close | grep "$LAPTOP")
printf '%s\n' "$CLOSE"
grep -q 'closed by the device' <<<"$CLOSE" || bad "the close line does not say the device closed it"
[ -z "$("$B/amt-verify" tunnels --db "$T/events.db")" ] || bad "the tunnel is still listed after the close"
note "... and its relay ports are gone (amt-verify tunnels lists nothing)"

step "Changing AMT state needs root: the user's hello is refused"
try nobody 4 amt-agent hello

step "amt-agent hello: a pre-provisioned AMT 11 desktop restarts its hello packets"
DESK=4C4C4544-0042-3010-8052-B4C04F564D32
cat > "$T/desk.ini" <<EOF
[amt]
version = 11.8.50
[platform]
uuid = $DESK
[provisioning]
state = pre
server = 127.0.0.1:$HELLO
hashes = sha256:c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4:Root CA
[network]
dns_suffix = corp.example.com
[sim]
time_scale = 100
EOF
sim desk "$T/desk.ini"
try root 0 amt-agent --device "$T/desk" hello
wait_event hello "$DESK" || bad "amt-verify received no hello packet from $DESK"
sleep 1
"$B/amt-agent" --config "$CONF" --device "$T/desk" hello --stop >/dev/null || bad "hello --stop failed"
note "amt-verify (the provisioning server) received:"
events | grep hello | grep "$DESK" | head -3
note "The provisioned laptop has nothing to do:"
try root 9 amt-agent hello

step "amt-agent hostid: an asset ID in AMT's non-volatile storage survives a reinstall"
NET=$(free_port)
cat > "$T/asset.ini" <<'EOF'
[amt]
version = 11.8.50
admin_password = Demo-Adm1n!
[platform]
uuid = 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[provisioning]
state = post
control_mode = acm
[storage]
enterprises = amt-agent
EOF
sim asset "$T/asset.ini" --listen "127.0.0.1:$NET"
try root 0 amt-agent --device "$T/asset" hostid init
grep -q '(new)' <<<"$OUT" || bad "hostid init did not say it made a new ID"
ID=$("$B/amt-agent" --config "$CONF" --device "$T/asset" hostid show --json | jq -r .host_id)
case $ID in ""|null) bad "hostid show --json has no host_id" ;; esac
note "Reinstall: the agent's state directory is wiped, the machine (simulator) restarts from its NVM"
rm -rf "$T/state"; mkdir -p "$T/state"
kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null; unset 'PIDS[-1]'
sim asset "$T/asset.ini" --listen "127.0.0.1:$NET"
try root 0 amt-agent --device "$T/asset" hostid init
if ! grep -q "host ID $ID," <<<"$OUT"; then
	bad "the host ID did not survive the reinstall"
fi
note "Checked from the remote side, over WS-Management:"
printf 'Demo-Adm1n!\n' > "$T/admin.pw"; chmod 600 "$T/admin.pw"
try root 0 amt-verify device 127.0.0.1 --port "$NET" --user admin --password-file "$T/admin.pw" --expect-hostid "$ID"

step "Inside the enterprise: the help desk subscribes to an office PC's alerts"
OFFICE=6F6F6F6F-0000-4000-8000-0000000000FC
ONET=$(free_port)
cat > "$T/office.ini" <<EOF
[amt]
version = 16.1.25
host_name = office-pc-12
[platform]
uuid = $OFFICE
[provisioning]
state = post
control_mode = acm
[network]
dns_suffix = floor3.corp.example.com
[environment]
detection = corp.example.com
EOF
sim office "$T/office.ini" --listen "127.0.0.1:$ONET"
printf 'P@ssw0rd\n' > "$T/office.pw"; printf 'helpdesk-s3cret\n' > "$T/notify.pw"
chmod 600 "$T/office.pw" "$T/notify.pw"
cat > "$T/page-helpdesk" <<EOF
#!/bin/sh
# the help desk's pager: one line per event (run by amt-verify, no shell in between)
echo "PAGE: \$AMT_EVENT_MESSAGE_ID from \$AMT_EVENT_DEVICE" >> "$T/pager.txt"
EOF
chmod 755 "$T/page-helpdesk"
EVP=$(free_port)
printf '%sroot# amt-verify listen --events 127.0.0.1:%s --notify-user helpdesk --notify-password-file notify.pw \\\n        --on-event "iAMT0036=page-helpdesk" --on-event "iAMT000[2-6]=page-helpdesk" &%s\n' \
	"$DIM" "$EVP" "$OFF"
"$B/amt-verify" listen --events "127.0.0.1:$EVP" --notify-user helpdesk --notify-password-file "$T/notify.pw" \
	--on-event "iAMT0036=$T/page-helpdesk" --on-event "iAMT000[2-6]=$T/page-helpdesk" \
	--db "$T/alerts.db" > "$T/alerts.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$T/alerts.log" 2>/dev/null && break; sleep 0.1; done
grep ready "$T/alerts.log" || { cat "$T/alerts.log"; bad "amt-verify listen --events did not start"; }
try root 0 amt-verify subscribe 127.0.0.1 --port "$ONET" --password-file "$T/office.pw" \
	--notify-to "http://127.0.0.1:$EVP/amt-events" --push-with-ack --notify-user helpdesk \
	--notify-password-file "$T/notify.pw"
alerts() { "$B/amt-verify" events --db "$T/alerts.db" "$@"; }
wait_alert() { # MESSAGE_ID N: until the help desk stored N of them (15 s at most)
	for _ in $(seq 1 150); do
		[ "$(alerts --json | jq -c "select(.type == \"alert\" and .message_id == \"$1\")" | grep -c .)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

step "A user inside asks for help: no tunnel, AMT alerts the help desk"
try root 0 amt-agent --device "$T/office" call-for-help
grep -q 'help desk has been alerted (AMT sent the alert to 1 subscriber)' <<<"$OUT" ||
	bad "call-for-help did not say the help desk was alerted"
try -q root 0 amt-agent --device "$T/office" call-for-help --json
jq -c '{result, path, subscribers}' <<<"$OUT"
[ "$(jq -r .path <<<"$OUT")" = alert ] || bad "call-for-help --json does not say path alert"
wait_alert iAMT0036 2 || bad "the help desk stored no iAMT0036"
note "The help desk received (amt-verify events) and paged:"
alerts | grep iAMT0036 | head -1
for _ in $(seq 1 50); do [ "$(grep -c iAMT0036 "$T/pager.txt" 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
grep iAMT0036 "$T/pager.txt" | head -1
[ "$(grep -c iAMT0036 "$T/pager.txt")" -eq 2 ] || bad "the pager did not run once per alert"

step "Agent presence: AMT watches the agent; the help desk hears when it is killed"
AGENT_GUID=A6E7A6E7-0000-4000-8000-0000000000FC
try root 0 amt-verify presence 127.0.0.1 --port "$ONET" --password-file "$T/office.pw" create \
	--agent "$AGENT_GUID" --timeout 3 --startup 60 --action event
mkdir -p "$T/run2" && chmod 755 "$T/run2"
cat > "$T/office.conf" <<EOF
[agent]
device = $T/office
socket = $T/run2/agent.sock
state_dir = $T/state2
[presence]
agent_guid = $AGENT_GUID
EOF
printf '%sroot# amt-agent run &   (the office PC'"'"'s service, [presence] agent_guid = %s)%s\n' "$DIM" "$AGENT_GUID" "$OFF"
"$B/amt-agent" --config "$T/office.conf" run > "$T/office-daemon.log" 2>&1 &
ODAEMON=$!
wait_alert iAMT0004 1 || { cat "$T/office-daemon.log"; bad "no Running event (iAMT0004)"; }
try root 0 amt-verify presence 127.0.0.1 --port "$ONET" --password-file "$T/office.pw" status
printf '%sroot# kill -9 <the service>%s\n' "$DIM" "$OFF"
kill -KILL "$ODAEMON"; wait "$ODAEMON" 2>/dev/null
wait_alert iAMT0005 1 || bad "no Expired event (iAMT0005) after the kill"
note "AMT noticed the heartbeats stop and told the help desk:"
alerts | grep -E 'iAMT000[45]'
grep -q iAMT0005 "$T/pager.txt" || bad "the pager did not run for the expired agent"
tail -1 "$T/pager.txt"

step "Exit codes are part of the contract: no ME device -> 3"
try root 3 amt-agent --device "$T/none" info

step "Stopping: the service exits 0 on SIGTERM and removes its socket"
kill -TERM "$DAEMON"
wait "$DAEMON"; rc=$?
keep=(); for p in "${PIDS[@]}"; do [ "$p" = "$DAEMON" ] || keep+=("$p"); done; PIDS=("${keep[@]}")
[ "$rc" -eq 0 ] || bad "amt-agent run exited $rc on SIGTERM"
[ ! -e "$T/run/agent.sock" ] || bad "the socket is still there"
note "service stopped (exit 0); the simulators and amt-verify stop next (SIGTERM unmounts each device)"

printf '\n%sdemo finished: %d steps, all as expected%s\n' "$BOLD" "$STEP" "$OFF"
