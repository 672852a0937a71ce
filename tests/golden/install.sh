#!/bin/sh
# tests/golden/install.sh - `make install DESTDIR` lays out every file of
# issue 17 (binary, rules.d, state dir 0750, man pages, the auditd plugin
# conf inactive, the systemd unit, logrotate), the unit passes
# systemd-analyze verify, and the binary finds the configured rules.d and
# database by itself.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D="$T/root"
make -s --no-print-directory -C "$top_builddir" install DESTDIR="$D" >"$T/install.out" 2>&1 ||
    { cat "$T/install.out" >&2; fail "make install DESTDIR failed"; }
eval "$(make -s --no-print-directory -C "$top_builddir" print-install-dirs)"
for f in "$sbindir/audrift" \
    "$sysconfdir/audrift/rules.d/10-lists.rules" \
    "$sysconfdir/audrift/rules.d/20-exceptions.rules" \
    "$sysconfdir/audrift/rules.d/30-drift.rules" \
    "$sysconfdir/audrift/rules.d/70-local.rules" \
    "$mandir/man8/audrift.8" "$mandir/man5/audrift.rules.5" \
    "$sysconfdir/audit/plugins.d/audrift.conf" \
    "$sysconfdir/logrotate.d/audrift" \
    "$unitdir/audrift.service"; do
	[ -f "$D$f" ] || fail "make install did not install $f"
done
[ -x "$D$sbindir/audrift" ] || fail "$sbindir/audrift is not executable"
st=$(stat -c %a "$D$localstatedir/lib/audrift") ||
    fail "no $localstatedir/lib/audrift"
[ "$st" = 750 ] || fail "$localstatedir/lib/audrift is mode $st, not 750"
pc="$D$sysconfdir/audit/plugins.d/audrift.conf"
[ "$(stat -c %a "$pc")" = 640 ] || fail "plugin conf mode is not 0640"
grep -qx 'active = no' "$pc" || fail "plugin conf not installed inactive"
grep -qx "path = $sbindir/audrift" "$pc" ||
    fail "plugin conf does not name $sbindir/audrift"
u="$D$unitdir/audrift.service"
grep -q "^ExecStart=$sbindir/audrift run " "$u" ||
    fail "the unit does not start $sbindir/audrift"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$u" ||
    fail "the unit's ExecReload does not send SIGHUP"
# The compiled-in defaults are the configured dirs.
"$D$sbindir/audrift" run --help | grep -q "$sysconfdir/audrift/rules.d" ||
    fail "audrift run's default rules dir is not $sysconfdir/audrift/rules.d"
"$D$sbindir/audrift" run --help |
    grep -q "$localstatedir/lib/audrift/audrift.db" ||
    fail "audrift's default db is not $localstatedir/lib/audrift/audrift.db"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify runs the unit's commands' checks: point them at DESTDIR
	sed "s|$sbindir/audrift|$D$sbindir/audrift|g" "$u" >"$T/audrift.service"
	systemd-analyze verify --man=no "$T/audrift.service" \
	    >"$T/verify.out" 2>&1 ||
	    { cat "$T/verify.out" >&2; fail "systemd-analyze verify failed"; }
	[ ! -s "$T/verify.out" ] ||
	    { cat "$T/verify.out" >&2; fail "systemd-analyze verify warned"; }
elif [ "${AUDRIFT_REQUIRE_KERNEL:-0}" = 1 ]; then
	fail "systemd-analyze not found: install systemd (scripts/deps)"
else
	echo "note: systemd-analyze not found, unit not verified" >&2
fi
make -s --no-print-directory -C "$top_builddir" uninstall DESTDIR="$D" >/dev/null 2>&1 ||
    fail "make uninstall DESTDIR failed"
left=$(find "$D" -type f | sed "s|^$D||")
[ -z "$left" ] || fail "make uninstall left: $left"
echo "ok: make install DESTDIR lays out every file; unit verified"
