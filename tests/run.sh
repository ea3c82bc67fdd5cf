#!/bin/sh
# Runs every test and closes with one line: "N passed, N failed, N skipped".
#  - unit tests (cmocka), from the sanitizer build: every case counts;
#  - integration tests (tests/integration/*.sh): each script counts once;
#    exit 0 passes, 77 skips (the script says why), anything else fails.
# Environment: BUILD (default build), KEXT_CORPUS (default ../shared/corpus).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
export BUILD
export KEXT_CORPUS="${KEXT_CORPUS:-$top/../shared/corpus}"
export KEXT_FIXTURES="$BUILD/fixtures"
export KEXT_BIN="$BUILD/san/bin"	# tools with ASan+UBSan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0 failed=0 skipped=0 failures=""
log=$(mktemp) && trap 'rm -f "$log"' EXIT

for t in "$BUILD"/san/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi	# crashed or sanitizer report
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		failures="$failures $name"
		cat "$log"
	elif [ "$s" -ne 0 ]; then	# say why: the tests print their reason
		grep -iv '^\[' "$log" | grep -i 'skip' | grep -v 'SKIPPED TEST' | sed "s/^/$name: /"
	fi
	printf '%-40s %s passed, %s failed, %s skipped\n' "$name" "$p" "$f" "$s"
done

for t in "$top"/tests/integration/*.sh; do
	[ -f "$t" ] || continue
	[ "$(basename "$t")" = lib.sh ] && continue	# sourced by the tests, not one itself
	name=$(basename "$t" .sh)
	sh "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "$name: ok" ;;
	77) skipped=$((skipped + 1)); echo "$name: skipped: $(tail -n 1 "$log")" ;;
	*) failed=$((failed + 1)); failures="$failures $name"; cat "$log"; echo "$name: FAILED (exit $rc)" ;;
	esac
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
