#!/bin/sh
# Load smoke test in a real kernel: boots a Debian Linux kernel under
# QEMU/TCG with a small initramfs (busybox + our tools + kexts converted from
# that kernel's own modules) and runs ci/smoke/guest.sh in it:
#   kextload leaf -> kextstat shows it -> kextunload -> gone; the dependent
#   kext loads its dependency first; unloading the dependency is refused while
#   the dependent is loaded; a broken kext is refused with its reason; a kext
#   for another OS is refused; a failed load rolls back what it loaded; kextd
#   finds QEMU's emulated e1000 NIC without a driver and loads the e1000 kext,
#   and the device ends bound to it (in one-shot mode, then as a daemon woken
#   by the kernel's uevent).
# Then it boots the same initramfs with a getty login on the serial console
# and runs the stages again through it, typed by ci/smoke/serial.sh (the
# path ci/smoke/freebsd.sh takes with a FreeBSD image).
# Every stage must print SMOKE-OK; the run fails otherwise. Exit 77 = skipped.
#
#   sh ci/smoke/run.sh            (make smoke)
#
# Environment:
#   BUILD                 build directory (default build); cache in $BUILD/smoke-cache
#   KEXT_SMOKE_KERNEL_PKG Debian package to boot (default: what linux-image-amd64
#                         depends on, which has e1000 as a module; else linux-image-cloud-amd64's)
#   KEXT_SMOKE_REQUIRED=1 a missing prerequisite fails instead of skipping (set in CI:
#                         CI=true does the same)
#   FREEBSD_IMAGE=disk.img  also run the stages in a FreeBSD VM (ci/smoke/freebsd.sh)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
cache=$BUILD/smoke-cache
work=$BUILD/smoke
required=${KEXT_SMOKE_REQUIRED:-}
[ "${CI:-}" = true ] && required=1

skip() {
	echo "smoke: SKIP: $*"
	if [ -n "$required" ]; then
		echo "smoke: required here (CI or KEXT_SMOKE_REQUIRED): failing" >&2
		exit 1
	fi
	exit 77
}

for tool in qemu-system-x86_64 dpkg-deb timeout; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found (sh ci/deps.sh --smoke installs it)"
done
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file "$b" 2>/dev/null | grep -q 'statically linked'; then busybox=$b; break; fi
done
[ -n "$busybox" ] || skip "no static busybox (Debian package busybox-static)"

echo "smoke: building the tools"
make -s -j2 BUILD="$BUILD" all >/dev/null
make -s BUILD="$BUILD" fixtures >/dev/null 2>&1 || echo "smoke: (no FreeBSD fixtures: foreign-OS stage left out)"
bin=$BUILD/bin

