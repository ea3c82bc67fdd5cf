#!/bin/sh
# The smoke stages (ci/smoke/guest.sh) on the FreeBSD machine this runs on,
# against its running kernel (KEXT_KERNEL=freebsd), as root: the GitHub
# Actions FreeBSD job runs it inside its FreeBSD 14 and 15 VMs.
#
#   sh ci/smoke/freebsd_host.sh
#
# The kexts are converted from the system's own modules in /boot/kernel:
#   leaf:  filemon (else cuse), a module only the kernel is needed for;
#   pair:  bridgestp <- if_bridge (else netgraph <- ng_ether): the dependent's
#          MODULE_DEPEND names the other;
#   Broken.kext:   the leaf with its executable cut to 200 bytes;
#   Rollback.kext: the dependent under another identifier, with one symbol
#          name in its string table changed (same length), so our checks pass
#          but the kernel linker cannot resolve it and refuses the module after
#          the dependency was loaded: kextload must unload the dependency again.
# Each must be present and not loaded already. Exit 77 = skipped (not FreeBSD,
# not root); with CI=true or KEXT_SMOKE_REQUIRED=1 that is a failure.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
required=${KEXT_SMOKE_REQUIRED:-}
[ "${CI:-}" = true ] && required=1
kdir=${FREEBSD_MODULES:-/boot/kernel}

skip() {
	echo "smoke-freebsd: SKIP: $*"
	[ -n "$required" ] && { echo "smoke-freebsd: required here: failing" >&2; exit 1; }
	exit 77
}
die() { echo "smoke-freebsd: FAIL: $*" >&2; exit 1; }

[ "$(uname -s)" = FreeBSD ] || skip "not FreeBSD (the Linux smoke test is ci/smoke/run.sh)"
[ "$(id -u)" -eq 0 ] || skip "loading modules needs root"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to make Rollback.kext"

echo "smoke-freebsd: building the tools"
${MAKE:-gmake} -s -j2 BUILD="$BUILD" all >/dev/null
bin=$BUILD/bin
work=$BUILD/smoke-freebsd
rm -rf "$work"
mkdir -p "$work"
ext=$work/ext

usable() {	# usable MODULE: its .ko is there and it is not in the kernel yet
	[ -f "$kdir/$1.ko" ] && ! kldstat -q -m "$1" 2>/dev/null && ! kldstat -q -n "$1.ko" 2>/dev/null
}
leaf=""
for m in filemon cuse; do usable "$m" && { leaf=$m; break; }; done
dep="" topm=""
for p in bridgestp:if_bridge netgraph:ng_ether; do
	if usable "${p%%:*}" && usable "${p#*:}"; then dep=${p%%:*} topm=${p#*:}; break; fi
done
[ -n "$leaf" ] && [ -n "$dep" ] ||
	die "$kdir has none of the leaf (filemon, cuse) or pair (bridgestp/if_bridge, netgraph/ng_ether) modules unloaded"
echo "smoke-freebsd: $(uname -r): leaf $leaf, dependency $dep <- $topm"
trap 'kldunload "$topm" 2>/dev/null; kldunload "$dep" 2>/dev/null; kldunload "$leaf" 2>/dev/null; true' EXIT

"$bin/ko2kext" -q --allow-missing -o "$ext" "$kdir/$leaf.ko" "$kdir/$dep.ko" "$kdir/$topm.ko"

plist_string() {	# plist_string KEXT KEY: a <string> value of its Info.plist
	awk -v k="<key>$2</key>" 'found { sub(/^[ \t]*<string>/, ""); sub(/<\/string>.*/, ""); print; exit }
		index($0, k) { found = 1 }' "$ext/$1/Contents/Info.plist"
}
kext_of() {	# kext_of MODULE: the bundle whose executable is MODULE.ko
	for k in "$ext"/*.kext; do
		[ "$(plist_string "${k##*/}" CFBundleExecutable)" = "$1.ko" ] && { echo "${k##*/}"; return; }
	done
}
edit() {	# edit FILE SED-SCRIPT: sed in place, portably
	sed "$2" "$1" >"$work/edit.tmp" && cat "$work/edit.tmp" >"$1" && rm -f "$work/edit.tmp"
}
KS_LEAF=$(kext_of "$leaf") KS_DEP=$(kext_of "$dep") KS_TOP=$(kext_of "$topm")
[ -n "$KS_LEAF" ] && [ -n "$KS_DEP" ] && [ -n "$KS_TOP" ] || die "ko2kext did not make the three kexts"
KS_LEAF_ID=$(plist_string "$KS_LEAF" CFBundleIdentifier)
KS_DEP_ID=$(plist_string "$KS_DEP" CFBundleIdentifier)
KS_TOP_ID=$(plist_string "$KS_TOP" CFBundleIdentifier)
grep -q "<key>$KS_DEP_ID</key>" "$ext/$KS_TOP/Contents/Info.plist" ||
	die "$KS_TOP does not list $KS_DEP_ID in OSBundleLibraries"

