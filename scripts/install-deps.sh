#!/usr/bin/env bash
# Install the Debian packages tern builds and tests with, only those missing.
# Idempotent, and silent when everything is already there.
set -euo pipefail

pkgs=(
    build-essential pkg-config meson ninja-build
    libdpdk-dev dpdk libnuma-dev libcmocka-dev libinih-dev
    dpdk-dev                # dpdk-telemetry.py, for it_telemetry
    libmicrohttpd-dev curl  # tern-control's /metrics, and its test
    systemtap-sdt-dev       # <sys/sdt.h>: USDT probes
    libsystemd-dev systemd  # sd_notify for the Type=notify units; systemd-analyze verify
    clang libclang-rt-14-dev python3 iproute2 procps
    python3-pytest python3-cffi
    tshark                  # net_dissector: scripts/tern.lua against tests/net/net_pcap
)

# promtool (Debian prometheus: about 20 MB to download, 96 MB installed,
# with a web UI's JavaScript) only checks it_metrics' output format: opt in
# with --with-promtool; it_metrics says SKIP for that part without it.
[ "${1:-}" = "--with-promtool" ] && pkgs+=(prometheus)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common (pulled in by tshark) asks whether non-root users may
# capture: answer no beforehand so that the install never waits on a prompt.
if [[ " ${missing[*]} " == *" tshark "* ]]; then
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
        | $sudo debconf-set-selections
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
