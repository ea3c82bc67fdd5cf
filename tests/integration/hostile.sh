# The hostile-input catalog (tests/hostile/README.md): broken modules and
# Info.plists, bad repositories, each refused with its exact reason, and
# after each refusal nothing changed, neither the simulated kernel's state
# nor any bundle on disk.
. "$(dirname "$0")/lib.sh"
need_fixtures
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to generate the hostile inputs"
top=$(cd "$(dirname "$0")/../.." && pwd)
in=$T/in
python3 "$top/tests/hostile/make_inputs.py" "$FX" "$in"

new_sim 1402000
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64/fx_base.ko" "$FX/amd64/fx_mid.ko"
expect 0 "load base" "$BIN/kextload" "$ext/Fx_base.kext"

# snapshot DIR: every path with its type and mode, size and content checksum
# under DIR (POSIX tools only: ls -ld for type and mode, cksum for size and CRC).
snapshot() {
	(cd "$1" && find . -exec ls -ldn {} + |
		LC_ALL=C awk '{ m = substr($1, 1, 10); for (i = 1; i <= 8; i++) $i = ""; print m, $0 }' |
		LC_ALL=C sort && find . -type f -exec cksum {} + | LC_ALL=C sort)
}
before() {
	snapshot "$T/kernel" >"$T/kernel.before"
	snapshot "$T/bad" >"$T/bad.before"
}
# unchanged WHAT: the kernel's state and the bundles are as before() saw them.
unchanged() {
	snapshot "$T/kernel" | cmp -s - "$T/kernel.before" || fail "$1: the simulated kernel changed"
	snapshot "$T/bad" | cmp -s - "$T/bad.before" || fail "$1: a bundle changed on disk"
	[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 1 ] || fail "$1: kextstat lists other kexts"
}

# bad_module CASE STATUS MESSAGE: Fx_base.kext under another identifier with
# the generated module as its executable; kextload must refuse with MESSAGE.
mkdir -p "$T/bad"
bad_module() {
	k=$T/bad/$1.kext
	cp -R "$ext/Fx_base.kext" "$k"
	edit "$k/Contents/Info.plist" \
		"s|<string>org.freebsd.kmod.fx_base</string>|<string>org.example.bad.$1</string>|"
	cp "$in/modules/$1.ko" "$k/Contents/MacOS/fx_base.ko"
	before
	expect "$2" "module $1" "$BIN/kextload" "$k"
	has "$T/err" "$3" "module $1"
	unchanged "module $1"
	ok "module $1: $3"
}
# Where the fixture's section header table starts (e_shoff, ELF64 little-endian)
# and its size: they differ with the clang that built it.
shoff=$(od -An -tu8 -j40 -N8 "$FX/amd64/fx_base.ko" | tr -d ' ')
fxsize=$(wc -c <"$FX/amd64/fx_base.ko" | tr -d ' ')
bad_module truncated 71 "fx_base.ko: truncated: section header table ends past end of file (offset $shoff, size 64, file size 200)"
bad_module truncated_sections 71 "truncated: section header table ends past end of file (offset $shoff, size 64, file size $((fxsize / 2)))"
bad_module empty 71 "fx_base.ko - expected an ELF file (magic 7f 45 4c 46), found a file too short for it"
bad_module bad_class 71 "fx_base.ko - expected ELF class 1 or 2 and data encoding 1 or 2, found 3 and 1"
bad_module bad_endian 71 "fx_base.ko - expected ELF class 1 or 2 and data encoding 1 or 2, found 2 and 7"
# Which damage is met first depends on the fixture's layout, so on the clang
# that built it (clang 14: "relocation 6 of section 3 (.rela.data): offset 0xa7
# is outside section 2 (.data, size 0x74)"): the error must name the module.
bad_module bit_flipped 71 "bit_flipped.kext/Contents/MacOS/fx_base.ko: "
bad_module reloc_out_of_range 71 "offset 0x7fff0000 is outside section 4 (set_modmetadata_set, size 0x18)"
bad_module too_many_sections 71 "truncated: section header table ends past end of file (offset $shoff, size 4194240, file size $fxsize)"
bad_module unknown_machine 71 "unsupported machine 39321 (FreeBSD modules are built for x86_64 62"
bad_module wrong_osabi 71 "wrong OSABI 3 (GNU/Linux; expected 9, FreeBSD)"

