#!/usr/bin/env python3
"""Writes the hostile-input catalog's inputs (tests/hostile/README.md) into OUT.

Usage: make_inputs.py FIXTURES OUT

Modules are derived from our own fixture FIXTURES/amd64/fx_base.ko (an ELF64
little-endian ET_REL FreeBSD module) by breaking one thing at a time; property
lists are written from scratch. Nothing here is committed: every input is made
at test time, deterministically.
"""
import os
import struct
import sys


def elf_sections(data):
    """(name, sh_type, offset, size, entsize, header offset) of each section."""
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    heads = []
    for i in range(shnum):
        at = shoff + i * shentsize
        name, typ, _flags, _addr, off, size, _link, _info, _align, ent = \
            struct.unpack_from('<IIQQQQIIQQ', data, at)
        heads.append((name, typ, off, size, ent, at))
    stroff = heads[shstrndx][2]
    out = []
    for name, typ, off, size, ent, at in heads:
        end = data.index(b'\0', stroff + name)
        out.append((data[stroff + name:end].decode(), typ, off, size, ent, at))
    return out


def modules(base, out):
    """The broken modules, as {file name: bytes}."""
    m = {}
    m['truncated.ko'] = base[:200]                      # ELF header, then nothing
    m['truncated_sections.ko'] = base[:len(base) // 2]  # section table cut off
    m['empty.ko'] = b''
    flipped = bytearray(base)
    flipped[4] = 3                                      # EI_CLASS: neither 32 nor 64
    m['bad_class.ko'] = bytes(flipped)
    flipped = bytearray(base)
    flipped[5] = 7                                      # EI_DATA: no such byte order
    m['bad_endian.ko'] = bytes(flipped)
    wrong = bytearray(base)
    struct.pack_into('<H', wrong, 0x12, 0x9999)         # e_machine nobody knows
    m['unknown_machine.ko'] = bytes(wrong)
    huge = bytearray(base)
    struct.pack_into('<H', huge, 0x3c, 0xffff)          # e_shnum past the file's end
    m['too_many_sections.ko'] = bytes(huge)
    wrong = bytearray(base)
    wrong[7] = 3                                        # EI_OSABI: Linux, not FreeBSD
    m['wrong_osabi.ko'] = bytes(wrong)
    # Every relocation of the linker-set section points far outside it.
    reloc = bytearray(base)
    n = 0
    for name, typ, off, size, ent, _ in elf_sections(base):
        if typ == 4 and name.startswith('.rela') and 'set_modmetadata_set' in name:
            for at in range(off, off + size, ent or 24):
                struct.pack_into('<Q', reloc, at, 0x7fff0000)
                n += 1
    assert n > 0, 'fx_base.ko has no .rela for set_modmetadata_set'
    m['reloc_out_of_range.ko'] = bytes(reloc)
    # A byte flipped in every 64: whatever it breaks must be reported, not crash.
    noisy = bytearray(base)
    for at in range(0x40, len(noisy), 64):
        noisy[at] ^= 0xff
    m['bit_flipped.ko'] = bytes(noisy)
    for name, data in m.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


PLIST_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
              '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n')

GOOD_KEYS = {
    'CFBundlePackageType': '<string>KEXT</string>',
    'CFBundleIdentifier': '<string>org.example.hostile</string>',
    'CFBundleVersion': '<string>1.0</string>',
    'CFBundleExecutable': '<string>fx_base.ko</string>',
    'OSBundleLibraries': '<dict><key>org.freebsd.kernel</key><string>14.0</string></dict>',
}

# A value of the wrong type for each key the validator reads.
WRONG = {
    'CFBundleIdentifier': '<integer>7</integer>',
    'CFBundleVersion': '<array/>',
    'CFBundleExecutable': '<dict/>',
    'CFBundlePackageType': '<data>AA==</data>',
    'OSBundleLibraries': '<string>org.freebsd.kernel</string>',
    'OSBundleCompatibleVersion': '<true/>',
    'OSBundleRequired': '<integer>1</integer>',
    'OSKernelResource': '<string>yes</string>',
    'IOKitPersonalities': '<array/>',
}


def plist(keys, extra_head=''):
    body = ''.join('\t<key>%s</key>%s\n' % kv for kv in keys.items())
    return (PLIST_HEAD.replace('<!DOCTYPE', extra_head + '<!DOCTYPE') if extra_head
            else PLIST_HEAD) + '<plist version="1.0">\n<dict>\n' + body + '</dict>\n</plist>\n'


