#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (figures, never pass/fail): how fast `amt-verify ider` serves an
# image, beside a plain TCP copy of the same file, in one run on loopback.
# The simulated recovery environment reads the whole ISO once after booting
# it ([sim] ider_read_image: READ(10)s of 32 blocks, 64 KiB, one at a time,
# each answered in 0x54 chunks of AMT's 8 KiB read buffer), over the plain
# port (AMT 11) and over TLS (AMT 16); the copy is one TCP stream of the
# file (Python's socket.sendfile into a reader that discards it).
# usage: tests/bench/ider.sh BUILD_DIR   (root: the simulator mounts FUSE)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
MB=${IDER_BENCH_MB:-128}
T=$(mktemp -d /tmp/amt-bench-ider.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	grep -q " $T/" /proc/mounts 2>/dev/null && umount -l "$T"/*.mei 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
command -v xorriso >/dev/null || { echo "ider bench: needs xorriso"; exit 0; }

mkdir -p "$T/iso"
printf 'bench recovery\n' > "$T/iso/SIMBOOT.TXT"
head -c 2048 /dev/zero > "$T/iso/boot.img"
head -c $((MB * 1024 * 1024)) /dev/urandom > "$T/iso/payload.bin"
xorriso -as mkisofs -quiet -V BENCH -b boot.img -no-emul-boot -boot-load-size 4 -o "$T/b.iso" "$T/iso"
rm -rf "$T/iso"
SIZE=$(stat -c %s "$T/b.iso")
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/amt.key" -out "$T/amt.pem" >/dev/null 2>&1
printf 'B3nch-Adm1n!\n' > "$T/pw"; chmod 600 "$T/pw"

sim() { # NAME VERSION: start a simulator booting from IDE-R and reading it all
	cat > "$T/$1.ini" <<INI
[amt]
version = $2
admin_password = B3nch-Adm1n!
tls_cert = $T/amt.pem
tls_key = $T/amt.key
[provisioning]
state = post
control_mode = acm
[sim]
time_scale = 20
ider_read_image = true
INI
	"$B/amt-sim" run --state "$T/$1.ini" --device "$T/$1.mei" --listen 127.0.0.1:0 > "$T/$1.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do grep -q ready "$T/$1.log" && break; sleep 0.1; done
}
port() { grep -oE "$2 on [^ ]+:[0-9]+" "$T/$1.log" | grep -oE '[0-9]+$' | head -1; }

run_ider() { # NAME ARGS...: serve the ISO until the whole of it was read; print MB/s
	local name=$1; shift
	"$B/amt-verify" ider 127.0.0.1 --password-file "$T/pw" --cd "$T/b.iso" --until-idle 2 --json "$@" \
		> "$T/$name.json" 2> "$T/$name.err" || { cat "$T/$name.err"; return 1; }
	jq -r '"\(.bytes / 1048576 | floor) MB in \(.read_seconds) s: \(.bytes / 1048576 / .read_seconds * 10 | floor / 10) MB/s"' "$T/$name.json"
}

sim plain 11.8.50
echo "ider, plain TCP (AMT 11), ${MB} MB ISO read whole by the recovery environment: $(run_ider plain \
	--port "$(port plain 'WS-Man HTTP')" --redir-port "$(port plain SOL)")"
sim tls 16.1.25
echo "ider, TLS (AMT 16): $(run_ider tls --tls --ca-file "$T/amt.pem" --port "$(port tls 'WS-Man HTTPS')" \
	--redir-port "$(port tls 'SOL over TLS')")"
python3 - "$T/b.iso" "$SIZE" <<'PY'
import socket, sys, threading, time
path, size = sys.argv[1], int(sys.argv[2])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def serve():
    c, _ = srv.accept()
    with open(path, "rb") as f:
        c.sendfile(f)
    c.close()
threading.Thread(target=serve, daemon=True).start()
t0 = time.monotonic()
s = socket.create_connection(srv.getsockname()); got = 0
while True:
    b = s.recv(1 << 20)
    if not b:
        break
    got += len(b)
dt = time.monotonic() - t0
print("plain TCP copy of the same file: %d MB in %.3f s: %.1f MB/s" % (got >> 20, dt, got / 1048576 / dt))
PY
