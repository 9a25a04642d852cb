#!/usr/bin/env bash
# Node links, issue 9 tests 1-3: NET_N messages (default 200000) published
# on A reach a subscriber on B over a DPDK link (NET_LINK memif|vhost), all
# of them, in order, seq 1..N, tags and times intact; an exclusive local
# publisher on B's imported topic is refused (the others are forwarded home); with NET_FAULTS=1, 5 % loss, 5 %
# reordering and 1 % duplication on both ends, still nothing lost or
# doubled, and the link's counters show the NAKs and retransmissions.
# NET_MTU=9000 over memif (bsize raised to match): jumbo frames.
source "$(dirname "$0")/net_lib.sh"
N=${NET_N:-200000}
if [ -n "${NET_FAULTS:-}" ]; then
    F="fault_loss = 5%
fault_reorder = 5%
fault_dup = 1%"
    NET_A_EXTRA=$F NET_B_EXTRA=$F
    node_ini A b "$VA" 10.77.0.1 10.77.0.2 "export = >
$F" "$EAL_A" > "$T/A/node.ini"
    node_ini B a "$VB" 10.77.0.2 10.77.0.1 "import = net.>
$F" "$EAL_B" > "$T/B/node.ini"
fi
start_nodes

"$PROBE" -s "$SA" create net.t > /dev/null || fail "create on A"
"$PROBE" -s "$SB" create net.t > /dev/null || fail "create on B"
wait_log B "importing 'net.t'" 5
wait_log A "sending 'net.t' to B$ID" 5
pass "B asked for net.t and A sends it"

if "$PROBE" -s "$SB" pub net.t 1 --excl > "$T/local" 2> "$T/local.err"; then
    fail "an exclusive local publisher on B's imported topic was accepted"
fi
grep -q "imported from another node through \[port.a\]" "$T/local.err" "$T/B/control.log" \
    "$T/B/dataplane.log" 2>/dev/null || { cat "$T/local.err"; fail "the refusal does not say why"; }
pass "an exclusive local publisher on an imported topic is refused, naming the port"

bg "$PROBE" -s "$SB" sub net.t $N --policy bp --depth 1024 --timeout 120 --ready "$T/ready" \
    --expect-tag origin=A > "$T/sub"
sub=${CHILDREN[-1]}
wait_file "$T/ready"
"$PROBE" -s "$SA" pub net.t $N --excl --retry --tag origin=A > "$T/pub" || fail "publisher on A"
for _ in $(seq 1 2400); do kill -0 "$sub" 2>/dev/null || break; sleep 0.05; done
wait "$sub" || fail "subscriber on B: $(cat "$T/sub")"
cat "$T/sub"
expect_eq "$(jget '["received"]' < "$T/sub")" "$N" "B received every message"
expect_eq "$(jget '["first_seq"]' < "$T/sub")" 1 "first seq on B"
expect_eq "$(jget '["gaps"]' < "$T/sub")" 0 "gaps on B"
expect_eq "$(jget '["disorder"]' < "$T/sub")" 0 "out of order on B"
expect_eq "$(jget '["tag_missing"]' < "$T/sub")" 0 "messages without A's tag"
expect_eq "$(jget '["payload_breaks"]' < "$T/sub")" 0 "payloads not A's own, in order"
expect_eq "$(jget '["bad_times"]' < "$T/sub")" 0 "bad timestamps"
if [ -n "${NET_FAULTS:-}" ]; then
    grep -q "fault injection" "$T/B/dataplane.log" || true
fi

# The link as an operator sees it: DPDK telemetry /tern/ports on both nodes.
for n in A B; do
    echo /tern/ports | dpdk-telemetry.py -f "tern_$n$ID" > "$T/tel$n" 2>&1 ||
        fail "dpdk-telemetry.py on $n: $(cat "$T/tel$n")"
done
python3 - "$T/telA" "$T/telB" "${NET_FAULTS:-}" <<'PY' || fail "link counters: $(cat "$T/telA" "$T/telB")"
import json, sys
def port(f):
    for line in open(f):
        line = line.strip()
        if line.startswith("{") and "/tern/ports" in line:
            return json.loads(line)["/tern/ports"]["port0"]
    raise SystemExit("no /tern/ports in " + f)
a, b = port(sys.argv[1]), port(sys.argv[2])
faults = sys.argv[3] != ""
# Frames fit the device's buffers (memif's bsize sized for the MTU): none chained.
assert b["rx_chained"] == 0, b
assert a["up"] == 1 and b["up"] == 1, (a, b)
assert a["streams_out"] == 1 and b["streams_in"] == 1, (a, b)
assert b["gaps"] == 0 and b["bad_frames"] == 0, b
assert a["frames_out"] > 0 and b["frames_in"] > 0
# round trip from the HELLOs' echoes: measured, and sane (under a second)
assert 0 < a["rtt_ns"] < 10**9 and 0 < b["rtt_ns"] < 10**9, (a["rtt_ns"], b["rtt_ns"])
if faults:
    assert b["fault_lost"] > 0 and b["fault_duped"] > 0 and b["fault_late"] > 0, b
    assert b["naks_out"] > 0 and a["naks_in"] > 0 and a["retransmits"] > 0, (a, b)
    assert b["dup_frames"] > 0, b
