#!/usr/bin/env bash
# tern-gateway against hostile and stuck clients: an absurd length, garbage,
# a truncated frame, a lying body, a slow-loris frame, a silent connection,
# 1000 idle connections and one over max_conns, a subscriber that never
# reads while a local publisher runs flat out.  Each is cut off or bounded,
# the gateway goes on serving a normal client after each, the local
# publisher is never held back (drop policy), and it exits cleanly.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gw_lib.sh"
gw_config max_conns=1001 hello_timeout_ms=1000 frame_timeout_ms=1000 \
    write_timeout_ms=1500 out_max=1M
start_stack
"$PROBE" create it.gw.h it.gw.flood || fail "create"
start_gateway

for s in absurd garbage truncated bad_message slowloris no_hello; do
    out=$($GWCLIENT $s) || fail "$s: $out"
    pass "$s: $out"
    $GWCLIENT healthy >/dev/null || fail "not serving after $s"
done

out=$($GWCLIENT idle 1000) || fail "idle: $out"
pass "1000 idle connections: $out"
expect_eq "$(echo "$out" | jget '["one_more"]')" LIMIT "connection 1002 refused"

# The stuck subscriber: 1 KiB messages until it is cut off; the local
# publisher never waits (backpressure count 0).
bg $GWCLIENT never_reads it.gw.flood 6 > "$T/nr"
NR=$!
sleep 0.5
"$PROBE" pub it.gw.flood 300000 --size 1024 --rate 100000 > "$T/p" || fail "publisher"
wait "$NR" || fail "never_reads: $(cat "$T/nr")"
pass "never-reading subscriber: $(cat "$T/nr")"
expect_eq "$(jget '["backpressure"]' < "$T/p")" 0 "local publisher held back"
grep -q "cut off" "$T/gateway.log" || fail "gateway did not cut the reader off: $(tail -5 "$T/gateway.log")"
pass "gateway log: $(grep "cut off" "$T/gateway.log" | head -1)"
$GWCLIENT healthy >/dev/null || fail "not serving after the stuck reader"
pass "still serving"
stop_gateway
