#!/bin/sh
# Golden test of terngen's diagnostics:
#   run_error_golden.sh <terngen> <errors-dir> <case>
# runs terngen on <case>.tmsg from inside <errors-dir> (so paths in the
# messages are stable), and passes when it exits non-zero and its stderr
# equals <case>.err byte for byte.  TERN_UPDATE_GOLDEN=1 rewrites the .err.
set -u
terngen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") dir=$2 case=$3
cd "$dir" || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
if "$terngen" "$case.tmsg" >/dev/null 2>"$out"; then
    echo "FAIL: terngen accepted $case.tmsg"
    exit 1
fi
if [ "${TERN_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$out" "$case.err"
fi
if ! diff -u "$case.err" "$out"; then
    echo "FAIL: stderr of terngen $case.tmsg differs from $case.err"
    exit 1
fi
# every line must have the documented shape
if grep -v -E '^[^:]+:[0-9]+:[0-9]+: error: .+' "$out"; then
    echo "FAIL: diagnostics not in file:line:col: error: form"
    exit 1
fi
exit 0
