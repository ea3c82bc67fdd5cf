#!/bin/sh
# Builds the seed corpora for the fuzz harnesses into DIR/<harness>/:
#   fuzz_kmod     our fixtures (every architecture) and a sample of the shared
#                 corpus ($KEXT_CORPUS: its smallest modules, which fuzz fastest)
#   fuzz_plist    tests/data/plist, each also as a binary plist
#   fuzz_hints    the corpus's linker.hints files
#   fuzz_version  version strings, good and bad
#   fuzz_devices  devinfo -v and modalias listings
# Usage: tests/fuzz/seeds.sh DIR   (KEXT_FIXTURES, KEXT_CORPUS from the environment)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: seeds.sh DIR}
fx=${KEXT_FIXTURES:-}
corpus=${KEXT_CORPUS:-}
SAMPLE=${FUZZ_CORPUS_SAMPLE:-24}

rm -rf "$out"
mkdir -p "$out/fuzz_kmod" "$out/fuzz_plist" "$out/fuzz_hints" "$out/fuzz_version" \
    "$out/fuzz_devices"
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
