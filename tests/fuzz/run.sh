#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build every tests/fuzz/fuzz_*.c as a libFuzzer binary against the
# instrumented libraries in BUILD, then run each for SECONDS starting from
# its committed corpus. New inputs go to a scratch directory, never into the
# committed corpus; crashes are kept in BUILD/fuzz-crashes for triage.
# SECONDS "corpus": replay the committed corpus once (-runs=0), no fuzzing;
# make check does this against its sanitizer libraries so a target that no
# longer builds, or an input that crashes again, fails the check. Prints one
# "ok fuzz NAME" / "FAIL fuzz NAME: why" line per target.
set -euo pipefail
BUILD=${1:-build-fuzz}; SECONDS_EACH=${2:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
PKGS="libcurl openssl inih libxml-2.0 jansson fuse3 sqlite3 libevent libevent_openssl libpq"
mkdir -p "$BUILD/fuzz" "$BUILD/fuzz-crashes"
status=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c); corpus="tests/fuzz/corpus/${name#fuzz_}"
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iproto -Iheci -Icommon -Iagent -Itools/verify \
		$(pkg-config --cflags $PKGS) "$src" "$BUILD/libagent.a" "$BUILD/libsim.a" "$BUILD/libverify.a" "$BUILD/libcommon.a" "$BUILD/libheci.a" "$BUILD/libproto.a" \
		$(pkg-config --libs $PKGS) -lpthread -o "$BUILD/fuzz/$name" || {
		echo "FAIL fuzz $name: does not build"; status=1; continue; }
	if [ "$SECONDS_EACH" = corpus ]; then
		if "$BUILD/fuzz/$name" -runs=0 "$corpus" >"$BUILD/fuzz/$name.log" 2>&1; then
			echo "ok fuzz $name: $(find "$corpus" -type f | wc -l) corpus inputs replayed"
		else
			echo "FAIL fuzz $name: a corpus input fails (see $BUILD/fuzz/$name.log)"; status=1
		fi
		continue
	fi
	scratch=$(mktemp -d); mkdir -p "$corpus"
	echo "fuzz $name: ${SECONDS_EACH}s from $corpus"
	if ! "$BUILD/fuzz/$name" -max_total_time="$SECONDS_EACH" -artifact_prefix="$BUILD/fuzz-crashes/$name-" \
		"$scratch" "$corpus" 2>"$BUILD/fuzz/$name.log"; then
		echo "fuzz $name: FAILED (see $BUILD/fuzz/$name.log and $BUILD/fuzz-crashes)"; status=1
	else
		grep -E '^(#[0-9]+ *DONE|Done [0-9]+ runs)' "$BUILD/fuzz/$name.log" | tail -1 || true
	fi
	rm -rf "$scratch"
done
exit $status
