#!/bin/sh
# Benchmark of the module metadata reader: parse all 764 FreeBSD 10.1 corpus
# modules with the optimized build (the corpus oracle test times exactly that)
# and fail when it takes a second or more.
# Usage: tests/bench/kmod_parse.sh     Environment: BUILD (default build), KEXT_CORPUS.
# Exit 77 (skip) when the test binary or the corpus is missing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
KEXT_CORPUS=${KEXT_CORPUS:-$top/../shared/corpus}
export KEXT_CORPUS
limit_ms=1000

t="$BUILD/tests/test_kmod_corpus"
if [ ! -x "$t" ]; then
	echo "kmod_parse: skipped: $t is not built (run make)"
	exit 77
fi
if [ ! -d "$KEXT_CORPUS/freebsd-10.1-amd64" ]; then
	echo "kmod_parse: skipped: no corpus at $KEXT_CORPUS"
	exit 77
fi
if ! out=$("$t" 2>&1); then
	echo "$out"
	echo "kmod_parse: the corpus test failed"
	exit 1
fi
line=$(echo "$out" | grep '^parsed [0-9]* modules in' || true)
if [ -z "$line" ]; then
	echo "$out"
	echo "kmod_parse: no timing in the test output"
	exit 1
fi
echo "kmod_parse: $line"
ms=$(echo "$line" | sed 's/^parsed [0-9]* modules in \([0-9.]*\) ms.*/\1/')
if ! awk -v ms="$ms" -v lim="$limit_ms" 'BEGIN { exit !(ms < lim) }'; then
	echo "kmod_parse: too slow: $ms ms (limit $limit_ms ms)"
	exit 1
fi
