#!/usr/bin/env bash
# The control plane at scale, on configs/scale-65536.ini (its [memory] and
# [limits]): the node starts within 1 GiB of hugepages; 10 000 topics and
# 10 000 subscriptions are created (scripts/ctl_bench.py prints how long:
# measured, not asserted); the table is filled to 65 536 topics and one more
# is refused; `topic list --json` and `stats --json` over all of them parse
# (they come in pages); publish/subscribe still works.
source "$(dirname "$0")/lib.sh"
{
    sed -n '/^\[node\]/,/^\[memory\]/p' "$T/node.ini" | grep -v '^\[memory\]'
    awk '/^\[/{keep = ($0 == "[memory]" || $0 == "[limits]")} keep' "$TOP/configs/scale-65536.ini"
    echo "[clients]"
    echo "client_timeout_ms = 2000"
} > "$T/scale.ini"
mv "$T/scale.ini" "$T/node.ini"
page_kb=$(awk '/Hugepagesize/ {print $2}' /proc/meminfo)
free0=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
start_stack
free1=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
used_mb=$(( (free0 - free1) * page_kb / 1024 ))
echo "hugepages taken by the dataplane at start: $used_mb MiB"
[ "$used_mb" -le 1024 ] || fail "the 65536-topic config takes $used_mb MiB of hugepages"
pass "65536-topic config starts within 1 GiB ($used_mb MiB)"

python3 "$TOP/scripts/ctl_bench.py" --topics 10000 --subs 10000 > "$T/bench" || fail "ctl_bench"
echo "ctl_bench: $(cat "$T/bench")"

TOP=$TOP TERNCTL=$TERNCTL python3 - <<'PY' || fail "scale"
import json, os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "integration"))
import ctlwire
tool = ctlwire.Peer(os.environ["TERN_SOCKET"], "scale", peer=1)
t0 = time.perf_counter()
names = ["s.%d.x%d" % (i % 256, i) for i in range(65536 - 10000)]
for k in range(0, len(names), 512):
    st, err, done, _ = ctlwire.topic_create_many(tool, names[k:k + 512])
    if st != 0:
        sys.exit("FAIL: topic %s: %s" % (names[k + done], err))
print("ok: 65536 topics (55536 created in %.2f s)" % (time.perf_counter() - t0))
st, err, _ = tool.topic_create("one.more")
assert st == -28 and "raise [limits] max_topics" in err, (st, err)
print("ok: topic 65537 refused: %s" % err)

def ternctl(*args):
    t0 = time.perf_counter()
    out = subprocess.run([os.environ["TERNCTL"], *args], check=True, capture_output=True,
                         text=True).stdout
    return out, time.perf_counter() - t0

out, dt = ternctl("topic", "list", "--json")
d = json.loads(out)
assert d["status"] == 0 and len(d["topics"]) == 65536, len(d["topics"])
assert len({t["id"] for t in d["topics"]}) == 65536, "an id listed twice"
print("ok: topic list --json: 65536 topics, %d bytes, %.2f s" % (len(out), dt))
out, dt = ternctl("stats", "--json")
d = json.loads(out)
assert len(d["topics"]) == 65536 and d["pool"]["size"] > 0, len(d["topics"])
print("ok: stats --json: 65536 topics, %.2f s" % dt)
out, dt = ternctl("topic", "list", "s.7.*")
assert len(out.splitlines()) == 1 + len([i for i in range(55536) if i % 256 == 7]), out[:200]
print("ok: topic list s.7.* in text, %.2f s" % dt)
out, _ = ternctl("server", "info")
print(out)
PY

"$PROBE" pool > /dev/null || fail "probe"
base=$(pool_free)
bg "$PROBE" sub s.1.x1 500 --policy bp --ready "$T/r1" --timeout 20 > "$T/s1"
wait_file "$T/r1"
"$PROBE" pub s.1.x1 500 --retry > "$T/p" || fail "publisher"
wait "${CHILDREN[@]}" || fail "subscriber: $(cat "$T/s1")"
expect_eq "$(jget '["received"]' < "$T/s1")" 500 "received on a node of 65536 topics"
for _ in $(seq 1 40); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool back at its baseline"

# A tern-control restarted under 65 536 topics adopts them all from the
# dataplane (DpStats in pages); a dataplane restarted under them gets them
# all back from tern-control (in bulk).
count_topics() { "$TERNCTL" topic list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["topics"]))'; }
kill -KILL "$(cat "$T/control.pid")"
restart_control
expect_eq "$(count_topics)" 65536 "topics adopted by a new tern-control"
kill -KILL "$(cat "$T/dataplane.pid")"
restart_dataplane
expect_eq "$(count_topics)" 65536 "topics replayed into a new dataplane"
out=$("$PROBE" create after.restarts 2>&1) && fail "a 65537th topic after the restarts"
echo "$out" | grep -q "max_topics" || fail "the 65537th topic refused for another reason: $out"
pass "the table is still full after the restarts: $out"
