#!/usr/bin/env bash
# Node links, issue 9 test 7: in steady state the I/O role (each
# dataplane's main thread) allocates nothing and makes no system call per
# message.  Heap calls are counted by an LD_PRELOAD counter (alloc_count.c,
# main thread only); system calls by strace on the main thread while
# 200 000 messages cross the link.  What remains is the one look at the
# control socket per millisecond (epoll_wait with a zero timeout).
source "$(dirname "$0")/net_lib.sh"
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
: "${ALLOC_COUNT:?ALLOC_COUNT must name the alloc_count library}"
mkdir -p "$T/counts"
export TERN_ALLOC_COUNT_DIR=$T/counts
export LD_PRELOAD=$ALLOC_COUNT
start_nodes
unset LD_PRELOAD
"$PROBE" -s "$SA" create net.h > /dev/null && "$PROBE" -s "$SB" create net.h > /dev/null || fail "create"
wait_log A "sending 'net.h' to B$ID" 5
PA=$(cat "$T/A/dataplane.pid") PB=$(cat "$T/B/dataplane.pid")
N=200000 W=20000

# warm up: pools, caches and rings touched once
bg "$PROBE" -s "$SB" sub net.h $((W + N)) --policy bp --depth 4096 --timeout 120 --ready "$T/ready" > "$T/sub"
sub=${CHILDREN[-1]}
wait_file "$T/ready"
"$PROBE" -s "$SA" pub net.h $W --excl --retry > /dev/null || fail "warm-up publisher"
sleep 0.5
count() { cat "$T/counts/$1"; }
a0=$(count "$PA") b0=$(count "$PB")
strace -c -p "$PA" -o "$T/straceA" 2> /dev/null & CHILDREN+=($!); sa=$!
strace -c -p "$PB" -o "$T/straceB" 2> /dev/null & CHILDREN+=($!); sb=$!
sleep 0.3
t0=$(date +%s%N)
"$PROBE" -s "$SA" pub net.h $N --excl --retry > "$T/pub" || fail "publisher"
wait "$sub" || fail "subscriber: $(cat "$T/sub")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -INT "$sa" "$sb"; wait "$sa" "$sb" 2> /dev/null || true
sleep 0.1
a1=$(count "$PA") b1=$(count "$PB")
expect_eq "$(jget '["received"]' < "$T/sub")" $((W + N)) "B received everything"
expect_eq "$((a1 - a0))" 0 "heap allocations on A's I/O thread while $N messages left"
expect_eq "$((b1 - b0))" 0 "heap allocations on B's I/O thread while $N messages arrived"
for n in A B; do
    python3 - "$T/strace$n" "$ms" "$N" "$n" <<'PY' || fail "system calls on $n's I/O thread: $(cat "$T/strace$n")"
import sys
path, ms, n, node = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
calls = {}
for line in open(path):
    f = line.split()
    if len(f) >= 5 and f[-1] not in ("syscall", "total") and f[3].isdigit():
        calls[f[-1]] = int(f[3])
total = sum(calls.values())
polls = ("epoll_wait", "epoll_pwait", "epoll_pwait2")
other = {k: v for k, v in calls.items() if k not in polls}
print("%s: %d system calls in %d ms for %d messages (%.4f per message): %s"
      % (node, total, ms, n, total / n, calls))
# the control socket's look, once a millisecond (strace slows the loop: x3 slack)
assert sum(calls.get(k, 0) for k in polls) <= 3 * ms + 200, calls
# anything else is a control event (a client attaching: sendmsg/recvmsg
# with tern-control), and must stay far below one per message
assert sum(other.values()) <= n / 1000, other
PY
done
pass "no allocation, and no per-message system call, in the I/O loop"
