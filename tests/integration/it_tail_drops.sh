#!/usr/bin/env bash
# Drops are visible without a later message: a drop-policy subscriber with
# a queue of 8 that does not poll while 100 messages go by keeps the newest
# (drop-oldest, a lapped reader keeps at least three quarters of its depth:
# docs/fanout.md), so its first seq shows the loss only if it counts from 1;
# tern_sub_stats() says how many were dropped, read from shared memory.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.tail >/dev/null || fail "create"
bg "$PROBE" sub it.tail 8 --policy drop --depth 8 --until-seq 100 --ready "$T/sub.ready" \
    --poll-after "$T/go" > "$T/sub.out"
SUB=$!
wait_file "$T/sub.ready"
"$PROBE" pub it.tail 100 > "$T/pub.out" || fail "pub"
touch "$T/go"
wait_exit "$SUB" 10
expect_eq "$RC" 0 "subscriber done"
r=$(jget '["received"]' < "$T/sub.out")
[ "$r" -ge 6 ] && [ "$r" -le 8 ] || fail "received $r: the newest 6 to 8 expected"
pass "received the newest $r"
expect_eq "$(jget '["first_seq"]' < "$T/sub.out") $(jget '["last_seq"]' < "$T/sub.out")" \
    "$((101 - r)) 100" "first and last seq (the newest kept)"
expect_eq "$(jget '["gaps"]' < "$T/sub.out")" 0 "gaps in seq after the first"
expect_eq "$(jget '["stats"]["dropped"]' < "$T/sub.out")" $((100 - r)) "tern_sub_stats: dropped"
expect_eq "$(jget '["stats"]["received"]' < "$T/sub.out")" "$r" "tern_sub_stats: received"
expect_eq "$(jget '["stats"]["queued"]' < "$T/sub.out")" 0 "tern_sub_stats: queued"
expect_eq "$(jget '["stats"]["topics"]' < "$T/sub.out")" 1 "tern_sub_stats: topics"
