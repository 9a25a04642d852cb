#!/usr/bin/env bash
# libtern takes from tern-control only the EAL arguments tern-control sends
# (issue 7, finding 10).  A fake tern-control on TERN_SOCKET answers the
# hello with hostile arguments; the client must refuse them with a clear
# error, never call rte_eal_init() (no DPDK runtime dir appears) and never
# load the library named by -d (its constructor would create a marker).
source "$(dirname "$0")/lib.sh"

# No stack runs here; name this node's config so that cleanup removes the
# node's DPDK files should a client get as far as EAL after all.
echo "$T/node.ini" > "$T/config"
PREFIX=tern_$NODE
# EAL loads no plugin from a world-writable directory such as /tmp, so the
# library sits in a directory of the build tree (removed on any exit).
LIBDIR=$(mktemp -d "$BUILD/tests/integration/it_eal_args.XXXXXX")
trap 'rc=$?; rm -rf "$LIBDIR"; set +e; (exit $rc); cleanup' EXIT
cat > "$LIBDIR/evil.c" <<C
#include <stdio.h>
__attribute__((constructor)) static void evil(void)
{
    FILE *f = fopen("$T/loaded", "w");
    if (f)
        fclose(f);
}
C
gcc -shared -fPIC -o "$LIBDIR/evil.so" "$LIBDIR/evil.c" || fail "cannot build the test library"

variants=$(python3 - "$LIBDIR" "$PREFIX" <<'PY'
import json, sys
t, prefix = sys.argv[1], sys.argv[2]
sent = ["tern-client", "--proc-type=secondary", "--file-prefix=" + prefix, "--no-pci",
        "--lcores=64@(0)", "--log-level=error", "--no-telemetry"]
def repl(i, a):
    v = list(sent); v[i] = a; return v
print(json.dumps([
    sent + ["-d", t + "/evil.so"],
    sent + ["-d" + t + "/evil.so"],                 # glued to its value
    sent + ["--driver-path=" + t],                  # any other name, EAL's or not
    sent + ["--vdev=net_null0"],
    sent + ["--huge-dir=" + t],
    repl(2, "--file-prefix=../" + prefix),
    repl(3, "--no-pci\u0000-d" + t + "/evil.so"),   # what EAL sees ends at the NUL
    repl(4, "--lcores=64@(0)\n-d" + t + "/evil.so"),
    repl(1, "--proc-type=primary"),
    sent + ["--no-pci"] * 8,                        # too many
    [],
]))
PY
)
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$variants")
bg python3 "$TOP/tests/integration/fake_control.py" "$T/fake.sock" "$T/fake.ready" "$variants"
wait_file "$T/fake.ready"

for i in $(seq 1 "$n"); do
    if TERN_SOCKET=$T/fake.sock "$PROBE" pool > "$T/out" 2> "$T/err"; then
        fail "variant $i: connected with hostile EAL arguments"
    fi
    [ ! -e "$T/loaded" ] || fail "variant $i: the client loaded $LIBDIR/evil.so"
    grep -q "refusing tern-control's EAL arguments" "$T/err" || fail "variant $i: unclear error: $(cat "$T/err")"
    [ ! -e "/var/run/dpdk/$PREFIX" ] && [ ! -e "/var/run/dpdk/../$PREFIX" ] \
        || fail "variant $i: EAL ran (a DPDK runtime dir exists)"
    pass "variant $i refused: $(grep -o "refusing.*" "$T/err" | head -1)"
done
wait "${CHILDREN[-1]}" || fail "fake tern-control"
