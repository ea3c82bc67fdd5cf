# kextd: the right kext for each device without a driver, from fixtures that
# mirror real FreeBSD tables (if_iwm: PCI with a T key; amdgpu: LinuxKPI U32
# ids with PCI_ANY_ID; ukbd: USB interface class under a match mask; cue: USB
# vendor and product, a uether driver), devinfo -v and modalias
# listings, overlaps, bad listings, and loading into the simulated kernel.
. "$(dirname "$0")/lib.sh"
need_fixtures
ext=$T/ext
expect 0 "convert" "$BIN/ko2kext" -q -o "$ext" "$FX/amd64"/fx_iwm.ko "$FX/amd64"/fx_ukbd.ko \
	"$FX/amd64"/fx_amdgpu.ko "$FX/amd64"/fx_cue.ko "$FX/amd64"/fx_base.ko
iwm=org.freebsd.kmod.fx_iwm ukbd=org.freebsd.kmod.fx_ukbd amdgpu=org.freebsd.kmod.fx_amdgpu
cue=org.freebsd.kmod.fx_cue

# The personalities say what the tables say.
info=$ext/Fx_iwm.kext/Contents/Info.plist
has "$info" "<string>0x08b38086 0x08b48086 0x31658086 0x31668086 0x24fb8086 0x08b18086" \
	"if_iwm's T:vendor=0x8086 is in every IOPCIMatch word"
has "$info" "<string>I:device;T:vendor=0x8086;</string>" "the FreeBSD format is kept"
info=$ext/Fx_amdgpu.kext/Contents/Info.plist
has "$info" "<string>0x67801002 0x67841002 0x67881002 0x743f1002</string>" "amdgpu IOPCIMatch"
hasnt "$info" "0xffff1002" "PCI_ANY_ID (0xffffffff in a U32 field) is not cut to 0xffff"
has "$info" "<integer>-1</integer>" "the FreeBSD entries keep PCI_ANY_ID as linker.hints does"
info=$ext/Fx_ukbd.kext/Contents/Info.plist
has "$info" "<string>IOUSBHostInterface</string>" "ukbd: an interface personality"
[ "$(plist_value "$info" bInterfaceClass)" = 3 ] || fail "ukbd bInterfaceClass 3"
[ "$(plist_value "$info" bInterfaceProtocol)" = 1 ] || fail "ukbd bInterfaceProtocol 1"
hasnt "$info" "<key>idVendor</key>" "the mask leaves the vendor out"
info=$ext/Fx_cue.kext/Contents/Info.plist
[ "$(grep -c '<string>IOUSBHostDevice</string>' "$info")" -eq 3 ] ||
	fail "cue: one IOUSBHostDevice personality an entry"
has "$info" "<key>uhub/cue uhub match 3</key>" "cue's third entry"
[ "$(grep -A1 '<key>idVendor</key>' "$info" | grep -c '<integer>1059</integer>')" -eq 2 ] ||
	fail "cue: idVendor CATC (0x0423) twice"
[ "$(grep -A1 '<key>idVendor</key>' "$info" | grep -c '<integer>2257</integer>')" -eq 1 ] ||
	fail "cue: idVendor SmartBridges (0x08d1) once"
hasnt "$info" "bInterfaceClass" "cue's mask leaves the classes out"
ok "personalities: T keys, 32-bit ids, USB masks, USB vendor and product"

