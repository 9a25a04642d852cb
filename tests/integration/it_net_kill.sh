#!/usr/bin/env bash
# Node links under faults, issue 9 "Link faults": kill -9 of B's dataplane
# while A publishes to it, NET_ROUNDS times (default 5).  Each round: A
# notices within link_timeout_ms, keeps serving its own subscriber (which
# loses nothing, backpressure and all), B's dataplane comes back, the link
# comes up again and A resumes sending the topic to the new B, numbered as
# on A (a live topic: what B missed while dead shows as a jump, never as
# a duplicate or a reordering).
source "$(dirname "$0")/net_lib.sh"
ROUNDS=${NET_ROUNDS:-5}
start_nodes
"$PROBE" -s "$SA" create net.k > /dev/null || fail "create on A"
"$PROBE" -s "$SB" create net.k > /dev/null || fail "create on B"
wait_log A "sending 'net.k' to B$ID" 5

N=$(( ROUNDS * 9000 + 6000 ))   # at 3000/s, longer than the rounds even on a loaded machine
bg "$PROBE" -s "$SA" sub net.k $N --policy bp --depth 4096 --timeout 120 --ready "$T/ra" > "$T/suba"
suba=${CHILDREN[-1]}
wait_file "$T/ra"
bg "$PROBE" -s "$SA" pub net.k $N --excl --retry --rate 3000 > "$T/pub"
pub=${CHILDREN[-1]}

for r in $(seq 1 "$ROUNDS"); do
    sleep 0.5
    downs=$(grep -c "link to B$ID down" "$T/A/dataplane.log" || true)
    kill -KILL "$(cat "$T/B/dataplane.pid")"
    t0=$(date +%s%N)
    for _ in $(seq 1 60); do
        [ "$(grep -c "link to B$ID down" "$T/A/dataplane.log" || true)" -gt "$downs" ] && break
        sleep 0.05
    done
    [ "$(grep -c "link to B$ID down" "$T/A/dataplane.log" || true)" -gt "$downs" ] ||
        fail "round $r: A did not notice B's death within 3 s"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$ms" -le 1500 ] || fail "round $r: A noticed only after $ms ms (link_timeout_ms 500)"
    kill -0 "$pub" 2>/dev/null || fail "round $r: A's publisher stopped"
    # B comes back on the same prefix; its tern-control reattaches.
    rm -f "$T/B/dataplane.pid" /dev/hugepages/tern_B${ID}map_* 2>/dev/null
    rm -rf "/var/run/dpdk/tern_B$ID"
    ups=$(grep -c "sending 'net.k' to B$ID" "$T/A/dataplane.log" || true)
    "$BUILD/dataplane/tern-dataplane" -c "$T/B/node.ini" >> "$T/B/dataplane.log" 2>&1 &
    echo $! > "$T/B/dataplane.pid"
    for _ in $(seq 1 200); do
        [ "$(grep -c "sending 'net.k' to B$ID" "$T/A/dataplane.log" || true)" -gt "$ups" ] && break
        sleep 0.05
    done
    [ "$(grep -c "sending 'net.k' to B$ID" "$T/A/dataplane.log" || true)" -gt "$ups" ] ||
        fail "round $r: A never resumed the stream to the restarted B"
    pass "round $r: A noticed in $ms ms, B came back, A sends net.k again"
done

# The restarted B follows A's numbering: a fresh subscriber sees A's seqs
# in order (first one past what A had published before it subscribed).
bg "$PROBE" -s "$SB" sub net.k 2000 --policy bp --timeout 30 --ready "$T/rb" > "$T/subb"
subb=${CHILDREN[-1]}
wait_file "$T/rb"
wait "$subb" || fail "B's subscriber after the restarts: $(cat "$T/subb")"
expect_eq "$(jget '["received"]' < "$T/subb")" 2000 "B receives again"
expect_eq "$(jget '["disorder"]' < "$T/subb")" 0 "B: out of order"
expect_eq "$(jget '["gaps"]' < "$T/subb")" 0 "B: gaps while both live"
first=$(jget '["first_seq"]' < "$T/subb")
[ "$first" -gt 6000 ] || fail "B's first seq $first: not A's numbering"
pass "B's first seq $first is A's own numbering"

wait "$pub" || fail "A's publisher: $(cat "$T/pub")"
wait "$suba" || fail "A's subscriber: $(cat "$T/suba")"
expect_eq "$(jget '["received"]' < "$T/suba")" "$N" "A's own subscriber lost nothing"
expect_eq "$(jget '["gaps"]' < "$T/suba")" 0 "A's subscriber: gaps"
