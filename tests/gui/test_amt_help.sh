#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-help on a real display, end to end and all on loopback: amt-sim
# machines, one amt-agent daemon per machine, amt-verify listen as the MPS;
# amt-help runs as an unprivileged user on Xvfb in its own D-Bus session and
# is driven through AT-SPI (tests/gui/drive_amt_help.py), which saves a
# screenshot of each state to BUILD/screenshots/. Here (as root): packaging
# files validate, amt-help refuses root, and the MPS saw the tunnels that
# the window opened and closed.
. "$(dirname "$0")/../integration/lib.sh"

HELP="$BUILD_DIR/amt-help"
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$HELP" ]; then skip amt-help "not built (GTK 4 missing: run make gui-test)"; exit 0; fi
if ! need_root; then skip amt-help "needs root and /dev/fuse"; exit 0; fi
for tool in Xvfb xwininfo xdotool dbus-run-session import desktop-file-validate appstreamcli gsettings python3; do
	command -v "$tool" >/dev/null || { fail "tool $tool" "missing: run scripts/install-deps.sh --gui"; exit 1; }
done
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# ---- packaging files --------------------------------------------------------
out=$(desktop-file-validate "$BUILD_DIR/desktop/org.amtagent.Help.desktop" 2>&1)
[ -z "$(grep -v '^$' <<<"$out" | grep -v 'hint:')" ] && ok "desktop-file-validate: .desktop valid" ||
	fail "desktop-file-validate" "$out"
out=$(appstreamcli validate --no-net "$BUILD_DIR/desktop/org.amtagent.Help.metainfo.xml" 2>&1) &&
	ok "appstreamcli validate: metainfo valid" || fail "appstreamcli validate" "$out"
grep -q '^msgid "_Request help"' "$BUILD_DIR/po/amt-help.pot" 2>/dev/null &&
	grep -q '^msgid "Request IT help"' "$BUILD_DIR/po/amt-help.pot" &&
	ok "po/amt-help.pot has the window's and the .desktop's strings" || fail "pot" "strings missing"

# ---- command line -------------------------------------------------------------
v=$("$HELP" --version); [ "$v" == "amt-help $(cat "$HERE/../../VERSION")" ] &&
	ok "--version: $v" || fail "--version" "$v"
err=$("$HELP" 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 2 ] && grep -q 'refusing to run as root' <<<"$err" &&
	ok "refuses to run as root (exit 2, says why)" || fail "refuses root" "rc $rc: $err"

# ---- the help desk: amt-verify listen as the MPS --------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=amt-test-ca" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/mps.key" \
	-out "$T/mps.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext"
openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/mps.pem" >/dev/null 2>&1
printf 'cira-secret-42\n' > "$T/mps.pw"
chmod 600 "$T/mps.pw" "$T/mps.key"
"$VERIFY" listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user ciradev --mps-password-file "$T/mps.pw" --db "$T/events.db" --json \
	> "$T/listen.out" 2> "$T/listen.err" &
LISTEN=$!
DAEMONS=()
stop_all() {
	local p
	for p in "${DAEMONS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	kill -TERM $LISTEN 2>/dev/null; wait $LISTEN 2>/dev/null
}
trap 'stop_all; cleanup' EXIT
for _ in $(seq 1 100); do grep -q 'ready' "$T/listen.err" && break; sleep 0.1; done
MPS_PORT=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
[ -n "$MPS_PORT" ] || { fail "MPS ready" "$(cat "$T/listen.err")"; exit 1; }
DEAD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

events() { # TYPE UUID -> count
	"$VERIFY" events --db "$T/events.db" --json 2>/dev/null |
		jq -c "select(.type == \"$1\" and .uuid == \"$2\")" | grep -c .
}

