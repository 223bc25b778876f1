#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make lint (and the first step of make check): mechanical rules on C sources.
#  1. Calls that overflow or are not reentrant are banned (sprintf, vsprintf,
#     strcpy, strcat, gets, strtok); use the bounded forms.
#  2. Folder layering: a file may #include "..." only from the folders its
#     own folder may use (the table below, the same as the Makefile's INC_
#     lines). proto/ is the floor and includes nothing of ours; heci/ only
#     proto/; common/ only proto/ (never libheci); agent/ never tools/;
#     tools/ never agent/, and amt-verify never heci/; desktop/ (amt-help's
#     library) only common/, desktop/app (its GTK window) only desktop/. tests/ may include
#     what they test and are not checked.
#  3. Licence line: every C source and header starts with
#       // SPDX-License-Identifier: Apache-2.0
#     and every shell or Python script carries
#       # SPDX-License-Identifier: Apache-2.0
#     on its first line, or its second after a #! line.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
sources=$(git ls-files -co --exclude-standard '*.c' '*.h')

hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strtok)\s*\(' \
	$sources 2>/dev/null | grep -vE '^\S+:\s*[0-9]+:\s*(\*|//)')
if [ -n "$hits" ]; then
	echo "banned calls (use snprintf/memcpy/strtok_r):"; echo "$hits"; status=1
else
	echo "checksrc: no banned calls"
fi

# folder -> folders its #include "..." may reach (itself included)
declare -A allow=(
	[proto]="proto"
	[heci]="proto heci"
	[common]="proto common"
	[agent]="proto heci common agent"
	[tools/sim]="proto heci common tools/sim"
	[tools/verify]="proto common tools/verify"
	[desktop]="common desktop"
	[desktop/app]="desktop desktop/app"
)

# The checked folder a path belongs to (the longest matching key), or "".
layer_of() {
	local p=$1 best="" k
	for k in "${!allow[@]}"; do
		if [[ $p == "$k"/* && ${#k} -gt ${#best} ]]; then best=$k; fi
	done
	printf '%s' "$best"
}

# Where a quoted include lands, as the compiler would look: next to the
# including file, then from the top of the tree, then in any checked
# folder (a header reached through an -I flag). Several candidates: all
# are printed, one per line.
resolve() {
	local from=$1 inc=$2 k found=""
	if [ -f "$(dirname "$from")/$inc" ]; then
		realpath -m --relative-to=. "$(dirname "$from")/$inc"; return
	fi
	if [ -f "$inc" ]; then realpath -m --relative-to=. "$inc"; return; fi
	for k in "${!allow[@]}"; do
		[ -f "$k/$inc" ] && found+="$k/$inc"$'\n'
	done
	printf '%s' "$found"
}

layer_hits=""
for f in $sources; do
	from=$(layer_of "$f")
	[ -n "$from" ] || continue
	while IFS=: read -r line inc; do
		targets=$(resolve "$f" "$inc")
		if [ -z "$targets" ]; then
			layer_hits+="$f:$line: #include \"$inc\": no such header in the tree"$'\n'
			continue
		fi
		ok=0; seen=""
		while read -r t; do
			to=$(layer_of "$t")
			seen+=" $t"
			for a in ${allow[$from]}; do [ "$to" = "$a" ] && ok=1; done
		done <<<"$targets"
		if [ $ok -eq 0 ]; then
			layer_hits+="$f:$line: #include \"$inc\" reaches$seen; $from/ may include only: ${allow[$from]}"$'\n'
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
		 sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1:\2/')
done
if [ -n "$layer_hits" ]; then
	echo "includes across the layering (see scripts/checksrc.sh and the README's Layout):"
	printf '%s' "$layer_hits"; status=1
else
	echo "checksrc: every #include stays within its folder's layer"
fi

spdx_c='// SPDX-License-Identifier: Apache-2.0'
spdx_sh='# SPDX-License-Identifier: Apache-2.0'
spdx_hits=""
for f in $sources; do
	[ "$(head -n 1 "$f")" = "$spdx_c" ] || spdx_hits+="$f: first line is not '$spdx_c'"$'\n'
done
for f in $(git ls-files -co --exclude-standard '*.sh' '*.py'); do
	first=$(head -n 1 "$f")
	[[ $first == '#!'* ]] && first=$(sed -n 2p "$f")
	[ "$first" = "$spdx_sh" ] || spdx_hits+="$f: no '$spdx_sh' on its first line (second after #!)"$'\n'
done
if [ -n "$spdx_hits" ]; then
	echo "files without their licence line:"; printf '%s' "$spdx_hits"; status=1
else
	echo "checksrc: every source file names its licence (SPDX)"
fi
exit $status
