#!/bin/sh
# Benchmarks. Every figure is a ratio against its floor or its peer measured
# in the same run: the two commands alternate (A, B, A, B, ...), each pair
# gives one ratio (the timer's own cost taken off both sides), and the median
# of BENCH_RUNS pairs (default 5; three times as many for commands of a few
# milliseconds) is printed with its goal. A busy machine slows both sides of
# a pair alike, so the ratios hold where absolute times do not. Growth curves compare the CPU time
# (user + system, to the microsecond) of the same work at 1,000 and at
# BENCH_BIG (10,000) kexts, the small size repeated to take as long, and flag
# a curve that bends upward (ratio well above the size ratio).
#
#  - ko2kext --json over the FreeBSD 10.1 corpus vs a plain read of the same
#    files (goal <= 2.5x), and its peak memory vs 16 MiB;
#  - bulk conversion vs cp -r of the finished bundle tree, one sync in both
#    (goal <= 1.5x);
#  - with kmod installed (Debian's kmod package) and a Debian linux-image
#    package (apt-get download, unpacked into the build folder; BENCH_LINUX_IMAGE
#    picks it): ko2kext --json vs depmod over the same modules, each one
#    process, kextutil -n vs modprobe -n planning the same module (goal <= 1x);
#  - a warm plan in a 1,000-kext repository (ten chains of 100, the top of
#    one planned), the whole kextutil -n process, vs a kextutil that only
#    starts and vs its 15 ms goal (bench_plan prints the in-process figures);
#  - kextstat with 4,000 loaded (and kextload's record of them) vs a
#    kextstat that only starts and vs its 0.2 s goal;
#  - growth 1k -> 10k: planning a chain, kextstat of that many loaded, one
#    kextload of a chain into the sim kernel; growth 2k -> 20k modules:
#    ko2kext --print and a conversion.
# They measure; they do not fail on a slow machine.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD="$top/$BUILD" ;; esac
RUNS=${BENCH_RUNS:-5}
BIG=${BENCH_BIG:-10000}
corpus=${KEXT_CORPUS:-$top/../shared/corpus}/freebsd-10.1-amd64
bin=$BUILD/bin
template=$BUILD/fixtures/templates/amd64/gen_link.ko
mkdir -p "$BUILD" && tmp=$(mktemp -d "$BUILD/bench.XXXXXX")	# where CI writes its bundles
trap 'rm -rf "$tmp"' EXIT
export KEXT_CACHE_DIR="$tmp/cache" KEXT_SIM_OSVERSION=1402000

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# wall FN I: seconds FN takes for run I (its output discarded).
wall() {
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	echo "$(now) - $t0" | bc -l
}

# less_timer T T0: T without the timer's cost T0, never below 0.1 ms.
less_timer() { awk -v t="$1" -v t0="$2" 'BEGIN { d = t - t0; printf "%.6f\n", (d > 0.0001 ? d : 0.0001) }'; }

# paired NAME GOAL A B [PAIRS]: A and B alternate PAIRS (RUNS) times (each gets the run
# number); prints the median of the ratios A/B and both medians. The timer's
# own cost (the second date(1) it starts, about a millisecond: as much as a
# small command) is measured beside each pair and taken off both sides.
paired() {
	name=$1 goal=$2 a=$3 b=$4 pairs=${5:-$RUNS}
	: >"$tmp/ta"
	: >"$tmp/tb"
	: >"$tmp/tr"
	for i in $(seq "$pairs"); do
		t0=$(wall :)
		ta=$(less_timer "$(wall "$a" "$i")" "$t0")
		tb=$(less_timer "$(wall "$b" "$i")" "$t0")
		echo "$ta" >>"$tmp/ta"
		echo "$tb" >>"$tmp/tb"
		echo "$ta / $tb" | bc -l >>"$tmp/tr"
	done
	printf '%-44s %7.2fx  goal %-6s (medians of %d pairs: %.4f s vs %.4f s)\n' "$name" \
	    "$(median <"$tmp/tr")" "$goal" "$pairs" "$(median <"$tmp/ta")" "$(median <"$tmp/tb")"
}

