#!/bin/sh
# Benchmarks: each prints its figures. Targets are stated beside them; these
# runs measure, they do not fail on a slow machine.
#  - ko2kext over the 764-module FreeBSD 10.1 corpus, against `cp -r` of the
#    same files in the same run (target: at most 3x cp -r);
#  - planning a load in a generated repository of 1,000 kexts (target: at most
#    20 ms with a warm identifier index).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
corpus=${KEXT_CORPUS:-$top/../shared/corpus}/freebsd-10.1-amd64
mkdir -p "$BUILD" && tmp=$(mktemp -d "$BUILD/bench.XXXXXX")	# where CI writes its bundles
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# best_of N CMD...: the fastest of N runs of CMD, in seconds; CMD gets a fresh
# output folder as its last argument.
# Each run writes a fresh folder and nothing is deleted until the end: removing
# thousands of files (with discard on) slows whatever the disk does next.
best_of() {
	n=$1
	shift
	best=""
	for i in $(seq "$n"); do
		sync	# start clean: what earlier runs left unwritten is not this run's cost
		t0=$(now)
		"$@" "$tmp/out.$i" >/dev/null 2>&1 || true
		t=$(echo "$(now) - $t0" | bc)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" -eq 1 ]; then best=$t; fi
	done
	rm -rf "$tmp"/out.*
	echo "$best"
}

convert() { "$BUILD/bin/ko2kext" -q --allow-missing -o "$2" "$1"; }
copy() { cp -r "$1" "$2"; }

if [ -d "$corpus" ]; then
	n=$(ls "$corpus"/*.ko | wc -l)
	conv=$(best_of 5 convert "$corpus")
	copy=$(best_of 5 copy "$corpus")
	printf 'ko2kext: %d modules in %.3f s = %.0f modules/s; cp -r of the same files %.3f s; ratio %.2fx (target <= 3x)\n' \
	    "$n" "$conv" "$(echo "$n / $conv" | bc -l)" "$copy" "$(echo "$conv / $copy" | bc -l)"
else
	echo "ko2kext: skipped: no corpus at $corpus (set KEXT_CORPUS)"
fi

if [ -x "$BUILD/bench/bench_plan" ]; then
	"$BUILD/bench/bench_plan"
else
	echo "plan: skipped: $BUILD/bench/bench_plan was not built"
fi
