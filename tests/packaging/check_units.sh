#!/bin/sh
# The systemd units as installed: check_units.sh <build-dir> <prefix>
# installs the build into a temporary DESTDIR, points the units' paths
# into it (systemd-analyze verify wants every Exec*= binary to exist), and
# passes when `systemd-analyze verify` has nothing to say about them.
set -u
build=$1 prefix=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze not installed (Debian: systemd)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: meson install --destdir"; exit 1; }
units=$tmp/root$prefix/lib/systemd/system
mkdir "$tmp/units"
for u in tern-dataplane.service tern-control.service; do
    [ -f "$units/$u" ] || { echo "FAIL: $u not installed in $units"; exit 1; }
    grep -q '^Type=notify$' "$units/$u" || { echo "FAIL: $u is not Type=notify"; exit 1; }
    sed "s|$prefix/|$tmp/root$prefix/|g" "$units/$u" >"$tmp/units/$u"
done
grep -q '^Requires=tern-dataplane.service' "$units/tern-control.service" &&
    grep -q '^After=tern-dataplane.service' "$units/tern-control.service" ||
    { echo "FAIL: tern-control.service does not Require and come After the dataplane"; exit 1; }
grep -q '^ExecStartPre=.*tern-hugepages' "$units/tern-dataplane.service" ||
    { echo "FAIL: tern-dataplane.service has no hugepage preflight"; exit 1; }
# verify also loads the units' dependencies: the unit path finds both.
cd "$tmp/units" || exit 1
out=$(SYSTEMD_UNIT_PATH="$tmp/units:" systemd-analyze verify --man=no \
      tern-dataplane.service tern-control.service 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out"
    echo "FAIL: systemd-analyze verify (rc $rc)"
    exit 1
fi
echo "ok: units verified"
