#!/usr/bin/env bash
# Control calls are bounded: with tern-control stopped (SIGSTOP), an
# application's tern_topic_create() returns -ETIMEDOUT within its
# timeout_ms (not never, as before), with a clear reason; once tern-control
# runs again the late answer to that request is skipped, so the next call
# gets its own answer.  ROUNDS rounds (default 20).
source "$(dirname "$0")/lib.sh"
start_stack
ctl=$(cat "$T/control.pid")
TMO=300
for r in $(seq 1 "${ROUNDS:-20}"); do
    rm -f "$T/conn" "$T/go" "$T/resume" "$T/c" "$T/e"
    bg "$PROBE" --ctl-timeout $TMO --connected "$T/conn" --go "$T/go" --resume "$T/resume" \
        create it.stop.$r > "$T/c" 2> "$T/e"
    p=${CHILDREN[-1]}
    wait_file "$T/conn"
    kill -STOP "$ctl"
    touch "$T/go"
    wait_line "$T/c" 5 || { kill -CONT "$ctl"; fail "round $r: tern_topic_create still blocked 5 s after tern-control stopped (timeout $TMO ms)"; }
    kill -CONT "$ctl"
    touch "$T/resume"
    rc=0; wait "$p" || rc=$?
    [ "$rc" = 1 ] || fail "round $r: probe exit $rc: $(cat "$T/c" "$T/e")"
    out=$(head -1 "$T/c")
    [ "$(jget '["status"]' <<<"$out")" = -110 ] || fail "round $r: status: $out"
    ms=$(jget '["elapsed_ms"]' <<<"$out")
    python3 -c "import sys; sys.exit(0 if $TMO <= $ms < $TMO + 1000 else 1)" \
        || fail "round $r: returned after $ms ms, timeout $TMO ms"
    [ "$(jget '["after_resume"]' < "$T/c")" = -2 ] \
        || fail "round $r: the next call did not get its own answer: $(cat "$T/c")"
    grep -q "did not answer within $TMO ms" "$T/e" || fail "round $r: error text: $(cat "$T/e")"
done
pass "${ROUNDS:-20} rounds: tern_topic_create returned -ETIMEDOUT after ${TMO} ms (last: $ms ms), the next call got its own answer"
# tern-control did serve the abandoned requests once it ran again.
n=$("$TERNCTL" topic list 'it.stop.*' --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["topics"]))')
expect_eq "$n" "${ROUNDS:-20}" "topics created by the late requests"
