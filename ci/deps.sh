#!/bin/sh
# Installs the Debian packages the build and the tests need, when any is missing.
# Usage: ci/deps.sh [--smoke] [--newlibs]   (--smoke adds what the VM smoke test
# needs, --newlibs what ci/newlibs.sh needs to make its Debian unstable chroot)
set -eu

pkgs="build-essential pkg-config clang lld libclang-rt-14-dev valgrind file
libplist-dev libxml2-dev libbsd-dev libarchive-dev libcmocka-dev zstd xz-utils python3
bc strace kmod time"
for a in "$@"; do
	case $a in
	--smoke) pkgs="$pkgs qemu-system-x86 busybox-static cpio" ;;
	--newlibs) pkgs="$pkgs debootstrap" ;;
	*) echo "usage: ci/deps.sh [--smoke] [--newlibs]" >&2; exit 2 ;;
	esac
done

command -v dpkg-query >/dev/null 2>&1 || { echo "deps: not a Debian system; install: $pkgs" >&2; exit 0; }

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
