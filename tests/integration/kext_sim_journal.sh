# The sim kernel's journal (kernel_sim_state.c): a kextload of a long chain
# appends one record a load instead of rewriting the state; a kill -9 in the
# middle leaves a state every tool reads, a record cut short is ignored, and
# the next kextload completes the chain and leaves one snapshot.
# The sim's crash points (kernel_sim_crash.c) stop kextload by SIGKILL right
# after a chosen write, so the state each kill leaves is known exactly: after
# the 100th record, and right after the first snapshot that replaced records.
. "$(dirname "$0")/lib.sh"
need_fixtures
template=$FX/templates/amd64/gen_link.ko
[ -f "$template" ] || fail "no $template: run make fixtures"
n=2000
"$BUILD/bench/bench_farm" "$T/farm" $n chain "$template" || fail "bench_farm"
top=$T/farm/Gen01999.kext
loaded() { "$BIN/kextstat" -l | grep -c ' org\.farm\.gen' || true; }
records() { grep -c '^txn ' "$state" || true; }
snapshot_files() { grep -c '^file ' "$state" || true; }

# kextload_killed VARIABLE=COUNT: a kextload of the chain that the crash
# point must end by SIGKILL (status 128 + 9) before the chain is done.
kextload_killed() {
	run env "$1" "$BIN/kextload" -q -z -r "$T/farm" "$top"
	[ "$rc" -eq 137 ] || { cat "$T/out" "$T/err" >&2; fail "$1: kextload exit $rc, expected 137 (SIGKILL)"; }
	grep -q '^kext-sim-state 2$' "$state" || fail "$1: the state is not format 2"
	expect 0 "kextstat after $1" "$BIN/kextstat" -l
}

# completes: the next kextload loads the rest and leaves a snapshot alone.
completes() {
	expect 0 "kextload after $1" "$BIN/kextload" -q -z -r "$T/farm" "$top"
	[ "$(loaded)" -eq $n ] || fail "$1: $(loaded) of $n loaded"
	[ "$(records)" -eq 0 ] || fail "$1: records left after the load ended"
}

new_sim 1402000 -records
state=$T/kernel-records/state
kextload_killed KEXT_SIM_CRASH_AFTER_RECORDS=100
# every load so far is one record: 64 KiB of records come before a snapshot
k=$(loaded) r=$(records)
[ "$k" -eq 100 ] && [ "$r" -eq 100 ] || fail "$k loaded and $r records, expected 100 and 100"
ok "kextload killed after its 100th record leaves 100 of $n loaded, 100 records"

# The last record loses its end, as a crash while appending would leave it.
truncate -s -2 "$state"
[ "$(loaded)" -eq 99 ] || fail "a record cut short was not ignored: $(loaded) loaded"
ok "a record cut short is ignored"

completes "the records"
expect 0 "kextunload" "$BIN/kextunload" -b org.farm.gen01999
[ "$(loaded)" -eq $((n - 1)) ] || fail "the unload did not take"
[ "$(records)" -eq 0 ] || fail "records left after the unload ended"
ok "the next kextload completes the chain; each run leaves one snapshot"

# Killed right after the records outgrew 64 KiB and a snapshot replaced
# them: no record is left, and the snapshot holds every load so far.
new_sim 1402000 -snapshot
state=$T/kernel-snapshot/state
kextload_killed KEXT_SIM_CRASH_AFTER_SNAPSHOTS=1
k=$(loaded) r=$(records)
[ "$r" -eq 0 ] || fail "$r records after the snapshot"
[ "$k" -eq $(($(snapshot_files) - 1)) ] || fail "$k loaded, but the snapshot lists $(snapshot_files) files"
[ "$k" -gt 100 ] && [ "$k" -lt $n ] || fail "the first snapshot came at load $k of $n"
# It came at the first load whose record did not fit: one load less, killed
# after its last record, leaves every load a record and no snapshot.
new_sim 1402000 -before
state=$T/kernel-before/state
kextload_killed KEXT_SIM_CRASH_AFTER_RECORDS=$((k - 1))
[ "$(loaded)" -eq $((k - 1)) ] && [ "$(records)" -eq $((k - 1)) ] ||
	fail "$(loaded) loaded and $(records) records, expected $((k - 1)) of each"
ok "kextload killed right after its first snapshot leaves $k loaded, 0 records"

new_sim 1402000 -snapshot
state=$T/kernel-snapshot/state
completes "the snapshot"
ok "the next kextload completes the chain from the snapshot"
