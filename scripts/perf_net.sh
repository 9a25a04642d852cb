#!/usr/bin/env bash
# Node-link throughput, tern against the raw port (issue 9 "tern-perf,
# remote"), over memif (default) or vhost/virtio-user (NET_LINK=vhost):
#
#   scripts/perf_net.sh [N]          (N messages per run, default 2000000)
#   PERF_NET_LAT=only scripts/perf_net.sh   (latency alone; =0: throughput alone)
#
# raw: dpdk-testpmd txonly on one side, rxonly on the other, 64 B and
#      1 KiB frames, forwarding lcores on CPU 0 and CPU 1: the port's rate.
# tern: two tern nodes (tests/integration/net_lib.sh), A's I/O lcore on
#      CPU 0 and B's on CPU 1 (as testpmd's), publisher on A and
#      subscriber on B unpinned (four pollers on two CPUs here), 64 B and
#      1 KiB payloads, single publishes and bursts of 32, subscriber under
#      backpressure so that the rate is the end-to-end one with nothing lost.
# latency: ping-pong RTT/2 (p50/p99/p99.9), 64 B and 1 KiB.
#   raw: tern-rawlink, bare Ethernet frames over the same vdev pair, the
#        pinging process on CPU 0 and the echoing one on CPU 1.
#   tern: tern-perf --remote: A pings on net.ping.* (homed on A, imported
#        by B), B answers on pong.* (homed on B, imported by A).  A's I/O
#        lcore and tern-perf's side A on CPU 0, B's and side B on CPU 1:
#        two pollers a CPU, time-sliced by the kernel; then the same with
#        --remote-wake fd, the two tern-perf sides sleeping on their
#        subscription's fd so each CPU has one busy poller, as raw has.
# Benchmarks only: nothing here passes or fails on a figure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-$top/build}
N=${1:-2000000}
LINK=${NET_LINK:-memif}
SECS=${RAW_SECS:-5}

raw() {     # raw SIZE: packets/s and bytes/s of testpmd txonly -> rxonly
    local d; d=$(mktemp -d /tmp/tern-raw.XXXXXX)
    local va vb extra=""
    case "$LINK" in
    memif) va="net_memif0,role=server,socket=$d/s,socket-abstract=no"
           vb="net_memif0,role=client,socket=$d/s,socket-abstract=no" ;;
    vhost) va="net_vhost0,iface=$d/s,queues=1"; vb="net_virtio_user0,path=$d/s,queues=1"
           extra="--single-file-segments" ;;
    esac
    timeout $((SECS + 15)) dpdk-testpmd --no-pci --file-prefix=rawrx$$ --lcores=0@1,1@1 $extra \
        --vdev="$va" -- --forward-mode=rxonly --stats-period=1 -a > "$d/rx" 2>&1 &
    local rx=$!
    sleep 1.5
    timeout $((SECS + 10)) dpdk-testpmd --no-pci --file-prefix=rawtx$$ --lcores=0@0,1@0 $extra \
        --vdev="$vb" -- --forward-mode=txonly --txpkts="$1" --stats-period=1 -a > "$d/tx" 2>&1 &
    local tx=$!
    sleep "$SECS"
    kill -INT $tx 2>/dev/null; sleep 0.5; kill -INT $rx 2>/dev/null
    wait $tx $rx 2>/dev/null
    # the best one-second RX rate the receiver printed
    local pps; pps=$(grep -o 'Rx-pps: *[0-9]*' "$d/rx" | awk '{print $2}' | sort -n | tail -1)
    printf 'raw %-6s %5s B frames: %10.2f Mpps %8.2f Gbit/s\n' "$LINK" "$1" \
        "$(awk "BEGIN{print ${pps:-0} / 1000000}")" "$(awk "BEGIN{print ${pps:-0} * $1 * 8 / 1000000000}")"
    rm -f /dev/hugepages/rawrx$$map_* /dev/hugepages/rawtx$$map_*
    rm -rf /var/run/dpdk/rawrx$$ /var/run/dpdk/rawtx$$ "$d"
}

