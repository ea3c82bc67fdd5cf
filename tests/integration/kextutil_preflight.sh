# kextutil -n -t as a CI pre-flight: every problem of every kext involved
# (named, -b, dependencies) in OSKext's categories, Apple's exit codes,
# --json; the executable checked against the kernel before any kernel call;
# a sim kernel seeded from a linker.hints (KEXT_SIM_HINTS).
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_base.ko "$FX/amd64"/fx_mid.ko \
	"$FX/amd64"/fx_multi.ko
expect 0 "convert arm" "$BIN/ko2kext" -q -o "$T/arm" "$FX/aarch64"/fx_base.ko
new_sim 1402000

# A module for another architecture: a validation failure, before any kernel call.
expect 4 "foreign arch" "$BIN/kextutil" -n -t -e "$T/arm/Fx_base.kext"
has "$T/out" "Diagnostics for $T/arm/Fx_base.kext:" "diagnostics header"
has "$T/out" "Validation Failures:" "category"
has "$T/out" "Executable is not a kernel module this kernel can load" "message"
has "$T/out" "built for aarch64 (ELF64, machine 183, little-endian), but the kernel is amd64" "reason"
hasnt "$T/out" "no diagnostics" "a failure never says no diagnostics"
has "$T/err" "not loading it" "the failure on stderr"
ok "an aarch64 module fails kextutil -n against an amd64 kernel"

# A dependency's problem is reported under the dependency's own path.
mkdir -p "$T/mixed"
cp -R "$ext/Fx_mid.kext" "$ext/Fx_multi.kext" "$T/arm/Fx_base.kext" "$T/mixed/"
expect 4 "bad dependency" "$BIN/kextutil" -n -t -e -r "$T/mixed" "$T/mixed/Fx_multi.kext"
has "$T/out" "Diagnostics for $T/mixed/Fx_base.kext:" "the dependency has its diagnostics"
has "$T/out" "built for aarch64" "the dependency's reason"
ok "a dependency pulled in by the plan is checked too"

# Several roots: each is checked on its own; one bad root does not hide another.
expect 4 "two roots" "$BIN/kextutil" -n -t -e -r "$ext" "$T/arm/Fx_base.kext" "$ext/Fx_mid.kext" \
	-b org.example.absent
has "$T/out" "$ext/Fx_mid.kext: no diagnostics." "the good root is said to be fine"
has "$T/out" "Diagnostics for org.example.absent:" "-b root reported"
has "$T/out" "No kext with this identifier was found" "-b: not found"
ok "every root is reported"

# Exit codes as Apple's kextutil documents them: 1 when a kext is not found.
expect 1 "not found" "$BIN/kextutil" -n -e -b org.example.absent
expect 0 "good -b" "$BIN/kextutil" -n -e -r "$ext" -b org.freebsd.kmod.fx_multi
has "$T/out" "appears to be loadable" "loadable said"
ok "exit 1 for a kext not found, 0 when loadable"

# --json: the same, for CI annotations.
expect 4 "json" "$BIN/kextutil" -n -e --json -r "$T/mixed" "$T/mixed/Fx_multi.kext"
python3 - "$T/out" "$T/mixed" <<'PY' || fail "JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
by = {k["path"]: k for k in d["kexts"]}
root = by[sys.argv[2] + "/Fx_multi.kext"]
dep = by[sys.argv[2] + "/Fx_base.kext"]
assert root["root"] and root["failed"] and d["failed_roots"] == 1
assert not dep["root"]
assert any(g["category"] == "Validation Failures" and "aarch64" in (g["value"] or "")
           for g in dep["diagnostics"]), dep
PY
expect 64 "json needs -n" "$BIN/kextutil" --json "$ext/Fx_base.kext"
ok "--json lists every kext with its diagnostics"

# A program is not a kernel module: refused by kextutil and by the sim kernel.
if [ -x /bin/ls ]; then
	cp -R "$ext/Fx_base.kext" "$T/Prog.kext"
	cp /bin/ls "$T/Prog.kext/Contents/MacOS/fx_base.ko"
	expect 4 "program" "$BIN/kextutil" -n -t -e "$T/Prog.kext"
	has "$T/out" "it is a dynamically linked program" "what it is"
	expect 71 "kextload refuses a program" "$BIN/kextload" -z "$T/Prog.kext"
	has "$T/err" "fx_base.ko is a dynamically linked program" "kextload says what it is"
	ok "a program in a bundle is refused"
fi

# A sim kernel seeded from a linker.hints: its "in kernel" records are built in.
# Fx_mid converted against a kernel that has fxbase built in needs no library.
python3 - "$T/linker.hints" <<'PY'
import struct, sys
out = bytearray(struct.pack("<i", 1))
def s(b, t): b += bytes([len(t)]) + t.encode()
def record(kind, name, version, kldfile):
    body = bytearray(struct.pack("<i", kind)); s(body, name)
    if version is not None:
        start = len(out) + 4
        while (start + len(body)) % 4: body += b"\0"
        body += struct.pack("<i", version)
    s(body, kldfile)
    while len(body) % 4: body += b"\0"
    out.extend(struct.pack("<i", len(body)) + body)
