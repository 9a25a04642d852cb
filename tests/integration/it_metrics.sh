#!/usr/bin/env bash
# tern-control's Prometheus endpoint ([metrics] port): scraped with curl,
# checked by promtool (Debian prometheus, when installed), on 127.0.0.1
# only by default; anything but /metrics is a 404.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '[metrics]\nport = %s\n' "$PORT" >> "$T/node.ini"
start_stack
grep -q "metrics: serving http://127.0.0.1:$PORT/metrics" "$T/control.log" || fail "no serving line: $(cat "$T/control.log")"
"$PROBE" create md.eq.AAPL >/dev/null || fail "create"
bg "$PROBE" sub "md.>" 10 --linger 30 --ready "$T/sub.ready" > "$T/sub.out"
wait_file "$T/sub.ready"
"$PROBE" pub md.eq.AAPL 10 >/dev/null || fail "pub"
wait_line "$T/sub.out" 10 || fail "subscriber"
curl -sf "http://127.0.0.1:$PORT/metrics" -D "$T/headers" -o "$T/metrics" || fail "scrape failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" || fail "content type: $(cat "$T/headers")"
for l in 'tern_dataplane_up 1' 'tern_topic_published_total{topic="md.eq.AAPL"} 10' \
         'tern_topic_delivered_total{topic="md.eq.AAPL"} 10' '# TYPE tern_topic_published_total counter' \
         'tern_sub_delivered_total{sub="0",client="0",pattern="md.>",policy="drop"} 10' \
         'tern_sub_dropped_total{sub="0",client="0",pattern="md.>",policy="drop"} 0' \
         'tern_clients 1' '# TYPE tern_pool_buffers_free gauge'; do
    grep -qxF "$l" "$T/metrics" || fail "no line '$l' in: $(cat "$T/metrics")"
done
pass "scrape: $(wc -l < "$T/metrics") lines, topic and subscription counters"
if command -v promtool >/dev/null; then
    promtool check metrics < "$T/metrics" > "$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
    pass "promtool check metrics: clean"
else
    echo "SKIP: promtool not installed (Debian prometheus; scripts/install-deps.sh --with-promtool): format not checked by promtool"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other")
expect_eq "$code" 404 "another path"
ss -ltnH "( sport = :$PORT )" | awk '{print $4}' > "$T/listen"
expect_eq "$(cat "$T/listen")" "127.0.0.1:$PORT" "listening address"
