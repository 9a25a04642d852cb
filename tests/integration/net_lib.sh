# Sourced by the node-link tests: two nodes, A and B, each a full stack of
# its own (file prefix, run dir, sockets), joined by one DPDK link:
#   NET_LINK=memif (default): net_memif, A the server, B the client;
#   NET_LINK=vhost: net_vhost on A, net_virtio_user on B.
# A exports everything; B imports net.>.  Extra [port.a] keys for B (fault
# injection) come from NET_B_EXTRA, for A from NET_A_EXTRA.  Everything is
# torn down on exit, even on failure: processes by PID, hugepage files,
# DPDK runtime dirs, sockets.
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROBE=$BUILD/tests/integration/tern-probe
TERNCTL=$BUILD/control/ternctl
if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt 256 ]; then
    echo "SKIP: not enough free hugepages for two nodes"
    exit 77
fi
T=$(mktemp -d /tmp/tern-net.XXXXXX)
ID=$(basename "$T" | tr -dc 'a-zA-Z0-9' | tail -c 6)
CHILDREN=()
LINK=${NET_LINK:-memif}

node_ini() {    # node_ini NAME PORT_NAME VDEV IP PEER_IP EXTRA_PORT_KEYS EXTRA_EAL
    cat <<INI
[node]
name = $1$ID
run_dir = $T/$1/run
[eal]
file_prefix = tern_$1$ID
lcores = $(if [ "$1" = A ]; then echo "${NET_LCORES_A:-0@0}"; else echo "${NET_LCORES_B:-0@0}"; fi)
$7
[memory]
mbufs = ${NET_MBUFS:-16383}
[clients]
client_timeout_ms = 500
[port.$2]
vdev = $3
ip = $4
peer_ip = $5
mtu = ${NET_MTU:-1500}
heartbeat_ms = 50
link_timeout_ms = 500
$6
INI
}

case "$LINK" in
memif)
    VA="net_memif0,role=server,socket=$T/memif.sock,socket-abstract=no${NET_MEMIF_ARGS:-}"
    VB="net_memif0,role=client,socket=$T/memif.sock,socket-abstract=no${NET_MEMIF_ARGS:-}"
    EAL_A="" EAL_B="" ;;
vhost)
    VA="net_vhost0,iface=$T/vhost.sock,queues=1"
    VB="net_virtio_user0,path=$T/vhost.sock,queues=1"
    EAL_A="extra_args = --single-file-segments" EAL_B="extra_args = --single-file-segments" ;;
afpacket)
    # Real kernel networking: a veth pair between two network namespaces
    # of this test's own, one dataplane in each, on net_af_packet.
    command -v ip > /dev/null || { echo "SKIP: no ip(8)"; exit 77; }
    NSA=tnA$ID NSB=tnB$ID
    ip netns add "$NSA" && ip netns add "$NSB" || { echo "SKIP: cannot create network namespaces"; exit 77; }
    ip link add "va$ID" netns "$NSA" type veth peer name "vb$ID" netns "$NSB" ||
        { ip netns del "$NSA"; ip netns del "$NSB"; echo "SKIP: cannot create a veth pair"; exit 77; }
    ip -n "$NSA" link set "va$ID" up && ip -n "$NSB" link set "vb$ID" up
    ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up
    VA="net_af_packet0,iface=va$ID,qpairs=1,qdisc_bypass=1"
    VB="net_af_packet0,iface=vb$ID,qpairs=1,qdisc_bypass=1"
    EAL_A="" EAL_B="" ;;
*) echo "NET_LINK=$LINK: memif, vhost or afpacket"; exit 2 ;;
esac
# Where node N runs: its namespace with afpacket, else here.
in_ns() {   # in_ns A|B CMD...
    local n=$1; shift
    if [ "$LINK" = afpacket ]; then
        local ns; [ "$n" = A ] && ns=$NSA || ns=$NSB
        ip netns exec "$ns" "$@"
    else
        "$@"
    fi
}
mkdir -p "$T/A" "$T/B"
node_ini A b "$VA" 10.77.0.1 10.77.0.2 "export = >
${NET_A_EXTRA:-}" "$EAL_A" > "$T/A/node.ini"
node_ini B a "$VB" 10.77.0.2 10.77.0.1 "import = net.>
${NET_B_EXTRA:-}" "$EAL_B" > "$T/B/node.ini"
SA=$T/A/run/control.sock
SB=$T/B/run/control.sock

net_cleanup() {
    local rc=$?
    for p in "${CHILDREN[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for n in B A; do
        BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T/$n" >/dev/null 2>&1 || true
    done
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        for n in A B; do
            echo "--- $n dataplane log (errors and warnings)"
            grep -E "error|warning|refused" "$T/$n/dataplane.log" 2>/dev/null | tail -10 || true
            echo "--- $n dataplane log (last lines)"; tail -15 "$T/$n/dataplane.log" 2>/dev/null || true
        done
    fi
    [ -n "${KEEP_T:-}" ] && echo "kept $T" || rm -rf "$T"
    if [ "$LINK" = afpacket ]; then
        ip netns del "$NSA" 2>/dev/null || true
        ip netns del "$NSB" 2>/dev/null || true
    fi
    exit $rc
}
trap net_cleanup EXIT
trap 'exit 143' TERM INT HUP

source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"
wait_file() { for _ in $(seq 1 200); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "timeout waiting for $1"; }
# wait_log NODE TEXT SECONDS
wait_log() {
    for _ in $(seq 1 $(( $3 * 20 ))); do
        grep -q -- "$2" "$T/$1/dataplane.log" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "node $1 never logged '$2'"
}

# log_count NODE TEXT: lines of NODE's dataplane log with TEXT
log_count() { grep -c -- "$2" "$T/$1/dataplane.log" 2>/dev/null || true; }
# log_grows NODE TEXT COUNT SECONDS: until more than COUNT such lines (1: timeout)
log_grows() {
    for _ in $(seq 1 $(( $4 * 20 ))); do
        [ "$(log_count "$1" "$2")" -gt "$3" ] && return 0
        sleep 0.05
    done
    return 1
}

start_node() {  # start_node A|B
    BUILD=$BUILD in_ns "$1" "$TOP/scripts/stack.sh" start -c "$T/$1/node.ini" -d "$T/$1" >/dev/null \
        || { cat "$T/$1/dataplane.log" >&2; fail "stack $1 start"; }
}
# The memif server (A) and the vhost side must exist before their clients.
start_nodes() {
    start_node A
    start_node B
    wait_log A "link to B$ID up" 10
    wait_log B "link to A$ID up" 10
    pass "link up both ways ($LINK)"
}
