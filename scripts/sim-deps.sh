#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# sim-deps.sh [-v] [OBJDIR] - fail when files of the simulator call each other
# in a loop (tools/sim must stay layered: main -> sim_fw -> services and
# clients -> state -> ini; see README "Layout").
#
# The graph is read from the compiled objects, so it is what the code really
# does, not what the headers promise: file A -> file B when A.o references a
# global symbol B.o defines (a call, a weak call, or a function or table
# taken by address, e.g. a row of sim_fw.c's part table). Loops are found
# with tsort(1); for each one the calls that close it are listed with the
# symbols, which says what to move down.
#   -v      also print every edge ("A -> B: symbols")
#   OBJDIR  default build/obj/tools/sim (run after make all)
# Exit: 0 no loop, 1 a loop, 2 an object missing or nm failed.
set -uo pipefail
cd "$(dirname "$0")/.."
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
dir=${1:-build/obj/tools/sim}
# one object per source that exists now (a stale object of a removed file
# must not add edges)
objs=()
for src in tools/sim/*.c; do
	o="$dir/$(basename "$src" .c).o"
	if [ ! -f "$o" ]; then
		echo "sim-deps: $o is missing: build first (make all)" >&2
		exit 2
	fi
	objs+=("$o")
done

# "FILE SYMBOL" lines: defs (global, defined) and uses (undefined or weak undefined)
defs=$(mktemp) uses=$(mktemp) loops=$(mktemp)
trap 'rm -f "$defs" "$uses" "$loops"' EXIT
for o in "${objs[@]}"; do
	f=$(basename "$o" .o)
	if ! out=$(nm -- "$o"); then
		echo "sim-deps: nm $o failed" >&2
		exit 2
	fi
	awk -v f="$f" -v defs="$defs" -v uses="$uses" '
		NF == 3 && $2 ~ /^[A-Z]$/ && $2 != "U" { print f, $3 >> defs }
		NF == 2 && $1 ~ /^[Uwv]$/              { print f, $2 >> uses }
	' <<<"$out"
done

# "FROM TO SYMBOL" per cross-file reference
edges=$(awk 'NR == FNR { def[$2] = $1; next }
	     ($2 in def) && def[$2] != $1 { print $1, def[$2], $2 }' "$defs" "$uses" | sort -u)
pairs=$(awk '{ print $1, $2 }' <<<"$edges" | sort -u)

describe() { # FROM TO -> "FROM -> TO: sym sym"
	awk -v a="$1" -v b="$2" '$1 == a && $2 == b { s = s " " $3 }
		END { if (s != "") print "    " a " -> " b ":" s }' <<<"$edges"
}

if [ "$verbose" = 1 ]; then
	while read -r a b; do [ -n "$a" ] && describe "$a" "$b"; done <<<"$pairs"
fi

# tsort reports each loop it meets on stderr: "tsort: -: input contains a
# loop:" followed by one "tsort: NODE" line per member.
tsort <<<"$pairs" >/dev/null 2>"$loops"
rc=$?
nfiles=${#objs[@]}
nedges=$(grep -c . <<<"$pairs")
if [ "$rc" -eq 0 ]; then
	echo "sim-deps: $nfiles files, $nedges file-to-file call edges, no loops"
	exit 0
fi
echo "sim-deps: files in $dir call each other in a loop:"
awk '/input contains a loop/ { if (m != "") print m; m = ""; next }
     { sub(/^tsort: /, ""); m = m (m == "" ? "" : " ") $0 }
     END { if (m != "") print m }' "$loops" |
while read -r -a members; do
	echo "  loop: ${members[*]}"
	for a in "${members[@]}"; do
		for b in "${members[@]}"; do
			[ "$a" != "$b" ] && describe "$a" "$b"
		done
	done
done
echo "sim-deps: move what both sides need into a lower file (state, ini, a helper) so calls go one way"
exit 1
