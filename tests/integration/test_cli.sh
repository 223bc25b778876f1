#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command lines of amt-agent and amt-verify: info --get for scripts,
# --help for every subcommand from its option table, one-line option errors
# naming the program and a hint, bare hostid printing its usage, options
# and arguments in any order, "--", and no abbreviation of an option where
# a privileged one exists.
. "$(dirname "$0")/lib.sh"

run_verify() { OUT=$("$VERIFY" "$@" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr"); }

# ---- --help of every subcommand, from its table ----------------------------
# The commands are the ones each program's --help lists, so a new one is
# covered without touching this file; the known ones must be among them.
commands_of() { sed -n '/^Commands:$/,/^$/s/^  \([a-z-]*\)  .*/\1/p' <<<"$1"; }
agent --help; AGENT_CMDS=$(commands_of "$OUT")
run_verify --help; VERIFY_CMDS=$(commands_of "$OUT")
for c in info hello call-for-help hostid report presence run; do
	grep -qx "$c" <<<"$AGENT_CMDS" || fail "amt-agent --help lists $c" "$AGENT_CMDS"
done
for c in listen events reports device tunnels power boot console consent subscribe \
	unsubscribe subscriptions presence ider fleet; do
	grep -qx "$c" <<<"$VERIFY_CMDS" || fail "amt-verify --help lists $c" "$VERIFY_CMDS"
done
for c in $AGENT_CMDS; do
	agent "$c" --help
	[ "$RC" -eq 0 ] && grep -q "^usage: amt-agent $c" <<<"$OUT" && grep -q -- '-h, --help' <<<"$OUT" &&
		[ -z "$ERR" ] && ok "amt-agent $c --help" || fail "amt-agent $c --help" "$RC: $OUT $ERR"
done
for c in $VERIFY_CMDS; do
	run_verify "$c" --help
	[ "$RC" -eq 0 ] && grep -q "^usage: amt-verify $c" <<<"$OUT" && [ -z "$ERR" ] &&
		ok "amt-verify $c --help" || fail "amt-verify $c --help" "$RC: $OUT $ERR"
done
agent --help
expect_grep "amt-agent --help lists the commands with their summaries" '^  call-for-help +open \(or --close\)' "$OUT"

# ---- option errors: one line, program, subcommand, hint; exit 2 ------------
while IFS='|' read -r args message; do
	# shellcheck disable=SC2086 # the words are the command line
	agent $args
	if [ "$RC" -eq 2 ] && [ -z "$OUT" ] && [ "$(grep -c . <<<"$ERR")" -eq 1 ] && grep -qF -- "$message" <<<"$ERR"; then
		ok "amt-agent $args: $message"
	else
		fail "amt-agent $args" "exit $RC: $ERR"
	fi
done <<'EOF'
info --bogus|amt-agent info: unknown option "--bogus" — run 'amt-agent info --help' for the options
info extra|amt-agent info: unexpected argument "extra"
info --get|amt-agent info: --get needs a value (KEY)
info --json=yes|amt-agent info: --json takes no value
call-for-help --wait soon|amt-agent call-for-help: --wait "soon": expected 1..3600
call-for-help --wait 0|--wait "0": expected 1..3600
call-for-help --close --wait 5|amt-agent call-for-help: --wait applies to opening only
hello --stop --ipv6|amt-agent hello: --ipv6 applies to starting only
hostid|usage: amt-agent hostid show|init|set ID|clear [--json] — run 'amt-agent hostid --help' for details
hostid --json|usage: amt-agent hostid show|init|set ID|clear [--json]
hostid frob|amt-agent hostid: expected show, init, set ID or clear
hostid set|amt-agent hostid: expected show, init, set ID or clear
report --on|amt-agent report: unknown option "--on" (options are not abbreviated here: --once?)
report --once=|amt-agent report: --once takes no value
run extra|amt-agent run: unexpected argument "extra"
frobnicate|amt-agent: unknown command "frobnicate" — run 'amt-agent --help' for the list
--frob info|amt-agent: unknown option "--frob" — run 'amt-agent --help'
info --get wired.ipv5|amt-agent info: --get "wired.ipv5": no such key
info --get cert_hashes.x|amt-agent info: --get "cert_hashes.x": no such key
info --get wired..ipv4|amt-agent info: --get "wired..ipv4": no such key
EOF
while IFS='|' read -r args message; do
	# shellcheck disable=SC2086
	run_verify $args
	if [ "$RC" -eq 2 ] && [ "$(grep -c . <<<"$ERR")" -eq 1 ] && grep -qF -- "$message" <<<"$ERR"; then
		ok "amt-verify $args: $message"
	else
		fail "amt-verify $args" "exit $RC: $ERR"
	fi
done <<'EOF'
listen --bogus|amt-verify listen: unknown option "--bogus" — run 'amt-verify listen --help' for the options
listen --hello|amt-verify listen: --hello needs a value (ADDR[:PORT])
listen --json=1|amt-verify listen: --json takes no value
listen --hello 127.0.0.1:0 stray|amt-verify listen: unexpected argument "stray"
events --since soon|amt-verify events: --since "soon": expected an ISO-8601 time
reports --port 0|amt-verify reports: --port "0": expected 1..65535
device|amt-verify device: which device? give HOST or --via-tunnel UUID — run 'amt-verify device --help'
device h --via-tunnel x|amt-verify device: HOST or --via-tunnel UUID, not both
tunnels extra|amt-verify tunnels: unexpected argument "extra"
device a b|amt-verify device: unexpected argument "b"
fleet|amt-verify fleet: --inventory FILE is required (CSV or JSON lines: host, port, uuid, group, expected values)
fleet --inventory f --concurrency 0|amt-verify fleet: --concurrency "0": expected 1..65536
fleet --inventory f --expect colour=red|amt-verify fleet: --expect "colour=red": expected KEY=VALUE
reports --concurrency 70000|amt-verify reports: --concurrency "70000": expected 1..65536
--frob|amt-verify: unknown option "--frob"
EOF

if ! need_root; then skip cli_device "the rest needs root and /dev/fuse"; exit 0; fi
start_sim c < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1

# ---- info --get: bare values for scripts -----------------------------------
agent --device "$(dev c)" info --get amt_version --get wired.ipv4 --get provisioned \
	--get dns_suffix --get cira.mps --get cert_hashes.1.algorithm --get cert_hashes.9.name
expect_rc "info --get: exit 0" 0
[ "$OUT" == "$(printf '16.1.25\n192.168.7.10\ntrue\nvpro.example.org\nmps.example.org\nsha384\n')" ] &&
	ok "info --get: one bare value per key, in order (past the end: empty)" || fail "info --get values" "$OUT"
agent --device "$(dev c)" info --json --get uuid --get wireless.ipv4
[ "$(jq -c . <<<"$OUT")" == '{"uuid":"03000200-0400-0500-0006-000700080009","wireless.ipv4":"10.1.2.3"}' ] &&
	ok "info --json --get: one object, key -> value" || fail "info --json --get" "$OUT"
agent --device "$(dev c)" info --get wired --get versions.0
expect_grep "objects as one line of JSON" '^\{"mac":"00:11:22:33:44:55","ipv4":"192.168.7.10"' "$OUT"
agent --device "$T/no-such.mei" info --get wired.ipv5
expect_rc "an unknown key is a usage error before the device is opened" 2
# options and arguments in any order; "--" ends the options
agent hostid --device "$(dev c)" show
expect_rc "global options go before the command" 2
agent --device "$(dev c)" hostid show --json
expect_rc "hostid show --json" 0
expect_json "...prints JSON" .amt_uuid 03000200-0400-0500-0006-000700080009
agent --device "$(dev c)" hostid --json -- show
expect_rc "hostid --json -- show" 0
stop_sim c

{ sed '/^\[wireless\]/,/^\[/{/^present/d;/^mac/d;/^ipv4/d;/^dhcp/d;/^link_up/d}' "$(dirname "$0")/../data/laptop-amt16.ini"
  printf '[wireless]\npresent = false\n'; } | start_sim nw || exit 1
agent --device "$(dev nw)" info --get wireless.ipv4 --get wireless --get uuid
[ "$OUT" == "$(printf '\n\n03000200-0400-0500-0006-000700080009\n')" ] &&
	ok "info --get through a null (no wireless): empty lines" || fail "info --get null" "$(od -c <<<"$OUT" | head)"
stop_sim nw
