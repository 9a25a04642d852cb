#!/usr/bin/env bash
# Benchmarks: tern-perf on a stack of its own (any arguments go to tern-perf,
# e.g. --json), then the DSL and log benchmarks when they are built.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/build.sh
scripts/hugepages.sh 1024 >/dev/null || { echo "perf: needs hugepages"; exit 1; }
state=$(mktemp -d /tmp/tern-perf.XXXXXX)
cat > "$state/node.ini" <<INI
[node]
name = perf
run_dir = $state/run
[eal]
file_prefix = tern_perf$$
lcores = 0@0
INI
trap 'scripts/stack.sh stop -d "$state" >/dev/null 2>&1; rm -rf "$state"' EXIT
scripts/stack.sh start -c "$state/node.ini" -d "$state" >/dev/null
build/tests/perf/tern-perf -s "$state/run/control.sock" "$@"