# The converter refuses the same modules, and writes nothing.
for m in truncated bad_class reloc_out_of_range wrong_osabi; do
	mkdir -p "$T/conv"
	expect 1 "ko2kext $m" "$BIN/ko2kext" -q -o "$T/conv" "$in/modules/$m.ko"
	has "$T/err" "$m.ko: " "ko2kext names the module"
	[ -z "$(ls -A "$T/conv")" ] || fail "ko2kext $m left files behind: $(ls -A "$T/conv")"
done
ok "ko2kext refuses the broken modules and writes nothing"

# Real modules whose dependencies nothing provides: sorting no providers
# was qsort(NULL, 0, ...), which the sanitizer build aborted on.
if [ -n "$CORPUS" ] && [ -f "$CORPUS/freebsd-10.1-amd64/if_em.ko" ]; then
	for m in if_em geom_eli; do
		expect 0 "ko2kext $m" "$BIN/ko2kext" -q --allow-missing -o "$T/real" \
			"$CORPUS/freebsd-10.1-amd64/$m.ko"
	done
	ok "ko2kext converts if_em.ko and geom_eli.ko with no provider for their dependencies"
else
	echo "# corpus absent (\$KEXT_CORPUS): if_em.ko/geom_eli.ko not converted"
fi

# Ten sparse 500 MiB members (a 10 KB tar): the total is refused from the
# headers alone, before anything is allocated.
mkdir -p "$T/sparse" "$T/conv2"
i=0
while [ $i -lt 10 ]; do i=$((i + 1)); truncate -s 500M "$T/sparse/m$i.ko"; done
(cd "$T/sparse" && tar -S -cf "$T/sparse.tar" ./*.ko) && rm -rf "$T/sparse"
expect 1 "sparse archive" "$BIN/ko2kext" -q -o "$T/conv2" "$T/sparse.tar"
has "$T/err" "sparse.tar: its .ko members hold 1572864000 bytes or more, more than the 1024 MiB a run may hold (0 MiB read already); nothing of it was read" "total bounded"
[ -z "$(ls -A "$T/conv2")" ] || fail "ko2kext left files behind"
ok "ko2kext: archive members bounded in total, before reading"

# Wrong architecture: an aarch64 module into the amd64 kernel; the kernel
# refuses it and nothing stays loaded.
expect 0 "convert aarch64" "$BIN/ko2kext" -q -o "$T/arm" "$FX/aarch64/fx_base.ko" "$FX/aarch64/fx_mid.ko"
mkdir -p "$T/bad/arch" && cp -R "$T/arm/Fx_mid.kext" "$T/bad/arch/"
before
expect 71 "wrong arch" "$BIN/kextload" -r "$ext" "$T/bad/arch/Fx_mid.kext"
has "$T/err" "fx_mid.ko is a FreeBSD kernel module (aarch64, ET_DYN): built for aarch64" "architecture named"
has "$T/err" "but the kernel is amd64" "kernel's architecture named"
unchanged "wrong arch"
ok "wrong architecture refused before the kernel is called, nothing loaded"

# bad_plist CASE STATUS MESSAGE: Fx_base.kext with the generated Info.plist.
bad_plist() {
	k=$T/bad/$1.kext
	cp -R "$ext/Fx_base.kext" "$k"
	cp "$in/plists/$1.plist" "$k/Contents/Info.plist"
	before
	expect "$2" "plist $1" "$BIN/kextload" "$k"
	has "$T/err" "$3" "plist $1"
	unchanged "plist $1"
	ok "plist $1: $3"
}
bad_plist deep_nesting 71 "Info.plist: can't parse the property list: line 10: containers are nested deeper than 128 levels"
bad_plist deep_binary 71 "Info.plist: can't parse the property list: binary property list: containers are nested deeper than 128 levels"
bad_plist deep_xml 71 "Info.plist: can't parse the property list: line 4: containers are nested deeper than 128 levels"
bad_plist many_attributes 71 "Info.plist: can't parse the property list: line 3: an element has 100001 attributes; a property list uses at most 16"
bad_plist too_big 71 "Info.plist: 17826336 bytes, more than the 16777216 allowed"
bad_plist newline_identifier 71 "CFBundleIdentifier - expected printable characters, found a control character (0x0a) at byte 14: \"org.example.nl\\x0a"
hasnt "$T/out" "org.forged.kext" "no forged line"
bad_plist huge_identifier 71 "CFBundleIdentifier - expected at most 63 bytes, found 1048576"
bad_plist entity_expansion 71 "line 2: the DOCTYPE declares entity 'a'; entity declarations are not allowed"
bad_plist external_entity 71 "line 2: the DOCTYPE declares entity 'secret'; entity declarations are not allowed"
bad_plist not_xml 71 "Info.plist: can't parse the property list: binary property list: the file is corrupt or truncated"
bad_plist xml_version_2 71 "xml_version_2.kext/Contents/Info.plist: can't parse the property list: line 1: malformed XML: Unsupported version '2.0'"
bad_plist top_level_array 71 "Info.plist: the top level is <array>, expected <dict>"
bad_plist missing_CFBundleIdentifier 71 "missing_CFBundleIdentifier.kext: has no CFBundleIdentifier"
bad_plist missing_CFBundleVersion 71 "Info dictionary missing required property/value: CFBundleVersion - expected a <string>, found nothing"
bad_plist missing_CFBundlePackageType 71 "Info dictionary missing required property/value: CFBundlePackageType - expected a <string>, found nothing"
bad_plist wrong_type_CFBundleIdentifier 71 "wrong_type_CFBundleIdentifier.kext: has no CFBundleIdentifier"
for kv in CFBundleVersion:"<array>" CFBundleExecutable:"<dict>" CFBundlePackageType:"<data>" \
	OSBundleLibraries:"<string>" OSBundleCompatibleVersion:"<true/>" \
	OSBundleRequired:"<integer>" IOKitPersonalities:"<array>"; do
	key=${kv%%:*} found=${kv#*:}
	case $key in
	OSBundleLibraries | IOKitPersonalities) want="<dict>" ;;
	*) want="<string>" ;;
	esac
	bad_plist "wrong_type_$key" 71 "Info dictionary property value is of incorrect type: $key - expected $want, found $found"
done
bad_plist wrong_type_OSKernelResource 71 "OSKernelResource - expected <true/> or <false/>, found <string>"

# One hostile bundle in a repository costs only itself: the others load.
mkdir -p "$T/mixed"
cp -R "$ext/Fx_mid.kext" "$T/mixed/"
cp -R "$T/bad/deep_binary.kext" "$T/bad/many_attributes.kext" "$T/mixed/"
expect 0 "load beside hostile bundles" "$BIN/kextload" -r "$T/mixed" -b org.freebsd.kmod.fx_mid
expect 0 "unload mid" "$BIN/kextunload" -b org.freebsd.kmod.fx_mid
ok "hostile Info.plists in a repository do not stop the others loading"

# The identifier index is a hint that never widens the search: an entry
# (checksum and stamp right) naming a bundle outside the repository is
# ignored, and a damaged line costs one scan.
mkdir -p "$T/idx/R" "$T/idx/O"
cp -R "$ext/Fx_base.kext" "$T/idx/R/"
cp -R "$ext/Fx_mid.kext" "$T/idx/O/Evil.kext"
touch -d '1 hour ago' "$T/idx/R/Fx_base.kext/Contents/Info.plist" "$T/idx/O/Evil.kext/Contents/Info.plist"
expect 0 "unload base" "$BIN/kextunload" -b org.freebsd.kmod.fx_base
expect 0 "index O" "$BIN/kextload" -r "$ext" -r "$T/idx/O" -b org.freebsd.kmod.fx_mid
expect 0 "unload" "$BIN/kextunload" -b org.freebsd.kmod.fx_mid -b org.freebsd.kmod.fx_base
expect 0 "index R" "$BIN/kextload" -r "$T/idx/R" -b org.freebsd.kmod.fx_base
expect 0 "unload" "$BIN/kextunload" -b org.freebsd.kmod.fx_base
index_of() { grep -l "^kextindex 5	$1	" "$KEXT_CACHE_DIR"/*.kextindex; }
python3 "$top/tests/hostile/forge_index.py" "$(index_of "$T/idx/O")" Evil.kext \
	"$(index_of "$T/idx/R")" Fx_base.kext
expect 71 "forged index" "$BIN/kextload" -r "$T/idx/R" -b org.freebsd.kmod.fx_mid
has "$T/err" "kextload: org.freebsd.kmod.fx_mid: no kext found with this identifier" "forged entry ignored"
! grep -q "fx_.*\.ko" "$T/kernel/state" || fail "forged index: something was loaded"
expect 0 "real entry" "$BIN/kextload" -r "$T/idx/R" -b org.freebsd.kmod.fx_base
has "$T/out" "$T/idx/R/Fx_base.kext" "the listed bundle loads"
expect 0 "unload" "$BIN/kextunload" -b org.freebsd.kmod.fx_base
edit "$(index_of "$T/idx/R")" 's/org\.freebsd\.kmod\.fx_base/org.freebsd.kmod.fx_bass/'
expect 0 "damaged index" "$BIN/kextload" -r "$T/idx/R" -b org.freebsd.kmod.fx_base
expect 0 "unload" "$BIN/kextunload" -b org.freebsd.kmod.fx_base
grep -q fx_bass "$(index_of "$T/idx/R")" && fail "the damaged index was not rebuilt"
expect 0 "load base again" "$BIN/kextload" "$ext/Fx_base.kext"
ok "index: an entry outside the repository is ignored; a damaged line costs one scan"

# Two kexts with one identifier and version in one repository: the one named
# wins and the clash is said; loading still happens exactly once.
mkdir -p "$T/dup"
cp -R "$ext/Fx_mid.kext" "$T/dup/A.kext" && cp -R "$ext/Fx_mid.kext" "$T/dup/B.kext"
expect 0 "kextutil -t duplicate" "$BIN/kextutil" -n -t -r "$T/dup" -r "$ext" "$T/dup/A.kext"
expect 0 "load with duplicates" "$BIN/kextload" -r "$T/dup" -r "$ext" "$T/dup/A.kext"
[ "$(grep -c '^Loaded ' "$T/out")" -eq 1 ] || fail "duplicate identifiers: loaded once"
expect 0 "unload mid" "$BIN/kextunload" -b org.freebsd.kmod.fx_mid
ok "duplicate identifiers in a repository load once"

# A dependency cycle (A needs B, B needs A): refused before any kernel call.
mkdir -p "$T/bad/cycle"
for x in A:B B:A; do
	me=${x%%:*} other=${x#*:}
	cat >"$T/bad/cycle/C$me.kext.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleIdentifier</key><string>org.example.cycle.$me</string>
	<key>CFBundlePackageType</key><string>KEXT</string>
	<key>CFBundleVersion</key><string>1.0</string>
	<key>OSBundleCompatibleVersion</key><string>1.0</string>
	<key>CFBundleExecutable</key><string>fx_base.ko</string>
	<key>OSBundleLibraries</key>
	<dict><key>org.example.cycle.$other</key><string>1.0</string></dict>
</dict>
</plist>
PLIST
	mkdir -p "$T/bad/cycle/C$me.kext/Contents/MacOS"
	mv "$T/bad/cycle/C$me.kext.plist" "$T/bad/cycle/C$me.kext/Contents/Info.plist"
	cp "$FX/amd64/fx_base.ko" "$T/bad/cycle/C$me.kext/Contents/MacOS/"
done
before
expect 71 "cycle" "$BIN/kextload" -r "$T/bad/cycle" "$T/bad/cycle/CA.kext"
has "$T/err" "circular" "cycle named"
unchanged "cycle"
ok "dependency cycle refused: $(head -n 1 "$T/err" | cut -c1-160)"
