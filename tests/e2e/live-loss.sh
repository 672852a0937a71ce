#!/bin/sh
# Loss is never silent, and a slow consumer loses nothing it could keep.
# Daemon source, a queue of one record between the reader thread and the
# rules, a burst of 300 chmods: the reader waits for the rules (the
# kernel holds the rest in its backlog, as it does for auditd), so every
# chmod is a finding and nothing is counted lost.  Daemon source, the
# main thread reading the socket (solo) and stalled 300 ms by a test
# seam while 300 chmods arrive, after a quiet half second (the reader
# thread sleeps in poll): the reader wakes, takes the socket for the
# stall and gives it back, nothing lost.  Multicast source,
# same queue: the kernel never waits for a multicast reader, so what
# does not fit overflows, and the overflow must become an
# audit_events_lost finding and the runs row's events_lost.
. "$top_srcdir/tests/e2e/live-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered"
live_setup
i=0
while [ $i -lt 300 ]; do : > "$BIN/f$i"; i=$((i + 1)); done
last_run() { sqlite3 "$DB" "SELECT $1 FROM runs ORDER BY id DESC LIMIT 1;"; }
# chmods_found ID: in n, the chmod'ed paths among the findings after id
# ID, waited for (up to 5 s) until all 300 are there
chmods_found() {
	n=0 i=0
	while [ $i -lt 50 ]; do
		n=$(sqlite3 "$DB" "SELECT count(DISTINCT path) FROM findings WHERE rule='live_file_drift' AND op='chmod' AND id > $1;")
		[ "$n" = 300 ] && break
		i=$((i + 1)); sleep 0.1
	done
}

# daemon: backpressure, no loss
live_start --source daemon --queue 1
chmod 700 "$BIN"/f*
wait_row "rule='live_file_drift' AND op='chmod' AND path='$BIN/f299'" 5000
chmods_found 0
live_stop
[ "$n" = 300 ] || fail "daemon, queue 1: $n of 300 chmods are findings"
[ "$(last_run events_lost)" = 0 ] ||
	fail "daemon, queue 1: runs.events_lost is '$(last_run events_lost)'"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='audit_events_lost';")" = 0 ] ||
	fail "daemon, queue 1: an audit_events_lost finding without loss"
echo "daemon, queue 1: 300 of 300 chmods, none lost"

# daemon, solo reader (the main thread reads the socket; on two CPUs the
# default), the main thread stalled 300 ms after its first finding
# while 300 chmods arrive: the reader thread takes the socket during
# the stall, gives it back after, and nothing is lost.  First half a
# second with no record: the reader's 20 ms checks stop after 200 ms
# and it sleeps in poll; the stall's records must wake it.
AUDRIFT_TEST_READER=solo AUDRIFT_TEST_STALL_MS=300
export AUDRIFT_TEST_READER AUDRIFT_TEST_STALL_MS
live_start --source daemon
unset AUDRIFT_TEST_READER AUDRIFT_TEST_STALL_MS
sleep 0.5
: > "$BIN/stall-trigger"
wait_row "rule='live_file_drift' AND path='$BIN/stall-trigger'"
chmod 755 "$BIN"/f*
wait_row "rule='live_file_drift' AND op='chmod' AND path='$BIN/f299'" 5000
chmods_found "$(sqlite3 "$DB" "SELECT id FROM findings WHERE path='$BIN/stall-trigger';")"
live_stop
grep -q 'test: the main thread stalls for 300 ms' "$T/err" ||
	fail "solo: the stall seam did not fire: $(tail -5 "$T/err")"
ho=$(grep -o 'the socket went to the main thread [0-9]* time(s) (a low rate), back to the reader thread [0-9]*' "$T/err") ||
	fail "solo: no netlink handoff counts in the log: $(tail -5 "$T/err")"
tomain=$(echo "$ho" | awk '{ print $8 }') toreader=$(echo "$ho" | awk '{ print $NF }')
sleeps=$(grep -o 'the reader slept through [0-9]* quiet spell' "$T/err" | awk '{ print $5 }')
[ "${sleeps:-0}" -ge 1 ] ||
	fail "solo: the reader never slept through a quiet spell: $(grep 'netlink:' "$T/err")"
[ "$n" = 300 ] || fail "solo, a 300 ms stall: $n of 300 chmods are findings"
[ "$(last_run events_lost)" = 0 ] ||
	fail "solo, a 300 ms stall: runs.events_lost is '$(last_run events_lost)'"
[ "$toreader" -ge 1 ] && [ "$tomain" -ge 2 ] ||
	fail "solo, a 300 ms stall: the socket went to the reader $toreader time(s) and to the main thread $tomain: want >= 1 and >= 2"
echo "solo, a 300 ms stall after a quiet spell: 300 of 300 chmods, none lost; socket to the reader $toreader, to the main thread $tomain; the reader slept $sleeps time(s)"

# multicast: overflow, counted and reported
live_start --source multicast --queue 1
chmod 600 "$BIN"/f*
wait_row "rule='audit_events_lost' AND severity='high' AND message LIKE '%queue overflow%'" 2500
live_stop
lost=$(last_run events_lost)
[ "${lost:-0}" -gt 0 ] || fail "multicast, queue 1: runs.events_lost is '$lost'"
echo "multicast, queue 1: $lost records lost, reported"
check_restored
exit 0
