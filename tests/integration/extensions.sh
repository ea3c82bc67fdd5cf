# The shipped bundles (Extensions/): make extensions / install-extensions into a
# test root, with the mach stand-in (a test fixture, tests/fixtures/fx_mach.c)
# as MACH_KO, then loaded through the sim kernel.
. "$(dirname "$0")/lib.sh"
need_fixtures
command -v make >/dev/null 2>&1 || skip "no make"
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$T/root
sys=$root/System/Library/Extensions
MACH=org.freebsd-launchd.kext.Mach
USER=org.freebsd.kmod.fx_machuser
cp "$FX/amd64/fx_mach.ko" "$T/mach.ko"	# the stand-in, for this test only
mk() {
	make -s -C "$top" BUILD="$BUILD" FREEBSD_VERSION=1500068 "$@"
}
loaded_count() {	# how many rows of kextstat name $1
	"$BIN/kextstat" -l | grep -c " $1 (" || true
}

# Without mach.ko only the kernel kext is built, and make says why.
expect 0 "make extensions" mk EXT_DIR="$T/ext0" extensions
[ -f "$T/ext0/Kernel.kext/Contents/Info.plist" ] || fail "no Kernel.kext"
[ ! -e "$T/ext0/Mach.kext" ] || fail "Mach.kext built without mach.ko"
has "$T/err" "Mach.kext not built: it needs mach.ko" "missing MACH_KO said"
ok "make extensions without MACH_KO builds the kernel kext only"

# A module that is not mach is refused, naming the file.
expect 2 "not mach" mk EXT_DIR="$T/ext1" MACH_KO="$FX/amd64/fx_base.ko" extensions
has "$T/err" "$FX/amd64/fx_base.ko: not the mach module (it registers: fxbase" "not mach"
[ ! -e "$T/ext1/Mach.kext" ] || fail "Mach.kext built from another module"
ok "MACH_KO that is not mach"

# Built and installed into the test root: no group/other write anywhere.
expect 0 "install" mk EXT_DIR="$T/ext" MACH_KO="$T/mach.ko" DESTDIR="$root" install-extensions
[ -d "$sys/Mach.kext" ] && [ -d "$sys/Kernel.kext" ] || fail "bundles not installed"
[ -z "$(find "$sys" -perm -g+w -o -perm -o+w)" ] || fail "group/other writable files"
if [ "$(id -u)" -eq 0 ]; then
	[ -z "$(find "$sys" ! -uid 0 -o ! -gid 0)" ] || fail "not root:wheel"
fi
[ -z "$(find "$sys" -name '.*')" ] || fail "temporary files left in $sys"
cmp -s "$T/mach.ko" "$sys/Mach.kext/Contents/MacOS/mach.ko" || fail "mach.ko not copied as is"
info=$sys/Mach.kext/Contents/Info.plist
[ "$(plist_value "$info" CFBundleIdentifier)" = $MACH ] || fail "Mach identifier"
[ "$(plist_value "$info" CFBundleName)" = Mach ] || fail "Mach name"
[ "$(plist_value "$info" OSBundleRequired)" = Root ] || fail "Mach OSBundleRequired"
[ "$(plist_value "$info" OSBundleCompatibleVersion)" = 1 ] || fail "Mach is a library"
[ "$(plist_value "$info" org.freebsd.kernel)" = 15.0.68 ] || fail "Mach needs kernel 15.0.68"
kinfo=$sys/Kernel.kext/Contents/Info.plist
[ "$(plist_value "$kinfo" CFBundleIdentifier)" = org.freebsd.kernel ] || fail "kernel id"
[ "$(plist_value "$kinfo" CFBundleVersion)" = 15.0.68 ] || fail "kernel version"
[ "$(plist_value "$kinfo" OSBundleCompatibleVersion)" = 15.0 ] || fail "kernel compat"
has "$kinfo" "<key>OSKernelResource</key>" "kernel resource"
[ ! -e "$sys/Kernel.kext/Contents/MacOS" ] || fail "the kernel kext must be codeless"
ok "make install-extensions into DESTDIR"

new_sim 1500068
expect 0 "kextutil kernel kext" "$BIN/kextutil" -n -t "$sys/Kernel.kext"
hasnt "$T/out" "Validation Failures" "kernel kext validates"
expect 0 "kextutil Mach" "$BIN/kextutil" -n -t -r "$sys" "$sys/Mach.kext"
hasnt "$T/out" "Failures" "Mach.kext validates"
ok "kextutil -n -t accepts both bundles"

# kextload Mach.kext; kextstat names it with its identifier and version.
expect 0 "load Mach" "$BIN/kextload" -r "$sys" "$sys/Mach.kext"
has "$T/out" "Loaded $MACH (1) from $sys/Mach.kext, id 2." "Mach loaded"
expect 0 "kextstat" "$BIN/kextstat" -l -b $MACH
has "$T/out" "$MACH (1)" "kextstat shows Mach"
has "$T/out" "[mach.ko: mach]" "kextstat shows the module"
ok "kextload Mach.kext, kextstat"

