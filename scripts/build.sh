#!/usr/bin/env bash
# Configure (once) and build tern into ./build.  Quiet unless something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
    meson setup build >build.setup.log 2>&1 || { cat build.setup.log; exit 1; }
fi
ninja -C build >build.build.log 2>&1 || { tail -60 build.build.log; exit 1; }
