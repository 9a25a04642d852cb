#!/usr/bin/env bash
# Node links, issue 9 test 3: a subscription's policy holds end to end.
#  - backpressure: a slow bp subscriber on B holds B's import, B's receive
#    window, A's out-stream and at last A's publisher, which is told
#    would-block; with retries nothing is lost, on B or on A.
#  - drop: a slow drop subscriber on B loses messages, and its sequence gap
#    equals its dropped count (its own tern_sub_stats and ternctl on B);
#    a bp subscriber beside it on B loses nothing, and nor does the link.
source "$(dirname "$0")/net_lib.sh"
N=${NET_N:-100000}
start_nodes
for t in net.bp net.drop; do
    "$PROBE" -s "$SA" create $t > /dev/null || fail "create $t on A"
    "$PROBE" -s "$SB" create $t > /dev/null || fail "create $t on B"
    wait_log A "sending '$t' to B$ID" 5
done
pass "B imports net.bp and net.drop from A"

# --- backpressure, end to end: 10 us a message on B, far slower than A.
bg "$PROBE" -s "$SB" sub net.bp $N --policy bp --depth 64 --slow 10000 --timeout 120 \
    --ready "$T/r1" > "$T/s1"
slow=${CHILDREN[-1]}
bg "$PROBE" -s "$SA" sub net.bp $N --policy bp --depth 1024 --timeout 120 --ready "$T/r2" > "$T/s2"
local_a=${CHILDREN[-1]}
wait_file "$T/r1"; wait_file "$T/r2"
"$PROBE" -s "$SA" pub net.bp $N --excl --retry > "$T/p1" || fail "publisher on A"
cat "$T/p1"
bp=$(jget '["backpressure"]' < "$T/p1")
[ "$bp" -gt 0 ] || fail "A's publisher was never told to wait by B's slow subscriber"
pass "A's publisher saw would-block $bp times (held by B's slow subscriber)"
wait "$slow" || fail "slow subscriber on B: $(cat "$T/s1")"
wait "$local_a" || fail "subscriber on A: $(cat "$T/s2")"
for s in s1 s2; do
    r=$(jget '["received"]' < "$T/$s") g=$(jget '["gaps"]' < "$T/$s") d=$(jget '["disorder"]' < "$T/$s")
    f=$(jget '["first_seq"]' < "$T/$s") l=$(jget '["last_seq"]' < "$T/$s")
    [ "$r $g $d $f $l" = "$N 0 0 1 $N" ] || fail "$s: received $r gaps $g disorder $d seq $f..$l"
done
pass "backpressure: B's slow subscriber and A's own received all $N, seq 1..$N, no gap"

# --- drop on B: a slow drop subscriber and a bp one beside it.
bg "$PROBE" -s "$SB" sub net.drop $((N + 1)) --policy drop --depth 64 --slow 20000 \
    --until-seq $((N + 1)) --timeout 120 --linger 3 --ready "$T/r3" > "$T/s3"
dropper=${CHILDREN[-1]}
bg "$PROBE" -s "$SB" sub net.drop $((N + 1)) --policy bp --depth 1024 --timeout 120 \
    --ready "$T/r4" > "$T/s4"
keeper=${CHILDREN[-1]}
wait_file "$T/r3"; wait_file "$T/r4"
"$PROBE" -s "$SA" pub net.drop $N --excl --retry > "$T/p2" || fail "publisher on A (drop)"
# The slow subscriber's tail was most likely dropped: one more message,
# once it has drained its queue, marks the end (as in it_policies).
sleep 0.5
"$PROBE" -s "$SA" pub net.drop 1 --excl --retry > /dev/null || fail "marker"
wait "$keeper" || fail "bp subscriber on B: $(cat "$T/s4")"
# ternctl on B while the dropper lingers: its dropped count as the bus sees it.
for _ in $(seq 1 200); do [ -s "$T/s3" ] && break; sleep 0.05; done
dropped_ctl=$("$TERNCTL" -s "$SB" sub list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s["dropped"] for s in d["subscriptions"] if s["pattern"]=="net.drop" and s["policy"]=="drop"))') \
    || fail "ternctl sub list on B"
wait "$dropper" || fail "drop subscriber on B: $(cat "$T/s3")"
cat "$T/s3"
# Drop-oldest (docs/fanout.md): a reader lapped before its first poll
# loses the stream's start, before its first seq, which the probe's gap
# count does not see: it is first_seq - 1.
g=$(( $(jget '["gaps"]' < "$T/s3") + $(jget '["first_seq"]' < "$T/s3") - 1 ))
r=$(jget '["received"]' < "$T/s3") dr=$(jget '["stats"]["dropped"]' < "$T/s3")
[ "$g" -gt 0 ] || fail "drop: B's slow subscriber lost nothing: the test did not exercise drops"
expect_eq "$dr" "$g" "drop: B's subscriber's gap = its dropped count (tern_sub_stats)"
expect_eq "$dropped_ctl" "$g" "drop: B's subscriber's gap = its dropped count (ternctl on B)"
expect_eq "$((r + g))" $((N + 1)) "drop: received + gap = published"
r=$(jget '["received"]' < "$T/s4") g=$(jget '["gaps"]' < "$T/s4")
expect_eq "$r $g" "$((N + 1)) 0" "drop: the bp subscriber beside it on B lost nothing"

echo /tern/ports | dpdk-telemetry.py -f "tern_B$ID" > "$T/telB" 2>&1 || fail "telemetry on B"
python3 - "$T/telB" <<'PY' || fail "B's link counters: $(cat "$T/telB")"
import json, sys
for line in open(sys.argv[1]):
    if line.strip().startswith("{") and "/tern/ports" in line:
        b = json.loads(line)["/tern/ports"]["port0"]
assert b["gaps"] == 0 and b["gap_msgs"] == 0, b
assert b["delivery_waits"] > 0, b     # B's import was held by its bp subscriber
print("B: delivery_waits %d, link gaps %d" % (b["delivery_waits"], b["gaps"]))
PY
pass "the link lost nothing; B's import waited for its backpressure subscriber"
