# ko2kext on real FreeBSD modules: the whole 10.1 /boot/kernel and the 14.2
# VirtualBox package with its dependency chain.
. "$(dirname "$0")/lib.sh"
need_corpus freebsd-10.1-amd64
k101=$CORPUS/freebsd-10.1-amd64
pkg=$CORPUS/freebsd-14.2-amd64/virtualbox-ose-kmod-6.1.50.pkg

# Every module converts. Seven need modules the corpus lacks (atm, ibcore,
# upgtfw_fw): without --allow-missing they are reported by name, nothing else.
expect 1 "10.1 strict" "$BIN/ko2kext" -q -o "$T/strict" "$k101"
[ "$(grep -c 'no input, repository or kernel provides' "$T/err")" -eq 7 ] ||
	fail "expected exactly 7 modules with missing providers"
for m in if_en:atm if_hatm:atm if_patm:atm if_upgt:upgtfw_fw iw_cxgb:ibcore \
    iw_cxgbe:ibcore krping:ibcore; do
	has "$T/err" "${m%%:*}.ko: no input, repository or kernel provides ${m#*:} " "$m"
done
[ "$(ls "$T/strict" | wc -l)" -eq 757 ] || fail "757 bundles expected without --allow-missing"
ok "10.1: missing providers named"

expect 0 "10.1 --allow-missing" "$BIN/ko2kext" -q --allow-missing -o "$T/k101" "$k101"
[ "$(ls -d "$T/k101"/*.kext | wc -l)" -eq "$(ls "$k101"/*.ko | wc -l)" ] ||
	fail "not every module became a bundle"
for ko in "$k101"/*.ko; do
	stem=$(basename "$ko" .ko)
	first=$(printf %s "$stem" | cut -c1 | tr a-z A-Z)
	cmp -s "$ko" "$T/k101/$first$(printf %s "$stem" | cut -c2-).kext/Contents/MacOS/$stem.ko" ||
		fail "$stem: executable differs from the module"
done
ok "10.1: all $(ls "$k101"/*.ko | wc -l) modules convert, byte for byte"

# Built-in modules come from linker.hints ("in kernel"): if_bridge needs only
# bridgestp, and the kernel at 10.1's __FreeBSD_version.
info=$T/k101/If_bridge.kext/Contents/Info.plist
has "$info" "<key>org.freebsd.kmod.bridgestp</key>" "if_bridge -> bridgestp"
[ "$(plist_value "$info" org.freebsd.kernel)" = "10.1" ] || fail "if_bridge kernel 10.1"
has "$T/k101/Linux.kext/Contents/Info.plist" "<string>linuxelf</string>" "linux.ko module name"
ok "10.1: libraries and names"

# Every generated Info.plist reads back through CoreFoundation-lite and validates.
expect 0 "validate all" "$BIN/kextutil" -n -Z -q "$T/k101"/*.kext
ok "10.1: every bundle validates"

# And every one plans and passes the pre-load checks against a simulated 10.1
# kernel seeded from the real one's linker.hints (its "in kernel" records are
# the sim kernel's built-in modules and versions, and its version 1001000).
# One kextutil process checks each of the 764 on its own; the seven whose
# providers the corpus lacks are refused, each naming the missing module.
new_sim 1001000
unset KEXT_SIM_OSVERSION
export KEXT_SIM_HINTS="$k101/linker.hints"
expect 0 "seeded sim" "$BIN/kextstat" -l -k
grep -q '^version kernel 1001000$' "$T/kernel/state" || fail "seeded kernel version"
grep -q '^version ether 1$' "$T/kernel/state" || fail "seeded: ether built in"
grep -q '^module [0-9]* pci_pcib$' "$T/kernel/state" || fail "seeded: pci_pcib registered"
expect 4 "corpus preflight" "$BIN/kextutil" -n -e --json -r "$T/k101" "$T/k101"/*.kext
python3 - "$T/out" >"$T/unplanned" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
roots = [k for k in d["kexts"] if k["root"]]
assert len(roots) == 764, len(roots)
assert d["failed_roots"] == sum(k["failed"] for k in roots)
for k in roots:
    if k["failed"]:
        assert k["diagnostics"], k["path"] + ": failed without a diagnostic"
        print(k["path"].rsplit("/", 1)[1][:-5])
PY
[ "$(sort "$T/unplanned" | tr '\n' ' ')" = "If_en If_hatm If_patm If_upgt Iw_cxgb Iw_cxgbe Krping " ] ||
	fail "bundles that do not plan: $(tr '\n' ' ' <"$T/unplanned")"
has "$T/out" "needs atm version 1" "atm named"
has "$T/out" "needs upgtfw_fw version 1" "upgtfw_fw named"
expect 71 "missing provider" "$BIN/kextload" -r "$T/k101" "$T/k101/If_en.kext"
has "$T/err" "needs atm version 1" "atm named"
ok "10.1: every bundle plans against a 10.1 kernel, but the 7 whose providers are missing"

# The 14.2 package: one command, three kexts; vboxnetflt and vboxnetadp link
# against vboxdrv's bundle. netgraph and ng_ether are not in the package.
[ -f "$pkg" ] || skip "no 14.2 package at $pkg"
expect 0 "14.2 package" "$BIN/ko2kext" -q --allow-missing -o "$T/vbox" "$pkg"
[ "$(ls "$T/vbox" | tr '\n' ' ')" = "Vboxdrv.kext Vboxnetadp.kext Vboxnetflt.kext " ] ||
	fail "expected three kexts, got: $(ls "$T/vbox")"
for k in Vboxnetflt Vboxnetadp; do
	has "$T/vbox/$k.kext/Contents/Info.plist" "<key>org.freebsd.kmod.vboxdrv</key>" "$k -> vboxdrv"
done
has "$T/vbox/Vboxnetadp.kext/Contents/Info.plist" "<key>org.freebsd.kmod.vboxnetflt</key>" \
	"vboxnetadp -> vboxnetflt"
has "$T/vbox/Vboxdrv.kext/Contents/Info.plist" "<string>emulators/virtualbox-ose-kmod</string>" \
	"package origin"
has "$T/vbox/Vboxdrv.kext/Contents/Info.plist" "<string>6.1.50</string>" "package version"
ok "14.2 package: three kexts, vboxdrv chain"
