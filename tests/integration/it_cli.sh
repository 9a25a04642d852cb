#!/usr/bin/env bash
# Every binary answers --help (exit 0, usage on stdout) and --version (exit
# 0, its name and the project's version); ternctl's usage errors keep exit 2
# and, with --json, still print one JSON object (issue 10's papercuts).
set -uo pipefail
B=${BUILD:?}
version=$(sed -n "s/^ *version: '\([^']*\)'.*/\1/p" "$(dirname "$0")/../../meson.build" | head -1)
failed=0
fail() { echo "FAIL: $*"; failed=1; }
for b in control/tern-control dataplane/tern-dataplane dsl/terngen control/log/tern-log \
         control/ternctl; do
    name=$(basename "$b")
    out=$("$B/$b" --help 2>/dev/null); rc=$?
    [ $rc = 0 ] || fail "$name --help: exit $rc"
    grep -q "usage" <<<"$out" || fail "$name --help: no usage on stdout"
    out=$("$B/$b" --version 2>&1); rc=$?
    [ $rc = 0 ] || fail "$name --version: exit $rc"
    grep -q "^$name $version" <<<"$out" || fail "$name --version: '$out'"
done
T=$B/control/ternctl
check_json_usage() {   # check_json_usage WANT-IN-ERROR ARGS...
    local want=$1; shift
    out=$("$T" "$@" 2>/dev/null); rc=$?
    [ $rc = 2 ] || fail "ternctl $*: exit $rc, want 2"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["status"] < 0 and sys.argv[2] in d["error"], d' \
        "$out" "$want" 2>/dev/null || fail "ternctl $*: stdout '$out'"
}
check_json_usage "needs a subcommand" --json topic
check_json_usage "not a subcommand" topic frob --json
check_json_usage "not both" --json -c /nonexistent -s /nonexistent stats
check_json_usage "no command" --json
err=$("$T" topic 2>&1 >/dev/null)
grep -q "one of create, delete, info, list" <<<"$err" || fail "ternctl topic: '$err'"
[ $failed = 0 ] && echo "ok: --help and --version on every binary; ternctl usage errors in JSON"
exit $failed
