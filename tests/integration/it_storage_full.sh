#!/usr/bin/env bash
# Storage errors (issue 7, finding 6): the log on a 2 MiB tmpfs fills up.
# Each failure is logged with its topic and reason, shown by ternctl stats
# and DPDK telemetry, and tern_pub_wait_durable() says so instead of timing
# out; once space is freed storing resumes without a restart; after a
# restart the topic numbers on past every seq delivered before (the mark
# file), never reusing one.  Then a damaged active-segment header is logged
# and storing goes on in a new segment.
source "$(dirname "$0")/lib.sh"
mkdir -p "$T/data"
mount -t tmpfs -o size=2m,mode=0750 tern-it-full "$T/data" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
# The stack first (its files are open there), then the mount, then lib.sh's
# cleanup with the test's status (set +e: a failing step must not end the trap).
unmount_then_cleanup() {
    local rc=$?
    set +e
    BUILD=$BUILD "$TOP/scripts/stack.sh" stop -d "$T" >/dev/null 2>&1
    umount "$T/data" 2>/dev/null || umount -l "$T/data"
    (exit $rc)
    cleanup
}
trap unmount_then_cleanup EXIT
store_topics always
start_stack
"$PROBE" create it.full || fail "create"

# telemetry KEY: /tern/storage from the dataplane's telemetry socket.
telemetry() {
    python3 - "/var/run/dpdk/tern_$NODE/dpdk_telemetry.v2" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1]); s.recv(4096)
s.send(sys.argv[2].encode()); print(s.recv(1 << 16).decode())
PY
}
topic_json() { "$TERNCTL" --json stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([t for t in d["topics"] if t["name"]=="it.full"][0]))'; }

# 1. Fill the disk: publishing goes on (it never waits for the disk).
"$PROBE" pub it.full 20000 --size 512 --retry > "$T/p1" || fail "publisher: $(cat "$T/p1")"
L1=$(jget '["last_seq"]' < "$T/p1")
pass "published up to seq $L1 onto a 2 MiB disk"
grep -q "storage: topic 'it.full': .*No space left on device (ENOSPC)" "$T/dataplane.log" ||
    fail "no log line naming the topic and ENOSPC: $(tail -5 "$T/dataplane.log")"
pass "logged: $(grep -m1 "storage: topic 'it.full'" "$T/dataplane.log")"

# 2. Still full: the durable wait reports the failure, well before its 10 s.
if "$PROBE" pub it.full 2000 --size 512 --retry --durable > "$T/p2" 2> "$T/e2"; then
    fail "durable wait succeeded on a full disk: $(cat "$T/p2")"
fi
grep -q "storage failed to keep the message" "$T/e2" || fail "durable wait: $(cat "$T/e2")"
W=$(grep '"durable"' "$T/p2" | jget '["durable_wait_ms"]')
python3 -c "import sys; sys.exit(0 if $W < 5000 else 1)" || fail "durable wait took $W ms: a timeout, not an error"
pass "tern_pub_wait_durable: $(head -1 "$T/e2") after $W ms"
J=$(topic_json)
expect_eq "$(echo "$J" | jget '["storage"]["state"]')" failing "storage state in ternctl stats --json"
expect_eq "$(echo "$J" | jget '["storage"]["errno"]')" 28 "storage errno (ENOSPC)"
python3 -c "import json,sys; s=json.loads(sys.argv[1])['storage']; sys.exit(0 if s['errors']>0 and s['lost']>0 else 1)" "$J" ||
    fail "no error or loss counted: $J"
"$TERNCTL" stats > "$T/st"
grep -Eq "^  it.full: ENOSPC \(No space left on device\), [1-9][0-9]* error" "$T/st" || fail "ternctl stats: $(cat "$T/st")"
pass "ternctl stats: $(grep '^  it.full' "$T/st")"
telemetry /tern/storage > "$T/tel" || fail "telemetry: $(cat "$T/tel")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['/tern/storage']; i=d['name'].index('it.full'); sys.exit(0 if d['errors']>0 and d['errno'][i]==28 and d['lost'][i]>0 else 1)" "$T/tel" ||
    fail "telemetry /tern/storage: $(cat "$T/tel")"
