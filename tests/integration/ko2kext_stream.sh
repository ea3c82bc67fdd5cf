# ko2kext streams its inputs (the plain build: sanitizers inflate memory):
# peak memory stays under 16 MiB for 3,000 modules as for 300, and each
# module is copied into its bundle file to file, byte for byte, with
# copy_file_range(2) where the system has it.
. "$(dirname "$0")/lib.sh"
need_fixtures
PLAIN=$BUILD/bin
template=$FX/templates/amd64/gen_link.ko
[ -f "$template" ] || fail "no $template: run make fixtures"
# GNU time's -f %M (peak RSS); BSD time(1) has no -f.
/usr/bin/time -f '%M' -o "$T/rss" true 2>/dev/null ||
	skip "GNU time (/usr/bin/time -f, Debian package time) is not installed"

"$BUILD/bench/bench_farm" "$T/farm" 3000 flat "$template" || fail "bench_farm"
find "$T/farm" -name '*.ko' | sort >"$T/all"
head -n 300 "$T/all" >"$T/few"
peak() {	# peak RSS in KiB of ko2kext --json over the files listed in $1
	xargs /usr/bin/time -f '%M' -o "$T/rss" "$PLAIN/ko2kext" --json <"$1" >"$T/json" ||
		fail "ko2kext --json over $(wc -l <"$1") modules"
	cat "$T/rss"
}
few=$(peak "$T/few")
many=$(peak "$T/all")
grep -q '"gen02999"' "$T/json" || fail "the last module is missing from --json"
[ "$many" -lt 16384 ] || fail "peak memory $many KiB for 3,000 modules (limit 16 MiB)"
[ "$many" -lt $((few * 2)) ] || fail "memory grows with the inputs: $few KiB for 300, $many for 3,000"
ok "--json over 3,000 modules: $many KiB peak (300: $few KiB)"

xargs "$PLAIN/ko2kext" -q -o "$T/ext" <"$T/few" || fail "convert 300"
cmp -s "$FX/templates/amd64/gen_link.ko" "$T/farm/Gen00000.kext/Contents/MacOS/gen00000.ko" &&
	fail "the farm module was not renamed"
cmp -s "$T/farm/Gen00299.kext/Contents/MacOS/gen00299.ko" \
    "$T/ext/Gen00299.kext/Contents/MacOS/gen00299.ko" || fail "the module is not copied byte for byte"
ok "conversion copies each module byte for byte"

if [ "$(uname -s)" = Linux ] && command -v strace >/dev/null 2>&1; then
	strace -f -e trace=copy_file_range -o "$T/trace" "$PLAIN/ko2kext" -q -o "$T/ext3" \
	    "$T/farm/Gen00002.kext/Contents/MacOS/gen00002.ko" || fail "convert under strace"
	grep -q 'copy_file_range(' "$T/trace" ||
		fail "no copy_file_range call: $(cat "$T/trace")"
	ok "the payload goes through copy_file_range(2)"
else
	echo "# not Linux or no strace: copy_file_range not traced"
fi
