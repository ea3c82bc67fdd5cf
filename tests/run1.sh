#!/bin/sh
# Runs one test and prints one line: status, name, seconds, what it counted.
#   tests/run1.sh NAME RESULTS
# NAME is a cmocka program of the sanitizer build ($BUILD/san/tests/NAME) or
# an integration script (tests/integration/NAME.sh: exit 0 passes, 77 skips
# after saying why on its last line, anything else fails). The counts go to
# RESULTS/NAME ("passed failed skipped") for tests/summary.sh; a failing
# test's whole output follows its line. Always exits 0: the summary decides.
# Environment: BUILD (default build), KEXT_CORPUS (default ../shared/corpus).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
name=$1 results=$2
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
export BUILD
export KEXT_CORPUS="${KEXT_CORPUS:-$top/../shared/corpus}"
export KEXT_FIXTURES="$BUILD/fixtures"
export KEXT_BIN="$BUILD/san/bin"	# tools with ASan+UBSan
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mkdir -p "$results"
log="$results/$name.log"
start=$(date +%s)
if [ -x "$BUILD/san/tests/$name" ]; then
	"$BUILD/san/tests/$name" >"$log" 2>&1
	rc=$?
	count() { sed -n "s/^\[  $1 *\] \([0-9]*\) test.*/\1/p" "$log" | awk '{s += $1} END {print s + 0}'; }
	p=$(count PASSED) f=$(count FAILED) s=$(count SKIPPED)
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1	# crashed, or a sanitizer report
	detail="$p passed"
	[ "$s" -ne 0 ] && detail="$detail, $s skipped ($(grep -v '^\[' "$log" | grep -i 'skip' |
	    head -n 1 | sed 's/^[Ss]kipped: *//'))"
elif [ -f "$top/tests/integration/$name.sh" ]; then
	sh "$top/tests/integration/$name.sh" >"$log" 2>&1
	rc=$?
	p=0 f=0 s=0
	case $rc in
	0) p=1 detail="$(grep -c '^ok ' "$log") checks" ;;
	77) s=1 detail=$(tail -n 1 "$log" | sed 's/^[Ss]kipped: *//') ;;
	*) f=1 ;;
	esac
else
	echo "FAIL $name: no such test" >&2
	p=0 f=1 s=0 rc=127
fi
secs=$(($(date +%s) - start))

echo "$p $f $s" >"$results/$name"
if [ "$f" -ne 0 ]; then
	printf 'FAIL  %-30s %4ss  exit %s\n' "$name" "$secs" "$rc"
	sed 's/^/    /' "$log"
elif [ "$p" -eq 0 ] && [ "$s" -ne 0 ]; then
	printf 'skip  %-30s %4ss  %s\n' "$name" "$secs" "$detail"
else
	printf 'ok    %-30s %4ss  %s\n' "$name" "$secs" "$detail"
fi
exit 0
