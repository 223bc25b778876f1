#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-verify listen / events on 127.0.0.1: hello packets and CIRA tunnels
# sent by a python3 stand-in for the device (protocol edge cases only; the
# real amt-sim is the device in other tests), checked in the --json stdout
# and in `amt-verify events --json`; malformed and oversized input, wrong
# credentials, out-of-order APF, the connection limit, the tunnel limit,
# usage errors with their exit codes, and a clean SIGTERM.
# Ports: every listener binds port 0 and the test reads the ports from its
# "ready:" line, so nothing races for a fixed port.
. "$(dirname "$0")/lib.sh"

for tool in python3 openssl jq; do
	command -v "$tool" >/dev/null || { skip listen "needs $tool"; exit 0; }
done

. "$(dirname "$0")/listen_lib.sh"

# ---- usage and configuration errors -------------------------------------
run --version
expect_grep "--version" '^amt-verify [0-9]+\.[0-9]+' "$OUT"
run listen --help
expect_rc "listen --help exits 0" 0
run events --help
expect_rc "events --help exits 0" 0
run frobnicate
expect_rc "unknown command exits 2" 2
run listen
expect_rc "listen without receivers exits 2" 2
expect_one_line "listen without receivers: one line" "$ERR"
run listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem"
expect_rc "--mps without key/user/password exits 2" 2
expect_grep "--mps names what is missing" 'tls-key.*mps-user.*mps-password-file' "$ERR"
cp "$T/pw" "$T/pw-open"; chmod 644 "$T/pw-open"
run listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" --mps-user admin \
	--mps-password-file "$T/pw-open" --db "$T/x.db"
expect_rc "world-readable password file exits 2" 2
expect_grep "world-readable password file refused" 'readable .* by other users.*chmod 600' "$ERR"
expect_one_line "password file error: one line" "$ERR"
run listen --mps 127.0.0.1:0 --tls-cert "$T/pw" --tls-key "$T/mps.key" --mps-user admin \
	--mps-password-file "$T/pw" --db "$T/x.db"
expect_rc "bad certificate exits 2" 2
expect_grep "bad certificate named" 'cannot load TLS certificate' "$ERR"
(cd "$T" && run listen --hello 256.1.1.1:5)
expect_rc "bad address exits 2" 2
[ ! -e "$T/amt-verify.db" ] && ok "usage error creates no store" || fail "usage error creates no store" "created"
run listen --hello 127.0.0.1:0 --max-connections 0
expect_rc "--max-connections 0 exits 2" 2
run events --db "$T/none.db"
expect_rc "events on a missing store exits 2" 2
[ ! -e "$T/none.db" ] && ok "events does not create a store" || fail "events does not create a store" "file created"

# ---- one listener with both receivers -----------------------------------
start_listen main --hello 127.0.0.1:0 --mps 127.0.0.1:0 "${MPS_OPTS[@]}" --db "$T/ev.db" --json || exit 1
HP=$(port_of main hello); MP=$(port_of main mps)
[ -n "$HP" ] && [ -n "$MP" ] && ok "ready line names both ports" || fail "ready line names both ports" "$(cat "$T/main.err")"
[ ! -s "$T/main.out" ] && ok "--json: ready line on stderr, stdout only events" || fail "--json ready line" "$(cat "$T/main.out")"

run listen --hello "127.0.0.1:$HP" --db "$T/y.db"
expect_rc "port in use exits 8" 8
[ ! -e "$T/y.db" ] && ok "bind failure creates no store" || fail "bind failure creates no store" "created"
expect_grep "port in use: what and why" "cannot listen on 127\\.0\\.0\\.1:$HP for hello: .*in use" "$ERR"

# hello: one valid packet
dev hello "$HP" 5 > /dev/null
if wait_count main hello 1; then ok "hello recorded"; else fail "hello recorded" "$(cat "$T/main.err")"; fi
OUT=$(last main hello)
expect_json "hello uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "hello interface version" .interface_version 3
expect_json "hello retry count" .retry_count 5
expect_json "hello admin flag" .admin_set false
expect_json "hello source" '.source|test("^127\\.0\\.0\\.1:[0-9]+$")' true
expect_json "hello hash count" '.hashes|length' 2
expect_json "hello hash 0" '.hashes[0]|"\(.type) \(.hex)"' \
	"sha256 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
expect_json "hello hash 1" '.hashes[1]|"\(.type) \(.hex)"' "sha1 $(printf 'ab%.0s' $(seq 20))"
expect_json "hello time is ISO-8601 UTC ms" '.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' true

run events --db "$T/ev.db" --json
expect_rc "events --json exits 0" 0
OUT=$(jq -c 'select(.type=="hello")' <<<"$OUT" | tail -1)
expect_json "events: hello uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "events: hello retry count" .retry_count 5
expect_json "events: hello hashes" '[.hashes[].type]|join(",")' "sha256,sha1"

