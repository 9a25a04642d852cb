# Sourced by the integration test libraries (lib.sh, net_lib.sh,
# net3_lib.sh): reporting and JSON helpers every test uses.
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(eval("d"+sys.argv[1]))' "$1"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; pass "$3 = $2"; }
bg() { "$@" & CHILDREN+=($!); }
# expect_stream FILE N WHAT: a tern-probe sub result of exactly seq 1..N,
# every one, in order.
expect_stream() {
    local r g d f l
    r=$(jget '["received"]' < "$1") g=$(jget '["gaps"]' < "$1") d=$(jget '["disorder"]' < "$1")
    f=$(jget '["first_seq"]' < "$1") l=$(jget '["last_seq"]' < "$1")
    [ "$r $g $d $f $l" = "$2 0 0 1 $2" ] ||
        fail "$3: received $r gaps $g disorder $d seq $f..$l (want $2 0 0 1 $2)"
    pass "$3: $2 messages, seq 1..$2, in order"
}
