#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-verify listen under floods, on 127.0.0.1: each receiver (hello, MPS,
# reports) has its own connection limit, 1,000 idle connections leave the
# listener holding about the limit's descriptors (/proc/PID/fd), a flood on
# one receiver leaves the other two working, and what was turned away is
# counted and logged.
. "$(dirname "$0")/lib.sh"

for tool in python3 openssl jq; do
	command -v "$tool" >/dev/null || { skip listen-limits "needs $tool"; exit 0; }
done

. "$(dirname "$0")/listen_lib.sh"

# ---- usage ------------------------------------------------------------------
for opt in --max-hello-connections --max-mps-connections --max-reports-connections; do
	run listen --hello 127.0.0.1:0 "$opt" 0
	expect_rc "$opt 0 exits 2" 2
	expect_grep "$opt 0: says what is expected" "$opt \"0\": expected 1\\.\\.65536" "$ERR"
done
run listen --help
expect_grep "--help names the per-receiver limits" 'max-hello-connections.*default 256' "$(tr -s ' \n' ' ' <<<"$OUT")"

# ---- idle floods, one receiver at a time ------------------------------------
# (--hello-per-source 0: from one address the hello flood would otherwise end
# at 20 connections, before the connection limit this part is about)
LIMIT=64
start_listen caps --hello 127.0.0.1:0 --mps 127.0.0.1:0 --reports 127.0.0.1:0 "${MPS_OPTS[@]}" \
	--db "$T/caps.db" --json --max-connections "$LIMIT" --hello-per-source 0 || exit 1
CPID=${LPID[caps]}
HP=$(port_of caps hello); MP=$(port_of caps mps); RP=$(port_of caps reports)
BASE=$(fds "$CPID")
hellos=0

# the_others_work FLOODED: each receiver but FLOODED still serves a device
the_others_work() {
	local R
	if [ "$1" != hello ]; then
		hellos=$((hellos + 1))
		dev hello "$HP" "$hellos" > /dev/null
		wait_count caps hello "$hellos" && ok "$1 flooded: a hello is still recorded" ||
			fail "$1 flooded: a hello is still recorded" "$(tail -3 "$T/caps.err")"
	fi
	if [ "$1" != mps ]; then
		R=$(dev cira "$MP" "$T/ca.pem" admin "$SECRET")
		expect_grep "$1 flooded: a CIRA tunnel still opens" '^open$' "$R"
	fi
	if [ "$1" != reports ]; then
		R=$(dev tls-up "$RP" "$T/ca.pem")
		expect_grep "$1 flooded: the report receiver still completes TLS" '^tls up' "$R"
	fi
}

for r in hello mps reports; do
	port=$(port_of caps "$r")
	dev hold "$port" 1000 8 > "$T/hold.$r" &
	holder=$!
	wait_until 20 grep -q '^held' "$T/hold.$r" || fail "$r: holder started" "$(cat "$T/hold.$r")"
	sleep 1.5
	n=$(fds "$CPID")
	[ "$n" -le $((BASE + LIMIT + 10)) ] &&
		ok "$r: 1000 idle connections, the listener holds $n fds (limit $LIMIT, $BASE at rest)" ||
		fail "$r: 1000 idle connections hold at most the limit" "$n fds (limit $LIMIT, $BASE at rest)"
	the_others_work "$r"
	wait "$holder"
done

# the report receiver paused at its limit; once the flood is gone it accepts again
R=$(dev tls-up "$RP" "$T/ca.pem")
expect_grep "reports: accepts again once the flood is gone" '^tls up' "$R"
expect_grep "hello: refusals logged with the receiver's limit" \
	"hello connection from 127\\.0\\.0\\.1:[0-9]+ refused: $LIMIT hello connections open \\(--max-hello-connections\\)" \
	"$(cat "$T/caps.err")"
expect_grep "mps: refusals logged with the receiver's limit" \
	"mps connection from 127\\.0\\.0\\.1:[0-9]+ refused: $LIMIT mps connections open \\(--max-mps-connections\\)" \
	"$(cat "$T/caps.err")"