# two packets on one connection, delivered in pieces: firmware sends one
# hello per connection, so the first is recorded and the connection closed
dev hello2 "$HP" > /dev/null
if wait_count main hello 2; then ok "a hello in pieces is recorded"; else fail "a hello in pieces is recorded" "$(count main hello) events"; fi
sleep 0.3
[ "$(count main hello)" -eq 2 ] && ok "one hello per connection: the second packet is not stored" ||
	fail "one hello per connection" "$(count main hello) hello events"
OUT=$(last main hello)
expect_json "the connection's first packet is the one stored" '"\(.retry_count) \(.admin_set)"' "7 false"

# malformed and oversized input: logged, dropped, listener survives
dev hello-bad-version "$HP" > /dev/null
dev hello-truncated "$HP" > /dev/null
R=$(dev flood "$HP" 2097152)
expect_grep "hello: 2 MiB of junk is dropped early" '^(dropped|closed) after' "$R"
R=$(dev flood "$MP" 2097152)
expect_grep "mps: 2 MiB of junk is dropped early" '^(dropped|closed) after' "$R"
sleep 0.3
alive main && ok "listener survives malformed input" || fail "listener survives malformed input" "exited"
expect_grep "bad hello logged with source and cause" 'hello from 127\.0\.0\.1:[0-9]+: malformed packet \(PROTO_E_BAD_VERSION' "$(cat "$T/main.err")"
expect_grep "truncated hello logged" 'connection closed inside a packet' "$(cat "$T/main.err")"
expect_grep "mps junk logged" 'mps 127\.0\.0\.1:[0-9]+: TLS handshake failed' "$(cat "$T/main.err")"
[ "$(count main hello)" -eq 2 ] && ok "malformed hellos record nothing" || fail "malformed hellos record nothing" "$(count main hello) hello events"
dev hello "$HP" 9 > /dev/null
wait_count main hello 3 && ok "hello after malformed input" || fail "hello after malformed input" "not recorded"
run events --db "$T/ev.db" --json
[ "$(jq -c 'select(.type=="hello")' <<<"$OUT" | wc -l)" -eq 3 ] && ok "earlier records remain" || fail "earlier records remain" "$OUT"

# CIRA: the good handshake, verified against the throwaway CA
R=$(dev cira "$MP" "$T/ca.pem" admin "$SECRET")
expect_grep "cira: handshake replies as expected" '^open$' "$R"
if wait_count main cira_open 1; then ok "cira_open recorded"; else fail "cira_open recorded" "$(cat "$T/main.err")"; fi
OUT=$(last main cira_open)
expect_json "cira_open uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "cira_open trigger" .trigger user_initiated
expect_json "cira_open user" .user admin
expect_json "cira_open ports" '.ports|map(tostring)|join(",")' "16992,623"
wait_count main cira_close 1 && ok "cira_close recorded" || fail "cira_close recorded" "none"
OUT=$(last main cira_close)
expect_json "cira_close reason" .reason device_closed
expect_json "cira_close duration" '.duration_ms >= 0' true

# wrong password: failure recorded, no tunnel
R=$(dev cira "$MP" "$T/ca.pem" admin "wrong-pass")
expect_grep "wrong password: USERAUTH_FAILURE then DISCONNECT" '^auth_failed methods=password disconnect reason=14$' "$R"
wait_count main cira_auth_failed 1 && ok "cira_auth_failed recorded" || fail "cira_auth_failed recorded" "none"
OUT=$(last main cira_auth_failed)
expect_json "cira_auth_failed reason" .reason "wrong password"
expect_json "cira_auth_failed uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
R=$(dev cira "$MP" "$T/ca.pem" intruder "$SECRET")
expect_grep "wrong user refused" '^auth_failed' "$R"
wait_count main cira_auth_failed 2 && ok "wrong user recorded" || fail "wrong user recorded" "none"
[ "$(count main cira_open)" -eq 1 ] && ok "no cira_open after failures" || fail "no cira_open after failures" "$(count main cira_open)"

# out of order: GLOBAL_REQUEST before the pfwd service
R=$(dev cira "$MP" "$T/ca.pem" admin "$SECRET" forward-before-pfwd)
expect_grep "out of order: DISCONNECT protocol error" '^disconnect reason=2$' "$R"
sleep 0.2
expect_grep "out of order logged" 'protocol error: GLOBAL_REQUEST before the pfwd service' "$(cat "$T/main.err")"
[ "$(count main cira_open)" -eq 1 ] && ok "no cira_open after protocol error" || fail "no cira_open after protocol error" "$(count main cira_open)"

