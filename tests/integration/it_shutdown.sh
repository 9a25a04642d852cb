#!/usr/bin/env bash
# SIGTERM's graceful drain, in the order docs/control.md "Shutdown" fixes:
# the dataplane refuses new publishes (the publisher sees TERN_ESHUTDOWN
# from tern_status()), lets a slow backpressure subscriber drain, flushes
# storage, tells the clients (TERN_ENOTCONN) and exits 0; then tern-control
# closes its socket, its dataplane link and its clients, and exits 0.
# Checked: the log lines of each in order, the subscriber got every message
# published before the drain (nothing missing, no gap), and the log on
# disk holds every one of them.
source "$(dirname "$0")/lib.sh"
store_topics never
sed -i "s/^\[node\]/[node]\ndrain_timeout_ms = 5000/" "$T/node.ini"
start_stack
DP=$(cat "$T/dataplane.pid") CP=$(cat "$T/control.pid")
"$PROBE" create it.drain >/dev/null || fail "create"
# 20 us a message: a queue of 1024 behind when the drain starts.
bg "$PROBE" sub it.drain 1000000000 --policy bp --depth 1024 --slow 20000 --timeout 60 \
    --ready "$T/sub.ready" > "$T/sub.out"
SUB=$!
wait_file "$T/sub.ready"
bg "$PROBE" pub it.drain 1000000000 --retry --ready "$T/pub.ready" > "$T/pub.out"
PUB=$!
wait_file "$T/pub.ready"
sleep 0.5
kill -TERM "$DP"
wait_exit "$PUB" 10
expect_eq "$RC" 6 "publisher refused with TERN_ESHUTDOWN (exit 6)"
P=$(jget '["published"]' < "$T/pub.out")
expect_eq "$(jget '["refused"]' < "$T/pub.out")" "tern-dataplane is shutting down: publishing stopped" "refusal reason"
expect_eq "$(jget '["last_seq"]' < "$T/pub.out")" "$P" "publisher's last seq is its count"
wait_exit "$SUB" 10
expect_eq "$RC" 5 "subscriber fenced (TERN_ENOTCONN) after the drain"
expect_eq "$(jget '["received"]' < "$T/sub.out")" "$P" "subscriber received every message published before the drain"
expect_eq "$(jget '["last_seq"]' < "$T/sub.out")" "$P" "subscriber's last seq"
expect_eq "$(jget '["gaps"]' < "$T/sub.out")" 0 "gaps"
for _ in $(seq 1 100); do kill -0 "$DP" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DP" 2>/dev/null && fail "tern-dataplane still running"

# in_order FILE PATTERN...: each pattern on a later line than the one before.
in_order() {
    local f=$1 prev=0 n; shift
    for p in "$@"; do
        n=$(grep -En "$p" "$f" | head -1 | cut -d: -f1)
        [ -n "$n" ] || fail "$(basename "$f"): no line /$p/: $(tail -8 "$f")"
        [ "$n" -gt "$prev" ] || fail "$(basename "$f"): /$p/ (line $n) before line $prev"
        prev=$n
    done
}
in_order "$T/dataplane.log" \
    "notice: shutdown \(signal 15, Terminated\): publishing stopped; subscribers drain for at most 5000 ms" \
    "notice: shutdown: drained in [0-9.]+ ms" \
    "notice: shutdown: storage flushed and closed \(1 rule\(s\), 0 error\(s\)\)" \
    "notice: shutdown: [0-9]+ client\(s\) told" \
    "notice: stopped$"
pass "dataplane: $(grep -o 'drained in [0-9.]* ms' "$T/dataplane.log"), log lines in order"

"$BUILD/control/log/tern-log" verify "$T/data" > "$T/v" 2>&1 || fail "tern-log verify: $(cat "$T/v")"
"$BUILD/control/log/tern-log" ls --json "$T/data" it/it.drain > "$T/ls"
grep -q "\"last_lsn\":$P," "$T/ls" || fail "the log does not end at $P: $(cat "$T/ls")"
pass "stored on disk: $P messages, verified"

kill -TERM "$CP"
for _ in $(seq 1 100); do kill -0 "$CP" 2>/dev/null || break; sleep 0.05; done
kill -0 "$CP" 2>/dev/null && fail "tern-control still running"
in_order "$T/control.log" \
    "info: shutdown \(signal 15, Terminated\): control socket .* closed, no new clients" \
    "info: shutdown: dataplane link (closed|was down)" \
    "info: shutdown: [0-9]+ client connection\(s\) closed" \
    "info: stopped$"
[ -e "$T/run/control.sock" ] && fail "control socket left behind"
pass "control: log lines in order, socket removed"
