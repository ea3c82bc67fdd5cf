# The sim kernel's journal (kernel_sim_state.c): a kextload of a long chain
# appends one record a load instead of rewriting the state; a kill -9 in the
# middle leaves a state every tool reads, a record cut short is ignored, and
# the next kextload completes the chain and leaves one snapshot.
. "$(dirname "$0")/lib.sh"
need_fixtures
template=$FX/templates/amd64/gen_link.ko
[ -f "$template" ] || fail "no $template: run make fixtures"
n=2000
"$BUILD/bench/bench_farm" "$T/farm" $n chain "$template" || fail "bench_farm"
new_sim 1402000
state=$T/kernel/state
top=$T/farm/Gen01999.kext
loaded() { "$BIN/kextstat" -l | grep -c ' org\.farm\.gen' || true; }
records() { cat "$state" 2>/dev/null | grep -c '^txn ' || true; }

"$BIN/kextload" -q -z -r "$T/farm" "$top" >"$T/load.out" 2>&1 &
pid=$!
# killed once it has appended 100 records; it must not be done by then
i=0
while [ "$(records)" -lt 100 ]; do
	kill -0 "$pid" 2>/dev/null || { cat "$T/load.out" >&2; fail "the load ended before 100 records"; }
	i=$((i + 1))
	[ $i -lt 6000 ] || fail "no journal records after 60 s"
	sleep 0.01
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
grep -q '^kext-sim-state 2$' "$state" || fail "the state is not format 2"
expect 0 "kextstat after kill -9" "$BIN/kextstat" -l
k=$(loaded)
[ "$k" -ge 100 ] && [ "$k" -lt $n ] || fail "$k of $n loaded after the kill"
r=$(records)
[ "$r" -ge 1 ] && [ "$r" -le "$k" ] || fail "$r records for $k loads"
ok "a kextload killed after $k of $n loads leaves a readable state ($r records appended)"

# The last record loses its end, as a crash while appending would leave it.
truncate -s -2 "$state"
[ "$(loaded)" -eq $((k - 1)) ] || fail "a record cut short was not ignored"
ok "a record cut short is ignored"

expect 0 "kextload after the kill" "$BIN/kextload" -q -z -r "$T/farm" "$top"
[ "$(loaded)" -eq $n ] || fail "$(loaded) of $n loaded"
[ "$(records)" -eq 0 ] || fail "records left after the load ended"
expect 0 "kextunload" "$BIN/kextunload" -b org.farm.gen01999
[ "$(loaded)" -eq $((n - 1)) ] || fail "the unload did not take"
[ "$(records)" -eq 0 ] || fail "records left after the unload ended"
ok "the next kextload completes the chain; each run leaves one snapshot"
