#!/bin/sh
# Builds the bundles the project ships (make extensions) into OUTDIR:
#   Kernel.kext  always: the codeless kernel kext, its versions from
#                FREEBSD_VERSION (1500068 -> "15.0.68", compatible "15.0")
#   Mach.kext    from MACH_KO (a mach.ko) or MACH_RELEASE (a freebsd-launchd
#                release tarball, mach.ko-FreeBSD-<version>-<arch>[-<YYYYMMDD>].tar.gz,
#                whose README ko2kext checks and records), with the keys of
#                Extensions/Mach.kext/Info.plist
# Mach.kext's versions (README.md, "Extensions and boot loading"):
#   mach.ko with MODULE_VERSION(mach, N): CFBundleVersion N (ko2kext), compatible
#     back to MACH_COMPAT_VERSION (1); MACH_VERSION is refused;
#   mach.ko without it (upstream's): CFBundleVersion MACH_VERSION if given, else
#     the release's date (YYYY.M.D, ko2kext) when MACH_RELEASE states one, else 0;
#     OSBundleCompatibleVersion the same, so never above it.
# Every bundle is validated as kextload validates it before it counts as built:
# ko2kext validates Mach.kext, kextutil -n -Z the kernel kext.
# Usage: build.sh KO2KEXT OUTDIR   (FREEBSD_VERSION, MACH_KO, MACH_RELEASE,
#        MACH_VERSION from the environment; KEXTUTIL defaults to kextutil beside KO2KEXT)
set -eu
prog=Extensions/build.sh
if [ $# -ne 2 ]; then
	echo "usage: $prog KO2KEXT OUTDIR" >&2
	exit 2
fi
ko2kext=$1 out=$2
kextutil=${KEXTUTIL:-$(dirname "$ko2kext")/kextutil}
src=$(cd "$(dirname "$0")" && pwd)
MACH_KO=${MACH_KO:-} MACH_RELEASE=${MACH_RELEASE:-} MACH_VERSION=${MACH_VERSION:-}
MACH_ID=org.freebsd-launchd.kext.Mach
MACH_COMPAT_VERSION=1
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
[ -x "$kextutil" ] || die "$kextutil: not found; it validates the kernel kext (build it first)"
"$kextutil" -n -Z -e "$tmp/Kernel.kext" >"$tmp/out" 2>"$tmp/err" ||
	die "Kernel.kext (FREEBSD_VERSION=$v) would be refused by kextload: $(cat "$tmp/err")"

# The Mach keys plus name=value pairs, as a plist for ko2kext -m.
mach_plist() {
	file=$1
	shift
	awk -v extra="$*" '
	/^<\/dict>/ {
		n = split(extra, kv, " ")
		for (i = 1; i <= n; i++) {
			eq = index(kv[i], "=")
			printf "\t<key>%s</key>\n\t<string>%s</string>\n",
			    substr(kv[i], 1, eq - 1), substr(kv[i], eq + 1)
		}
	}
	{ print }' "$src/Mach.kext/Info.plist" >"$file"
}

# ko2kext with the Mach keys into DIR; a refusal names the mach file.
mach_convert() {
	"$ko2kext" -q -o "$1" -i "mach=$MACH_ID" -m "$2" "$input" 2>"$tmp/err" && return 0
	if [ -n "$MACH_VERSION" ] && grep -q CFBundleVersion "$tmp/err"; then
		die "MACH_VERSION='$MACH_VERSION' cannot be Mach.kext's version: $(cat "$tmp/err")"
	fi
	die "$mach: $(cat "$tmp/err")"
}

# CFBundleVersion of a bundle ko2kext wrote.
bundle_version() {
	awk 'found { gsub(/^[ \t]*<string>|<\/string>[ \t]*$/, ""); print; exit }
	    /<key>CFBundleVersion<\/key>/ { found = 1 }' "$1/Contents/Info.plist"
}

mach=${MACH_KO:-$MACH_RELEASE}
if [ -n "$mach" ]; then
	[ -f "$mach" ] || die "$mach: no such file"
	case $MACH_VERSION in
	*[!0-9A-Za-z.]*) die "MACH_VERSION='$MACH_VERSION': expected a kext version such as 2026.1.15" ;;
	esac
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
	# MODULE_VERSION(mach, N) shows as "interface mach.N".
	declared=$(sed -n 's/^  interface mach\.\(-*[0-9]*\)$/\1/p' "$tmp/print")
	if [ -n "$declared" ]; then
		[ -z "$MACH_VERSION" ] || die "$mach: declares MODULE_VERSION(mach, $declared), which" \
		    "is Mach.kext's version; MACH_VERSION is only for a mach.ko without one"
		mach_plist "$tmp/Mach.plist" "OSBundleCompatibleVersion=$MACH_COMPAT_VERSION"
	else
		mach_version=$MACH_VERSION
		if [ -z "$mach_version" ]; then	# the release's version, or 0: what ko2kext picks
			mach_plist "$tmp/probe.plist"
			mach_convert "$tmp/probe" "$tmp/probe.plist"
			mach_version=$(bundle_version "$tmp/probe/Mach.kext")
		fi
		mach_plist "$tmp/Mach.plist" "CFBundleVersion=$mach_version" \
		    "OSBundleCompatibleVersion=$mach_version"
	fi
	mach_convert "$tmp/mach" "$tmp/Mach.plist"
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
