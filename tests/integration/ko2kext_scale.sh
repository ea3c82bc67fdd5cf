# ko2kext at 20,000 inputs (the plain build: sanitizers would only slow it):
# every module becomes a bundle kextload's check accepts, the duplicate check
# still catches one duplicate among them, and the work per module does not
# grow with the run: a conversion of 20,000 makes no more syscalls per module
# than one of 2,000 (strace -c), where a step that looked at every bundle
# already written would add thousands. make bench prints the CPU-time curve.
. "$(dirname "$0")/lib.sh"
need_fixtures
PLAIN=$BUILD/bin
template=$FX/templates/amd64/gen_link.ko
[ -f "$template" ] || fail "no $template: run make fixtures"
big=20000 small=2000

"$BUILD/bench/bench_farm" "$T/in" $big modules "$template" || fail "bench_farm $big"
"$BUILD/bench/bench_farm" "$T/in.small" $small modules "$template" || fail "bench_farm $small"

# calls CMD...: runs CMD (which must succeed), printing how many syscalls it made.
traced=no
if [ "$(uname -s)" = Linux ] && command -v strace >/dev/null 2>&1; then
	traced=yes
fi
calls() {
	if [ $traced = yes ]; then
		strace -f -c -o "$T/calls" "$@" || fail "$*"
		awk '$NF == "total" { print $(NF - 2) }' "$T/calls"
	else
		"$@" || fail "$*"
	fi
}

many=$(calls "$PLAIN/ko2kext" -q -o "$T/ext" "$T/in")
[ "$(ls "$T/ext" | wc -l)" -eq $big ] || fail "$(ls "$T/ext" | wc -l) bundles for $big modules"
[ -f "$T/ext/Gen19999.kext/Contents/MacOS/gen19999.ko" ] || fail "the last bundle is missing"
[ -z "$(find "$T/ext" -mindepth 1 -maxdepth 1 -name '.*')" ] || fail "a staging folder was left"
valid=$("$PLAIN/kextfind" "$T/ext" -v | wc -l)
[ "$valid" -eq $big ] || fail "kextfind -v finds $valid valid bundles of $big"
ok "$big modules: $big bundles, every one valid as kextload checks it"

# The duplicate: another file whose bundle name one of the 20,000 already has.
mkdir "$T/dup" && cp "$T/in/gen12345.ko" "$T/dup/"
expect 1 "a duplicate among $big" "$PLAIN/ko2kext" --print "$T/in" "$T/dup/gen12345.ko"
has "$T/err" "$T/dup/gen12345.ko: would be written as Gen12345.kext, which $T/in/gen12345.ko already is" \
	"the duplicate named"
[ "$(grep -c '^ko2kext: ' "$T/err")" -eq 2 ] || fail "more than the duplicate reported: $(cat "$T/err")"
ok "the duplicate check catches one duplicate among $(($big + 1)) inputs"

[ $traced = yes ] || skip "not Linux or no strace: syscalls per module not counted (all else passed)"
few=$(calls "$PLAIN/ko2kext" -q -o "$T/ext.small" "$T/in.small")
# hundredths of a syscall per module; fixed costs spread thinner over more
per_big=$((many * 100 / big)) per_small=$((few * 100 / small))
[ "$per_big" -le $((per_small + 50)) ] ||
	fail "syscalls per module grow: $per_small/100 at $small, $per_big/100 at $big"
ok "syscalls per module: $per_small/100 at $small inputs, $per_big/100 at $big"
