# kextlibs: the libraries a kext needs, from its undefined symbols, against a
# kernel file (fx_symkern.ko stands in for one) and the repositories.
. "$(dirname "$0")/lib.sh"
need_fixtures
sym=$T/sym
kern=$FX/amd64/fx_symkern.ko
expect 0 "convert" "$BIN/ko2kext" -q -o "$sym" "$FX/amd64"/fx_symlib.ko "$FX/amd64"/fx_symmid.ko \
	"$FX/amd64"/fx_symuser.ko

expect 64 "no kernel file" "$BIN/kextlibs" -r "$sym" "$sym/Fx_symmid.kext"
has "$T/err" "no kernel file: give the kernel's ELF file with -k" "the kernel file asked for"
new_sim 1402000

# Every symbol found exactly once: exit 0, one line per library.
expect 0 "symmid" "$BIN/kextlibs" -k "$kern" -r "$sym" "$sym/Fx_symmid.kext"
[ "$(cat "$T/out")" = "    org.freebsd.kmod.fx_symlib = 1" ] || fail "symmid libraries: $(cat "$T/out")"
ok "one library, found exactly once"

# fx_symuser: the kernel, fx_symlib and fx_symmid; two symbols nowhere (a static
# kernel function is not exported): exit 1, said on stderr, listed on request.
expect 1 "symuser" "$BIN/kextlibs" -undef-symbols -k "$kern" -r "$sym" "$sym/Fx_symuser.kext"
[ "$(grep '=' "$T/out" | tr -s ' ' | tr '\n' ';')" = \
    " org.freebsd.kernel = 14.2; org.freebsd.kmod.fx_symlib = 1; org.freebsd.kmod.fx_symmid = 1;" ] ||
	fail "symuser libraries: $(cat "$T/out")"
has "$T/err" "For all architectures:" "Apple's heading"
has "$T/err" "2 symbols not found in any library kext." "count of missing symbols"
has "$T/out" "    fx_defined_nowhere" "-undef-symbols lists it"
has "$T/out" "    fxk_knote_enqueue" "a static kernel function is not a definition"
ok "kernel and library kexts, missing symbols counted and listed"

# -xml: an OSBundleLibraries fragment; -c: compatible versions.
expect 1 "xml" "$BIN/kextlibs" --xml -c -k "$kern" -r "$sym" "$sym/Fx_symuser.kext"
has "$T/out" "<key>OSBundleLibraries</key>" "fragment key"
has "$T/out" "<key>org.freebsd.kernel</key>" "kernel library"
has "$T/out" "<string>14.0</string>" "kernel compatible version"
python3 - "$T/out" <<'PY' || fail "the fragment is not a plist dictionary body"
import plistlib, sys
body = open(sys.argv[1]).read()
d = plistlib.loads(('<?xml version="1.0"?><plist version="1.0"><dict>' + body +
                    "</dict></plist>").encode())
assert set(d["OSBundleLibraries"]) == {"org.freebsd.kernel", "org.freebsd.kmod.fx_symlib",
                                       "org.freebsd.kmod.fx_symmid"}, d
PY
ok "-xml gives an OSBundleLibraries fragment"

# A symbol two libraries define: exit 2, both named.
expect 0 "other library" "$BIN/ko2kext" -q -i fx_symlib=org.example.twin -o "$T/twin" \
	"$FX/amd64"/fx_symlib.ko
expect 2 "multdef" "$BIN/kextlibs" -multdef-symbols -k "$kern" -r "$sym" -r "$T/twin" \
	"$sym/Fx_symmid.kext"
has "$T/err" "1 symbol found in more than one library kext." "count of multiply defined"
has "$T/out" "fxsymlib_hello (org.example.twin, org.freebsd.kmod.fx_symlib)" "both named"
ok "a symbol in two libraries: exit 2"

expect 72 "unreadable kernel" "$BIN/kextlibs" -k "$T/nokernel" -r "$sym" "$sym/Fx_symmid.kext"
has "$T/err" "$T/nokernel" "the file named"
ok "an unreadable kernel file is named"
