# A short run of every libFuzzer harness (tests/fuzz), part of make check:
# FUZZ_SHORT_SECONDS (default 6) each. Fails on any crash, leak or timeout
# (the input is kept under $BUILD/fuzz/crashes/); skips, saying why, when
# clang or its libFuzzer runtime is missing. `make fuzz` runs them longer.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
set +e
FUZZ_SECONDS=${FUZZ_SHORT_SECONDS:-6} sh "$top/tests/fuzz/run.sh"
rc=$?
set -e
case $rc in
0) echo "every fuzz harness ran clean" ;;
77) exit 77 ;;	# run.sh said why on its last line
*) fail "a fuzz harness found a problem (exit $rc)" ;;
esac
