#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Remote recovery over IDE-R (issue 16), amt-verify against amt-sim: a
# bootable ISO built here with xorriso (volume RECOVERY-TEST, El Torito,
# /SIMBOOT.TXT) served by `amt-verify ider --cd ... --then reset` while
# `amt-verify console` watches the simulated BIOS boot it (two sessions on
# one device, over TLS as AMT 16 wants); power off refused while the IDE-R
# session is open; a FAT12 floppy image; UseIDER without a session (the
# BIOS waits, then boots the disk); the image server killed mid-read (the
# BIOS says so, nothing hangs); IDE-R disabled; AMT 11 on the plain port;
# the image never written; the same through a CIRA tunnel; and, when
# AMTIDER names a built kraxel/amtterm amtider, that independent client.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip ider "needs root and /dev/fuse for the simulated device"; exit 0; fi
for tool in openssl python3 jq xorriso mkfs.fat mcopy; do
	command -v "$tool" >/dev/null || { skip ider "needs $tool (scripts/install-deps.sh installs it)"; exit 0; }
done

port_of() { grep -oE "$2 on [^ ]+:[0-9]+" "$T/$1.log" | grep -oE '[0-9]+$' | head -1; }
expect_eq() { if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi; }
wait_log() { # NAME PATTERN [TENTHS]
	for _ in $(seq 1 "${3:-100}"); do grep -qE "$2" "$T/$1.log" && return 0; sleep 0.1; done
	return 1
}
printf 'Rec0very-Adm1n!\n' > "$T/pw"; chmod 600 "$T/pw"

# ---- the images ------------------------------------------------------------
mkdir -p "$T/iso"
printf 'SIM recovery environment 1.0\nRestoring drive C: from the help desk image... done\n' > "$T/iso/SIMBOOT.TXT"
head -c 2048 /dev/urandom > "$T/iso/boot.img"
xorriso -as mkisofs -quiet -V RECOVERY-TEST -b boot.img -no-emul-boot -boot-load-size 4 \
	-o "$T/recovery.iso" "$T/iso" 2> "$T/xorriso.log" || { fail "xorriso" "$(cat "$T/xorriso.log")"; exit 1; }
SUM=$(sha256sum < "$T/recovery.iso")
mkfs.fat -C -n RESCUEFLOPY "$T/floppy.img" 1440 > /dev/null
printf 'SIM floppy diagnostics 2.1\nMemory and disk checks passed.\n' > "$T/FLOPPY.TXT"
mcopy -i "$T/floppy.img" "$T/FLOPPY.TXT" ::SIMBOOT.TXT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/amt.key" -out "$T/amt.pem" 2>/dev/null

# ---- AMT 16 over TLS: ider and console together -----------------------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim r <<INI || exit 1
[amt]
admin_password = Rec0very-Adm1n!
tls_cert = $T/amt.pem
tls_key = $T/amt.key
[provisioning]
state = post
control_mode = acm
[sim]
time_scale = 20
INI
W=$(port_of r "WS-Man HTTPS"); S=$(port_of r "SOL over TLS")
grep -q 'without TLS are not served on the network' "$T/r.log" &&
	ok "AMT 16: no plain redirection port on the network ([sim] redirection_plain auto)" ||
	fail "plain port" "$(grep -i sol "$T/r.log")"
TLS=(--tls --ca-file "$T/amt.pem" --password-file "$T/pw")

"$VERIFY" ider 127.0.0.1 "${TLS[@]}" --port "$W" --redir-port "$S" --cd "$T/recovery.iso" --then reset \
	--until-idle 4 --json > "$T/ider.out" 2> "$T/ider.err" &
