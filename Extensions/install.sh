#!/bin/sh
# Installs every bundle of SRCDIR (make extensions' output) into DESTDIR
# (make install: $(DESTDIR)/System/Library/Extensions), no group or other
# write, owned by root:wheel (uid 0, gid 0) when run as root, as kextload
# demands of kexts it loads into the real kernel. Each bundle is copied
# beside its place and renamed into it.
# Usage: install.sh SRCDIR DESTDIR
set -eu
prog=Extensions/install.sh
if [ $# -ne 2 ]; then
	echo "usage: $prog SRCDIR DESTDIR" >&2
	exit 2
fi
src=$1 dest=$2
set -- "$src"/*.kext
[ -e "$1" ] || { echo "$prog: no bundles in $src: run make extensions first" >&2; exit 1; }
mkdir -p "$dest"
for b in "$@"; do
	name=${b##*/}
	rm -rf "${dest:?}/.$name.new"
	cp -R "$b" "$dest/.$name.new"
	chmod -R go-w "$dest/.$name.new"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R 0:0 "$dest/.$name.new"
	fi
	rm -rf "${dest:?}/$name"
	mv "$dest/.$name.new" "$dest/$name"
	echo "installed $dest/$name"
done
