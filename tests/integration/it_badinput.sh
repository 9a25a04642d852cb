#!/usr/bin/env bash
# Guarantee 7: bad input gets a clear error and disturbs nothing.
source "$(dirname "$0")/lib.sh"

# A bad config: the error names file, line and key; nothing starts.
printf '[memory]\nmbufs = lots\n' > "$T/bad.ini"
if "$BUILD/dataplane/tern-dataplane" -c "$T/bad.ini" 2> "$T/err"; then fail "bad config accepted"; fi
grep -q "bad.ini:2" "$T/err" && grep -q "mbufs" "$T/err" || fail "config error lacks file:line/key: $(cat "$T/err")"
pass "bad config: $(head -1 "$T/err")"

# A storage role on an lcore the dataplane does not have: refused at start,
# and nothing is left behind.
printf '[node]\nname = %s\nrun_dir = %s\n[eal]\nfile_prefix = tern_%sb\nstorage_lcore = 5\n[storage]\ndir = %s\nrule.1 = x.> -> x\n' \
    "${NODE}b" "$T/runb" "$NODE" "$T/datab" > "$T/bad2.ini"
if "$BUILD/dataplane/tern-dataplane" -c "$T/bad2.ini" 2> "$T/err"; then fail "bad storage_lcore accepted"; fi
grep -q "storage_lcore 5" "$T/err" || fail "storage_lcore error unclear: $(cat "$T/err")"
[ -z "$(ls /dev/hugepages | grep "tern_${NODE}bmap_" || true)" ] || fail "hugepage files left behind"
pass "bad storage lcore: $(grep storage_lcore "$T/err")"

start_stack
"$PROBE" create it.ok || fail "create"

# Unknown topic, bad pattern, bad names: clear errors from the client calls.
if "$PROBE" pub no.such.topic 1 2> "$T/err"; then fail "publish to unknown topic accepted"; fi
grep -qi "unknown topic\|no such\|not found\|ENOENT" "$T/err" || fail "unknown topic: $(cat "$T/err")"
pass "unknown topic: $(grep -v '^$' "$T/err" | tail -1)"
if "$PROBE" sub 'it.>.x' 1 --timeout 1 2> "$T/err"; then fail "bad pattern accepted"; fi
pass "bad pattern: $(grep -v '^$' "$T/err" | tail -1)"
if "$PROBE" create 'bad..name' 2> "$T/err"; then fail "bad topic name accepted"; fi
pass "bad topic name: $(grep -v '^$' "$T/err" | tail -1)"
if "$TERNCTL" topic create 2> "$T/err"; then fail "ternctl without a name accepted"; fi
pass "ternctl usage error: $(head -1 "$T/err")"

# Garbage on the control socket, a wrong protocol version, and a client that
# connects and never speaks; the daemon keeps serving.
python3 - "$TERN_SOCKET" <<'PY' &
import socket, struct, sys, time
path = sys.argv[1]
g = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); g.connect(path)
g.send(b"\x00garbage\xff" * 7)
g.settimeout(2)
try: g.recv(4096)
except Exception: pass
# CtlHello (type 1, version 1) with proto_version 99: header u16 id, u16 ver, u32 len
body = struct.pack("<IBI", 99, 0, 1) + struct.pack("<I", 1) + b"x" + struct.pack("<I", 0)
w = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); w.connect(path)
w.send(struct.pack("<HHI", 1, 1, len(body)) + body)
w.settimeout(2)
try: print("wrong-version reply bytes:", len(w.recv(4096)))
except Exception as e: print("wrong-version: no reply", e)
silent = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); silent.connect(path)
time.sleep(1.5)
silent.settimeout(1)
try: print("silent client closed by daemon:", silent.recv(16) == b"")
except Exception as e: print("silent client: still open", e)
PY
hostile=$!
sleep 0.3
bg "$PROBE" sub it.ok 1000 --ready "$T/r" --timeout 10 > "$T/s"
wait_file "$T/r"
"$PROBE" pub it.ok 1000 > /dev/null || fail "publish while hostile clients connected"
wait "${CHILDREN[-1]}" || fail "subscriber"
expect_eq "$(jget '["received"]' < "$T/s")" 1000 "served while hostile clients connected"
wait $hostile
"$TERNCTL" topic list > /dev/null || fail "control daemon no longer answers"
pass "control daemon still serving"
kill -0 "$(cat "$T/dataplane.pid")" || fail "dataplane died"
kill -0 "$(cat "$T/control.pid")" || fail "control died"
# A second dataplane on the same file prefix is refused with a reason (it
# said "EAL init failed (...): Success"), and the first one goes on.
rc=0
"$BUILD/dataplane/tern-dataplane" -c "$T/node.ini" > "$T/second.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a second dataplane on the same prefix started"
grep -q "EAL init failed" "$T/second.log" || fail "second dataplane: $(tail -3 "$T/second.log")"
grep -q "EAL init failed.*: Success" "$T/second.log" && fail "second dataplane: 'Success' as the reason"
kill -0 "$(cat "$T/dataplane.pid")" || fail "the first dataplane died"
"$TERNCTL" topic list > /dev/null || fail "control lost the first dataplane"
pass "a second dataplane on the same prefix is refused: $(grep -m1 -o 'EAL init failed.*' "$T/second.log" | cut -c1-120)"
