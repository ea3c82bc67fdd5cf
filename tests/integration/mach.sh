# The whole Mach path, once with each mach.ko stand-in (test fixtures, never
# installed):
#   upstream    tests/fixtures/fx_mach.c: freebsd-launchd's mach.ko, which
#               declares no MODULE_VERSION
#   downstream  tests/fixtures/fx_mach_v1.c: the same plus MODULE_VERSION(mach, 1)
# make extensions from MACH_KO and from MACH_RELEASE (tarballs laid out the way
# freebsd-launchd publishes them), make install DESTDIR, kextboot and its
# loader.conf fragment, kextload, kextstat -b, kextunload's EBUSY refusal, and
# a kernel of another major refused with the reason. Then a module that
# depends on mach version 1: it loads after the downstream mach and is refused,
# before any kernel call, with the upstream one.
. "$(dirname "$0")/lib.sh"
need_fixtures
# GNU make: make check passes its own as MAKE; gmake where make is BSD make.
MAKE=${MAKE:-$(command -v gmake || echo make)}
command -v "${MAKE%% *}" >/dev/null 2>&1 || skip "no GNU make ($MAKE)"
top=$(cd "$(dirname "$0")/../.." && pwd)
MACH=org.freebsd-launchd.kext.Mach
USER=org.freebsd.kmod.fx_machuser
mk() {
	$MAKE -s -C "$top" BUILD="$BUILD" FREEBSD_VERSION=1500068 "$@"
}
loaded() {	# identifiers kextstat lists, in load order
	"$BIN/kextstat" -l -k | sed -n 's/.* \([^ ]*\) (.*/\1/p' | tr '\n' ' '
}

# release TARBALL KO BUILT_ON: what pkgdemon/freebsd-launchd-mach's build.sh
# (step 12) packs: boot/kernel/mach.ko and this README, FreeBSD 15.0 amd64.
release() {
	d=$T/relsrc
	rm -rf "$d"
	mkdir -p "$d/boot/kernel"
	cp "$2" "$d/boot/kernel/mach.ko"
	cat >"$d/README" <<EOF
mach.ko — out-of-tree FreeBSD Mach IPC kernel module.

Built against: FreeBSD 15.0 (amd64)
Built on:      $3

Install:
  tar -xJf mach.ko-FreeBSD-15.0-amd64.tar.gz -C /
  echo 'mach_load="YES"' >> /boot/loader.conf
  # reboot, or kldload mach
EOF
	(cd "$d" && tar -czf "$1" boot README)
}

