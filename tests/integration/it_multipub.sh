#!/usr/bin/env bash
# Guarantee 2 with several publishers: two processes publish on one topic
# at once; both subscribers see one order, numbered without holes, nothing lost.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.multi || fail "create"
N=100000
bg "$PROBE" sub it.multi $((2 * N)) --policy bp --ready "$T/r1" --timeout 30 > "$T/s1"
bg "$PROBE" sub it.multi $((2 * N)) --policy bp --ready "$T/r2" --timeout 30 > "$T/s2"
wait_file "$T/r1"; wait_file "$T/r2"
"$PROBE" pub it.multi $N --retry > "$T/p1" & p1=$!
"$PROBE" pub it.multi $N --retry > "$T/p2" & p2=$!
wait $p1 || fail "publisher 1"
wait $p2 || fail "publisher 2"
wait "${CHILDREN[@]}" || fail "subscriber: $(cat "$T/s1" "$T/s2")"
for s in s1 s2; do
    expect_eq "$(jget '["received"]' < "$T/$s")" $((2 * N)) "$s received"
    expect_eq "$(jget '["gaps"]' < "$T/$s")" 0 "$s gaps"
    expect_eq "$(jget '["disorder"]' < "$T/$s")" 0 "$s out of order"
    expect_eq "$(jget '["last_seq"]' < "$T/$s")" $((2 * N)) "$s last seq"
done