tern() {    # tern: every size and mode on one pair of nodes
    (
        export NET_LINK=$LINK NET_LCORES_A=0@0 NET_LCORES_B=0@1
        source "$top/tests/integration/net_lib.sh"
        start_nodes > /dev/null
        "$PROBE" -s "$SA" create net.perf > /dev/null && "$PROBE" -s "$SB" create net.perf > /dev/null
        wait_log A "sending 'net.perf'" 5
        for size in 64 1024; do
            for mode in single burst; do
                args=(); [ $mode = burst ] && args=(--burst 32)
                "$PROBE" -s "$SB" sub net.perf "$N" --policy bp --depth 4096 --timeout 300 \
                    --ready "$T/ready" > "$T/sub" & s=$!
                wait_file "$T/ready"
                t0=$(date +%s%N)
                "$PROBE" -s "$SA" pub net.perf "$N" --size $size --excl --retry "${args[@]}" > "$T/pub"
                wait $s
                ns=$(( $(date +%s%N) - t0 ))
                rm -f "$T/ready"
                got=$(jget '["received"]' < "$T/sub") gaps=$(jget '["gaps"]' < "$T/sub")
                printf 'tern %-5s %5s B %-6s: %10.2f M msg/s %8.2f Gbit/s payload (received %s, gaps %s)\n' \
                    "$LINK" $size $mode "$(awk "BEGIN{print $got * 1000 / $ns}")" \
                    "$(awk "BEGIN{print $got * $size * 8 / $ns}")" "$got" "$gaps"
            done
        done
        for n in A B; do
            echo /tern/ports | dpdk-telemetry.py -f "tern_$n$ID" 2>/dev/null | grep -o '"frames_[a-z]*": [0-9]*' | tr '\n' ' '
            echo " ($n)"
        done
    )
}

lat_raw() {  # lat_raw SIZE: tern-rawlink ping on CPU 0, pong on CPU 1
    local d; d=$(mktemp -d /tmp/tern-rawlat.XXXXXX)
    local va vb extra=""
    case "$LINK" in
    memif) va="net_memif0,role=server,socket=$d/s,socket-abstract=no"
           vb="net_memif0,role=client,socket=$d/s,socket-abstract=no" ;;
    vhost) va="net_vhost0,iface=$d/s,queues=1"; vb="net_virtio_user0,path=$d/s,queues=1"
           extra="--single-file-segments" ;;
    esac
    "$BUILD/tests/perf/tern-rawlink" --no-pci --file-prefix=rlA$$ --lcores=0@0 $extra \
        --vdev="$va" -- ping --size "$1" --samples "$LAT_SAMPLES" --warmup 20000 > "$d/ping" 2>&1 &
    local pi=$!
    sleep 1
    "$BUILD/tests/perf/tern-rawlink" --no-pci --file-prefix=rlB$$ --lcores=0@1 $extra \
        --vdev="$vb" -- pong > "$d/pong" 2>&1 &
    local po=$!
    wait $pi; kill -INT $po 2>/dev/null; wait $po 2>/dev/null
    grep -h "raw-link\|rawlink" "$d/ping" | sed "s/^/$LINK /"
    rm -f /dev/hugepages/rlA$$map_* /dev/hugepages/rlB$$map_*
    rm -rf /var/run/dpdk/rlA$$ /var/run/dpdk/rlB$$ "$d"
}

lat_tern() {    # both sizes, spinning then sleeping on fds
    (
        export NET_LINK=$LINK NET_LCORES_A=0@0 NET_LCORES_B=0@1 NET_A_EXTRA="import = pong.>"
        source "$top/tests/integration/net_lib.sh"
        start_nodes > /dev/null
        # Spinning, two pollers share each CPU in the kernel's time slices
        # (milliseconds a round trip): a few thousand samples say enough.
        "$BUILD/tests/perf/tern-perf" -s "$SA" --remote "$SB" --remote-wake spin --cpus 0,1 \
            --samples "${LAT_SPIN_SAMPLES:-2000}" --warmup 200 | sed "s/^/$LINK /"
        "$BUILD/tests/perf/tern-perf" -s "$SA" --remote "$SB" --remote-wake fd --cpus 0,1 \
            --samples "$LAT_SAMPLES" --warmup 20000 | sed "s/^/$LINK /"
    )
}

LAT_SAMPLES=${LAT_SAMPLES:-200000}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, N=$N, link $LINK"
if [ "${PERF_NET_LAT:-1}" != 0 ]; then
    echo "# latency, RTT/2 (ns)"
    lat_raw 64
    lat_raw 1024
    lat_tern
fi
if [ "${PERF_NET_LAT:-1}" != only ]; then
    echo "# throughput"
    raw 64
    raw 1024
    tern
fi
