#!/usr/bin/env bash
# kill -9 of a multi-reactor process (docs/reactor.md "One client per
# reactor").  Each round, a process with three reactors, each with a client,
# a publisher, a subscription, a 20 us timer and inbox traffic to the next
# one (forwarded views included), runs busy for a moment and is killed with
# SIGKILL.  Every thread is a control connection of its own, so the bus must
# reclaim them all: within a bounded wait no client of that pid is left, no
# subscription of its clients, the pool is back at its baseline, and the
# next round's process gets the same lcore ids (they were freed, not leaked).
# Finally a fresh multi-reactor process attaches, runs and stops cleanly.
source "$(dirname "$0")/lib.sh"
RPROBE=$BUILD/tests/integration/tern-reactor-probe
ROUNDS=${ROUNDS:-20}
NR=3
start_stack
"$PROBE" create it.rk || fail "create"
base=$(pool_free)

# clients PID: "ids lcores" of PID's clients, each list sorted, comma-joined.
clients() {
    "$TERNCTL" --json client list | python3 -c '
import json, sys
cs = [c for c in json.load(sys.stdin)["clients"] if c["pid"] == int(sys.argv[1])]
print(",".join(str(c["id"]) for c in sorted(cs, key=lambda c: c["id"])) or "-",
      ",".join(str(c["lcore"]) for c in sorted(cs, key=lambda c: c["lcore"])) or "-")' "$1"
}
# subs_of IDS: how many subscriptions belong to the clients IDS (comma list).
subs_of() {
    "$TERNCTL" --json sub list | python3 -c '
import json, sys
ids = {int(x) for x in sys.argv[1].split(",") if x != "-"}
print(sum(1 for s in json.load(sys.stdin)["subscriptions"] if s["client"] in ids))' "$1"
}
all_clients() { "$TERNCTL" --json client list | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["clients"]))'; }

lcores0=
for r in $(seq 1 "$ROUNDS"); do
    rm -f "$T/ready"
    "$RPROBE" --reactors $NR it.rk "$T/ready" > "$T/out" 2> "$T/err" &
    victim=$!
    CHILDREN=("$victim")      # the only child: cleanup kills it on failure
    for _ in $(seq 1 100); do
        [ -e "$T/ready" ] && break
        kill -0 "$victim" 2>/dev/null || fail "round $r: reactor probe died: $(cat "$T/err")"
        sleep 0.05
    done
    [ -e "$T/ready" ] || fail "round $r: reactor probe not ready after 5 s: $(cat "$T/err")"
    read -r ids lcores <<< "$(clients "$victim")"
    n=$(tr ',' '\n' <<< "$ids" | grep -c '^[0-9]') || true
    [ "$n" = $NR ] || fail "round $r: $n clients of pid $victim attached, expected $NR ($ids)"
    [ "$(subs_of "$ids")" = $NR ] || fail "round $r: $(subs_of "$ids") subscriptions of clients $ids, expected $NR"
    # The lcore ids of a slot are first_client_lcore + slot and slots go
    # lowest first: the same set every round unless a dead round leaked one.
    [ -n "$lcores0" ] || lcores0=$lcores
    expect_eq "$lcores" "$lcores0" "round $r: lcore ids of the new process (the dead ones' were freed)"
    # Busy for a fraction of a second: buffers queued, held and forwarded.
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.1, 0.4), 3))')"
    kill -0 "$victim" 2>/dev/null || fail "round $r: reactor probe exited early: $(cat "$T/err")"
    kill -KILL "$victim"
    wait "$victim" 2>/dev/null || true
    CHILDREN=()
    # Bounded poll for the reclaim (the dataplane notices the death within
    # about a second); every condition at once, the client list last, so
    # that tern-probe pool's own client is gone too when it holds.
    ok=0
    for _ in $(seq 1 60); do
        free=$(pool_free); left=$(clients "$victim"); s=$(subs_of "$ids"); all=$(all_clients)
        if [ "$free" = "$base" ] && [ "$left" = "- -" ] && [ "$s" = 0 ] && [ "$all" = 0 ]; then
            ok=1; break
        fi
        sleep 0.05
    done
    [ $ok = 1 ] || fail "round $r: not reclaimed 3 s after kill -9: pool free $free (baseline $base), clients of pid $victim '$left', subscriptions of clients $ids: $s, clients in all: $all"
done
pass "$ROUNDS rounds of kill -9 of a $NR-reactor process: clients, subscriptions, buffers and lcore ids reclaimed"

# The bus is whole: a fresh multi-reactor process attaches, runs, stops.
rm -f "$T/ready"
bg "$RPROBE" --reactors $NR it.rk "$T/ready" > "$T/out" 2> "$T/err"
pid=${CHILDREN[-1]}
wait_file "$T/ready"
sleep 0.3
kill -TERM "$pid"
wait_exit "$pid" 10
[ "$RC" = 0 ] || fail "reactor probe after the kills exited $RC: $(cat "$T/err")"
for k in published received forwarded recs; do
    v=$(jget "[\"$k\"]" < "$T/out")
    [ "$v" -gt 0 ] || fail "after the kills: $k = $v"
done
pass "a new $NR-reactor process ran after the kills: $(tail -1 "$T/out")"
for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool back at its baseline"
