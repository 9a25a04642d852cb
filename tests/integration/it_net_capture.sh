#!/usr/bin/env bash
# Node links over real kernel networking, read with the usual tools: two
# dataplanes in network namespaces of their own joined by a veth pair
# (net_af_packet), 20 000 messages A->B checked as in it_net.sh, while
# tshark captures on B's veth; the capture, read with scripts/tern.lua,
# shows tern's HELLO, REQ, DATA and STATUS frames and every message seq.
NET_LINK=afpacket
source "$(dirname "$0")/net_lib.sh"
if ! command -v tshark > /dev/null; then
    [ -n "${TERN_ALLOW_SKIP:-}" ] && { echo "SKIP: tshark not installed"; exit 77; }
    fail "tshark not installed: run scripts/install-deps.sh"
fi
N=20000
start_nodes
"$PROBE" -s "$SA" create net.c > /dev/null && "$PROBE" -s "$SB" create net.c > /dev/null || fail "create"
wait_log A "sending 'net.c' to B$ID" 5
ip netns exec "$NSB" tshark -q -i "vb$ID" -w "$T/cap.pcapng" -f udp > "$T/tshark.log" 2>&1 & CHILDREN+=($!)
cap=$!
for _ in $(seq 1 100); do grep -q "Capturing on" "$T/tshark.log" && break; sleep 0.05; done
bg "$PROBE" -s "$SB" sub net.c $N --policy bp --timeout 60 --ready "$T/ready" > "$T/sub"
sub=${CHILDREN[-1]}
wait_file "$T/ready"
"$PROBE" -s "$SA" pub net.c $N --excl --retry --tag origin=A > /dev/null || fail "publisher"
wait "$sub" || fail "subscriber: $(cat "$T/sub")"
expect_eq "$(jget '["received"]' < "$T/sub")" $N "B received every message over af_packet"
expect_eq "$(jget '["gaps"]' < "$T/sub")" 0 "gaps"
expect_eq "$(jget '["disorder"]' < "$T/sub")" 0 "out of order"
sleep 0.3
kill -INT "$cap"; wait "$cap" 2> /dev/null || true
tshark -r "$T/cap.pcapng" -X lua_script:"$TOP/scripts/tern.lua" -T fields -e tern.type \
    -e tern.ent.seq -E occurrence=a -E separator=/s > "$T/fields" 2> "$T/tshark.err" ||
    fail "tshark: $(cat "$T/tshark.err")"
python3 - "$T/fields" "$N" <<'PY' || fail "capture: $(head -5 "$T/fields")"
import sys
n = int(sys.argv[2])
types, seqs = {}, set()
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    types[f[0]] = types.get(f[0], 0) + 1
    if f[0] == "1" and len(f) > 1:
        seqs.update(int(x) for x in f[1].split(","))
print("frames by type:", types, "message seqs seen:", len(seqs))
assert types.get("1", 0) > 0 and types.get("2", 0) > 0 and types.get("4", 0) > 0, types
assert seqs == set(range(1, n + 1)), (min(seqs), max(seqs), len(seqs))
PY
pass "tshark with scripts/tern.lua reads the capture: DATA, STATUS, HELLO, every seq 1..$N"
