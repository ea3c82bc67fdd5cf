# Which loaded file is a kext's, what leaves with an unload, and Refs, on the
# simulated FreeBSD kernel (issue: a plain kldload of a same-named module,
# a dependency the kernel loaded by itself).
. "$(dirname "$0")/lib.sh"
need_fixtures
KLD=$BIN/../testbin/kld
[ -x "$KLD" ] || fail "no $KLD: run make all"
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko
new_sim 1402000
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid

# A plain kldload of a module of the same file name as a kext's executable.
mkdir -p "$T/boot/modules"
cp "$FX/amd64/fx_base.ko" "$T/boot/modules/fx_base.ko"
expect 0 "plain kldload" "$KLD" load "$T/boot/modules/fx_base.ko"
plain=$(cat "$T/out")
expect 0 "kextstat" "$BIN/kextstat" -l -files
has "$T/out" "fx_base.ko (-) - <1> [fx_base.ko: fxbase]" "listed by file name, not as the kext"
hasnt "$T/out" "$base" "not named as the kext"
ok "kextstat: a same-named file from elsewhere is not the kext"

expect 71 "kextload blocked" "$BIN/kextload" "$ext/Fx_base.kext"
has "$T/err" "its executable's file name fx_base.ko is taken: fx_base.ko (id $plain) is loaded from $T/boot/modules/fx_base.ko, which is not inside this kext" \
	"the conflict named precisely"
ok "kextload says what conflicts"

expect 3 "kextunload by path" "$BIN/kextunload" "$ext/Fx_base.kext"
has "$T/err" "$base is not loaded; fx_base.ko (id $plain) is loaded from $T/boot/modules/fx_base.ko, which is not this kext's executable, so it is left alone" \
	"the other file named, left alone"
expect 3 "kextunload -b" "$BIN/kextunload" -r "$ext" -b "$base"
has "$T/err" "fx_base.ko (id $plain) is loaded from" "-b names it too"
expect 0 "still loaded" "$KLD" stat
has "$T/out" "$plain 1 fx_base.ko $T/boot/modules/fx_base.ko" "the plain file must stay loaded"
expect 0 "kldunload" "$KLD" unload "$plain"
ok "kextunload (path and -b) leaves a same-named file alone"

# The kernel loads a missing dependency itself along module_path, with
# userrefs 0 and refs 1; unloading the file that needed it takes it along.
mkdir -p "$T/mods"
cp "$FX/amd64/fx_base.ko" "$T/mods/fxbase.ko"	# found as <module>.ko, no linker.hints
echo "$T/mods" >"$T/kernel/module_path"
expect 0 "kldload of the kext's file" "$KLD" load "$ext/Fx_mid.kext/Contents/MacOS/fx_mid.ko"
midid=$(cat "$T/out")
expect 0 "kld stat" "$KLD" stat
depid=$(awk '$3 == "fxbase.ko" { print $1 }' "$T/out")
[ -n "$depid" ] || fail "the kernel did not load fxbase.ko itself: $(cat "$T/out")"
has "$T/out" "$depid 1 fxbase.ko $T/mods/fxbase.ko" "an auto-loaded dependency has refs 1"
[ "$depid" -gt "$midid" ] || fail "the kernel numbers the file before the dependency it loads"
has "$T/out" "1 5 kernel" "kernel refs: 1 + 2 per file"
expect 1 "kldunload of a dependency" "$KLD" unload "$depid"
has "$T/err" "attempt to unload file that was loaded by the kernel" "refused, as the kernel does"
ok "the sim loads a dependency from module_path, userrefs 0"

# Refs counts the files linking against a row, not kld's refs - 1.
expect 0 "kextstat" "$BIN/kextstat"
has "$T/out" "    1    2 " "the kernel's Refs: two files link against it"
grep -q "^ *$depid    1 .*fxbase.ko (-) - <1>$" "$T/out" ||
	fail "the auto-loaded dependency has Refs 1 (fx_mid links against it): $(cat "$T/out")"
grep -q "^ *$midid    0 .* $mid (1) - <$depid 1>$" "$T/out" ||
	fail "fx_mid links against fxbase.ko and the kernel: $(cat "$T/out")"
expect 0 "--json" "$BIN/kextstat" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=d[0]
assert k["refs"] == 2 and k["kld_refs"] == 5, k' "$T/out" || fail "--json refs and kld_refs"
ok "kextstat Refs from the linked-against graph"

expect 0 "kextunload -v" "$BIN/kextunload" -v "$ext/Fx_mid.kext"
has "$T/out" "$mid (fx_mid.ko, id $midid) unloaded." "the kext said"
has "$T/out" "fxbase.ko (id $depid) unloaded with it: the kernel had loaded it as a dependency" \
	"the dependency the kernel released said"
expect 0 "kld stat" "$KLD" stat
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "only the kernel may remain: $(cat "$T/out")"
has "$T/out" "1 1 kernel" "kernel refs back to 1"
ok "kextunload reports what the kernel unloaded with it"

# What kextload loaded on its own keeps its own reference and stays.
rm "$T/kernel/module_path"
expect 0 "kextload chain" "$BIN/kextload" -r "$ext" "$ext/Fx_mid.kext"
expect 0 "kextunload -v" "$BIN/kextunload" -v "$ext/Fx_mid.kext"
hasnt "$T/out" "unloaded with it" "nothing else left"
expect 0 "kextstat" "$BIN/kextstat" -l -b "$base"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "fx_base must stay loaded"
ok "a library loaded by kextload stays"

# The kernel's built-in modules are counted, not listed on one line.
expect 0 "unload base" "$BIN/kextunload" -b "$base"
awk '{ print } /^file 1 / { for (i = 1; i <= 135; i++) print "module " i " builtin" i }
	/^next-module-id/ { next }' "$T/kernel/state" | sed '/^next-module-id/d' >"$T/state"
{ echo "next-module-id 1000"; cat "$T/state"; } | awk 'NR == 1 { hdr = $0; next }
	/^kext-sim-state/ { print; print hdr; next } { print }' >"$T/kernel/state"
expect 0 "kextstat" "$BIN/kextstat" -l -files
has "$T/out" "org.freebsd.kernel (14.2) - [kernel: 135 built-in modules]" "counted"
[ "$(awk '{ print length($0) }' "$T/out" | sort -n | tail -1)" -lt 200 ] || fail "a long row"
expect 0 "-m builtin7" "$BIN/kextstat" -m builtin7
ok "the kernel row counts its built-in modules"
