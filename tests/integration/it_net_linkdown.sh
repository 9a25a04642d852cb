#!/usr/bin/env bash
# Node links, issue 9 "Link faults": the link itself taken down.  Two
# dataplanes in network namespaces on a veth pair (net_af_packet); while A
# publishes two topics to B, B's veth is set down for 1.5 s, NET_ROUNDS
# times (default 2).  Both nodes notice within link_timeout_ms and show
# the link down (ternctl link stats), keep serving their own clients, and
# when the veth is back the link comes up and every stream resumes from
# where B stood:
#   - net.d.s, stored on A: served from A's log, B's subscriber sees no gap;
#   - net.d.live, not stored: B's subscriber sees an explicit gap (a jump in
#     seq) and nothing else: never a duplicate, never out of order.
NET_LINK=afpacket
source "$(dirname "$0")/net_lib.sh"
ROUNDS=${NET_ROUNDS:-2}
cat >> "$T/A/node.ini" <<INI
[storage]
dir = $T/A/data
rule.1 = net.d.s -> d/{topic}
rule.1.fsync = never
INI
start_nodes
for t in net.d.s net.d.live; do
    "$PROBE" -s "$SA" create $t > /dev/null && "$PROBE" -s "$SB" create $t > /dev/null || fail "create $t"
    wait_log A "sending '$t' to B$ID" 5
done
# Published at 3000/s, 3 s a round and one more; then, once the link is
# back for good, one more message on each topic marks the end (the last
# outage may outlast the publishers: a live topic's tail is lost then).
P=$(( (ROUNDS + 1) * 3 * 3000 ))
N=$((P + 1))
for t in net.d.s net.d.live; do
    bg "$PROBE" -s "$SB" sub $t $N --policy bp --depth 4096 --until-seq $N --timeout 120 \
        --ready "$T/r$t" > "$T/s$t"
    wait_file "$T/r$t"
done
subs=("${CHILDREN[@]}")
bg "$PROBE" -s "$SA" sub net.d.live $N --policy bp --depth 4096 --timeout 120 --ready "$T/ra" > "$T/sa"
suba=${CHILDREN[-1]}
wait_file "$T/ra"
bg "$PROBE" -s "$SA" pub net.d.s $P --excl --retry --rate 3000 > "$T/p1"
p1=${CHILDREN[-1]}
bg "$PROBE" -s "$SA" pub net.d.live $P --excl --retry --rate 3000 > "$T/p2"
p2=${CHILDREN[-1]}

count() { grep -c -- "$2" "$T/$1/dataplane.log" || true; }
wait_count() {  # wait_count NODE TEXT MORE_THAN SECONDS
    for _ in $(seq 1 $(( $4 * 20 ))); do [ "$(count "$1" "$2")" -gt "$3" ] && return 0; sleep 0.05; done
    return 1
}
for r in $(seq 1 "$ROUNDS"); do
    sleep 1
    da=$(count A "link to B$ID down") db=$(count B "link to A$ID down")
    ua=$(count A "link to B$ID up") ub=$(count B "link to A$ID up")
    ip -n "$NSB" link set "vb$ID" down
    t0=$(date +%s%N)
    wait_count A "link to B$ID down" "$da" 3 || fail "round $r: A did not notice the link down"
    wait_count B "link to A$ID down" "$db" 3 || fail "round $r: B did not notice the link down"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$ms" -le 1500 ] || fail "round $r: noticed after $ms ms (link_timeout_ms 500)"
    in_ns B "$TERNCTL" -c "$T/B/node.ini" link stats --json > "$T/ls" || fail "ternctl link stats"
    up=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["links"][0]["up"])' "$T/ls")
    expect_eq "$up" 0 "round $r: ternctl link stats on B shows the link down"
    sleep 1
    ip -n "$NSB" link set "vb$ID" up
    wait_count A "link to B$ID up" "$ua" 10 || fail "round $r: the link did not come back on A"
    wait_count B "link to A$ID up" "$ub" 10 || fail "round $r: the link did not come back on B"
    pass "round $r: link down noticed in $ms ms on both sides, and up again"
done
wait "$p1" && wait "$p2" || fail "a publisher on A failed"
sleep 0.5   # the link settles
for t in net.d.s net.d.live; do
    "$PROBE" -s "$SA" pub $t 1 --excl --retry > /dev/null || fail "end marker on $t"
done
for p in "${subs[@]}"; do wait "$p" || fail "a subscriber on B failed: $(cat "$T"/snet.d.*)"; done
wait "$suba" || fail "A's own subscriber: $(cat "$T/sa")"
expect_eq "$(jget '["received"]' < "$T/sa") $(jget '["gaps"]' < "$T/sa")" "$N 0" "A's own subscriber lost nothing"

f="$T/snet.d.s"
expect_eq "$(jget '["received"]' < "$f") $(jget '["gaps"]' < "$f") $(jget '["disorder"]' < "$f")" \
    "$N 0 0" "stored net.d.s on B: all $N, no gap (served from A's log)"
[ "$(count A "'net.d.s' to B$ID resumes at seq")" -ge 1 ] || fail "A never served net.d.s from its log"
f="$T/snet.d.live"
r=$(jget '["received"]' < "$f") g=$(jget '["gaps"]' < "$f") d=$(jget '["disorder"]' < "$f")
l=$(jget '["last_seq"]' < "$f")
[ "$g" -gt 0 ] || fail "live net.d.live on B: no gap although the link was down (received $r)"
expect_eq "$((r + g)) $d $l" "$N 0 $N" "live net.d.live on B: received + gap = $N, in order, to seq $N"
pass "live topic: an explicit gap of $g over $ROUNDS outages, nothing doubled or reordered"
