#!/usr/bin/env bash
# Clients learn that tern-dataplane died.  A publisher (retrying on
# backpressure), a slow backpressure subscriber and a drop subscriber run;
# tern-dataplane is killed with kill -9.  Each client must get
# TERN_ENOTCONN within TERN_FENCE_BOUND_MS (1000 ms) of the kernel's notice
# of the death (the dataplane's pidfd turning readable: a killed process
# needs CPU time to die, which a loaded 2-CPU box gives it late) and exit
# cleanly (before, they went on through the dead primary's memory and the
# publisher spun on TERN_EBACKPRESSURE for ever).  In every other round
# tern-control is stopped (SIGSTOP) across the kill, so only the clients'
# own watch of the dataplane's pid can tell them.  ROUNDS (default 20).
source "$(dirname "$0")/lib.sh"
BOUND=1000  # TERN_FENCE_BOUND_MS
start_stack
"$PROBE" create it.dpk || fail "create"
worst=0 worstk=0
for r in $(seq 1 "${ROUNDS:-20}"); do
    rm -f "$T"/r[pab] "$T"/[oe][pab]
    bg "$PROBE" sub it.dpk 1000000000 --policy bp --slow 20000 --ready "$T/ra" --timeout 60 > "$T/oa" 2> "$T/ea"
    sa=${CHILDREN[-1]}
    bg "$PROBE" sub it.dpk 1000000000 --policy drop --depth 256 --ready "$T/rb" --timeout 60 > "$T/ob" 2> "$T/eb"
    sb=${CHILDREN[-1]}
    wait_file "$T/ra"; wait_file "$T/rb"
    bg "$PROBE" pub it.dpk 1000000000 --retry --ready "$T/rp" > "$T/op" 2> "$T/ep"
    pb=${CHILDREN[-1]}
    wait_file "$T/rp"
    sleep 0.2
    ctl=$(cat "$T/control.pid")
    stopped=$(( r % 2 == 0 ))
    [ $stopped = 1 ] && kill -STOP "$ctl"
    dp=$(cat "$T/dataplane.pid")
    watch_death "$dp" "$T/dead"
    t0=$(date +%s%N)
    kill -KILL "$dp"
    for who in p a b; do
        pid=$(eval echo \$$( [ $who = p ] && echo pb || echo s$who ))
        wait_exit "$pid" 10
        [ "$RC" = 5 ] || { kill -CONT "$ctl"; fail "round $r: client $who exit $RC, not fenced: $(cat "$T/o$who" "$T/e$who")"; }
    done
    wait_line "$T/dead" 5 || fail "round $r: no death notice for the dataplane"
    dead=$(cat "$T/dead")
    w=$(fence_check "$dead" "$t0" $BOUND "$T/op" "$T/oa" "$T/ob") \
        || { kill -CONT "$ctl"; fail "round $r: $w"; }
    worst=$(python3 -c "print(max($worst, ${w% *}))"); worstk=$(python3 -c "print(max($worstk, ${w#* }))")
    [ $stopped = 1 ] && kill -CONT "$ctl"
    restart_dataplane
done
pass "${ROUNDS:-20} rounds: every client got TERN_ENOTCONN within $BOUND ms of the dataplane's death (worst $worst ms; $worstk ms after the kill -9) and exited cleanly"
