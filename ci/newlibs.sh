#!/bin/sh
# Builds and tests the tree against Debian unstable: its newest gcc and clang,
# libplist, libxml2, libarchive, cmocka and glibc, so an API change in one of
# them fails here before it fails a user. Run by .ci/run; needs root.
#
#   sh ci/newlibs.sh
#
# 1. A Debian unstable chroot is made with debootstrap under $BUILD/newlibs/,
#    from the Debian mirror this machine's own APT sources name (its own
#    sources list, inside the chroot; the host is never upgraded). It is kept
#    for later runs, upgraded when a week old, and made again when the
#    package list below changes or NEWLIBS_REFRESH=1 is set.
# 2. Inside it, with the tree bind-mounted at /w/src (../shared at /w/shared):
#    - gcc: make check (every unit and integration test);
#    - clang: every file built warning-free, then every unit test program
#      (the integration tests drive the gcc-built tools);
#    - include what you use: libbsd is not installed there, so no file can
#      lean on its overlay headers (glibc >= 2.38 has strlcpy/strlcat, and the
#      Makefile asks libbsd for nothing); then every C file is compiled again,
#      syntax only, against a second C library's headers (musl), which pull in
#      far fewer headers by themselves than glibc's do.
#
# Environment: BUILD (default build), NEWLIBS_SUITE (default unstable),
# NEWLIBS_MIRROR (default: the host's Debian mirror), NEWLIBS_REFRESH=1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
suite=${NEWLIBS_SUITE:-unstable}
base=$BUILD/newlibs
root=$base/$suite
out=$base/out
shared=$top/../shared

# What the build and the tests need (ci/deps.sh's list without libbsd-dev and
# the smoke test's VM), and musl for the second-libc pass.
pkgs="build-essential pkg-config clang lld libclang-rt-dev valgrind file
libplist-dev libxml2-dev libarchive-dev libcmocka-dev zstd xz-utils python3
bc strace time musl-dev musl-tools"
pkgs=$(echo $pkgs)

say() { echo "newlibs: $*"; }
die() { echo "newlibs: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
for tool in debootstrap unshare chroot; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found (Debian: apt-get install debootstrap util-linux)"
done

# The host's Debian mirror: the first APT source whose path is /debian.
host_mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n'
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' "$f"
	done
}

if [ -n "${NEWLIBS_REFRESH:-}" ] || [ "$(cat "$root/.newlibs-pkgs" 2>/dev/null)" != "$pkgs" ]; then
	mirror=${NEWLIBS_MIRROR:-$(host_mirror | grep -E '^https?://[^ ]*/debian/?$' | head -n 1)}
	[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*; set NEWLIBS_MIRROR"
	say "making a Debian $suite chroot in $root from $mirror"
	rm -rf "$root" "$root.new"
	mkdir -p "$base"
	debootstrap --variant=minbase "$suite" "$root.new" "$mirror" >"$base/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$base/debootstrap.log" >&2; die "debootstrap $suite failed"; }
	# A mirror that serves a fixed snapshot has a Release file past its
	# Valid-Until date; its signature is still checked.
	echo 'Acquire::Check-Valid-Until "false";' >"$root.new/etc/apt/apt.conf.d/80newlibs"
	mv "$root.new" "$root"
	fresh=1
else
	fresh=""
fi

# inside CMD: runs CMD with sh in the chroot, in /w/src, in a private mount
# namespace (the mounts go away with it).
inside() {
	mkdir -p "$root/w/src" "$root/w/shared" "$root/w/out" "$out"
	unshare --mount --propagation private --fork sh -ec '
		r=$1 top=$2 shared=$3 out=$4 cmd=$5
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --bind "$top" "$r/w/src"
		[ -d "$shared" ] && mount -o bind,ro "$shared" "$r/w/shared"
		mount --bind "$out" "$r/w/out"
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		    LANG=C.UTF-8 CI="${CI:-}" /bin/sh -ec "cd /w/src; $cmd"
	' newlibs "$root" "$top" "$shared" "$out" "$1"
}

if [ -z "$fresh" ] && [ -n "$(find "$root/.newlibs-pkgs" -mtime +6 2>/dev/null)" ]; then
	say "the chroot is a week old: upgrading it"
	inside "export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get dist-upgrade -y -qq >/dev/null" || die "apt-get dist-upgrade in the $suite chroot failed"
	touch "$root/.newlibs-pkgs"
fi
if [ -n "$fresh" ]; then
	say "installing: $pkgs"
	inside "export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $pkgs >/dev/null" ||
		die "apt-get install in the $suite chroot failed"
	echo "$pkgs" >"$root/.newlibs-pkgs"
fi

inside 'for p in libplist-2.0 libxml-2.0 libarchive cmocka; do
		printf "%s %s, " "$p" "$(pkg-config --modversion "$p")"
	done
	printf "glibc %s\n%s\n%s\n" "$(ldd --version | sed -n "1s/.* //p")" \
	    "$(gcc --version | head -n 1)" "$(clang --version | head -n 1)"'
inside '! dpkg-query -W libbsd-dev >/dev/null 2>&1' ||
	die "libbsd-dev is installed in the chroot: the include check would prove nothing"

start=$(date +%s)
say "gcc: make check"
inside 'make -s -j2 BUILD=/w/out/gcc LIBBSD=no check'
say "clang: build, then every unit test program"
inside 'make -s -j2 CC=clang BUILD=/w/out/clang LIBBSD=no all
	export KEXT_CORPUS=/w/shared/corpus KEXT_FIXTURES=/w/out/gcc/fixtures
	n=0
	for t in /w/out/clang/tests/test_*; do
		"$t" >/w/out/clang/unit.log 2>&1 || { cat /w/out/clang/unit.log; exit 1; }
		n=$((n + 1))
	done
	echo "newlibs: clang: $n unit test programs passed"'
say "musl: every C file, syntax only"
inside 'inc=/w/out/musl-include
	rm -rf "$inc" && mkdir -p "$inc"
	# the libraries'"'"' headers alone, without the glibc headers beside them
	ln -s /usr/include/plist "$inc/plist"
	ln -s /usr/include/libxml2/libxml "$inc/libxml"
	for h in archive.h archive_entry.h cmocka.h; do ln -s "/usr/include/$h" "$inc/$h"; done
	# and the Linux kernel'"'"'s own headers (linux/, asm/), which belong to no libc
	ln -s /usr/include/linux "$inc/linux"
	ln -s /usr/include/asm-generic "$inc/asm-generic"
	ln -s "/usr/include/$(gcc -dumpmachine)/asm" "$inc/asm"
	v=$(pkg-config --modversion libplist-2.0 | awk -F. "{ print \$1 * 10000 + \$2 * 100 + \$3 }")
	n=0
	for f in CoreFoundation-lite/src/*.c kext_tools/*.c kext_tools/lib/*/*.c converter/*.c \
	    tests/unit/*.c tests/bench/*.c tests/fuzz/*.c; do
		extra=""	# what the Makefile adds for these files
		case $f in
		tests/fuzz/*) extra=-Iconverter ;;
		*/cflite_libxml_load.c) extra=-DCFLITE_LIBXML2_SONAME=\"libxml2.so\" ;;
		esac
		musl-gcc $extra -fsyntax-only -std=c17 -Wall -Wextra -Werror -Wno-unused-parameter \
		    -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DKEXT_LIBPLIST_VERSION="$v" \
		    -ICoreFoundation-lite/include -Ikext_tools/include -Itests/unit -I"$inc" "$f"
		n=$((n + 1))
	done
	echo "newlibs: musl: $n files compile"'
say "done in $(($(date +%s) - start)) s"
