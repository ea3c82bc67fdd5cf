# Authentication before loading, bundle path safety, and concurrent
# kextload/kextunload (tests/hostile/README.md). Tests run as root, so files
# they make are root-owned and pass; the failing cases chown a copy to nobody
# or make it group-writable.
. "$(dirname "$0")/lib.sh"
need_fixtures
[ "$(id -u)" -eq 0 ] || skip "authentication tests need root (to chown bundles)"
new_sim 1402000
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64/fx_base.ko" "$FX/amd64/fx_mid.ko"
base=org.freebsd.kmod.fx_base mid=org.freebsd.kmod.fx_mid
state() { cat "$T/kernel/state"; }
expect 0 "kextstat" "$BIN/kextstat"	# creates the simulated kernel

# Authentication is on for the sim kernel too: a group-writable Info.plist is
# named, and nothing is loaded.
cp -R "$ext" "$T/auth"
chmod g+w "$T/auth/Fx_base.kext/Contents/Info.plist"
s0=$(state)
expect 77 "group-writable" "$BIN/kextload" "$T/auth/Fx_base.kext"
has "$T/err" "authentication failure: 1 file with the wrong owner or permissions" "auth failure"
has "$T/err" "first $T/auth/Fx_base.kext/Contents/Info.plist" "failing path named"
[ "$(state)" = "$s0" ] || fail "a refused load changed the kernel"
ok "a group-writable file fails authentication, naming it"

# A dependency owned by nobody fails the dependent's load, naming the dependency.
chmod g-w "$T/auth/Fx_base.kext/Contents/Info.plist"
chown -R nobody "$T/auth/Fx_base.kext/Contents/MacOS"
expect 71 "dependency not root" "$BIN/kextload" -r "$T/auth" "$T/auth/Fx_mid.kext"
has "$T/err" "$T/auth/Fx_base.kext: authentication failure: 2 files with the wrong owner or permissions" "dependency named"
has "$T/err" "first $T/auth/Fx_base.kext/Contents/MacOS" "dependency's failing path named"
[ "$(state)" = "$s0" ] || fail "a refused load changed the kernel"
ok "a dependency owned by nobody fails authentication"

# A bundle whose only fault is depth is not said to have the wrong owner.
cp -R "$ext/Fx_base.kext" "$T/deep.kext"
d=$T/deep.kext/Contents/Resources
i=0
while [ $i -lt 40 ]; do d=$d/d; i=$((i + 1)); done
mkdir -p "$d"
expect 77 "deep bundle" "$BIN/kextload" "$T/deep.kext"
has "$T/err" "authentication failure: 1 file that can't be checked; first $T/deep.kext/Contents/Resources/d/" "depth said"
hasnt "$T/err" "wrong owner" "depth is not an ownership fault"
rm -rf "$T/deep.kext"
ok "a bundle nested too deeply is refused as such, not for its owner"

# -z relaxes it for the sim kernel, saying so with -v; never for a real kernel.
expect 0 "-z sim" "$BIN/kextload" -v -z -r "$T/auth" "$T/auth/Fx_mid.kext"
has "$T/out" "kextload: authentication skipped (-z)" "-z said with -v"
has "$T/out" "Loaded $mid" "loaded with -z"
expect 0 "unload" "$BIN/kextunload" -b "$mid" -b "$base"
expect 64 "-z freebsd" "$BIN/kextload" -z --kernel freebsd "$T/auth/Fx_base.kext"
has "$T/err" "-z (--no-authentication) is refused when loading into a real kernel (freebsd)" "-z refused"
expect 64 "-z linux" "$BIN/kextload" --no-authentication --kernel linux "$T/auth/Fx_base.kext"
has "$T/err" "refused when loading into a real kernel (linux)" "-z refused for linux"
expect 0 "kextutil -n -z" "$BIN/kextutil" -n -z -r "$T/auth" "$T/auth/Fx_mid.kext"
# Apple's kextutil -n skips authentication unless -t asks for every test.
expect 0 "kextutil -n" "$BIN/kextutil" -n -r "$T/auth" "$T/auth/Fx_mid.kext"
expect 4 "kextutil -n -t" "$BIN/kextutil" -n -t -r "$T/auth" "$T/auth/Fx_mid.kext"
has "$T/err" "authentication" "kextutil -n -t authenticates"
ok "-z: explicit, said with -v, refused for real kernels, allowed for sim and -n"

# Path safety. Each bundle is a copy of Fx_base.kext under another identifier.
s0=$(state)
mkbundle() {
	cp -R "$ext/Fx_base.kext" "$T/$1.kext"
	edit "$T/$1.kext/Contents/Info.plist" \
		"s|<string>$base</string>|<string>org.example.$1</string>|"
}
mkbundle slash
edit "$T/slash.kext/Contents/Info.plist" \
	's|<string>fx_base.ko</string>|<string>../../../etc/passwd</string>|'
expect 71 "executable with /" "$BIN/kextload" "$T/slash.kext"
has "$T/err" "CFBundleExecutable - expected a file name without '/' or '..', found \"../../../etc/passwd\"" \
	"CFBundleExecutable with .."
mkbundle dotdot
edit "$T/dotdot.kext/Contents/Info.plist" 's|<string>fx_base.ko</string>|<string>..</string>|'
expect 71 "executable .." "$BIN/kextload" "$T/dotdot.kext"
has "$T/err" "found \"..\"" "CFBundleExecutable .."
mkbundle exelink
cp "$FX/amd64/fx_base.ko" "$T/outside.ko"
ln -sf "$T/outside.ko" "$T/exelink.kext/Contents/MacOS/fx_base.ko"
expect 71 "executable link outside" "$BIN/kextload" -z "$T/exelink.kext"
has "$T/err" "fx_base.ko - expected a file inside the bundle, found a link to $T/outside.ko" \
	"executable link named"
