# Sourced by every integration test: a node of its own (file prefix, run
# dir, sockets), started with scripts/stack.sh and always torn down, even on
# failure: processes by PID, hugepage files, DPDK runtime dir, sockets.
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROBE=$BUILD/tests/integration/tern-probe
TERNCTL=$BUILD/control/ternctl
if [ -n "${TERN_NO_HUGEPAGES:-}" ] || [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt 64 ]; then
    echo "SKIP: no hugepages (secondary processes need them)"
    exit 77
fi

if [ -n "${LCORES:-}" ] && [ "$(nproc)" -lt 2 ]; then
    echo "SKIP: LCORES=$LCORES needs a second CPU"
    exit 77
fi

T=$(mktemp -d /tmp/tern-it.XXXXXX)
NODE=it$(basename "$T" | tr -dc 'a-zA-Z0-9' | tail -c 6)
CHILDREN=()
cat > "$T/node.ini" <<INI
[node]
name = $NODE
run_dir = $T/run
[eal]
file_prefix = tern_$NODE
lcores = ${LCORES:-0@0}
storage_lcore = ${STORAGE_LCORE:-0}
[memory]
mbufs = 8191
[clients]
client_timeout_ms = 500
INI
export TERN_SOCKET=$T/run/control.sock

cleanup() {
    local rc=$?
    for p in "${CHILDREN[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    # A daemon a fault test left stopped (SIGSTOP) must be able to act on TERM.
    for f in control dataplane; do
        [ -f "$T/$f.pid" ] && kill -CONT "$(cat "$T/$f.pid")" 2>/dev/null || true
    done
    BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T" >/dev/null 2>&1 || true
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        echo "--- dataplane log"; tail -20 "$T/dataplane.log" 2>/dev/null || true
        echo "--- control log"; tail -20 "$T/control.log" 2>/dev/null || true
    fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"
wait_file() { for _ in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "timeout waiting for $1"; }
pool_free() { "$PROBE" pool | jget '["free"]'; }

# store_topics FSYNC: topics it.> go to the log under $T/data.
store_topics() {
    cat >> "$T/node.ini" <<INI
[storage]
dir = $T/data
rule.1 = it.> -> it/{topic}
rule.1.fsync = $1
INI
}

start_stack() {
    BUILD=$BUILD "$TOP/scripts/stack.sh" start -c "$T/node.ini" -d "$T" >/dev/null || fail "stack start"
}

# crash_restart: kill -9 both daemons (nothing written at exit), clean up
# after them and start the stack again.
crash_restart() {
    kill -KILL "$(cat "$T/dataplane.pid")" "$(cat "$T/control.pid")"
    sleep 0.2
    BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T" >/dev/null 2>&1
    start_stack
}

# restart_control: start tern-control again (after a kill), recorded in
# $T/control.pid so that the stack's stop ends it too.
restart_control() {
    rm -f "$T/control.pid"
    "$BUILD/control/tern-control" -c "$T/node.ini" >>"$T/control.log" 2>&1 &
    echo $! > "$T/control.pid"
    for _ in $(seq 1 100); do
        "$TERNCTL" topic list >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "tern-control did not come back"
}

# wait_line FILE SECONDS: until FILE has a line, at most SECONDS.
wait_line() {
    local n=$(( $2 * 20 ))
    for _ in $(seq 1 $n); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}

# restart_dataplane: start tern-dataplane again (after a kill) and wait
# until tern-control has reconnected to it (ternctl stats goes through both).
restart_dataplane() {
    rm -f "$T/dataplane.pid"
    "$BUILD/dataplane/tern-dataplane" -c "$T/node.ini" >>"$T/dataplane.log" 2>&1 &
    echo $! > "$T/dataplane.pid"
    for _ in $(seq 1 200); do
        "$TERNCTL" stats >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "tern-dataplane did not come back"
}

# wait_exit PID SECONDS: wait for a child; RC gets its exit code, or 124 if
# it is still running after SECONDS.  (Not in $(...): a subshell cannot
# wait for our children.)
wait_exit() {
    local n=$(( $2 * 20 ))
    RC=124
    for _ in $(seq 1 $n); do
        if ! kill -0 "$1" 2>/dev/null; then RC=0; wait "$1" || RC=$?; return 0; fi
        sleep 0.05
    done
}

# fence_check DEAD_NS T0_NS BOUND FILE...: each FILE is a fenced client's
# output; its enotconn_ns must be at most BOUND ms after DEAD_NS (the
# kernel's death notice).  Prints the worst delay after DEAD_NS and after
# T0_NS (the kill), in ms; exits 1 naming the first client over the bound.
fence_check() {
    python3 - "$@" <<'PY'
import json, sys
dead, t0, bound = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
wd = wk = 0.0
for f in sys.argv[4:]:
    ns = json.loads(open(f).read().strip().splitlines()[-1])["enotconn_ns"]
    d, k = (ns - dead) / 1e6, (ns - t0) / 1e6
    if d > bound:
        print("%s saw TERN_ENOTCONN %.1f ms after the death notice (%.1f ms after the kill), bound %g ms" % (f, d, k, bound))
        sys.exit(1)
    wd, wk = max(wd, d), max(wk, k)
print("%.1f %.1f" % (wd, wk))
PY
}

# watch_death PID FILE: in the background, note in FILE the UTC ns at which
# the kernel reports PID's death (its pidfd turns readable): the moment a
# client can first know, and what fence delays are measured from (a killed
# process needs CPU time to die, which a loaded machine may not give it).
watch_death() {
    rm -f "$2" "$2.ready"
    python3 -c 'import os,select,sys,time
fd = os.pidfd_open(int(sys.argv[1])); open(sys.argv[2] + ".ready", "w").close()
select.select([fd], [], []); t = time.time_ns(); open(sys.argv[2], "w").write("%d\n" % t)' "$1" "$2" &
    CHILDREN+=($!)
    wait_file "$2.ready"
}