# --- the kernel package, fetched once -----------------------------------------
mkdir -p "$cache"
pkg=${KEXT_SMOKE_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
	# a generic kernel (e1000 is a module there) before a cloud one
	deb=$( (ls "$cache"/linux-image-*.deb | grep -v -- -cloud-; ls "$cache"/linux-image-*.deb) \
	    2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		for meta in linux-image-amd64 linux-image-cloud-amd64; do
			pkg=$(apt-cache depends "$meta" 2>/dev/null |
			    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
			[ -n "$pkg" ] && break
		done
		[ -n "$pkg" ] || skip "apt-cache knows no linux-image-*-amd64 package (apt-get update?)"
	fi
fi
if [ -n "$pkg" ]; then
	deb=$(ls "$cache"/"$pkg"_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		echo "smoke: apt-get download $pkg"
		(cd "$cache" && timeout 300 apt-get download -q "$pkg" >/dev/null 2>&1) ||
			skip "cannot fetch $pkg with apt-get download (offline?)"
		deb=$(ls "$cache"/"$pkg"_*.deb | head -n 1)
	fi
fi
kroot=$cache/$(basename "$deb" .deb)
if [ ! -f "$kroot/.unpacked" ]; then
	rm -rf "$kroot"
	dpkg-deb -x "$deb" "$kroot"
	touch "$kroot/.unpacked"
fi
vmlinuz=$(ls "$kroot"/boot/vmlinuz-* | head -n 1)
release=${vmlinuz##*/vmlinuz-}
moddir=$kroot/lib/modules/$release/kernel
echo "smoke: kernel $release ($(basename "$deb"))"

# --- modules: one leaf, a dependency and its dependent -------------------------
rm -rf "$work"
mkdir -p "$work/ko" "$work/root"

# Copies module $1 (path under kernel/, without .ko) into $work/ko, decompressed.
take() {
	for f in "$moddir/$1.ko" "$moddir/$1.ko.xz" "$moddir/$1.ko.zst" "$moddir/$1.ko.gz"; do
		[ -f "$f" ] || continue
		out=$work/ko/$(basename "$1").ko
		case $f in
		*.xz) xz -dc "$f" >"$out" ;;
		*.zst) zstd -qdc "$f" >"$out" ;;
		*.gz) gzip -dc "$f" >"$out" ;;
		*) cp "$f" "$out" ;;
		esac
		return 0
	done
	return 1
}
leaf=""
for m in lib/crc-itu-t lib/crc7 lib/ts_kmp fs/nls/nls_iso8859-1; do
	take "$m" && { leaf=$(basename "$m"); break; }
done
pair=""
for p in net/llc/llc:net/802/stp lib/crc-ccitt:net/ieee802154/6lowpan; do
	if take "${p%%:*}" && take "${p#*:}"; then pair=$p; break; fi
done
[ -n "$leaf" ] && [ -n "$pair" ] ||
	{ echo "smoke: FAIL: $release has none of the leaf/pair modules we know (built in?)" >&2; exit 1; }
# The NIC driver for kextd to find: QEMU's e1000 (8086:100e) is driven by e1000.
nic=""
take drivers/net/ethernet/intel/e1000/e1000 && nic=e1000
dep=$(basename "${pair%%:*}")
topm=$(basename "${pair#*:}")

ext=$work/root/ext
"$bin/ko2kext" -q -o "$ext" "$work/ko/$leaf.ko" "$work/ko/$dep.ko" "$work/ko/$topm.ko" \
    ${nic:+"$work/ko/$nic.ko"}

# edit FILE SED-SCRIPT: sed in place, portably (BSD and GNU sed -i differ).
edit() {
	sed "$2" "$1" >"$work/edit.tmp" && cat "$work/edit.tmp" >"$1" && rm -f "$work/edit.tmp"
}

# Reads key $2 (a string) from the Info.plist of kext $1.
plist_string() {
	sed -n "/<key>$2<\/key>/{n;s/.*<string>\(.*\)<\/string>.*/\1/p;q}" "$ext/$1/Contents/Info.plist"
}
kext_of() { for k in "$ext"/*.kext; do
	[ "$(plist_string "${k##*/}" CFBundleExecutable)" = "$1.ko" ] && { echo "${k##*/}"; return; }
done; }
KS_LEAF=$(kext_of "$leaf"); KS_DEP=$(kext_of "$dep"); KS_TOP=$(kext_of "$topm")
KS_LEAF_MOD=$(plist_string "$KS_LEAF" LinuxModuleName)
KS_DEP_MOD=$(plist_string "$KS_DEP" LinuxModuleName)
KS_TOP_MOD=$(plist_string "$KS_TOP" LinuxModuleName)
KS_LEAF_ID=$(plist_string "$KS_LEAF" CFBundleIdentifier)
KS_DEP_ID=$(plist_string "$KS_DEP" CFBundleIdentifier)
KS_TOP_ID=$(plist_string "$KS_TOP" CFBundleIdentifier)
KS_NIC="" KS_NIC_MOD="" KS_NIC_ID=""
if [ -n "$nic" ]; then
	KS_NIC=$(kext_of "$nic")
	KS_NIC_MOD=$(plist_string "$KS_NIC" LinuxModuleName)
	KS_NIC_ID=$(plist_string "$KS_NIC" CFBundleIdentifier)
else
	echo "smoke: (kernel $release has no e1000 module: the kextd stages are left out)"
fi
grep -q "<key>$KS_DEP_ID</key>" "$ext/$KS_TOP/Contents/Info.plist" ||
	{ echo "smoke: FAIL: $KS_TOP does not list $KS_DEP_ID in OSBundleLibraries" >&2; exit 1; }

# A broken kext: the leaf with its executable cut short.
KS_BROKEN=Broken.kext
cp -R "$ext/$KS_LEAF" "$ext/$KS_BROKEN"
edit "$ext/$KS_BROKEN/Contents/Info.plist" \
    "s/<string>$KS_LEAF_ID<\/string>/<string>$KS_LEAF_ID.broken<\/string>/"