# devinfo -v as FreeBSD prints it (usr.sbin/devinfo/devinfo.c: print_dev).
cat >"$T/devinfo.txt" <<'EOF'
nexus0
  acpi0
    pcib0 pnpinfo _HID=PNP0A03 _UID=0 at handle=\_SB_.PCI0
      pci0
        em0 pnpinfo vendor=0x8086 device=0x100e subvendor=0x8086 subdevice=0x001e class=0x020000 at slot=3 function=0 dbsf=pci0:0:3:0
        unknown pnpinfo vendor=0x8086 device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000 at slot=4 function=0 dbsf=pci0:0:4:0
        unknown pnpinfo vendor=0x8087 device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000 at slot=5 function=0 dbsf=pci0:0:5:0
        unknown pnpinfo vendor=0x1002 device=0x6780 subvendor=0x1002 subdevice=0x0b0e class=0x030000 at slot=6 function=0 dbsf=pci0:0:6:0
        unknown pnpinfo vendor=0x1002 device=0x9999 subvendor=0x1002 subdevice=0x0001 class=0x030000 at slot=7 function=0 dbsf=pci0:0:7:0
        xhci0 pnpinfo vendor=0x8086 device=0x1e31 subvendor=0x8086 subdevice=0x7270 class=0x0c0330 at slot=20 function=0
          usbus0
            uhub0
              unknown pnpinfo vendor=0x046d product=0xc31c devclass=0x00 devsubclass=0x00 devproto=0x00 sernum="" release=0x6400 mode=host intclass=0x03 intsubclass=0x01 intprotocol=0x01 at bus=0 hubaddr=1 port=3 devaddr=2 interface=0
              unknown pnpinfo vendor=0x046d product=0xc31c devclass=0x00 devsubclass=0x00 devproto=0x00 sernum="" release=0x6400 mode=host intclass=0x03 intsubclass=0x01 intprotocol=0x02 at bus=0 hubaddr=1 port=3 devaddr=2 interface=1
              unknown pnpinfo vendor=0x0423 product=0x000c devclass=0x00 devsubclass=0x00 devproto=0x00 sernum="" release=0x0130 mode=host intclass=0xff intsubclass=0x00 intprotocol=0x00 at bus=0 hubaddr=1 port=4 devaddr=3 interface=0
EOF
expect 0 "kextd -n" "$BIN/kextd" -n -v -e -r "$ext" --devices "$T/devinfo.txt"
has "$T/out" "unknown on pci0 pnpinfo vendor=0x8086 device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000: would load $iwm" \
	"Intel 8265 -> if_iwm (T key)"
has "$T/out" "unknown on pci0 pnpinfo vendor=0x8087 device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000: no kext matches" \
	"another vendor's 0x24fd is not iwm's"
has "$T/out" "vendor=0x1002 device=0x6780 subvendor=0x1002 subdevice=0x0b0e class=0x030000: would load $amdgpu" \
	"Tahiti -> amdgpu"
has "$T/out" "vendor=0x1002 device=0x9999 subvendor=0x1002 subdevice=0x0001 class=0x030000: no kext matches" \
	"devmatch compares a U32 PCI_ANY_ID literally: no match"
has "$T/out" "intprotocol=0x01: would load $ukbd" "boot keyboard interface -> ukbd"
has "$T/out" "intprotocol=0x02: no kext matches" "a boot mouse is not ukbd's"
has "$T/out" "vendor=0x0423 product=0x000c devclass=0x00 devsubclass=0x00 devproto=0x00 sernum=\"\" release=0x0130 mode=host intclass=0xff intsubclass=0x00 intprotocol=0x00: would load $cue" \
	"a CATC Netmate II -> cue"
hasnt "$T/out" "em0" "an attached device is left alone"
[ "$(grep -c 'would load' "$T/out")" -eq 4 ] || fail "four decisions"
ok "kextd -n chooses if_iwm, amdgpu, ukbd and cue from devinfo -v"

expect 0 "--json" "$BIN/kextd" -n -e -r "$ext" --devices "$T/devinfo.txt" --json
python3 - "$T/out" "$iwm" "$ukbd" <<'PY' || fail "kextd --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d) == 7, d
chosen = [x["chosen"] for x in d]
assert chosen == [sys.argv[2], None, "org.freebsd.kmod.fx_amdgpu", None, sys.argv[3], None,
                  "org.freebsd.kmod.fx_cue"], chosen
