#!/usr/bin/env bash
# Acknowledged durability: a publisher waits for the log's acknowledgement
# (fsync = always); then tern-dataplane and tern-control are killed with
# kill -9 and the stack restarted: every acknowledged message is replayed.
source "$(dirname "$0")/lib.sh"
store_topics always
start_stack
"$PROBE" create it.dur || fail "create"
N=50000
"$PROBE" pub it.dur $N --retry --durable > "$T/p" || fail "publisher: $(cat "$T/p")"
grep -q '"durable":true' "$T/p" || fail "no durable acknowledgement: $(cat "$T/p")"
pass "acknowledged: $(tail -1 "$T/p")"
kill -KILL "$(cat "$T/dataplane.pid")" "$(cat "$T/control.pid")"
sleep 0.2
BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T" >/dev/null 2>&1
start_stack
"$PROBE" create it.dur || fail "create after restart"
# The re-created topic numbers on from where its log ends.
"$PROBE" pub it.dur 1000 --retry > "$T/p2" || fail "publisher after restart"
expect_eq "$(jget '["last_seq"]' < "$T/p2")" $((N + 1000)) "sequence continues after the restart"
"$PROBE" sub it.dur $((N + 1000)) --from earliest --timeout 30 > "$T/s" || fail "replay after restart: $(cat "$T/s")"
expect_eq "$(jget '["received"]' < "$T/s")" $((N + 1000)) "acknowledged messages after kill -9 and restart, and the new ones"
expect_eq "$(jget '["last_seq"]' < "$T/s")" $((N + 1000)) "last seq"
expect_eq "$(jget '["gaps"]' < "$T/s")" 0 "gaps"
expect_eq "$(jget '["disorder"]' < "$T/s")" 0 "duplicates"
# A topic no rule stores cannot be acknowledged.
"$PROBE" create plain.t
if "$PROBE" pub plain.t 1 --durable 2> "$T/err" > /dev/null; then fail "durable wait on an unstored topic"; fi
pass "unstored topic: $(grep -v '^$' "$T/err" | head -1)"
