#!/usr/bin/env bash
# Text from outside never forges a log line (issue 7, finding 11).  A client
# whose name holds a newline, a fake tern-control line and terminal escape
# codes attaches and leaves; tern-control's log has one line for each event,
# the name escaped as \xNN, and no raw control byte at all.  The SIGUSR1
# stats dump, which lists client names, is checked the same way.
source "$(dirname "$0")/lib.sh"
start_stack

NAME=$'x\ntern-control: info: client 9 gone\e[1A\e[2K'
python3 - "$TOP/tests/integration" "$TERN_SOCKET" "$NAME" "$(cat "$T/control.pid")" <<'PY'
import os, sys, time
sys.path.insert(0, sys.argv[1])
import ctlwire
s = ctlwire.connect(sys.argv[2])
s.send(ctlwire.hello(sys.argv[3].encode(), pid=os.getpid()))
status = ctlwire.parse_hello_reply(s.recv(65536))[0]
assert status == 0, "hello refused: %d" % status
os.kill(int(sys.argv[4]), 10)   # SIGUSR1 to our stack's tern-control: the stats dump
time.sleep(0.5)
s.close()
PY
for _ in $(seq 1 50); do grep -q "gone: 'x" "$T/control.log" && break; sleep 0.1; done

ESCAPED="x\\x0atern-control: info: client 9 gone\\x1b[1A\\x1b[2K"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/control.log" "$T/dataplane.log" \
    && fail "a raw control byte reached a log: $(LC_ALL=C grep -n $'[\x01-\x09\x0b-\x1f\x7f]' "$T/control.log" | cat -v)"
pass "no raw control byte in either log"
! grep -q "^tern-control: info: client 9" "$T/control.log" || fail "a forged line: $(grep -n "client 9" "$T/control.log")"
pass "no forged line"
expect_eq "$(grep -cF "attached: '$ESCAPED'" "$T/control.log")" 1 "attach lines, name escaped"
expect_eq "$(grep -cF "gone: '$ESCAPED'" "$T/control.log")" 1 "gone lines, name escaped"
expect_eq "$(grep -cF "client 0 '$ESCAPED' pid" "$T/control.log")" 1 "stats dump lines, name escaped"
grep -F "attached: '" "$T/control.log" | head -1
