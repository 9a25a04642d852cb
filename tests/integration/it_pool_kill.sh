#!/usr/bin/env bash
# kill -9 never wedges the pool (issue 7, finding 1).  Each round, two
# publishers bursting on one topic and a subscriber draining it are killed
# together, at a random moment, while another subscriber holds messages and
# a third keeps consuming.  After every round an allocation on another topic
# must succeed at once (a wedged pool spins inside it forever), and when
# everyone has left the pool must be back exactly at its baseline.
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-40}
start_stack
"$PROBE" create it.pk it.other || fail "create"
base=$(pool_free)

bg "$PROBE" sub it.pk 100 --policy drop --hold --ready "$T/rh" --timeout 600 > /dev/null
holder=${CHILDREN[-1]}
bg "$PROBE" sub it.pk 1000000000000 --policy drop --depth 1024 --ready "$T/rs" --timeout 600 > /dev/null
steady=${CHILDREN[-1]}
wait_file "$T/rh"; wait_file "$T/rs"

for r in $(seq 1 "$ROUNDS"); do
    rm -f "$T/rv"
    "$PROBE" sub it.pk 1000000000000 --policy drop --depth 128 --ready "$T/rv" --timeout 600 \
        > /dev/null 2>&1 & victim=$!
    "$PROBE" pub it.pk 1000000000000 --burst 32 > /dev/null 2>&1 & p1=$!
    "$PROBE" pub it.pk 1000000000000 --burst 7 > /dev/null 2>&1 & p2=$!
    # Random moment, 0.4 .. 1.2 s: past EAL start-up, deep in the bursts.
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.4, 1.2), 3))')"
    kill -KILL $p1 $p2 $victim 2>/dev/null || true
    wait $p1 $p2 $victim 2>/dev/null || true
    # Every later allocation succeeds: a publisher on another topic finishes.
    timeout 20 "$PROBE" pub it.other 3000 --burst 16 > "$T/po" 2>&1 \
        || fail "round $r: a publisher on another topic could not finish after the kills: $(cat "$T/po")"
    timeout 20 "$PROBE" pub it.pk 3000 > "$T/po" 2>&1 \
        || fail "round $r: a new publisher on the killed topic could not finish: $(cat "$T/po")"
done
pass "$ROUNDS rounds: every allocation after a double publisher kill succeeded"

kill -KILL "$holder" "$steady"
for _ in $(seq 1 60); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool free count back to its baseline after $ROUNDS rounds"
