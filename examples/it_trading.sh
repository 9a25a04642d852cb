#!/usr/bin/env bash
# The example service (examples/trading.c) against a stack of its own:
# three reactors in one process wired by inboxes, then by topics, then the
# strategy in a second process (two programs, and --strategy-process), each
# for --count N quotes.  Every run's JSON must satisfy the same invariants
# (check below), and the pool must be back at its baseline after each run.
# The checker is first shown to fail on tampered outputs.
source "$(dirname "$0")/../tests/integration/lib.sh"
EX=$BUILD/examples/tern-example-trading
N=${N:-1000}
start_stack

# check FILE...: merge the processes' JSON lines and check the invariants.
check() {
    python3 - "$N" "$@" <<'PY'
import json, sys
n = int(sys.argv[1])
d = {"links": {}}
for f in sys.argv[2:]:
    j = json.loads(open(f).read().strip().splitlines()[-1])
    for k in ("md", "strategy", "gateway"):
        if k in j:
            if k in d: sys.exit("FAIL: %s twice" % k)
            d[k] = j[k]
    d["links"].update(j["links"])
bad = []
def want(ok, what):
    if not ok: bad.append(what)
try:
    md, s, g = d["md"], d["strategy"], d["gateway"]
except KeyError as e:
    sys.exit("FAIL: no %s reactor in the outputs" % e)
want(md["published"] == n, "md published %d != %d" % (md["published"], n))
want(md["quotes"] == n, "md quotes %d != %d" % (md["quotes"], n))
want(s["quotes"] == n, "strategy quotes %d != %d" % (s["quotes"], n))
o = s["orders"]
want(o >= 5, "only %d orders (the feed should trigger many)" % o)
want(g["orders"] == o, "gateway orders %d != strategy orders %d" % (g["orders"], o))
want(g["acks"] == o and s["acks"] == o, "acks: gateway %d strategy %d, orders %d" % (g["acks"], s["acks"], o))
want(s["filled"] + s["timeouts"] + s["rejects"] == o,
     "orders ended: filled %d + timeouts %d + rejects %d != %d" % (s["filled"], s["timeouts"], s["rejects"], o))
want(s["fills"] == g["fills"], "fills: strategy %d gateway %d" % (s["fills"], g["fills"]))
want(g["fills"] + g["unfilled"] == o, "gateway fills %d + unfilled %d != %d" % (g["fills"], g["unfilled"], o))
want(g["unfilled"] > 0 and s["timeouts"] >= g["unfilled"],
     "timeouts %d, gateway left %d unfilled" % (s["timeouts"], g["unfilled"]))
want(s["fills"] - s["filled"] == s["late_fills"], "late fills %d" % s["late_fills"])
want(g["pending"] == 0, "gateway: %d fills pending at the end" % g["pending"])
want(g["ended"], "gateway did not end the session")
want(s["ended"], "strategy stopped before the gateway's EndOfSession")
t = s["trans"]
want(sum(t.values()) == s["transitions"], "transitions %d != sum %d" % (s["transitions"], sum(t.values())))
allowed = {"FLAT>PENDING", "LONG>PENDING", "PENDING>WORKING", "PENDING>FLAT", "PENDING>LONG",
           "WORKING>FLAT", "WORKING>LONG"}
want(set(t) <= allowed, "transitions outside the machine: %s" % sorted(set(t) - allowed))
want(t.get("FLAT>PENDING", 0) + t.get("LONG>PENDING", 0) == o, "transitions into PENDING != orders")
want(t.get("PENDING>WORKING", 0) == s["acks"] - s["late_acks"] - s["rejects"], "PENDING>WORKING != acks in time")
legs = s["legs"]
for st in ("FLAT", "PENDING", "WORKING", "LONG"):
    inn = sum(v for k, v in t.items() if k.endswith(">" + st))
    out = sum(v for k, v in t.items() if k.startswith(st + ">"))
    want(inn - out == legs.count(st) - (len(legs) if st == "FLAT" else 0),
         "state %s: %d in, %d out, %d legs end there" % (st, inn, out, legs.count(st)))
want(all(x in ("FLAT", "LONG") for x in legs), "legs end in %s" % legs)
want(d["links"]["md>strategy"]["sent"] == n, "md passed on %d quotes, not %d" % (d["links"]["md>strategy"]["sent"], n))
for k, l in d["links"].items():
    want(l["dropped"] == 0, "link %s dropped %d" % (k, l["dropped"]))
for k in ("md", "strategy", "gateway"):
    want(d[k]["bad"] == 0, "%s: %d inputs did not decode" % (k, d[k]["bad"]))
if bad:
    print("FAIL: " + "; ".join(bad)); sys.exit(1)
print("orders %d acks %d fills %d (late %d) timeouts %d transitions %d" %
      (o, s["acks"], s["fills"], s["late_fills"], s["timeouts"], s["transitions"]))
PY
}