else:
    assert a["retransmits"] == 0 and b["naks_out"] == 0, (a, b)
print("A: frames_out %d retransmits %d naks_in %d rtt %d ns | B: frames_in %d naks_out %d dups %d lost(injected) %d rtt %d ns"
      % (a["frames_out"], a["retransmits"], a["naks_in"], a["rtt_ns"], b["frames_in"], b["naks_out"],
         b["dup_frames"], b["fault_lost"], b["rtt_ns"]))
PY
pass "telemetry /tern/ports: link up, streams, NAKs and retransmits as expected"

# ternctl: the same counters, human and --json, and the peer in node list.
"$TERNCTL" -c "$T/B/node.ini" link stats > "$T/ls" || fail "ternctl link stats: $(cat "$T/ls")"
grep -q "port.a -> A$ID: up" "$T/ls" || fail "link stats on B: $(cat "$T/ls")"
"$TERNCTL" -c "$T/A/node.ini" link stats --json > "$T/lsj" || fail "ternctl link stats --json"
python3 - "$T/lsj" "${NET_FAULTS:-}" <<'PY' || fail "ternctl link stats --json: $(cat "$T/lsj")"
import json, sys
d = json.load(open(sys.argv[1]))
(l,) = d["links"]
assert l["name"] == "b" and l["up"] == 1 and l["streams_out"] == 1, l
assert (l["retransmits"] > 0) == (sys.argv[2] != ""), l
PY
"$TERNCTL" -c "$T/B/node.ini" node list --json > "$T/nl" || fail "ternctl node list"
expect_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["nodes"][0]["name"], d["nodes"][0]["up"])' "$T/nl")" "A$ID True" "node list on B"
"$TERNCTL" -s /nonexistent link stats > /dev/null 2>&1 && fail "link stats with -s accepted"
pass "ternctl link stats and node list"

# Fault injection at run time (ternctl link fault, through telemetry): on
# B's port, 10 % loss and 2 % reordering for a second stream of messages,
# which still all arrive; then off again.
if [ -z "${NET_FAULTS:-}" ]; then
    M=20000
    "$TERNCTL" -c "$T/B/node.ini" link fault a --json > "$T/lf0" || fail "link fault (show)"
    expect_eq "$(jget '["loss_ppm"]' < "$T/lf0")" 0 "no loss injected from the config"
    "$TERNCTL" -c "$T/B/node.ini" link fault a loss=10% reorder=2% > "$T/lf1" || fail "link fault (set)"
    grep -q "loss 100000 ppm, dup 0 ppm, reorder 20000 ppm" "$T/lf1" || fail "link fault set: $(cat "$T/lf1")"
    bg "$PROBE" -s "$SB" sub net.t $M --policy bp --depth 1024 --timeout 120 --ready "$T/ready2" > "$T/sub2"
    sub=${CHILDREN[-1]}
    wait_file "$T/ready2"
    "$PROBE" -s "$SA" pub net.t $M --excl --retry > /dev/null || fail "second publisher on A"
    wait "$sub" || fail "subscriber on B under injected loss: $(cat "$T/sub2")"
    expect_eq "$(jget '["received"]' < "$T/sub2") $(jget '["gaps"]' < "$T/sub2")" "$M 0" \
        "10 % loss set at run time: all $M arrive, no gap"
    echo /tern/ports | dpdk-telemetry.py -f "tern_B$ID" > "$T/telB2" 2>&1
    lost=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    if l.strip().startswith("{") and "/tern/ports" in l: print(json.loads(l)["/tern/ports"]["port0"]["fault_lost"])' "$T/telB2")
    [ "$lost" -gt 0 ] || fail "no frame was dropped by the injected loss"
    "$TERNCTL" -c "$T/B/node.ini" link fault a loss=0% reorder=0% --json > "$T/lf2" || fail "link fault (off)"
    expect_eq "$(jget '["loss_ppm"]' < "$T/lf2") $(jget '["reorder_ppm"]' < "$T/lf2")" "0 0" "faults off again"
    rc=0; "$TERNCTL" -c "$T/B/node.ini" link fault a loss=60% > /dev/null 2>&1 || rc=$?
    expect_eq "$rc" 2 "a rate past 50 % is a usage error"
    rc=0; "$TERNCTL" -c "$T/B/node.ini" link fault nosuch > "$T/lf3" 2>&1 || rc=$?
    expect_eq "$rc" 1 "an unknown port is refused"
    grep -q "no port 'nosuch'" "$T/lf3" || fail "unknown port: $(cat "$T/lf3")"
    pass "ternctl link fault: loss and reordering injected and removed at run time ($lost frames lost)"
fi
