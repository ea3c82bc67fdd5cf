# ko2kext on our own FreeBSD-format modules, every architecture.
. "$(dirname "$0")/lib.sh"
need_fixtures

for arch in amd64 i386 armv7 aarch64 riscv64 powerpc powerpc64 powerpc64le; do
	out=$T/$arch
	expect 0 "convert $arch" "$BIN/ko2kext" -q -o "$out" "$FX/$arch"/fx_*.ko
	for k in Fx_base Fx_mid Fx_multi Fx_nometa; do
		[ -f "$out/$k.kext/Contents/Info.plist" ] || fail "$arch: no $k.kext Info.plist"
	done
	cmp -s "$FX/$arch/fx_mid.ko" "$out/Fx_mid.kext/Contents/MacOS/fx_mid.ko" ||
		fail "$arch: the module is not copied byte for byte"
	info=$out/Fx_mid.kext/Contents/Info.plist
	has "$info" "<string>$arch</string>" "$arch architecture recorded"
	has "$info" "<key>org.freebsd.kmod.fx_base</key>" "$arch: fx_mid links against fx_base"
	[ "$(plist_value "$info" org.freebsd.kernel)" = "14.2" ] || fail "$arch: kernel 14.2"
	[ "$(plist_value "$info" CFBundleVersion)" = "1" ] || fail "$arch: CFBundleVersion"
	ok "$arch converts"
done

# Deterministic: a second run gives byte-identical bundles.
expect 0 "second run" "$BIN/ko2kext" -q -o "$T/again" "$FX/amd64"/fx_*.ko
diff -r "$T/amd64" "$T/again" >/dev/null || fail "two runs differ"
ok "byte-identical output"

# Existing bundles that differ are kept unless --force (an identical rerun is fine).
expect 0 "identical rerun" "$BIN/ko2kext" -o "$T/amd64" "$FX/amd64/fx_base.ko"
expect 1 "no --force" "$BIN/ko2kext" -o "$T/amd64" -R Root "$FX/amd64/fx_base.ko"
has "$T/err" "already exists and differs from what this conversion writes; use --force" \
	"refusal names --force"
expect 0 "--force" "$BIN/ko2kext" -q --force -o "$T/amd64" "$FX/amd64/fx_base.ko"
[ -z "$(find "$T/amd64" -mindepth 1 -maxdepth 1 -name '.*')" ] ||
	fail "a hidden temporary folder was left behind"
ok "--force replaces, nothing left behind"

# A dependency nobody provides is an error naming it, unless --allow-missing.
expect 1 "missing dependency" "$BIN/ko2kext" -o "$T/miss" "$FX/amd64/fx_mid.ko"
has "$T/err" "fxbase (version 3, accepted 2..4)" "missing dependency named"
[ ! -d "$T/miss/Fx_mid.kext" ] || fail "a bundle was written despite the missing dependency"
expect 0 "--allow-missing" "$BIN/ko2kext" -q --allow-missing -o "$T/miss" "$FX/amd64/fx_mid.ko"
hasnt "$T/miss/Fx_mid.kext/Contents/Info.plist" "org.freebsd.kmod.fx_base" "no library for missing"
ok "missing dependencies"

# A dependency found in a repository given with -r.
expect 0 "-r" "$BIN/ko2kext" -q -o "$T/repo2" -r "$T/amd64" "$FX/amd64/fx_mid.ko"
has "$T/repo2/Fx_mid.kext/Contents/Info.plist" "<key>org.freebsd.kmod.fx_base</key>" "-r provider"
ok "providers from a repository"

# Options: prefix, identifier override, OSBundleRequired, merged keys.
cat >"$T/extra.plist" <<'PLIST'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>OSBundleAllowUserLoad</key><true/></dict></plist>
PLIST
expect 0 "options" "$BIN/ko2kext" -q -o "$T/opt" -p org.example -i fx_base=org.example.base \
	-R Root -m "$T/extra.plist" "$FX/amd64/fx_base.ko" "$FX/amd64/fx_mid.ko"
