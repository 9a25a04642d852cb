#!/usr/bin/env bash
# Node links, issue 9 test 5: one topic, one order, three nodes.  net.f is
# homed on A and imported by B and C (A the memif server of both links).
# Publishers on A and on B publish at once; B's publishes are forwarded to
# A (B's forwarding link, A's "taking B's publishes"), numbered there among
# A's own, and come back to B with everything else.  Subscribers on A, B
# and C each see seq 1..2N once, in order, with the same message at every
# seq (the same digest of seq, payload and tags), B's own included.
NET_N=${NET_N:-50000}
source "$(dirname "$0")/net3_lib.sh"
for n in A B C; do "$PROBE" -s "$T/$n/run/control.sock" create net.f > /dev/null || fail "create on $n"; done
for _ in $(seq 1 100); do
    grep -q "sending our publishes to 'net.f'" "$T/B/dataplane.log" && break; sleep 0.05
done
grep -q "taking B$ID's publishes to 'net.f'" "$T/A/dataplane.log" || fail "A does not take B's publishes"
grep -q "sending our publishes to 'net.f' to A$ID" "$T/B/dataplane.log" || fail "B does not forward to A"
pass "A sends net.f to B and C and takes B's publishes to it"

M=$((2 * N))
for n in A B C; do
    "$PROBE" -s "$T/$n/run/control.sock" sub net.f "$M" --policy bp --depth 1024 --timeout 120 \
        --ready "$T/r$n" > "$T/s$n" & CHILDREN+=($!)
done
subs=("${CHILDREN[@]}")
for n in A B C; do for _ in $(seq 1 200); do [ -e "$T/r$n" ] && break; sleep 0.05; done; done
"$PROBE" -s "$T/A/run/control.sock" pub net.f "$N" --retry --rate 40000 --tag origin=A > "$T/pA" & pa=$!
"$PROBE" -s "$T/B/run/control.sock" pub net.f "$N" --retry --rate 40000 --tag origin=B > "$T/pB" & pb=$!
wait $pa || fail "publisher on A: $(cat "$T/pA")"
wait $pb || fail "publisher on B: $(cat "$T/pB")"
for p in "${subs[@]}"; do wait "$p" || fail "a subscriber failed: $(cat "$T"/s?)"; done
for n in A B C; do expect_stream "$T/s$n" "$M" "$n (A's and B's messages)"; done
da=$(jget '["digest"]' < "$T/sA") db=$(jget '["digest"]' < "$T/sB") dc=$(jget '["digest"]' < "$T/sC")
[ "$da" = "$db" ] && [ "$da" = "$dc" ] || fail "the nodes saw different messages at some seq: A $da B $db C $dc"
pass "A, B and C saw the same message at every seq (digest $da): one order"
