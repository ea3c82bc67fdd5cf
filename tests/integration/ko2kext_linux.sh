# ko2kext on Linux modules made here (.modinfo strings and the
# .gnu.linkonce.this_module section a Linux module carries): a module's
# metadata is its .modinfo, so one that names itself there is converted
# without the "declares no module metadata" warning FreeBSD modules without
# records get; one without a name= entry is named after its file, and says so.
. "$(dirname "$0")/lib.sh"

command -v "${CC:-cc}" >/dev/null 2>&1 || skip "no C compiler (${CC:-cc}) to build a Linux module"
cat >"$T/named.c" <<'EOF2'
__attribute__((section(".modinfo"), used)) static const char mi[] =
    "alias=fs-fxnamed\0"
    "depends=\0"
    "name=fxnamed\0"
    "vermagic=6.1.0-13-amd64 SMP preempt mod_unload modversions \0";
__attribute__((section(".gnu.linkonce.this_module"), used)) static char this_module[64];
EOF2
cat >"$T/unnamed.c" <<'EOF2'
__attribute__((section(".modinfo"), used)) static const char mi[] =
    "depends=\0"
    "vermagic=6.1.0-13-amd64 SMP preempt mod_unload modversions \0";
__attribute__((section(".gnu.linkonce.this_module"), used)) static char this_module[64];
EOF2
expect 0 "cc named" "${CC:-cc}" -c -o "$T/fx-named.ko" "$T/named.c"
expect 0 "cc unnamed" "${CC:-cc}" -c -o "$T/fx-unnamed.ko" "$T/unnamed.c"

expect 0 "convert a named Linux module" "$BIN/ko2kext" -o "$T/a" "$T/fx-named.ko"
[ -f "$T/a/Fxnamed.kext/Contents/Info.plist" ] || fail "no Fxnamed.kext (named by name=)"
hasnt "$T/err" "declares no module metadata" "a Linux module with a .modinfo name="
hasnt "$T/err" "warning" "a normal Linux module"
ok "a Linux module naming itself in .modinfo converts without a warning"

expect 0 "convert an unnamed Linux module" "$BIN/ko2kext" -o "$T/b" "$T/fx-unnamed.ko"
[ -f "$T/b/Fx_unnamed.kext/Contents/Info.plist" ] || fail "no Fx_unnamed.kext (named after the file)"
has "$T/err" "warning: $T/fx-unnamed.ko declares no module metadata; converting it as Fx_unnamed.kext, named after the file" \
	"a Linux module without name="
ok "a Linux module without name= is named after its file, with a warning"

expect 0 "quiet" "$BIN/ko2kext" -q -o "$T/c" "$T/fx-unnamed.ko"
[ ! -s "$T/err" ] || fail "-q printed: $(cat "$T/err")"
ok "-q keeps the warning quiet"