# growth NAME CMD [PREP]: CMD with @N@ (the size) and @LAST@ (its last kext,
# 5 digits) at GROWTH_BIG (BIG) and GROWTH_SMALL (1,000) kexts, alternating,
# each run after PREP (untimed, a reset of what CMD changes); their CPU times
# (bench_cpu: to the microsecond) compared. Each measurement of the small size
# repeats it until it has taken as much CPU as the big one just did (or a
# second, plenty at that resolution), at most GROWTH_BIG / GROWTH_SMALL times,
# and takes the mean: a run of a few ms alone would be mostly noise.
sized() { echo "$2" | sed "s/@N@/$1/g; s/@LAST@/$(printf %05d $(($1 - 1)))/g"; }
growth() {
	name=$1 cmd=$2 prep=${3:-} n_small=${GROWTH_SMALL:-1000} n_big=${GROWTH_BIG:-$BIG}
	: >"$tmp/ga"
	: >"$tmp/gb"
	for i in $(seq "$GROWTH_RUNS"); do
		if ! "$BUILD/bench/bench_cpu" -p "$(sized "$n_big" "$prep")" 1 \
		    "$(sized "$n_big" "$cmd")" >"$tmp/g1" 2>"$tmp/gerr" ||
		    ! "$BUILD/bench/bench_cpu" -p "$(sized "$n_small" "$prep")" \
		    -t "$(awk '{ print $1 < 1 ? $1 : 1 }' "$tmp/g1")" $((n_big / n_small)) \
		    "$(sized "$n_small" "$cmd")" >"$tmp/g2" 2>"$tmp/gerr"; then
			printf '%-44s not measured: %s\n' "$name" "$(head -n 1 "$tmp/gerr")"
			return 0
		fi
		cut -d ' ' -f 1 "$tmp/g1" >>"$tmp/gb"
		cut -d ' ' -f 1 "$tmp/g2" >>"$tmp/ga"
	done
	small=$(median <"$tmp/ga")
	big=$(median <"$tmp/gb")
	ratio=$(echo "$big / ($small + 0.000001)" | bc -l)
	limit=$(echo "$n_big / $n_small * 1.5" | bc -l)
	verdict="linear"
	[ "$(echo "$ratio > $limit" | bc -l)" -eq 1 ] && verdict="BENDS UPWARD"
	printf '%-44s %7.2fx  for %sx the size: %s (CPU medians of %d: %.4f s vs %.4f s, mean of %d)\n' \
	    "$name" "$ratio" "$((n_big / n_small))" "$verdict" "$GROWTH_RUNS" "$big" "$small" \
	    "$(cut -d ' ' -f 2 "$tmp/g2")"
}
GROWTH_RUNS=${BENCH_GROWTH_RUNS:-3}

