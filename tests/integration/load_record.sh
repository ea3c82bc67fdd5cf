# kextload's record of what it loaded: a loaded kext keeps its identity after
# its bundle moves or is deleted (kextstat, kextunload -b), stale entries are
# dropped, and concurrent kextloads lose none.
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext
# fx_nometa declares no module, so copies of it load side by side.
cp "$FX/amd64/fx_nometa.ko" "$T/fx_other.ko"
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko \
	"$FX/amd64"/fx_nometa.ko "$T/fx_other.ko"
other=org.freebsd.kmod.fx_other nometa=org.freebsd.kmod.fx_nometa
new_sim 1402000
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid
rec=$T/kernel/loaded-kexts

recorded() {	# identifiers in the record, sorted
	grep -v '^#' "$rec" | cut -f3 | sort | tr '\n' ' '
}

expect 0 "load" "$BIN/kextload" -r "$ext" "$ext/Fx_mid.kext"
[ "$(recorded)" = "$base $mid " ] || fail "both loads recorded: $(cat "$rec")"
awk -F'\t' -v ext="$ext" '!/^#/ && ($1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+$/ ||
	index($5, ext "/") != 1 || index($6, ext "/Fx_") != 1) { exit 1 }' "$rec" ||
	fail "id, time, path and bundle recorded: $(cat "$rec")"
ok "kextload records id, time, identifier, version, path and bundle"

# The bundles move: kextstat still names them and says so; kextunload -b finds them.
mv "$ext" "$T/moved"
expect 0 "kextstat after a move" "$BIN/kextstat" -l -k
has "$T/out" "$mid (1) -" "row named from the record"
has "$T/err" "$mid (id 3) was loaded from $ext/Fx_mid.kext, which is no longer there" \
	"move said"
expect 0 "kextstat -b after a move" "$BIN/kextstat" -l -b "$base"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "-b finds the recorded identifier"
expect 0 "-json" "$BIN/kextstat" -json -b "$mid"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["bundle_missing"] is True and d[0]["identifier"] == sys.argv[2], d
assert d[0]["loaded_from_bundle"].endswith("/Fx_mid.kext") and d[0]["loaded_at"] > 0, d
' "$T/out" "$mid" || fail "JSON says the bundle is missing"
expect 0 "unload -b after a move" "$BIN/kextunload" -b "$mid" -b "$base"
has "$T/err" "$mid was loaded from $ext/Fx_mid.kext, which is no longer there" "unload says"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "both unloaded"
[ -z "$(recorded)" ] || fail "unloaded entries dropped: $(cat "$rec")"
ok "a moved bundle keeps its identity"

# A deleted bundle: the same.
mv "$T/moved" "$ext"
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
cp -R "$ext/Fx_base.kext" "$T/keep.kext"
rm -rf "$ext/Fx_base.kext"
expect 0 "kextstat after deletion" "$BIN/kextstat" -l -b "$base"
has "$T/out" "$base (3)" "deleted bundle still named"
expect 0 "unload deleted" "$BIN/kextunload" -b "$base"
mv "$T/keep.kext" "$ext/Fx_base.kext"
ok "a deleted bundle keeps its identity"

# A bundle rewritten after its load: kextstat shows the version that was loaded.
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
plist=$ext/Fx_base.kext/Contents/Info.plist
cp "$plist" "$T/plist.orig"
loaded_version=$(plist_value "$plist" CFBundleVersion)
edit "$plist" '/<key>CFBundleVersion<\/key>/{n;s|<string>[^<]*</string>|<string>9.9</string>|;}'
grep -q '<string>9.9</string>' "$plist" || fail "test setup: the version was not rewritten"
expect 0 "kextstat after a rewrite" "$BIN/kextstat" -l -b "$base"
has "$T/out" "$base ($loaded_version)" "the loaded version"
hasnt "$T/out" "9.9" "the version on disk now"
cp "$T/plist.orig" "$plist"
expect 0 "unload" "$BIN/kextunload" -b "$base"
ok "kextstat shows what was loaded, not what the bundle says now"

# A record an older kextload wrote (v1: no compatible version field) is still read.
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
grep -q '^# kextload records v2:' "$rec" || fail "kextload writes v2: $(head -n 1 "$rec")"
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 1 { print "# kextload records v1: fileid when identifier version path bundle"; next }
	{ NF = 6; print }' "$rec" >"$rec.v1" && mv "$rec.v1" "$rec"
mv "$ext" "$T/moved"
expect 0 "kextstat with a v1 record" "$BIN/kextstat" -l -b "$base"
has "$T/out" "$base (3)" "named from the v1 record"
mv "$T/moved" "$ext"
expect 0 "unload" "$BIN/kextunload" -b "$base"
ok "a v1 record is still read"

# Stale entries (a file no longer loaded, an id now another file's) are ignored and dropped.
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"
id=$(grep -v '^#' "$rec" | cut -f1)
printf '99\t1\torg.example.gone\t1.0\t/nowhere/gone.ko\t/nowhere/Gone.kext\n' >>"$rec"
printf '%s\t1\torg.example.reused\t1.0\t/nowhere/other.ko\t/nowhere/Other.kext\n' "$id" >>"$rec"
expect 0 "kextstat with stale entries" "$BIN/kextstat" -l -b org.example.reused
[ ! -s "$T/out" ] || fail "an id now another file's is not that kext: $(cat "$T/out")"
expect 3 "unload gone" "$BIN/kextunload" -b org.example.gone
expect 0 "load another" "$BIN/kextload" "$ext/Fx_other.kext"
[ "$(recorded)" = "$base $other " ] || fail "stale entries pruned: $(cat "$rec")"
expect 0 "unload" "$BIN/kextunload" -b "$base" -b "$other"
ok "stale entries ignored, then dropped"

# Concurrent kextloads: every load recorded, every round.
for round in 1 2 3 4 5; do
	for k in Fx_base Fx_other Fx_nometa; do
		"$BIN/kextload" -q "$ext/$k.kext" &
	done
	wait
	[ "$(recorded)" = "$base $nometa $other " ] || fail "round $round: $(cat "$rec")"
	"$BIN/kextunload" -b "$base" -b "$other" -b "$nometa" ||
		fail "round $round: unload"
done
[ -z "$(recorded)" ] || fail "all dropped: $(cat "$rec")"
ok "concurrent kextloads lose no entry"
