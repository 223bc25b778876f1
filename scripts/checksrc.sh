#!/usr/bin/env bash
# make lint: calls that overflow or are not reentrant are banned in C sources
# (sprintf, vsprintf, strcpy, strcat, gets, strtok); use the bounded forms.
set -uo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|strtok)\s*\(' \
	$(git ls-files '*.c' '*.h') 2>/dev/null | grep -vE '^\S+:\s*[0-9]+:\s*(\*|//)')
if [ -n "$hits" ]; then
	echo "banned calls (use snprintf/memcpy/strtok_r):"; echo "$hits"; exit 1
fi
echo "checksrc: no banned calls"