# mach_path NAME KO VERSION DATED UNDATED: VERSION is Mach.kext's CFBundleVersion
# from MACH_KO, DATED and UNDATED the one from each release tarball.
mach_path() {
	name=$1 ko=$2 mversion=$3 dated=$4 undated=$5
	root=$T/$name/root
	sys=$root/System/Library/Extensions
	info=$sys/Mach.kext/Contents/Info.plist

	expect 0 "$name: make install" mk EXT_DIR="$T/$name/ext" MACH_KO="$ko" DESTDIR="$root" \
	    install-extensions
	cmp -s "$ko" "$sys/Mach.kext/Contents/MacOS/mach.ko" || fail "$name: mach.ko not copied as is"
	[ "$(plist_value "$info" CFBundleIdentifier)" = $MACH ] || fail "$name: identifier"
	[ "$(plist_value "$info" CFBundleVersion)" = "$mversion" ] ||
		fail "$name: CFBundleVersion $(plist_value "$info" CFBundleVersion), expected $mversion"
	[ "$(plist_value "$info" OSBundleCompatibleVersion)" = "$compat" ] ||
		fail "$name: OSBundleCompatibleVersion $(plist_value "$info" OSBundleCompatibleVersion)"
	[ "$(plist_value "$info" OSBundleRequired)" = Root ] || fail "$name: OSBundleRequired"
	new_sim 1500068 "$name.util"
	expect 0 "$name: kextutil" "$BIN/kextutil" -n -t -e -r "$sys" "$sys/Mach.kext"
	hasnt "$T/out" "Failures" "$name: Mach.kext validates"
	ok "$name: make extensions MACH_KO=, make install DESTDIR=: Mach $mversion, compatible $compat"

	release "$T/$name/mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz" "$ko" 2026-01-14T23:58:02Z
	expect 0 "$name: release" mk EXT_DIR="$T/$name/rel" \
	    MACH_RELEASE="$T/$name/mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz" extensions
	rinfo=$T/$name/rel/Mach.kext/Contents/Info.plist
	[ "$(plist_value "$rinfo" CFBundleVersion)" = "$dated" ] ||
		fail "$name: release version $(plist_value "$rinfo" CFBundleVersion), expected $dated"
	[ "$(plist_value "$rinfo" FreeBSDReleaseArchive)" = \
	    mach.ko-FreeBSD-15.0-amd64-20260115.tar.gz ] || fail "$name: release archive"
	[ "$(plist_value "$rinfo" FreeBSDReleaseBuiltAgainst)" = 15.0 ] || fail "$name: built against"
	[ "$(plist_value "$rinfo" FreeBSDReleaseArchitecture)" = amd64 ] || fail "$name: architecture"
	[ "$(plist_value "$rinfo" FreeBSDReleaseBuiltOn)" = 2026-01-14T23:58:02Z ] ||
		fail "$name: built on"
	[ "$(plist_value "$rinfo" FreeBSDReleaseDate)" = 20260115 ] || fail "$name: release date"
	release "$T/$name/mach.ko-FreeBSD-15.0-amd64.tar.gz" "$ko" 2026-01-14T23:58:02Z
	expect 0 "$name: CI artifact" mk EXT_DIR="$T/$name/ci" \
	    MACH_RELEASE="$T/$name/mach.ko-FreeBSD-15.0-amd64.tar.gz" extensions
	[ "$(plist_value "$T/$name/ci/Mach.kext/Contents/Info.plist" CFBundleVersion)" = \
	    "$undated" ] || fail "$name: undated release version"
	ok "$name: make extensions MACH_RELEASE=: Mach $dated (published), $undated (CI artifact)"

	# kextboot loads it; its loader.conf fragment preloads it from the bundle.
	new_sim 1500068 "$name.boot"
	expect 0 "$name: kextboot" "$BIN/kextboot" --root "$root"
	has "$T/out" "Loaded $MACH ($mversion)" "$name: kextboot loads Mach"
	[ "$(loaded)" = "$MACH " ] || fail "$name: loaded $(loaded)"
	expect 0 "$name: loader.conf" "$BIN/kextboot" --loader-conf --root "$root"
	has "$T/out" "# $MACH $mversion (Root)" "$name: fragment names Mach"
	has "$T/out" 'mach_load="YES"' "$name: mach_load"
	has "$T/out" 'mach_name="/System/Library/Extensions/Mach.kext/Contents/MacOS/mach.ko"' \
	    "$name: mach_name"
	ok "$name: kextboot and its loader.conf fragment"

	# kextload, kextstat -b, and kextunload refused by mach's EBUSY.
	new_sim 1500068 "$name.load"
	expect 0 "$name: kextload" "$BIN/kextload" -r "$sys" "$sys/Mach.kext"
	has "$T/out" "Loaded $MACH ($mversion) from $sys/Mach.kext, id 2." "$name: Mach loaded"
	expect 0 "$name: kextstat" "$BIN/kextstat" -l -files -b $MACH
	has "$T/out" "$MACH ($mversion)" "$name: kextstat names Mach"
	has "$T/out" "[mach.ko: mach]" "$name: kextstat shows the module"
	echo mach >"$T/kernel$name.load/refuse-unload"
	expect 3 "$name: kextunload" "$BIN/kextunload" "$sys/Mach.kext"
	has "$T/err" "refused to unload" "$name: EBUSY said plainly"
	[ "$(loaded)" = "$MACH " ] || fail "$name: Mach must stay loaded: $(loaded)"
	ok "$name: kextload, kextstat -b, kextunload refused with EBUSY"

	# A kernel of another major: refused before any kernel call, naming both.
	new_sim 1402000 "$name.old"
	expect 71 "$name: other major" "$BIN/kextload" -r "$sys" "$sys/Mach.kext"
	has "$T/err" "built for FreeBSD kernel 1500068 (accepts 1500068..1599999), but the running kernel is 1402000" \
	    "$name: both versions named"
	[ -z "$(loaded)" ] || fail "$name: nothing may load: $(loaded)"
	ok "$name: refused on FreeBSD 14"
}

compat=0 mach_path upstream "$FX/amd64/fx_mach.ko" 0 2026.1.15 2026.1.14
compat=1 mach_path downstream "$FX/amd64/fx_mach_v1.ko" 1 1 1

# MACH_VERSION names the version of a mach.ko without MODULE_VERSION ...
expect 0 "MACH_VERSION" mk EXT_DIR="$T/mv" MACH_KO="$FX/amd64/fx_mach.ko" MACH_VERSION=2026.2.1 \
    extensions
[ "$(plist_value "$T/mv/Mach.kext/Contents/Info.plist" CFBundleVersion)" = 2026.2.1 ] ||
	fail "MACH_VERSION ignored"
[ "$(plist_value "$T/mv/Mach.kext/Contents/Info.plist" OSBundleCompatibleVersion)" = 2026.2.1 ] ||
	fail "compatible version must follow MACH_VERSION"
# ... and only of one: a mach.ko with MODULE_VERSION has its own; a bad one is refused.
expect 2 "MACH_VERSION with MODULE_VERSION" mk EXT_DIR="$T/mv1" MACH_KO="$FX/amd64/fx_mach_v1.ko" \
    MACH_VERSION=2 extensions
has "$T/err" "declares MODULE_VERSION(mach, 1), which is Mach.kext's version" "versioned mach said"
expect 2 "bad MACH_VERSION" mk EXT_DIR="$T/mv2" MACH_KO="$FX/amd64/fx_mach.ko" MACH_VERSION=1.2.3.4 \
    extensions
