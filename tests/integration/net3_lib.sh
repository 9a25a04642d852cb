# Sourced by the three-node tests: A, B and C, each a full stack of its
# own, A the memif server of a link to B and of one to C; A exports net.>,
# B and C import it.  Torn down on exit, even on failure: processes by
# PID, hugepage files, runtime dirs, sockets.  NET_N: messages (default
# 200000).
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PROBE=$BUILD/tests/integration/tern-probe
[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 384 ] || { echo "SKIP: hugepages"; exit 77; }
T=$(mktemp -d /tmp/tern-net3.XXXXXX)
ID=$(basename "$T" | tr -dc 'a-zA-Z0-9' | tail -c 6)
CHILDREN=()
N=${NET_N:-200000}
cleanup() {
    local rc=$?
    for p in "${CHILDREN[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for n in B C A; do BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T/$n" >/dev/null 2>&1 || true; done
    if [ $rc -ne 0 ]; then for n in A B C; do echo "--- $n"; tail -8 "$T/$n/dataplane.log" 2>/dev/null; done; fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"
head_ini() {
    printf '[node]\nname = %s%s\nrun_dir = %s/%s/run\n[eal]\nfile_prefix = tern_%s%s\nlcores = 0@0\n[memory]\nmbufs = 16383\n' \
        "$1" "$ID" "$T" "$1" "$1" "$ID"
}
port_ini() {    # NAME ROLE SOCK IP PEER_IP UDP PEER_UDP KEY
    printf '[port.%s]\nvdev = net_memif%s,role=%s,socket=%s,socket-abstract=no\nip = %s\npeer_ip = %s\nudp_port = %s\npeer_udp_port = %s\nheartbeat_ms = 50\nlink_timeout_ms = 500\n%s\n' \
        "$1" "$9" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
}
mkdir -p "$T/A" "$T/B" "$T/C"
{ head_ini A; port_ini b server "$T/ab.sock" 10.77.1.1 10.77.1.2 7460 7460 "export = net.>" 0
  port_ini c server "$T/ac.sock" 10.77.2.1 10.77.2.3 7460 7460 "export = net.>" 1; } > "$T/A/node.ini"
{ head_ini B; port_ini a client "$T/ab.sock" 10.77.1.2 10.77.1.1 7460 7460 "import = net.>" 0; } > "$T/B/node.ini"
{ head_ini C; port_ini a client "$T/ac.sock" 10.77.2.3 10.77.2.1 7460 7460 "import = net.>" 0; } > "$T/C/node.ini"
for n in A B C; do
    BUILD=$BUILD "$TOP/scripts/stack.sh" start -c "$T/$n/node.ini" -d "$T/$n" > /dev/null || { cat "$T/$n/dataplane.log"; fail "start $n"; }
done
