#!/usr/bin/env bash
# Replay when the pool is short (issue 7): while another subscriber holds
# every buffer, a replay from the log must wait for buffers, not skip
# records.  It once delivered 0 of 3000 stored messages, and still 0 after
# the buffers came back.
source "$(dirname "$0")/lib.sh"
store_topics never
start_stack
"$PROBE" create it.pool hog || fail "create"
N=3000
"$PROBE" pub it.pool $N --retry > /dev/null || fail "publisher"
for _ in $(seq 1 100); do
    "$BUILD/control/log/tern-log" ls --json "$T/data" it/it.pool 2>/dev/null | grep -q "\"last_lsn\":$N," && break
    sleep 0.05
done

# hog (not stored) gets a subscriber that never polls, with a ring deep
# enough to take every buffer the pool has
bg "$PROBE" sub hog 0 --policy bp --depth 16384 --ready "$T/rh" --hold > /dev/null
holder=${CHILDREN[-1]}
wait_file "$T/rh"
# A publisher takes buffers until none can be had (the lcore caches of
# others keep a few the pool counts as free), then is stopped.
bg "$PROBE" pub hog 100000 > /dev/null
hogpub=${CHILDREN[-1]}
prev=-1
for _ in $(seq 1 100); do
    sleep 0.1
    f=$(pool_free)
    [ "$f" = "$prev" ] && break
    prev=$f
done
kill -KILL "$hogpub"
sleep 0.2
left=$(pool_free)
[ "$left" -lt 1024 ] || fail "the holder did not take the pool: $left buffers free"
pass "the holder took the pool: $left buffers left in other lcores' caches"

bg "$PROBE" sub it.pool $N --from earliest --policy bp --timeout 30 --ready "$T/rr" > "$T/s"
replay=${CHILDREN[-1]}
wait_file "$T/rr"
sleep 1                      # the replay polls against an empty pool
kill -KILL "$holder"         # its buffers come back through reclaim
wait "$replay" || fail "replaying subscriber: $(cat "$T/s")"
expect_eq "$(jget '["received"]' < "$T/s")" $N "replay once buffers came back: received"
expect_eq "$(jget '["first_seq"]' < "$T/s")" 1 "first seq"
expect_eq "$(jget '["last_seq"]' < "$T/s")" $N "last seq"
expect_eq "$(jget '["gaps"]' < "$T/s")" 0 "gaps"
