#!/bin/sh
# The smoke stages, run inside the VM (Linux: from the initramfs /init;
# FreeBSD image mode: sent over the serial console). Never run with -x: the
# markers must only come from output, never from an echoed command line.
#
# Settings (environment): KS_EXT (directory of the kexts), KS_LEAF, KS_LEAF_MOD
# (the leaf kext and its kernel module name), KS_DEP, KS_DEP_MOD (the dependency),
# KS_TOP, KS_TOP_MOD (the kext that depends on it), KS_BROKEN (a kext with a
# damaged executable), KS_ROLLBACK (a kext depending on KS_DEP whose own module
# the kernel refuses), KS_FOREIGN (optional: a kext built for another OS),
# KS_NIC, KS_NIC_MOD, KS_NIC_ID (optional, Linux: the e1000 kext, whose
# device QEMU emulates), KS_OS (Linux or FreeBSD).
set -u
PATH=/usr/sbin:/sbin:/bin:/usr/bin:$PATH
pass=0
fail=0
out=/tmp/ks.out

mark() {	# mark OK|FAIL stage [detail]
	printf '%s-%s %s%s\n' SMOKE "$1" "$2" "${3:+: $3}"
	if [ "$1" = OK ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

loaded() {	# loaded MODULE: is it in the kernel?
	if [ "$KS_OS" = Linux ]; then
		grep -q "^$1 " /proc/modules
	else
		kldstat -q -n "$1" 2>/dev/null || kldstat -q -m "$1" 2>/dev/null
	fi
}

run() {	# run CMD...: output to $out (shown on failure), 20 s at most
	timeout 20 "$@" >"$out" 2>&1
}

show() { sed 's/^/    | /' "$out"; }

stage() {	# stage NAME CONDITION-FUNCTION [show]: "show" prints the output on success too
	if "$2"; then mark OK "$1"; [ -n "${3:-}" ] && show; else mark FAIL "$1" "$why"; show; fi
	return 0
}

why=""
leaf_load() { why="kextload failed"; run kextload -r "$KS_EXT" "$KS_EXT/$KS_LEAF" &&
	{ why="$KS_LEAF_MOD not in the kernel"; loaded "$KS_LEAF_MOD"; }; }
leaf_stat() { why="kextstat does not list $KS_LEAF"; run kextstat &&
	grep -q "$KS_LEAF_ID" "$out"; }
leaf_unload() { why="kextunload failed"; run kextunload "$KS_EXT/$KS_LEAF"; }
leaf_gone() { why="$KS_LEAF_MOD still loaded"; ! loaded "$KS_LEAF_MOD" &&
	{ why="kextstat still lists it"; run kextstat && ! grep -q "$KS_LEAF_ID" "$out"; }; }
dep_first() {
	why="kextload of $KS_TOP failed"
	run kextload -v -r "$KS_EXT" "$KS_EXT/$KS_TOP" || return 1
	why="$KS_DEP_MOD and $KS_TOP_MOD are not both loaded"
	loaded "$KS_DEP_MOD" && loaded "$KS_TOP_MOD" || return 1
	# kextstat lists by file id, ids grow with load order: the dependency comes first
	why="kextstat does not show $KS_DEP_ID loaded before $KS_TOP_ID"
	run kextstat || return 1
	d=$(grep -n "$KS_DEP_ID " "$out" | head -n 1 | cut -d: -f1)
	t=$(grep -n "$KS_TOP_ID " "$out" | head -n 1 | cut -d: -f1)
	[ -n "$d" ] && [ -n "$t" ] && [ "$d" -lt "$t" ]
}
dep_refused() {
	why="kextunload of the dependency was not refused"
	! run kextunload "$KS_EXT/$KS_DEP" || return 1
	why="the refusal does not name the dependent"
	grep -q "depend" "$out" && grep -q "$KS_TOP_ID" "$out" || return 1
	why="the dependency is gone"
	loaded "$KS_DEP_MOD"
}
dep_unload() {
	why="kextunload of $KS_TOP then $KS_DEP failed"
	run kextunload "$KS_EXT/$KS_TOP" && run kextunload "$KS_EXT/$KS_DEP" || return 1
	why="still loaded"
	! loaded "$KS_TOP_MOD" && ! loaded "$KS_DEP_MOD"
}
broken_refused() {
	why="the broken kext was loaded"
	! run kextload -r "$KS_EXT" "$KS_EXT/$KS_BROKEN" || return 1
	why="no reason given (expected 'truncated')"
	grep -q "truncated" "$out" && ! loaded "$KS_LEAF_MOD"
}
foreign_refused() {
	why="a kext for another OS was loaded"
	! run kextload -r "$KS_EXT" "$KS_EXT/$KS_FOREIGN" || return 1
	why="no reason given (expected 'the running kernel is $KS_OS')"
	grep -q "the running kernel is $KS_OS" "$out"
}
rolled_back() {
	why="the rollback kext was loaded"
	! run kextload -r "$KS_EXT" "$KS_EXT/$KS_ROLLBACK" || return 1
	why="the error does not say the dependency was rolled back"
	grep -q "rolled back: unloaded $KS_DEP_ID" "$out" || return 1
	why="$KS_DEP_MOD was left loaded"
	! loaded "$KS_DEP_MOD"
}

# QEMU's e1000 (8086:100e) as Linux lists it in sysfs.
nic_device() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x8086 ] &&
			[ "$(cat "$d/device" 2>/dev/null)" = 0x100e ] && { echo "$d"; return 0; }
	done
	return 1
}
kextd_binds() {
	why="no 8086:100e PCI device (QEMU's -device e1000)"
	dev=$(nic_device) || return 1
	why="$dev had a driver before kextd ran"
	[ ! -e "$dev/driver" ] || return 1
	why="kextd -n does not choose $KS_NIC_ID for it"
	run kextd -n -e -r "$KS_EXT" && grep -q "${dev##*/} pci:v00008086d0000100E.*: would load $KS_NIC_ID " "$out" ||
		return 1
	why="kextd failed"
	run kextd -v -e -r "$KS_EXT" || return 1
	why="$KS_NIC_MOD is not in the kernel"
	loaded "$KS_NIC_MOD" || return 1
	why="$dev is not bound to $KS_NIC_MOD"
	[ "$(basename "$(readlink "$dev/driver")")" = "$KS_NIC_MOD" ] || return 1
	echo "$dev/driver -> $(readlink "$dev/driver")" >>"$out"
}
# The daemon: the NIC's kext unloaded, kextd --daemon listening for kernel
# uevents, an "add" event replayed for the device (its sysfs uevent file).
kextd_daemon() {
	dev=$(nic_device) || { why="no 8086:100e PCI device"; return 1; }
	why="kextunload of $KS_NIC failed"
	run kextunload "$KS_EXT/$KS_NIC" || return 1
	why="$dev is still bound after the unload"
	[ ! -e "$dev/driver" ] || return 1
	: >/tmp/none
	kextd --daemon -v -e -r "$KS_EXT" --devices /tmp/none >"$out" 2>&1 &
	kd=$!
	i=0	# until it listens: kextd -v says so once its socket is bound
	while ! grep -q "waiting for devices" "$out" && [ "$i" -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
	echo add >"$dev/uevent"
	i=0	# until it says what it did (after loading: the load takes a while under TCG)
	while ! grep -q ": loaded \|: failed \|no kext matches" "$out" && [ "$i" -lt 60 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	kill "$kd" 2>/dev/null
	wait "$kd" 2>/dev/null
	why="kextd --daemon did not bind $dev after its add uevent"
	[ "$(basename "$(readlink "$dev/driver" 2>/dev/null)")" = "$KS_NIC_MOD" ] &&
		grep -q "loaded $KS_NIC_ID" "$out"
}

echo	# the console may hold a partial line: markers start lines
stage leaf-load leaf_load
stage leaf-kextstat leaf_stat show
stage leaf-unload leaf_unload
stage leaf-gone leaf_gone
stage dependency-loaded-first dep_first
stage dependency-unload-refused dep_refused show
stage dependent-then-dependency-unload dep_unload
stage broken-kext-refused broken_refused show
[ -n "${KS_FOREIGN:-}" ] && stage foreign-os-kext-refused foreign_refused show
stage transactional-rollback rolled_back show
[ -n "${KS_NIC:-}" ] && stage kextd-binds-e1000 kextd_binds show
[ -n "${KS_NIC:-}" ] && stage kextd-daemon-binds-on-uevent kextd_daemon show
printf '%s passed, %s failed\n' "$pass" "$fail"
printf '%s-%s\n' SMOKE DONE
[ "$fail" -eq 0 ]
