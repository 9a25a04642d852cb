#!/usr/bin/env bash
# Signals of both daemons (docs/control.md "Signals"): SIGUSR1 dumps stats
# to the log and kills nothing, SIGHUP re-reads the config file (what can
# change does, the rest is named as needing a restart), a bad file is
# refused with the running config kept; and every log line of both daemons
# carries a UTC timestamp and a level.
source "$(dirname "$0")/lib.sh"
start_stack
DP=$(cat "$T/dataplane.pid") CP=$(cat "$T/control.pid")
"$PROBE" create it.sig.one >/dev/null || fail "create"
bg "$PROBE" sub it.sig.one 1000000 --timeout 30 --ready "$T/sub.ready" > "$T/sub.out"
wait_file "$T/sub.ready"
"$PROBE" pub it.sig.one 100 > /dev/null || fail "pub"

# wait_log FILE PATTERN: until grep -E finds it, at most 5 s.
wait_log() {
    for _ in $(seq 1 100); do grep -Eq "$2" "$1" && return 0; sleep 0.05; done
    fail "no line /$2/ in $1: $(tail -5 "$1")"
}

kill -USR1 "$DP"
wait_log "$T/dataplane.log" "tern-dataplane: info: stats \(SIGUSR1\): pool [0-9]+ free"
wait_log "$T/dataplane.log" "topic 0 'it.sig.one': seq 100"
wait_log "$T/dataplane.log" "sub 0 client [0-9]+ 'it.sig.one' drop: delivered 100"
kill -0 "$DP" || fail "SIGUSR1 killed tern-dataplane"
pass "dataplane: SIGUSR1 dumps stats, still running"
kill -USR1 "$CP"
wait_log "$T/control.log" "tern-control: info: stats \(SIGUSR1\): pool"
wait_log "$T/control.log" "topic 0 'it.sig.one': published 100"
kill -0 "$CP" || fail "SIGUSR1 killed tern-control"
pass "control: SIGUSR1 dumps stats, still running"

# SIGHUP: log_level and drain_timeout_ms apply; mbufs needs a restart.
sed -i -e 's/^mbufs = .*/mbufs = 4095/' -e 's/^client_timeout_ms = .*/client_timeout_ms = 700/' "$T/node.ini"

sed -i "s/^\[node\]/[node]\ndrain_timeout_ms = 1500/" "$T/node.ini"
kill -HUP "$DP"
wait_log "$T/dataplane.log" "SIGHUP: re-read $T/node.ini: .*drain_timeout_ms 2000 -> 1500 applied; other keys changed and need a restart"
kill -HUP "$CP"
wait_log "$T/control.log" "SIGHUP: re-read $T/node.ini: \[clients\] client_timeout_ms 500 -> 700 applied; other keys changed"
pass "SIGHUP: re-read, applied what can be, named the rest"
echo "bogus" >> "$T/node.ini"
kill -HUP "$DP" "$CP"
wait_log "$T/dataplane.log" "error: SIGHUP: cannot re-read $T/node.ini, keeping the running config"
wait_log "$T/control.log" "error: SIGHUP: cannot re-read $T/node.ini, keeping the running config"
kill -0 "$DP" && kill -0 "$CP" || fail "a daemon died of SIGHUP"
"$PROBE" pub it.sig.one 10 > /dev/null || fail "pub after the signals"
pass "a bad file is refused, both daemons run on"

# Every line: "2025-06-01T10:00:00.123456Z tern-xxx: level: ..."
LINE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z tern-(dataplane|control): (emergency|alert|critical|error|warning|notice|info|debug): '
for f in dataplane control; do
    bad=$(grep -Evc "$LINE" "$T/$f.log" || true)
    [ "$bad" = 0 ] || fail "$f.log: $bad line(s) without timestamp and level: $(grep -Ev "$LINE" "$T/$f.log" | head -3)"
done
pass "every log line has a timestamp and a level ($(wc -l < "$T/dataplane.log") + $(wc -l < "$T/control.log") lines)"
head -2 "$T/dataplane.log"
