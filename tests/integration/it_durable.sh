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
crash_restart
"$PROBE" create it.dur || fail "create after restart"
# The re-created topic numbers on past every seq handed out before the
# kill (its mark file): a gap of at most one reserved range, never a repeat.
"$PROBE" pub it.dur 1000 --retry > "$T/p2" || fail "publisher after restart"
L=$(jget '["last_seq"]' < "$T/p2")
F=$((L - 999))
[ "$F" -gt "$N" ] && [ "$F" -le $((N + 2 * 65536 + 1)) ] || fail "after the restart numbering starts at $F (before: 1..$N)"
pass "sequence goes on after the restart at $F, past $N"
"$PROBE" sub it.dur $((N + 1000)) --from earliest --timeout 30 > "$T/s" || fail "replay after restart: $(cat "$T/s")"
expect_eq "$(jget '["received"]' < "$T/s")" $((N + 1000)) "acknowledged messages after kill -9 and restart, and the new ones"
expect_eq "$(jget '["last_seq"]' < "$T/s")" "$L" "last seq"
expect_eq "$(jget '["gaps"]' < "$T/s")" $((F - N - 1)) "gaps (the numbers reserved before the kill, never used)"
expect_eq "$(jget '["disorder"]' < "$T/s")" 0 "duplicates"
# A topic no rule stores cannot be acknowledged.
"$PROBE" create plain.t
if "$PROBE" pub plain.t 1 --durable 2> "$T/err" > /dev/null; then fail "durable wait on an unstored topic"; fi
pass "unstored topic: $(grep -v '^$' "$T/err" | head -1)"
