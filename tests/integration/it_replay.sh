#!/usr/bin/env bash
# Persistence part 2: the storage role writes stored topics to the log, and
# a subscriber that starts in the past is carried from the log into the live
# stream with no gap and no duplicate, while a publisher runs at full speed
# through the hand-over.  LCORES/STORAGE_LCORE run the storage role on an
# lcore of its own.
source "$(dirname "$0")/lib.sh"
store_topics never
start_stack
"$PROBE" create it.replay it.other || fail "create"
N=300000

"$PROBE" pub it.replay $N --excl --retry --tag venue=XNAS > "$T/p" & pub=$!
sleep 0.3
# Starts while the publisher is mid-stream: the first part comes from the
# log, the rest live.
"$PROBE" sub it.replay $N --from earliest --policy bp --timeout 60 --expect-tag venue=XNAS > "$T/s1" || fail "replaying subscriber: $(cat "$T/s1")"
wait $pub || fail "publisher"
grep -q '"published":300000' "$T/p" || fail "publisher: $(cat "$T/p")"
expect_eq "$(jget '["received"]' < "$T/s1")" $N "from earliest under load: received"
expect_eq "$(jget '["first_seq"]' < "$T/s1")" 1 "from earliest: first seq"
expect_eq "$(jget '["last_seq"]' < "$T/s1")" $N "from earliest: last seq"
expect_eq "$(jget '["gaps"]' < "$T/s1")" 0 "from earliest: gaps"
expect_eq "$(jget '["disorder"]' < "$T/s1")" 0 "from earliest: duplicates or disorder"
expect_eq "$(jget '["tag_missing"]' < "$T/s1")" 0 "tags travelled into the log and back out"
expect_eq "$(jget '["bad_times"]' < "$T/s1")" 0 "event <= send <= receive times kept through the log"

# From a sequence number, after the fact, then live: 1000 more arrive live.
"$PROBE" sub it.replay $((N - 1000 + 1 + 1000)) --from seq:1000 --policy bp --ready "$T/r" --timeout 60 > "$T/s2" &
s2=$!
wait_file "$T/r"
"$PROBE" pub it.replay 1000 --retry > /dev/null || fail "second publisher"
wait $s2 || fail "seq subscriber: $(cat "$T/s2")"
expect_eq "$(jget '["first_seq"]' < "$T/s2")" 1000 "from seq:1000: first seq"
expect_eq "$(jget '["last_seq"]' < "$T/s2")" $((N + 1000)) "from seq:1000: last seq (live tail)"
expect_eq "$(jget '["gaps"]' < "$T/s2")" 0 "from seq:1000: gaps"

# Bad requests: a pattern cannot replay, nor can a topic no rule stores.
if "$PROBE" sub 'it.*' 1 --from earliest --timeout 1 2> "$T/err"; then fail "pattern replay accepted"; fi
pass "pattern replay refused: $(grep -v '^$' "$T/err" | tail -1)"
"$PROBE" create plain.topic
if "$PROBE" sub plain.topic 1 --from earliest --timeout 1 2> "$T/err"; then fail "replay of an unstored topic accepted"; fi
pass "unstored topic replay refused: $(grep -v '^$' "$T/err" | tail -1)"

# What was stored verifies clean.
"$BUILD/control/log/tern-log" verify "$T/data" > "$T/v" 2>&1 || fail "tern-log verify: $(cat "$T/v")"
pass "tern-log verify: the stored log is intact"