def deep_binary_plist(levels):
    """A binary plist of `levels` arrays, each holding the next (bplist00:
    objects, offset table, 32-byte trailer; 3-byte references and offsets)."""
    objects = bytearray(b'bplist00')
    offsets = []
    for i in range(levels):
        offsets.append(len(objects))
        if i + 1 < levels:
            objects += b'\xa1' + (i + 1).to_bytes(3, 'big')
        else:
            objects += b'\xa0'
    table = len(objects)
    for off in offsets:
        objects += off.to_bytes(3, 'big')
    trailer = bytes(6) + bytes([3, 3]) + struct.pack('>QQQ', levels, 0, table)
    return bytes(objects + trailer)


def plists(out):
    p = {}
    for key, value in WRONG.items():
        keys = dict(GOOD_KEYS)
        keys[key] = value
        p['wrong_type_%s.plist' % key] = plist(keys)
    for key in ('CFBundleIdentifier', 'CFBundleVersion', 'CFBundlePackageType'):
        keys = dict(GOOD_KEYS)
        del keys[key]
        p['missing_%s.plist' % key] = plist(keys)
    deep = '<array>' * 200 + '</array>' * 200
    keys = dict(GOOD_KEYS)
    keys['Deep'] = deep
    p['deep_nesting.plist'] = plist(keys)
    keys = dict(GOOD_KEYS)
    keys['CFBundleIdentifier'] = '<string>%s</string>' % ('x' * (1 << 20))
    p['huge_identifier.plist'] = plist(keys)
    # A newline in the identifier would forge a line of kextstat's output.
    keys = dict(GOOD_KEYS)
    keys['CFBundleIdentifier'] = ('<string>org.example.nl\n'
                                  '    9    1 0xffffffff 0x1000 org.forged.kext (6.6.6)</string>')
    p['newline_identifier.plist'] = plist(keys)
    keys = dict(GOOD_KEYS)
    keys['Padding'] = '<string>%s</string>' % ('y' * (17 << 20))
    p['too_big.plist'] = plist(keys)
    # Entities: billion laughs, and an external entity reading a local file.
    laughs = '<!DOCTYPE plist [<!ENTITY a "ha">' + ''.join(
        '<!ENTITY %s "%s">' % (chr(98 + i), ('&%s;' % chr(97 + i)) * 10) for i in range(8)) + ']>'
    keys = dict(GOOD_KEYS)
    keys['Laugh'] = '<string>&i;</string>'
    p['entity_expansion.plist'] = ('<?xml version="1.0" encoding="UTF-8"?>\n' + laughs +
                                   '\n<plist version="1.0">\n<dict>\n' +
                                   ''.join('\t<key>%s</key>%s\n' % kv for kv in keys.items()) +
                                   '</dict>\n</plist>\n')
    keys = dict(GOOD_KEYS)
    keys['Secret'] = '<string>&secret;</string>'
    p['external_entity.plist'] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                                  '<!DOCTYPE plist [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n'
                                  '<plist version="1.0">\n<dict>\n' +
                                  ''.join('\t<key>%s</key>%s\n' % kv for kv in keys.items()) +
                                  '</dict>\n</plist>\n')
    p['not_xml.plist'] = 'bplist00\x08\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x01' + \
        '\x00' * 7 + '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09'
    # 100,000 nested arrays, binary: libplist recurses once a level.
    p['deep_binary.plist'] = deep_binary_plist(100000).decode('latin-1')
    # The same depth in XML, and a root element with 100,000 attributes.
    p['deep_xml.plist'] = (PLIST_HEAD + '<plist version="1.0">\n' + '<array>' * 100000 +
                           '</array>' * 100000 + '\n</plist>\n')
    p['many_attributes.plist'] = (PLIST_HEAD + '<plist version="1.0"' +
                                  ''.join(' a%d="x"' % i for i in range(100000)) +
                                  '>\n<dict/>\n</plist>\n')
    # An error only libxml2 words: still given with the file's name.
    p['xml_version_2.plist'] = plist(GOOD_KEYS).replace('version="1.0" encoding', 'version="2.0" encoding', 1)
    p['top_level_array.plist'] = PLIST_HEAD + '<plist version="1.0">\n<array/>\n</plist>\n'
    for name, text in p.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(text.encode('latin-1'))


def main():
    fixtures, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, 'modules'), exist_ok=True)
    os.makedirs(os.path.join(out, 'plists'), exist_ok=True)
    with open(os.path.join(fixtures, 'amd64', 'fx_base.ko'), 'rb') as f:
        base = f.read()
    modules(base, os.path.join(out, 'modules'))
    plists(os.path.join(out, 'plists'))


if __name__ == '__main__':
    main()
