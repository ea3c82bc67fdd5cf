# kextutil's symbol check and kextlibs on Linux modules: every module of a
# Debian kernel (linux-image-RELEASE, fetched with apt-get download, cached in
# $BUILD/linux-cache) is converted with ko2kext and checked against that
# kernel's Module.symvers (linux-headers-RELEASE), and kextutil must flag the
# same modules, for the same symbols, as depmod -e. Debian's modules all
# resolve, so the check runs once more with every 40th vmlinux export taken
# out of Module.symvers, and once with those exports written as a System.map
# (Debian's own is a placeholder: the real one is in the 850 MB -dbg package).
. "$(dirname "$0")/lib.sh"
for t in depmod dpkg-deb apt-get apt-cache python3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not found (Debian packages kmod, dpkg, apt, python3)"
done

# --- the kernel and its headers, fetched once ------------------------------------
cache=$BUILD/linux-cache
mkdir -p "$cache"
fetch() {	# fetch PACKAGE: its .deb in $cache (the smoke test's copy when it has one)
	ls "$cache/$1"_*.deb >/dev/null 2>&1 && return 0
	for d in "$BUILD/smoke-cache" "$BUILD/bench-cache"; do
		f=$(ls "$d/$1"_*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$f" ] && { cp "$f" "$cache/"; return 0; }
	done
	(cd "$cache" && timeout 300 apt-get download -q "$1" >/dev/null 2>&1)
}
image=$(ls "$cache"/linux-image-[0-9]*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$image" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || skip "apt-cache knows no linux-image-*-amd64 package (apt-get update?)"
	fetch "$pkg" || skip "cannot fetch $pkg with apt-get download (offline?)"
	image=$(ls "$cache/$pkg"_*.deb | head -n 1)
fi
pkg=$(dpkg-deb -f "$image" Package)
release=${pkg#linux-image-}
fetch "linux-headers-$release" || skip "cannot fetch linux-headers-$release with apt-get download"
root=$cache/${image##*/}
root=${root%.deb}
if [ ! -f "$root/.unpacked" ]; then
	rm -rf "$root"
	dpkg-deb -x "$image" "$root"
	# ko2kext reads plain .ko files; depmod then reads the same ones
	find "$root/lib/modules" \( -name '*.ko.xz' -exec xz -d {} + \) -o \
	    \( -name '*.ko.zst' -exec zstd -q --rm -d {} + \)
	dpkg-deb --fsys-tarfile "$(ls "$cache/linux-headers-$release"_*.deb | head -n 1)" |
	    tar -xOf - "./usr/src/linux-headers-$release/Module.symvers" >"$root/Module.symvers"
	touch "$root/.unpacked"
fi
symvers=$root/Module.symvers
[ -s "$symvers" ] || fail "linux-headers-$release has no Module.symvers"

# --- every module, converted ------------------------------------------------------
find "$root/lib/modules/$release/kernel" -name '*.ko' | sort >"$T/kos"
n=$(wc -l <"$T/kos")
[ "$n" -gt 1000 ] || fail "only $n modules in $pkg"
# one run, so each module's depends= finds its provider among the others
expect 0 "convert $n modules" "$BIN/ko2kext" -q -o "$T/ext" $(cat "$T/kos")
[ "$(ls "$T/ext" | wc -l)" -eq "$n" ] || fail "$n modules, $(ls "$T/ext" | wc -l) kexts"
ok "$pkg: $n modules converted"
# every kext by identifier (-b): named by path, each would be a repository of its own
awk '/<key>CFBundleIdentifier<\/key>/ { getline; gsub(/^[ \t]*<string>|<\/string>[ \t]*$/, "");
    print "-b"; print; nextfile }' "$T"/ext/*.kext/Contents/Info.plist >"$T/ids"
[ "$(grep -c '^-b$' "$T/ids")" -eq "$n" ] || fail "not every kext has a CFBundleIdentifier"

# --- kernel symbols: Debian's, and with every 40th vmlinux export taken out ---------
awk -F '\t' '!($3 == "vmlinux" && ++v % 40 == 0)' "$symvers" >"$T/cut.symvers"
# a System.map as nm -n writes one (address, type, name), of the same exports:
# each exported function and its __ksymtab_ entry, the only lines depmod reads
awk -F '\t' '$3 == "vmlinux" { a += 16; printf "%016x T %s\n%016x r __ksymtab_%s\n",
    0xffffffff81000000 + a, $2, 0xffffffff82000000 + a, $2 }' "$T/cut.symvers" >"$T/System.map"

export KEXT_LINUX_RELEASE="$release" KEXT_LINUX_STATE="$T/state"
: >"$T/no-modules"
export KEXT_LINUX_PROC_MODULES="$T/no-modules"	# the host's modules play no part

# kextutil FILE: every kext checked against the kernel symbols in FILE, as JSON in $T/json.
kextutil() {
	set +e
	"$BIN/kextutil" -n -json --kernel linux -k "$1" -r "$T/ext" $(cat "$T/ids") \
	    >"$T/json" 2>"$T/kextutil.err"
	rc=$?
	set -e
	[ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || { cat "$T/kextutil.err" >&2; fail "kextutil -k $1: exit $rc"; }
}

# agree NAME DEPMOD-OPTION FILE MIN: depmod -e with that kernel symbols file flags the
# (module, symbol) pairs $T/json flags, at least MIN modules.
agree() {
	depmod -n -e "$2" "$3" -b "$root" "$release" >/dev/null 2>"$T/depmod.err" ||
		{ cat "$T/depmod.err" >&2; fail "depmod $2 $3 failed"; }
	python3 - "$T/depmod.err" "$T/json" "$1" "$4" <<'PY' || fail "$1: kextutil and depmod disagree"
import json, os, re, sys
UNDEFINED = "Symbols defined neither by the kernel nor by the kext's libraries"
depmod = {}
for line in open(sys.argv[1]):
    m = re.match(r"depmod: WARNING: (\S+) needs unknown symbol (\S+)$", line.strip())
    if m:
        depmod.setdefault(os.path.basename(m.group(1)), set()).add(m.group(2))
    elif line.strip():
        sys.exit("depmod said: " + line.strip())
ours, more = {}, {}
for k in json.load(open(sys.argv[2]))["kexts"]:
    for d in k["diagnostics"]:
        if d["message"] != UNDEFINED:
            continue
        exe, _, names = d["value"].partition(" - ")
        m = re.match(r"(.*) and (\d+) more$", names)
        mod = os.path.basename(exe)
        ours[mod] = set((m.group(1) if m else names).split(", "))
        more[mod] = int(m.group(2)) if m else 0
bad = sorted(set(depmod) ^ set(ours))
for mod in sorted(set(depmod) & set(ours)):
    # a long list ends "and N more": the names shown, and how many in all
    if not ours[mod] <= depmod[mod] or len(ours[mod]) + more[mod] != len(depmod[mod]):
        bad.append(mod)
if bad:
    for mod in bad[:10]:
        print(mod, "depmod:", sorted(depmod.get(mod, ())), "kextutil:", sorted(ours.get(mod, ())),
              "+", more.get(mod, 0), file=sys.stderr)
    sys.exit("%d modules differ" % len(bad))
if len(depmod) < int(sys.argv[4]):
    sys.exit("only %d modules flagged: the check proves nothing" % len(depmod))
print("# %s: the same %d modules flagged by depmod and kextutil, for %d symbols" %
      (sys.argv[3], len(depmod), sum(len(s) for s in depmod.values())))
PY
}

kextutil "$symvers"
agree "Debian's Module.symvers" -E "$symvers" 0
ok "$n modules against Debian's Module.symvers: kextutil agrees with depmod -e -E"
kextutil "$T/System.map"
agree "System.map less every 40th vmlinux export" -F "$T/System.map" 100
agree "the same exports as a Module.symvers" -E "$T/cut.symvers" 100
ok "against a System.map with exports taken out: the modules and symbols depmod -e flags"

# --- kextlibs, and what is refused ---------------------------------------------------
stp=$(grep -l '<string>stp.ko</string>' "$T"/ext/*.kext/Contents/Info.plist | head -n 1)
stp=${stp%/Contents/Info.plist}
[ -n "$stp" ] || fail "no kext of stp.ko"
expect 0 "kextlibs stp" "$BIN/kextlibs" -k "$symvers" -r "$T/ext" "$stp"
lv=$(plist_value "$stp/Contents/Info.plist" CFBundleVersion)
[ "$(cat "$T/out")" = "    org.kernel.linux = $lv
    org.kernel.linux.llc = $lv" ] || fail "kextlibs stp: $(cat "$T/out")"
ok "kextlibs: stp needs the kernel and llc"
expect 1 "kextlibs stp, cut" "$BIN/kextlibs" -undef-symbols -k "$T/cut.symvers" -r "$T/ext" "$stp"
grep -q '^    [a-z_]' "$T/out" || fail "kextlibs lists no undefined symbol: $(cat "$T/out")"
ok "kextlibs: symbols the kernel no longer exports are listed"

placeholder=$(ls "$root/boot/System.map-"* | head -n 1)
if grep -q 'The real System.map is in' "$placeholder"; then
	expect 72 "placeholder" "$BIN/kextlibs" -k "$placeholder" -r "$T/ext" "$stp"
	has "$T/err" "Debian's placeholder System.map" "the placeholder named"
	ok "Debian's placeholder System.map is refused, saying what it is"
fi
printf '0x1\tfoo\n' >"$T/bad.symvers"
expect 72 "bad symvers" "$BIN/kextutil" -n --kernel linux -k "$T/bad.symvers" -r "$T/ext" "$stp"
has "$T/err" "$T/bad.symvers: line 1: expected a Module.symvers line" "the bad line named"
ok "a malformed Module.symvers is refused, naming the file and line"

# A FreeBSD module against a Linux kernel's symbols: not checked, and a warning says so.
if [ -f "$FX/amd64/fx_symlib.ko" ]; then
	expect 0 "convert fx_symlib" "$BIN/ko2kext" -q -o "$T/fbsd" "$FX/amd64/fx_symlib.ko"
	new_sim 1402000
	expect 0 "freebsd kext, linux symbols" "$BIN/kextutil" -n -t -k "$symvers" -r "$T/fbsd" \
	    "$T/fbsd/Fx_symlib.kext"
	has "$T/out" "Symbols not checked: the kernel symbols given are another system's" "warning"
	has "$T/out" "a FreeBSD module, Linux kernel symbols" "both systems named"
	ok "a FreeBSD module is not checked against Linux symbols, with a warning"
fi
