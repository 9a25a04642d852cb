#!/usr/bin/env bash
# The operator's commands (issue 10): topic info with the pattern
# subscriptions that receive the topic, sub list by topic name, client list,
# health, and stats --watch with rates, each as text and JSON.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create cli.a > /dev/null || fail "create cli.a"
"$PROBE" create cli.b > /dev/null || fail "create cli.b"
bg "$PROBE" sub 'cli.>' 100000000 --ready "$T/r" --timeout 30 > /dev/null
wait_file "$T/r"
bg "$PROBE" pub cli.a 3000 --rate 1000 > /dev/null
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

out=$("$TERNCTL" topic info cli.a) || fail "topic info: $out"
grep -q "cli.a" <<<"$out" || fail "topic info: no topic line: $out"
grep -q "cli.>" <<<"$out" || fail "topic info: the pattern subscription is missing: $out"
expect_eq "$("$TERNCTL" --json topic info cli.a | json 'len(d["topic"]), d["topic"][0]["name"], len(d["subscriptions"])')" \
    "(1, 'cli.a', 1)" "topic info --json"
rc=0; "$TERNCTL" topic info cli.nope > /dev/null 2>&1 || rc=$?
expect_eq "$rc" 1 "topic info of a missing topic"
expect_eq "$("$TERNCTL" --json sub list cli.b | json '[s["pattern"] for s in d["subscriptions"]]')" \
    "['cli.>']" "sub list TOPIC shows the pattern that receives it"
n=$("$TERNCTL" --json client list | json 'len(d["clients"])')
[ "$n" -ge 2 ] || fail "client list: $n clients"
"$TERNCTL" health > "$T/h" || fail "health: $(cat "$T/h")"
expect_eq "$("$TERNCTL" --json health | json 'd["healthy"]')" True "health --json"
"$TERNCTL" --json stats --watch --interval 0.3 --count 2 > "$T/w" || fail "stats --watch"
python3 - "$T/w" <<'PY' || fail "stats --watch: $(cat "$T/w")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
a = [l for l in lines if l["topic"] == "cli.a"]
assert len(a) == 2, lines
assert all(l["published_per_s"] > 100 for l in a), a    # about 1000/s
b = [l for l in lines if l["topic"] == "cli.b"]
assert len(b) == 2 and all(l["published_per_s"] == 0 for l in b), b
PY
pass "topic info, sub list by name, client list, health, stats --watch"
kill "${CHILDREN[@]}" 2>/dev/null
wait 2>/dev/null
# health fails once the dataplane is gone.
kill -9 "$(cat "$T/dataplane.pid")"
sleep 0.5
rc=0; "$TERNCTL" health > /dev/null 2>&1 || rc=$?
expect_eq "$rc" 1 "health with the dataplane gone"
