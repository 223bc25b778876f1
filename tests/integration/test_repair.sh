#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remote repair end to end (issue 11), amt-verify against amt-sim over the
# network: power status / off / on / reset with AMT's offered states, the
# device file refusing the host's software while it is off and WS-Man still
# answering, `console --expect 'login:'` after power on, boot to BIOS setup
# then the setup screen on the console and F10 back to the OS, PXE and its
# timeout, power off refused while a SOL session is open, SOL over TLS with
# the certificate checked, wrong credentials, an IDE-R session accepted and a
# KVM one refused (the plain port: [sim] redirection_plain, as AMT 16 has none),
# the redirection listener switched off,
# and user consent in client control
# mode. Ports: --listen 127.0.0.1:0, read from the simulator's log.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip repair "needs root and /dev/fuse for the simulated device"; exit 0; fi
for tool in openssl python3; do
	command -v "$tool" >/dev/null || { skip repair "needs $tool"; exit 0; }
done

port_of() { grep -oE "$2 on [^ ]+:[0-9]+" "$T/$1.log" | grep -oE '[0-9]+$' | head -1; }
expect_eq() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi; }
printf 'Rep41r-Adm1n!\n' > "$T/pw"; chmod 600 "$T/pw"
printf 'wrong\n' > "$T/bad.pw"; chmod 600 "$T/bad.pw"
: > "$T/a.conf"

# verify CMD HOSTPORT_VAR ARGS...: runs amt-verify; sets OUT, ERR, RC
verify() {
	local cmd=$1; shift
	OUT=$("$VERIFY" "$cmd" 127.0.0.1 --password-file "$T/pw" "$@" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

# ---- power, boot and the console over the network -----------------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim r <<'INI' || exit 1
[amt]
admin_password = Rep41r-Adm1n!
host_name = pc42
[provisioning]
state = post
control_mode = acm
[sim]
time_scale = 20
redirection_plain = true
INI
W=$(port_of r "WS-Man HTTP"); S=$(port_of r "SOL")
[ -n "$W" ] && [ -n "$S" ] && ok "WS-Man and SOL ports in the log" || { fail "ports" "$(cat "$T/r.log")"; exit 1; }

verify power --port "$W"
expect_rc "power status" 0
expect_grep "power status: on, AMT's offered list" \
	'^127\.0\.0\.1: power on \(PowerState 2\); AMT offers: reset, off, cycle, nmi, sleep, hibernate, graceful-reset, graceful-off$' "$OUT"
verify power --port "$W" --json
expect_json "power --json state" '.power_state' on
expect_json "power --json available" '.available | join(",")' "reset,off,cycle,nmi,sleep,hibernate,graceful-reset,graceful-off"

verify power --port "$W" off
expect_rc "power off" 0
verify power --port "$W" --json
expect_json "off: PowerState 8" '.power_state_code' 8
expect_json "off: only on is offered" '.available | join(",")' on
OUT=$("$AGENT" --config "$T/a.conf" --device "$(dev r)" info 2>&1); RC=$?
[ "$RC" -ne 0 ] && ok "host off: the agent cannot reach the ME (exit $RC)" || fail "host off: agent" "exit 0: $OUT"
verify power --port "$W" reset
expect_rc "reset while off: not offered, exit 1" 1
expect_grep "reset while off: the refusal names what is offered" 'does not offer reset while the host is off \(it offers: on\)' "$ERR"
expect_one_line "reset while off: one line" "$ERR"
verify power --port "$W" frobnicate
expect_rc "unknown action: usage" 2

verify power --port "$W" on
expect_rc "power on" 0
verify console --port "$S" --expect 'login:' --timeout 20
expect_rc "console --expect 'login:' after power on" 0
expect_grep "the POST transcript came first" 'Memory test: 16384 MB OK' "$OUT"
# interactive, on a terminal: raw mode while it runs, ~. quits, the terminal restored
timeout 30 python3 - "$VERIFY" "$S" "$T/pw" > "$T/pty.out" 2>&1 <<'PY'
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "console", "127.0.0.1", "--port", sys.argv[2],
                           "--password-file", sys.argv[3]])
before, out = termios.tcgetattr(fd), b""
def until(text, sec=10):
    global out
    end = time.time() + sec
    while text not in out and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
until(b"login: ")
raw = not (termios.tcgetattr(fd)[3] & termios.ICANON)
os.write(fd, b"root\r")
until(b"Password: ")
os.write(fd, b"\r~.")
until(b"session ended")
_, st = os.waitpid(pid, 0)
print("RAW", raw, "RESTORED", termios.tcgetattr(fd) == before, "EXIT", os.WEXITSTATUS(st))
print(out.decode(errors="replace"))
PY
P=$(cat "$T/pty.out")
expect_grep "interactive console: typing reaches the host" 'login: root' "$P"
expect_grep "interactive console: raw while it runs, ~. quits with 0, the terminal restored" \
	'^RAW True RESTORED True EXIT 0$' "$P"
