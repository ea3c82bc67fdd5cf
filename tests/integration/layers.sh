#!/bin/sh
# The engine's layers point one way (kext_tools/lib/README.md): every include
# of a layer's sources and public headers names its own layer, a layer it may
# use, or a private header of its own folder; the tools use public headers only.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
lib=$top/kext_tools/lib
inc=$top/kext_tools/include

layers=$(sed -n 's/^Layers: //p' "$lib/README.md")
[ -n "$layers" ] || fail "$lib/README.md: no 'Layers:' line"

# field LAYER NAME: the words after "NAME:" in the layer's README.
field() {
	sed -n "s/^$2:[[:space:]]*//p" "$lib/$1/README.md"
}

# owner HEADER: the layer whose README lists kext/HEADER.
owner() {
	for l in $layers; do
		case " $(field "$l" 'Public headers') " in *" kext/$1 "*) echo "$l"; return ;; esac
	done
}

# Every folder is a declared layer, and every layer may use only layers below it.
below=""
for l in $layers; do
	[ -f "$lib/$l/README.md" ] || fail "layer $l has no $lib/$l/README.md"
	for u in $(field "$l" 'May use'); do
		case " $below " in *" $u "*) ;; *) fail "layer $l may use '$u', which is not below it" ;; esac
	done
	below="$below $l"
done
for d in "$lib"/*/; do
	case " $layers " in *" $(basename "$d") "*) ;; *) fail "$d is not a layer in $lib/README.md" ;; esac
done
ok "layers declared bottom first: $layers"

# Every public header belongs to exactly one layer.
for h in "$inc"/kext/*.h; do
	n=0
	for l in $layers; do
		case " $(field "$l" 'Public headers') " in *" kext/$(basename "$h") "*) n=$((n + 1)) ;; esac
	done
	[ "$n" -eq 1 ] || fail "$h is listed by $n layers' READMEs, not 1"
done
ok "each public header has one layer"

# check FILE LAYER: FILE's quoted includes respect LAYER's rules.
check() {
	allowed=" $2 $(field "$2" 'May use') "
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$1" | sed 's/^\([0-9]*\):.*"\(.*\)".*/\1 \2/' |
	while read -r line name; do
		case $name in
		kext/*)
			o=$(owner "${name#kext/}")
			[ -n "$o" ] || { echo "$1:$line: $name is no layer's public header"; continue; }
			case $allowed in *" $o "*) ;; *) echo "$1:$line: layer $2 includes $name of layer $o above it" ;; esac
			;;
		CoreFoundation/*) ;;
		*/*) echo "$1:$line: $name reaches into another folder" ;;
		*) [ -f "$(dirname "$1")/$name" ] || echo "$1:$line: $name is not a private header of this folder" ;;
		esac
	done
}

out=$T/violations
: >"$out"
for l in $layers; do
	for f in "$lib/$l"/*.[ch]; do check "$f" "$l" >>"$out"; done
	for h in $(field "$l" 'Public headers'); do check "$inc/$h" "$l" >>"$out"; done
done
# Tools and the converter sit above every layer: public headers only.
for f in "$top"/kext_tools/*.c "$top"/converter/*.[ch]; do
	grep -nE '#[[:space:]]*include[[:space:]]*"([^"]*_internal\.h"|\.\./)' "$f" |
	    sed "s|^|$f:|; s|\$| (a private engine header)|" >>"$out"
done
if [ -s "$out" ]; then
	cat "$out" >&2
	fail "$(wc -l <"$out") includes break the layering"
fi
ok "every include points down or stays in its folder"
