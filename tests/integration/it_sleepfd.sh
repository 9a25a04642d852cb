#!/usr/bin/env bash
# A subscriber that would rather sleep than spin waits on its file
# descriptor; the bus wakes it.  Spinning subscribers pay nothing for it.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.sleep || fail "create"
bg "$PROBE" sub it.sleep 200 --fd --ready "$T/r" --timeout 20 > "$T/s"
wait_file "$T/r"
"$PROBE" pub it.sleep 200 --rate 1000 > /dev/null || fail "publisher"
wait "${CHILDREN[-1]}" || fail "sleeping subscriber: $(cat "$T/s")"
expect_eq "$(jget '["received"]' < "$T/s")" 200 "sleeping subscriber received all"
w=$(jget '["wakeups"]' < "$T/s")
[ "$w" -gt 0 ] || fail "never woken through its fd"
pass "woken $w times through its fd"