# pool_back: every buffer is back (the dataplane reclaims nothing: every
# client closed cleanly).
base=$(pool_free)
pool_back() {
    for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
    expect_eq "$(pool_free)" "$base" "$1: pool back at its baseline"
}

# run_one NAME ARGS...: one process, bounded.
run_one() {
    local name=$1; shift
    bg "$EX" --count "$N" "$@" > "$T/$name.out" 2> "$T/$name.err"
    local pid=${CHILDREN[-1]}
    wait_exit "$pid" 60
    [ "$RC" = 0 ] || fail "$name: exited $RC: $(tail -5 "$T/$name.err")"
}

# 1. One process, three reactors, inboxes.
run_one inbox
expect_eq "$(jget '["wiring"]' < "$T/inbox.out")" inbox "one process: wiring"
r=$(check "$T/inbox.out") || fail "one process, inboxes: $r"
pass "one process, inboxes: $r"
pool_back "inboxes"

# The checker fails on outputs that break an invariant.
for tamper in '["md"]["published"]-=1' '["strategy"]["quotes"]+=1' '["gateway"]["acks"]-=1' \
              '["strategy"]["timeouts"]+=1' '["strategy"]["trans"]["PENDING>WORKING"]+=1' \
              '["strategy"]["legs"][0]="PENDING"' '["links"]["md>strategy"]["dropped"]=1' \
              '["strategy"]["orders"]=0' '["gateway"]["fills"]+=1' \
              '["links"]["md>strategy"]["sent"]-=1' '["strategy"]["ended"]=False'; do
    python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); exec("d"+sys.argv[2]); print(json.dumps(d))' \
        "$T/inbox.out" "$tamper" > "$T/tampered.out"
    if check "$T/tampered.out" > /dev/null; then fail "the checker accepted d$tamper"; fi
done
pass "the checker refuses tampered outputs"

# 2. One process, the same handlers wired by topics.
run_one topic --transport topic
expect_eq "$(jget '["wiring"]' < "$T/topic.out")" topic "one process: wiring"
r=$(check "$T/topic.out") || fail "one process, topics: $r"
pass "one process, topics: $r"
pool_back "topics"

# 3. Two processes: the strategy alone (started first: it subscribes before
#    the feeder runs), then md + gateway.
rm -f "$T/st.ready"
bg "$EX" --role strategy --count "$N" --ready "$T/st.ready" > "$T/st.out" 2> "$T/st.err"
spid=${CHILDREN[-1]}
wait_file "$T/st.ready"
bg "$EX" --role md+gw --count "$N" > "$T/mdgw.out" 2> "$T/mdgw.err"
mpid=${CHILDREN[-1]}
wait_exit "$mpid" 60
[ "$RC" = 0 ] || fail "md+gw: exited $RC: $(tail -5 "$T/mdgw.err")"
wait_exit "$spid" 30
[ "$RC" = 0 ] || fail "strategy: exited $RC: $(tail -5 "$T/st.err")"
r=$(check "$T/st.out" "$T/mdgw.out") || fail "two processes: $r"
pass "two processes (--role strategy, --role md+gw): $r"
pool_back "two processes"

# 4. The same from one command: --strategy-process forks the strategy.
run_one fork --strategy-process
[ "$(grep -c '^{' "$T/fork.out")" = 2 ] || fail "--strategy-process: not two JSON lines"
grep '"role":"strategy"' "$T/fork.out" > "$T/fork.st"
grep '"role":"md+gw"' "$T/fork.out" > "$T/fork.mdgw"
r=$(check "$T/fork.st" "$T/fork.mdgw") || fail "--strategy-process: $r"
pass "--strategy-process: $r"
pool_back "--strategy-process"

# 5. SIGTERM: a run without --count stops on the signal, prints its JSON
#    and gives every buffer back.
bg "$EX" --ready "$T/sig.ready" > "$T/sig.out" 2> "$T/sig.err"
pid=${CHILDREN[-1]}
wait_file "$T/sig.ready"
sleep 0.3
kill -TERM "$pid"
wait_exit "$pid" 10
[ "$RC" = 0 ] || fail "SIGTERM: exited $RC: $(tail -5 "$T/sig.err")"
q=$(jget '["strategy"]["quotes"]' < "$T/sig.out")
[ "$q" -gt 0 ] || fail "SIGTERM: no quotes before the signal"
pass "SIGTERM after $q quotes: $(jget '["strategy"]["orders"]' < "$T/sig.out") orders"
pool_back "SIGTERM"
