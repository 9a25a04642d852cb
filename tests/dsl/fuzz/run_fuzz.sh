#!/bin/sh
# Bounded libFuzzer run for the 'fuzz' suite:
#   run_fuzz.sh <fuzzer> <fuzz_seeds> <family> [runs]
# Seeds a fresh corpus directory, runs the target for <runs> inputs
# (default 200000) and removes the directory whatever happens.  A crash,
# leak or sanitizer report fails the test (libFuzzer exits non-zero).
set -u
fuzzer=$1 seeds=$2 family=$3 runs=${4:-200000}
corpus=$(mktemp -d) || exit 1
trap 'rm -rf "$corpus"' EXIT
"$seeds" "$family" "$corpus" || exit 1
# libFuzzer exits 77 on a crash by default, which meson counts as a skip
"$fuzzer" -runs="$runs" -max_len=4096 -seed=1 -print_final_stats=1 \
    -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$corpus/" "$corpus"
rc=$?
# keep what crashed in the log: the corpus directory is removed on exit
for f in "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-*; do
    [ -e "$f" ] && { echo "artifact $f:"; od -An -tx1 "$f"; }
done
exit $rc
