#!/bin/sh
# The main job, end to end: convert FreeBSD kernel modules into kexts, then
# load, list and unload them. Without a FreeBSD kernel it uses the simulated
# one (KEXT_KERNEL=sim:DIR). Installs what it needs first.
#
#   sh ci/demo.sh [MODULE.ko | DIR | PACKAGE.pkg ...]
#
# With no argument it converts the 14.2 VirtualBox package from the shared
# corpus (../shared/corpus) when it is there, and our own test modules.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh ci/deps.sh
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
echo "building into $BUILD (about a minute the first time)"
make --no-print-directory -j2 BUILD="$BUILD" all fixtures

bin=$BUILD/bin
fx=$BUILD/fixtures/amd64
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ext=$work/Extensions
corpus=${KEXT_CORPUS:-$top/../shared/corpus}
pkg=$corpus/freebsd-14.2-amd64/virtualbox-ose-kmod-6.1.50.pkg

if [ $# -gt 0 ]; then
	inputs="$*"
elif [ -f "$pkg" ]; then
	inputs="$pkg $fx/fx_base.ko $fx/fx_mid.ko"
	load="Vboxdrv.kext Fx_mid.kext"
else
	echo "(no corpus at $corpus: using our own test modules only)"
	inputs="$fx/fx_base.ko $fx/fx_mid.ko"
	load="Fx_mid.kext"
fi

# On FreeBSD the real kernel is used; elsewhere a simulated FreeBSD 14.2 kernel.
auth=""
if [ "$(uname -s)" != FreeBSD ]; then
	export KEXT_KERNEL="sim:$work/kernel"
	export KEXT_SIM_OSVERSION="${KEXT_SIM_OSVERSION:-1402000}"
	echo "kernel: simulated FreeBSD, __FreeBSD_version $KEXT_SIM_OSVERSION ($KEXT_KERNEL)"
	# Bundles made by a non-root user cannot pass authentication (root:wheel);
	# the simulated kernel lets us say so explicitly.
	[ "$(id -u)" -eq 0 ] || auth="-z"
fi
export KEXT_CACHE_DIR="$work/cache"

# shellcheck disable=SC2086 # inputs is a list
"$bin/ko2kext" -v --allow-missing -o "$ext" $inputs
cd "$ext"
[ -n "${load:-}" ] || load=$(ls -d -- *.kext)
set -x
# shellcheck disable=SC2086 # lists
"$bin/kextutil" -n -t $auth -r "$ext" $load
# shellcheck disable=SC2086
"$bin/kextload" -v $auth -r "$ext" $load
"$bin/kextstat"
# Everything loaded goes as one set; kextunload orders it dependents first.
# shellcheck disable=SC2046
"$bin/kextunload" -v $("$bin/kextstat" -l -k | awk '{ print "-b", $6 }')
"$bin/kextstat"