assert d[0]["line"] == 6 and d[0]["action"] == "would load" and not d[0]["overlap"]
assert d[0]["candidates"][0]["rule"] == "FreeBSD PnP table"
PY
ok "--json"

# An overlap: another kext claims Tahiti with a higher IOProbeScore and wins.
mkdir -p "$T/more/Radeon.kext/Contents/MacOS"
cp "$FX/amd64/fx_base.ko" "$T/more/Radeon.kext/Contents/MacOS/fx_base.ko"
cat >"$T/more/Radeon.kext/Contents/Info.plist" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>org.example.radeon</string>
<key>CFBundleVersion</key><string>1.0</string>
<key>CFBundleExecutable</key><string>fx_base.ko</string>
<key>CFBundlePackageType</key><string>KEXT</string>
<key>OSBundleLibraries</key><dict><key>org.freebsd.kernel</key><string>14.2</string></dict>
<key>IOKitPersonalities</key><dict><key>radeon</key><dict>
<key>CFBundleIdentifier</key><string>org.example.radeon</string>
<key>IOClass</key><string>radeon</string><key>IOProviderClass</key><string>IOPCIDevice</string>
<key>IOPCIMatch</key><string>0x67801002 0x13041002</string>
<key>IOProbeScore</key><integer>100</integer></dict></dict>
</dict></plist>
EOF
expect 0 "overlap" "$BIN/kextd" -n -e -r "$ext" -r "$T/more" --devices "$T/devinfo.txt"
has "$T/out" "device=0x6780 subvendor=0x1002 subdevice=0x0b0e class=0x030000: would load org.example.radeon (personality \"radeon\", IOPCIMatch, IOProbeScore 100" \
	"the higher IOProbeScore wins"
has "$T/out" "  overlap: $amdgpu also matches (personality \"amdgpu pci\", IOProbeScore 0" \
	"the overlap is reported"
ok "overlapping tables: IOProbeScore decides, the overlap is reported"

# Modalias lines (Linux) match the same FreeBSD tables through their pnpinfo.
cat >"$T/modalias.txt" <<'EOF'
# lines as in /sys/bus/*/devices/*/modalias
pci:v00008086d000024FDsv00008086sd00000010bc02sc80i00
usb:v046DpC31Cd6400dc00dsc00dp00ic03isc01ip01in00
pci:v00001234d00001111sv00000000sd00000000bc03sc00i00
EOF
expect 0 "modalias" "$BIN/kextd" -n -e -r "$ext" --devices "$T/modalias.txt"
has "$T/out" "pci:v00008086d000024FDsv00008086sd00000010bc02sc80i00: would load $iwm" "modalias pci"
has "$T/out" "usb:v046DpC31Cd6400dc00dsc00dp00ic03isc01ip01in00: would load $ukbd" "modalias usb"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "only the two matching lines are printed without -v"
ok "modalias listings"

# A Linux sysfs tree: bound devices are left alone.
mkdir -p "$T/sys/bus/pci/devices/0000:00:04.0" "$T/sys/bus/pci/devices/0000:00:05.0" \
	"$T/sys/bus/pci/drivers/iwlwifi"
echo pci:v00008086d000024FDsv00008086sd00000010bc02sc80i00 >"$T/sys/bus/pci/devices/0000:00:04.0/modalias"
echo pci:v00008086d000024F3sv00008086sd00000010bc02sc80i00 >"$T/sys/bus/pci/devices/0000:00:05.0/modalias"
ln -s ../../drivers/iwlwifi "$T/sys/bus/pci/devices/0000:00:05.0/driver"
expect 0 "--sysfs" "$BIN/kextd" -n -e -r "$ext" --sysfs "$T/sys"
has "$T/out" "0000:00:04.0 pci:v00008086d000024FD" "the unbound device"
hasnt "$T/out" "0000:00:05.0" "the bound one is left alone"
ok "sysfs device source"

