#!/usr/bin/env bash
# Guarantee 4.  drop: the publisher never waits and the subscriber's gap
# equals the dropped count ternctl shows.  backpressure: publish says
# would-block, and with retries nothing is lost.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.drop it.bp || fail "create"
N=20000

# drop: a slow subscriber (20 us a message) with a queue of 64
bg "$PROBE" sub it.drop $N --policy drop --depth 64 --slow 20000 --until-seq $((N + 1)) \
    --ready "$T/r1" --timeout 30 --linger 3 > "$T/s1"
wait_file "$T/r1"
"$PROBE" pub it.drop $N --excl > "$T/p1" || fail "publisher"
expect_eq "$(jget '["backpressure"]' < "$T/p1")" 0 "drop: publisher never refused"
# The tail was most likely dropped: once the subscriber has drained its
# queue, one more message marks the end.
sleep 0.3
"$PROBE" pub it.drop 1 > /dev/null || fail "marker"
for _ in $(seq 1 200); do [ -s "$T/s1" ] && break; sleep 0.05; done
# Drop-oldest (docs/fanout.md): lapped before its first poll, it loses the
# stream's start, before its first seq, which the probe's gaps do not count.
gaps=$(( $(jget '["gaps"]' < "$T/s1") + $(jget '["first_seq"]' < "$T/s1") - 1 ))
[ "$gaps" -gt 0 ] || fail "drop: the slow subscriber lost nothing (gaps=0): test did not exercise drops"
dropped=$("$TERNCTL" sub list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["dropped"] for s in d["subscriptions"] if s["pattern"]=="it.drop"))')
expect_eq "$dropped" "$gaps" "drop: ternctl dropped == subscriber's sequence gap"
expect_eq "$(( $(jget '["received"]' < "$T/s1") + gaps ))" $((N + 1)) "drop: received + gap = published"

# backpressure without retry: refusals are reported, and what was accepted arrives
bg "$PROBE" sub it.bp 0 --policy bp --depth 64 --ready "$T/r2" --hold > "$T/s2"   # never polls
hold=${CHILDREN[-1]}
wait_file "$T/r2"
"$PROBE" pub it.bp 1000 > "$T/p2" || fail "publisher (bp)"
bp=$(jget '["backpressure"]' < "$T/p2")
[ "$bp" -gt 0 ] || fail "backpressure: publisher was never told to wait"
pass "backpressure reported $bp times with a full subscriber"
expect_eq "$(jget '["last_seq"]' < "$T/p2")" 64 "backpressure: only what fit was accepted"
kill -KILL "$hold"

# backpressure with retry: nothing lost
bg "$PROBE" sub it.bp $N --policy bp --depth 64 --slow 2000 --ready "$T/r3" --timeout 30 > "$T/s3"
wait_file "$T/r3"
"$PROBE" pub it.bp $N --retry > "$T/p3" || fail "publisher (bp retry)"
wait "${CHILDREN[-1]}" || fail "bp subscriber: $(cat "$T/s3")"
expect_eq "$(jget '["received"]' < "$T/s3")" $N "backpressure+retry: received all"
expect_eq "$(jget '["gaps"]' < "$T/s3")" 0 "backpressure+retry: gaps"
