#!/usr/bin/env bash
# Every ceiling at its edge and one past it, and a node that still works
# afterwards: subscriptions per topic (also on a stored topic, where storage
# takes one), topics per pattern subscription (also a storage rule's),
# links, topics, name length.  The two stuck-node reports are reproduced:
# 64 'fo.*' subscriptions then a create, and a 'p.*' subscription then 257
# creates; each refused create must leave nothing behind, so the next
# create, of any name, succeeds.  Each refusal names what to raise.
source "$(dirname "$0")/lib.sh"
cat >> "$T/node.ini" <<INI
[limits]
max_topics = 700
max_subs = 200
max_links = 700
[storage]
dir = $T/data
rule.1 = st.> -> st/{topic}
INI
start_stack
"$PROBE" create it.ok || fail "create it.ok"
base=$(pool_free)

TOP=$TOP TERNCTL=$TERNCTL python3 - <<'PY' || fail "limits"
import json, os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "integration"))
import ctlwire

sock = os.environ["TERN_SOCKET"]
app = ctlwire.Peer(sock, "limits")
tool = ctlwire.Peer(sock, "limits-tool", peer=1)
ENOSPC, EINVAL, ENAMETOOLONG = 28, 22, 36

def ok(what, r):
    if r[0] != 0:
        sys.exit("FAIL: %s: %d %s" % (what, r[0], r[1]))
    print("ok: %s" % what)
    return r[2]

def refused(what, r, status, needle):
    if r[0] != -status or needle not in r[1]:
        sys.exit("FAIL: %s: got %d '%s', expected %d naming '%s'" % (what, r[0], r[1], -status, needle))
    print("ok: %s refused: %s" % (what, r[1]))

def create_all(names):
    for n in names:
        r = tool.topic_create(n)
        if r[0] != 0:
            sys.exit("FAIL: %s: %s" % (n, r[1]))

def topics():
    out = subprocess.run([os.environ["TERNCTL"], "topic", "list", "--json"], check=True,
                         capture_output=True, text=True).stdout
    return {t["name"]: t for t in json.loads(out)["topics"]}

# Stuck node 1: 64 subscriptions on fo.*, then a topic they all match.
fo = [ok("fo.* subscription %d" % i, app.sub_open("fo.*")) for i in range(64)]
refused("fo.a with 64 subscribers", tool.topic_create("fo.a"), ENOSPC, "TERN_FANOUT_MAX")
ok("another topic after the refusal", tool.topic_create("other.1"))
# In bulk: applied in order up to the first refused, nothing after it.
st, err, done, ids = ctlwire.topic_create_many(tool, ["bk.1", "bk.2", "fo.b", "bk.3"])
assert st == -ENOSPC and done == 2 and "TERN_FANOUT_MAX" in err, (st, err, done)
st, err, done, ids = ctlwire.topic_create_many(tool, ["bk.4", "bk.4", "bk.5"])
assert st == -17 and done == 1, (st, err, done)
assert {"bk.1", "bk.2", "bk.4"} <= set(topics()) and not {"fo.b", "bk.3", "bk.5"} & set(topics())
st, err, done, ids = ctlwire.sub_open_many(app, ["bk.1", "bk.nope", "bk.2"])
assert st == -2 and done == 1, (st, err, done)
ok("close the bulk subscription", app.sub_close(ids[0]))
for n in ("bk.1", "bk.2", "bk.4"):
    tool.topic_delete(n)
print("ok: bulk requests stop at the first refusal and keep nothing after it")
assert "fo.a" not in topics(), "the refused topic is listed"
ok("close the 64th", app.sub_close(fo.pop()))
ok("fo.a with 63 subscribers (the edge)", tool.topic_create("fo.a"))
refused("a 64th subscription on fo.a", app.sub_open("fo.*"), ENOSPC, "TERN_FANOUT_MAX")
assert topics()["fo.a"]["subscriptions"] == 63

# A stored topic: storage takes one of the 63.
ok("stored topic st.a", tool.topic_create("st.a"))
for i in range(62):
    app.sub_open("st.a")
refused("a 63rd subscription on stored st.a", app.sub_open("st.a"), ENOSPC, "TERN_FANOUT_MAX")

# Stuck node 2: a pattern following 256 topics, then a 257th.
ok("p.* subscription", app.sub_open("p.*"))
create_all("p.%d" % i for i in range(256))
print("ok: p.* follows 256 topics (the edge)")
refused("p.256", tool.topic_create("p.256"), ENOSPC, "TERN_SUB_LINKS_MAX")
ok("q.1 after the refusal", tool.topic_create("q.1"))