head -c 200 "$work/ko/$leaf.ko" >"$ext/$KS_BROKEN/Contents/MacOS/$leaf.ko"

# The rollback kext: the dependent under another identifier, its module edited
# so that our checks still pass (same name, same vermagic release) but the
# kernel's finit_module refuses it (vermagic flags differ; on kernels that check
# module signatures, the signature no longer matches) after the dependency has
# been loaded: kextload must unload the dependency again.
KS_ROLLBACK=Rollback.kext
cp -R "$ext/$KS_TOP" "$ext/$KS_ROLLBACK"
edit "$ext/$KS_ROLLBACK/Contents/Info.plist" \
    "s/<string>$KS_TOP_ID<\/string>/<string>$KS_TOP_ID.rollback<\/string>/"
(export LC_ALL=C; edit "$ext/$KS_ROLLBACK/Contents/MacOS/$topm.ko" 's/\(vermagic=[^ ]* \)SMP/\1SMX/')
grep -q "vermagic=[^ ]* SMX" "$ext/$KS_ROLLBACK/Contents/MacOS/$topm.ko" ||
	{ echo "smoke: FAIL: could not damage the rollback module's vermagic" >&2; exit 1; }

# A kext built for FreeBSD, from our own test modules, when they were built.
KS_FOREIGN=""
if [ -f "$BUILD/fixtures/amd64/fx_base.ko" ]; then
	"$bin/ko2kext" -q --allow-missing -o "$ext" "$BUILD/fixtures/amd64/fx_base.ko" 2>/dev/null &&
		KS_FOREIGN=$(ls "$ext" | grep -i '^fx_base' | head -n 1)
fi

# --- the initramfs ----------------------------------------------------------------
root=$work/root
mkdir -p "$root/bin" "$root/usr/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/run" \
    "$root/tmp" "$root/smoke"