# Bad listings are refused, naming the file, the line and why.
printf 'nexus0\n  I/O ports:\n' >"$T/bad.txt"
expect 65 "bad listing" "$BIN/kextd" -n -e -r "$ext" --devices "$T/bad.txt"
has "$T/err" "$T/bad.txt:2: neither a devinfo -v line nor a modalias" "bad line named"
expect 65 "missing listing" "$BIN/kextd" -n -e -r "$ext" --devices "$T/none.txt"
has "$T/err" "$T/none.txt" "missing file named"
expect 64 "extra argument" "$BIN/kextd" -n stray
expect 64 "-z into a real kernel" "$BIN/kextd" -z --kernel freebsd --devices "$T/devinfo.txt"
has "$T/err" "-z (--no-authentication) is refused" "-z refused"
ok "bad input"

# Loading into the simulated kernel: each chosen kext once, with dependencies.
new_sim 1402000
expect 0 "load" "$BIN/kextd" -z -e -r "$ext" --devices "$T/devinfo.txt"
has "$T/out" "loaded $iwm" "iwm loaded"
has "$T/out" "loaded $ukbd" "ukbd loaded"
expect 0 "kextstat" "$BIN/kextstat" -l
has "$T/out" "$iwm (" "kextstat lists iwm"
has "$T/out" "$amdgpu (" "kextstat lists amdgpu"
has "$T/out" "$ukbd (" "kextstat lists ukbd"
has "$T/out" "$cue (" "kextstat lists cue"
expect 0 "again" "$BIN/kextd" -z -e -r "$ext" --devices "$T/devinfo.txt"
[ "$("$BIN/kextstat" -l | grep -c fx_iwm)" -eq 1 ] || fail "a second run loads nothing twice"
ok "kextd loads the chosen kexts into the simulated kernel"

# What kextd loaded is in the load record, as kextload's loads are: the kext
# keeps its identity once its bundle is gone.
mv "$ext" "$T/ext.moved"
expect 0 "kextstat -b after the move" "$BIN/kextstat" -l -b "$iwm"
has "$T/out" "$iwm (" "kextstat -b still names iwm"
mv "$T/ext.moved" "$ext"
ok "kextd's loads keep their identity after the bundle moves"

# A failing load is reported and rolled back, the other devices still served.
new_sim 1402000 2
expect 0 "a fresh kernel" "$BIN/kextstat"
echo uhub/ukbd >"$T/kernel2/refuse-load"
expect 71 "refused load" "$BIN/kextd" -z -e -r "$ext" --devices "$T/devinfo.txt" --json
has "$T/err" "$ukbd" "the failing kext is named"
python3 - "$T/out" <<'PY' || fail "kextd --json after a failure"
import json, sys
d = json.load(open(sys.argv[1]))
actions = {x["chosen"]: x["action"] for x in d if x["chosen"]}
assert actions["org.freebsd.kmod.fx_ukbd"] == "failed", actions
assert actions["org.freebsd.kmod.fx_iwm"] == "loaded", actions
PY
"$BIN/kextstat" -l | grep -q fx_ukbd && fail "ukbd must not stay loaded"
ok "a failed load is reported and the others still load"

# Daemon mode: devd's nomatch events arrive on its seqpacket socket (here a
# stand-in that sends what devd would, then hangs up); each new device gets
# its kext, other events are ignored.
sock=$T/devd.sock
python3 - "$sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(30)
c, _ = s.accept()
c.send(b"!system=DEVFS subsystem=CDEV type=CREATE cdev=ttyu0\n")
c.send(b"? at slot=4 function=0 dbsf=pci0:0:4:0 vendor=0x8086 device=0x24fd "
       b"subvendor=0x8086 subdevice=0x0010 class=0x028000 on pci0\n")
c.send(b"+iwm0 at slot=4 function=0 on pci0\n"
       b"? at bus=0 hubaddr=1 port=3 devaddr=2 interface=0 vendor=0x046d product=0xc31c "
       b"devclass=0x00 devsubclass=0x00 devproto=0x00 sernum=\"\" release=0x6400 mode=host "
       b"intclass=0x03 intsubclass=0x01 intprotocol=0x01 on uhub0\n")
