#!/usr/bin/env bash
# DPDK telemetry of the dataplane, read with DPDK's own client,
# dpdk-telemetry.py (Debian dpdk-dev): /tern/topics lists topics whose names
# have dots, /tern/subs, /tern/clients and /tern/links their rows, all as
# dicts of columns (DPDK 22.11 refuses dict keys with a '.'), and
# /tern/storage in the same layout.
source "$(dirname "$0")/lib.sh"
command -v dpdk-telemetry.py >/dev/null ||
    { echo "SKIP: dpdk-telemetry.py not installed (Debian dpdk-dev: scripts/install-deps.sh)"; exit 77; }
store_topics never
start_stack
"$PROBE" create it.tel.one it.tel.two >/dev/null || fail "create"
bg "$PROBE" sub "it.tel.>" 13 --policy bp --linger 30 --ready "$T/sub.ready" > "$T/sub.out"
wait_file "$T/sub.ready"
"$PROBE" pub it.tel.one 10 >/dev/null && "$PROBE" pub it.tel.two 3 >/dev/null || fail "pub"
wait_line "$T/sub.out" 10 || fail "subscriber: $(cat "$T/sub.out")"
printf '%s\n' /tern/topics /tern/subs /tern/clients /tern/links /tern/pool /tern/storage |
    dpdk-telemetry.py -f "tern_$NODE" > "$T/tel" 2>&1 || fail "dpdk-telemetry.py: $(cat "$T/tel")"
python3 - "$T/tel" <<'PY' || fail "telemetry: $(cat "$T/tel")"
import json, sys
r = {}
for line in open(sys.argv[1]):
    r.update(json.loads(line))
def rows(cmd):
    d = r[cmd]
    cols = [k for k, v in d.items() if isinstance(v, list)]
    n = {len(d[k]) for k in cols}
    assert len(n) == 1, (cmd, "columns of unequal length", d)
    return [{k: d[k][i] for k in cols} for i in range(n.pop())]
def one(cmd, **kw):
    m = [x for x in rows(cmd) if all(x[k] == v for k, v in kw.items())]
    assert len(m) == 1, (cmd, kw, r[cmd])
    return m[0]
assert one("/tern/topics", name="it.tel.one")["seq"] == 10
assert one("/tern/topics", name="it.tel.two")["seq"] == 3
s = one("/tern/subs", pattern="it.tel.>")
assert s["delivered"] == 13 and s["topics"] == 2 and s["policy"] == "backpressure", s
assert one("/tern/subs", pattern="it.>")["delivered"] >= 0      # the storage role's own
c = one("/tern/clients", id=s["client"])
assert c["name"] == "tern-probe" and c["polled"] == 13 and c["fenced"] == 0, c
links = [l for l in rows("/tern/links") if l["sub"] == s["id"]]
assert sorted(l["delivered"] for l in links) == [3, 10] and all(l["state"] == "live" for l in links), links
assert r["/tern/pool"]["size"] > 0
st = one("/tern/storage", name="it.tel.one")
assert st["errno"] == 0 and st["lost"] == 0, st
print("topics %d, subs %d, clients %d, links %d" % (len(rows("/tern/topics")), len(rows("/tern/subs")),
      len(rows("/tern/clients")), len(rows("/tern/links"))))
PY
pass "dpdk-telemetry.py: /tern/topics, subs, clients, links, pool, storage"
head -c 300 "$T/tel"; echo