# --- ko2kext over the 10.1 corpus ---------------------------------------------
json() { "$bin/ko2kext" --json "$corpus" >/dev/null; }
read_all() { cat "$corpus"/*.ko >/dev/null; }
convert() { "$bin/ko2kext" -q --allow-missing -o "$tmp/conv.$1" "$corpus" && sync; }
copy_tree() { cp -r "$tmp/finished" "$tmp/copy.$1" && sync; }

if [ -d "$corpus" ]; then
	n=$(ls "$corpus"/*.ko | wc -l)
	echo "ko2kext, $n FreeBSD 10.1 modules:"
	paired "  metadata (--json) vs reading the files" "2.5x" json read_all
	/usr/bin/time -f '%M' -o "$tmp/rss" "$bin/ko2kext" --json "$corpus" >/dev/null 2>&1 || true
	printf '%-44s %7.2fx  goal 1x     (%d KiB vs 16 MiB)\n' "  peak memory of --json vs 16 MiB" \
	    "$(echo "$(cat "$tmp/rss") / 16384" | bc -l)" "$(cat "$tmp/rss")"
	"$bin/ko2kext" -q --allow-missing -o "$tmp/finished" "$corpus" >/dev/null 2>&1 || true
	paired "  conversion vs cp -r of the bundles, + sync" "1.5x" convert copy_tree
	rm -rf "$tmp"/conv.* "$tmp"/copy.* "$tmp/finished"
else
	echo "ko2kext: skipped: no corpus at $corpus (set KEXT_CORPUS)"
fi

# --- Debian's modules: depmod and modprobe -n as peers -------------------------
# BENCH_LINUX_IMAGE: the linux-image metapackage whose kernel is measured
# (linux-image-amd64: the full set, about 4,000 modules).
image=${BENCH_LINUX_IMAGE:-linux-image-cloud-amd64}
debian_modules() {
	cache=$BUILD/bench-cache
	mkdir -p "$cache"
	# linux-image-6.1.0-57-cloud-amd64_*.deb for linux-image-cloud-amd64, and
	# never that one for linux-image-amd64
	deb=$(ls "$cache"/linux-image-[0-9]*[0-9]-"${image#linux-image-}"_*.deb 2>/dev/null |
	    head -n 1 || true)
	if [ -z "$deb" ]; then
		pkg=$(apt-cache depends "$image" 2>/dev/null |
		    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
		[ -n "$pkg" ] || return 1
		(cd "$cache" && timeout 300 apt-get download -q "$pkg" >/dev/null 2>&1) || return 1
		deb=$(ls "$cache/$pkg"_*.deb | head -n 1)
	fi
	root=$cache/$(basename "$deb" .deb)
	if [ ! -f "$root/.unpacked" ]; then
		rm -rf "$root" "$root.ko"
		dpkg-deb -x "$deb" "$root" || return 1
		# decompressed once, so both tools read the same plain files
		find "$root/lib/modules" -name '*.ko.xz' -exec xz -d {} + || return 1
		touch "$root/.unpacked"
	fi
	release=$(ls "$root/lib/modules" | head -n 1)
	[ -n "$release" ]
}

# all_kos CMD...: CMD with every Debian module as its last arguments, in one
# process as depmod is. xargs could split the list into several runs, and a
# module's depends= on one converted in another run would be left out of its
# OSBundleLibraries. Paths one a line, so the split is on newlines only.
all_kos() {
	set -f
	saved_ifs=$IFS
	IFS='
'
	set -- "$@" $kos
	IFS=$saved_ifs
	set +f
	"$@"
}

if ! command -v depmod >/dev/null 2>&1 || ! command -v modprobe >/dev/null 2>&1; then
	echo "Debian modules: skipped: depmod/modprobe not installed (Debian package kmod)"
elif ! debian_modules; then
	echo "Debian modules: skipped: cannot fetch a $image package (apt-get download)"
else
	find "$root/lib/modules/$release/kernel" -name '*.ko' | sort >"$tmp/kos"
	kos=$(cat "$tmp/kos")
	echo "Debian $release, $(wc -l <"$tmp/kos") modules:"
	dep_json() { all_kos "$bin/ko2kext" --json >/dev/null; }
	dep_depmod() { depmod -b "$root" "$release"; }
	if ! dep_json 2>"$tmp/json.err"; then
		echo "  ko2kext --json: not measured: it failed: $(head -n 1 "$tmp/json.err")"
	else
		paired "  ko2kext --json vs depmod" "1x" dep_json dep_depmod
	fi
	depmod -b "$root" "$release"
	# the module with the most dependencies, planned by both
	target=$(awk -F: '{ n = split($2, d, " "); if (n > best) { best = n; m = $1 } } END { print m }' \
	    "$root/lib/modules/$release/modules.dep")
	mod=$(basename "$target" .ko)
	all_kos "$bin/ko2kext" -q -o "$tmp/debext" >/dev/null 2>"$tmp/conv.err" ||
	    echo "  conversion failed: $(head -n 1 "$tmp/conv.err")"
	# Dated back, as bench_farm's are: the identifier index trusts no file or
	# folder modified within 2 s of its reading, and these were just written.
	touch -t 202001010000 "$tmp/old"
	find "$tmp/debext" -name Info.plist -exec touch -r "$tmp/old" {} +
	touch -r "$tmp/old" "$tmp/debext"
	# Change times cannot be dated back, and a parsed Info.plist is kept only
	# for a file unchanged for 2 s: as installed modules are.
	sleep 2
	bundle=$(grep -l "<string>$mod.ko</string>" "$tmp"/debext/*.kext/Contents/Info.plist |
	    head -n 1 | sed 's|/Contents/Info.plist||')
	# A kernel with nothing loaded, as modprobe -d sees it; a container may
	# have no /proc/modules at all.
	: >"$tmp/proc-modules"
	plan_kext() {
		KEXT_LINUX_RELEASE=$release KEXT_LINUX_PROC_MODULES=$tmp/proc-modules \
		    KEXT_LINUX_STATE=$tmp/linux-state \
		    "$bin/kextutil" -n -q -z --kernel linux -r "$tmp/debext" "$bundle"
	}
	plan_modprobe() { modprobe -n -d "$root" -S "$release" "$mod"; }
	if [ -z "$bundle" ]; then
		echo "  planning: skipped: $mod.ko was not converted"
	# both must plan (warming the index, as modules.dep is): a failing run is no figure
	elif ! plan_kext >"$tmp/plan.out" 2>&1; then
		echo "  planning: not measured: kextutil -n failed: $(grep -m 1 . "$tmp/plan.out")"
	elif ! plan_modprobe >"$tmp/plan.out" 2>&1; then
		echo "  planning: not measured: modprobe -n failed: $(grep -m 1 . "$tmp/plan.out")"
	else
		# a few ms each: more pairs, for a steadier median
		paired "  kextutil -n vs modprobe -n ($mod)" "1x" plan_kext plan_modprobe $((RUNS * 3))
		# what neither can go below: starting (kextutil loads libplist and
		# libbsd, libxml2 only to parse XML; modprobe libcrypto, liblzma, libzstd)
		start_kext() { "$bin/kextutil" --help; }
		start_modprobe() { modprobe --version; }
		paired "    start-up alone: kextutil vs modprobe" "-" start_kext start_modprobe \
		    $((RUNS * 3))
	fi
fi

# --- planning in a 1,000-kext repository ----------------------------------------
if [ -x "$BUILD/bench/bench_plan" ]; then
	"$BUILD/bench/bench_plan"
else
	echo "plan: skipped: $BUILD/bench/bench_plan was not built"
fi
if [ -f "$template" ]; then
	# bench_plan's layout: 1,000 kexts in ten chains of 100; the top of one planned
	"$BUILD/bench/bench_farm" "$tmp/chains1k" 1000 chains "$template"
	sleep 2	# older than 2 s, as installed kexts are (see the Debian modules)
	warm_plan() {
		"$bin/kextutil" -n -q -z --kernel "sim:$tmp/plansim" -r "$tmp/chains1k" \
		    "$tmp/chains1k/Gen00099.kext"
	}
	floor() { "$bin/kextutil" --help; }
	warm_plan >/dev/null 2>&1 || true
	paired "warm plan of 100 in 1,000, kextutil -n vs start" "-" warm_plan floor $((RUNS * 3))
	printf '%-44s %7.2fx  goal 1x     (%.1f ms vs 15 ms)\n' "  the same vs its 15 ms goal" \
	    "$(echo "$(median <"$tmp/ta") / 0.015" | bc -l)" "$(echo "$(median <"$tmp/ta") * 1000" | bc -l)"
fi

# loaded: flat farm SIZE in $tmp/flat.SIZE, all loaded into sim:$tmp/stat.SIZE,
# with kextload's record of them, as after SIZE kextloads.
loaded() {
	mkdir -p "$tmp/stat.$1"
	"$BUILD/bench/bench_farm" "$tmp/flat.$1" "$1" flat "$template" "$tmp/stat.$1/state" \
	    "sim:$tmp/stat.$1"
}

# --- kextstat with 4,000 loaded -----------------------------------------------------
if [ -f "$template" ]; then
	loaded 4000
	sleep 2
	stat4k() { "$bin/kextstat" --kernel "sim:$tmp/stat.4000"; }
	stat_floor() { "$bin/kextstat" --help; }
	stat4k >/dev/null 2>&1 || true
	paired "kextstat of 4,000 loaded vs start" "-" stat4k stat_floor
	printf '%-44s %7.2fx  goal 1x     (%.3f s vs 0.2 s)\n' "  the same vs its 0.2 s goal" \
	    "$(echo "$(median <"$tmp/ta") / 0.2" | bc -l)" "$(median <"$tmp/ta")"
	rm -rf "$tmp/flat.4000" "$tmp/stat.4000"
fi

# --- growth curves -----------------------------------------------------------------
if [ -f "$template" ]; then
	for size in 1000 "$BIG"; do
		"$BUILD/bench/bench_farm" "$tmp/chain.$size" "$size" chain "$template"
		loaded "$size"
	done
	plan_n="$bin/kextutil -n -q -z --kernel sim:$tmp/plansim -r $tmp/chain.@N@ $tmp/chain.@N@/Gen@LAST@.kext"
	stat_n="$bin/kextstat --kernel sim:$tmp/stat.@N@"
	load_n="$bin/kextload -q -z --kernel sim:$tmp/loadsim -r $tmp/chain.@N@ $tmp/chain.@N@/Gen@LAST@.kext"
	sleep 2
	sh -c "$(sized 1000 "$plan_n")" >/dev/null 2>&1 || true	# warm the caches
	sh -c "$(sized "$BIG" "$plan_n")" >/dev/null 2>&1 || true
	echo "growth, 1,000 -> $BIG kexts (CPU time):"
	growth "  planning a chain (kextutil -n)" "$plan_n"
	growth "  kextstat" "$stat_n"
	GROWTH_RUNS=${BENCH_LOAD_RUNS:-1} growth "  one kextload of a chain into the sim" "$load_n" \
	    "rm -rf $tmp/loadsim"
	rm -rf "$tmp"/chain.* "$tmp"/flat.* "$tmp"/stat.*

	# ko2kext over 2,000 and 20,000 modules: an empty output folder per run,
	# and nothing else left for its syncfs to write
	for size in 2000 20000; do
		"$BUILD/bench/bench_farm" "$tmp/mods.$size" "$size" modules "$template"
	done
	print_n="$bin/ko2kext --print $tmp/mods.@N@"
	conv_n="$bin/ko2kext -q -o $tmp/conv $tmp/mods.@N@"
	echo "growth, 2,000 -> 20,000 modules (CPU time):"
	GROWTH_SMALL=2000 GROWTH_BIG=20000 growth "  ko2kext --print" "$print_n"
	GROWTH_SMALL=2000 GROWTH_BIG=20000 GROWTH_RUNS=${BENCH_CONVERT_RUNS:-1} \
	    growth "  ko2kext conversion (-o)" "$conv_n" "rm -rf $tmp/conv && sync"
else
	echo "growth: skipped: $template was not built (make fixtures)"
fi
