# The tools (the plain build, not the sanitizer one) under valgrind: no
# memory errors and no leaks on a convert / load / list / unload cycle.
. "$(dirname "$0")/lib.sh"
need_fixtures
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
PLAIN=$BUILD/bin
vg() {
	expect 0 "valgrind $(basename "$1")" valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible "$@"
}
vg "$PLAIN/ko2kext" -q -o "$T/ext" "$FX/amd64"/fx_*.ko
vg "$PLAIN/ko2kext" -q -o "$T/ext64" "$FX/powerpc64"/fx_*.ko
new_sim 1402000
vg "$PLAIN/kextutil" -n -t -r "$T/ext" "$T/ext/Fx_multi.kext"
vg "$PLAIN/kextutil" -n -t -k "$FX/amd64/fx_symkern.ko" --json -r "$T/ext" "$T/ext/Fx_multi.kext"
vg "$PLAIN/kextlibs" -all-symbols -k "$FX/amd64/fx_symkern.ko" -r "$T/ext" "$T/ext/Fx_multi.kext"
vg "$PLAIN/kextload" -r "$T/ext" "$T/ext/Fx_multi.kext"
vg "$PLAIN/kextstat" --json
vg "$PLAIN/kextunload" -b org.freebsd.kmod.fx_multi
run valgrind -q --error-exitcode=99 --leak-check=full "$PLAIN/kextunload" "$T/ext/Fx_base.kext"
[ "$rc" -eq 3 ] || fail "a refused unload under valgrind: exit $rc"
printf 'nexus0\n  fxusb0\n    unknown pnpinfo vendor=0x05ac product=0x8286 at port=1\n' >"$T/devices.txt"
vg "$PLAIN/kextd" -n --json -e -r "$T/ext" --devices "$T/devices.txt"
grep -q '"chosen": "org.freebsd.kmod.fx_multi"' "$T/out" || fail "kextd chose $(cat "$T/out")"
vg "$PLAIN/kextd" -z -e -r "$T/ext" --devices "$T/devices.txt"
ok "ko2kext, kextutil, kextlibs, kextload, kextstat, kextunload, kextd are valgrind-clean"
