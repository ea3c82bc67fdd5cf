# ko2kext for CI written for NextBSD's ko2kext.sh: bundle names, firmware
# folders, reruns, option mistakes, and ko2kext.sh's own command line
# ([-o dir] [-v ver] [-l dep-id]... [-f fw]... [-p pers] in.ko Name bundle-id).
. "$(dirname "$0")/lib.sh"
need_fixtures
ko=$FX/amd64
out=$T/out.d

# -n names the bundle; -f takes a folder, copied whole.
mkdir -p "$T/fw/sub"
printf 'A' >"$T/fw/a.ucode"
printf 'B' >"$T/fw/sub/b.bin"
ln -s a.ucode "$T/fw/link.ucode"
expect 0 "-n, -f DIR" "$BIN/ko2kext" -o "$out" -n fx_base=Base -f "$T/fw" "$ko/fx_base.ko"
fwd=$out/Base.kext/Contents/Resources/firmware
[ "$(cat "$fwd/a.ucode")$(cat "$fwd/sub/b.bin")$(cat "$fwd/link.ucode")" = "ABA" ] ||
	fail "firmware folder copied: $(find "$out")"
[ ! -L "$fwd/link.ucode" ] || fail "links are copied as files"
[ "$(plist_value "$out/Base.kext/Contents/Info.plist" CFBundleName)" = "Base" ] ||
	fail "CFBundleName is the -n name"
expect 0 "bare -n for one module" "$BIN/ko2kext" -o "$out" -n Mid "$ko/fx_mid.ko" -r "$out"
[ -d "$out/Mid.kext" ] || fail "-n NAME"
expect 1 "bare -n for two" "$BIN/ko2kext" -o "$T/two" -n X "$ko/fx_base.ko" "$ko/fx_mid.ko"
has "$T/err" "-n X without STEM= names one module" "bare -n refused for two modules"
ok "-n names the bundle, -f copies a folder"

# An identical rerun succeeds without --force; a different one still needs it.
expect 0 "identical rerun" "$BIN/ko2kext" -v -o "$out" -n fx_base=Base -f "$T/fw" "$ko/fx_base.ko"
has "$T/out" "Base.kext (org.freebsd.kmod.fx_base): unchanged" "rerun said unchanged"
[ -z "$(find "$out" -mindepth 1 -maxdepth 1 -name '.*')" ] || fail "staging folders left behind"
expect 1 "different rerun" "$BIN/ko2kext" -o "$out" -n fx_base=Base "$ko/fx_base.ko"
has "$T/err" "already exists and differs from what this conversion writes; use --force" \
	"difference refused"
[ -f "$fwd/a.ucode" ] || fail "the refused rerun must leave the bundle"
ok "identical rerun without --force"

# Mistakes: an -i for no input; a file that is neither module nor archive.
expect 1 "unknown -i stem" "$BIN/ko2kext" -o "$T/i" -i fx_bsae=org.example.base "$ko/fx_base.ko"
has "$T/err" "fx_bsae=org.example.base names the module fx_bsae, which no input has" "-i typo"
[ ! -e "$T/i/Fx_base.kext" ] || fail "nothing is written after an option mistake"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$T/passwd"
expect 1 "text file" "$BIN/ko2kext" -o "$T/p" "$T/passwd"
has "$T/err" "$T/passwd: neither a kernel module (no ELF header) nor an archive ko2kext reads" \
	"plain message"
hasnt "$T/err" "mtree" "no libarchive mtree jargon"
ok "unknown -i stem and non-module input are clear errors"

# ko2kext.sh: NextBSD's command line, unchanged.
cat >"$T/pers.plist" <<'P'
	<key>IOKitPersonalities</key>
	<dict>
		<key>FxMid</key>
		<dict>
			<key>IOClass</key>
			<string>FxMidDriver</string>
			<key>IOPCIPrimaryMatch</key>
			<string>0x31501002</string>
			<key>IOProviderClass</key>
			<string>IOPCIDevice</string>
		</dict>
	</dict>
