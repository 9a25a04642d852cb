#!/usr/bin/env bash
# A tern-control restart under live clients: kill -9 of tern-control while
# a publisher (retrying on backpressure), a backpressure subscriber and a
# pattern subscriber (it.>, which would match the new topics) run, then a
# new tern-control.  The old clients must get TERN_ENOTCONN within
# TERN_FENCE_BOUND_MS of the kernel's notice of the death, and stay alive
# a while (zombies holding what they have) while new clients create a new
# topic, subscribe with backpressure and publish: the new stream must have
# no foreign message and no loss, the old topic must still be listed with
# its id and go on with its sequence, and once every client has left the
# pool must be back at its baseline.  Before, the new tern-control reused
# the zombies' ids: their messages landed on new topics, a new
# backpressure subscriber lost thousands and buffers leaked.
# ROUNDS rounds (default 10: a round starts seven clients, about 4 s on two
# CPUs shared with other builds).
source "$(dirname "$0")/lib.sh"
BOUND=1000  # TERN_FENCE_BOUND_MS
N=5000
start_stack
base=$("$TERNCTL" stats --json | jget '["pool"]["free"]')
"$TERNCTL" topic create it.old > /dev/null || fail "create"
old_id=$("$TERNCTL" topic list --json | jget '["topics"][0]["id"]')
topic_id() { "$TERNCTL" topic list "$1" --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["topics"]; print(t[0]["id"] if t else "none")'; }
worst=0 worstk=0
for r in $(seq 1 "${ROUNDS:-10}"); do
    rm -f "$T"/r[pabxy] "$T"/[oe][pabxy]
    # The old incarnation's clients; they linger 0.5 s once fenced.
    bg "$PROBE" sub it.old 1000000000 --policy bp --ready "$T/ra" --timeout 60 --after-fence 0.5 > "$T/oa" 2> "$T/ea"
    sa=${CHILDREN[-1]}
    bg "$PROBE" sub 'it.>' 1000000000 --policy drop --depth 256 --ready "$T/rb" --timeout 60 --after-fence 0.5 > "$T/ob" 2> "$T/eb"
    sb=${CHILDREN[-1]}
    bg "$PROBE" pub it.old 1000000000 --retry --ready "$T/rp" --after-fence 0.5 > "$T/op" 2> "$T/ep"
    sp=${CHILDREN[-1]}
    wait_file "$T/ra"; wait_file "$T/rb"; wait_file "$T/rp"
    sleep 0.1
    ctl=$(cat "$T/control.pid")
    watch_death "$ctl" "$T/dead"
    t0=$(date +%s%N)
    kill -KILL "$ctl"
    # Until it is dead its listening socket answers, and a new one refuses
    # to start ("another tern-control is listening").
    wait_line "$T/dead" 5 || fail "round $r: no death notice for tern-control"
    restart_control
    # The old topic survived the restart, with its id.
    expect_id=$(topic_id it.old)
    [ "$expect_id" = "$old_id" ] || fail "round $r: it.old has id '$expect_id' after the restart, had $old_id"
    # New clients, a new topic, while the zombies still hold their ids.
    "$TERNCTL" topic create it.new.$r > /dev/null || fail "round $r: create it.new.$r"
    bg "$PROBE" sub it.new.$r $N --policy bp --ready "$T/rx" --timeout 30 > "$T/ox" 2> "$T/ex"
    nx=${CHILDREN[-1]}
    bg "$PROBE" sub it.old 1000 --policy bp --ready "$T/ry" --timeout 30 > "$T/oy" 2> "$T/ey"
    ny=${CHILDREN[-1]}
    wait_file "$T/rx"; wait_file "$T/ry"
    bg "$PROBE" pub it.new.$r $N --retry > /dev/null 2> "$T/ep2"
    p2=${CHILDREN[-1]}
    "$PROBE" pub it.old 1000 --retry > "$T/op3" 2> "$T/ep3" || fail "round $r: new publisher on it.old: $(cat "$T/ep3")"
    wait "$p2" || fail "round $r: new publisher: $(cat "$T/ep2")"
    wait_exit "$nx" 30
    [ "$RC" = 0 ] || fail "round $r: new subscriber exit $RC: $(cat "$T/ox" "$T/ex")"
    wait_exit "$ny" 30
    [ "$RC" = 0 ] || fail "round $r: new subscriber of it.old exit $RC: $(cat "$T/oy" "$T/ey")"
    for k in '["received"]' '["gaps"]' '["disorder"]' '["payload_breaks"]'; do
        v=$(jget "$k" < "$T/ox")
        want=0; [ "$k" = '["received"]' ] && want=$N
        [ "$v" = "$want" ] || fail "round $r: new stream $k = $v, expected $want: $(cat "$T/ox")"
    done
    [ "$(jget '["gaps"]' < "$T/oy")$(jget '["payload_breaks"]' < "$T/oy")" = 00 ] \
        || fail "round $r: it.old after the restart: $(cat "$T/oy")"
    last=$(jget '["last_seq"]' < "$T/op3")
    [ "$last" -gt 1000 ] || fail "round $r: it.old's sequence restarted: last seq $last of 1000 new messages"
    # The zombies were fenced in time, and exit cleanly.
    dead=$(cat "$T/dead")
    for who in p a b; do
        pid=$(eval echo \$s$who)
        wait_exit "$pid" 10
        [ "$RC" = 5 ] || fail "round $r: old client $who exit $RC, not fenced: $(cat "$T/o$who" "$T/e$who")"
    done
    w=$(fence_check "$dead" "$t0" $BOUND "$T/op" "$T/oa" "$T/ob") || fail "round $r: $w"
    worst=$(python3 -c "print(max($worst, ${w% *}))"); worstk=$(python3 -c "print(max($worstk, ${w#* }))")
    # Every client gone: nothing leaked.
    free=""
    for _ in $(seq 1 40); do
        free=$("$TERNCTL" stats --json | jget '["pool"]["free"]')
        [ "$free" = "$base" ] && break
        sleep 0.05
    done
    [ "$free" = "$base" ] || fail "round $r: pool free $free after every client left, baseline $base"
done
pass "${ROUNDS:-10} rounds: old clients fenced within $BOUND ms of tern-control's death (worst $worst ms; $worstk ms after the kill -9)"
pass "new streams complete, in order, nothing foreign; it.old kept id $old_id and its sequence; pool back at $base"
