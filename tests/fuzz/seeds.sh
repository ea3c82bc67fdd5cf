#!/bin/sh
# Builds the seed corpora for the fuzz harnesses into DIR/<harness>/:
#   fuzz_kmod     our fixtures (every architecture) and a sample of the shared
#                 corpus ($KEXT_CORPUS: its smallest modules, which fuzz fastest),
#                 a Module.symvers and a System.map
#   fuzz_plist    tests/data/plist, each also as a binary plist
#   fuzz_hints    the corpus's linker.hints files
#   fuzz_version  version strings, good and bad
#   fuzz_devices  devinfo -v and modalias listings
#   fuzz_sim_state  sim kernel state files (written here, from a real one)
#   fuzz_index    identifier index lines for fuzz_index.c's fixed folder
#   fuzz_archive  small tars: a package (+MANIFEST) and a release (README)
#                 around fx_base.ko
#   fuzz_release  README and +MANIFEST texts
#   fuzz_info_cache  a dictionary in the Info.plist cache's form, every tag once
#   fuzz_plist also gets the hostile catalog's deep and many-attribute
#   plists (tests/hostile/make_inputs.py), which need -max_len 1 MiB
# Usage: tests/fuzz/seeds.sh DIR   (KEXT_FIXTURES, KEXT_CORPUS from the environment)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: seeds.sh DIR}
fx=${KEXT_FIXTURES:-}
corpus=${KEXT_CORPUS:-}
SAMPLE=${FUZZ_CORPUS_SAMPLE:-24}

rm -rf "$out"
mkdir -p "$out/fuzz_kmod" "$out/fuzz_plist" "$out/fuzz_hints" "$out/fuzz_version" \
	"$out/fuzz_devices" "$out/fuzz_sim_state" "$out/fuzz_index" "$out/fuzz_archive" \
	"$out/fuzz_release" "$out/fuzz_info_cache"
# {"CFBundleIdentifier": "a", "L": [1, true, false, <01>, 1.0 real, a date, {}]}
# (bundle_info_codec.c: tag, 4-byte counts and lengths, 8-byte numbers, little-endian)
printf 'd\002\0\0\0s\022\0\0\0CFBundleIdentifiers\001\0\0\0as\001\0\0\0La\007\0\0\0i\001\0\0\0\0\0\0\0tfb\001\0\0\0\001r\0\0\0\0\0\0\360?D\0\0\0\0\0\0\360?d\0\0\0\0' \
    >"$out/fuzz_info_cache/dictionary"
# a kernel's symbols as text (Debian 6.1.0-57-amd64's Module.symvers rows; nm's layout)
printf '0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n0x08b86460\tllc_sap_open\tnet/llc/llc\tEXPORT_SYMBOL\t\n' \
    >"$out/fuzz_kmod/Module.symvers"
printf 'ffffffff810a1b20 T printk\nffffffff82360f48 r __ksymtab_printk\n' >"$out/fuzz_kmod/System.map"
printf 'nexus0\n  pci0\n    unknown pnpinfo vendor=0x8086 device=0x24fd sernum="a b" at slot=4 (disabled)\n' \
    >"$out/fuzz_devices/devinfo"
printf 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\nusb:v046DpC31Cd6400dc00dsc00dp00ic03isc01ip01in00\n' \
    >"$out/fuzz_devices/modalias"

