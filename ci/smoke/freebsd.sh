#!/bin/sh
# FreeBSD image mode of the smoke test: boots FREEBSD_IMAGE (a FreeBSD disk
# image with our tools installed in PATH, a serial console, and root able to
# log in without a password) under QEMU/TCG and drives ci/smoke/guest.sh over
# the serial console with ci/smoke/serial.sh, the code run.sh runs against
# the Linux VM in every smoke run: waits for the login prompt, logs in as
# root whatever its shell (csh before FreeBSD 14), types the settings and
# the stage script line by line, paced by their echo, into a file the guest
# then runs, and reads the SMOKE- markers back.
#
#   sh ci/smoke/freebsd.sh /path/disk.img
#
# The kexts come from the image: FREEBSD_KEXTS (default /boot/kext-smoke) must
# hold Leaf.kext, Dep.kext, Top.kext (depends on Dep.kext), Broken.kext and
# Rollback.kext, and optionally Foreign.kext (a Linux kext); their module
# names are given by FREEBSD_LEAF_MOD, FREEBSD_DEP_MOD and FREEBSD_TOP_MOD,
# their identifiers by FREEBSD_LEAF_ID, FREEBSD_DEP_ID and FREEBSD_TOP_ID.
# Timeouts: FREEBSD_BOOT_TIMEOUT (default 300 s) for the login prompt, 300 s
# for typing and running the stages.
set -eu
img=${1:?usage: freebsd.sh DISK.img}
[ -f "$img" ] || { echo "smoke-freebsd: no image at $img" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serial.sh"
work=$(mktemp -d)
boot_timeout=${FREEBSD_BOOT_TIMEOUT:-300}
ext=${FREEBSD_KEXTS:-/boot/kext-smoke}

serial_stage_file "$work/stages" "$here/guest.sh" KEXT_KERNEL=freebsd KS_OS=FreeBSD \
    KS_EXT="$ext" KS_LEAF=Leaf.kext KS_DEP=Dep.kext KS_TOP=Top.kext KS_BROKEN=Broken.kext \
    KS_ROLLBACK=Rollback.kext \
    KS_FOREIGN="$( [ -n "${FREEBSD_FOREIGN:-}" ] && echo Foreign.kext)" \
    KS_LEAF_MOD="${FREEBSD_LEAF_MOD:?}" KS_DEP_MOD="${FREEBSD_DEP_MOD:?}" \
    KS_TOP_MOD="${FREEBSD_TOP_MOD:?}" KS_LEAF_ID="${FREEBSD_LEAF_ID:?}" \
    KS_DEP_ID="${FREEBSD_DEP_ID:?}" KS_TOP_ID="${FREEBSD_TOP_ID:?}"

serial_start "$work"
timeout $((boot_timeout + 360)) qemu-system-x86_64 -accel tcg -m 1024 -nographic \
    -no-reboot -drive file="$img",format=raw,snapshot=on \
    -serial pipe:"$work/serial" -monitor none >/dev/null 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; serial_stop; rm -rf "$work"' EXIT
serial_attach

rc=0
serial_login root "$boot_timeout" && serial_run "$work/stages" 'shutdown -p now' &&
	serial_wait '^SMOKE-DONE' 300 || rc=1
serial_tally freebsd 0 || rc=1
exit "$rc"
