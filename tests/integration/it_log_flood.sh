#!/usr/bin/env bash
# A flood from peers gives a bounded log and the daemons keep serving
# (issue 7, finding 12: a descriptor flood logged ~2600 identical lines a
# second).  Hundreds of bad datagrams, each carrying 64 descriptors, then
# hundreds of applications attaching and leaving, then silent connections
# that miss the hello deadline, all while a subscriber and a publisher run;
# afterwards one more of each: the log says how many lines it suppressed.
source "$(dirname "$0")/lib.sh"
start_stack
"$PROBE" create it.flood || fail "create"

flood() {   # flood BAD HELLOS SILENT: prints "bad=N hellos=N"
    python3 - "$TOP/tests/integration" "$TERN_SOCKET" "$@" <<'PY'
import array, os, socket, sys, time
sys.path.insert(0, sys.argv[1])
import ctlwire
path, bad, hellos, silent = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
null = os.open("/dev/null", os.O_RDONLY)
fds = array.array("i", [null] * 64)
got_bad = got_hello = 0
for _ in range(bad):
    s = ctlwire.connect(path)
    s.sendmsg([b"\x00garbage\xff"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    got_bad += len(s.recv(4096)) > 0        # the -EPROTO reply, then the daemon closes
    s.close()
for _ in range(hellos):
    s = ctlwire.connect(path)
    s.send(ctlwire.hello(b"flood", pid=os.getpid()))
    got_hello += ctlwire.parse_hello_reply(s.recv(65536))[0] == 0
    s.close()
quiet = [ctlwire.connect(path) for _ in range(silent)]
time.sleep(1.0)                             # past client_timeout_ms = 500
for s in quiet:
    s.close()
print("bad=%d hellos=%d" % (got_bad, got_hello))
PY
}

bg "$PROBE" sub it.flood 2000 --ready "$T/r" --timeout 30 > "$T/s"
for _ in $(seq 1 300); do [ -e "$T/r" ] && break; sleep 0.1; done   # a loaded CI box: 30 s
wait_file "$T/r"
c0=$(wc -l < "$T/control.log"); d0=$(wc -l < "$T/dataplane.log")
t0=$(date +%s.%N)
bg "$PROBE" pub it.flood 2000 --rate 1000 > /dev/null
pub=${CHILDREN[-1]}
expect_eq "$(flood 400 300 100)" "bad=400 hellos=300" "flood answered"
t1=$(date +%s.%N)
wait "$pub" || fail "publisher during the flood"
wait "${CHILDREN[-2]}" || fail "subscriber during the flood"
expect_eq "$(jget '["received"]' < "$T/s")" 2000 "messages delivered during the flood"
"$TERNCTL" topic list > /dev/null || fail "tern-control no longer answers"

c1=$(wc -l < "$T/control.log"); d1=$(wc -l < "$T/dataplane.log")
secs=$(python3 -c "import math; print(math.ceil($t1 - $t0))")
# 4 sites in tern-control (bad message, attach, gone, hello deadline) and 1
# in the dataplane (reclaim), each 20 at once then 5 a second, plus the
# odd suppressed line; unlimited, it is 1400 and 300 lines.
cmax=$((4 * (20 + 6 * secs))); dmax=$((20 + 6 * secs))
echo "flood of ${secs}s: $((c1 - c0)) tern-control lines (at most $cmax), $((d1 - d0)) dataplane lines (at most $dmax)"
[ $((c1 - c0)) -le $cmax ] || fail "tern-control logged $((c1 - c0)) lines for the flood"
[ $((d1 - d0)) -le $dmax ] || fail "tern-dataplane logged $((d1 - d0)) lines for the flood"
pass "flood log bounded"

sleep 1
expect_eq "$(flood 1 1 0)" "bad=1 hellos=1" "one more of each"
grep -Eq "Z tern-control: warning: suppressed [0-9]+ similar messages" "$T/control.log" \
    || fail "tern-control does not say what it suppressed"
grep -Eq "Z tern-dataplane: [a-z]+: suppressed [0-9]+ similar messages" "$T/dataplane.log" \
    || fail "tern-dataplane does not say what it suppressed"
pass "$(grep -m1 "suppressed" "$T/control.log")"
pass "$(grep -m1 "suppressed" "$T/dataplane.log")"
kill -0 "$(cat "$T/dataplane.pid")" || fail "dataplane died"
kill -0 "$(cat "$T/control.pid")" || fail "control died"
