#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man pages say what the programs do: each renders without a warning
# (man -l), documents every option the program's --help lists, and
# agent.conf(5) and the shipped agent.conf name every configuration key
# the agent accepts (the keyword table in agent/config.c).
. "$(dirname "$0")/lib.sh"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
MAN="$BUILD_DIR/man"

if ! command -v man >/dev/null; then skip manpages "man is not installed (apt-get install man-db)"; exit 0; fi
for page in "$MAN"/*; do
	[ -f "$page" ] || { fail "man pages built" "none in $MAN"; break; }
	w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	if [ -z "$w" ] && [ "$lines" -gt 20 ]; then ok "$(basename "$page") renders ($lines lines, no warning)"
	else fail "$(basename "$page") renders" "${w:-only $lines lines}"; fi
done

# options_in HELP: every long option the help text names, --help aside
options_in() { grep -oE -- '--[a-z0-9][a-z0-9-]*' <<<"$1" | grep -vx -- '--help' | sort -u; }
documents() { # NAME PAGE HELP_TEXT
	local missing="" o
	for o in $(options_in "$3"); do
		grep -qF -- "*$o*" "$SRC/packaging/man/$2.scd" || missing+=" $o"
	done
	if [ -z "$missing" ]; then ok "$1"; else fail "$1" "$2.scd lacks$missing"; fi
}

documents "amt-agent(8) documents the global options" amt-agent.8 "$("$AGENT" --help)"
for cmd in $("$AGENT" --help | sed -n '/^Commands:/,/^$/{/^  [a-z]/{s/^  \([a-z-]*\).*/\1/;p}}'); do
	documents "amt-agent(8) documents $cmd's options" amt-agent.8 "$("$AGENT" "$cmd" --help 2>&1)"
	grep -qE "^\*$cmd\*" "$SRC/packaging/man/amt-agent.8.scd" && ok "amt-agent(8) describes $cmd" ||
		fail "amt-agent(8) describes $cmd" "no *$cmd* paragraph"
done
documents "amt-verify(1) documents the global options" amt-verify.1 "$("$VERIFY" --help)"
for cmd in $("$VERIFY" --help | sed -n '/^Commands:/,/^$/{/^  [a-z]/{s/^  \([a-z-]*\).*/\1/;p}}'); do
	documents "amt-verify(1) documents $cmd's options" amt-verify.1 "$("$VERIFY" "$cmd" --help 2>&1)"
	grep -qx "# $cmd" "$SRC/packaging/man/amt-verify.1.scd" && ok "amt-verify(1) has a section for $cmd" ||
		fail "amt-verify(1) has a section for $cmd" "no '# $cmd' heading"
done
documents "amt-sim(1) documents its options" amt-sim.1 "$("$SIM" --help)"

# Each command's --help ends with the exit codes it can return.
exits() { # NAME HELP_TEXT
	grep -qE '^Exit( codes)?:? [0-9]' <<<"$2" && ok "$1 --help lists its exit codes" || fail "$1 --help lists its exit codes" "none in: $(tail -3 <<<"$2")"
}
for cmd in $("$AGENT" --help | sed -n '/^Commands:/,/^$/{/^  [a-z]/{s/^  \([a-z-]*\).*/\1/;p}}'); do
	exits "amt-agent $cmd" "$("$AGENT" "$cmd" --help 2>&1)"
done
for cmd in $("$VERIFY" --help | sed -n '/^Commands:/,/^$/{/^  [a-z]/{s/^  \([a-z-]*\).*/\1/;p}}'); do
	exits "amt-verify $cmd" "$("$VERIFY" "$cmd" --help 2>&1)"
done
exits "amt-sim" "$("$SIM" --help)"

missing_page=""; missing_conf=""
while IFS=' ' read -r section key; do
	grep -qE "^\*$key\*|, \*$key\*" "$SRC/packaging/man/agent.conf.5.scd" || missing_page+=" [$section] $key"
	awk -v s="[$section]" -v k="$key" '$0 == s {in_s = 1; next} /^\[/ {in_s = 0}
		in_s && $0 ~ "^#?" k " =" {found = 1} END {exit !found}' "$SRC/packaging/agent.conf" ||
		missing_conf+=" [$section] $key"
done < <(grep -oE '^\s*\{"[a-z]+", "[a-z_]+"' "$SRC/agent/config.c" | tr -d '{",' | awk '{print $1, $2}')
[ -z "$missing_page" ] && ok "agent.conf(5) describes every key" || fail "agent.conf(5) describes every key" "missing:$missing_page"
[ -z "$missing_conf" ] && ok "the shipped agent.conf names every key in its section" ||
	fail "the shipped agent.conf names every key" "missing:$missing_conf"
