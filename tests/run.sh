#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Test runner: unit tests (cmocka binaries) and integration tests (the real
# binaries against amt-sim), then one closing line CI can read:
#   N passed, N failed, N skipped
# usage: tests/run.sh BUILD_DIR [unit|fuzz|integration|gui|all] [FILTER]
# (fuzz: replay each fuzz target's committed corpus once)
# (gui: tests/gui/, amt-help on a display; make gui-test, not part of all)
set -uo pipefail
BUILD=${1:-build}
WHAT=${2:-all}
FILTER=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR="$ROOT/$BUILD"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The tests start many short python3 helpers and some wait on them with
# tight timeouts: use Debian's interpreter (the one install-deps.sh installs,
# with its python3-* modules) even where a version manager's shim, which
# costs ~0.2 s per start, comes first on PATH.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	PYBIN=$(mktemp -d /tmp/amt-py.XXXXXX)
	chmod 755 "$PYBIN"
	ln -s /usr/bin/python3 "$PYBIN/python3"
	export PATH="$PYBIN:$PATH"
	trap 'rm -rf "$PYBIN"' EXIT
fi
passed=0; failed=0; skipped=0; failures=()

run_unit() {
	local t out rc p f s
	for t in "$BUILD_DIR"/tests/test_*; do
		[ -x "$t" ] || continue
		[ -n "$FILTER" ] && [[ "$t" != *"$FILTER"* ]] && continue
		out=$("$t" 2>&1); rc=$?
		p=$(grep -oE '^\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | tail -1)
		f=$(grep -oE '^\[  FAILED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | tail -1)
		s=$(grep -oE '^\[  SKIPPED \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' | tail -1)
		p=${p:-0}; f=${f:-0}; s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer abort
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
		if [ "$f" -ne 0 ]; then
			failures+=("$(basename "$t")")
			echo "---- $(basename "$t") (exit $rc)"; echo "$out" | tail -40
		else
			if [ "$s" -ne 0 ]; then echo "unit  $(basename "$t"): $p passed, $s skipped"; else echo "unit  $(basename "$t"): $p passed"; fi
		fi
	done
}

run_integration() { # [DIR]
	local t out rc
	for t in "$ROOT/tests/${1:-integration}"/test_*.sh; do
		[ -n "$FILTER" ] && [[ "$t" != *"$FILTER"* ]] && continue
		out=$(bash "$t" 2>&1); rc=$?
		echo "$out" | grep -E '^(ok|FAIL|skip) ' | sed "s|^|int   $(basename "$t" .sh): |"
		local p f s
		p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^FAIL ' <<<"$out"); s=$(grep -c '^skip ' <<<"$out")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "$out" | tail -20; fi
		if [ "$f" -ne 0 ]; then
			failures+=("$(basename "$t")")
			echo "---- $(basename "$t") output:"; echo "$out" | grep -vE '^(ok|skip) ' | tail -60
		fi
		passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	done
}

# Every fuzz target is built against this build's libraries and its committed
# corpus replayed once: a target that no longer builds or an input that
# crashes again fails like any test (fuzzing itself is make fuzz).
run_fuzz_corpus() {
	local out p f
	out=$("$ROOT/tests/fuzz/run.sh" "$BUILD" corpus 2>&1)
	echo "$out" | grep -E '^(ok|FAIL) fuzz ' | sed 's/^/fuzz  /'
	p=$(grep -c '^ok fuzz ' <<<"$out"); f=$(grep -c '^FAIL fuzz ' <<<"$out")
	if [ "$f" -ne 0 ]; then
		failures+=("fuzz corpus")
		echo "$out" | grep -vE '^ok fuzz ' | tail -30
	fi
	passed=$((passed + p)); failed=$((failed + f))
}

case "$WHAT" in
unit) run_unit ;;
integration) run_integration ;;
gui) run_integration gui ;;
fuzz) run_fuzz_corpus ;;
*) run_unit; run_fuzz_corpus; run_integration ;;
esac
[ ${#failures[@]} -gt 0 ] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