mkbundle plistlink
mv "$T/plistlink.kext/Contents/Info.plist" "$T/outside.plist"
ln -s "$T/outside.plist" "$T/plistlink.kext/Contents/Info.plist"
expect 71 "Info.plist link outside" "$BIN/kextload" -z "$T/plistlink.kext"
has "$T/err" "Info.plist $T/plistlink.kext/Contents/Info.plist leads to $T/outside.plist, outside the bundle; refused" \
	"Info.plist link named"
ln -s "$T/loop2.kext" "$T/loop1.kext" && ln -s "$T/loop1.kext" "$T/loop2.kext"
expect 71 "link loop" "$BIN/kextload" "$T/loop1.kext"
has "$T/err" "loop1.kext: Too many levels of symbolic links" "loop named"
mkbundle fifo
rm "$T/fifo.kext/Contents/MacOS/fx_base.ko" && mkfifo "$T/fifo.kext/Contents/MacOS/fx_base.ko"
expect 71 "FIFO executable" timeout 20 "$BIN/kextload" "$T/fifo.kext"
has "$T/err" "fx_base.ko - expected a regular file, found another kind of file" "FIFO named"
mkbundle dir
rm "$T/dir.kext/Contents/MacOS/fx_base.ko" && mkdir "$T/dir.kext/Contents/MacOS/fx_base.ko"
expect 71 "directory executable" "$BIN/kextload" "$T/dir.kext"
has "$T/err" "fx_base.ko - expected a regular file, found a directory" "directory named"
# A plug-in that is a link leading out of its bundle is not a plug-in.
mkdir -p "$T/plugrepo" "$T/evilsrc"
mkbundle parent && mv "$T/parent.kext" "$T/plugrepo/"
mkbundle evil && mv "$T/evil.kext" "$T/evilsrc/"
mkdir -p "$T/plugrepo/parent.kext/Contents/PlugIns"
ln -s "$T/evilsrc/evil.kext" "$T/plugrepo/parent.kext/Contents/PlugIns/evil.kext"
expect 71 "plug-in link outside" "$BIN/kextload" -r "$T/plugrepo" -b org.example.evil
has "$T/err" "org.example.evil: no kext found with this identifier" "outside plug-in not found"
expect 0 "kextutil -t parent" "$BIN/kextutil" -n -t "$T/plugrepo/parent.kext"
has "$T/out" "PlugIns/evil.kext - leads to $T/evilsrc/evil.kext, outside the bundle; not a plug-in" \
	"outside plug-in warned about"
[ "$(state)" = "$s0" ] || fail "a refused load changed the kernel"
ok "path safety: '/', '..', links out, link loop, FIFO and directory executables, plug-in links out refused"

# Concurrency: loads and unloads of the same kexts at once. Each call
# succeeds or fails cleanly; the kernel ends consistent (each kext at most
# once, the state readable), and no call crashes.
expect 0 "convert multi" "$BIN/ko2kext" -q -r "$ext" -o "$ext" "$FX/amd64/fx_multi.ko"
# Eight loads of one chain at once: each exits 0, the ones that lost a race
# saying the file was loaded meanwhile by another run.
i=0
while [ $i -lt 8 ]; do
	(r=0; "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext" || r=$?; echo "load $r") \
		>"$T/l.$i" 2>&1 &
	i=$((i + 1))
done
wait
for f in "$T"/l.*; do
	[ "$(tail -n 1 "$f")" = "load 0" ] || { cat "$f" >&2; fail "a concurrent load of one chain failed"; }
done
expect 0 "kextstat after concurrent loads" "$BIN/kextstat" -l -k
[ "$(grep -c " org.freebsd.kmod.fx_multi (" "$T/out")" -eq 1 ] || fail "fx_multi not loaded once"
meanwhile=$(cat "$T"/l.* | grep -c "was loaded meanwhile by another run from the same file" || true)
expect 0 "unload chain" "$BIN/kextunload" -b org.freebsd.kmod.fx_multi -b "$mid" -b "$base"
ok "eight concurrent loads of one chain all exit 0 ($meanwhile steps found loaded meanwhile)"

i=0
while [ $i -lt 8 ]; do
	(r=0; "$BIN/kextload" -q -r "$ext" "$ext/Fx_multi.kext" || r=$?; echo "load $r") \
		>"$T/c.load.$i" 2>&1 &
	(r=0; "$BIN/kextunload" -b org.freebsd.kmod.fx_multi -b "$mid" -b "$base" || r=$?
		echo "unload $r") >"$T/c.unload.$i" 2>&1 &
	i=$((i + 1))
done
wait
for f in "$T"/c.*; do
	case $(tail -n 1 "$f") in
	"load 0" | "load 71" | "unload 0" | "unload 3") ;;
	*) cat "$f" >&2; fail "concurrent call ended badly ($f): $(tail -n 1 "$f")" ;;
	esac
	if grep -qiE "sanitizer|runtime error" "$f"; then cat "$f" >&2; fail "sanitizer report"; fi
done
expect 0 "kextstat after the storm" "$BIN/kextstat" -l -k
for id in "$base" "$mid" org.freebsd.kmod.fx_multi; do
	[ "$(grep -c " $id (" "$T/out")" -le 1 ] || fail "$id loaded more than once"
done
expect 0 "final load" "$BIN/kextload" -r "$ext" "$ext/Fx_multi.kext"
expect 0 "final unload" "$BIN/kextunload" -b org.freebsd.kmod.fx_multi -b "$mid" -b "$base"
[ "$("$BIN/kextstat" -l -k | wc -l)" -eq 0 ] || fail "kexts left after the final unload"
ok "concurrent kextload/kextunload keep the kernel consistent"
