# Shared by the integration tests: sourced, not run.
# Each test is a sh script; it exits 0 when every check passed, 77 to skip
# (after saying why on its last line), anything else on the first failure.
set -eu

: "${BUILD:?run through make check (tests/run1.sh) or set BUILD}"
: "${KEXT_BIN:=$BUILD/bin}"
: "${KEXT_FIXTURES:=$BUILD/fixtures}"
BIN=$KEXT_BIN
FX=$KEXT_FIXTURES
CORPUS=${KEXT_CORPUS:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export KEXT_CACHE_DIR="$T/cache"
unset KEXT_KERNEL KEXT_SIM_OSVERSION KEXT_SIM_ARCH KEXT_SIM_CRASH_AFTER_RECORDS \
	KEXT_SIM_CRASH_AFTER_SNAPSHOTS

checks=0
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}
skip() {
	echo "skipped: $*"
	exit 77
}

# run CMD...: runs it, keeping stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

# expect STATUS MESSAGE CMD...: CMD must exit with STATUS.
expect() {
	want=$1 what=$2
	shift 2
	run "$@"
	if [ "$rc" -ne "$want" ]; then
		echo "--- stdout" >&2; cat "$T/out" >&2
		echo "--- stderr" >&2; cat "$T/err" >&2
		fail "$what: exit $rc, expected $want: $*"
	fi
}

# edit FILE SED-SCRIPT: rewrites FILE through sed, keeping its inode and mode
# (BSD sed -i needs a suffix argument, GNU sed -i takes none: POSIX has no -i).
edit() {
	sed "$2" "$1" >"$T/edit.tmp" && cat "$T/edit.tmp" >"$1" && rm -f "$T/edit.tmp"
}

# has FILE PATTERN WHAT: the file must contain the (fixed) pattern.
has() {
	grep -qF -- "$2" "$1" || { echo "--- $1" >&2; cat "$1" >&2; fail "$3: no '$2'"; }
}
hasnt() {
	if grep -qF -- "$2" "$1"; then echo "--- $1" >&2; cat "$1" >&2; fail "$3: unexpected '$2'"; fi
}

need_corpus() {
	[ -n "$CORPUS" ] && [ -d "$CORPUS/$1" ] ||
		skip "the shared corpus is not at ${CORPUS:-(unset)}/$1 (set KEXT_CORPUS)"
}

need_fixtures() {
	[ -f "$FX/amd64/fx_base.ko" ] || fail "no fixtures in $FX: run make fixtures"
}

# A fresh simulated FreeBSD kernel at version $1 (default 1402000).
new_sim() {
	export KEXT_KERNEL="sim:$T/kernel${2:-}"
	export KEXT_SIM_OSVERSION="${1:-1402000}"
}

# plist_value FILE KEY: the <string>/<integer> that follows <key>KEY</key> (first one).
plist_value() {
	awk -v k="<key>$2</key>" 'found { gsub(/^[ \t]*<[a-z]+>|<\/[a-z]+>[ \t]*$/, ""); print; exit }
		index($0, k) { found = 1 }' "$1"
}
