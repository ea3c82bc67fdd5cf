#!/bin/sh
# Builds the bundles the project ships (make extensions) into OUTDIR:
#   Kernel.kext  always: the codeless kernel kext, its versions from
#                FREEBSD_VERSION (1500068 -> "15.0.68", compatible "15.0")
#   Mach.kext    from MACH_KO (a mach.ko) or MACH_RELEASE (a release tarball
#                mach.ko-FreeBSD-<version>-<arch>.tar.gz, whose README ko2kext
#                checks and records), with the keys of Extensions/Mach.kext/Info.plist
# Usage: build.sh KO2KEXT OUTDIR   (FREEBSD_VERSION, MACH_KO, MACH_RELEASE from the environment)
set -eu
prog=Extensions/build.sh
if [ $# -ne 2 ]; then
	echo "usage: $prog KO2KEXT OUTDIR" >&2
	exit 2
fi
ko2kext=$1 out=$2
src=$(cd "$(dirname "$0")" && pwd)
MACH_KO=${MACH_KO:-} MACH_RELEASE=${MACH_RELEASE:-}
MACH_ID=org.freebsd-launchd.kext.Mach
umask 022

die() {
	echo "$prog: $*" >&2
	exit 1
}

v=${FREEBSD_VERSION:-}
case $v in
'' | *[!0-9]*) die "FREEBSD_VERSION='$v': expected a __FreeBSD_version such as 1500068" ;;
esac
[ "$v" -ge 100000 ] && [ "$v" -le 99999999 ] ||
	die "FREEBSD_VERSION=$v: expected a __FreeBSD_version such as 1500068"
major=$((v / 100000)) minor=$((v / 1000 % 100)) patch=$((v % 1000))
version=$major.$minor
[ "$patch" -eq 0 ] || version=$version.$patch
[ -z "$MACH_KO" ] || [ -z "$MACH_RELEASE" ] || die "give MACH_KO or MACH_RELEASE, not both"

mkdir -p "$out"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/Kernel.kext/Contents"
sed -e "s/@VERSION@/$version/" -e "s/@COMPAT@/$major.0/" -e "s/@OSVERSION@/$v/" \
    "$src/Kernel.kext/Info.plist.in" >"$tmp/Kernel.kext/Contents/Info.plist"

mach=${MACH_KO:-$MACH_RELEASE}
if [ -n "$mach" ]; then
	[ -f "$mach" ] || die "$mach: no such file"
	input=$mach
	if [ -n "$MACH_KO" ]; then	# inside the bundle it is mach.ko, whatever its name here
		mkdir "$tmp/in"
		cp "$MACH_KO" "$tmp/in/mach.ko"
		input=$tmp/in/mach.ko
	fi
	# The input must hold one module file, and it must register module "mach".
	"$ko2kext" --print "$input" >"$tmp/print" 2>"$tmp/err" || die "$mach: $(cat "$tmp/err")"
	files=$(grep -c '^[^ ].*:$' "$tmp/print" || true)
	[ "$files" -eq 1 ] || die "$mach: holds $files kernel modules; expected mach.ko alone"
	grep -Eq '^  module (mach|[^ ]+ \(registered as mach\))$' "$tmp/print" ||
		die "$mach: not the mach module (it registers: $(sed -n 's/^  module //p' \
		    "$tmp/print" | tr '\n' ' ')); MACH_KO/MACH_RELEASE must be freebsd-launchd's mach.ko"
	"$ko2kext" -q -o "$tmp/mach" -i "mach=$MACH_ID" -m "$src/Mach.kext/Info.plist" \
	    "$input" 2>"$tmp/err" || die "$mach: $(cat "$tmp/err")"
	[ -d "$tmp/mach/Mach.kext" ] ||
		die "$mach: the module file in it is $(ls "$tmp/mach"), not mach.ko"
	mv "$tmp/mach/Mach.kext" "$tmp/Mach.kext"
fi

for b in "$tmp"/*.kext; do
	rm -rf "${out:?}/${b##*/}"
	mv "$b" "$out/"
	echo "built $out/${b##*/}"
done
[ -n "$mach" ] || echo "$prog: Mach.kext not built: it needs mach.ko;" \
    "make extensions MACH_KO=/path/to/mach.ko or MACH_RELEASE=/path/to/mach.ko-FreeBSD-<version>-<arch>.tar.gz" >&2