# events: filters and text output
run events --db "$T/ev.db" --since 1h --json
[ "$(grep -c . <<<"$OUT")" -eq "$(grep -c . "$T/main.out")" ] && ok "events --since 1h lists all" || fail "events --since 1h" "$OUT"
run events --db "$T/ev.db" --since 2099-01-01T00:00:00Z
expect_rc "events --since future exits 0" 0
[ -z "$OUT" ] && ok "events --since future lists none" || fail "events --since future" "$OUT"
run events --db "$T/ev.db" --since yesterday
expect_rc "events --since garbage exits 2" 2
run events --db "$T/ev.db"
expect_grep "events text summary" 'cira_open +33221100-5544-7766-8899-AABBCCDDEEFF from 127\.0\.0\.1:[0-9]+ trigger user_initiated user admin ports 16992,623' "$OUT"
first=$(jq -r .time <<<"$(head -1 "$T/main.out")")
run events --db "$T/ev.db" --json
[ "$(jq -r .time <<<"$(head -1 <<<"$OUT")")" == "$first" ] && ok "events oldest first" || fail "events oldest first" "$first"

# SIGTERM with a tunnel open: DISCONNECT to the device, cira_close, exit 0
dev cira "$MP" "$T/ca.pem" admin "$SECRET" good 20 > "$T/held.log" &
held=$!
wait_count main cira_open 2 || fail "tunnel before SIGTERM" "not open"
stop_listen main
expect_rc "SIGTERM exits 0" 0
wait "$held"
expect_grep "SIGTERM: device told DISCONNECT by application" 'disconnect reason=11' "$(cat "$T/held.log")"
run events --db "$T/ev.db" --json
expect_grep "SIGTERM: cira_close shutdown stored" '"type":"cira_close".*"reason":"shutdown"' "$OUT"
[ ! -e "$T/ev.db-wal" ] || [ ! -s "$T/ev.db-wal" ] && ok "store closed cleanly (WAL checkpointed)" || fail "store closed cleanly" "$(ls -l "$T"/ev.db*)"

# secrets never leave the password file
if grep -qaF "$SECRET" "$T"/*.out "$T"/*.err "$T"/*.log "$T"/ev.db* 2>/dev/null; then
	fail "password never logged or stored" "found in output"
else
	ok "password never logged or stored"
fi

# ---- bounds: connection limit and tunnel lifetime ------------------------
start_listen small --hello 127.0.0.1:0 --mps 127.0.0.1:0 "${MPS_OPTS[@]}" --db "$T/small.db" \
	--json --max-connections 2 --max-tunnel-seconds 1 || exit 1
SHP=$(port_of small hello); SMP=$(port_of small mps)
R=$(dev limit "$SHP")
expect_grep "connection limit: third refused, first kept" '^third_closed=True first_open=True$' "$R"
expect_grep "connection limit logged" 'refused: 2 hello connections open \(--max-hello-connections\)' "$(cat "$T/small.err")"
sleep 0.3
dev hello "$SHP" 1 > /dev/null
wait_count small hello 1 && ok "accepts again below the limit" || fail "accepts again below the limit" "$(cat "$T/small.err")"
R=$(dev cira "$SMP" "$T/ca.pem" admin "$SECRET" good 10)
expect_grep "--max-tunnel-seconds: DISCONNECT by application" '^open.*' "$R"
expect_grep "--max-tunnel-seconds: reason 11" 'disconnect reason=11' "$R"
wait_count small cira_close 1 && ok "tunnel limit recorded" || fail "tunnel limit recorded" "none"
OUT=$(last small cira_close)
expect_json "tunnel limit close reason" .reason timeout
expect_json "tunnel limit duration" '.duration_ms >= 900 and .duration_ms < 5000' true
stop_listen small
expect_rc "SIGTERM exits 0 (second listener)" 0

# ---- text mode ----------------------------------------------------------
start_listen text --hello 127.0.0.1:0 --db "$T/text.db" || exit 1
expect_grep "text mode: ready line on stdout" '^amt-verify: ready: hello on 127\.0\.0\.1:[0-9]+; events in ' "$(cat "$T/text.out")"
dev hello "$(port_of text hello)" 3 > /dev/null
for _ in $(seq 1 50); do grep -q ' hello ' "$T/text.out" && break; sleep 0.1; done
expect_grep "text mode: one-line summary" 'Z hello +33221100-5544-7766-8899-AABBCCDDEEFF from 127\.0\.0\.1:[0-9]+ version 3 retry 3 admin unset hashes 2$' "$(cat "$T/text.out")"
kill -INT "${LPID[text]}"
for _ in $(seq 1 50); do alive text || break; sleep 0.1; done
wait "${LPID[text]}"; RC=$?; unset "LPID[text]"
expect_rc "SIGINT exits 0" 0

# ---- sanitizer builds: nothing reported by any run ------------------------
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err > "$T/san.list" 2>/dev/null; then
	fail "no sanitizer reports" "$(cat "$T/san.list")"
else
	ok "no sanitizer reports"
fi
