#!/usr/bin/env bash
# Node links: the home restarts.  kill -9 of A's dataplane (the home of an
# unstored topic that B imports), NET_ROUNDS times (default 2).  A comes
# back numbering the topic from 1 again; B notices the numbers going back,
# says so, and follows: a subscriber on B receives every message A
# publishes after each restart (before this, B dropped them all as
# duplicates of the old numbers, silently).
# Over af_packet on a veth pair in namespaces: a restarted A opens its end
# again and B's side never went away.  (Over memif or vhost-user, DPDK
# 22.11's client side does not reconnect to a restarted server by itself,
# and restarting its port made the memif server crash in its PMD: a
# restarted home over those needs its peers restarted too.)
NET_LINK=afpacket
source "$(dirname "$0")/net_lib.sh"
ROUNDS=${NET_ROUNDS:-2}
M=5000
start_nodes
"$PROBE" -s "$SA" create net.h > /dev/null && "$PROBE" -s "$SB" create net.h > /dev/null || fail "create"
wait_log A "sending 'net.h' to B$ID" 5
"$PROBE" -s "$SA" pub net.h 20000 --excl --retry > /dev/null || fail "first publisher on A"
for r in $(seq 1 "$ROUNDS"); do
    ren=$(grep -c "numbers 'net.h' from seq 1 again" "$T/B/dataplane.log" || true)
    sends=$(log_count A "sending 'net.h' to B$ID")
    kill -KILL "$(cat "$T/A/dataplane.pid")"
    sleep 0.2
    rm -f "$T/A/dataplane.pid" /dev/hugepages/tern_A${ID}map_* 2>/dev/null
    rm -rf "/var/run/dpdk/tern_A$ID"
    # ip netns exec execs the dataplane: $! is its PID
    ip netns exec "$NSA" "$BUILD/dataplane/tern-dataplane" -c "$T/A/node.ini" >> "$T/A/dataplane.log" 2>&1 &
    echo $! > "$T/A/dataplane.pid"
    log_grows A "sending 'net.h' to B$ID" "$sends" 15 ||
        fail "round $r: the restarted A never sent net.h to B again"
    bg "$PROBE" -s "$SB" sub net.h $M --policy bp --timeout 30 --ready "$T/r$r" > "$T/s$r"
    sub=${CHILDREN[-1]}
    wait_file "$T/r$r"
    "$PROBE" -s "$SA" pub net.h $M --excl --retry > "$T/p$r" || fail "round $r: publisher on the restarted A"
    wait "$sub" || fail "round $r: B's subscriber got nothing of the restarted A: $(cat "$T/s$r")"
    expect_stream "$T/s$r" $M "round $r: B after A's restart"
    [ "$(grep -c "numbers 'net.h' from seq 1 again" "$T/B/dataplane.log" || true)" -gt "$ren" ] ||
        fail "round $r: B did not say that A numbers net.h again"
done
pass "B follows a restarted home's new numbering, $ROUNDS times, and says so"
