# kextfind: Apple's query language over repositories: identifiers, module
# names, OSBundleRequired, validity, authenticity, loaded state; commands,
# reports and JSON.
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext root=$T/root
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko \
	"$FX/amd64"/fx_multi.ko
expect 0 "convert Root" "$BIN/ko2kext" -q -R Root -o "$root" "$FX/amd64"/fx_nometa.ko
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid multi=org.freebsd.kmod.fx_multi

names() {	# the bundle names kextfind printed
	sed 's|.*/||' "$T/out" | tr '\n' ' '
}

expect 0 "everything" "$BIN/kextfind" "$ext" "$root"
[ "$(names)" = "Fx_base.kext Fx_mid.kext Fx_multi.kext Fx_nometa.kext " ] ||
	fail "no query prints every kext: $(names)"
expect 0 "-b" "$BIN/kextfind" "$ext" -b "$mid"
[ "$(names)" = "Fx_mid.kext " ] || fail "-b: $(names)"
expect 0 "-bundle-id -s -i" "$BIN/kextfind" "$ext" -bundle-id -s -i FX_M
[ "$(names)" = "Fx_mid.kext Fx_multi.kext " ] || fail "-s -i: $(names)"
expect 0 "-module" "$BIN/kextfind" "$ext" -module fxbus/fxdrv
[ "$(names)" = "Fx_multi.kext " ] || fail "-module: $(names)"
expect 0 "-R" "$BIN/kextfind" "$ext" "$root" -R
[ "$(names)" = "Fx_nometa.kext " ] || fail "-root: $(names)"
expect 0 "operators" "$BIN/kextfind" "$ext" "$root" \( -b "$base" -or -root \) -and ! -nx
[ "$(names)" = "Fx_base.kext Fx_nometa.kext " ] || fail "( -or ) -and !: $(names)"
expect 0 "-V" "$BIN/kextfind" "$ext" -V ge3
[ "$(names)" = "Fx_base.kext Fx_multi.kext " ] || fail "-V ge3: $(names)"
expect 0 "-p" "$BIN/kextfind" "$ext" -p FreeBSDKernelModuleFile fx_mid.ko
[ "$(names)" = "Fx_mid.kext " ] || fail "-p: $(names)"
ok "predicates: -b, -s, -i, -module, -root, -V, -p, operators"

# Validity and authenticity.
mkdir "$T/bad.d"
cp -R "$ext/Fx_base.kext" "$T/bad.d/Bad.kext"
edit "$T/bad.d/Bad.kext/Contents/Info.plist" \
	's|<key>CFBundleIdentifier</key>|<key>CFBundleIdentifierX</key>|'
expect 0 "-nv" "$BIN/kextfind" "$ext" "$T/bad.d" -nv
[ "$(names)" = "Bad.kext " ] || fail "-invalid: $(names)"
chmod -R g+w "$ext/Fx_mid.kext"
expect 0 "-na" "$BIN/kextfind" "$ext" -na
if [ "$(id -u)" -eq 0 ]; then
	[ "$(names)" = "Fx_mid.kext " ] || fail "-inauthentic: $(names)"
else
	[ "$(names)" = "Fx_base.kext Fx_mid.kext Fx_multi.kext " ] ||
		fail "-inauthentic (not root: nothing is root-owned): $(names)"
fi
chmod -R g-w "$ext/Fx_mid.kext"
ok "-invalid, -inauthentic"

# Loaded state, from the kernel.
new_sim 1402000
expect 0 "load" "$BIN/kextload" -r "$ext" "$ext/Fx_mid.kext"
expect 0 "-loaded" "$BIN/kextfind" "$ext" -loaded
[ "$(names)" = "Fx_base.kext Fx_mid.kext " ] || fail "-loaded: $(names)"
expect 0 "-not -loaded" "$BIN/kextfind" "$ext" -not -loaded
[ "$(names)" = "Fx_multi.kext " ] || fail "-not -loaded: $(names)"
ok "-loaded asks the kernel"

# Commands, reports, JSON.
expect 0 "commands" "$BIN/kextfind" "$ext" -b "$base" -pp CFBundleVersion -px -print0
[ "$(tr '\0' '@' <"$T/out")" = "CFBundleVersion=3
$ext/Fx_base.kext/Contents/MacOS/fx_base.ko
$ext/Fx_base.kext@" ] || fail "commands in order: $(cat "$T/out")"
expect 0 "report" "$BIN/kextfind" "$ext" -lib -report -b -V -loaded -module
[ "$(cat "$T/out")" = "$(printf '%s\n' "-b	-V	-loaded	-module" "$base	3	yes	fxbase" \
	"$mid	1	yes	fxmid" "$multi	5	no	fxmulti,fxbus/fxdrv")" ] ||
	fail "report: $(cat "$T/out")"
expect 0 "report -no-header" "$BIN/kextfind" "$ext" -b "$mid" -report -no-header -print
[ "$(cat "$T/out")" = "$ext/Fx_mid.kext" ] || fail "-no-header: $(cat "$T/out")"
expect 0 "json" "$BIN/kextfind" "$ext" -json -module -s fx
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["identifier"] for e in d] == sys.argv[2:], d
assert [e["loaded"] for e in d] == [True, True, False], d
assert d[2]["modules"] == ["fxmulti", "fxbus/fxdrv"] and d[0]["arch"] == "amd64", d
assert all(e["valid"] for e in d), d
' "$T/out" "$base" "$mid" "$multi" || fail "JSON"
ok "commands, -report, -json"

# Mistakes.
expect 64 "unsupported predicate" "$BIN/kextfind" "$ext" -dependencies-met
has "$T/err" "unsupported predicate -dependencies-met: Apple's kextfind has it" "said"
expect 64 "unsupported option" "$BIN/kextfind" -set-arch x86_64 "$ext"
has "$T/err" "unsupported option -set-arch" "option said"
expect 64 "unknown" "$BIN/kextfind" "$ext" -nosuch
expect 64 "missing argument" "$BIN/kextfind" "$ext" -b
expect 64 "unbalanced" "$BIN/kextfind" "$ext" \( -b x
expect 64 "commands with -report" "$BIN/kextfind" "$ext" -print -report -b
expect 66 "missing folder" "$BIN/kextfind" "$T/nowhere"
expect 0 "--version" "$BIN/kextfind" --version
has "$T/out" "kextfind (kext tools for FreeBSD)" "--version"
ok "mistakes are usage errors"