P
sh_out=$T/sh
expect 0 "ko2kext.sh base" "$BIN/ko2kext.sh" -o "$sh_out" "$ko/fx_base.ko" FxBase org.nextbsd.FxBase
has "$T/out" "ko2kext: wrote $sh_out/FxBase.kext" "script's report"
expect 0 "ko2kext.sh mid" "$BIN/ko2kext.sh" -o "$sh_out" -v 2.1 -l org.nextbsd.FxBase \
	-f "$T/fw" -f "$T/passwd" -p "$T/pers.plist" "$ko/fx_mid.ko" FxMid org.nextbsd.FxMid
info=$sh_out/FxMid.kext/Contents/Info.plist
[ "$(plist_value "$info" CFBundleIdentifier)" = org.nextbsd.FxMid ] || fail "bundle-id"
[ "$(plist_value "$info" CFBundleName)" = FxMid ] || fail "Name"
for k in CFBundleVersion CFBundleShortVersionString OSBundleCompatibleVersion; do
	[ "$(plist_value "$info" $k)" = 2.1 ] || fail "-v sets $k"
done
[ "$(plist_value "$info" org.nextbsd.FxBase)" = 1.0 ] || fail "-l library at 1.0"
[ "$(plist_value "$info" OSBundleRequired)" = Root ] || fail "OSBundleRequired Root"
[ "$(plist_value "$info" IOClass)" = FxMidDriver ] || fail "-p personalities"
[ -f "$sh_out/FxMid.kext/Contents/Resources/firmware/sub/b.bin" ] &&
	[ -f "$sh_out/FxMid.kext/Contents/Resources/firmware/passwd" ] || fail "-f file and folder"
[ "$(plist_value "$sh_out/FxBase.kext/Contents/Info.plist" CFBundleVersion)" = 1.0 ] ||
	fail "default version 1.0"
# Rerun replaces, as the script's rm -rf does.
expect 0 "ko2kext.sh rerun" "$BIN/ko2kext.sh" -o "$sh_out" -v 2.2 "$ko/fx_mid.ko" FxMid \
	org.nextbsd.FxMid
[ "$(plist_value "$info" CFBundleVersion)" = 2.2 ] || fail "rerun replaces"
expect 0 "ko2kext.sh again" "$BIN/ko2kext.sh" -o "$sh_out" -v 2.1 -l org.nextbsd.FxBase \
	-p "$T/pers.plist" "$ko/fx_mid.ko" FxMid org.nextbsd.FxMid
# Default output folder: the current one.
(cd "$T" && "$BIN/ko2kext.sh" "$ko/fx_base.ko" Here org.nextbsd.Here >/dev/null) ||
	fail "ko2kext.sh without -o"
[ -d "$T/Here.kext" ] || fail "-o defaults to ."
ok "ko2kext.sh writes what NextBSD's script writes"

# What ko2kext.sh wrote loads: FxMid's -l library is FxBase.
new_sim 1402000
expect 0 "load" "$BIN/kextload" -r "$sh_out" "$sh_out/FxMid.kext"
[ "$(sed -n 's/^Loaded \([^ ]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = \
	"org.nextbsd.FxBase org.nextbsd.FxMid " ] || fail "load order: $(cat "$T/out")"
ok "ko2kext.sh bundles load in dependency order"

# ko2kext.sh's errors: usage, a missing file, a bad version or block; exit 1 like the script.
cd "$T"
expect 1 "usage" "$BIN/ko2kext.sh" "$ko/fx_base.ko" OnlyName
has "$T/err" "usage: ko2kext.sh [-o outdir] [-v version]" "usage"
expect 1 "missing file" "$BIN/ko2kext.sh" "$T/none.ko" N org.example.n
has "$T/err" "ko2kext: no such file: $T/none.ko" "missing file"
expect 1 "bad version" "$BIN/ko2kext.sh" -v one "$ko/fx_base.ko" N org.example.n
has "$T/err" "-v one: not a kext version" "bad version"
printf '<key>Other</key><string>x</string>\n' >"$T/bad.plist"
expect 1 "bad block" "$BIN/ko2kext.sh" -p "$T/bad.plist" "$ko/fx_base.ko" N org.example.n
has "$T/err" "$T/bad.plist: not a <key>IOKitPersonalities</key><dict>...</dict> block" \
	"bad block"
expect 1 "bad name" "$BIN/ko2kext.sh" "$ko/fx_base.ko" ../N org.example.n
[ ! -e "$T/N.kext" ] || fail "nothing is written after an error"
ok "ko2kext.sh errors"
