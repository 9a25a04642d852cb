#!/usr/bin/env bash
# scripts/tern.lua against known frames: $1 is tests/net/net_pcap (built by
# meson), which writes a pcap of six frames (see net_pcap.c); tshark reads
# it with the dissector and every field checked here must come out exactly.
# Without tshark: fail (scripts/install-deps.sh installs it), unless
# TERN_ALLOW_SKIP=1, then skip (exit 77).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lua="$here/../../scripts/tern.lua"
net_pcap=${1:?usage: test_dissector.sh NET_PCAP_BINARY}

if ! command -v tshark >/dev/null; then
    if [ "${TERN_ALLOW_SKIP:-}" = 1 ]; then
        echo "SKIP: tshark not installed (TERN_ALLOW_SKIP=1)"
        exit 77
    fi
    echo "FAIL: tshark not installed: run scripts/install-deps.sh" >&2
    exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pcap="$dir/tern.pcap"
"$net_pcap" "$pcap"

fails=0
ts() {
    # tshark as root warns on stderr ("could be dangerous"): keep it out of
    # the output, but show it when tshark itself fails.
    if ! tshark -n -r "$pcap" -X "lua_script:$lua" "$@" 2>"$dir/err"; then
        cat "$dir/err" >&2
        return 1
    fi
    if grep -qi "lua" "$dir/err"; then
        echo "FAIL: tshark complains about the Lua script:" >&2
        cat "$dir/err" >&2
        return 1
    fi
}
check() {       # check WHAT EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        echo "  expected: $2"
        echo "  actual:   $3"
        fails=$((fails + 1))
    fi
}

# One line per frame: the header, the entries, the body, the expert flag.
ts -T fields -E separator='|' -e frame.number -e tern.type -e tern.flags \
    -e tern.flags.sender -e tern.count -e tern.session -e tern.stream -e tern.seq \
    -e tern.arg -e tern.ent.seq -e tern.ent.frag_off -e tern.ent.frag_len \
    -e tern.ent.flags.last -e tern.ent.size -e tern.ent.tags_len -e tern.body \
    -e tern.malformed >"$dir/fields"
row() { awk -F'|' -v n="$1" '$1 == n' "$dir/fields"; }

check "six frames, all tern" 6 "$(ts -Y tern | wc -l)"
check "DATA: 3 entries 100,101,101 as pieces of 14, 0..600, 600..1000" \
    "1|1|0x0000|0|3|0x0000004d|5|9|0|100,101,101|0,0,600|14,600,400|1,0,1|10,1000,1000|4,0,0||" \
    "$(row 1)"
check "NAK stream 5 seq 12 arg 3" "2|3|0x0000|0|0|0x0000004d|5|12|3||||||||" "$(row 2)"
check "STATUS with the sender flag" "3|2|0x0001|1|0|0x0000004d|5|13|0||||||||" "$(row 3)"
check "HELLO body nodeA, arg 3000" "4|4|0x0000|0|5|0x0000004d|0|0|3000|||||||nodeA|" "$(row 4)"
check "damaged DATA: both entries shown, flagged malformed" \
    "5|1|0x0000|0|2|0x0000004d|5|14|0|102,103|0,0|8,500|1,1|8,500|0,0||1" "$(row 5)"
check "REQ on ports 47001->47002, found by the heuristic" \
    "6|5|0x0000|0|6|0x0000004d|6|0|0|||||||orders|" "$(row 6)"

# Only the damaged frame is malformed, and for the right reason.
check "only frame 5 malformed" 5 "$(ts -Y tern.malformed -T fields -e frame.number)"
check "expert message of frame 5" \
    "entry 2: piece of 500 bytes, 20 left in the frame" \
    "$(ts -Y 'frame.number == 5' -T fields -e _ws.expert.message)"
# (Wireshark marks _ws.malformed on every MALFORMED expert info: frame 5.)
check "_ws.malformed only on frame 5" 5 "$(ts -Y '_ws.malformed' -T fields -e frame.number)"
ts -V >"$dir/verbose"
check "no Lua error nor dissector bug in the tree" 0 \
    "$(grep -c -i -e 'lua error' -e 'dissector bug' -e 'dissector error' "$dir/verbose" || true)"

# The Info column.
ts -o 'gui.column.format:"Info","%i"' >"$dir/info"
check "Info column" \
    'DATA stream 5 seq 9 (3 msgs 100..101)
NAK stream 5 seq 12+3
STATUS stream 5 seq 13 (sender)
HELLO "nodeA" echo 3000 held 0 ns
DATA stream 5 seq 14 (2 msgs 102..103) [MALFORMED]
REQ stream 6 "orders" from live' "$(cat "$dir/info")"

# Display filters on the fields.
check "filter tern.type == 3 (NAK)" 2 "$(ts -Y 'tern.type == 3' -T fields -e frame.number)"
check "filter tern.flags.sender" 3 "$(ts -Y 'tern.flags.sender == 1' -T fields -e frame.number)"
check "filter tern.ent.seq == 101" 1 "$(ts -Y 'tern.ent.seq == 101' -T fields -e frame.number)"
check "filter tern.body == \"nodeA\"" 4 \
    "$(ts -Y 'tern.body == "nodeA"' -T fields -e frame.number)"
ts -Y 'frame.number == 1' -T fields -e tern.ent.piece >"$dir/pieces"
check "pieces: 14 x 'a', 600 x 'b', 400 x 'c'" \
    "$(printf '%0.s61' $(seq 14)),$(printf '%0.s62' $(seq 600)),$(printf '%0.s63' $(seq 400))" \
    "$(cat "$dir/pieces")"

# The preference port: with the heuristic off, frame 6 is tern only there.
check "heuristic off: frame 6 plain UDP" "" \
    "$(ts --disable-heuristic tern_udp -Y 'frame.number == 6 && tern' -T fields -e frame.number)"
check "heuristic off, tern.port 47002: frame 6 tern" 6 \
    "$(ts --disable-heuristic tern_udp -o tern.port:47002 -Y 'frame.number == 6 && tern' \
        -T fields -e frame.number)"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
