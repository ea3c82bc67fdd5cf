# The real FreeBSD 14.2 VirtualBox modules, converted and loaded into a
# simulated 14.2 kernel that has netgraph and ng_ether built in.
. "$(dirname "$0")/lib.sh"
need_corpus freebsd-14.2-amd64
pkg=$CORPUS/freebsd-14.2-amd64/virtualbox-ose-kmod-6.1.50.pkg
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q --allow-missing -o "$ext" "$pkg"
drv=org.freebsd.kmod.vboxdrv flt=org.freebsd.kmod.vboxnetflt adp=org.freebsd.kmod.vboxnetadp

# vboxdrv accepts exactly 1402000 (its maximum is below its minimum).
new_sim 1401000 141
expect 71 "14.1 kernel" "$BIN/kextload" "$ext/Vboxdrv.kext"
has "$T/err" "built for FreeBSD kernel 1402000 (accepts 1402000..1401999), but the running kernel is 1401000" \
	"14.1 refused with both versions"
ok "vboxdrv refuses a 14.1 kernel"

# Without netgraph in the kernel, vboxnetflt is refused before any load.
new_sim 1402000 bare
expect 71 "no netgraph" "$BIN/kextload" -r "$ext" "$ext/Vboxnetadp.kext"
has "$T/err" "needs netgraph version 12" "netgraph named"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "nothing may be loaded"
ok "a dependency the kernel lacks is named before loading"

# A kernel with netgraph and ng_ether compiled in loads the whole chain.
new_sim 1402000 ng
"$BIN/kextstat" >/dev/null
awk '{ print } /^version kernel / { print "version netgraph 12"; print "module 1 netgraph";
	print "version ng_ether 1"; print "module 2 ng_ether" }' "$T/kernelng/state" |
	sed 's/^next-module-id .*/next-module-id 3/' >"$T/state.new"
mv "$T/state.new" "$T/kernelng/state"
expect 0 "load chain" "$BIN/kextload" -r "$ext" "$ext/Vboxnetadp.kext"
[ "$(sed -n 's/^Loaded \([^ ]*\).*/\1/p' "$T/out" | tr '\n' ' ')" = "$drv $flt $adp " ] ||
	fail "load order: $(cat "$T/out")"
expect 0 "kextstat" "$BIN/kextstat" -l -files
has "$T/out" "[vboxnetflt.ko: ng_vboxnetflt]" "module name differs from the file name"
has "$T/out" "$adp (1) - <3 2 1> [vboxnetadp.ko: vboxnetadp]" "vboxnetadp links"
expect 3 "unload vboxdrv" "$BIN/kextunload" -b "$drv"
has "$T/err" "depend on it" "dependents named"
expect 0 "unload all, named in any order" "$BIN/kextunload" -b "$drv" -b "$flt" -b "$adp"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "everything unloaded"
ok "the vbox chain loads in order and unloads"
