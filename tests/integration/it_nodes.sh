#!/usr/bin/env bash
# scripts/nodes.sh: the three-node stack from configs/nodes/ starts with
# every link up, carries A's and B's publishes to all three nodes in one
# order, and stops leaving nothing behind (processes, hugepage files,
# DPDK runtime dirs, sockets).
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
TOP=$(cd "$(dirname "$0")/../.." && pwd) PROBE=$BUILD/tests/integration/tern-probe
[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 384 ] || { echo "SKIP: hugepages"; exit 77; }
T=$(mktemp -d /tmp/tern-nodes.XXXXXX)
CHILDREN=()
cleanup() {
    local rc=$?
    for p in "${CHILDREN[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    BUILD=$BUILD "$TOP/scripts/nodes.sh" stop -d "$T" > /dev/null 2>&1 || true
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
source "$(dirname "$0")/helpers.sh"

BUILD=$BUILD "$TOP/scripts/nodes.sh" start -d "$T" > "$T/start.out" || { cat "$T/start.out"; fail "nodes.sh start"; }
grep -q "^  b  *port.b  *up$" "$T/start.out" && grep -q "^  c  *port.c  *up$" "$T/start.out" &&
    grep -q "^  a  *port.a  *up$" "$T/start.out" || fail "links not all up: $(cat "$T/start.out")"
pass "nodes.sh start: a, b and c up, every link up"
for n in a b c; do "$PROBE" -s "$T/$n/run/control.sock" create net.x > /dev/null || fail "create on $n"; done
for _ in $(seq 1 100); do grep -q "sending our publishes to 'net.x'" "$T/b/dataplane.log" && break; sleep 0.05; done
N=2000
for n in a b c; do
    bg "$PROBE" -s "$T/$n/run/control.sock" sub net.x $((2 * N)) --policy bp --timeout 60 --ready "$T/r$n" > "$T/s$n"
done
subs=("${CHILDREN[@]}")
for n in a b c; do for _ in $(seq 1 200); do [ -e "$T/r$n" ] && break; sleep 0.05; done; done
"$PROBE" -s "$T/a/run/control.sock" pub net.x $N --retry > /dev/null || fail "publisher on a"
"$PROBE" -s "$T/b/run/control.sock" pub net.x $N --retry > /dev/null || fail "publisher on b"
for p in "${subs[@]}"; do wait "$p" || fail "a subscriber: $(cat "$T"/s?)"; done
for n in a b c; do expect_stream "$T/s$n" $((2 * N)) "node $n"; done
CHILDREN=()
ids=$(sed -n 's/^file_prefix = //p' "$T"/?.ini)
BUILD=$BUILD "$TOP/scripts/nodes.sh" stop -d "$T" > /dev/null || fail "nodes.sh stop"
for p in $ids; do
    [ ! -e "/var/run/dpdk/$p" ] || fail "runtime dir /var/run/dpdk/$p left behind"
    ! ls /dev/hugepages/${p}map_* > /dev/null 2>&1 || fail "hugepage files of $p left behind"
done
! ls "$T"/*/*.pid > /dev/null 2>&1 || fail "pid files left: $(ls "$T"/*/*.pid)"
! ls "$T"/*.sock > /dev/null 2>&1 || fail "memif sockets left"
pass "nodes.sh stop: nothing left behind"
