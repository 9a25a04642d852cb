#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 machine or a developer's:
#   1. installs missing Debian packages, reserves hugepages;
#   2. gcc build (warnings are errors), every suite: fast, dpdk, fault, fuzz;
#   3. clang ASan+UBSan build: the fast and fuzz suites again, with the
#      libFuzzer targets running a bounded number of iterations.
# Ends with one line "N passed, N failed, N skipped".
# Benchmarks are not tests: see `meson test -C build --benchmark`.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

scripts/install-deps.sh || { echo "test: dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
if ! scripts/hugepages.sh 1024; then
    echo "test: no hugepages: tests that need them will skip"
    export TERN_NO_HUGEPAGES=1
fi

pass=0 fail=0 skip=0
count() {   # count <builddir>: add meson's per-test results to the totals
    local f="$1/meson-logs/testlog.json"
    [ -s "$f" ] || return 0     # a suite with no tests in this build
    read -r p f2 s < <(python3 - "$f" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
    pass=$((pass + p)) fail=$((fail + f2)) skip=$((skip + s))
}

build() {   # build <dir> <meson setup args...>
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -60 "$dir.build.log"; return 1; }
}

echo "== gcc build, all suites"
if build "$top/build"; then
    # fast tests run in parallel; DPDK-backed ones one at a time (2 cores,
    # busy-polling processes).
    rm -f build/meson-logs/testlog.json
    echo "-- suite fast: unit tests and tools, no DPDK process (in parallel)"
    meson test -C build --suite fast --print-errorlogs -q
    count build
    for s in dpdk fault; do
        rm -f build/meson-logs/testlog.json
        case $s in
            dpdk) echo "-- suite dpdk: data path, integration and gateway tests on real stacks (one at a time)" ;;
            fault) echo "-- suite fault: kill -9 and stop/restart rounds under live clients (one at a time)" ;;
        esac
        meson test -C build --suite "$s" --no-suite fast --print-errorlogs -q --num-processes 1
        count build
    done
else
    fail=$((fail + 1))
fi

if command -v clang >/dev/null; then
    echo "== clang ASan+UBSan build, fast + fuzz suites"
    if CC=clang build "$top/build-san" -Db_sanitize=address,undefined -Db_lundef=false \
            -Dbuildtype=debugoptimized -Dfuzz=enabled; then
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
        rm -f build-san/meson-logs/testlog.json
        echo "-- suites fast and fuzz under ASan+UBSan (libFuzzer targets, bounded runs)"
        meson test -C build-san --suite fast --suite fuzz --print-errorlogs -q
        count build-san
    else
        fail=$((fail + 1))
    fi
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
