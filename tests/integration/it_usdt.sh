#!/usr/bin/env bash
# USDT probes (lib/common/tern_usdt.h): libtern and tern-dataplane carry
# the tern:publish, publish_burst, poll, reclaim and log_append notes that
# bpftrace and perf attach to.  No DPDK process is started.
set -euo pipefail
: "${BUILD:?BUILD must name the build directory}"
command -v readelf >/dev/null || { echo "SKIP: readelf not installed (binutils)"; exit 77; }
if ! grep -q -- "-DTERN_HAVE_SDT" "$BUILD/build.ninja"; then
    echo "SKIP: built without <sys/sdt.h> (Debian systemtap-sdt-dev: scripts/install-deps.sh)"
    exit 77
fi
for bin in "$BUILD/lib/libtern.so" "$BUILD/dataplane/tern-dataplane"; do
    notes=$(readelf -n "$bin" | awk '/Provider: tern/ { getline; print $2 }' | sort | tr '\n' ' ')
    [ "$notes" = "log_append poll publish publish_burst reclaim " ] ||
        { echo "FAIL: $(basename "$bin"): tern probes '$notes'"; exit 1; }
    echo "ok: $(basename "$bin"): tern:{$notes}"
done