has "$T/opt/Fx_base.kext/Contents/Info.plist" "<string>org.example.base</string>" "-i"
has "$T/opt/Fx_mid.kext/Contents/Info.plist" "<string>org.example.fx_mid</string>" "-p"
has "$T/opt/Fx_mid.kext/Contents/Info.plist" "<key>org.example.base</key>" "library uses -i id"
[ "$(plist_value "$T/opt/Fx_mid.kext/Contents/Info.plist" OSBundleRequired)" = Root ] || fail "-R"
has "$T/opt/Fx_mid.kext/Contents/Info.plist" "<key>OSBundleAllowUserLoad</key>" "-m"
expect 64 "bad -R" "$BIN/ko2kext" -R Sometimes -o "$T/x" "$FX/amd64/fx_base.ko"
ok "options"

# --print and --json.
expect 0 "--print" "$BIN/ko2kext" --print "$FX/amd64/fx_multi.ko"
has "$T/out" "fxbus/fxdrv" "--print shows registered names"
expect 0 "--json" "$BIN/ko2kext" --json "$FX/aarch64/fx_mid.ko"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" || fail "--json is not JSON"
ok "--print and --json"

# Bad input: named, the others still converted, exit 1.
printf 'not a module' >"$T/bad.ko"
head -c 200 "$FX/amd64/fx_base.ko" >"$T/short.ko"
expect 1 "bad inputs" "$BIN/ko2kext" -o "$T/bulk" "$T/bad.ko" "$T/short.ko" "$FX/amd64/fx_base.ko"
has "$T/err" "$T/bad.ko" "bad file named"
has "$T/err" "$T/short.ko" "truncated file named"
[ -d "$T/bulk/Fx_base.kext" ] || fail "the good module was not converted"
ok "bad inputs reported, good ones converted"

# Firmware files go into Contents/Resources/firmware.
printf 'blob' >"$T/fw.bin"
expect 0 "firmware" "$BIN/ko2kext" -q -f "$T/fw.bin" -o "$T/fw" "$FX/amd64/fx_base.ko"
cmp -s "$T/fw.bin" "$T/fw/Fx_base.kext/Contents/Resources/firmware/fw.bin" || fail "firmware copy"
mkfifo "$T/fw.fifo"
expect 1 "firmware FIFO" timeout 20 "$BIN/ko2kext" -q -f "$T/fw.fifo" -o "$T/fwf" "$FX/amd64/fx_base.ko"
has "$T/err" "$T/fw.fifo: not a regular file" "a FIFO is refused, not waited on"
[ ! -e "$T/fwf/Fx_base.kext" ] || fail "a bundle was written despite the bad firmware"
ok "firmware"

# A release tarball is read with libarchive, members at any depth.
mkdir -p "$T/rel/mach-1.0" && cp "$FX/amd64/fx_base.ko" "$FX/amd64/fx_mid.ko" "$T/rel/mach-1.0/"
tar -C "$T/rel" -czf "$T/release.tar.gz" mach-1.0
expect 0 "tarball" "$BIN/ko2kext" -q -o "$T/tar" "$T/release.tar.gz"
[ -d "$T/tar/Fx_base.kext" ] && [ -d "$T/tar/Fx_mid.kext" ] || fail "tarball members"
has "$T/tar/Fx_mid.kext/Contents/Info.plist" "<key>org.freebsd.kmod.fx_base</key>" "in-archive dep"
tar -C "$T/rel" -czf "$T/empty.tar.gz" --exclude='*.ko' mach-1.0
expect 1 "no .ko in archive" "$BIN/ko2kext" -o "$T/tar2" "$T/empty.tar.gz"
has "$T/err" "the archive holds no .ko file" "empty archive said"
ok "archives"

