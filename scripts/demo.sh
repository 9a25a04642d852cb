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
    [ -n "${watcher:-}" ] && kill -KILL "$watcher" 2>/dev/null
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
# A second, pattern subscriber stays attached, so the stats below show a
# live client with its counters.
$probe sub 'md.>' 1000000000 --ready "$state/ready2" --timeout 30 > /dev/null &
watcher=$!
while [ ! -e "$state/ready" ] || [ ! -e "$state/ready2" ]; do sleep 0.05; done
$probe pub md.eq.AAPL 100000 --excl --retry > "$state/pub.out"
wait $sub; sub=""
echo "subscriber (first messages):"; grep '^  ' "$state/sub.out"
echo "publisher:  $(cat "$state/pub.out")"
echo "subscriber: $(tail -1 "$state/sub.out")"
echo
echo "== ternctl stats, a subscriber still attached"
$ternctl stats
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null || true; watcher=""

echo
echo "== latency and throughput (tern vs a bare rte_ring between the same two processes)"
if [ "${1:-}" = "--full" ]; then
    build/tests/perf/tern-perf | tee "$state/perf.out"
else
    build/tests/perf/tern-perf --samples 200000 --warmup 20000 --seconds 1 | tee "$state/perf.out"
fi
echo
# One line to remember: the 64 B figures, tern beside its raw baseline.
row() { awk -v n="$1" '$1 == n && $2 == 64 { print; exit }' "$state/perf.out"; }
p50() { row "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "p50") print $(i + 1) }'; }
rate() { row "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "M") print $(i - 1) }'; }
echo "== summary: $(grep -o '"received": *[0-9]*' "$state/sub.out" | head -1 | grep -o '[0-9]*$') of 100000 messages received in order;" \
     "64 B one-way p50 tern $(p50 tern-pingpong) ns vs raw ring $(p50 raw-ring-pingpong) ns;" \
     "one at a time tern $(rate tern-1pub-1sub) vs raw $(rate raw-ring-stream-1) M msg/s"
echo
echo "== stopping"