IDER=$!
OUT=$("$VERIFY" console 127.0.0.1 "${TLS[@]}" --port "$S" --expect 'Attempting remote IDE boot' \
	--expect 'Volume: RECOVERY-TEST' --expect 'Restoring drive C:' --timeout 20 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "console watches the host boot the recovery image served by ider (two sessions)" 0
expect_grep "the BIOS names the El Torito image" 'El Torito boot image: 2048 bytes \(4 virtual sectors, no emulation\)' "$OUT"
expect_grep "the recovery environment prints /SIMBOOT.TXT" 'SIM recovery environment 1\.0' "$OUT"
OUT=$("$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" off 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "power off while the IDE-R session is open: refused" 1
expect_grep "the refusal in words" 'ReturnValue 4097' "$ERR"
wait "$IDER"; RC=$?; ERR=$(cat "$T/ider.err")
expect_rc "ider ends by itself after --until-idle" 0
OUT=$(cat "$T/ider.out")
expect_json "ider --json: the CD was served" '.device + "/" + .boot + "/" + .then + "/" + .ended' cd/cd/reset/idle
expect_json "ider --json: the host's reset was seen" '.resets' 1
jq -e '.commands >= 8 and .blocks >= 5' <<<"$OUT" >/dev/null && ok "ider --json counts commands and blocks" ||
	fail "ider counts" "$OUT"
grep -q 'ider: the host booted from the remote CD-ROM: RECOVERY-TEST' "$T/r.log" &&
	ok "the simulator's BIOS booted RECOVERY-TEST" || fail "sim boot" "$(grep ider "$T/r.log")"
grep -q '^options_cleared = true$' "$T/r.ini" && ok "the one-time boot was used up" ||
	fail "options_cleared" "$(grep -A20 '^\[boot\]' "$T/r.ini")"
OUT=$("$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" off 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "power off once the session ended" 0
"$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" on > /dev/null 2>&1

# the floppy, power on from off
"$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" off > /dev/null 2>&1
OUT=$("$VERIFY" ider 127.0.0.1 "${TLS[@]}" --port "$W" --redir-port "$S" --floppy "$T/floppy.img" \
	--until-idle 3 --json 2> "$T/stderr") &
FL=$!
OUT=$("$VERIFY" console 127.0.0.1 "${TLS[@]}" --port "$S" --expect 'IDE-R floppy' \
	--expect 'Booting from the remote floppy' --expect 'Memory and disk checks passed' --timeout 20 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "a FAT12 floppy image boots (power on from off) and prints its SIMBOOT.TXT" 0
expect_grep "the floppy's volume label" 'Volume: RESCUEFLOPY' "$OUT"
wait "$FL"; RC=$?
expect_eq "ider --floppy ends after --until-idle" "$RC" 0

# kraxel/amtterm's amtider: an independent C IDE-R client (built outside the
# tree; over TLS without checking the certificate, its default since 1.8)
set_use_ider() { # INI: the next boot from the IDE-R CD, as a console's Put would leave it
	python3 - "$1" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
for k, v in (("use_ider", "true"), ("ider_boot_device", "1"), ("next", "true"),
             ("options_cleared", "false"), ("source", "none")):
    s = re.sub(r"(?m)^%s = .*$" % k, "%s = %s" % (k, v), s)
open(p, "w").write(s)
PY
}
if [ -n "${AMTIDER:-}" ] && [ -x "$AMTIDER" ]; then
	set_use_ider "$T/r.ini"; kill -HUP "${SIM_PID[r]}"; sleep 0.5
	AMT_PASSWORD='Rec0very-Adm1n!' timeout 30 "$AMTIDER" "127.0.0.1:$S" "$T/recovery.iso" > "$T/amtider.out" 2>&1 &
	AI=$!
	wait_log r 'IDE-R session for' 50
	"$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" reset > /dev/null 2>&1
	OUT=$("$VERIFY" console 127.0.0.1 "${TLS[@]}" --port "$S" --expect 'Volume: RECOVERY-TEST' \
		--expect 'SIM recovery environment' --timeout 20 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "amtider (kraxel/amtterm) serves the ISO over TLS; the simulated BIOS boots it" 0
	expect_grep "amtider saw the reset and the BIOS's reads" 'read lba 17 count 1' "$(cat "$T/amtider.out")"
	kill "$AI" 2>/dev/null; wait "$AI" 2>/dev/null
else
	skip "amtider" "set AMTIDER to a built kraxel/amtterm amtider (README: IDE-R, a real client)"
fi

# UseIDER without a session: the BIOS waits, then boots the disk
set_use_ider "$T/r.ini"
kill -HUP "${SIM_PID[r]}"; sleep 0.5
"$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" reset > /dev/null 2>&1
OUT=$("$VERIFY" console 127.0.0.1 "${TLS[@]}" --port "$S" --expect 'Attempting remote IDE boot' \
	--expect 'No remote IDE drive answered' --expect 'login:' --timeout 20 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "UseIDER and no session: 'Attempting remote IDE boot', then the disk" 0

# the image server killed in the middle of a read: the BIOS says so
sed -i 's/^ider_read_image = false$/ider_read_image = true/' "$T/r.ini"
kill -HUP "${SIM_PID[r]}"; sleep 0.5
head -c $((96 * 1024 * 1024)) /dev/zero > "$T/iso/big.bin"
xorriso -as mkisofs -quiet -V RECOVERY-BIG -b boot.img -no-emul-boot -boot-load-size 4 \
	-o "$T/big.iso" "$T/iso" 2>> "$T/xorriso.log"
rm -f "$T/iso/big.bin"
"$VERIFY" ider 127.0.0.1 "${TLS[@]}" --port "$W" --redir-port "$S" --cd "$T/big.iso" > /dev/null 2>&1 &
BIG=$!
if wait_log r 'reads the whole CD-ROM' 200; then
	kill -STOP "$BIG"; sleep 0.3; kill -KILL "$BIG"; kill -CONT "$BIG" 2>/dev/null; wait "$BIG" 2>/dev/null
	OUT=$("$VERIFY" console 127.0.0.1 "${TLS[@]}" --port "$S" \
		--expect 'Remote IDE boot failed: the IDE-R session closed during a read' --expect 'login:' \
		--timeout 20 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "image server killed mid-read: the BIOS shows the error and boots the disk" 0
else
	kill "$BIG" 2>/dev/null; wait "$BIG" 2>/dev/null
	fail "mid-read kill" "the BIOS never started reading the whole image: $(grep ider "$T/r.log")"
fi
OUT=$("$VERIFY" power 127.0.0.1 "${TLS[@]}" --port "$W" off 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "the dead session is gone: power off allowed again" 0
expect_eq "the image was never written" "$(sha256sum < "$T/recovery.iso")" "$SUM"
stop_sim r

# ---- AMT 11: the plain port; IDE-R disabled; a real client -----------------
SIM_ARGS="--listen 127.0.0.1:0" start_sim o <<'INI' || exit 1
[amt]
version = 11.8.50
admin_password = Rec0very-Adm1n!
[provisioning]
state = post
control_mode = acm
[sim]
time_scale = 20
INI
W=$(port_of o "WS-Man HTTP"); S=$(port_of o "SOL")
[ -n "$S" ] && ok "AMT 11: the plain redirection port is served" || fail "AMT 11 plain port" "$(cat "$T/o.log")"
PLAIN=(--password-file "$T/pw" --port "$W")
"$VERIFY" ider 127.0.0.1 "${PLAIN[@]}" --redir-port "$S" --cd "$T/recovery.iso" --until-idle 3 > /dev/null 2> "$T/ider.err" &
IDER=$!
OUT=$("$VERIFY" console 127.0.0.1 --password-file "$T/pw" --port "$S" --expect 'Volume: RECOVERY-TEST' \
	--expect 'SIM recovery environment' --timeout 20 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "AMT 11 on 16994 without TLS: the same recovery boot" 0
wait "$IDER"; expect_eq "ider over plain TCP ends cleanly" "$?" 0
OUT=$("$VERIFY" ider 127.0.0.1 "${PLAIN[@]}" --redir-port "$S" --cd "$T/recovery.iso" --boot cd --then sideways 2>&1); RC=$?
expect_eq "a bad --then: usage" "$RC" 2
head -c 1000 /dev/zero > "$T/odd.iso"
OUT=$("$VERIFY" ider 127.0.0.1 "${PLAIN[@]}" --redir-port "$S" --cd "$T/odd.iso" 2>&1); RC=$?
expect_eq "an image that is not whole 2048-byte blocks: usage" "$RC" 2
expect_grep "it says why" 'not a whole number of 2048-byte blocks' "$OUT"
sed -i 's/^ider = true$/ider = false/' "$T/o.ini"
kill -HUP "${SIM_PID[o]}"; sleep 0.5
OUT=$("$VERIFY" ider 127.0.0.1 "${PLAIN[@]}" --redir-port "$S" --cd "$T/recovery.iso" 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_rc "IDE-R disabled in AMT_RedirectionService: refused (exit 1)" 1
expect_grep "the refusal says IDE-R is disabled" 'IDE-R is disabled' "$ERR"
expect_one_line "one line" "$ERR"
sed -i 's/^ider = false$/ider = true/' "$T/o.ini"
kill -HUP "${SIM_PID[o]}"; sleep 0.5

stop_sim o

# ---- through a CIRA tunnel ---------------------------------------------------
printf 'cira-ider-16\n' > "$T/mps.pw"; chmod 600 "$T/mps.pw"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/mps.key" -out "$T/mps.pem" 2>/dev/null
"$VERIFY" listen --json --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user ciradev --mps-password-file "$T/mps.pw" --db "$T/l.db" > "$T/l.out" 2> "$T/l.err" &
LPID=$!
trap 'kill -TERM "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -qs 'ready:' "$T/l.err" && break; sleep 0.1; done
MPS=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/l.err" | grep -oE '[0-9]+$')
U=11111111-2222-3333-4444-0000000000D6
start_sim help <<INI || exit 1
[amt]
admin_password = Rec0very-Adm1n!
host_name = pc-recovery
[platform]
uuid = $U
[provisioning]
state = post
control_mode = acm
[cira]
mps = 127.0.0.1:$MPS
username = ciradev
password = cira-ider-16
ca = $T/mps.pem
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
VIA=(--via-tunnel "$U" --db "$T/l.db" --password-file "$T/pw")
"$VERIFY" ider "${VIA[@]}" --cd "$T/recovery.iso" --until-idle 4 --json > "$T/tider.out" 2> "$T/tider.err" &
IDER=$!
OUT=$("$VERIFY" console "${VIA[@]}" --expect 'Volume: RECOVERY-TEST' --expect 'Restoring drive C:' \
	--timeout 25 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "through the CIRA tunnel: ider serves, console shows the recovery boot" 0
wait "$IDER"; RC=$?; ERR=$(cat "$T/tider.err")
expect_rc "ider --via-tunnel ends cleanly" 0
expect_grep "ider says it went through the tunnel" 'through its tunnel \(relay 127\.0\.0\.1:[0-9]+ for port 16994\)' "$ERR"
agent --device "$(dev help)" call-for-help --close