if [ -n "$fx" ] && [ -d "$fx" ]; then
	for f in "$fx"/*/*.ko; do
		[ -f "$f" ] || continue
		arch=$(basename "$(dirname "$f")")
		cp "$f" "$out/fuzz_kmod/$arch-$(basename "$f")"
	done
fi
if [ -n "$corpus" ] && [ -d "$corpus" ]; then
	# The smallest modules, deterministically chosen.
	find "$corpus" -name '*.ko' -type f -size -256k -exec ls -l {} + 2>/dev/null |
		awk '{print $5, $NF}' | sort -n -k1,1 -k2,2 | head -n "$SAMPLE" |
		while read -r _ f; do
			cp "$f" "$out/fuzz_kmod/$(basename "$(dirname "$f")")-$(basename "$f")"
		done
	find "$corpus" -name 'linker.hints' -type f | sort | while read -r f; do
		cp "$f" "$out/fuzz_hints/$(basename "$(dirname "$f")").hints"
	done
fi

for f in "$top"/tests/data/plist/*.plist; do
	cp "$f" "$out/fuzz_plist/"
done
if command -v python3 >/dev/null 2>&1; then
	python3 - "$out/fuzz_plist" <<'PY'
import os, plistlib, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    try:
        with open(os.path.join(d, name), 'rb') as f:
            value = plistlib.load(f)
        with open(os.path.join(d, name + '.bin'), 'wb') as f:
            plistlib.dump(value, f, fmt=plistlib.FMT_BINARY)
    except Exception:
        pass	# a seed python cannot read stays XML only
PY
fi

# Version strings: the grammar's corners, valid and not.
n=0
for v in 1 1.0 1.2.3 1.2.3d1 1.2.3a255 1.2b4 1.0fc2 9999.9999.9999f255 0.0.1 \
	1.2.3.4 1.2.3d256 12345 1..2 1.2.3x1 "1.0 " " 1.0" 1.0f 01.02.03 "" d1; do
	n=$((n + 1))
	printf '%s' "$v" >"$out/fuzz_version/seed$n"
done

# Plain hints seeds when the corpus is absent: a header-only file each endian.
printf '\001\000\000\000' >"$out/fuzz_hints/empty-le.hints"
printf '\000\000\000\001' >"$out/fuzz_hints/empty-be.hints"

# A sim kernel with two files loaded, as kernel_sim_state.c writes it.
cat >"$out/fuzz_sim_state/two-files" <<'STATE'
# simulated FreeBSD kernel linker state (kext_tools sim backend)
kext-sim-state 1
osreldate 1402000
arch amd64
next-file-id 4
next-module-id 3
next-address 0xffffffff82202000
file 1 5 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel
version kernel 1402000
file 2 2 0xffffffff82200000 0x1000 fx_base.ko /x/Fx_base.kext/Contents/MacOS/fx_base.ko
version fxbase 3
module 1 fxbase
depend 1
depend 1
file 3 1 0xffffffff82201000 0x1000 fx_mid.ko /x/Fx_mid.kext/Contents/MacOS/fx_mid.ko
version fxmid 1
module 2 fxmid
depend 1
depend 1
depend 2
STATE
printf 'kext-sim-state 1\nosreldate 1500068\narch amd64\n' >"$out/fuzz_sim_state/empty"
# The same after journal records: fx_mid.ko unloaded, then loaded again as id 4.
{
	printf 'kext-sim-state 2\n'
	sed -n '/^osreldate/,$p' "$out/fuzz_sim_state/two-files"
	cat <<'STATE'
txn 1
next-file-id 4
next-module-id 3
next-address 0xffffffff82202000
refs 1 3
refs 2 1
unload 3
end 1
txn 2
next-file-id 5
next-module-id 4
next-address 0xffffffff82203000
refs 1 5
refs 2 2
file 4 1 0xffffffff82202000 0x1000 fx_mid.ko /x/Fx_mid.kext/Contents/MacOS/fx_mid.ko
version fxmid 1
module 3 fxmid
depend 1
depend 1
depend 2
end 2
txn 3
next-fi
STATE
} >"$out/fuzz_sim_state/journal"

if command -v python3 >/dev/null 2>&1; then
	if [ -d /dev/shm ]; then scratch=/dev/shm; else scratch=/tmp; fi
	python3 - "$out" "$top" "$fx" "$scratch" <<'PY'
import io, os, sys, tarfile
out, top, fx, scratch = sys.argv[1:5]
sys.path.insert(0, os.path.join(top, 'tests', 'hostile'))
import make_inputs

# fuzz_plist: the nesting and attribute bombs of the hostile catalog.
with open(os.path.join(out, 'fuzz_plist', 'deep_binary.plist'), 'wb') as f:
    f.write(make_inputs.deep_binary_plist(100000))
with open(os.path.join(out, 'fuzz_plist', 'many_attributes.plist'), 'w') as f:
    f.write(make_inputs.PLIST_HEAD + '<plist version="1.0"' +
            ''.join(' a%d="x"' % i for i in range(20)) + '><dict/></plist>\n')

# fuzz_index: lines for fuzz_index.c's fixed folder, checksummed.
def fnv(b):
    h = 0xcbf29ce484222325
    for c in b:
        h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
    return h
repo = scratch + '/kext-fuzz-index/R'
# the fields in the order repo_index.c writes them (the identifier third)
lines = [
    ['k', 'A.kext', 'org.fuzz.a', '-', repo + '/A.kext', repo + '/A.kext/Contents/Info.plist',
     '2049', '1234', '300', '1700000000000000000', '4', '1.0', '100000000', '1.0', '100000000',
     '-', '-'],
    ['k', 'A.kext', 'org.fuzz.a', '-', '/elsewhere/A.kext',
     '/elsewhere/A.kext/Contents/Info.plist', '1', '2', '3', '4', '4', '2.0', '200000000', '1.0',
     '100000000', '-', '-'],
    ['p', 'In.kext', '-', 'A.kext', repo + '/A.kext/Contents/PlugIns/In.kext', '-', '0', '0', '0',
     '0', '2', '-', '0', '-', '0', '-', 'unreadable%0Aplug-in'],
]
text = ''
for fields in lines:
    body = '\t'.join(fields)
    text += '%s\t%016x\n' % (body, fnv(body.encode()))
with open(os.path.join(out, 'fuzz_index', 'entries'), 'w') as f:
    f.write(text)

# fuzz_archive: uncompressed tars, so mutations reach the members.
ko = b''
if fx and os.path.exists(os.path.join(fx, 'amd64', 'fx_base.ko')):
    with open(os.path.join(fx, 'amd64', 'fx_base.ko'), 'rb') as f:
        ko = f.read()
def tar(name, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as t:
        for path, data in members:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    with open(os.path.join(out, 'fuzz_archive', name), 'wb') as f:
        f.write(buf.getvalue())
manifest = b'{"name":"fx","origin":"sysutils/fx","version":"1.0_1"}\n'
readme = (b'mach.ko for FreeBSD 15.0\n__FreeBSD_version 1500068\n'
          b'kernel SHA256 ' + b'ab' * 32 + b'\n')
tar('package.tar', [('+MANIFEST', manifest), ('/boot/modules/fx_base.ko', ko)])
tar('release.tar', [('mach/README', readme), ('mach/fx_base.ko', ko)])
tar('empty.tar', [('README', b'nothing here\n')])
with open(os.path.join(out, 'fuzz_release', 'README'), 'wb') as f:
    f.write(readme)
with open(os.path.join(out, 'fuzz_release', 'MANIFEST'), 'wb') as f:
    f.write(manifest)
PY
fi
