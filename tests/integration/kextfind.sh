# kextfind: Apple's query language over repositories: identifiers, module
# names, OSBundleRequired, validity, authenticity, loaded state, symbols,
# architectures, dependencies, loadability; commands (-exec too), reports and
# JSON.
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
[ "$(tr '\0' '@' <"$T/out")" = "CFBundleVersion = \"3\"
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

# Symbols and architectures, read from the executables.
sym=$T/sym
expect 0 "convert sym" "$BIN/ko2kext" -q -o "$sym" "$FX/amd64"/fx_symlib.ko "$FX/amd64"/fx_symmid.ko
expect 0 "convert i386" "$BIN/ko2kext" -q -o "$T/i386" "$FX/i386"/fx_nometa.ko
expect 0 "-dsym" "$BIN/kextfind" "$ext" "$sym" -dsym fxsymlib_hello
[ "$(names)" = "Fx_symlib.kext " ] || fail "-dsym: $(names)"
expect 0 "-rsym" "$BIN/kextfind" "$ext" "$sym" -references-symbol fxsymlib_hello
[ "$(names)" = "Fx_symmid.kext " ] || fail "-rsym: $(names)"
expect 0 "-dsym none" "$BIN/kextfind" "$ext" "$sym" -defines-symbol fx_no_such_symbol -or \
	-rsym fx_no_such_symbol
[ ! -s "$T/out" ] || fail "-dsym/-rsym of a symbol nobody has: $(names)"
expect 0 "-ax" "$BIN/kextfind" "$ext" "$T/i386" -ax i386
[ "$(names)" = "Fx_nometa.kext " ] || fail "-ax i386: $(names)"
expect 0 "-arch-exact two" "$BIN/kextfind" "$ext" "$T/i386" -arch-exact amd64,i386
[ ! -s "$T/out" ] || fail "-ax amd64,i386 (an ELF file has one architecture): $(names)"
expect 0 "-ax report" "$BIN/kextfind" "$sym" -report -no-header -B -dsym fxsymlib_hello \
	-rsym fxsymlib_hello -ax amd64
[ "$(cat "$T/out")" = "$(printf '%s\n' "Fx_symlib.kext	yes	no	yes" \
	"Fx_symmid.kext	no	yes	yes")" ] || fail "symbol report: $(cat "$T/out")"
ok "-dsym, -rsym, -ax, as predicates and columns"

# Dependencies resolve among the searched kexts and what the kernel has.
new_sim 1402000 deps
mkdir "$T/alone"
cp -R "$ext/Fx_mid.kext" "$T/alone/"
expect 0 "-d" "$BIN/kextfind" "$ext" "$T/alone" -d
[ "$(names)" = "Fx_base.kext Fx_mid.kext Fx_multi.kext Fx_mid.kext " ] ||
	fail "-d (the lone Fx_mid finds Fx_base among the searched kexts): $(names)"
expect 0 "-d alone" "$BIN/kextfind" "$T/alone" -dependencies-met
[ ! -s "$T/out" ] || fail "-d without the library searched: $(cat "$T/out")"
expect 0 "-nd" "$BIN/kextfind" "$T/alone" -dependencies-missing
[ "$(cat "$T/out")" = "$T/alone/Fx_mid.kext" ] || fail "-nd: $(cat "$T/out")"
expect 0 "-print-dependencies" "$BIN/kextfind" "$ext" -b "$mid" -print-dependencies
[ "$(cat "$T/out")" = "$(printf '%s\n' org.freebsd.kernel "$ext/Fx_base.kext")" ] ||
	fail "-print-dependencies: $(cat "$T/out")"
expect 0 "-print-dependencies missing" "$BIN/kextfind" "$T/alone" -print-dependencies
[ ! -s "$T/out" ] || fail "-print-dependencies of a kext whose library is missing: $(cat "$T/out")"
expect 0 "-print-dependents" "$BIN/kextfind" "$ext" "$sym" -b "$base" -print-dependents -0
[ "$(tr '\0' '@' <"$T/out")" = "$ext/Fx_mid.kext@$ext/Fx_multi.kext@" ] ||
	fail "-print-dependents: $(cat "$T/out")"
expect 0 "-print-dependents leaf" "$BIN/kextfind" "$ext" -b "$multi" -print-dependents
[ ! -s "$T/out" ] || fail "-print-dependents of a leaf: $(cat "$T/out")"
expect 0 "dependencies report" "$BIN/kextfind" "$T/alone" "$sym" -report -no-header -B -d -nd
[ "$(cat "$T/out")" = "$(printf '%s\n' "Fx_mid.kext	no	yes" "Fx_symlib.kext	yes	no" \
	"Fx_symmid.kext	yes	no")" ] || fail "dependencies report: $(cat "$T/out")"
ok "-d, -nd, -print-dependencies, -print-dependents"

# Loadable as kextutil -n checks it (authenticated), and its diagnostics.
expect 0 "-nl" "$BIN/kextfind" "$ext" "$T/alone" -nonloadable
if [ "$(id -u)" -eq 0 ]; then
	[ ! -s "$T/out" ] || fail "-nl: $(cat "$T/out")"
	expect 0 "-l alone" "$BIN/kextfind" "$T/alone" -l
	[ ! -s "$T/out" ] || fail "-l without the library searched: $(cat "$T/out")"
	expect 0 "-l" "$BIN/kextfind" "$ext" -loadable
	[ "$(names)" = "Fx_base.kext Fx_mid.kext Fx_multi.kext " ] || fail "-l: $(names)"
	expect 0 "-pdiag clean" "$BIN/kextfind" "$ext" -b "$mid" -pdiag
	[ "$(cat "$T/out")" = "$ext/Fx_mid.kext: no diagnostics." ] ||
		fail "-pdiag of a loadable kext: $(cat "$T/out")"
else
	[ "$(names)" = "Fx_base.kext Fx_mid.kext Fx_multi.kext Fx_mid.kext " ] ||
		fail "-nl (not root: nothing is authentic, so nothing loads): $(names)"
	expect 0 "-pdiag inauthentic" "$BIN/kextfind" "$ext" -b "$mid" -pdiag
	has "$T/out" "Authentication Failures" "-pdiag (not root)"
fi
expect 0 "-nl alone" "$BIN/kextfind" "$T/alone" -nl
[ "$(cat "$T/out")" = "$T/alone/Fx_mid.kext" ] || fail "-nl alone: $(cat "$T/out")"
expect 0 "-pdiag" "$BIN/kextfind" "$T/alone" -print-diagnostics
has "$T/out" "Diagnostics for $T/alone/Fx_mid.kext:" "-pdiag header"
has "$T/out" "no kext found for library $base (requested 3)" "-pdiag names the library"
ok "-l, -nl, -pdiag"

# -exec: {} and friends replaced, no shell, true when the command exits 0.
expect 0 "-exec" "$BIN/kextfind" "$ext" -b "$mid" -exec echo "<{}>" "{info-dictionary}" \
	"{executable}" ";"
[ "$(cat "$T/out")" = "<$ext/Fx_mid.kext> $ext/Fx_mid.kext/Contents/Info.plist $ext/Fx_mid.kext/Contents/MacOS/fx_mid.ko" ] ||
	fail "-exec substitutions: $(cat "$T/out")"
expect 0 "-exec truth" "$BIN/kextfind" "$ext" -exec test -f "{}/Contents/MacOS/fx_multi.ko" ";" -print
[ "$(names)" = "Fx_multi.kext " ] || fail "-exec true only where the command exits 0: $(names)"
expect 0 "-exec no shell" "$BIN/kextfind" "$ext" -b "$base" -exec echo '$HOME;*' ";"
[ "$(cat "$T/out")" = '$HOME;*' ] || fail "-exec went through a shell: $(cat "$T/out")"
expect 0 "-exec missing command" "$BIN/kextfind" "$ext" -b "$base" -not -exec "$T/nosuch" ";" \
	-echo fell-through
[ "$(cat "$T/out")" = "fell-through" ] || fail "-exec of a missing command is false: $(cat "$T/out")"
has "$T/err" "-exec $T/nosuch: No such file or directory" "missing command named"
expect 64 "-exec without ;" "$BIN/kextfind" "$ext" -exec echo "{}"
has "$T/err" "no terminating ; for -exec" "missing ; said"
ok "-exec"

# -pm: personalities' properties, Apple's layout.
expect 0 "-pm" "$BIN/kextfind" "$ext" -pm FreeBSDPNPBus
[ "$(cat "$T/out")" = "$(printf '%s\n' 'fxmulti fxpci: FreeBSDPNPBus = "fxpci"' \
	'fxmulti fxusb 2: FreeBSDPNPBus = "fxusb"')" ] || fail "-pm: $(cat "$T/out")"
expect 0 "-pm none" "$BIN/kextfind" "$ext" -print-match-property NoSuchProperty
[ ! -s "$T/out" ] || fail "-pm of a property no personality has: $(cat "$T/out")"
ok "-pm"

# Mistakes.
expect 64 "unsupported predicate" "$BIN/kextfind" "$ext" -debug
has "$T/err" "unsupported predicate -debug: it asks for OSBundleEnableKextLogging" "said"
expect 64 "unsupported -integrity" "$BIN/kextfind" "$ext" -integrity correct
has "$T/err" "unsupported predicate -integrity: it asks for Apple's installer-receipt" "said"
expect 64 "unsupported -print-integrity" "$BIN/kextfind" "$ext" -print-integrity
has "$T/err" "unsupported command -print-integrity" "said"
unset KEXT_KERNEL
expect 71 "-d without a kernel" "$BIN/kextfind" "$ext" -d
has "$T/err" "-d needs the kernel" "said"
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
