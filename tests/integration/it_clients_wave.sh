#!/usr/bin/env bash
# Hundreds of clients at once (issue 8): more applications than lcore ids,
# which they share (tern_client_lcore()).  WAVE_CLIENTS DPDK secondaries
# (default 256) attach together, publishers at a slow rate and drop
# subscribers on eight topics; then, WAVES times (default 2), a random
# quarter of them is killed with one kill -9 and as many new ones attach in
# their place.  After every wave tern-control and the dataplane list exactly
# the live ones and the topics still move; at the end the pool is back at
# its baseline, the dataplane's heap holds nothing of the dead, no client is
# left, and one more attaches and publishes.
#
# The dataplane preallocates its heap (WAVE_EAL, default -m256): with
# hundreds of secondaries attached, a heap growth or shrink is a memory
# hotplug synchronised with each of them, which timed out and left
# processes segfaulting in EAL (docs/control.md, "Many clients").
# Run by hand (not in the suite): now and again, and always by about the
# 470th secondary a dataplane has seen
# since it started fails its EAL init ("Cannot initialize local memory
# map"), so the default stays below that (see docs/control.md).
source "$(dirname "$0")/lib.sh"
N=${WAVE_CLIENTS:-256}
WAVES=${WAVES:-2}
sed -i "s/^\[eal\]/[eal]\nextra_args = ${WAVE_EAL--m256}/" "$T/node.ini"
cat >> "$T/node.ini" <<INI
[limits]
max_clients = $N
max_subs = $N
max_links = $((N + 64))
INI
start_stack
topics=()
for k in 0 1 2 3 4 5 6 7; do topics+=("it.w$k"); done
"$PROBE" create "${topics[@]}" > /dev/null || fail "create"
base=$(pool_free)

declare -A PID_OF=()    # slot index -> pid
spawn() {       # spawn I: client I, every 8th a subscriber
    local i=$1 t="it.w$(( $1 % 8 ))"
    (( i % 8 == 0 )) && t="it.w$(( i / 8 % 8 ))"
    rm -f "$T/r$i"
    if (( i % 8 == 0 )); then
        "$PROBE" sub "$t" 1000000000000 --policy drop --depth 64 --fd --timeout 900 \
            --ready "$T/r$i" > /dev/null 2> "$T/e$i" &
    else
        "$PROBE" pub "$t" 1000000000000 --rate 20 --size 64 --ready "$T/r$i" > /dev/null 2> "$T/e$i" &
    fi
    PID_OF[$i]=$!
    CHILDREN+=("$!")
}
all_ready() {   # all_ready I...: every one's --ready file, within 120 s
    for _ in $(seq 1 1200); do
        local missing=0
        for i in "$@"; do [ -e "$T/r$i" ] || { missing=1; break; }; done
        [ $missing = 0 ] && return 0
        sleep 0.1
    done
    fail "clients never ready: $(for i in "$@"; do [ -e "$T/r$i" ] || echo "$i: $(tail -c 300 "$T/e$i")"; done)"
}
clients_json() { "$TERNCTL" client list --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["clients"]))'; }
check_live() {  # check_live WHAT: the lists name exactly the live pids
    local want got
    want=$(for i in "${!PID_OF[@]}"; do echo "${PID_OF[$i]}"; done | sort -n | tr '\n' ' ')
    for _ in $(seq 1 100); do
        got=$(clients_json | python3 -c 'import json,sys; print(" ".join(str(p) for p in sorted(c["pid"] for c in json.load(sys.stdin))), end=" ")')
        [ "$got" = "$want" ] && break
        sleep 0.1
    done
    [ "$got" = "$want" ] || fail "$1: clients listed are not the live ones (want ${#PID_OF[@]})"
}

t0=$(date +%s.%N)
ids=()
for i in $(seq 0 $((N - 1))); do spawn "$i"; ids+=("$i"); done
all_ready "${ids[@]}"
check_live "all attached"
clients_json | python3 -c '
import json, sys
cs = json.load(sys.stdin)
n = int(sys.argv[1])
assert len(cs) == n, len(cs)
assert len({c["id"] for c in cs}) == n, "client ids not unique"
lc = {c["lcore"] for c in cs}
assert min(lc) >= 64 and max(lc) <= 127, lc
assert len(lc) == min(n, 64), len(lc)   # lcore ids 64..127 shared
' "$N" || fail "the client list with $N attached"
heap_allocs() {  # the primary's hugepage heap: allocations in use
    echo /eal/heap_info,0 | dpdk-telemetry.py -f "tern_$NODE" 2>/dev/null |
        python3 -c 'import json,sys; print([json.loads(l)["/eal/heap_info"]["Alloc_count"] for l in sys.stdin if "/eal/heap_info" in l][-1])'
}
heap0=$(heap_allocs) || fail "no heap figures from DPDK telemetry"
pass "$N clients attached at once in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s, on $(( N < 64 ? N : 64 )) lcore ids"

next=$N
for w in $(seq 1 "$WAVES"); do
    victims=($(printf '%s\n' "${!PID_OF[@]}" | shuf -n $((N / 4))))
    pids=()
    for i in "${victims[@]}"; do pids+=("${PID_OF[$i]}"); unset "PID_OF[$i]"; done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    fresh=()
    for _ in "${victims[@]}"; do spawn "$next"; fresh+=("$next"); next=$((next + 1)); done
    all_ready "${fresh[@]}"
    check_live "wave $w"
    # Still moving: every topic's sequence goes on after the wave.
    before=$("$TERNCTL" topic list --json | python3 -c 'import json,sys; print(sum(t["published"] for t in json.load(sys.stdin)["topics"]))')
    sleep 1
    after=$("$TERNCTL" topic list --json | python3 -c 'import json,sys; print(sum(t["published"] for t in json.load(sys.stdin)["topics"]))')
    [ "$after" -gt "$before" ] || fail "wave $w: nothing published after it ($before -> $after)"
    echo "ok: wave $w: $((N / 4)) killed at once, as many attached again; $((after - before)) msgs/s"
done
pass "$WAVES waves of $((N / 4)) kill -9 and re-attach with $N clients"

pids=()
for i in "${!PID_OF[@]}"; do pids+=("${PID_OF[$i]}"); done
kill -KILL "${pids[@]}" 2>/dev/null || true
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
PID_OF=()
for _ in $(seq 1 100); do [ "$(clients_json)" = "[]" ] && break; sleep 0.1; done
expect_eq "$(clients_json)" "[]" "no client left after the last kill"
for _ in $(seq 1 100); do [ "$(pool_free)" = "$base" ] && break; sleep 0.05; done
expect_eq "$(pool_free)" "$base" "pool free count back to its baseline"
# A secondary's EAL init allocates in the primary's heap (the service
# library's tables): killed, it leaked them, about 156 KB a client.
expect_eq "$(heap_allocs)" "$heap0" "the dataplane's heap holds no allocation of a killed client"
"$PROBE" pub it.w0 1000 > "$T/last" || fail "a client after all that: $(cat "$T/last")"
expect_eq "$(jget '["published"]' < "$T/last")" 1000 "one more client attaches and publishes"