c.close()
s.close()
PY
server=$!
i=0
while [ ! -S "$sock" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
: >"$T/empty.txt"
new_sim 1402000 3
expect 0 "--daemon" timeout 60 "$BIN/kextd" --daemon --devd-socket "$sock" -z -e -r "$ext" \
	--devices "$T/empty.txt"
wait "$server" || fail "the devd stand-in failed"
has "$T/out" "unknown on pci0 pnpinfo slot=4 function=0 dbsf=pci0:0:4:0 vendor=0x8086 device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000: loaded $iwm" \
	"a nomatch event for the Intel 8265 loads if_iwm"
has "$T/out" "intprotocol=0x01: loaded $ukbd" "a nomatch event on uhub loads ukbd"
[ "$(grep -c ': loaded ' "$T/out")" -eq 2 ] || fail "two devices served"
expect 0 "kextstat" "$BIN/kextstat" -l
has "$T/out" "$iwm (" "iwm in the kernel"
has "$T/out" "$ukbd (" "ukbd in the kernel"
expect 69 "no devd" "$BIN/kextd" --daemon --devd-socket "$T/none.sock" -n -e -r "$ext" \
	--devices "$T/empty.txt"
has "$T/err" "$T/none.sock" "the missing socket is named"
ok "--daemon serves devd's nomatch events"

# FreeBSD 10.1 modules carry no MODULE_PNP_INFO (it appeared later); the
# linker.hints kldxref wrote for them agrees (0 PnP records, test_hints).
if [ -n "$CORPUS" ] && [ -d "$CORPUS/freebsd-10.1-amd64" ]; then
	expect 0 "10.1 print" "$BIN/ko2kext" --print "$CORPUS/freebsd-10.1-amd64"
	hasnt "$T/out" "  pnp " "no 10.1 module has a PnP table"
	ok "10.1 corpus: no PnP tables, as its linker.hints says"
fi

# A Linux module's alias= lines become LinuxModalias personalities, matched
# with modalias glob semantics (a module object made here: .modinfo strings
# and the .gnu.linkonce.this_module section Linux modules carry).
cat >"$T/lx.c" <<'EOF2'
__attribute__((section(".modinfo"), used)) static const char mi[] =
    "alias=pci:v00008086d0000100Esv*sd*bc*sc*i*\0"
    "alias=pci:v00008086d000010D3sv*sd*bc*sc*i*\0"
    "alias=fs-fxe\0"
    "depends=\0"
    "name=fxe1000\0"
    "vermagic=6.1.0-13-amd64 SMP preempt mod_unload modversions \0";
__attribute__((section(".gnu.linkonce.this_module"), used)) static char this_module[64];
EOF2
expect 0 "cc" "${CC:-cc}" -c -o "$T/fxe1000.ko" "$T/lx.c"
expect 0 "convert linux" "$BIN/ko2kext" -q -o "$T/lx" "$T/fxe1000.ko"
info=$T/lx/Fxe1000.kext/Contents/Info.plist
has "$info" "<key>LinuxModalias</key>" "LinuxModalias personality"
has "$info" "<string>pci:v00008086d000010D3sv*sd*bc*sc*i*</string>" "every pci alias"
hasnt "$info" "<string>fs-fxe</string></array>" "a non-device alias is no pattern"
printf 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\npci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00\n' >"$T/lx.txt"
expect 0 "kextd linux" "$BIN/kextd" -n -v -e -r "$T/lx" --devices "$T/lx.txt"
has "$T/out" "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00: would load org.kernel.linux.fxe1000 (personality \"fxe1000 pci\", LinuxModalias" \
	"QEMU's e1000 -> the e1000-like module"
has "$T/out" "pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00: no kext matches" "0x100f is not listed"
ok "Linux modules: alias= lines as LinuxModalias personalities"
