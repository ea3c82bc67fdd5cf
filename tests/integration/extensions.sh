# The shipped bundles (Extensions/): make extensions / install-extensions into a
# test root, the checks on MACH_KO and MACH_RELEASE, and the validation of every
# bundle built. The Mach path through the kernel, with both mach.ko stand-ins,
# is mach.sh.
. "$(dirname "$0")/lib.sh"
need_fixtures
# GNU make: make check passes its own as MAKE; gmake where make is BSD make.
MAKE=${MAKE:-$(command -v gmake || echo make)}
command -v "${MAKE%% *}" >/dev/null 2>&1 || skip "no GNU make ($MAKE)"
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$T/root
sys=$root/System/Library/Extensions
MACH=org.freebsd-launchd.kext.Mach
cp "$FX/amd64/fx_mach.ko" "$T/mach.ko"	# upstream's stand-in, for this test only
mk() {
	$MAKE -s -C "$top" BUILD="$BUILD" FREEBSD_VERSION=1500068 "$@"
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
[ "$(plist_value "$info" CFBundleVersion)" = 0 ] || fail "Mach version (no MODULE_VERSION)"
[ "$(plist_value "$info" OSBundleCompatibleVersion)" = 0 ] || fail "Mach compatible version"
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

# A kernel kext template kextload would refuse fails the build, naming the key.
cp -R "$top/Extensions" "$T/Extensions"
edit "$T/Extensions/Kernel.kext/Info.plist.in" 's/@COMPAT@/99.0/'
expect 1 "bad kernel kext" env FREEBSD_VERSION=1500068 "$T/Extensions/build.sh" \
    "$BUILD/bin/ko2kext" "$T/extk"
has "$T/err" "Kernel.kext (FREEBSD_VERSION=1500068) would be refused by kextload" "kernel kext named"
has "$T/err" "OSBundleCompatibleVersion - expected at most CFBundleVersion 15.0.68" "key named"
[ ! -e "$T/extk/Kernel.kext" ] || fail "an invalid Kernel.kext was built"
ok "an invalid kernel kext is never built"

# freebsd-launchd's release tarball (pkgdemon/freebsd-launchd-mach build.sh
# step 12): boot/kernel/mach.ko and a README saying what it was built against.
readme() {	# readme DIR AGAINST
	cat >"$1/README" <<EOF
mach.ko — out-of-tree FreeBSD Mach IPC kernel module.

Built against: $2
Built on:      2026-01-14T23:58:02Z

Install:
  tar -xJf mach.ko-FreeBSD-15.0-amd64.tar.gz -C /
  echo 'mach_load="YES"' >> /boot/loader.conf
  # reboot, or kldload mach
EOF
}
rel=$T/rel
mkdir -p "$rel/boot/kernel" && cp "$T/mach.ko" "$rel/boot/kernel/mach.ko"
readme "$rel" "FreeBSD 15.0 (amd64)"
tar -C "$rel" -czf "$T/mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz" boot README
expect 0 "release" mk EXT_DIR="$T/extrel" \
    MACH_RELEASE="$T/mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz" extensions
info=$T/extrel/Mach.kext/Contents/Info.plist
[ "$(plist_value "$info" FreeBSDReleaseBuiltAgainst)" = 15.0 ] || fail "release FreeBSD version"
[ "$(plist_value "$info" FreeBSDReleaseArchitecture)" = amd64 ] || fail "release architecture"
[ "$(plist_value "$info" FreeBSDReleaseBuiltOn)" = 2026-01-14T23:58:02Z ] || fail "built on"
[ "$(plist_value "$info" FreeBSDReleaseArchive)" = mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz ] ||
	fail "release archive"
[ "$(plist_value "$info" CFBundleVersion)" = 2026.1.15 ] || fail "release version"
[ "$(plist_value "$info" CFBundleIdentifier)" = $MACH ] || fail "release identifier"
ok "MACH_RELEASE records the README's provenance and versions Mach by the release date"

# A README or a name from another build is an error naming both sides.
readme "$rel" "FreeBSD 15.1 (amd64)"
tar -C "$rel" -czf "$T/bad.tar.gz" boot README
expect 2 "README of another version" mk EXT_DIR="$T/extbad" MACH_RELEASE="$T/bad.tar.gz" extensions
has "$T/err" "$T/bad.tar.gz:README says the module was built against FreeBSD 15.1, but" "README named"
has "$T/err" "depends on kernel 1500068 (FreeBSD 15.0, accepts 1500068..1599999)" "module named"
readme "$rel" "FreeBSD 15.0 (arm64)"
tar -C "$rel" -czf "$T/bad.tar.gz" boot README
expect 2 "README of another arch" mk EXT_DIR="$T/extbad" MACH_RELEASE="$T/bad.tar.gz" extensions
has "$T/err" "README says the module was built for arm64, but" "arch named"
readme "$rel" "FreeBSD 15.0 (amd64)"
tar -C "$rel" -czf "$T/mach.ko-FreeBSD-14.2-amd64.tar.gz" boot README
expect 2 "name of another build" mk EXT_DIR="$T/extbad" \
    MACH_RELEASE="$T/mach.ko-FreeBSD-14.2-amd64.tar.gz" extensions
has "$T/err" "the name says FreeBSD 14.2 (amd64), but" "name named"
readme "$rel" "15.0 amd64"
tar -C "$rel" -czf "$T/bad.tar.gz" boot README
expect 2 "bad Built against" mk EXT_DIR="$T/extbad" MACH_RELEASE="$T/bad.tar.gz" extensions
has "$T/err" 'Built against - expected "FreeBSD <version> (<arch>)"' "field named"
readme "$rel" "FreeBSD 15.0 (amd64)"
edit "$rel/README" 's/2026-01-14T23:58:02Z/2026-01-14 23:58/'
tar -C "$rel" -czf "$T/bad.tar.gz" boot README
expect 2 "bad Built on" mk EXT_DIR="$T/extbad" MACH_RELEASE="$T/bad.tar.gz" extensions
has "$T/err" 'Built on - expected a UTC time such as 2026-01-15T12:34:56Z, found "2026-01-14 23:58"' \
    "Built on named"
[ ! -e "$T/extbad/Mach.kext" ] || fail "Mach.kext built from a disagreeing release"
expect 1 "ko2kext bad release" "$BIN/ko2kext" -o "$T/extbad2" "$T/mach.ko-FreeBSD-14.2-amd64.tar.gz"
[ ! -e "$T/extbad2/Mach.kext" ] || fail "ko2kext converted a disagreeing release"
ok "a README or a name that disagrees with the module is refused"
