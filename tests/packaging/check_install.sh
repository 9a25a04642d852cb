#!/bin/sh
# What `meson install` lays down: check_install.sh <build-dir> <prefix>
# installs into a temporary DESTDIR and checks the files, that an
# application's `pkg-config --cflags --libs libtern` carries no DPDK flags,
# and that --variable=terngen names the installed terngen.
set -u
build=$1 prefix=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail() { echo "FAIL: $*"; exit 1; }
meson install -C "$build" --no-rebuild --quiet --destdir "$root" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; fail "meson install --destdir"; }

for f in bin/terngen bin/tern-dataplane bin/tern-control bin/ternctl bin/tern-log \
         bin/tern-perf include/tern/tern.h include/tern/tern_codec.h etc/tern/node.ini \
         libexec/tern/tern-hugepages; do
    [ -e "$root$prefix/$f" ] || fail "$prefix/$f not installed"
done
# test tools stay in the build tree
[ -e "$root$prefix/bin/tern-probe" ] && fail "the test tool tern-probe is installed in bin/"

pc=$(find "$root$prefix" -name libtern.pc | head -1)
[ -n "$pc" ] || fail "no libtern.pc installed"
# pkg-config resolves ${prefix} to the installed one; point it at DESTDIR.
export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$(dirname "$pc")"
flags=$(pkg-config --cflags --libs libtern) || fail "pkg-config --cflags --libs libtern"
echo "pkg-config --cflags --libs libtern: $flags"
case " $flags " in
    *dpdk*|*rte_*|*-march*|*-mcpu*|*" -include "*)
        fail "an application's flags carry DPDK's: $flags";;
esac
case " $flags " in *" -ltern "*) ;; *) fail "no -ltern in: $flags";; esac
grep -q '^Requires.*dpdk' "$pc" && fail "libtern.pc requires DPDK (its Cflags would leak)"

tg=$(pkg-config --variable=terngen libtern) || fail "no terngen variable"
tg=${tg#"$root"}     # pkgconf prefixes variables with the sysroot, pkg-config not
[ "$tg" = "$prefix/bin/terngen" ] || fail "terngen variable is '$tg', not $prefix/bin/terngen"
[ -x "$root$tg" ] || fail "$tg (the pc's terngen) is not an installed executable"
"$root$tg" --version >/dev/null || fail "installed terngen does not run"
# what an application does with them: compile a schema, build against it
printf 'message AppPing (id=1000, version=1)\n    u64 seq\nend\n' >"$tmp/app.tmsg"
"$root$tg" -o "$tmp/app.tmsg.h" "$tmp/app.tmsg" || fail "installed terngen on a user schema"
printf '#include "app.tmsg.h"\nint main(void) { struct AppPing m = { .seq = 1 }; char b[64];\n'\
'return AppPing_encode(&m, b, sizeof(b)) > 0 ? 0 : 1; }\n' >"$tmp/app.c"
# shellcheck disable=SC2086 # the flags are words
cc -std=c11 -Wall -Werror -I"$tmp" $(pkg-config --cflags libtern) -c "$tmp/app.c" -o "$tmp/app.o" ||
    fail "a generated header does not build with pkg-config --cflags libtern alone"
echo "ok: install layout, libtern.pc and terngen"