record(2, "fxbase", None, "kernel")
record(3, "fxbase", 3, "kernel")
record(3, "kernel", 1402000, "kernel")
open(sys.argv[1], "wb").write(out)
PY
expect 0 "convert against hints" "$BIN/ko2kext" -q -H "$T/linker.hints" -o "$T/h" "$FX/amd64"/fx_mid.ko
hasnt "$T/h/Fx_mid.kext/Contents/Info.plist" "org.freebsd.kmod.fx_base" "fxbase is built in"
new_sim 1402000 plain
expect 4 "unseeded" "$BIN/kextutil" -n -t -e "$T/h/Fx_mid.kext"
has "$T/out" "needs fxbase version 3" "the missing module named"
new_sim 1402000 seeded
unset KEXT_SIM_OSVERSION
export KEXT_SIM_HINTS="$T/linker.hints"
expect 0 "seeded" "$BIN/kextutil" -n -e "$T/h/Fx_mid.kext"
grep -q '^version fxbase 3$' "$T/kernelseeded/state" || fail "seeded version"
grep -q '^osreldate 1402000$' "$T/kernelseeded/state" || fail "seeded osreldate"
new_sim 1402000 bad
export KEXT_SIM_HINTS="$ext/Fx_base.kext/Contents/Info.plist"
expect 71 "bad hints" "$BIN/kextutil" -n -e "$T/h/Fx_mid.kext"
has "$T/err" "KEXT_SIM_HINTS: $ext/Fx_base.kext/Contents/Info.plist" "the file named"
unset KEXT_SIM_HINTS
ok "KEXT_SIM_HINTS seeds the sim kernel's built-in modules and version"

# Symbols (-k: a kernel file; fx_symkern.ko stands in for one). fx_symuser
# declares only fxsymmid: fxsymlib_hello is one level too deep for FreeBSD's
# linker (a warning), fxk_knote_enqueue is static in the kernel (a warning
# naming debug.link_elf_leak_locals), fx_defined_nowhere is defined nowhere.
for arch in amd64 aarch64; do
	[ "$arch" = amd64 ] || export KEXT_SIM_ARCH=aarch64
	new_sim 1402000 "sym$arch"
	expect 0 "convert sym $arch" "$BIN/ko2kext" -q -o "$T/sym$arch" \
		"$FX/$arch"/fx_symlib.ko "$FX/$arch"/fx_symmid.ko "$FX/$arch"/fx_symuser.ko
	kern=$FX/$arch/fx_symkern.ko
	expect 0 "declared library" "$BIN/kextutil" -n -e -k "$kern" -r "$T/sym$arch" \
		"$T/sym$arch/Fx_symmid.kext"
	expect 4 "symbols" "$BIN/kextutil" -n -t -e -k "$kern" -r "$T/sym$arch" \
		"$T/sym$arch/Fx_symuser.kext"
	has "$T/out" "Symbols defined neither by the kernel nor by the kext's libraries" "$arch: missing"
	has "$T/out" "fx_symuser.ko - fx_defined_nowhere" "$arch: the missing symbol named"
	has "$T/out" "fxsymlib_hello (in org.freebsd.kmod.fx_symlib)" "$arch: indirect provider"
	has "$T/out" "debug.link_elf_leak_locals=1" "$arch: leak_locals named"
	has "$T/out" "fx_symuser.ko - fxk_knote_enqueue" "$arch: the static kernel symbol named"
	hasnt "$T/out" "fxk_printf" "$arch: a kernel global is fine"
	has "$T/err" "symbols it needs are defined neither by the kernel" "$arch: failure said"
	ok "$arch: every strong undefined symbol checked against the kernel and declared libraries"
done
unset KEXT_SIM_ARCH

# powerpc (big-endian ELF32): fx_symuser calls through the PLT (R_PPC_JMP_SLOT),
# which FreeBSD 10.4's powerpc kernel linker does not handle and 14's does.
export KEXT_SIM_ARCH=powerpc
expect 0 "convert powerpc" "$BIN/ko2kext" -q -o "$T/ppc" "$FX/powerpc"/fx_symlib.ko \
	"$FX/powerpc"/fx_symmid.ko "$FX/powerpc"/fx_symuser.ko
new_sim 1004000 ppc10
expect 4 "powerpc 10.4" "$BIN/kextutil" -n -t -e -r "$T/ppc" "$T/ppc/Fx_symuser.kext"
has "$T/out" "relocation type 21 (R_PPC_JMP_SLOT)" "the refused type named"
new_sim 1402000 ppc14
expect 0 "powerpc 14.2" "$BIN/kextutil" -n -t -e -r "$T/ppc" "$T/ppc/Fx_symuser.kext"
hasnt "$T/out" "relocation type" "14.2 takes its relocations"
unset KEXT_SIM_ARCH
ok "powerpc relocation types checked against that version's kernel linker"
expect 72 "unreadable kernel file" "$BIN/kextutil" -n -e -k "$T/no-such-kernel" \
	-r "$T/symamd64" "$T/symamd64/Fx_symmid.kext"
