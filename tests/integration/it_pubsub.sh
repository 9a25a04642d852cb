#!/usr/bin/env bash
# Guarantees 1-3: one hop (the dataplane is frozen with SIGSTOP while
# messages flow), per-topic total order without holes, zero-copy fan-out
# (the pool returns to its baseline once the last reader releases).
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.pubsub || fail "create"
base=$(pool_free)
N=200000

bg "$PROBE" sub it.pubsub $N --policy bp --ready "$T/r1" --timeout 30 > "$T/s1"
bg "$PROBE" sub it.pubsub $N --policy bp --ready "$T/r2" --timeout 30 > "$T/s2"
wait_file "$T/r1"; wait_file "$T/r2"

# One hop: with every subscription set up, freeze tern-dataplane.  Nothing on
# the local path may need it.  (The publisher connects first: connecting is
# a control-plane operation.)
"$PROBE" pub it.pubsub $N --excl --retry --freeze "$(cat "$T/dataplane.pid")" > "$T/p" \
    || fail "publisher"
kill -CONT "$(cat "$T/dataplane.pid")"
wait "${CHILDREN[@]}" || fail "subscriber exited non-zero: $(cat "$T/s1" "$T/s2")"

for s in s1 s2; do
    expect_eq "$(jget '["received"]' < "$T/$s")" $N "$s received"
    expect_eq "$(jget '["gaps"]' < "$T/$s")" 0 "$s gaps"
    expect_eq "$(jget '["disorder"]' < "$T/$s")" 0 "$s out of order"
    expect_eq "$(jget '["first_seq"]' < "$T/$s")" 1 "$s first seq"
    expect_eq "$(jget '["last_seq"]' < "$T/$s")" $N "$s last seq"
done
expect_eq "$(jget '["last_seq"]' < "$T/p")" $N "publisher's last seq"

stats=$("$TERNCTL" stats --json) || fail "ternctl stats"
topic_stat() { echo "$stats" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([t for t in d["topics"] if t["name"]=="it.pubsub"][0][sys.argv[1]])' "$1"; }
expect_eq "$(topic_stat published)" $N "ternctl published"
expect_eq "$(topic_stat delivered)" $((2 * N)) "ternctl delivered (two subscribers, after they left)"
for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool free count back to baseline"
