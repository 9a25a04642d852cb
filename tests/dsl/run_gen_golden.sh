#!/bin/sh
# Golden test of terngen's output:
#   run_gen_golden.sh <terngen> <schema.tmsg> <expected.h>
# The generated header must equal the committed one byte for byte, so any
# change to the emitted code shows up in review.  Refresh after an
# intended change with TERN_UPDATE_GOLDEN=1.
set -u
terngen=$1 schema=$2 want=$3
out=$(mktemp) || exit 1
trap 'rm -f "$out" "$out.tmp"' EXIT
"$terngen" -o "$out" "$schema" || { echo "FAIL: terngen rejected $schema"; exit 1; }
[ "${TERN_UPDATE_GOLDEN:-0}" = 1 ] && cp "$out" "$want"
diff -u "$want" "$out" || { echo "FAIL: generated code differs from $want"; exit 1; }
