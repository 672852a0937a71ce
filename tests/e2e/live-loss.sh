#!/bin/sh
# Loss is never silent: a queue of one record between the reader thread
# and the rules overflows under a burst of 300 chmods; the overflow must
# become an audit_events_lost finding and the runs row's events_lost.
. "$top_srcdir/tests/e2e/live-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered"
live_setup
i=0
while [ $i -lt 300 ]; do : > "$BIN/f$i"; i=$((i + 1)); done
live_start --source daemon --queue 1
chmod 700 "$BIN"/f*
wait_row "rule='audit_events_lost' AND severity='high' AND message LIKE '%queue overflow%'" 2500
live_stop
lost=$(sqlite3 "$DB" "SELECT events_lost FROM runs ORDER BY id DESC LIMIT 1;")
[ "${lost:-0}" -gt 0 ] || fail "runs.events_lost is '$lost'"
check_restored
exit 0