# A module string that is not UTF-8 is kept (read as Latin-1), not a failed plist.
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d.replace(b"fxbase\0", b"fx\xffase\0"))' \
	"$FX/amd64/fx_base.ko" "$T/latin.ko"
expect 0 "non-UTF-8 module name" "$BIN/ko2kext" -q -o "$T/latin" "$T/latin.ko"
has "$T/latin/Latin.kext/Contents/Info.plist" "<key>fxÿase</key>" "name kept as Latin-1"
ok "non-UTF-8 strings"

# Usage errors say what is wrong.
expect 64 "-i with no identifier" "$BIN/ko2kext" -i fx_base= -o "$T/x" "$FX/amd64/fx_base.ko"
has "$T/err" "-i wants STEM=IDENTIFIER" "-i STEM= refused"
expect 64 "two -m" "$BIN/ko2kext" -m "$T/extra.plist" -m "$T/extra.plist" -o "$T/x" \
	"$FX/amd64/fx_base.ko"
has "$T/err" "only one -m" "a second -m is named"
ok "usage errors"

# --force swaps the bundle in one step on Linux: the old one is never missing.
if [ "$(uname -s)" = Linux ] && command -v strace >/dev/null 2>&1 &&
	strace -f -o /dev/null true 2>/dev/null; then
	# LeakSanitizer cannot run under ptrace; the other tests check for leaks
	expect 0 "--force under strace" env \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -e trace=rename,renameat,renameat2 \
		-o "$T/trace" "$BIN/ko2kext" -q --force -o "$T/amd64" "$FX/amd64/fx_base.ko"
	has "$T/trace" "RENAME_EXCHANGE" "renameat2 RENAME_EXCHANGE used"
	hasnt "$T/trace" ".old." "the old bundle is not moved aside first"
	[ -f "$T/amd64/Fx_base.kext/Contents/Info.plist" ] || fail "--force lost the bundle"
	[ -z "$(find "$T/amd64" -mindepth 1 -maxdepth 1 -name '.*')" ] ||
		fail "a hidden folder was left behind after the swap"
	ok "--force swaps atomically"
else
	echo "# no strace or not Linux: atomic swap not traced"
fi

# -o creates missing parent folders; a file in the way is named.
expect 0 "-o with missing parents" "$BIN/ko2kext" -q -o "$T/deep/a/b" "$FX/amd64/fx_base.ko"
[ -f "$T/deep/a/b/Fx_base.kext/Contents/Info.plist" ] || fail "-o parents not created"
: >"$T/plainfile"
expect 1 "-o under a file" "$BIN/ko2kext" -q -o "$T/plainfile/x" "$FX/amd64/fx_base.ko"
has "$T/err" "$T/plainfile" "the blocking path is named"
ok "-o creates parents"

# A program is not a kernel module: refused, saying what it is; nothing written.
[ -x /bin/ls ] || skip "no /bin/ls to try as a non-module"
expect 1 "program" "$BIN/ko2kext" -o "$T/prog" /bin/ls
has "$T/err" "/bin/ls: not converted: it is a" "program refused"
has "$T/err" "not a kernel module" "reason given"
[ ! -e "$T/prog/Ls.kext" ] || fail "Ls.kext written"
ok "a program is refused"

# Two inputs that would make the same bundle: the second is refused, naming the first.
mkdir -p "$T/twin"
cp "$FX/amd64/fx_base.ko" "$T/twin/fx_base.ko"
expect 1 "same bundle twice" "$BIN/ko2kext" -o "$T/twins" "$FX/amd64/fx_base.ko" "$T/twin/fx_base.ko"
has "$T/err" "$T/twin/fx_base.ko: would be written as Fx_base.kext, which $FX/amd64/fx_base.ko already is" \
    "the second names the first"
[ -f "$T/twins/Fx_base.kext/Contents/Info.plist" ] || fail "the first was not converted"
ok "one bundle name, one input"
