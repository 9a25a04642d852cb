#!/usr/bin/env bash
# The main job: a local tern stack on the embedded default config (no NIC),
# a publisher and a subscriber exchanging messages, then latency and
# throughput figures beside a raw DPDK baseline.  Leaves no process,
# hugepage file or socket behind, whether it succeeds or fails.
#   scripts/demo.sh [--full]     (--full: 1M latency samples, 2 s per throughput run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh
scripts/hugepages.sh 1024 || { echo "demo: tern needs hugepages (see above)"; exit 1; }

state=$(mktemp -d /tmp/tern-demo.XXXXXX)
cleanup() {
    local rc=$?
    [ -n "${sub:-}" ] && kill -KILL "$sub" 2>/dev/null
    scripts/stack.sh stop -d "$state" >/dev/null 2>&1 || true
    [ $rc -ne 0 ] && { echo "demo: failed; logs:"; tail -5 "$state"/*.log 2>/dev/null; }
    rm -rf "$state"
    exit $rc
}
trap cleanup EXIT INT TERM

echo "== starting tern-dataplane and tern-control (embedded default config)"
scripts/stack.sh start -d "$state"
probe=build/tests/integration/tern-probe
ternctl=build/control/ternctl

echo "== topic md.eq.AAPL, one subscriber, one publisher (100000 messages of 64 B)"
$probe create md.eq.AAPL
$probe sub 'md.eq.*' 100000 --policy bp --print 5 --ready "$state/ready" --timeout 30 > "$state/sub.out" &
sub=$!
while [ ! -e "$state/ready" ]; do sleep 0.05; done
$probe pub md.eq.AAPL 100000 --excl --retry > "$state/pub.out"
wait $sub; sub=""
echo "subscriber (first messages):"; grep '^  ' "$state/sub.out"
echo "publisher:  $(cat "$state/pub.out")"
echo "subscriber: $(tail -1 "$state/sub.out")"
echo
$ternctl stats

echo
echo "== latency and throughput (tern vs a bare rte_ring between the same two processes)"
if [ "${1:-}" = "--full" ]; then
    build/tests/perf/tern-perf
else
    build/tests/perf/tern-perf --samples 200000 --warmup 20000 --seconds 1
fi
echo
echo "== stopping"
