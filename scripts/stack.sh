#!/usr/bin/env bash
# Start, stop and inspect a local tern stack (tern-dataplane + tern-control).
#
#   scripts/stack.sh start  [-c node.ini] [-d STATE_DIR]
#   scripts/stack.sh stop   [-d STATE_DIR]
#   scripts/stack.sh status [-d STATE_DIR]
#
# STATE_DIR (default /tmp/tern-stack) keeps the PIDs, the logs and the config
# in use.  Without -c the binaries' embedded default config is used.
# stop ends only the processes this script started (by PID), then removes the
# node's hugepage files, DPDK runtime dir and sockets, even after a crash.
# BUILD (default: build) names the build directory.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
cmd=${1:-}; shift || true
cfg="" dir=/tmp/tern-stack
while [ $# -gt 0 ]; do
    case "$1" in
        -c) cfg=$(realpath "$2"); shift 2 ;;
        -d) dir=$2; shift 2 ;;
        *) echo "stack: unknown argument $1" >&2; exit 2 ;;
    esac
done

ini_get() {   # ini_get KEY DEFAULT: first "KEY = value" of the config in use
    local f; f=$(cat "$dir/config" 2>/dev/null)
    if [ -n "$f" ] && [ -f "$f" ]; then
        local v; v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([^#;]*\).*/\1/p" "$f" | head -1 | sed 's/[[:space:]]*$//')
        [ -n "$v" ] && { echo "$v"; return; }
    fi
    echo "$2"
}

wait_sock() {   # wait_sock PATH PID NAME
    for _ in $(seq 1 100); do
        [ -S "$1" ] && return 0
        kill -0 "$2" 2>/dev/null || { echo "stack: $3 exited during start-up:" >&2; tail -20 "$dir/$3.log" >&2; return 1; }
        sleep 0.1
    done
    echo "stack: $3 did not open $1 within 10 s" >&2
    return 1
}

stop_pid() {    # stop_pid NAME [SECONDS]: TERM, then KILL after SECONDS (default 3)
    local f="$dir/$1.pid" pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 $(( ${2:-3} * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$f"
}

case "$cmd" in
start)
    mkdir -p "$dir"
    echo "${cfg}" > "$dir/config"
    name=$(ini_get name local)
    run=$(ini_get run_dir "/run/tern/$name")
    args=(); [ -n "$cfg" ] && args=(-c "$cfg")
    "$build/dataplane/tern-dataplane" "${args[@]}" >"$dir/dataplane.log" 2>&1 &
    echo $! > "$dir/dataplane.pid"
    wait_sock "$(ini_get dataplane_socket "$run/dataplane.sock")" "$(cat "$dir/dataplane.pid")" dataplane \
        || { "$0" stop -d "$dir"; exit 1; }
    "$build/control/tern-control" "${args[@]}" >"$dir/control.log" 2>&1 &
    echo $! > "$dir/control.pid"
    wait_sock "$(ini_get control_socket "$run/control.sock")" "$(cat "$dir/control.pid")" control \
        || { "$0" stop -d "$dir"; exit 1; }
    echo "stack: up (dataplane $(cat "$dir/dataplane.pid"), control $(cat "$dir/control.pid")), socket $(ini_get control_socket "$run/control.sock")"
    ;;
stop)
    name=$(ini_get name local)
    prefix=$(ini_get file_prefix "tern_$name")
    run=$(ini_get run_dir "/run/tern/$name")
    # The node's shutdown order (docs/control.md "Shutdown"): the dataplane
    # first, so that subscribers drain what was published (tern-control
    # still serves reclaims meanwhile), then tern-control.
    drain_ms=$(ini_get drain_timeout_ms 2000)
    stop_pid dataplane $(( drain_ms / 1000 + 3 ))
    stop_pid control
    rm -f /dev/hugepages/"${prefix}"map_* 2>/dev/null
    rm -rf "/var/run/dpdk/$prefix"
    rm -f "$(ini_get control_socket "$run/control.sock")" "$(ini_get dataplane_socket "$run/dataplane.sock")"
    rmdir "$run" 2>/dev/null || true
    ;;
status)
    for p in dataplane control; do
        if [ -f "$dir/$p.pid" ] && kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null; then
            echo "$p: running ($(cat "$dir/$p.pid"))"
        else
            echo "$p: stopped"
        fi
    done
    ;;
*)
    echo "usage: scripts/stack.sh start|stop|status [-c node.ini] [-d STATE_DIR]" >&2
    exit 2
    ;;
esac
