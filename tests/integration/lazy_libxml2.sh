# The tools open libxml2 only to parse XML (CoreFoundation-lite's
# src/cflite_libxml_load.c): none links it (ldd); kextutil --help and
# kextstat never load it, reading a kext's Info.plist does, reading it from
# the Info.plist cache does not (glibc's LD_DEBUG=files; elsewhere
# tests/unit/test_cf_libxml_load.c checks this inside a process); and a
# libxml2 that cannot be loaded (the CFLITE_LIBXML2_FILE test hook) is an
# error naming the file, not a crash.
. "$(dirname "$0")/lib.sh"
need_fixtures
command -v ldd >/dev/null 2>&1 || skip "ldd is not installed"
tools="kextboot kextd kextfind kextlibs kextload kextstat kextunload kextutil"

for t in $tools; do
	ldd "$BIN/$t" >"$T/ldd" 2>&1 || fail "ldd $BIN/$t: $(cat "$T/ldd")"
	hasnt "$T/ldd" "libxml2" "$t's libraries"
	hasnt "$T/ldd" "libicu" "$t's libraries"
done
ok "no tool but ko2kext links libxml2 (or, through it, ICU)"

expect 0 "convert" "$BIN/ko2kext" -q -o "$T/ext" "$FX/amd64"/fx_base.ko
new_sim 1402000
plan() {
	KEXT_CACHE_DIR="$T/cache.$1" "$BIN/kextutil" -n -t "$T/ext/Fx_base.kext"
}

# LD_DEBUG=files is glibc's dynamic linker's trace of every object it opens.
if LD_DEBUG=files "$BIN/kextutil" --help 2>&1 >/dev/null | grep -q 'file=.*libc\.so'; then
	for cmd in "kextutil --help" "kextstat"; do
		set +e
		LD_DEBUG=files "$BIN"/$cmd >/dev/null 2>"$T/trace"
		set -e
		has "$T/trace" "file=" "$cmd is traced"
		hasnt "$T/trace" "libxml2" "$cmd loads"
	done
	ok "kextutil --help and kextstat do not load libxml2"
	set +e
	LD_DEBUG=files plan traced >"$T/out" 2>"$T/trace"
	set -e
	has "$T/out" "Fx_base.kext: no diagnostics." "kextutil -n -t"
	grep -q 'file=libxml2\.so.*dynamically loaded' "$T/trace" ||
		fail "kextutil -n -t did not open libxml2 with dlopen: $(grep libxml2 "$T/trace")"
	ok "kextutil -n -t opens libxml2 to read an Info.plist"
	# The Info.plist cache keeps files unchanged for 2 s before their
	# reading (kext_tools/lib/bundle/bundle_info_cache.c); a warm plan
	# reads it and needs no libxml2.
	sleep 3
	expect 0 "cold plan" plan warm
	set +e
	LD_DEBUG=files plan warm >"$T/out" 2>"$T/trace"
	set -e
	has "$T/out" "Fx_base.kext: no diagnostics." "a warm kextutil -n -t"
	hasnt "$T/trace" "libxml2" "a warm kextutil -n -t loads"
	ok "a warm kextutil -n -t, its Info.plist cached, does not load libxml2"
else
	echo "# not glibc (no LD_DEBUG trace): what is loaded when is test_cf_libxml_load's to check"
fi

expect 0 "plan" plan plain
has "$T/out" "Fx_base.kext: no diagnostics." "kextutil -n -t"
ok "kextutil -n -t reads the Info.plist"

CFLITE_LIBXML2_FILE="$T/none/libxml2.so.2" run plan missing
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] || fail "a missing libxml2: exit $rc"
has "$T/err" "$T/ext/Fx_base.kext/Contents/Info.plist: can't parse the property list: XML is read with libxml2, which could not be loaded from $T/none/libxml2.so.2: " \
	"a missing libxml2"
hasnt "$T/err" "Sanitizer" "a missing libxml2"
ok "a libxml2 that cannot be loaded is an error naming the file and the reason"
