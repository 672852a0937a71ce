#!/bin/sh
# A locked host (enabled 2), through the AUDRIFT_TEST_FAKE_ENABLED seam:
# audrift must report which of its rules are missing, add and remove no
# rule, not change enabled, and still run and stop cleanly.  The real
# kernel is never locked.
. "$top_srcdir/tests/e2e/live-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered"
[ "$(kstat enabled)" != 2 ] || skip "this host really is locked"
live_setup
AUDRIFT_TEST_FAKE_ENABLED=2 live_start --source daemon
grep -q 'locked (enabled 2)' "$T/err" || fail "lock not reported: $(cat "$T/err")"
grep -q 'audrift rules are missing from the locked set' "$T/err" ||
	fail "missing rules not reported"
[ "$(grep -c 'missing: -a always,exit' "$T/err")" -ge 3 ] || fail "missing list"
grep -q 'audrift rules > ' "$T/err" || fail "no next-boot hint"
auditctl -l | grep -q audrift- && fail "rules added on a locked host"
[ "$(kstat enabled)" = "$SAVED_ENABLED" ] || fail "enabled changed on a locked host"
live_stop
check_restored
exit 0
