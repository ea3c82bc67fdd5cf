# The file the kernel loads is the file that was authenticated (issue 16):
# while one process swaps two bundles with renameat2(RENAME_EXCHANGE) in a
# loop (as root: the folder above them is root's, so only root can), every
# load either refuses or loads the root-owned module, never the other one.
# And a folder above the bundle that others may write to fails
# authentication, naming it, so nobody else can swap anything.
. "$(dirname "$0")/lib.sh"
need_fixtures
[ "$(id -u)" -eq 0 ] || skip "authentication tests need root (to chown bundles)"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to call renameat2"
new_sim 1402000
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64/fx_base.ko"
expect 0 "kextstat" "$BIN/kextstat"
base=org.freebsd.kmod.fx_base

# Folders above the bundle: group-writable refused, root's sticky allowed.
mkdir -p "$T/up/shared" && cp -R "$ext/Fx_base.kext" "$T/up/shared/"
chmod 0775 "$T/up"
expect 77 "writable parent" "$BIN/kextload" "$T/up/shared/Fx_base.kext"
has "$T/err" "authentication failure: 1 folder above the bundle that others can write to (must be root's, not writable by group or other, or root's and sticky); first $T/up" "parent named"
chmod 1777 "$T/up"
expect 0 "sticky parent" "$BIN/kextload" "$T/up/shared/Fx_base.kext"
expect 0 "unload" "$BIN/kextunload" -b "$base"
chown nobody "$T/up" && chmod 0755 "$T/up"
expect 77 "parent owned by nobody" "$BIN/kextload" "$T/up/shared/Fx_base.kext"
has "$T/err" "first $T/up" "parent owned by nobody named"
ok "folders above the bundle: writable or not root's refused, root's sticky allowed"

# Two bundles of one identifier: good (root's) and bad (nobody's, group-
# writable module, 4 KiB longer so the kernel's record tells them apart).
mkdir -p "$T/repo"
cp -R "$ext/Fx_base.kext" "$T/repo/A.kext"
cp -R "$ext/Fx_base.kext" "$T/repo/B.kext"
head -c 4096 /dev/zero >>"$T/repo/B.kext/Contents/MacOS/fx_base.ko"
chown -R nobody "$T/repo/B.kext" && chmod -R g+w "$T/repo/B.kext"
# size_in_kernel: the size the kernel records for the loaded fx_base.ko.
size_in_kernel() {
	line=$(grep '^file [0-9]* [0-9]* [^ ]* [^ ]* fx_base.ko ' "$T/kernel/state") ||
		fail "exit 0 but nothing loaded"
	set -- $line
	echo "$5"
}
expect 0 "load good" "$BIN/kextload" "$T/repo/A.kext"
good=$(size_in_kernel)
expect 0 "unload" "$BIN/kextunload" -b "$base"
expect 0 "load bad with -z" "$BIN/kextload" -z "$T/repo/B.kext"
[ "$(size_in_kernel)" != "$good" ] || fail "the two modules look the same to the kernel"
expect 0 "unload" "$BIN/kextunload" -b "$base"
python3 - "$T/repo/A.kext" "$T/repo/B.kext" "$T/stop" <<'PY' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b, stop = (p.encode() for p in sys.argv[1:])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while not os.path.exists(stop):
    if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
        sys.exit('renameat2: %s' % os.strerror(ctypes.get_errno()))
PY
swapper=$!
loaded=0 refused=0
i=0
while [ $i -lt 150 ]; do
	i=$((i + 1))
	run "$BIN/kextload" "$T/repo/A.kext"
	if [ "$rc" -eq 0 ]; then
		size=$(size_in_kernel)
		[ "$size" = "$good" ] || { touch "$T/stop"; fail "loaded the swapped-in module (size $size, not $good)"; }
		loaded=$((loaded + 1))
		expect 0 "unload" "$BIN/kextunload" -b "$base"
	else
		refused=$((refused + 1))
	fi
done
touch "$T/stop"
wait "$swapper" || fail "the swapper failed"
[ "$loaded" -gt 0 ] || fail "no load succeeded in 150 tries"
ok "RENAME_EXCHANGE swaps during 150 loads: $loaded loaded the root-owned module, $refused refused, none loaded the other"
