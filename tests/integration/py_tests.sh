#!/usr/bin/env bash
# python/tests (pytest) against a stack of their own: tern-dataplane,
# tern-control and tern-gateway, started and torn down as every
# integration test is (lib.sh).  Topics it.> are stored (replay, durable).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gw_lib.sh"
# Debian's python3 has python3-pytest (scripts/install-deps.sh); a python3
# earlier on PATH (a pyenv, a venv) may not.
PY=""
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null && "$p" -c 'import pytest' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || { echo "SKIP: no python3 with pytest (apt-get install python3-pytest)"; exit 77; }
store_topics always
start_stack
start_gateway
export PROBE
cd "$TOP/python"
"$PY" -m pytest -q -p no:cacheprovider tests "$@" || fail "pytest"
stop_gateway
