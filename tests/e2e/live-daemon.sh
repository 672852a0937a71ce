#!/bin/sh
# audrift run --source daemon on the real kernel: kernel rules installed
# (perm=wa filter included), each drift operation in a bin-like dir a
# finding in SQLite within 2 s, SIGHUP with a broken rules file, tamper
# (our rules deleted by key) -> finding and rules back within 1 s,
# the socket read by the main thread at a low rate and by the reader
# thread in a burst (the split mode, forced: on two CPUs the daemon
# source runs solo, source_netlink.c), SIGTERM -> exit 0 within 2 s and
# the machine as found.
. "$top_srcdir/tests/e2e/live-lib.sh"
AUDRIFT_TEST_READER=split; export AUDRIFT_TEST_READER
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered (pid $(kstat pid)); the daemon source needs none"
live_setup
live_start --source daemon --json "$T/f.json"

# the kernel side
auditctl -l > "$T/rules"
[ "$(grep -c 'key=audrift-exec' "$T/rules")" = 2 ] || fail "exec rules: $(cat "$T/rules")"
grep 'key=audrift-file' "$T/rules" | grep -q "dir=$BIN -F perm=wa" ||
	fail "file rule: $(cat "$T/rules")"
[ "$(kstat pid)" = "$APID" ] || fail "audit pid $(kstat pid), not $APID"
[ "$(kstat enabled)" = 1 ] || fail "enabled $(kstat enabled)"
[ "$(kstat backlog_limit)" = 8192 ] || fail "backlog_limit $(kstat backlog_limit)"

lat=
op() {	# op NAME WHERE: record the latency of a finding for NAME
	wait_row "$2"
	lat="$lat $1=${LAT}ms"
}
cp /bin/true "$BIN/drift"
op create "rule='live_file_drift' AND op='create' AND path='$BIN/drift'"
: >> "$BIN/drift"
op write "rule='live_file_drift' AND op='write' AND path='$BIN/drift'"
chmod 700 "$BIN/drift"
op chmod "rule='live_file_drift' AND op='chmod' AND path='$BIN/drift'"
"$BIN/drift" || fail "exec"
op exec "rule='live_exec_drift' AND op='exec' AND exe='$BIN/drift'"
mv "$BIN/drift" "$BIN/drift2"
op rename "rule='live_file_drift' AND op='rename' AND path2='$BIN/drift2'"
rm "$BIN/drift2"
op unlink "rule='live_file_drift' AND op='unlink' AND path='$BIN/drift2'"
echo "latency (operation -> row in SQLite):$lat"

# SIGHUP: a broken file keeps the running rules
echo 'rule broken { when nosuch.field == 1 }' > "$T/rules.d/60-broken.rules"
kill -HUP "$APID"
sleep 0.5
grep -q 'SIGHUP: the rules in .* did not load' "$T/err" || fail "SIGHUP with a broken file: $(cat "$T/err")"
touch "$BIN/after-hup"
wait_row "rule='live_file_drift' AND path='$BIN/after-hup'"
rm "$T/rules.d/60-broken.rules"
kill -HUP "$APID"
sleep 0.5
grep -q 'SIGHUP: reloaded' "$T/err" || fail "SIGHUP reload: $(cat "$T/err")"

# logrotate: the file moved away, SIGHUP, the next findings go to a new
# file at the path (dist/logrotate.d/audrift)
mv "$T/f.json" "$T/f.json.1"
kill -HUP "$APID"
i=0
until [ "$(grep -c 'SIGHUP: reloaded' "$T/err")" = 2 ]; do
	i=$((i + 1)); [ $i -le 40 ] || fail "second SIGHUP not handled: $(cat "$T/err")"
	sleep 0.05
done
touch "$BIN/after-rotate"
wait_row "rule='live_file_drift' AND path='$BIN/after-rotate'"
i=0
until grep -q "$BIN/after-rotate" "$T/f.json" 2>/dev/null; do
	i=$((i + 1)); [ $i -le 40 ] || fail "after SIGHUP: no JSON line at $T/f.json"
	sleep 0.05
done
grep -q "$BIN/after-rotate" "$T/f.json.1" && fail "after SIGHUP: still writing the moved file"
grep -q "$BIN/after-hup" "$T/f.json.1" || fail "the moved file lacks the findings before SIGHUP"

# tamper: someone deletes our file rules by key
t0=$(now_ms)
auditctl -D -k audrift-file >/dev/null
wait_row "rule='audit_rules_tampered'" 1500
i=0
until [ "$(auditctl -l | grep -c 'key=audrift-file')" = 4 ]; do
	i=$((i + 1)); [ $i -le 20 ] || fail "rules not reinstalled within 1 s"
	sleep 0.05
done
echo "tamper: finding and rules back in $(( $(now_ms) - t0 )) ms"
touch "$BIN/after-tamper"
wait_row "rule='live_file_drift' AND path='$BIN/after-tamper'"

# who reads the socket: the main thread at this low rate, the reader
# thread from a burst on (300 files made and chmod'ed by one process),
# the main thread again once it is quiet; an event after that is found
i=0
while [ $i -lt 300 ]; do : > "$BIN/s$i"; i=$((i + 1)); done
chmod 700 "$BIN"/s*
wait_row "rule='live_file_drift' AND op='chmod' AND path='$BIN/s299'" 5000
sleep 0.5
touch "$BIN/after-burst"
wait_row "rule='live_file_drift' AND path='$BIN/after-burst'"
echo "after a burst of 600 events: found in ${LAT} ms"

live_stop
check_restored
ho=$(grep -o 'the socket went to the main thread [0-9]* time(s) (a low rate), back to the reader thread [0-9]*' "$T/err") ||
	fail "no netlink handoff counts in the log: $(tail -5 "$T/err")"
tomain=$(echo "$ho" | awk '{ print $8 }') toreader=$(echo "$ho" | awk '{ print $NF }')
[ "$tomain" -ge 2 ] && [ "$toreader" -ge 1 ] ||
	fail "the socket went to the main thread $tomain time(s) and back $toreader: want >= 2 and >= 1"
echo "socket handoffs: $tomain to the main thread, $toreader back to the reader"
rows=$(sqlite3 "$DB" "SELECT count(*) FROM findings;")
lines=$(cat "$T/f.json.1" "$T/f.json" | wc -l)
[ "$rows" = "$lines" ] || fail "$rows findings in SQLite, $lines JSON lines in the two files"
echo "JSON lines across the rotation: $(wc -l < "$T/f.json.1") + $(wc -l < "$T/f.json") = $rows findings"
n=$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE source='daemon' AND stop IS NOT NULL;" 2>/dev/null) || n=?
echo "runs rows closed: $n"
exit 0
