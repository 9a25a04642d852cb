#!/usr/bin/env bash
# Make sure at least N 2 MiB hugepages are reserved and hugetlbfs is mounted.
# Never lowers the count (other processes may hold pages).  Exit 0 when
# hugepages are usable, 1 when none could be had: callers then fall back to
# --no-huge (single-process only: DPDK has no multi-process without them).
# Usage: scripts/hugepages.sh [N]      (default 1024 pages = 2 GiB)
set -u
want=${1:-1024}
nr=/proc/sys/vm/nr_hugepages
mnt=/dev/hugepages

have=$(cat "$nr" 2>/dev/null || echo 0)
if [ "$have" -lt "$want" ]; then
    if [ -w "$nr" ]; then
        echo "$want" > "$nr" 2>/dev/null || true
        have=$(cat "$nr")
    fi
fi

if ! grep -qs " $mnt hugetlbfs " /proc/mounts; then
    mkdir -p "$mnt" 2>/dev/null && mount -t hugetlbfs nodev "$mnt" 2>/dev/null || true
fi

free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${have:-0}" -eq 0 ] || ! grep -qs " $mnt hugetlbfs " /proc/mounts; then
    echo "hugepages: none available (reserved=${have:-0}, mount $mnt missing or unwritable)." >&2
    echo "hugepages: as root run: echo $want > $nr && mount -t hugetlbfs nodev $mnt" >&2
    exit 1
fi
[ "$have" -lt "$want" ] && echo "hugepages: only $have of $want pages could be reserved" >&2
[ -t 1 ] && echo "hugepages: $have reserved, $free free, mounted at $mnt"
exit 0
