#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The report spool's promises as a user sees them through `report --once`
# and amt-verify: a report carries the number of reports dropped since the
# last *delivered* one (the count survives processes and is not lost when
# the report carrying it is itself dropped), and a report that could not be
# written (a full disk: a 64 KiB tmpfs) is exit 8 "cannot write the spool:
# No space left on device", logged, and never called spooled.
. "$(dirname "$0")/lib.sh"

for tool in openssl jq; do
	command -v "$tool" >/dev/null || { skip spool "needs $tool"; exit 0; }
done
if ! need_root; then skip spool "needs root and /dev/fuse"; exit 0; fi
LPID=
trap '[ -n "$LPID" ] && kill -KILL "$LPID" 2>/dev/null; cleanup' EXIT

{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=spool test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/server.key" -out "$T/server.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/server.pem" -days 2 -extfile "$T/san.ext"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
chmod 600 "$T/server.key"

start_sim d < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1
# a port where nothing listens: the server is down
DOWN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

conf() { # URL SPOOL_DIR SPOOL_MAX
	cat > "$T/agent.conf" <<EOF2
[agent]
device = $(dev d)
state_dir = $T/state
[report]
url = $1
ca_file = $T/ca.pem
spool_dir = $2
spool_max = $3
timeout_ms = 5000
EOF2
}
once() { agent report --once --json; }
newest() { ls "$1" | grep -E '\.json$' | sort | tail -1; }

# ---- dropped_reports: since the last delivered report ------------------------
SP="$T/spool"
conf "https://127.0.0.1:$DOWN/reports" "$SP" 2
once; once
[ "$(ls "$SP" | grep -cE '\.json$')" -eq 2 ] && ok "server down: two reports spooled" || fail "two spooled" "$(ls "$SP")"
once
expect_rc "server down: report --once -> 8" 8
[ "$(ls "$SP" | grep -cE '\.json$')" -eq 2 ] && ok "spool_max 2: the oldest was dropped" || fail "bound" "$(ls "$SP")"
got=$(jq -r .dropped_reports "$SP/$(newest "$SP")")
[ "$got" = 1 ] && ok "the report made after a drop carries it (dropped_reports 1)" ||
	fail "report after a drop carries it" "dropped_reports = $got, expected 1"
once
got=$(jq -r .dropped_reports "$SP/$(newest "$SP")")
[ "$got" = 2 ] && ok "nothing delivered yet: the next report carries both drops (2)" ||
	fail "count kept until delivery" "dropped_reports = $got, expected 2"
agent report --json
expect_json "report (preview) shows the same count" .dropped_reports 2

"$VERIFY" listen --reports 127.0.0.1:0 --tls-cert "$T/server.pem" --tls-key "$T/server.key" \
	--db "$T/reports.db" --json > "$T/L.out" 2> "$T/L.err" &
LPID=$!
for _ in $(seq 1 100); do grep -qs 'ready:' "$T/L.err" && break; sleep 0.1; done
PORT=$(grep -ohsE 'reports \(HTTPS\) on 127\.0\.0\.1:[0-9]+' "$T/L.err" | grep -oE '[0-9]+$')
[ -n "$PORT" ] || { fail "listener" "$(cat "$T/L.err")"; exit 1; }
conf "https://127.0.0.1:$PORT/reports" "$SP" 3 # room: no drop while sending
once
expect_rc "server up: report --once -> 0" 0
expect_json "three reports delivered (2 spooled + the new one)" .sent 3
once
kill -TERM "$LPID"; wait "$LPID" 2>/dev/null; LPID=
# the reports as the server stored them, in arrival order
DROPS=$(python3 - "$T/reports.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(str(json.loads(r)["dropped_reports"]) for (r,) in db.execute("select report from reports order by id")) + " ")
PY
)
[ "$DROPS" = "1 2 2 0 " ] && ok "the server received dropped_reports 1, 2, 2, then 0 after delivery" ||
	fail "server-side counts" "got '$DROPS', expected '1 2 2 0 '"

# ---- a full disk: never "spooled" -------------------------------------------
M="$T/full"
mkdir -p "$M"
if mount -t tmpfs -o size=64k tmpfs "$M" 2>/dev/null; then
	mkdir -p "$M/spool"
	dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null
	conf "https://127.0.0.1:$DOWN/reports" "$M/spool" 10
	once
	expect_rc "disk full: report --once -> 8" 8
	expect_grep "says the spool could not be written and why" \
		"cannot write the spool $M/spool: No space left on device" "$ERR"
	[ -z "$OUT" ] && ok "disk full: nothing on stdout (never \"spooled\")" || fail "nothing on stdout" "$OUT"
	agent report --once
	! grep -q spooled <<<"$OUT$ERR" && ok "disk full: the text output never says spooled" ||
		fail "not spooled" "$OUT / $ERR"
	expect_one_line "disk full: one line on stderr" "$ERR"
	[ "$(ls "$M/spool" | grep -cE '\.json')" -eq 0 ] && ok "disk full: no report file, no temp file" ||
		fail "no partial file" "$(ls "$M/spool")"
	rm -f "$M/filler"
	once
	expect_rc "space again: report --once spools (and waits for the server) -> 8" 8
	expect_json "space again: the report is spooled" .pending 1
	umount "$M"
else
	skip "64 KiB tmpfs" "cannot mount tmpfs here"
fi