has "$T/err" "MACH_VERSION='1.2.3.4' cannot be Mach.kext's version" "bad MACH_VERSION named"
has "$T/err" "CFBundleVersion - expected a version string" "key named"
[ ! -e "$T/mv1/Mach.kext" ] && [ ! -e "$T/mv2/Mach.kext" ] || fail "Mach.kext built anyway"
ok "MACH_VERSION for a mach.ko without MODULE_VERSION only"

# A module that depends on mach 1: with the downstream mach it loads, Mach first.
down=$T/downstream/root/System/Library/Extensions
up=$T/upstream/root/System/Library/Extensions
expect 0 "convert user" "$BIN/ko2kext" -q -o "$T/user" -r "$down" "$FX/amd64/fx_machuser.ko"
[ "$(plist_value "$T/user/Fx_machuser.kext/Contents/Info.plist" $MACH)" = 1 ] ||
	fail "fx_machuser must list $MACH 1"
new_sim 1500068 user
expect 0 "load user" "$BIN/kextload" -r "$down" "$T/user/Fx_machuser.kext"
[ "$(loaded)" = "$MACH $USER " ] || fail "Mach must load first: $(loaded)"
echo mach >"$T/kerneluser/refuse-unload"
expect 3 "unload Mach under its user" "$BIN/kextunload" "$down/Mach.kext"
has "$T/err" "$USER" "dependent named"
ok "a module depending on mach 1 loads after the downstream Mach"

# With upstream's mach nothing provides mach 1: ko2kext says so ...
expect 1 "convert user against upstream" "$BIN/ko2kext" -q -o "$T/user2" -r "$up" \
    "$FX/amd64/fx_machuser.ko"
has "$T/err" "provides mach (version 1, accepted 1..1; $MACH registers module mach without MODULE_VERSION" \
    "ko2kext names mach 1 and why Mach.kext does not provide it"
# ... and kextload and kextutil refuse before any kernel call, naming both
# modules and the missing version, whether Mach is loaded or in the same load.
expect 0 "convert anyway" "$BIN/ko2kext" -q -o "$T/user2" --allow-missing "$FX/amd64/fx_machuser.ko"
new_sim 1500068 up
expect 0 "load upstream Mach" "$BIN/kextload" -q -r "$up" "$up/Mach.kext"
for tool in "kextload 71" "kextutil 4 -n"; do
	set -- $tool
	expect "$2" "$1 user" "$BIN/$1" ${3:-} -r "$up" "$T/user2/Fx_machuser.kext"
	has "$T/err" "module machuser depends on mach version 1 (MODULE_DEPEND accepts 1..1)" \
	    "$1: both modules and the version"
	has "$T/err" "declares module mach without MODULE_VERSION" "$1: the reason"
done
[ "$(loaded)" = "$MACH " ] || fail "nothing more may load: $(loaded)"
cat >"$T/libs.plist" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>OSBundleLibraries</key><dict>
<key>org.freebsd.kernel</key><string>15.0.68</string>
<key>$MACH</key><string>0</string>
</dict></dict></plist>
EOF
expect 0 "convert with Mach listed" "$BIN/ko2kext" -q -o "$T/user3" --allow-missing -m "$T/libs.plist" \
    "$FX/amd64/fx_machuser.ko"
new_sim 1500068 up2
expect 71 "user and Mach in one load" "$BIN/kextload" -r "$up" "$T/user3/Fx_machuser.kext"
has "$T/err" "module machuser depends on mach version 1" "in one load: both named"
has "$T/err" "($up/Mach.kext/Contents/MacOS/mach.ko, in this load) declares module mach without MODULE_VERSION" \
    "in one load: the provider named"
[ -z "$(loaded)" ] || fail "nothing may load: $(loaded)"
ok "a module depending on mach 1 is refused with upstream's mach, naming both"

# A mach of another version: refused the same way, naming the version it has.
expect 0 "mach 2" mk EXT_DIR="$T/v2" MACH_KO="$FX/amd64/fx_mach_v2.ko" extensions
[ "$(plist_value "$T/v2/Mach.kext/Contents/Info.plist" CFBundleVersion)" = 2 ] || fail "mach 2 version"
new_sim 1500068 v2
expect 0 "load mach 2" "$BIN/kextload" -q "$T/v2/Mach.kext"
expect 71 "user on mach 2" "$BIN/kextload" -r "$T/v2" "$T/user2/Fx_machuser.kext"
has "$T/err" "module machuser depends on mach version 1 (MODULE_DEPEND accepts 1..1), but $MACH" \
    "mach 2: both named"
has "$T/err" "provides mach version 2; the kernel would refuse this load" "mach 2: its version named"
[ "$(loaded)" = "$MACH " ] || fail "nothing more may load: $(loaded)"
ok "a module depending on mach 1 is refused with a mach of version 2, naming it"
