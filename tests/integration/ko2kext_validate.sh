# ko2kext validates every bundle it writes the way kextload does: a bundle
# kextload would refuse is never written, and the error names the key, what
# was expected and found, and the option (-p, -i, -k, -m) to change.
. "$(dirname "$0")/lib.sh"
need_fixtures
KO=$FX/amd64/fx_base.ko
long=org.example.$(printf 'x%.0s' $(seq 60))

# refused WHAT PATTERN ARGS...: ko2kext exits 1, names the pattern, writes nothing.
refused() {
	what=$1 pattern=$2
	shift 2
	rm -rf "$T/o"
	expect 1 "$what" "$BIN/ko2kext" -o "$T/o" "$@"
	has "$T/err" "$T/o/Fx_base.kext (from $KO): not written, kextload would refuse it" \
	    "$what: bundle named"
	has "$T/err" "$pattern" "$what: key and fix"
	[ -z "$(ls -A "$T/o")" ] || fail "$what: left $(ls -A "$T/o")"
}

refused "-p" "CFBundleIdentifier - expected at most 63 bytes, found 80" -p "$long" "$KO"
has "$T/err" "choose a shorter prefix with -p, or name this module with -i fx_base=IDENTIFIER" "-p fix"
refused "-i" "CFBundleIdentifier - expected at most 63 bytes" -i "fx_base=$long.base" "$KO"
has "$T/err" "it comes from -i fx_base=$long.base" "-i fix"
refused "-k" "is the kernel kext's identifier given with -k" -k "$long" "$KO"
has "$T/err" "OSBundleLibraries.$(printf '%.40s' "$long")" "-k key"
refused "-k empty" "found an empty key; '' is the kernel kext's identifier given with -k" -k "" "$KO"
ok "-p, -i and -k that make an invalid bundle are refused, naming the option"

# -m: a compatible version above CFBundleVersion (fx_base declares version 3),
# and a value of the wrong type.
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' '<plist version="1.0"><dict>' \
    '<key>OSBundleCompatibleVersion</key><string>5</string>' '</dict></plist>' >"$T/compat.plist"
refused "-m compat" "OSBundleCompatibleVersion - expected at most CFBundleVersion 3.0, found \"5\"" \
    -m "$T/compat.plist" "$KO"
has "$T/err" "OSBundleCompatibleVersion comes from -m $T/compat.plist" "-m fix"
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' '<plist version="1.0"><dict>' \
    '<key>CFBundleVersion</key><integer>2</integer>' '</dict></plist>' >"$T/type.plist"
refused "-m type" "CFBundleVersion - expected <string>" -m "$T/type.plist" "$KO"
has "$T/err" "CFBundleVersion comes from -m $T/type.plist" "-m type fix"
ok "-m keys that make an invalid bundle are refused, naming the plist"

# A bulk run goes on: the valid bundles are written, the invalid one is not.
expect 1 "bulk" "$BIN/ko2kext" -o "$T/bulk" -i "fx_multi=$long.multi" "$KO" \
    "$FX/amd64/fx_mid.ko" "$FX/amd64/fx_multi.ko"
[ -d "$T/bulk/Fx_base.kext" ] && [ -d "$T/bulk/Fx_mid.kext" ] || fail "valid bundles not written"
[ ! -e "$T/bulk/Fx_multi.kext" ] || fail "the invalid bundle was written"
[ -z "$(find "$T/bulk" -name '.*')" ] || fail "staging folders left: $(find "$T/bulk" -name '.*')"
ok "a bulk run writes the valid bundles only"

# --force never replaces a good bundle with one kextload would refuse.
expect 0 "good" "$BIN/ko2kext" -q -o "$T/keep" "$KO"
cp "$T/keep/Fx_base.kext/Contents/Info.plist" "$T/before"
expect 1 "force bad" "$BIN/ko2kext" -q --force -o "$T/keep" -m "$T/compat.plist" "$KO"
cmp -s "$T/before" "$T/keep/Fx_base.kext/Contents/Info.plist" || fail "the good bundle changed"
[ "$(ls -A "$T/keep")" = Fx_base.kext ] || fail "left $(ls -A "$T/keep")"
ok "--force keeps the old bundle when the new one is invalid"

# What ko2kext writes, kextutil accepts: every fixture of every architecture.
expect 0 "convert all" "$BIN/ko2kext" -q -o "$T/all" "$FX/amd64"
for b in "$T"/all/*.kext; do
	expect 0 "kextutil $b" "$BIN/kextutil" -q -n -Z -e "$b"
done
ok "every converted fixture passes kextutil -n -Z"