KS_BROKEN=Broken.kext
cp -R "$ext/$KS_LEAF" "$ext/$KS_BROKEN"
edit "$ext/$KS_BROKEN/Contents/Info.plist" "s|<string>$KS_LEAF_ID</string>|<string>$KS_LEAF_ID.broken</string>|"
head -c 200 "$kdir/$leaf.ko" >"$ext/$KS_BROKEN/Contents/MacOS/$leaf.ko"

KS_ROLLBACK=Rollback.kext
cp -R "$ext/$KS_TOP" "$ext/$KS_ROLLBACK"
edit "$ext/$KS_ROLLBACK/Contents/Info.plist" "s|<string>$KS_TOP_ID</string>|<string>$KS_TOP_ID.rollback</string>|"
# The first undefined symbol the dependent takes from its dependency, renamed.
python3 - "$kdir/$dep.ko" "$ext/$KS_ROLLBACK/Contents/MacOS/$topm.ko" <<'PY' ||
import struct, sys

def symbols(data):
    """(name, defined) of every symbol of an ELF64 little-endian object."""
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
    secs = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    for s in secs:
        if s[1] != 2:                       # SHT_SYMTAB
            continue
        strtab = secs[s[6]]
        for at in range(s[4], s[4] + s[5], 24):
            name, info, other, shndx = struct.unpack_from('<IBBH', data, at)
            end = data.index(b'\0', strtab[4] + name)
            yield data[strtab[4] + name:end], shndx != 0, strtab[4] + name
    return

dep = open(sys.argv[1], 'rb').read()
top = bytearray(open(sys.argv[2], 'rb').read())
exported = {n for n, defined, _ in symbols(dep) if defined and n}
for name, defined, at in symbols(bytes(top)):
    if not defined and name in exported:
        top[at + len(name) - 1] = ord('X') if name[-1:] != b'X' else ord('Y')
        open(sys.argv[2], 'wb').write(top)
        print('smoke-freebsd: Rollback.kext: symbol %s renamed' % name.decode())
        sys.exit(0)
sys.exit('no symbol of the dependency found in the dependent')
PY
	die "could not make Rollback.kext"

# Owned by root:wheel, no group or other write: kextload authenticates.
chown -R 0:0 "$ext"
chmod -R go-w "$ext"

export KS_OS=FreeBSD KS_EXT="$ext" KS_LEAF KS_LEAF_ID KS_DEP KS_DEP_ID KS_TOP KS_TOP_ID \
    KS_BROKEN KS_ROLLBACK KS_FOREIGN=""
export KS_LEAF_MOD="$leaf" KS_DEP_MOD="$dep" KS_TOP_MOD="$topm"
export KEXT_KERNEL=freebsd PATH="$bin:$PATH"
log=$work/stages.log
set +e
sh ci/smoke/guest.sh >"$log" 2>&1
rc=$?
set -e
cat "$log"
ok=$(grep -c '^SMOKE-OK ' "$log" || true)
grep -q '^SMOKE-DONE' "$log" || die "the stages did not finish"
[ "$ok" -eq 9 ] || die "$ok stages passed, 9 expected"
[ "$rc" -eq 0 ] || die "guest.sh exited $rc"
echo "smoke-freebsd: $(uname -r): $ok passed, 0 failed"