has "$T/err" "$T/no-such-kernel" "the kernel file named"
ok "an unreadable kernel file is named"

# The other two seeds: a kernel file (fx_kernel: an ET_EXEC with fxbase built
# in) and a saved `kldstat -v` (its kernel's "Contains modules" lines).
new_sim 1402000 kfile
export KEXT_SIM_KERNEL_FILE="$FX/amd64/fx_kernel"
expect 0 "seeded from a kernel file" "$BIN/kextutil" -n -e "$T/h/Fx_mid.kext"
grep -q '^version fxbase 3$' "$T/kernelkfile/state" || fail "kernel file: fxbase version"
grep -q '^module [0-9]* fxbase$' "$T/kernelkfile/state" || fail "kernel file: fxbase module"
unset KEXT_SIM_KERNEL_FILE
new_sim 1402000 kfilebad
export KEXT_SIM_KERNEL_FILE="$FX/amd64/fx_base.ko"
expect 71 "not a kernel file" "$BIN/kextstat"
has "$T/err" "KEXT_SIM_KERNEL_FILE: $FX/amd64/fx_base.ko: not a FreeBSD kernel file" "said"
unset KEXT_SIM_KERNEL_FILE
# kldstat -v of FreeBSD 14 (spec freebsd-kld.md §5.2 layout; ids and names made up).
printf '%s\n' 'Id Refs Address                Size Name' \
	' 1   12 0xffffffff80200000  1f3c6c0 kernel (/boot/kernel/kernel)' \
	'	Contains modules:' '		 Id Name' '		  1 fxbase' '		  2 pci' \
	' 2    1 0xffffffff82400000     3000 other.ko (/boot/modules/other.ko)' \
	'	Contains modules:' '		 Id Name' '		  3 othermod' >"$T/kldstat.txt"
new_sim 1402000 kldstat
export KEXT_SIM_KLDSTAT="$T/kldstat.txt"
expect 0 "seeded from kldstat" "$BIN/kextstat" -l -k
grep -q '^module [0-9]* pci$' "$T/kernelkldstat/state" || fail "kldstat: pci registered"
if grep -q 'othermod' "$T/kernelkldstat/state"; then fail "kldstat: another file's module seeded"; fi
# kldstat lists no MODULE_VERSIONs: the seeded kernel registers fxbase but
# provides no interface fxbase, so it refuses a module that depends on one.
# kextutil -n says so before any kernel call, as kextload does.
expect 4 "pre-flight: kldstat gives no versions" "$BIN/kextutil" -n -e "$T/h/Fx_mid.kext"
has "$T/err" "the kernel has module fxbase built in without MODULE_VERSION" \
	"pre-flight: a registered module is no MODULE_VERSION"
expect 71 "kldstat gives no versions" "$BIN/kextload" -z "$T/h/Fx_mid.kext"
has "$T/err" "the kernel has module fxbase built in without MODULE_VERSION" \
	"a registered module is no MODULE_VERSION"
unset KEXT_SIM_KLDSTAT
ok "a kernel file or a kldstat -v listing seeds the sim kernel too"

# A dependency rejected for its ownership: its own Authentication Failures are
# listed under its own path (needs root to make the rest root:wheel).
if [ "$(id -u)" -eq 0 ]; then
	new_sim 1402000 auth
	mkdir -p "$T/auth"
	cp -R "$ext/Fx_base.kext" "$ext/Fx_mid.kext" "$T/auth/"
	chown -R 0:0 "$T/auth" && chmod -R go-w "$T/auth"
	chmod g+w "$T/auth/Fx_base.kext/Contents/Info.plist"
	expect 4 "inauthentic dependency" "$BIN/kextutil" -n -t -e -r "$T/auth" "$T/auth/Fx_mid.kext"
	has "$T/out" "Diagnostics for $T/auth/Fx_base.kext:" "the dependency listed"
	has "$T/out" "Authentication Failures:" "its category"
	has "$T/out" "Invalid or inauthentic kexts were rejected for these libraries" "the root's"
	ok "a rejected dependency is listed with its own authentication failures"
fi

# A kext named and also reached through a -r folder (as a library) is opened
# twice: listed once, at its first place, a root.
new_sim 1402000 twice
expect 0 "named twice" "$BIN/kextutil" -n -t -z --json -r "$ext" "$ext/Fx_mid.kext" "$ext/Fx_base.kext"
python3 - "$T/out" <<'PY' || fail "each kext listed once: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
seen = [(k["path"].rsplit("/", 1)[-1], k["root"]) for k in d["kexts"]]
assert seen == [("Fx_mid.kext", True), ("Fx_base.kext", True)], seen
PY
ok "a kext reached twice is listed once"