# ---- one simulated machine and one daemon per scenario ----------------------------
machine() { # NAME UUID PROVISIONED MPS LIFETIME_S
	cat <<INI
[platform]
uuid = $2
[provisioning]
state = $3
control_mode = ccm
[cira]
mps = $4
username = ciradev
password = cira-secret-42
ca = $T/ca.pem
policy_user_initiated = true
os_interface = true
network = outside
request_window_s = 2400
tunnel_lifetime_s = $5
[sim]
time_scale = 20
INI
}
daemon() { # NAME: serve the machine NAME on $T/run-NAME/agent.sock
	mkdir -p "$T/run-$1" "$T/state-$1"
	chmod 755 "$T/run-$1"
	printf '[agent]\ndevice = %s\nsocket = %s\nstate_dir = %s\n' "$(dev "$1")" \
		"$T/run-$1/agent.sock" "$T/state-$1" > "$T/$1.conf"
	"$AGENT" --config "$T/$1.conf" run > "$T/daemon-$1.log" 2>&1 &
	DAEMONS+=($!)
	for _ in $(seq 1 50); do [ -S "$T/run-$1/agent.sock" ] && return 0; sleep 0.1; done
	echo "daemon $1 did not start:"; cat "$T/daemon-$1.log"; return 1
}
U_LIVE=22222222-3333-4444-5555-000000000001
U_LIFE=22222222-3333-4444-5555-000000000002
U_DEAD=22222222-3333-4444-5555-000000000003
start_sim unprov < <(machine unprov 22222222-3333-4444-5555-000000000004 pre "" 0) || exit 1
start_sim dead < <(machine dead $U_DEAD post "127.0.0.1:$DEAD_PORT" 0) || exit 1
start_sim live < <(machine live $U_LIVE post "127.0.0.1:$MPS_PORT" 0) || exit 1
start_sim life < <(machine life $U_LIFE post "127.0.0.1:$MPS_PORT" 160) || exit 1 # 8 s
for m in unprov dead live life; do daemon $m || exit 1; done

# ---- the person at the keyboard ----------------------------------------------------
SHOTS="$BUILD_DIR/screenshots"
mkdir -p "$T/gui/home" "$T/gui/xdg" "$T/gui/out"
chown -R 65534:65534 "$T/gui"
chmod 700 "$T/gui/xdg"
"${NOBODY[@]}" env -i PATH=/usr/bin:/bin HOME="$T/gui/home" XDG_RUNTIME_DIR="$T/gui/xdg" \
	LANG=C.UTF-8 GTK_A11Y=atspi AMT_HELP_LOCALEDIR="$BUILD_DIR/locale" \
	dbus-run-session -- python3 "$HERE/drive_amt_help.py" "$HELP" "$T/gui/out" \
	noservice="$T/run-none/agent.sock" unprovisioned="$T/run-unprov/agent.sock" \
	deadmps="$T/run-dead/agent.sock" live="$T/run-live/agent.sock" \
	lifetime="$T/run-life/agent.sock" 2> "$T/gui/drive.err"
rc=$?
[ "$rc" -eq 0 ] || { echo "---- driver stderr:"; tail -30 "$T/gui/drive.err"; }
mkdir -p "$SHOTS"
cp "$T/gui/out/"*.png "$SHOTS/" 2>/dev/null
for s in no-service unavailable requesting ready connected ended ended-by-help-desk ready-dark ready-de; do
	[ -s "$SHOTS/$s.png" ] && ok "screenshot $s.png" || fail "screenshot $s.png" "missing"
done

# ---- what the help desk saw ----------------------------------------------------------
[ "$(events cira_open $U_LIVE)" -ge 1 ] && ok "MPS: the tunnel amt-help asked for opened" ||
	fail "MPS: tunnel opened" "no cira_open for $U_LIVE"
[ "$(events cira_close $U_LIVE)" -ge 1 ] && ok "MPS: End help session closed it" ||
	fail "MPS: tunnel closed" "no cira_close for $U_LIVE"
reason=$("$VERIFY" events --db "$T/events.db" --json | jq -r "select(.type==\"cira_close\" and .uuid==\"$U_LIVE\") | .reason" | head -1)
[[ "$reason" == device_closed || "$reason" == disconnect ]] &&
	ok "MPS: closed by the device ($reason), not by a timeout or the MPS" ||
	fail "MPS: close reason" "$reason"
[ "$(events cira_open $U_LIFE)" -ge 1 ] && [ "$(events cira_close $U_LIFE)" -ge 1 ] &&
	ok "MPS: --request's tunnel opened and was closed from the other side" ||
	fail "MPS: lifetime tunnel" "open $(events cira_open $U_LIFE) close $(events cira_close $U_LIFE)"
[ "$(events cira_open $U_DEAD)" -eq 0 ] && ok "MPS: nothing from the cancelled request" ||
	fail "MPS: cancelled" "a tunnel arrived"