"$AGENT" --config "$T/a.conf" --device "$(dev r)" info >/dev/null 2>&1
expect_eq "host on again: the agent reads the ME" "$?" 0

# boot to BIOS setup, reset, the setup screen on the console, F10
verify boot --port "$W" --bios --then reset
expect_rc "boot --bios --then reset" 0
expect_grep "boot says what it did" 'next boot goes to BIOS setup; reset requested' "$OUT"
verify console --port "$S" --expect 'BIOS Setup Utility' --expect 'AMT boot request              BIOS setup' \
	--send '\e[21~' --expect 'login: ' --timeout 20 --log "$T/con.log"
expect_rc "console shows the BIOS screen, F10 boots the OS" 0
expect_grep "--log has the screen" 'Entered at the request of     Intel\(R\) AMT' "$(cat "$T/con.log")"
[ "$(stat -c %a "$T/con.log")" = 600 ] && ok "--log file mode 0600" || fail "--log mode" "$(stat -c %a "$T/con.log")"
grep -q '^options_cleared = true$' "$T/r.ini" && ok "the boot used the options (saved: options_cleared)" \
	|| fail "options_cleared" "$(grep -A12 '^\[boot\]' "$T/r.ini")"

verify boot --port "$W" --pxe --json
expect_rc "boot --pxe" 0
expect_json "boot --pxe --json" '.boot + "/" + .then' pxe/reset
verify console --port "$S" --expect 'CLIENT MAC ADDR' --expect 'PXE-E51' --expect 'login:' --timeout 20
expect_rc "PXE attempt, its timeout, then the disk" 0
verify boot --port "$W" --cd --then none
expect_rc "boot --cd --then none" 0
grep -q '^source = cd$' "$T/r.ini" && ok "--then none: the choice waits in NVM" || fail "boot source saved" "$(grep source "$T/r.ini")"
verify boot --port "$W" --bios --pxe
expect_rc "two boot targets: usage" 2

# a SOL session open: power off refused, reset allowed
before=$(grep -c 'SOL session for' "$T/r.log")
"$VERIFY" console 127.0.0.1 --port "$S" --password-file "$T/pw" --expect 'never printed' --timeout 6 \
	> /dev/null 2> "$T/bg.err" &
BG=$!
for _ in $(seq 1 50); do [ "$(grep -c 'SOL session for' "$T/r.log")" -gt "$before" ] && break; sleep 0.1; done
verify power --port "$W" off
expect_rc "power off while SOL is open: refused" 1
expect_grep "the refusal in words" 'AMT refused off: ReturnValue 4097, invalid state transition' "$ERR"
verify power --port "$W" reset
expect_rc "reset while SOL is open: allowed" 0
wait "$BG"; RC=$?
expect_eq "console --expect timeout: exit 7" "$RC" 7
expect_grep "the timeout names the text" 'timed out after 6 s waiting for "never printed"' "$(cat "$T/bg.err")"
verify power --port "$W" off
expect_rc "power off once the session ended" 0
verify power --port "$W" on
expect_rc "power on" 0

# credentials, refused sessions
OUT=$("$VERIFY" console 127.0.0.1 --port "$S" --password-file "$T/bad.pw" --expect x --timeout 5 2>&1); RC=$?
expect_eq "console with a wrong password: exit 4" "$RC" 4
expect_grep "wrong password in words" 'refused the user name or password' "$OUT"
python3 - "$S" > "$T/raw.out" <<'PY'
import socket, sys
for kind, msg in (("IDE-R", b"\x10\x00\x00\x00IDER"), ("KVM", b"\x10\x01\x00\x00KVMR")):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(msg)
    reply = s.recv(64)
    s.settimeout(1)
    try:
        rest = s.recv(64)  # a refusal: then AMT closes
    except socket.timeout:
        rest = None
    print(kind, reply.hex(), "closed" if rest == b"" else "open")
PY
expect_grep "IDE-R session accepted (authentication next)" '^IDE-R 11000000010002005555000000 open$' "$(cat "$T/raw.out")"
expect_grep "KVM session refused cleanly" '^KVM 11010000000000000000000000 closed$' "$(cat "$T/raw.out")"
stop_sim r

