#!/usr/bin/env python3
"""Forges an identifier index entry (tests/hostile/README.md, "Index").

Usage: forge_index.py FROM_INDEX FROM_NAME INTO_INDEX INTO_NAME

Takes FROM_NAME's line of the index FROM_INDEX (an honest index of another
folder, so its Info.plist stamp matches), renames it INTO_NAME, and puts it
in place of INTO_NAME's line in INTO_INDEX with a correct checksum: the
64-bit FNV-1a of the line before its last tab (kext_tools/lib/repo/repo_index.c).
"""
import sys


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def entry(lines, name):
    for i, line in enumerate(lines):
        fields = line.split(b'\t')
        if len(fields) > 2 and fields[0] == b'k' and fields[1] == name:
            return i, fields[:-1]
    sys.exit('%s: no entry' % name.decode())


def main():
    src, src_name, dst, dst_name = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4].encode()
    with open(src, 'rb') as f:
        _, fields = entry(f.read().split(b'\n'), src_name)
    with open(dst, 'rb') as f:
        lines = f.read().split(b'\n')
    at, _ = entry(lines, dst_name)
    fields[1] = dst_name
    body = b'\t'.join(fields)
    lines[at] = body + b'\t%016x' % fnv1a64(body)
    with open(dst, 'wb') as f:
        f.write(b'\n'.join(lines))


if __name__ == '__main__':
    main()
