# Scripts written for Apple's kext tools run against ours: Apple's option
# spellings (one dash long options, -v [0-6]), Apple's kextstat columns, exit
# codes, and kextunload's handling of a set of kexts.
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko \
	"$FX/amd64"/fx_multi.ko
new_sim 1402000
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid multi=org.freebsd.kmod.fx_multi

loaded() {	# identifiers kextstat lists besides the kernel, in load order
	"$BIN/kextstat" -l -k | awk '{ print $6 }' | tr '\n' ' '
}

# --version and -version on every tool.
for tool in kextload kextutil kextstat kextunload kextboot kextfind kextlibs ko2kext; do
	expect 0 "$tool --version" "$BIN/$tool" --version
	has "$T/out" "$tool (kext tools for FreeBSD) " "$tool --version"
done
expect 0 "-version" "$BIN/kextstat" -version
has "$T/out" "kextstat (kext tools for FreeBSD) " "single-dash -version"
ok "--version on every tool"

# Single-dash long options and -v with a level, as Apple's getopt_long_only parses.
expect 0 "-bundle-id" "$BIN/kextload" -repository "$ext" -bundle-id "$base"
has "$T/out" "Loaded $base (3)" "-bundle-id loads"
expect 0 "-v 6 X.kext" "$BIN/kextload" -v 6 -r "$ext" "$ext/Fx_mid.kext"
has "$T/out" "$base (3) was already loaded." "-v 6 is a level, not a bundle"
has "$T/out" "is the running kernel." "-v 2 and up say every step"
expect 0 "-v X.kext" "$BIN/kextload" -v "$ext/Fx_mid.kext"
has "$T/out" "$mid (1) was already loaded." "-v before a bundle takes no level"
expect 0 "-verbose=1" "$BIN/kextload" -verbose=1 "$ext/Fx_mid.kext"
has "$T/out" "was already loaded." "-verbose=1"
expect 64 "-verbose=9" "$BIN/kextload" -verbose=9 "$ext/Fx_mid.kext"
has "$T/err" "the level is 0 to 6" "bad level named"
expect 0 "-list-only" "$BIN/kextstat" -list-only -no-kernel
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "-list-only -no-kernel: $(cat "$T/out")"
expect 0 "-print-diagnostics" "$BIN/kextutil" -print-diagnostics -no-load -r "$ext" \
	"$ext/Fx_base.kext"
has "$T/out" "appears to be loadable" "kextutil -print-diagnostics -no-load"
expect 0 "--bundle-id" "$BIN/kextstat" --list-only --bundle-id "$mid"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "--bundle-id: $(cat "$T/out")"
ok "single-dash long options, -v [0-6]"

# kextstat rows split into Apple's fields: $6 name, $7 (version), $8 UUID, then <linked>.
expect 0 "kextstat" "$BIN/kextstat" -l -b "$mid"
[ "$(awk '{ print $6, $7, $8, $9, $10, NF }' "$T/out")" = "$mid (1) - <2 1> 10" ] ||
	fail "Apple's fields: $(cat "$T/out")"
expect 0 "kextstat -a" "$BIN/kextstat" -a
has "$T/out" "Wired      Architecture       Name (Version) UUID <Linked Against>" "-a header"
[ "$(awk -v id="$mid" '$7 == id { print $6 }' "$T/out")" = "amd64" ] ||
	fail "-a column: $(cat "$T/out")"
expect 0 "kextstat -s" "$BIN/kextstat" -s -l
[ "$(awk '{ print $3 }' "$T/out" | sort -c 2>&1)" = "" ] || fail "-s sorts by address"
expect 0 "kextstat -json" "$BIN/kextstat" -json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = d[0]
assert isinstance(k["address"], str) and k["address"].startswith("0x"), k
assert int(k["address"], 16) == 0xffffffff80200000, k
assert all("file" in e and "modules" in e for e in d), d
' "$T/out" || fail "kextstat -json addresses"
ok "kextstat: Apple's fields, -a, -s, hex JSON addresses"

