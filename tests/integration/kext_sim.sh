# kextload, kextstat, kextunload and kextutil against the simulated FreeBSD
# kernel, with bundles ko2kext made from our own modules.
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko \
	"$FX/amd64"/fx_multi.ko
new_sim 1402000
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid multi=org.freebsd.kmod.fx_multi

loaded_count() {	# how many rows of kextstat name $1
	"$BIN/kextstat" -l | grep -c " $1 (" || true
}

# Dependencies first, each said.
expect 0 "load chain" "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext"
[ "$(grep -c '^Loaded ' "$T/out")" -eq 3 ] || fail "three kexts loaded"
[ "$(sed -n 's/^Loaded \([^ ]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = "$base $mid $multi " ] ||
	fail "load order: $(cat "$T/out")"
ok "kextload loads dependencies first"

expect 0 "kextstat" "$BIN/kextstat"
has "$T/out" "Index Refs Address            Size       Wired      Name (Version) UUID" "header"
has "$T/out" "org.freebsd.kernel (14.2) -" "kernel row"
has "$T/out" "$multi (5) - <3 2 1>" "linked against"
hasnt "$T/out" "[fx_multi.ko" "kld file column only on request"
expect 0 "kextstat -files" "$BIN/kextstat" -files
has "$T/out" "<Linked Against> [File: Modules]" "-files header"
has "$T/out" "$multi (5) - <3 2 1> [fx_multi.ko: fxmulti, fxbus/fxdrv]" "-files row"
expect 0 "kextstat -b" "$BIN/kextstat" -l -b "$mid"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-b shows one row"
expect 0 "--json" "$BIN/kextstat" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 4, d' "$T/out" ||
	fail "kextstat --json"
expect 0 "-m present" "$BIN/kextstat" -m fxbus/fxdrv
expect 1 "-m absent" "$BIN/kextstat" -m nosuchmodule
ok "kextstat columns, -b, --json, -m"

# Unloading a library others link against is refused, naming them.
expect 3 "unload base" "$BIN/kextunload" "$ext/Fx_base.kext"
has "$T/err" "2 loaded kexts depend on it: $mid (fx_mid.ko, id 3), $multi (fx_multi.ko, id 4)" \
	"dependents named"
[ "$(loaded_count $base)" -eq 1 ] || fail "base must stay loaded"
ok "unload refused while dependents are loaded"

# -b for unload; then a load that reuses what is loaded.
expect 0 "unload -b" "$BIN/kextunload" -b "$multi" -b "$mid"
[ "$(loaded_count $mid)" -eq 0 ] && [ "$(loaded_count $base)" -eq 1 ] || fail "unload -b"
expect 0 "reload mid" "$BIN/kextload" -v -r "$ext" -b "$mid"
has "$T/out" "$base (3) was already loaded." "reuse said with -v"
[ "$(grep -c '^Loaded ' "$T/out")" -eq 1 ] || fail "only fx_mid loaded"
expect 0 "unload by path" "$BIN/kextunload" -v "$ext/Fx_mid.kext" "$ext/Fx_base.kext"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "everything unloaded"
expect 3 "not loaded" "$BIN/kextunload" -b "$base"
has "$T/err" "$base is not loaded" "not-loaded said"
ok "-b, reuse of loaded dependencies, unload by path"

# Rollback: fx_multi's MOD_LOAD fails after fx_base and fx_mid went in.
echo fxmulti >"$T/kernel/refuse-load"
expect 71 "failing load" "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext"
has "$T/err" "cannot load $multi" "failure named"
has "$T/err" "rolled back: unloaded $mid (id " "rollback named"
has "$T/err" ", $base (id " "rollback in reverse order"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "rollback left kexts loaded"
rm "$T/kernel/refuse-load"
ok "a failure in the middle of a chain rolls back"

# A module that refuses to unload (as mach.ko does) is reported and stays.
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
echo fxbase >"$T/kernel/refuse-unload"
expect 3 "refusing unload" "$BIN/kextunload" "$ext/Fx_base.kext"
has "$T/err" "refused to unload" "refusal said plainly"
[ "$(loaded_count $base)" -eq 1 ] || fail "refusing module must stay loaded"
rm "$T/kernel/refuse-unload"
ok "a module's refusal to unload"

# Another bundle with the same module name: refused before any kernel call.
cp "$FX/amd64/fx_base.ko" "$T/fx_other.ko"
expect 0 "convert other" "$BIN/ko2kext" -q -o "$T/other" "$T/fx_other.ko"
expect 71 "module already provided" "$BIN/kextload" "$T/other/Fx_other.kext"
has "$T/err" "module fxbase is already provided by $base" "name clash explained"
expect 0 "cleanup" "$BIN/kextunload" -b "$base"
ok "already-loaded module name"

# Version mismatch: a library asked for at a version it is not compatible with.
cp -R "$ext/Fx_mid.kext" "$T/Fx_mid9.kext"
edit "$T/Fx_mid9.kext/Contents/Info.plist" 's|<string>3</string>|<string>9</string>|'
expect 71 "incompatible library" "$BIN/kextload" -r "$ext" "$T/Fx_mid9.kext"
has "$T/err" "$base" "incompatible library named"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "nothing may load"
ok "version mismatch"

# A missing library: named, nothing loaded.
expect 71 "missing library" "$BIN/kextload" "$ext/Fx_mid.kext"
has "$T/err" "$base" "missing library named"
expect 4 "kextutil missing" "$BIN/kextutil" -n "$ext/Fx_mid.kext"
ok "missing dependency"

# Built for another FreeBSD major: refused before any syscall, naming both.
new_sim 1500068 15
expect 71 "other major" "$BIN/kextload" "$ext/Fx_base.kext"
has "$T/err" "built for FreeBSD kernel 1402000 (accepts 1402000..1499999), but the running kernel is 1500068" \
	"both versions named"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "nothing may load"
ok "kernel version mismatch"

# Concurrent kextloads of one chain leave each kext loaded exactly once.
new_sim 1402000 c
for i in 1 2 3 4; do
	"$BIN/kextload" -q -r "$ext" "$ext/Fx_multi.kext" >"$T/c$i" 2>&1 &
done
wait
for id in $base $mid $multi; do
	[ "$(loaded_count "$id")" -eq 1 ] || fail "$id loaded $(loaded_count "$id") times"
done
ok "concurrent kextloads keep the kernel consistent"