pass "telemetry: $(cat "$T/tel")"

# 3. Space comes back: storing resumes by itself (past the longest backoff, 1 s).
mount -o remount,size=64m "$T/data"
sleep 1.2
"$PROBE" pub it.full 2000 --size 512 --retry --durable > "$T/p3" 2> "$T/e3" || fail "after freeing space: $(cat "$T/p3" "$T/e3")"
grep -q '"durable":true' "$T/p3" || fail "not durable after freeing space: $(cat "$T/p3")"
L3=$(grep last_seq "$T/p3" | jget '["last_seq"]')
grep -q "storage: topic 'it.full': storing again" "$T/dataplane.log" || fail "no 'storing again' line"
expect_eq "$(topic_json | jget '["storage"]["state"]')" ok "storage state after freeing space"
"$PROBE" sub it.full 2000 --from seq:$((L3 - 1999)) --timeout 10 > "$T/s3" || fail "replay of the new ones: $(cat "$T/s3")"
expect_eq "$(jget '["first_seq"]' < "$T/s3")" $((L3 - 1999)) "first seq replayed after freeing space"
expect_eq "$(jget '["gaps"]' < "$T/s3")" 0 "gaps among them"
pass "storing resumed without a restart: seq $((L3 - 1999))..$L3 durable and replayed"

# 4. A restart (kill -9: nothing written at exit) never reuses a seq.
crash_restart
"$PROBE" create it.full || fail "create after restart"
"$PROBE" pub it.full 10 --retry > "$T/p4" || fail "publisher after restart"
L4=$(jget '["last_seq"]' < "$T/p4")
[ $((L4 - 9)) -gt "$L3" ] || fail "after the restart seq $((L4 - 9)) follows $L3: reused"
pass "after the restart numbering goes on at $((L4 - 9)), past $L3 (a gap of $((L4 - 10 - L3)))"
"$PROBE" sub it.full 100000 --from earliest --until-seq "$L4" --timeout 20 > "$T/s4" || fail "replay: $(cat "$T/s4")"
expect_eq "$(jget '["disorder"]' < "$T/s4")" 0 "repeated or out-of-order seqs in the replay"
expect_eq "$(jget '["last_seq"]' < "$T/s4")" "$L4" "replay reaches the new ones"
python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if d['gaps']>0 else 1)" "$T/s4" ||
    fail "no sequence gap reported: $(cat "$T/s4")"
pass "replay: $(tail -1 "$T/s4")"

# 5. The active segment's header damaged under the writer: logged, and
#    storing goes on in a new segment that readers use.
SEG=$(ls "$T/data/it/"it.full-*.tlog | sort | tail -1)
N0=$(ls "$T/data/it/"it.full-*.tlog | wc -l)
dd if=/dev/zero of="$SEG" bs=32 count=1 conv=notrunc status=none
for _ in $(seq 1 100); do grep -q "header is damaged" "$T/dataplane.log" && break; sleep 0.05; done
grep -q "storage: topic 'it.full': the active segment's header is damaged" "$T/dataplane.log" ||
    fail "damaged header not logged: $(tail -5 "$T/dataplane.log")"
"$PROBE" pub it.full 100 --retry --durable > "$T/p5" || fail "publisher after the damage: $(cat "$T/p5")"
L5=$(grep last_seq "$T/p5" | jget '["last_seq"]')
[ "$(ls "$T/data/it/"it.full-*.tlog | wc -l)" -gt "$N0" ] || fail "no new segment after the damage"
"$PROBE" sub it.full 100 --from seq:$((L5 - 99)) --timeout 10 > "$T/s5" || fail "replay after the damage: $(cat "$T/s5")"
expect_eq "$(jget '["received"]' < "$T/s5")" 100 "messages stored after the damage, replayed"
expect_eq "$(topic_json | jget '["storage"]["header_damage"]')" 1 "damaged headers in ternctl stats"
