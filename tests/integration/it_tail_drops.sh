#!/usr/bin/env bash
# Tail drops are visible: a drop-policy subscriber with a queue of 8 that
# does not poll while 100 messages go by receives the first 8 with no gap
# in seq (no later message shows the loss), and tern_sub_stats() says 92
# were dropped, read from shared memory with no later message needed.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.tail >/dev/null || fail "create"
bg "$PROBE" sub it.tail 8 --policy drop --depth 8 --ready "$T/sub.ready" \
    --poll-after "$T/go" > "$T/sub.out"
SUB=$!
wait_file "$T/sub.ready"
"$PROBE" pub it.tail 100 > "$T/pub.out" || fail "pub"
touch "$T/go"
wait_exit "$SUB" 10
expect_eq "$RC" 0 "subscriber done"
expect_eq "$(jget '["received"]' < "$T/sub.out")" 8 "received"
expect_eq "$(jget '["gaps"]' < "$T/sub.out")" 0 "gaps in seq (the loss is at the tail)"
expect_eq "$(jget '["stats"]["dropped"]' < "$T/sub.out")" 92 "tern_sub_stats: dropped"
expect_eq "$(jget '["stats"]["received"]' < "$T/sub.out")" 8 "tern_sub_stats: received"
expect_eq "$(jget '["stats"]["queued"]' < "$T/sub.out")" 0 "tern_sub_stats: queued"
expect_eq "$(jget '["stats"]["topics"]' < "$T/sub.out")" 1 "tern_sub_stats: topics"
