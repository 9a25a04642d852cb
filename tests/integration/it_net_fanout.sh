#!/usr/bin/env bash
# Node links, three nodes: A fans one topic out to B and C over two memif
# ports (A the server of both).  Each receives every message once, in A's
# order and numbering, whatever it has locally; A's publisher is held by
# the slower of the two (both import under backpressure).
source "$(dirname "$0")/net3_lib.sh"
for n in A B C; do "$PROBE" -s "$T/$n/run/control.sock" create net.f > /dev/null || fail "create on $n"; done
for _ in $(seq 1 100); do
    [ "$(grep -c "sending 'net.f'" "$T/A/dataplane.log" || true)" -ge 2 ] && break; sleep 0.05
done
[ "$(grep -c "sending 'net.f'" "$T/A/dataplane.log" || true)" -ge 2 ] || fail "A does not send to both"
pass "A sends net.f to B and to C"
for n in A B C; do
    "$PROBE" -s "$T/$n/run/control.sock" sub net.f "$N" --policy bp --depth 1024 --timeout 120 \
        --ready "$T/r$n" > "$T/s$n" & CHILDREN+=($!)
done
for n in A B C; do for _ in $(seq 1 200); do [ -e "$T/r$n" ] && break; sleep 0.05; done; done
"$PROBE" -s "$T/A/run/control.sock" pub net.f "$N" --excl --retry > "$T/pub" || fail "publisher"
for p in "${CHILDREN[@]}"; do wait "$p" || fail "a subscriber failed"; done
for n in A B C; do expect_stream "$T/s$n" "$N" "$n"; done
