#!/bin/sh
# FreeBSD image mode of the smoke test: boots FREEBSD_IMAGE (a FreeBSD disk
# image with our tools installed in PATH, a serial console, and root able to
# log in without a password) under QEMU/TCG and drives ci/smoke/guest.sh over
# the serial console: waits for the loader and login prompts, logs in as root,
# sends the settings and the stage script, and reads the SMOKE- markers back.
#
#   sh ci/smoke/freebsd.sh /path/disk.img
#
# The kexts come from the image: FREEBSD_KEXTS (default /boot/kext-smoke) must
# hold Leaf.kext, Dep.kext, Top.kext (depends on Dep.kext), Broken.kext and
# Rollback.kext, and optionally Foreign.kext (a Linux kext); their module
# names are given by FREEBSD_LEAF_MOD, FREEBSD_DEP_MOD and FREEBSD_TOP_MOD,
# their identifiers by FREEBSD_LEAF_ID, FREEBSD_DEP_ID and FREEBSD_TOP_ID.
# Timeouts: FREEBSD_BOOT_TIMEOUT (default 300 s) for the login prompt, 120 s
# for the stages.
set -eu
img=${1:?usage: freebsd.sh DISK.img}
[ -f "$img" ] || { echo "smoke-freebsd: no image at $img" >&2; exit 1; }
work=$(mktemp -d)
fifo=$work/serial
mkfifo "$fifo.in" "$fifo.out"
log=$work/console.log
boot_timeout=${FREEBSD_BOOT_TIMEOUT:-300}

timeout $((boot_timeout + 180)) qemu-system-x86_64 -accel tcg -m 1024 -nographic \
    -no-reboot -drive file="$img",format=raw,snapshot=on \
    -serial pipe:"$fifo" -monitor none >/dev/null 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null; rm -rf "$work"' EXIT
cat "$fifo.out" | tr -d '\r' >"$log" &
exec 3>"$fifo.in"

# wait_for TEXT SECONDS: until TEXT shows up on the console
wait_for() {
	n=0
	until grep -q "$1" "$log"; do
		n=$((n + 1))
		[ "$n" -gt "$2" ] && { echo "smoke-freebsd: no '$1' within $2 s" >&2; return 1; }
		sleep 1
	done
}

wait_for "login:" "$boot_timeout"
printf 'root\n' >&3
wait_for "# *$" 60 || wait_for "root@" 5
ext=${FREEBSD_KEXTS:-/boot/kext-smoke}
{
	printf 'KS_OS=FreeBSD KS_EXT=%s KS_LEAF=Leaf.kext KS_DEP=Dep.kext KS_TOP=Top.kext ' "$ext"
	printf 'KS_BROKEN=Broken.kext KS_ROLLBACK=Rollback.kext KS_FOREIGN=%s ' \
	    "$( [ -n "${FREEBSD_FOREIGN:-}" ] && echo Foreign.kext)"
	printf 'KS_LEAF_MOD=%s KS_DEP_MOD=%s KS_TOP_MOD=%s ' "${FREEBSD_LEAF_MOD:?}" \
	    "${FREEBSD_DEP_MOD:?}" "${FREEBSD_TOP_MOD:?}"
	printf 'KS_LEAF_ID=%s KS_DEP_ID=%s KS_TOP_ID=%s ' "${FREEBSD_LEAF_ID:?}" \
	    "${FREEBSD_DEP_ID:?}" "${FREEBSD_TOP_ID:?}"
	printf 'KEXT_KERNEL=freebsd sh -s <<'"'"'KS_EOF'"'"'\n'
	cat "$(dirname "$0")/guest.sh"
	printf 'KS_EOF\n'
	printf 'shutdown -p now\n'
} >&3
wait_for "^SMOKE-DONE" 120 || true
ok=$(grep -c '^SMOKE-OK ' "$log" || true)
bad=$(grep -c '^SMOKE-FAIL ' "$log" || true)
grep '^SMOKE-\|^    | ' "$log" || true
grep -q '^SMOKE-DONE' "$log" || bad=$((bad + 1))
echo "smoke: freebsd: $ok passed, $bad failed"
[ "$bad" -eq 0 ] && [ "$ok" -gt 0 ]