expect_grep "reports: the pause is logged" \
	"reports: $LIMIT connections open \\(--max-reports-connections\\) — not accepting more until one closes" \
	"$(cat "$T/caps.err")"
stop_listen caps
expect_rc "SIGTERM after the floods exits 0" 0
expect_grep "totals logged at stop" \
	'hello: [0-9]+ connection\(s\) refused over 64 open \(--max-hello-connections\)' "$(cat "$T/caps.err")"

# ---- a receiver's own option wins over --max-connections -------------------
start_listen own --hello 127.0.0.1:0 --db "$T/own.db" --json --max-hello-connections 3 \
	--max-connections 100 --hello-per-source 0 || exit 1
dev hold "$(port_of own hello)" 20 3 > "$T/hold.own" &
holder=$!
wait_until 20 grep -q '^held' "$T/hold.own"
sleep 1
n=$(fds "${LPID[own]}")
wait_until 10 grep -q 'refused: 3 hello connections open' "$T/own.err" &&
	ok "--max-hello-connections 3 wins over --max-connections 100 ($n fds)" ||
	fail "--max-hello-connections wins" "$(tail -2 "$T/own.err")"
wait "$holder"
stop_listen own

# ---- the descriptor limit fits the connection limits ----------------------
# soft 100, hard above: raised to the three limits (64 each), the MPS's
# relayed connections (256 by default) + 64 in reserve
(ulimit -Sn 100; exec "$VERIFY" listen --hello 127.0.0.1:0 --mps 127.0.0.1:0 \
	--reports 127.0.0.1:0 "${MPS_OPTS[@]}" --db "$T/fd.db" --max-connections 64) \
	> "$T/fd.out" 2> "$T/fd.err" &
LPID[fd]=$!
wait_until 10 grep -q 'ready:' "$T/fd.out"
soft=$(awk '/Max open files/ {print $4}' "/proc/${LPID[fd]}/limits")
[ "$soft" = 512 ] && ok "soft descriptor limit 100 raised to 3 x 64 + 256 relayed + 64 = $soft" ||
	fail "soft descriptor limit raised" "$soft"
stop_listen fd
# hard 40: cannot fit; one warning, and a flood pauses accept (EMFILE) instead of spinning
(ulimit -n 40; exec "$VERIFY" listen --hello 127.0.0.1:0 --db "$T/emfile.db" --json \
	--hello-per-source 0) \
	> "$T/emfile.out" 2> "$T/emfile.err" &
LPID[emfile]=$!
wait_until 10 grep -q 'ready:' "$T/emfile.err"
expect_grep "hard descriptor limit too low: warned, with what to do" \
	'descriptor limit \(40\) is below what the connection limits need \(256 \+ 64\).*ulimit -n' \
	"$(cat "$T/emfile.err")"
EP=$(port_of emfile hello)
dev hold "$EP" 200 4 > "$T/hold.emfile" &
holder=$!
wait_until 20 grep -q '^held' "$T/hold.emfile"
sleep 2
cpu=$(awk '{print $14 + $15}' "/proc/${LPID[emfile]}/stat")
expect_grep "out of descriptors: accept pauses, logged" \
	'hello listener: accept failed: Too many open files — pausing for 1 s' "$(cat "$T/emfile.err")"
[ "$cpu" -lt 100 ] && ok "out of descriptors: no busy loop ($cpu ticks of CPU)" ||
	fail "out of descriptors: no busy loop" "$cpu ticks"
wait "$holder"
dev hello "$EP" 1 > /dev/null
wait_count emfile hello 1 && ok "out of descriptors: hellos recorded again once the flood is gone" ||
	fail "recovers after EMFILE" "$(tail -2 "$T/emfile.err")"
stop_listen emfile

# ---- hello floods -----------------------------------------------------------
start_listen flood --hello 127.0.0.1:0 --db "$T/flood.db" --json || exit 1
FP=$(port_of flood hello)
R=$(dev hellos-one-connection "$FP" 32768)
wait_count flood hello 1
sleep 0.5
[ "$(count flood hello)" -eq 1 ] && ok "32,768 hellos on one connection store exactly one" ||
	fail "a flood on one connection stores one hello" "$(count flood hello) stored; peer: $R"