# ---- the listener switched off, SOL over TLS ------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/amt.key" -out "$T/amt.pem" 2>/dev/null
SIM_ARGS="--listen 127.0.0.1:0" start_sim t <<INI || exit 1
[amt]
admin_password = Rep41r-Adm1n!
tls_cert = $T/amt.pem
tls_key = $T/amt.key
[provisioning]
state = post
control_mode = acm
[redirection]
listener = false
[sim]
redirection_plain = true
INI
S=$(port_of t "SOL"); ST=$(port_of t "SOL over TLS")
verify console --port "$S" --expect x --timeout 5
expect_rc "listener off: the connection is closed (network error)" 8
sed -i 's/^listener = false$/listener = true/' "$T/t.ini"
kill -HUP "${SIM_PID[t]}"; sleep 0.5
verify console --tls --port "$ST" --ca-file "$T/amt.pem" --send '\r' --expect 'login:' --timeout 10
expect_rc "SOL over TLS with the certificate checked" 0
verify console --tls --port "$ST" --expect 'login:' --timeout 10
expect_rc "SOL over TLS, certificate not trusted: exit 8" 8
expect_grep "the TLS refusal says what to do" 'not trusted .* give --ca-file or --pin' "$ERR"
PIN=$(openssl x509 -in "$T/amt.pem" -outform DER | openssl dgst -sha256 -hex | awk '{print $2}')
verify console --tls --port "$ST" --pin "$PIN" --send '\r' --expect 'login:' --timeout 10
expect_rc "SOL over TLS with --pin" 0
stop_sim t

# ---- user consent in client control mode --------------------------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim c <<'INI' || exit 1
[amt]
admin_password = Rep41r-Adm1n!
[provisioning]
state = post
control_mode = ccm
[sim]
time_scale = 20
redirection_plain = true
INI
W=$(port_of c "WS-Man HTTP"); S=$(port_of c "SOL")
verify consent --port "$W" status
expect_grep "CCM: consent required for all" 'user consent required for all; state: not started \(0\)' "$OUT"
verify console --port "$S" --expect 'login:' --timeout 10
expect_rc "console without consent: AMT refused (exit 1)" 1
expect_grep "the refusal names consent" 'consent' "$ERR"
verify consent --port "$W" start
expect_rc "consent start" 0
expect_grep "start says what to do next" 'six-digit code is now shown on the host.s screen' "$OUT"
verify consent --port "$W" start
expect_rc "a second start: refused" 1
CODE=$(grep -oE 'user consent code [0-9]{6}' "$T/c.log" | tail -1 | grep -oE '[0-9]{6}$')
[ -n "$CODE" ] && ok "the code is in the simulator's log" || fail "consent code" "$(cat "$T/c.log")"
WRONG=$(printf '%06d' $(( (10#$CODE + 1) % 1000000 )))
verify consent --port "$W" send "$WRONG"
expect_rc "a wrong code: refused" 1
expect_grep "a wrong code in words" 'wrong code' "$ERR"
verify consent --port "$W" send 12345
expect_rc "a code that is not six digits: usage" 2
verify consent --port "$W" send "$CODE"
expect_rc "the right code" 0
verify consent --port "$W" status --json
expect_json "consent received" '.state_code' 3
verify console --port "$S" --expect 'user consent code' --send '\r' --expect 'Password:' --timeout 10
expect_rc "console with consent (the code was on the screen too)" 0
verify consent --port "$W" status --json
expect_json "consent used up when the session ended" '.state_code' 0
stop_sim c

# ---- Debian's amtterm 1.4 -------------------------------------------------
if ! command -v amtterm >/dev/null; then
	skip "amtterm" "the amtterm package is not installed (scripts/install-deps.sh installs it when the archive has it)"
	exit 0
fi
SIM_ARGS="--listen 127.0.0.1:0" start_sim a <<'INI' || exit 1
[amt]
version = 11.8.50
admin_password = Rep41r-Adm1n!
host_name = deb12
INI
S=$(port_of a "SOL")
AMT_PASSWORD='Rep41r-Adm1n!' timeout 40 python3 - "$S" > "$T/amtterm.out" 2>&1 <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp("amtterm", ["amtterm", "-u", "admin", "127.0.0.1", sys.argv[1]])
out, sent, t0 = b"", False, time.time()
def pump(sec):
    global out
    end = time.time() + sec
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return False
            if not d:
                return False
            out += d
    return True
while time.time() - t0 < 10 and b"login: " not in out:
    if not pump(0.3):
        break
if b"login: " in out:
    os.write(fd, b"root\r")
    pump(1)
    pump(25)  # quiet: amtterm exits after 20 s without heartbeats, AMT sends them
    os.write(fd, b"\x1d")  # ^] ends the session
    pump(3)
print(out.decode(errors="replace"))
try:
    _, status = os.waitpid(pid, 0)
    print("EXIT", os.WEXITSTATUS(status))
except ChildProcessError:
    pass
PY
A=$(cat "$T/amtterm.out")
expect_grep "amtterm 1.4: session set up" 'serial-over-lan redirection ok' "$A"
expect_grep "amtterm 1.4: the login prompt" 'deb12 login: ' "$A"
expect_grep "amtterm 1.4: typing reaches the host (password prompt)" 'Password: ' "$A"
expect_grep "amtterm 1.4: still there after 25 quiet seconds (heartbeats)" 'saw \^\], exiting' "$A"
expect_grep "amtterm 1.4: clean end" 'CLOSING -> CLOSED' "$A"
grep -q 'closed: the console ended the session' "$T/a.log" && ok "amtterm 1.4: EndSOL then EndRedirectionSession" \
	|| fail "amtterm end" "$(grep redirection "$T/a.log")"
