# ko2kext's output folder stays consistent (tests/hostile/README.md): one
# run at a time holds it (concurrent --force runs do not mix bundles), what
# killed runs left is removed by the next run, a failing run says exactly
# which bundles it wrote, and no message names a staging folder.
. "$(dirname "$0")/lib.sh"
need_fixtures
out=$T/outdir

# Leftovers of killed runs are removed; hidden entries of other shapes stay.
mkdir -p "$out/.ko2kext.99999.0/Fx_base.kext/Contents" "$out/.Fx_mid.kext.old.99999" \
	"$out/.Fx_base.kext.99999.0/Contents" "$out/.keep" "$out/.Fx_base.kext.notours" \
	"$out/.ko2kext.notours"
expect 0 "convert over leftovers" "$BIN/ko2kext" -o "$out" "$FX/amd64/fx_base.ko"
has "$T/err" "ko2kext: $out: removed 3 staging folders an interrupted run left" "cleanup said"
[ "$(cd "$out" && ls -A | LC_ALL=C sort | tr '\n' ' ')" = ".Fx_base.kext.notours .keep .ko2kext.notours Fx_base.kext " ] ||
	fail "cleanup: $(ls -A "$out")"
rm -rf "$out"
ok "staging folders of killed runs are removed by the next run, nothing else"

# kill -9 in the middle of runs: the next run leaves no hidden folder.
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	"$BIN/ko2kext" -q --force -o "$out" "$FX/amd64" "$FX/i386/fx_nometa.ko" 2>/dev/null &
	pid=$!
	sleep "0.0$i"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
expect 0 "convert after kills" "$BIN/ko2kext" -q --force -o "$out" "$FX/amd64"
[ -z "$(cd "$out" && ls -A | grep '^\.' || true)" ] || fail "left after kills: $(ls -A "$out")"
ok "after 8 kill -9, one run leaves the folder with no staging folder"

# Concurrent --force runs with different prefixes: each run's bundles are
# written together, so Fx_mid always names the Fx_base that is there.
rm -rf "$out" && mkdir -p "$out"
pids=
for p in a b a b a b a b a b a b; do
	"$BIN/ko2kext" -q --force -p "org.$p" -o "$out" "$FX/amd64/fx_base.ko" \
		"$FX/amd64/fx_mid.ko" 2>>"$T/concurrent.err" &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid" || fail "a concurrent run failed: $(cat "$T/concurrent.err")"; done
base_id=$(grep -A1 '<key>CFBundleIdentifier</key>' "$out/Fx_base.kext/Contents/Info.plist" |
	sed -n 's|.*<string>\(.*\)</string>.*|\1|p')
grep -q "<key>$base_id</key>" "$out/Fx_mid.kext/Contents/Info.plist" ||
	fail "Fx_mid does not name the Fx_base beside it ($base_id)"
ok "twelve concurrent --force runs: the folder is one run's ($base_id)"

# A failing run says which bundles it wrote; messages name the bundle, not
# the staging folder.
rm -rf "$out" && mkdir -p "$out" "$T/fw/a" "$T/fw/b"
head -c 10 /dev/zero >"$T/fw/a/fw.bin" && cp "$T/fw/a/fw.bin" "$T/fw/b/fw.bin"
head -c 100 "$FX/amd64/fx_base.ko" >"$T/broken.ko"
expect 1 "one bad input" "$BIN/ko2kext" -o "$out" "$FX/amd64/fx_base.ko" "$T/broken.ko"
has "$T/err" "ko2kext: $out: written all the same (1): Fx_base.kext" "what was written said"
expect 1 "firmware clash" "$BIN/ko2kext" --force -f "$T/fw/a/fw.bin" -f "$T/fw/b/fw.bin" \
	-o "$out" "$FX/amd64/fx_base.ko"
has "$T/err" "ko2kext: $out/Fx_base.kext/Contents/Resources/firmware/fw.bin: File exists" \
	"bundle named"
hasnt "$T/err" ".Fx_base.kext." "staging folder not named"
has "$T/err" "ko2kext: $out: nothing was written" "nothing written said"
# An Info.plist too big to read back (10 MiB of '<' is 40 MiB of XML): the
# check of the staged bundle names the bundle's place, not the staging one.
if command -v python3 >/dev/null 2>&1; then
	python3 -c "import plistlib, sys; plistlib.dump({'Pad': '<' * (10 << 20)}, open(sys.argv[1], 'wb'), fmt=plistlib.FMT_BINARY)" "$T/big.plist"
	expect 1 "unreadable Info.plist" "$BIN/ko2kext" --force -m "$T/big.plist" -o "$out" "$FX/amd64/fx_base.ko"
	has "$T/err" "cannot be opened: $out/Fx_base.kext/Contents/Info.plist: 41944488 bytes, more than the 16777216 allowed" "bundle named"
	hasnt "$T/err" ".Fx_base.kext." "staging folder not named"
fi
ok "failing runs say what they wrote; no staging path in messages"