expect_grep "the bytes after the hello are logged as ignored" \
	'hello from 127\.0\.0\.1:[0-9]+: [0-9]+ more byte\(s\) after the hello — ignored, one hello per connection' \
	"$(cat "$T/flood.err")"
stop_listen flood
expect_grep "the count is logged at stop" \
	'hello: 1 connection\(s\) sent more than one hello' "$(cat "$T/flood.err")"

# per source address: 100 devices' hellos from one address, defaults (20 a minute)
start_listen src --hello 127.0.0.1:0 --db "$T/src.db" --json || exit 1
SP=$(port_of src hello)
t0=$(date +%s)
dev hellos "$SP" 100 distinct 127.0.0.1 > /dev/null
secs=$(($(date +%s) - t0))
sleep 0.5
n=$(count src hello)
# a burst of 20, then one more every 3 s while the flood lasts
[ "$n" -ge 20 ] && [ "$n" -le $((20 + secs / 3 + 1)) ] &&
	ok "100 hellos from one address in ${secs} s: $n stored (--hello-per-source 20)" ||
	fail "a hello flood from one address is rate-limited" "$n stored in ${secs} s"
expect_grep "the per-source refusals are logged with their count" \
	'hello connection from 127\.0\.0\.1:[0-9]+ refused: more than 20 a minute from this address \(--hello-per-source\); [0-9]+ refused so far' \
	"$(cat "$T/src.err")"
dev hellos "$SP" 1 distinct 127.0.0.2 > /dev/null
wait_count src hello $((n + 1)) && ok "another address is not held back by the flood" ||
	fail "another address still gets through" "$(count src hello) stored"
stop_listen src
dropped=$(grep -oE 'hello: [0-9]+ connection\(s\) refused over 20 a minute from one address' "$T/src.err" |
	grep -oE '[0-9]+' | head -1)
[ "${dropped:-0}" -gt 0 ] && [ "$dropped" -eq $((100 - n)) ] && ok "the total dropped is logged at stop ($dropped)" ||
	fail "the per-source total at stop" "'$dropped', expected $((100 - n))"

# per device UUID: default 4 a minute; --hello-per-source 0 lifts the address limit
start_listen uuid --hello 127.0.0.1:0 --db "$T/uuid.db" --json --hello-per-source 0 || exit 1
UP=$(port_of uuid hello)
dev hellos "$UP" 10 same 127.0.0.1 > /dev/null
sleep 0.5
[ "$(count uuid hello)" -eq 4 ] && ok "10 hellos from one device UUID: 4 stored (--hello-per-uuid 4)" ||
	fail "hellos per device UUID are capped" "$(count uuid hello) stored"
expect_grep "the per-UUID drops are logged with their count" \
	'device 33221100-5544-7766-8899-AABBCCDDEEFF sent more than 4 hellos a minute \(--hello-per-uuid\) — not stored; [0-9]+ dropped so far' \
	"$(cat "$T/uuid.err")"
dev hellos "$UP" 60 distinct 127.0.0.1 > /dev/null
wait_count uuid hello 64 && ok "--hello-per-source 0: 60 devices from one address all stored" ||
	fail "--hello-per-source 0 is no limit" "$(count uuid hello) stored"
stop_listen uuid
expect_grep "the per-UUID total is logged at stop" \
	'hello: 6 hello\(s\) not stored, over 4 a minute from one device \(--hello-per-uuid\)' \
	"$(cat "$T/uuid.err")"
run listen --hello 127.0.0.1:0 --hello-per-uuid -1
expect_rc "--hello-per-uuid -1 exits 2" 2
run listen --hello 127.0.0.1:0 --hello-per-source 1000001
expect_rc "--hello-per-source over a million exits 2" 2

# ---- sanitizer builds: nothing reported by any run ------------------------
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err > "$T/san.list" 2>/dev/null; then
	fail "no sanitizer reports" "$(cat "$T/san.list")"
else
	ok "no sanitizer reports"
fi
