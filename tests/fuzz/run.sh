#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan, into $BUILD/fuzz) and
# runs each for FUZZ_SECONDS on seeds from seeds.sh plus what earlier runs
# found ($BUILD/fuzz/corpus, kept between runs).
# Exit: 0 nothing found; 1 a harness crashed, leaked or timed out (its input
# is kept as $BUILD/fuzz/crashes/<harness>-crash-*: turn it into a regression
# test); 77 skipped, saying why (no clang or no libFuzzer runtime).
# Environment: BUILD (default build), FUZZ_SECONDS (default 300 per harness),
# FUZZ_ONLY (a harness name), KEXT_FIXTURES, KEXT_CORPUS, MAKE.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
secs=${FUZZ_SECONDS:-300}
fz=$BUILD/fuzz
: "${KEXT_FIXTURES:=$BUILD/fixtures}"
: "${KEXT_CORPUS:=$top/../shared/corpus}"
export KEXT_FIXTURES KEXT_CORPUS

skip() {
	echo "skipped: $*"
	exit 77
}

command -v clang >/dev/null 2>&1 || skip "clang is not installed (the fuzzers need clang's libFuzzer)"
mkdir -p "$fz/probe"
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n > 9999; }' \
	>"$fz/probe/probe.c"
clang -fsanitize=fuzzer,address,undefined -o "$fz/probe/probe" "$fz/probe/probe.c" \
	>"$fz/probe/log" 2>&1 ||
	skip "clang cannot link a libFuzzer program (Debian: install libclang-rt-14-dev): $(tail -n 1 "$fz/probe/log")"

echo "building the fuzzers in $fz"
${MAKE:-make} --no-print-directory -C "$top" -j2 BUILD="$fz" CC=clang SAN=1 FUZZ=1 fuzzers \
	>"$fz/build.log" 2>&1 || { cat "$fz/build.log"; echo "fuzzer build failed"; exit 1; }

sh "$top/tests/fuzz/seeds.sh" "$fz/seeds"
mkdir -p "$fz/crashes" "$fz/logs"
failed=""
for bin in "$fz"/fuzzers/fuzz_*; do
	name=$(basename "$bin")
	[ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$name" ] || continue
	mkdir -p "$fz/corpus/$name"
	log=$fz/logs/$name.log
	# Big enough for the hostile catalog's inputs (a 700 KB nested plist).
	case $name in
	fuzz_plist | fuzz_kmod | fuzz_archive | fuzz_index) max_len=1048576 ;;
	*) max_len=262144 ;;
	esac
	# Leaks count: libFuzzer reports them (ASan's leak check runs per input).
	set +e
	ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
		-artifact_prefix="$fz/crashes/$name-" -print_final_stats=1 \
		"$fz/corpus/$name" "$fz/seeds/$name" >"$log" 2>&1
	rc=$?
	set -e
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok, ${runs:-?} inputs in ${secs}s, corpus $(ls "$fz/corpus/$name" | wc -l)"
	else
		tail -n 40 "$log"
		echo "$name: FAILED (exit $rc); input kept in $fz/crashes/"
		failed="$failed $name"
	fi
done
[ -z "$failed" ] || { echo "fuzzers that found a problem:$failed"; exit 1; }
