#!/usr/bin/env bash
# Deterministic shutdown: a process with two reactors (a client each)
# under load (timer-driven publishing, records, views forwarded between
# the reactors) gets SIGTERM.  Every hook runs once, the last started
# reactor's first, and every buffer is back in the pool.
source "$(dirname "$0")/lib.sh"
RPROBE=$BUILD/tests/integration/tern-reactor-probe
start_stack
"$PROBE" create it.rx || fail "create"
base=$(pool_free)
bg "$RPROBE" it.rx "$T/ready" > "$T/out" 2> "$T/err"
pid=${CHILDREN[-1]}
wait_file "$T/ready"
sleep 0.5
kill -TERM "$pid"
wait_exit "$pid" 10
[ "$RC" = 0 ] || fail "reactor probe exited $RC: $(cat "$T/err")"
expect_eq "$(jget '["hooks"]' < "$T/out")" \
    "consumer.second,consumer.first,producer.second,producer.first" "hook order"
for k in published received forwarded recs; do
    v=$(jget "[\"$k\"]" < "$T/out")
    [ "$v" -gt 0 ] || fail "$k = $v under load"
done
pass "under load: $(tail -1 "$T/out")"
# The dataplane reclaims nothing: both clients closed cleanly.
for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool back at its baseline"