cp "$busybox" "$root/bin/busybox"
# copy_libs FILE: the shared libraries ldd names for FILE, at the paths the
# dynamic linker looks for them
copy_libs() {
	ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
	while read -r lib; do
		[ -f "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
for t in kextload kextunload kextstat kextd; do
	cp "$bin/$t" "$root/usr/sbin/$t"
	copy_libs "$bin/$t"
done
# libxml2 is opened with dlopen, by the soname built into the tools
# (CoreFoundation-lite/src/cflite_libxml_load.c): ldd does not name it.
xml_soname=$(grep -ao 'libxml2\.so\.[0-9][0-9]*' "$bin/kextload" | head -n 1)
xml_lib=$(ldconfig -p 2>/dev/null | awk -v n="$xml_soname" '$1 == n && /x86-64/ { print $NF; exit }')
[ -n "$xml_lib" ] || { echo "smoke: cannot find $xml_soname (ldconfig -p)"; exit 1; }
mkdir -p "$root$(dirname "$xml_lib")"
cp -L "$xml_lib" "$root$xml_lib"
copy_libs "$xml_lib"
ln -sf kextload "$root/usr/sbin/kextutil"
cp ci/smoke/guest.sh "$root/smoke/guest.sh"
# The stage settings guest.sh reads, for the env file and the serial run alike.
ks_vars="KS_LEAF KS_LEAF_MOD KS_LEAF_ID KS_DEP KS_DEP_MOD KS_DEP_ID KS_TOP KS_TOP_MOD
KS_TOP_ID KS_BROKEN KS_ROLLBACK KS_FOREIGN KS_NIC KS_NIC_MOD KS_NIC_ID"
{
	echo "KS_OS=Linux KS_EXT=/ext"
	for v in $ks_vars; do
		eval "echo $v=\\'\$$v\\'"
	done
	echo "export KS_OS KS_EXT" $ks_vars
} >"$root/smoke/env"
# init_head: the start every init of ours shares (busybox, file systems, quiet printk).
init_head() {
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs run /run
echo 1 >/proc/sys/kernel/printk 2>/dev/null
EOF
}
# pack_initrd OUT: the root as a cpio newc archive, owned by root in the guest
# whoever builds it (kextload authenticates bundles).
pack_initrd() {
	(cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --quiet >"$1") 2>/dev/null ||
		(cd "$root" && find . | sort | "$busybox" cpio -o -H newc >"$1")
}
{
	init_head
	cat <<'EOF'
. /smoke/env
export KEXT_KERNEL=linux
sh /smoke/guest.sh
poweroff -f
EOF
} >"$root/init"
chmod 0755 "$root/init" "$root/smoke/guest.sh"
pack_initrd "$work/initrd"
echo "smoke: initramfs $(du -k "$work/initrd" | cut -f1) KiB; booting (timeout 60 s)"

# --- boot ------------------------------------------------------------------------
log=$work/console.log
start=$(date +%s)
set +e
timeout 60 qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot \
    -kernel "$vmlinuz" -initrd "$work/initrd" -nic none -device e1000 \
    -append 'console=ttyS0 panic=-1 quiet' </dev/null >"$log" 2>&1
qrc=$?
set -e
tr -d '\r' <"$log" | grep -E '^SMOKE-|^    \| |passed, .* failed$' || true
end=$(date +%s)
ok=$(tr -d '\r' <"$log" | grep -c '^SMOKE-OK ' || true)
bad=$(tr -d '\r' <"$log" | grep -c '^SMOKE-FAIL ' || true)
expected=9
[ -n "$KS_FOREIGN" ] && expected=$((expected + 1))
[ -n "$KS_NIC" ] && expected=$((expected + 2))
if [ "$qrc" -eq 124 ]; then
	echo "smoke: the VM did not finish in 60 s" >&2
	bad=$((bad + 1))
fi
if ! tr -d '\r' <"$log" | grep -q '^SMOKE-DONE'; then
	echo "smoke: the guest never finished its stages; console log: $log" >&2
	tail -n 20 "$log" | tr -d '\r' >&2
	bad=$((bad + 1))
elif [ "$ok" -ne "$expected" ]; then
	echo "smoke: $ok stages passed, $expected expected" >&2
	bad=$((bad + expected - ok))
fi
echo "smoke: linux $release: $ok passed, $bad failed ($((end - start)) s in the VM)"

# --- the same stages over the serial console, through a getty login --------------
# What ci/smoke/freebsd.sh does against a FreeBSD image, done here every run:
# the initramfs's init starts getty(8) on ttyS0 and the host logs in, types
# the settings and guest.sh line by line and reads the markers back
# (ci/smoke/serial.sh).
{
	init_head
	cat <<'EOF2'
export PATH=/usr/sbin:/sbin:/bin:/usr/bin
getty -L -i -l /smoke/login 9600 ttyS0 vt100
poweroff -f
EOF2
} >"$root/init"
# getty runs it with "--" and the login name; root gets a shell.
cat >"$root/smoke/login" <<'EOF2'
#!/bin/sh
cd /
exec /bin/sh
EOF2
chmod 0755 "$root/init" "$root/smoke/login"
pack_initrd "$work/initrd-serial"
serial_work=$work/serial
mkdir -p "$serial_work"
. ci/smoke/serial.sh
set -- KEXT_KERNEL=linux KS_OS=Linux KS_EXT=/ext
for v in $ks_vars; do
	eval "set -- \"\$@\" $v=\"\$$v\""
done
serial_stage_file "$serial_work/stages" ci/smoke/guest.sh "$@"
echo "smoke: the same stages through a getty login on the serial console (timeout 90 s)"
serial_start "$serial_work"
start=$(date +%s)
timeout 90 qemu-system-x86_64 -accel tcg -m 512 -display none -no-reboot \
    -kernel "$vmlinuz" -initrd "$work/initrd-serial" -nic none -device e1000 \
    -append 'console=ttyS0 panic=-1 quiet' -serial pipe:"$serial_work/serial" \
    -monitor none </dev/null >"$serial_work/qemu.log" 2>&1 &
qpid=$!
serial_attach
srv=0
serial_login root 60 && serial_run "$serial_work/stages" 'poweroff -f' &&
	serial_wait '^SMOKE-DONE' 60 ||
	srv=1
[ "$srv" -eq 0 ] || kill "$qpid" 2>/dev/null || true
wait "$qpid" || true
serial_stop
end=$(date +%s)
serial_tally "linux serial console ($((end - start)) s)" "$expected" || srv=1
[ "$srv" -eq 0 ] || bad=$((bad + 1))

if [ -n "${FREEBSD_IMAGE:-}" ]; then
	sh ci/smoke/freebsd.sh "$FREEBSD_IMAGE" || bad=$((bad + 1))
else
	echo "smoke: FreeBSD image mode not run (no FREEBSD_IMAGE given; see ci/smoke/README.md)"
fi
[ "$bad" -eq 0 ]