# Options Apple's tool has and ours lacks; options of another tool.
expect 64 "kextutil -c" "$BIN/kextutil" -n -c "$ext/Fx_base.kext"
has "$T/err" "unsupported option -c (-no-caches)" "unsupported named"
expect 64 "kextunload -p" "$BIN/kextunload" -p -b "$base"
has "$T/err" "unsupported option -p (-personalities-only)" "kextunload -p"
expect 64 "kextload -k" "$BIN/kextload" -k /boot/kernel/kernel "$ext/Fx_base.kext"
has "$T/err" "-k (-kernel-file) is an option of kextutil, not of kextload" "kextutil's -k"
expect 64 "kextload -n" "$BIN/kextload" -n "$ext/Fx_base.kext"
has "$T/err" "-n (-no-load) is an option of kextutil, not of kextload" "foreign option"
expect 64 "kextload --no-load" "$BIN/kextload" --no-load "$ext/Fx_base.kext"
has "$T/err" "is an option of kextutil" "--no-load refused by kextload"
expect 64 "kextstat -r" "$BIN/kextstat" -r "$ext"
has "$T/err" "-r (-repository) is an option of kextload, not of kextstat" "kextstat -r"
expect 64 "kextstat -m without argument" "$BIN/kextstat" -m
has "$T/err" "option -m needs an argument" "missing argument"
expect 64 "unknown" "$BIN/kextstat" -nosuchoption
has "$T/err" "unknown" "unknown option"
ok "unsupported and foreign options refused"

# Exit codes.
expect 66 "kextload missing path" "$BIN/kextload" "$T/nowhere.kext"
has "$T/err" "$T/nowhere.kext: no such file or directory" "missing path named"
expect 66 "kextutil missing path" "$BIN/kextutil" -n "$T/nowhere.kext"
for tool in kextload kextstat kextunload; do
	expect 64 "$tool bad -kernel" "$BIN/$tool" -kernel bogus -b "$base"
	has "$T/err" "unknown kernel backend" "$tool bad -kernel"
done
expect 71 "kextload unknown id" "$BIN/kextload" -r "$ext" -b org.example.nosuch
has "$T/err" "org.example.nosuch: no kext found with this identifier; searched " "search said"
has "$T/err" "$ext/;" "folders searched"
has "$T/err" "name its folder with -r DIR or the kext with -d KEXT" "-r/-d suggested"
expect 1 "kextutil unknown id" "$BIN/kextutil" -n -r "$ext" -b org.example.nosuch
expect 0 "kextutil -n" "$BIN/kextutil" -n "$ext/Fx_mid.kext" -r "$ext"
ok "exit codes: 66 missing path, 64 bad -kernel, kextutil 1/4"

# kextunload: -m is -b; the named set goes dependents first.
expect 0 "unload -m" "$BIN/kextunload" -m "$mid"
[ "$(loaded)" = "$base " ] || fail "-m unloads: $(loaded)"
expect 0 "load chain" "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext"
expect 0 "unload named set" "$BIN/kextunload" -v "$ext/Fx_base.kext" "$ext/Fx_mid.kext" \
	"$ext/Fx_multi.kext"
[ "$(sed -n 's/^\([^ ]*\) .*unloaded\.$/\1/p' "$T/out" | tr '\n' ' ')" = "$multi $mid $base " ] ||
	fail "dependents first: $(cat "$T/out")"
[ -z "$(loaded)" ] || fail "all unloaded: $(loaded)"
ok "kextunload -m; a named set unloads dependents first"

# -with-dependencies unloads what the kext pulled in, unless something else uses it.
expect 0 "load chain" "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext"
expect 3 "in use" "$BIN/kextunload" -with-dependencies -b "$mid"
has "$T/err" "depends on it" "mid is used by multi"
[ "$(loaded)" = "$base $mid $multi " ] || fail "nothing unloaded: $(loaded)"
expect 0 "with dependencies" "$BIN/kextunload" -with-dependencies -b "$multi"
[ -z "$(loaded)" ] || fail "-with-dependencies: $(loaded)"
expect 4 "kextutil missing library" "$BIN/kextutil" -n "$ext/Fx_mid.kext"
has "$T/err" "no kext found for library $base (requested 3); searched " "library search"
has "$T/err" "$ext/Fx_mid.kext; name its folder with -r DIR" "library search named"
ok "-with-dependencies, like modprobe -r"

# -f is kldunloadf's LINKER_UNLOAD_FORCE: it overrides a MOD_QUIESCE veto only.
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
echo fxbase >"$T/kernel/refuse-quiesce"
expect 3 "quiesce veto" "$BIN/kextunload" -b "$base"
has "$T/err" "vetoed MOD_QUIESCE" "veto said"
expect 0 "forced" "$BIN/kextunload" -f -b "$base"
[ -z "$(loaded)" ] || fail "-f unloads: $(loaded)"
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
echo fxbase >"$T/kernel/refuse-unload"
expect 3 "unload veto stands" "$BIN/kextunload" -force -b "$base"
has "$T/err" "refused to unload" "MOD_UNLOAD veto stands even forced"
ok "-f overrides a quiesce veto, not an unload veto"