# A kext using Mach IPC names Mach.kext in OSBundleLibraries; Mach loads first.
expect 0 "convert user" "$BIN/ko2kext" -q -o "$T/user" -r "$sys" "$FX/amd64/fx_machuser.ko"
[ "$(plist_value "$T/user/Fx_machuser.kext/Contents/Info.plist" $MACH)" = 1 ] ||
	fail "fx_machuser must list $MACH 1"
new_sim 1500068 2
expect 0 "load user" "$BIN/kextload" -r "$sys" "$T/user/Fx_machuser.kext"
[ "$(sed -n 's/^Loaded \([^ ]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = "$MACH $USER " ] ||
	fail "Mach must load first: $(cat "$T/out")"
ok "a Mach user brings Mach in first"

# Mach's unload handler refuses (EBUSY): said plainly, everything stays.
echo mach >"$T/kernel2/refuse-unload"
expect 3 "unload Mach with user" "$BIN/kextunload" "$sys/Mach.kext"
has "$T/err" "$USER" "dependent named"
expect 0 "unload user" "$BIN/kextunload" -b $USER
expect 0 "reload user" "$BIN/kextload" -q -r "$sys" "$T/user/Fx_machuser.kext"
expect 0 "unload user" "$BIN/kextunload" -b $USER
expect 3 "unload Mach" "$BIN/kextunload" "$sys/Mach.kext"
has "$T/err" "refused to unload" "refusal said plainly"
[ "$(loaded_count $MACH)" -eq 1 ] || fail "Mach must stay loaded"
ok "Mach refuses to unload and stays"

# Built for another FreeBSD major: refused before any kernel call, naming both.
new_sim 1402000 3
expect 71 "other major" "$BIN/kextload" -r "$sys" "$sys/Mach.kext"
has "$T/err" "built for FreeBSD kernel 1500068 (accepts 1500068..1599999), but the running kernel is 1402000" \
	"both versions named"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "nothing may load"
ok "another FreeBSD major is refused"

# A release tarball: its README's __FreeBSD_version and kernel SHA256 are recorded.
sha=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
rel=$T/rel/mach.ko-FreeBSD-15.0-amd64
mkdir -p "$rel" && cp "$T/mach.ko" "$rel/mach.ko"
printf '#!/bin/sh\ncp mach.ko /boot/modules/\n' >"$rel/install.sh"
printf 'mach.ko for FreeBSD 15.0 (amd64)\nBuilt against __FreeBSD_version 1500068.\nKernel SHA256: %s\n' \
	"$sha" >"$rel/README"
tar -C "$T/rel" -czf "$T/mach.ko-FreeBSD-15.0-amd64.tar.gz" mach.ko-FreeBSD-15.0-amd64
expect 0 "release" mk EXT_DIR="$T/extrel" MACH_RELEASE="$T/mach.ko-FreeBSD-15.0-amd64.tar.gz" \
	extensions
info=$T/extrel/Mach.kext/Contents/Info.plist
[ "$(plist_value "$info" FreeBSDReleaseOSVersion)" = 1500068 ] || fail "release version"
[ "$(plist_value "$info" FreeBSDReleaseKernelSHA256)" = $sha ] || fail "kernel SHA256"
[ "$(plist_value "$info" FreeBSDReleaseArchive)" = mach.ko-FreeBSD-15.0-amd64.tar.gz ] ||
	fail "release archive"
[ "$(plist_value "$info" CFBundleIdentifier)" = $MACH ] || fail "release identifier"
ok "MACH_RELEASE records the README's provenance"

# A README from another build is an error naming the README and both versions.
sed -i 's/1500068/1500070/' "$rel/README"
tar -C "$T/rel" -czf "$T/bad.tar.gz" mach.ko-FreeBSD-15.0-amd64
expect 2 "bad release" mk EXT_DIR="$T/extbad" MACH_RELEASE="$T/bad.tar.gz" extensions
has "$T/err" "$T/bad.tar.gz:mach.ko-FreeBSD-15.0-amd64/README says the module was built against __FreeBSD_version 1500070, but" \
	"README named"
has "$T/err" "depends on kernel 1500068 (accepts 1500068..1599999)" "module's version named"
[ ! -e "$T/extbad/Mach.kext" ] || fail "Mach.kext built from a disagreeing release"
expect 1 "ko2kext bad release" "$BIN/ko2kext" -o "$T/extbad2" "$T/bad.tar.gz"
[ ! -e "$T/extbad2/Mach.kext" ] || fail "ko2kext converted a disagreeing release"
ok "a README that disagrees with the module is refused"
