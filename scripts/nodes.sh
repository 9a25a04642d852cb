#!/usr/bin/env bash
# Start and stop a multi-node tern stack on this machine: one full stack
# (tern-dataplane + tern-control, scripts/stack.sh) per node config in
# configs/nodes/ (default a b c: A the home of net.>, fanning out to B and C
# over memif; B's publishes are forwarded to A), joined by DPDK ports.
#
#   scripts/nodes.sh start  [-d DIR] [NODE...]   (default DIR /tmp/tern-nodes)
#   scripts/nodes.sh stop   [-d DIR]
#   scripts/nodes.sh status [-d DIR]
#
# start fills the configs' @DIR@ and @ID@ into DIR/NODE.ini, starts the nodes
# in order (a memif server before its clients) and waits until every link
# is up.  stop stops them in reverse order, each cleaned up by stack.sh
# (processes by PID, hugepage files, runtime dirs, sockets).
# BUILD (default: build) names the build directory.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
cmd=${1:-}; shift || true
dir=/tmp/tern-nodes
nodes=()
while [ $# -gt 0 ]; do
    case "$1" in
        -d) dir=$2; shift 2 ;;
        -*) echo "nodes: unknown option $1" >&2; exit 2 ;;
        *) nodes+=("$1"); shift ;;
    esac
done
ternctl=$BUILD/control/ternctl

case "$cmd" in
start)
    [ ${#nodes[@]} -gt 0 ] || nodes=(a b c)
    mkdir -p "$dir" && dir=$(realpath "$dir")
    id=$(printf '%s' "$dir" | cksum | cut -c1-6)
    : > "$dir/nodes"
    for n in "${nodes[@]}"; do
        src=$top/configs/nodes/$n.ini
        [ -f "$src" ] || { echo "nodes: no config $src" >&2; exit 2; }
        sed -e "s|@DIR@|$dir|g" -e "s|@ID@|$id|g" "$src" > "$dir/$n.ini"
        mkdir -p "$dir/$n"
        "$top/scripts/stack.sh" start -c "$dir/$n.ini" -d "$dir/$n" > /dev/null ||
            { echo "nodes: node $n did not start (logs in $dir/$n)" >&2; "$0" stop -d "$dir"; exit 1; }
        echo "$n" >> "$dir/nodes"
    done
    # Every link up, as each node sees it (ternctl node list, from telemetry).
    for _ in $(seq 1 100); do
        down=0
        for n in "${nodes[@]}"; do
            "$ternctl" -c "$dir/$n.ini" node list 2>/dev/null | grep -q " down$" && down=1
        done
        [ $down = 0 ] && break
        sleep 0.1
    done
    for n in "${nodes[@]}"; do
        echo "node $n: control socket $dir/$n/run/control.sock, config $dir/$n.ini"
        "$ternctl" -c "$dir/$n.ini" node list | sed 's/^/  /'
    done
    [ $down = 0 ] || { echo "nodes: some links are still down" >&2; exit 1; }
    ;;
stop)
    [ -f "$dir/nodes" ] || exit 0
    for n in $(tac "$dir/nodes"); do
        "$top/scripts/stack.sh" stop -d "$dir/$n" > /dev/null
    done
    rm -f "$dir/nodes" "$dir"/*.ini "$dir"/*.sock
    ;;
status)
    [ -f "$dir/nodes" ] || { echo "no nodes running from $dir"; exit 1; }
    for n in $(cat "$dir/nodes"); do
        echo "node $n:"; "$top/scripts/stack.sh" status -d "$dir/$n" | sed 's/^/  /'
        "$ternctl" -c "$dir/$n.ini" node list | sed 's/^/  /'
    done
    ;;
*)
    echo "usage: scripts/nodes.sh start|stop|status [-d DIR] [NODE...]" >&2
    exit 2 ;;
esac
