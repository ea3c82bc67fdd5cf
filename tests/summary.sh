#!/bin/sh
# Adds up what tests/run1.sh recorded in RESULTS and closes with one line:
# "N passed, N failed, N skipped". Exits 1 when any test failed or none ran.
#   tests/summary.sh RESULTS NAME...   (the names that were meant to run)
set -u
results=$1
shift
passed=0 failed=0 skipped=0 failures=""
for name in "$@"; do
	if [ -f "$results/$name" ]; then
		read -r p f s <"$results/$name"
	else
		p=0 f=1 s=0	# the runner itself did not finish
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -ne 0 ] && failures="$failures $name"
done
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