# The storage rule is a pattern too: st.a plus st.1..st.255 is 256.
create_all("st.%d" % i for i in range(1, 256))
print("ok: the storage rule follows 256 topics (the edge)")
refused("st.256", tool.topic_create("st.256"), ENOSPC, "storage rule")
ok("y.1 after the refusal", tool.topic_create("y.1"))

# Links: 63 + 63 + 256 + 255 = 637 of 700 used; z.* on 63 topics takes the rest.
create_all("z.%d" % i for i in range(63))
ok("z.* on 63 topics: every link in use (the edge)", app.sub_open("z.*"))
refused("z.63 (one more link)", tool.topic_create("z.63"), ENOSPC, "raise [limits] max_links")
r = subprocess.run([os.environ["TERNCTL"], "topic", "create", "z.63"], capture_output=True, text=True)
assert r.returncode == 1 and "max_links" in r.stderr, "ternctl: %d %s" % (r.returncode, r.stderr)
print("ok: ternctl says: %s" % r.stderr.strip())
ok("x.1 with no subscriber", tool.topic_create("x.1"))
refused("a subscription on x.1", app.sub_open("x.1"), ENOSPC, "max_links")
assert "z.63" not in topics()

# Subscriptions: fill the table with patterns that match nothing (no link).
n = json.loads(subprocess.run([os.environ["TERNCTL"], "sub", "list", "--json"], check=True,
                              capture_output=True, text=True).stdout)["subscriptions"]
st, err, done, nm = ctlwire.sub_open_many(app, ["nm.%d.*" % i for i in range(200 - len(n))])
assert st == 0 and done == 200 - len(n), (st, err, done)
print("ok: 200 subscriptions (the edge)")
refused("subscription 201", app.sub_open("nm.x.*"), ENOSPC, "raise [limits] max_subs")
ok("close one", app.sub_close(nm[0]))
ok("subscription 200 again", app.sub_open("nm.y.*"))

# Clients: the harness's node has max_clients 32; this test holds one.
peers = []
while True:
    try:
        peers.append(ctlwire.Peer(sock, "many"))
    except OSError as e:
        if e.errno != 16 or "raise [limits] max_clients" not in str(e):
            raise
        print("ok: client %d refused: %s" % (len(peers) + 2, e))
        break
assert len(peers) == 31, len(peers)
for p in peers:
    p.close()
# Their slots come back (tern-control reclaims on EOF): one can attach again.
time.sleep(0.2)
ctlwire.Peer(sock, "again").close()
print("ok: a client attaches once the others left")

# Topics: fill the table.
n = len(topics())
create_all("t.%d" % i for i in range(700 - n))
print("ok: %d topics (the edge)" % len(topics()))
refused("topic 701", tool.topic_create("t.full"), ENOSPC, "raise [limits] max_topics")
ok("delete t.0", tool.topic_delete("t.0"))

# Names: 255 bytes is a name, 256 is not; a stored one must fit its file names.
ok("a 255-byte name", tool.topic_create("n" * 255))
refused("a 256-byte name", tool.topic_create("m" * 256), EINVAL, "longer than 255")
ok("delete it", tool.topic_delete("n" * 255))
refused("a stored 250-byte name", tool.topic_create("st." + "x" * 247), ENAMETOOLONG, "file names")
r = subprocess.run([os.environ["TERNCTL"], "topic", "create", "m" * 256], capture_output=True, text=True)
assert r.returncode == 2 and "255" in r.stderr, r.stderr

t = topics()
assert len(t) == 699, len(t)
info = json.loads(subprocess.run([os.environ["TERNCTL"], "server", "info", "--json"], check=True,
                                 capture_output=True, text=True).stdout)
assert info["limits"]["max_links"] == 700 and info["hugepage_bytes"]["per_topic"] > 0, info
print("ok: topic list --json has %d topics; server info: %s" % (len(t), info["hugepage_bytes"]))
app.close()
tool.close()
PY

# Everything else still works once the application above has gone: a
# subscriber and a publisher on it.ok, and the pool back at its baseline.
for _ in $(seq 1 40); do
    [ "$("$TERNCTL" sub list --json | jget '["subscriptions"].__len__()')" = 0 ] && break; sleep 0.05
done
N=2000
bg "$PROBE" sub it.ok $N --policy bp --ready "$T/r1" --timeout 20 > "$T/s1"
wait_file "$T/r1"
"$PROBE" pub it.ok $N --retry > "$T/p" || fail "publisher"
wait "${CHILDREN[@]}" || fail "subscriber: $(cat "$T/s1")"
expect_eq "$(jget '["received"]' < "$T/s1")" $N "it.ok received after the limits"
expect_eq "$(jget '["gaps"]' < "$T/s1")" 0 "gaps"
"$PROBE" create after.all || fail "create after everything"
for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool back at its baseline"
